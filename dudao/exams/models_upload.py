"""National upload of certificate information (CERT-3, EXAM-12; FORM-B C4.2/C4.3).

Imported by `dudao.exams.models`. One `CertificateUpload` is one export of one plan's (batch's) certificates
that the national query system has not learnt about yet; the institution then confirms it (the national
system's receipt) or records its rejection (then exports again). Every write goes through
`dudao.exams.services.uploads`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common import pii
from dudao.common.models import BaseModel


class CertificateUpload(BaseModel):
    """证书信息上报批次: the export file (encrypted at rest: it holds full ID numbers), its certificates, and
    the national system's answer (receipt number and date, or the rejection's reason)."""

    class Status(models.TextChoices):
        EXPORTED = "exported", "已导出待上报"
        UPLOADED = "uploaded", "已上报"
        REJECTED = "rejected", "被退回"

    plan = models.ForeignKey(
        "exams.ExamPlan",
        verbose_name="认定计划",
        on_delete=models.PROTECT,
        related_name="certificate_uploads",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.EXPORTED)
    format = models.CharField("导出格式", max_length=8)
    file_name = models.CharField("文件名", max_length=128)
    # The export's bytes, base64 then encrypted with the personal-data key (`dudao pii rotate-key` rotates).
    content = pii.CiphertextField("导出文件(密文)")
    sha256 = models.CharField("文件 SHA-256", max_length=64)
    count = models.PositiveIntegerField("证书数")
    voided_count = models.PositiveIntegerField("其中已注销", default=0)
    exported_at = models.DateTimeField("导出时间")
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT, related_name="+"
    )
    # FORM-B C4.2: how many certificates this confirmation marked uploaded after their six-month deadline.
    late_count = models.PositiveIntegerField("逾期上报证书数", default=0)
    receipt_number = models.CharField("国家平台回执号", max_length=64, blank=True)
    receipt_date = models.DateField("上报日期", null=True, blank=True)
    receipt_file = models.CharField("回执文件存储名", max_length=255, blank=True)
    receipt_name = models.CharField("回执文件名", max_length=255, blank=True)
    receipt_content_type = models.CharField("回执文件类型", max_length=128, blank=True)
    receipt_sha256 = models.CharField("回执文件 SHA-256", max_length=64, blank=True)
    reject_reason = models.CharField("退回原因", max_length=500, blank=True)
    # FORM-B C4.3 counts batches rejected for wrong information, not for e.g. a transmission fault.
    wrong_data = models.BooleanField("因信息有误被退回", default=False)
    decided_at = models.DateTimeField("确认/退回时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认/退回人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    certificates = models.ManyToManyField(
        "exams.Certificate", verbose_name="证书", through="CertificateUploadItem", related_name="uploads"
    )

    AUDIT_EXCLUDE = ("content",)

    class Meta:
        verbose_name = "证书信息上报"
        verbose_name_plural = "证书信息上报"
        ordering = ["plan", "-exported_at", "-id"]
        constraints = [
            # One export awaiting the national system's answer per plan: confirm or reject it first.
            models.UniqueConstraint(
                fields=["plan"], condition=models.Q(status="exported"), name="exams_upload_one_open_per_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} 证书上报 {self.exported_at:%Y-%m-%d %H:%M}" if self.exported_at else "证书上报"


class CertificateUploadItem(models.Model):
    """One certificate in an export, with the status it was exported with (a voiding reported later is a new
    item with status voided)."""

    upload = models.ForeignKey(CertificateUpload, verbose_name="上报批次", on_delete=models.CASCADE)
    certificate = models.ForeignKey(
        "exams.Certificate", verbose_name="证书", on_delete=models.PROTECT, related_name="upload_items"
    )
    certificate_status = models.CharField("导出时证书状态", max_length=16)

    class Meta:
        verbose_name = "上报证书"
        verbose_name_plural = "上报证书"
        constraints = [
            models.UniqueConstraint(fields=["upload", "certificate"], name="exams_upload_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.upload_id}:{self.certificate_id}"
