"""The survey after a supervision task (QUAL-4) and the special task's self-evaluation report (ACT-4).

Survey anonymity: the codes handed to respondents are stored only as their SHA-256 digests; a used code
is flagged without time, and a response keeps no link to the code, the person or the address, and only
the day it came in. So the database cannot tell who answered what; one answer per code is enforced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common.files import StoredFileFields
from dudao.common.models import BaseModel

from . import survey_rules

USER = settings.AUTH_USER_MODEL
ROLE_CHOICES = list(survey_rules.ROLES.items())


class Survey(BaseModel):
    """The survey of one task (QUAL-4): open from `opened_at` to the end of `closes_on`."""

    task = models.OneToOneField(
        "supervision.SupervisionTask",
        verbose_name="督导任务",
        on_delete=models.CASCADE,
        related_name="survey",
    )
    opened_by = models.ForeignKey(USER, verbose_name="发起人", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField("发起时间")
    closes_on = models.DateField("截止日期")
    closes_provisional = models.BooleanField("截止日期待确认", default=False)
    codes_issued = models.PositiveIntegerField("已发放评价码", default=0)

    class Meta:
        verbose_name = "督导满意度调查"
        verbose_name_plural = "督导满意度调查"
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task} 满意度调查"


class SurveyCode(models.Model):
    """One respondent's one-time code, kept only as its digest (the code itself is shown once)."""

    survey = models.ForeignKey(Survey, verbose_name="调查", on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField("评价码摘要", max_length=64, unique=True)
    role = models.CharField("身份", max_length=16, choices=ROLE_CHOICES)
    used = models.BooleanField("已使用", default=False)

    class Meta:
        verbose_name = "评价码"
        verbose_name_plural = "评价码"

    def __str__(self) -> str:
        return f"评价码 {self.pk}"


class SurveyResponse(models.Model):
    """One anonymous answer: no code, no person, no address, only the day (QUAL-4)."""

    survey = models.ForeignKey(
        Survey, verbose_name="调查", on_delete=models.CASCADE, related_name="responses"
    )
    role = models.CharField("身份", max_length=16, choices=ROLE_CHOICES)
    scores = models.JSONField("各题得分")
    comment = models.TextField("意见建议", blank=True)
    submitted_on = models.DateField("提交日期")

    class Meta:
        verbose_name = "调查答卷"
        verbose_name_plural = "调查答卷"

    def __str__(self) -> str:
        return f"答卷 {self.pk}"


class SelfEvaluation(BaseModel):
    """The institution's self-evaluation report (自评报告) requested for a special task (ACT-4 step 2):
    requested → submitted → reviewed; the preliminary opinion waits for the review."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "待机构提交"
        SUBMITTED = "submitted", "待督导组审阅"
        REVIEWED = "reviewed", "已审阅"

    task = models.OneToOneField(
        "supervision.SupervisionTask",
        verbose_name="督导任务",
        on_delete=models.CASCADE,
        related_name="self_evaluation",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.REQUESTED)
    note = models.TextField("要求说明", blank=True)
    due_on = models.DateField("提交期限")
    requested_by = models.ForeignKey(USER, verbose_name="要求人", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("要求时间")
    submitted_by = models.ForeignKey(
        USER, verbose_name="提交人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    overdue = models.BooleanField("逾期提交", default=False)
    review_note = models.TextField("审阅意见(结合现场督导发现)", blank=True)
    reviewed_by = models.ForeignKey(
        USER, verbose_name="审阅人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审阅时间", null=True, blank=True)

    class Meta:
        verbose_name = "自评报告"
        verbose_name_plural = "自评报告"

    def __str__(self) -> str:
        return f"{self.task} 自评报告"


class SelfEvaluationFile(StoredFileFields):
    """A file of the self-evaluation report (PDF or scanned pages), stored by content hash."""

    self_evaluation = models.ForeignKey(
        SelfEvaluation, verbose_name="自评报告", on_delete=models.CASCADE, related_name="files"
    )

    class Meta:
        verbose_name = "自评报告文件"
        verbose_name_plural = "自评报告文件"
        ordering = ["self_evaluation_id", "id"]
