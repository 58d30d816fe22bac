"""Quality reports (质量通报, QUAL-1): an authority's indicator report for a period, and each institution's
confirmation or correction request before the deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common.models import BaseModel

USER = settings.AUTH_USER_MODEL


class QualityReport(BaseModel):
    """质量通报: the indicator rows of the institutions in the authority's region for one period.

    Draft rows are recomputed at will; from publication the rows are frozen (a correction is a new
    report that points to this one)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布,待机构确认"
        CLOSED = "closed", "已办结"

    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="委派机构",
        on_delete=models.PROTECT,
        related_name="quality_reports",
    )
    period_start = models.DateField("统计开始日期")
    period_end = models.DateField("统计截止日期")
    number = models.CharField("文号", max_length=64)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    figures = models.JSONField("指标数据", default=list, blank=True)
    # ",12,15,": the institutions in `figures`, so an institution's list filters portably (SQLite has no
    # JSON containment); kept in step by `set_figures`.
    institution_keys = models.TextField("所列机构", blank=True, default="", editable=False)
    computed_at = models.DateTimeField("统计时间")
    previous = models.ForeignKey(
        "self",
        verbose_name="更正前的通报",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    created_by = models.ForeignKey(USER, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        USER, verbose_name="发布人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirm_by = models.DateField("机构确认截止日期", null=True, blank=True)
    confirm_by_provisional = models.BooleanField("确认期限为临时计算", default=False)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "质量通报"
        verbose_name_plural = "质量通报"
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="quality_report_period_order",
                violation_error_message="统计截止日期不能早于开始日期",
            ),
        ]

    def __str__(self) -> str:
        return f"质量通报 {self.number}"

    def set_figures(self, rows: list[dict]) -> None:
        """The indicator rows and the key list of their institutions."""
        self.figures = rows
        self.institution_keys = "," + "".join(f"{r['institution_id']}," for r in rows)

    def row_of(self, institution_id: int) -> dict | None:
        """The indicator row of one institution (None when it is not in the report)."""
        return next((r for r in self.figures if r["institution_id"] == institution_id), None)


class QualityResponse(BaseModel):
    """An institution's answer to a published report: confirmation, or a correction request with a reason
    that the authority accepts or rejects."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "已确认"
        REQUESTED = "requested", "已申请更正,待审核"
        ACCEPTED = "accepted", "更正申请已采纳"
        REJECTED = "rejected", "更正申请未采纳"

    report = models.ForeignKey(
        QualityReport, verbose_name="质量通报", on_delete=models.PROTECT, related_name="responses"
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name="评价机构", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    reason = models.TextField("更正理由", blank=True)
    responded_by = models.ForeignKey(USER, verbose_name="提交人", on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField("提交时间")
    decision_reason = models.TextField("审核意见", blank=True)
    decided_by = models.ForeignKey(
        USER, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "通报确认"
        verbose_name_plural = "通报确认"
        ordering = ["report_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "institution"], name="quality_response_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.institution_id} {self.get_status_display()}"


class QualityCampaign(BaseModel):
    """年度质量检查 (QUAL-3, ACT-5): an authority's yearly inspection of the institutions of its region with
    the `QC-STATION` form: self-inspection by each institution by a deadline, external inspection of a
    sample by the authority together with the yearly check of the examiners' cards, results, closure."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "自查中"
        INSPECTING = "inspecting", "外查中"
        CLOSED = "closed", "已结束"

    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="委派机构",
        on_delete=models.PROTECT,
        related_name="quality_campaigns",
    )
    year = models.PositiveSmallIntegerField("检查年度")
    title = models.CharField("名称", max_length=128)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    form_version = models.ForeignKey(
        "scorecards.ScoreFormVersion", verbose_name="评估表版本", on_delete=models.PROTECT, related_name="+"
    )
    self_workdays = models.PositiveSmallIntegerField("自查期限(工作日)")
    opened_at = models.DateTimeField("启动时间", null=True, blank=True)
    self_due = models.DateField("自查截止日期", null=True, blank=True)
    self_due_provisional = models.BooleanField("自查期限为临时计算", default=False)
    sample_size = models.PositiveSmallIntegerField("抽查家数", null=True, blank=True)  # None: all
    sample_seed = models.CharField("抽查随机种子", max_length=64, blank=True)
    sampled_at = models.DateTimeField("抽查时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "年度质量检查"
        verbose_name_plural = "年度质量检查"
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "year"], name="quality_campaign_once_a_year"),
        ]

    def __str__(self) -> str:
        return self.title


class CampaignEntry(BaseModel):
    """One institution in a campaign: its self-inspection (the answers of the form, scored by the
    scorecards engine), whether it is in the sample, the external evaluation and the examiners' card check."""

    campaign = models.ForeignKey(
        QualityCampaign, verbose_name="年度质量检查", on_delete=models.PROTECT, related_name="entries"
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name="评价机构", on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField("自查答案", default=dict, blank=True)
    self_total = models.DecimalField("自查得分", max_digits=6, decimal_places=2, null=True, blank=True)
    self_band = models.CharField("自查结论档次", max_length=32, blank=True)
    self_submitted_at = models.DateTimeField("自查提交时间", null=True, blank=True)
    self_submitted_by = models.ForeignKey(
        USER, verbose_name="自查提交人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    self_late = models.BooleanField("逾期提交", default=False)
    sampled = models.BooleanField("列入外查", default=False)
    evaluation = models.ForeignKey(
        "scorecards.Evaluation",
        verbose_name="外查评估",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    card_check = models.JSONField("考评员证卡年检", default=list, blank=True)
    card_checked_at = models.DateTimeField("证卡年检时间", null=True, blank=True)

    AUDIT_EXCLUDE = ("answers",)

    class Meta:
        verbose_name = "年度质量检查机构"
        verbose_name_plural = "年度质量检查机构"
        ordering = ["campaign_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "institution"], name="quality_campaign_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.institution_id}"
