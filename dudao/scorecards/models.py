"""Score-form versions loaded into the database and the evaluations made with them (FORM-A, FORM-B, REN-4)."""

from __future__ import annotations

import functools
from decimal import Decimal

from django.conf import settings
from django.db import models

from dudao.common.files import StoredFileFields
from dudao.common.models import BaseModel

from . import domain


@functools.lru_cache(maxsize=64)
def _parsed(definition: str) -> domain.ScoreForm:
    # Definitions are immutable once loaded, so the text itself is a safe cache key.
    return domain.load_form(definition)


class ScoreFormVersion(BaseModel):
    """One loaded version of a score form (YAML text + digest); immutable, never deleted once used."""

    form_id = models.CharField("评估表编号", max_length=64, db_index=True)
    version = models.PositiveIntegerField("版本")
    title = models.CharField("名称", max_length=255)
    definition = models.TextField("定义(YAML)")
    digest = models.CharField("摘要", max_length=128)
    digest_algorithm = models.CharField("摘要算法", max_length=16)
    source = models.CharField("来源", max_length=32, default="upload")  # shipped | upload
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="载入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_current = models.BooleanField("现行版本", default=False)

    class Meta:
        verbose_name = "评估表版本"
        verbose_name_plural = "评估表版本"
        ordering = ["form_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["form_id", "version"], name="scoreformversion_unique_version"),
            models.UniqueConstraint(
                fields=["form_id"], condition=models.Q(is_current=True), name="scoreformversion_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} 第 {self.version} 版"

    @property
    def form(self) -> domain.ScoreForm:
        """The parsed, validated form (cached per definition text)."""
        return _parsed(self.definition)


class Evaluation(BaseModel):
    """评估: one filled score form about one institution; signed → immutable, corrected by a new version."""

    class Purpose(models.TextChoices):
        RENEWAL = "renewal", "延续备案评估"
        ANNUAL_INSPECTION = "annual_inspection", "年度质量检查"
        OTHER = "other", "其他评估"

    class Status(models.TextChoices):
        DRAFT = "draft", "填写中"
        SUBMITTED = "submitted", "待签名"
        SIGNED = "signed", "已签署"
        SUPERSEDED = "superseded", "已被更正"
        CANCELLED = "cancelled", "已作废"

    institution = models.ForeignKey(
        "registry.Institution", verbose_name="评价机构", on_delete=models.PROTECT, related_name="evaluations"
    )
    authority = models.ForeignKey(
        "registry.Authority", verbose_name="评估机关", on_delete=models.PROTECT, related_name="evaluations"
    )
    form_version = models.ForeignKey(
        ScoreFormVersion, verbose_name="评估表版本", on_delete=models.PROTECT, related_name="evaluations"
    )
    purpose = models.CharField("评估目的", max_length=32, choices=Purpose.choices)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    note = models.CharField("说明", max_length=255, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评估组长", on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="评估组成员",
        through="EvaluationMember",
        related_name="evaluations",
    )
    # {item_id: value} exactly as the engine scores it; `answer_meta` {item_id: {"rev", "by", "at"}}
    # gives each item its own revision so group members filling different items never collide.
    answers = models.JSONField("答案", default=dict, blank=True)
    answer_meta = models.JSONField("答题记录", default=dict, blank=True)
    # Draft: Σ points of the answered items (capped); from submission: the engine's full total.
    total = models.DecimalField("总分", max_digits=6, decimal_places=2, default=Decimal("0"))
    band = models.CharField("结论档次", max_length=32, blank=True)  # "" until submitted
    answered_count = models.PositiveSmallIntegerField("已评项目数", default=0)
    item_count = models.PositiveSmallIntegerField("项目数", default=0)
    result = models.JSONField("计分结果", null=True, blank=True)  # domain ScoreResult.as_json at submission
    content_digest = models.CharField("签名内容摘要", max_length=128, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    signed_at = models.DateTimeField("签署完成时间", null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name="被更正的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    version_no = models.PositiveSmallIntegerField("版本号", default=1)
    correction_reason = models.CharField("更正原因", max_length=500, blank=True)
    cancel_reason = models.CharField("作废原因", max_length=500, blank=True)

    AUDIT_EXCLUDE = ("answers", "answer_meta", "result")  # item changes are audited one by one

    class Meta:
        verbose_name = "评估"
        verbose_name_plural = "评估"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["purpose", "status"]),
        ]
        constraints = [
            # One live correction per evaluation (a cancelled draft frees the slot).
            models.UniqueConstraint(
                fields=["previous"],
                condition=~models.Q(status="cancelled"),
                name="evaluation_one_correction",
            ),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="evaluation_total_not_negative"),
            # Opening is idempotent (issue 8 §5) [interpretation: DOMAIN "Evaluation = one filled ScoreForm
            # about one institution"; a second open one for the same authority, form and purpose is a
            # duplicate]. Corrections are limited by evaluation_one_correction instead.
            models.UniqueConstraint(
                fields=["institution", "authority", "form_version", "purpose"],
                condition=models.Q(status__in=["draft", "submitted"], previous__isnull=True),
                name="evaluation_one_open_per_target",
            ),
        ]

    def __str__(self) -> str:
        suffix = f"(第 {self.version_no} 版)" if self.version_no > 1 else ""
        return f"评估 {self.pk} 号{suffix}"

    @property
    def form(self) -> domain.ScoreForm:
        return self.form_version.form

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class EvaluationMember(models.Model):
    """A member of an evaluation group; `signed_at` is set when the member signs the submitted evaluation."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="成员", on_delete=models.PROTECT, related_name="+"
    )
    is_leader = models.BooleanField("组长", default=False)
    signed_at = models.DateTimeField("签名时间", null=True, blank=True)
    signed_digest = models.CharField("所签内容摘要", max_length=128, blank=True)

    class Meta:
        verbose_name = "评估组成员"
        verbose_name_plural = "评估组成员"
        ordering = ["-is_leader", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "user"], name="evaluationmember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user}{'(组长)' if self.is_leader else ''}"


class EvaluationItemNote(BaseModel):
    """The evaluators' note on one item (problems found, where, what was seen)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="notes")
    item_id = models.CharField("项目编号", max_length=32)
    note = models.TextField("说明", max_length=2000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填写人", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "评估项目说明"
        verbose_name_plural = "评估项目说明"
        ordering = ["evaluation_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "item_id"], name="evaluationitemnote_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.note[:30]}"


class Evidence(StoredFileFields):
    """An evidence file (photo, PDF, spreadsheet) of an evaluation item, stored by content hash."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="evidence")
    item_id = models.CharField("项目编号", max_length=32, blank=True)  # "" = the evaluation as a whole

    class Meta:
        verbose_name = "评估证据"
        verbose_name_plural = "评估证据"
        ordering = ["evaluation_id", "item_id", "id"]
