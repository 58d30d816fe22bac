"""Complaints filed by the public about an evaluation institution (COMPL-1…3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common import pii
from dudao.registry.models import Institution


class Complaint(models.Model):
    """One complaint: followed by the filer with its code and secret (the secret is stored hashed), the
    filer's contact encrypted like people data (SEC-3) and never in the audit trail."""

    AUDIT_EXCLUDE = ("secret_hash", "contact_name", "contact_phone", "content")

    class Category(models.TextChoices):
        """The domain's categories (dudao.complaints.domain.Category) with their labels."""

        EXAM_DISCIPLINE = "exam_discipline", "考试纪律"
        ELIGIBILITY = "eligibility", "报名条件"
        FEES = "fees", "收费"
        CERTIFICATE = "certificate", "证书"
        EXAMINER = "examiner", "考评人员"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        RECEIVED = "received", "已收到,待受理"
        ACCEPTED = "accepted", "已受理,正在调查"
        DECLINED = "declined", "不予受理"

    code = models.CharField("查询码", max_length=16, unique=True)
    secret_hash = models.CharField("查询密码(摘要)", max_length=64, editable=False)
    institution = models.ForeignKey(
        Institution, verbose_name="被投诉机构", on_delete=models.PROTECT, related_name="complaints"
    )
    category = models.CharField("投诉类别", max_length=24, choices=Category.choices)
    content = models.TextField("投诉内容")
    anonymous = models.BooleanField("匿名", default=False)
    contact_name = pii.EncryptedTextField("联系人姓名", max_length=64, blank=True)
    contact_phone = pii.EncryptedTextField("联系电话", max_length=20, blank=True)
    received_at = models.DateTimeField("收到时间")
    accept_by = models.DateField("受理决定期限")
    accept_by_provisional = models.BooleanField("受理期限为临时计算", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default="received")
    decided_at = models.DateTimeField("受理决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField("受理决定理由", blank=True)
    result_by = models.DateField("办结期限", null=True, blank=True)
    result_by_provisional = models.BooleanField("办结期限为临时计算", default=False)
    public_reply = models.TextField("答复投诉人", blank=True)
    row_version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "投诉"
        verbose_name_plural = "投诉"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "accept_by"], name="complaint_status_due")]

    def __str__(self) -> str:
        return f"投诉 {self.code}"
