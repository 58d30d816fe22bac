"""BaseModel for every entity, and the hash-chained audit trail (DESIGN: data, security and audit)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .domain import SINGLE_LINE_MESSAGE, breaks_single_line


class BaseModel(models.Model):
    """Timestamps and a row version used to refuse concurrent edits (optimistic locking)."""

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    row_version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """Django's field checks, plus: one-line text fields (CharField) hold no line break or tab."""
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if (exclude and field.name in exclude) or not isinstance(field, models.CharField):
                continue
            if breaks_single_line(getattr(self, field.attname)):
                errors.setdefault(field.name, []).append(SINGLE_LINE_MESSAGE)
        if errors:
            raise ValidationError(errors)


class AuditEvent(models.Model):
    """One audited write; `hash` chains it to the previous event (`dudao audit verify`)."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField("时间", db_index=True)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True)
    actor_label = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("操作", max_length=80, db_index=True)
    object_type = models.CharField("对象类型", max_length=80)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_label = models.CharField("对象", max_length=255, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    request_id = models.CharField("请求ID", max_length=64, blank=True)
    algorithm = models.CharField("哈希算法", max_length=16)
    # Which chain key made `hash` (SEC-1: keys rotate; retired keys stay configured for verification).
    key_id = models.CharField("密钥标识", max_length=32, blank=True, default="")
    prev_hash = models.CharField("前一事件哈希", max_length=128)
    hash = models.CharField("哈希", max_length=128, unique=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The audit page scopes by actor (authority admins see their region's users).
            models.Index(fields=["actor_id", "id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_type}:{self.object_id}"

    HASHED_FIELDS = (
        "id",
        "at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "before",
        "after",
        "request_id",
        "algorithm",
        "key_id",
    )

    def hash_payload(self) -> dict:
        """The fields covered by the hash, in a form that survives a database round trip."""
        return self.payload_of({name: getattr(self, name) for name in self.HASHED_FIELDS})

    @staticmethod
    def payload_of(values: dict) -> dict:
        """`hash_payload` from a `.values()` row: verify reads rows without building model instances."""
        payload = {name: values[name] for name in AuditEvent.HASHED_FIELDS if name != "key_id"}
        payload["at"] = values["at"].isoformat(timespec="microseconds")
        if values["key_id"]:  # covered once the chain is keyed; legacy (unkeyed) rows had no key id
            payload["key_id"] = values["key_id"]
        return payload


class AuditCheckpoint(models.Model):
    """An Ed25519 signature over the chain head at one moment (SEC-1): truncation and rewrites show.

    The private key is not in the database; anyone holding the published public key and a copy of the
    checkpoints can check that every signed (event id, hash) is still in the chain.
    """

    id = models.BigIntegerField(primary_key=True)
    event_id = models.BigIntegerField("事件编号")
    head_hash = models.CharField("链头哈希", max_length=128)
    signed_at = models.DateTimeField("签名时间")
    signature = models.CharField("签名", max_length=128)
    public_key_fingerprint = models.CharField("公钥指纹", max_length=64)

    class Meta:
        verbose_name = "审计检查点"
        verbose_name_plural = "审计检查点"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"checkpoint #{self.id} @ event #{self.event_id}"

    def signed_at_text(self) -> str:
        return self.signed_at.isoformat(timespec="microseconds")

    def as_public_dict(self) -> dict:
        """The downloadable form (`checkpoints.json`), which `dudao audit verify --checkpoints` reads."""
        return {
            "id": self.id,
            "event_id": self.event_id,
            "head_hash": self.head_hash,
            "signed_at": self.signed_at_text(),
            "signature": self.signature,
            "public_key_fingerprint": self.public_key_fingerprint,
        }


class AuditChainHead(models.Model):
    """Single row holding the last event's id and hash; locked to serialise appends across processes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=128)
    # HMAC over (last_event_id, last_hash) with the last event's key (SEC-1): a database writer without the
    # key cannot point the head at an earlier event after deleting the tail.
    mac = models.CharField(max_length=128, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "审计链头"

    def __str__(self) -> str:
        return f"head #{self.last_event_id}"


class ImportJob(models.Model):
    """An Excel import run in the background (large files): the file until it has run, then the outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在导入"
        DONE = "done", "已导入"
        FAILED = "failed", "未导入"

    kind = models.CharField("导入类型", max_length=32)
    filename = models.CharField("文件名", max_length=255, blank=True)
    data = models.BinaryField("文件", default=b"")  # emptied once the import has run
    user = models.ForeignKey(
        "accounts.User", verbose_name="导入人", on_delete=models.CASCADE, related_name="import_jobs"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    result = models.JSONField("结果", null=True, blank=True)  # {"kind","rows","created","updated","seconds"}
    errors = models.JSONField("错误", default=list, blank=True)  # [{"row","column","value","message"}]
    message = models.CharField("说明", max_length=255, blank=True)
    success_url = models.CharField("完成后返回", max_length=255, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"导入 {self.filename or self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
