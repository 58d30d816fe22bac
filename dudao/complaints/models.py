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
        INVESTIGATING = "investigating", "调查中"
        FOUND = "found", "已调查,正在处理"
        DISPOSED = "disposed", "已处理,待答复"
        REPLIED = "replied", "已答复"
        CLOSED = "closed", "已办结"

    class Finding(models.TextChoices):
        VERIFIED = "verified", "查实"
        NOT_VERIFIED = "not_verified", "未查实"

    class Disposition(models.TextChoices):
        PENALTY_PROPOSAL = "penalty_proposal", "提出处理建议"
        VOIDED_RESULT = "voided_result", "撤销评价结果"
        VOIDED_CERTIFICATE = "voided_certificate", "撤销证书"
        NO_ACTION = "no_action", "不予处理"

    class Measure(models.TextChoices):
        """INST-4's ladder as proposed on a complaint."""

        CRITICISM_AND_CORRECTION = "criticism_and_correction", "通报批评并责令改正"
        DISCIPLINARY_PROPOSAL = "disciplinary_proposal", "建议给予处分"
        REVOCATION = "revocation", "取消评价工作资格"

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
    persons_concerned = models.ManyToManyField(
        "people.Person", verbose_name="被投诉人员", blank=True, related_name="complaints_concerning"
    )
    investigating_at = models.DateTimeField("开始调查时间", null=True, blank=True)
    finding = models.CharField("调查结论", max_length=16, choices=Finding.choices, blank=True)
    finding_text = models.TextField("调查情况", blank=True)
    found_at = models.DateTimeField("调查结论时间", null=True, blank=True)
    disposition = models.CharField("处理", max_length=24, choices=Disposition.choices, blank=True)
    disposition_note = models.TextField("处理说明", blank=True)
    disposed_at = models.DateTimeField("处理时间", null=True, blank=True)
    penalty_measure = models.CharField("建议处理方式", max_length=32, choices=Measure.choices, blank=True)
    penalty_ground = models.CharField("建议处理事由", max_length=24, blank=True)  # INST-4 grounds
    penalty = models.ForeignKey(
        "supervision.Penalty",
        verbose_name="处理决定",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    task = models.ForeignKey(
        "supervision.SupervisionTask",
        verbose_name="专项督导任务",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
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


class ComplaintHandler(models.Model):
    """A user the authority assigned to handle an accepted complaint (COMPL-2: nobody complained about,
    nobody related to the institution)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name="投诉", on_delete=models.CASCADE, related_name="handlers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办理人员", on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="指定人", on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField("指定时间")

    class Meta:
        verbose_name = "投诉办理人员"
        verbose_name_plural = "投诉办理人员"
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "user"], name="complaint_handler_once"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.user}"
