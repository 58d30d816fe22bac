"""Examiner conduct (issue 11 point 5; EXAM-10, EXAM-19): an examiner's attendance at each room duty, the
sanction proposals raised from it (or reported by staff and supervisors), the authority's decision and the
examiner's written appeal.

Imported by `dudao.exams.models`. Every write goes through `dudao.exams.services.conduct`; the proposal's
workflow is the table in `dudao.exams.workflow`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common.models import BaseModel

from .domain import conduct as rules


class ExaminerAttendance(BaseModel):
    """考评员到岗: one examiner's attendance at one room duty (RoomStaff); an absence or lateness may be
    excused with a reason by the institution's admin. A replacement made with a reason is recorded as an
    absence of the replaced examiner (source `replacement`)."""

    class Status(models.TextChoices):
        PRESENT = rules.PRESENT, "到岗"
        LATE = rules.LATE, "迟到"
        ABSENT = rules.ABSENT, "缺席"

    class Source(models.TextChoices):
        RECORDED = "recorded", "现场登记"
        REPLACEMENT = "replacement", "被替换"

    duty = models.OneToOneField(
        "exams.RoomStaff", verbose_name="考场任务", on_delete=models.PROTECT, related_name="attendance"
    )
    status = models.CharField("到岗情况", max_length=16, choices=Status.choices)
    late_minutes = models.PositiveSmallIntegerField("迟到分钟数", default=0)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.RECORDED)
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    excused = models.BooleanField("已说明理由", default=False)
    excuse_reason = models.CharField("理由", max_length=255, blank=True)
    excused_at = models.DateTimeField("认可时间", null=True, blank=True)
    excused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="认可人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "考评员到岗记录"
        verbose_name_plural = "考评员到岗记录"
        ordering = ["duty"]

    def __str__(self) -> str:
        return f"{self.duty} {self.get_status_display()}"


class SanctionProposal(BaseModel):
    """考评人员处理建议 (EXAM-10): raised from attendance (automatic, idempotent by `key`), reported by the
    institution or a supervisor, or a supervisor's proposal to disqualify (EXAM-19); decided by the authority
    that oversees the institution: confirmed with a sanction or dismissed with a reason."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待决定"
        CONFIRMED = "confirmed", "已决定处理"
        DISMISSED = "dismissed", "不予处理"

    class Ground(models.TextChoices):
        CONSECUTIVE_ABSENCES = rules.CONSECUTIVE_ABSENCES, "连续三次无故不参加考评任务"
        REFUSED_SUPERVISION = rules.REFUSED_SUPERVISION, "拒绝接受监督检查"
        OFTEN_LATE_ABSENT = rules.OFTEN_LATE_ABSENT, "经常迟到、早退或无故不到"
        SCORING_RULES = rules.SCORING_RULES, "不按考评规定和评分标准评分"
        DISQUALIFICATION = rules.DISQUALIFICATION, "督导员建议取消考评人员资格"
        OTHER = rules.OTHER, "其他严重情形"

    class Sanction(models.TextChoices):
        WARNING = rules.WARNING, "警告"
        PUBLIC_CRITICISM = rules.PUBLIC_CRITICISM, "通报批评"
        REVOCATION = rules.REVOCATION, "取消考评人员资格"

    class Source(models.TextChoices):
        ATTENDANCE = "attendance", "到岗记录自动生成"
        INSTITUTION = "institution", "评价机构提出"
        SUPERVISOR = "supervisor", "督导员提出"

    examiner = models.ForeignKey(
        "people.Examiner", verbose_name="考评员", on_delete=models.PROTECT, related_name="sanction_proposals"
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name="评价机构", on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "registry.Batch",
        verbose_name="评价批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sanction_proposals",
    )
    ground = models.CharField("事由", max_length=32, choices=Ground.choices)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    # The same ground on the same duties (automatic proposals) is raised once.
    key = models.CharField("事由标识", max_length=255, null=True, blank=True, unique=True)
    duties = models.ManyToManyField(
        "exams.RoomStaff", verbose_name="相关考场任务", blank=True, related_name="+"
    )
    facts = models.TextField("事实与理由")
    proposed_sanction = models.CharField("建议处理", max_length=24, choices=Sanction.choices)
    proposed_at = models.DateTimeField("提出时间")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PROPOSED)
    sanction = models.CharField("决定处理", max_length=24, choices=Sanction.choices, blank=True)
    decision_reason = models.CharField("决定理由", max_length=500, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "考评人员处理建议"
        verbose_name_plural = "考评人员处理建议"
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(fields=["status", "institution"]),
            models.Index(fields=["examiner", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.examiner} {self.get_ground_display()}"


class SanctionAppeal(models.Model):
    """申诉 (EXAM-19 "可向鉴定机构提出申诉"): the examiner's written appeal against a proposal or decision,
    one per proposal, shown to the deciders."""

    proposal = models.OneToOneField(
        SanctionProposal, verbose_name="处理建议", on_delete=models.PROTECT, related_name="appeal"
    )
    text = models.TextField("申诉理由")
    filed_at = models.DateTimeField("申诉时间")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申诉人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "考评人员申诉"
        verbose_name_plural = "考评人员申诉"

    def __str__(self) -> str:
        return f"{self.proposal} 申诉"
