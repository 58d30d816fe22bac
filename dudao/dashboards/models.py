"""Materialised aggregates behind the dashboards (issue 13 item 3), rebuilt by `services.refresh`.

Nothing here is a fact of its own: every row is recomputed from supervision, exams and complaints data,
so a refresh replaces the whole set (idempotent). Months are calendar months in Asia/Shanghai, stored as
their first day. `region_code` is the institution's own region (a district or a city, GB/T 2260), so a
user's scope (a region prefix) filters these rows like it filters the institutions.
"""

from __future__ import annotations

from django.db import models


class InstitutionMonth(models.Model):
    """One institution's figures for one month (only months with something to count are stored)."""

    institution = models.ForeignKey(
        "registry.Institution", verbose_name="评价机构", on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=6)
    month = models.DateField("月份")
    batches = models.PositiveIntegerField("评价批次", default=0)
    covered_batches = models.PositiveIntegerField("有督导的批次", default=0)
    tasks = models.PositiveIntegerField("督导任务", default=0)
    findings = models.PositiveIntegerField("发现问题", default=0)
    serious_findings = models.PositiveIntegerField("较重及严重问题", default=0)
    results = models.PositiveIntegerField("已公示成绩", default=0)
    passed = models.PositiveIntegerField("合格", default=0)
    complaints = models.PositiveIntegerField("投诉举报", default=0)
    verified_complaints = models.PositiveIntegerField("查实的投诉", default=0)

    class Meta:
        verbose_name = "机构月度统计"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["institution", "month"], name="dashboards_inst_month_unique")
        ]
        indexes = [models.Index(fields=["region_code", "month"], name="dashboards_inst_region_month")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.month:%Y-%m}"


class RegionMonth(models.Model):
    """One region's figures for one month: the rows the authority and public pages read."""

    region_code = models.CharField("区划代码", max_length=6)
    month = models.DateField("月份")
    institutions = models.PositiveIntegerField("在册机构", default=0)
    supervised_institutions = models.PositiveIntegerField("有督导任务的机构", default=0)
    batches = models.PositiveIntegerField("评价批次", default=0)
    covered_batches = models.PositiveIntegerField("有督导的批次", default=0)
    tasks = models.PositiveIntegerField("督导任务", default=0)
    findings = models.PositiveIntegerField("发现问题", default=0)
    serious_findings = models.PositiveIntegerField("较重及严重问题", default=0)
    results = models.PositiveIntegerField("已公示成绩", default=0)
    passed = models.PositiveIntegerField("合格", default=0)
    complaints = models.PositiveIntegerField("投诉举报", default=0)
    verified_complaints = models.PositiveIntegerField("查实的投诉", default=0)

    class Meta:
        verbose_name = "地区月度统计"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["region_code", "month"], name="dashboards_region_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.month:%Y-%m}"


class PassRateMonth(models.Model):
    """Published results of one region, month, occupation and level."""

    region_code = models.CharField("区划代码", max_length=6)
    month = models.DateField("月份")
    occupation = models.ForeignKey(
        "registry.Occupation", verbose_name="职业", on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField("等级")
    results = models.PositiveIntegerField("已公示成绩", default=0)
    passed = models.PositiveIntegerField("合格", default=0)

    class Meta:
        verbose_name = "通过率月度统计"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "month", "occupation", "level"], name="dashboards_pass_rate_unique"
            )
        ]
        indexes = [models.Index(fields=["month", "region_code"], name="dashboards_pass_month_region")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.month:%Y-%m} {self.occupation_id} {self.level}"


class SupervisorMonth(models.Model):
    """Tasks a supervisor took part in (active member, not declined), by the task's region and month."""

    supervisor = models.ForeignKey(
        "people.Supervisor", verbose_name="督导员", on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=6)
    month = models.DateField("月份")
    tasks = models.PositiveIntegerField("督导任务", default=0)

    class Meta:
        verbose_name = "督导员月度工作量"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["supervisor", "region_code", "month"], name="dashboards_supervisor_month_unique"
            )
        ]
        indexes = [models.Index(fields=["month", "region_code"], name="dashboards_sup_month_region")]

    def __str__(self) -> str:
        return f"{self.supervisor_id} {self.region_code} {self.month:%Y-%m}"


