"""Schemas of the risk score API (issue 13 item 2; RAND-1)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class RiskPartOut(Schema):
    key: str
    group: str
    label: str
    points: int = Field(description="每件计分")
    counts: list[int] = Field(description="按时间段的件数:一年内、一至二年、二至三年")
    value: float = Field(description="本项得分(件数按时间段乘以 1、1/2、1/4 后乘以每件计分)")
    basis: str


class RiskScoreOut(Schema):
    institution_id: int
    institution_name: str
    uscc: str
    as_of: dt.date
    score: float
    weight: float = Field(description="按风险加权抽取时的抽中权重:1 + 评分 ÷ 10,最高 10")
    parts: list[RiskPartOut]


class RiskFilters(Schema):
    region: str | None = Field(None, max_length=12, description="区划代码:只看该区划及下级的机构")
