"""Batch archives (ARCH-1, ARCH-2; FORM-B B8.1–B8.4): one sealed package per exam plan, destruction plans
and their receipts. Every write goes through `dudao.archives.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common.files import StoredFileFields
from dudao.common.models import BaseModel


class ArchivePackage(StoredFileFields):
    """归档包: the ZIP of one plan's records with its manifest of SM3 digests (stored by content hash; the
    manifest's digest is in the audit chain). `uploaded_by`/`uploaded_at` are who sealed it and when."""

    plan = models.OneToOneField(
        "exams.ExamPlan", verbose_name="认定计划", on_delete=models.PROTECT, related_name="archive"
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name="评价机构", on_delete=models.PROTECT, related_name="archives"
    )
    batch_code = models.CharField("批次编号", max_length=40)
    title = models.CharField("认定计划", max_length=128)
    algorithm = models.CharField("摘要算法", max_length=16)
    manifest = models.JSONField("清单")
    manifest_digest = models.CharField("清单摘要", max_length=128)
    sealed_on = models.DateField("归档日期")
    certificates_on = models.DateField("发证日期", null=True, blank=True)
    kinds = models.JSONField("档案类别", default=list)
    destroyed = models.JSONField("已销毁类别", default=list, blank=True)

    class Meta:
        verbose_name = "归档包"
        verbose_name_plural = "归档包"
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["institution", "sealed_on"], name="archives_pkg_inst_sealed")]

    def __str__(self) -> str:
        return f"{self.batch_code} 归档包"


class DestructionPlan(BaseModel):
    """档案销毁计划 (FORM-B B8.4): kinds of packages to destroy and when, approved by the admin."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待审批"
        APPROVED = "approved", "已审批"
        DONE = "done", "已销毁"

    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="评价机构",
        on_delete=models.PROTECT,
        related_name="destruction_plans",
    )
    planned_on = models.DateField("计划销毁日期")
    reason = models.CharField("销毁说明", max_length=255)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="编制人", on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = "档案销毁计划"
        verbose_name_plural = "档案销毁计划"
        ordering = ["-planned_on", "-id"]

    def __str__(self) -> str:
        return f"销毁计划 {self.planned_on:%Y-%m-%d}"


class DestructionItem(models.Model):
    """One kind of one package in a destruction plan."""

    plan = models.ForeignKey(
        DestructionPlan, verbose_name="销毁计划", on_delete=models.CASCADE, related_name="items"
    )
    package = models.ForeignKey(
        ArchivePackage, verbose_name="归档包", on_delete=models.PROTECT, related_name="destruction_items"
    )
    kind = models.CharField("档案类别", max_length=32)

    class Meta:
        verbose_name = "销毁条目"
        verbose_name_plural = "销毁条目"
        ordering = ["package_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "package", "kind"], name="archives_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.package} {self.kind}"


class DestructionReceipt(models.Model):
    """销毁回单 (FORM-B B8.4): who destroyed, when, how, the witness; a scanned receipt optionally."""

    plan = models.OneToOneField(
        DestructionPlan, verbose_name="销毁计划", on_delete=models.PROTECT, related_name="receipt"
    )
    destroyed_on = models.DateField("销毁日期")
    destroyed_by_name = models.CharField("销毁人", max_length=64)
    method = models.CharField("销毁方式", max_length=128)
    witness = models.CharField("监销人", max_length=64)
    scan_file = models.CharField("回单扫描件", max_length=255, blank=True)
    scan_name = models.CharField("扫描件文件名", max_length=255, blank=True)
    scan_content_type = models.CharField("扫描件类型", max_length=128, blank=True)
    scan_sha256 = models.CharField("扫描件 SHA-256", max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "档案销毁回单"
        verbose_name_plural = "档案销毁回单"

    def __str__(self) -> str:
        return f"销毁回单 {self.destroyed_on:%Y-%m-%d}"
