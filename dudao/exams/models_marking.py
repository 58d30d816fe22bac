"""Masked marking and signed score books (issue 11 item 1; EXAM-6, 16, 18).

Imported by `dudao.exams.models`. Every write goes through `dudao.exams.services.marking`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common.models import BaseModel


class Marking(BaseModel):
    """阅卷: the marking of one session's papers, by code (EXAM-6), in the session's mode (EXAM-16, 18)."""

    class Mode(models.TextChoices):
        DOUBLE = "double", "双评(两名考评员独立评分)"
        PANEL = "panel", "评分组(各成员独立评分,取平均)"
        SINGLE = "single", "单评(机考或一名考评员)"

    class Status(models.TextChoices):
        MARKING = "marking", "阅卷中"
        SIGNED = "signed", "评分册已签字,成绩已合成"

    session = models.OneToOneField(
        "exams.ExamSession", verbose_name="场次", on_delete=models.PROTECT, related_name="marking"
    )
    mode = models.CharField("评分方式", max_length=16, choices=Mode.choices)
    full = models.PositiveSmallIntegerField("满分", default=100)
    tolerance = models.DecimalField("允许误差", max_digits=6, decimal_places=2)
    leader = models.ForeignKey(
        "people.Examiner", verbose_name="考评组长", on_delete=models.PROTECT, related_name="led_markings"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.MARKING)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="开启人", on_delete=models.PROTECT, related_name="+"
    )
    joined_at = models.DateTimeField("合成成绩时间", null=True, blank=True)

    class Meta:
        verbose_name = "阅卷"
        verbose_name_plural = "阅卷"
        ordering = ["session"]
        constraints = [
            models.CheckConstraint(condition=models.Q(full__gte=1), name="exams_marking_full"),
            models.CheckConstraint(condition=models.Q(tolerance__gte=0), name="exams_marking_tolerance"),
        ]

    def __str__(self) -> str:
        return f"{self.session} 阅卷"


class Paper(models.Model):
    """试卷: one seat's paper, known to its markers by a random code only (EXAM-6)."""

    marking = models.ForeignKey(Marking, verbose_name="阅卷", on_delete=models.CASCADE, related_name="papers")
    seat = models.OneToOneField(
        "exams.Seat", verbose_name="座位", on_delete=models.PROTECT, related_name="paper"
    )
    code = models.CharField("密号", max_length=12)
    # absent, or the subject stopped or voided (EXAM-8): not marked, fails
    absent = models.BooleanField("缺考或成绩无效", default=False)

    class Meta:
        verbose_name = "试卷"
        verbose_name_plural = "试卷"
        ordering = ["marking", "code"]
        constraints = [
            models.UniqueConstraint(fields=["marking", "code"], name="exams_paper_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class Mark(models.Model):
    """评分: one examiner's mark on one paper in one role; a correction supersedes it with a reason and
    the old mark stays (`current` False)."""

    class Role(models.TextChoices):
        INITIAL = "initial", "评分"
        THIRD = "third", "第三评"
        LEADER = "leader", "组长评定"

    paper = models.ForeignKey(Paper, verbose_name="试卷", on_delete=models.CASCADE, related_name="marks")
    examiner = models.ForeignKey(
        "people.Examiner", verbose_name="考评员", on_delete=models.PROTECT, related_name="marks"
    )
    role = models.CharField("评分类别", max_length=16, choices=Role.choices)
    value = models.DecimalField("分数", max_digits=6, decimal_places=2)
    reason = models.CharField("理由", max_length=500, blank=True)
    current = models.BooleanField("有效", default=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name="更正前",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    at = models.DateTimeField("评分时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "评分"
        verbose_name_plural = "评分"
        ordering = ["paper", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "examiner", "role"],
                condition=models.Q(current=True),
                name="exams_mark_once_per_role",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="exams_mark_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.paper.code} {self.get_role_display()}"


class ScoreBook(models.Model):
    """评分册: one version of a marking's marks by code, with its digest; signed by every marker, then the
    tallier (EXAM-6). A correction makes a new version with a reason; the old one stays, superseded."""

    class Status(models.TextChoices):
        SIGNING = "signing", "签字中"
        SIGNED = "signed", "已签字"
        SUPERSEDED = "superseded", "已被更正版本取代"

    marking = models.ForeignKey(Marking, verbose_name="阅卷", on_delete=models.CASCADE, related_name="books")
    version = models.PositiveIntegerField("版本")
    content = models.JSONField("内容")
    algorithm = models.CharField("摘要算法", max_length=16)
    digest = models.CharField("摘要", max_length=128)
    reason = models.CharField("更正理由", max_length=500, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.SIGNING)
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "评分册"
        verbose_name_plural = "评分册"
        ordering = ["marking", "version"]
        constraints = [
            models.UniqueConstraint(fields=["marking", "version"], name="exams_scorebook_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.marking} 评分册 第{self.version}版"


class ScoreBookSignature(models.Model):
    """签字: a marker's or the tallier's signature on one version of a score book, over its digest."""

    class Role(models.TextChoices):
        MARKER = "marker", "考评员"
        TALLIER = "tallier", "统分员"

    book = models.ForeignKey(
        ScoreBook, verbose_name="评分册", on_delete=models.CASCADE, related_name="signatures"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签字人", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("身份", max_length=16, choices=Role.choices)
    examiner = models.ForeignKey(
        "people.Examiner",
        verbose_name="考评员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    digest = models.CharField("所签摘要", max_length=128)
    signed_at = models.DateTimeField("签字时间")

    class Meta:
        verbose_name = "评分册签字"
        verbose_name_plural = "评分册签字"
        ordering = ["book", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["book", "user"], name="exams_scorebook_sign_once"),
        ]

    def __str__(self) -> str:
        return f"{self.book} {self.get_role_display()}签字"
