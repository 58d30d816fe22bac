"""The yearly cycle of supervision (ACT-6): the authority's annual supervision plan (年度督导工作计划) made at
the start of the year, and the year-end summary (年度督导工作总结) generated from what happened.

A published plan is immutable; a correction is a new version pointing to the old one (like `Report`), and
publishing it supersedes the old. One published plan per authority and year (database constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common.models import BaseModel

USER = settings.AUTH_USER_MODEL


class AnnualPlan(BaseModel):
    """年度督导工作计划 (ACT-6, RAND-1): targets, draw ratio and frequency, items, schedule, responsible."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        SUPERSEDED = "superseded", "已被更正"

    authority = models.ForeignKey(
        "registry.Authority", verbose_name="委派机构", on_delete=models.PROTECT, related_name="annual_plans"
    )
    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版本", default=1)
    previous = models.OneToOneField(
        "self",
        verbose_name="更正的原计划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    correction_reason = models.CharField("更正原因", max_length=255, blank=True)
    title = models.CharField("计划名称", max_length=128)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    # targets (RAND-1: ratio and frequency set by the authority, raised for risky targets)
    target_institutions = models.PositiveIntegerField("计划覆盖评价机构数", default=0)
    target_batches = models.PositiveIntegerField("计划督导评价批次数", default=0)
    target_tasks = models.PositiveIntegerField("计划督导任务数", default=0)
    draw_ratio = models.DecimalField("一般对象抽取比例", max_digits=5, decimal_places=4, default=0)
    risk_draw_ratio = models.DecimalField(
        "重点对象抽取比例",
        max_digits=5,
        decimal_places=4,
        default=0,
        help_text="投诉多、有违规记录或数据异常的对象",
    )
    draws_per_year = models.PositiveSmallIntegerField("全年抽取次数", default=0)
    # ACT-5 forms and the score forms used
    items = models.JSONField("督导事项与方式", default=list, blank=True)
    score_forms = models.JSONField("使用的评估表", default=list, blank=True)
    schedule = models.JSONField("进度安排(按季度)", default=list, blank=True)
    responsible = models.CharField("责任人", max_length=64)
    notes = models.TextField("其他说明", blank=True)
    created_by = models.ForeignKey(USER, verbose_name="制定人", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        USER, verbose_name="发布人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "年度督导工作计划"
        verbose_name_plural = "年度督导工作计划"
        ordering = ["-year", "authority_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "year", "version"], name="uniq_annual_plan_version"),
            models.UniqueConstraint(
                fields=["authority", "year"],
                condition=models.Q(status="published"),
                name="uniq_published_annual_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.year} 年度督导工作计划 v{self.version}"


class AnnualSummary(BaseModel):
    """年度督导工作总结 (ACT-6): figures computed from the year's records, free text; final = immutable."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        FINAL = "final", "已定稿"

    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="委派机构",
        on_delete=models.PROTECT,
        related_name="annual_summaries",
    )
    year = models.PositiveSmallIntegerField("年度")
    plan = models.ForeignKey(
        AnnualPlan,
        verbose_name="年度计划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="summaries",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    figures = models.JSONField("统计数据", default=dict, blank=True)
    figures_at = models.DateTimeField("统计时间")
    overview = models.TextField("工作概述", blank=True)
    achievements = models.TextField("主要成效", blank=True)
    problems = models.TextField("存在问题", blank=True)
    next_year = models.TextField("下一年度工作打算", blank=True)
    created_by = models.ForeignKey(USER, verbose_name="生成人", on_delete=models.PROTECT, related_name="+")
    finalised_at = models.DateTimeField("定稿时间", null=True, blank=True)
    finalised_by = models.ForeignKey(
        USER, verbose_name="定稿人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "年度督导工作总结"
        verbose_name_plural = "年度督导工作总结"
        ordering = ["-year", "authority_id"]
        constraints = [models.UniqueConstraint(fields=["authority", "year"], name="uniq_annual_summary")]

    def __str__(self) -> str:
        return f"{self.authority} {self.year} 年度督导工作总结"
