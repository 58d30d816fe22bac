"""Official holiday arrangements per year (CAL-3, CAL-4): they override the holidays library."""

from __future__ import annotations

from django.db import models

from dudao.common.models import BaseModel


class OfficialArrangement(BaseModel):
    """One year's State Council arrangement: extra days off and weekend days worked (调休上班日)."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    days_off = models.JSONField(
        "放假日期", default=list, blank=True, help_text="ISO 日期列表(周末以外的放假日,可含周末)"
    )
    workdays = models.JSONField(
        "调休上班日期", default=list, blank=True, help_text="ISO 日期列表(周末上班日)"
    )
    confirmed = models.BooleanField("已确认(国务院办公厅通知已发布)", default=True)
    source = models.CharField("来源", max_length=255, blank=True)

    class Meta:
        verbose_name = "法定节假日安排"
        verbose_name_plural = "法定节假日安排"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} 年节假日安排"