class RegionTotal(models.Model):
    """One region over the whole window: institutions with at least one task (distinct, so not a sum of
    the months)."""

    region_code = models.CharField("区划代码", max_length=6, unique=True)
    supervised_institutions = models.PositiveIntegerField("有督导任务的机构", default=0)
    # RAND-1: the risk scores of the region's active institutions on the refresh day (dudao.analytics.risk).
    scored_institutions = models.PositiveIntegerField("参与风险评分的机构", default=0)
    high_risk_institutions = models.PositiveIntegerField("高风险机构", default=0)
    risk_score_sum = models.DecimalField("风险评分合计", max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = "地区期间统计"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.region_code


class PassRateTotal(models.Model):
    """Pass rates over the window rolled up for every scope a user can have: `scope` is a region code
    prefix ("" everything, "36" a province, "3601" a city, "360102" a district), so a page reads only the
    rows of its own scope."""

    scope = models.CharField("范围", max_length=6, blank=True)
    occupation = models.ForeignKey(
        "registry.Occupation", verbose_name="职业", on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField("等级")
    results = models.PositiveIntegerField("已公示成绩", default=0)
    passed = models.PositiveIntegerField("合格", default=0)

    class Meta:
        verbose_name = "通过率期间统计"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "occupation", "level"], name="dashboards_pass_total_unique"
            )
        ]
        indexes = [models.Index(fields=["scope", "-results"], name="dashboards_pass_total_scope")]

    def __str__(self) -> str:
        return f"{self.scope} {self.occupation_id} {self.level}"


class SupervisorTotal(models.Model):
    """A supervisor's tasks over the window in one scope (region code prefix, as PassRateTotal)."""

    scope = models.CharField("范围", max_length=6, blank=True)
    supervisor = models.ForeignKey(
        "people.Supervisor", verbose_name="督导员", on_delete=models.CASCADE, related_name="+"
    )
    tasks = models.PositiveIntegerField("督导任务", default=0)

    class Meta:
        verbose_name = "督导员期间工作量"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["scope", "supervisor"], name="dashboards_sup_total_unique")
        ]
        indexes = [models.Index(fields=["scope", "-tasks"], name="dashboards_sup_total_scope")]

    def __str__(self) -> str:
        return f"{self.scope} {self.supervisor_id}"


class FlagMonth(models.Model):
    """Data-comparison flags (dudao.analytics.Flag) of one region, month raised and kind, by review state.
    The region is the institution's, or the authority's for a flag without an institution (an examiner's)."""

    region_code = models.CharField("区划代码", max_length=6)
    month = models.DateField("月份")
    kind = models.CharField("疑点类型", max_length=32)
    raised = models.PositiveIntegerField("发现", default=0)
    open = models.PositiveIntegerField("待核查", default=0)
    confirmed = models.PositiveIntegerField("已确认", default=0)
    dismissed = models.PositiveIntegerField("已排除", default=0)

    class Meta:
        verbose_name = "疑点月度统计"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "month", "kind"], name="dashboards_flag_month_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.month:%Y-%m} {self.kind}"


class Refresh(models.Model):
    """When the aggregates were last rebuilt (one row per refresh; the pages show the latest)."""

    finished_at = models.DateTimeField("刷新时间")
    first_month = models.DateField("起始月份")
    last_month = models.DateField("截止月份")
    rows = models.PositiveIntegerField("统计行数")
    seconds = models.FloatField("耗时(秒)")

    class Meta:
        verbose_name = "看板刷新记录"
        verbose_name_plural = verbose_name
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return f"统计数据 {self.first_month:%Y-%m} 至 {self.last_month:%Y-%m}"
