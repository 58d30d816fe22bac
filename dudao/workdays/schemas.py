"""API schemas of the workdays app."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class AddOut(Schema):
    start: dt.date
    n: int
    date: dt.date = Field(description="开始日期之后第 n 个工作日(开始日期不计入)")  # CAL-2
    provisional: bool = Field(description="涉及尚未载入正式节假日安排的年度时为 true")  # CAL-3


class BetweenOut(Schema):
    start: dt.date
    end: dt.date
    days: int = Field(description="开始日期之后至结束日期(含)的工作日数;结束早于开始时为负数")
    provisional: bool


class ArrangementOut(Schema):
    year: int
    confirmed: bool
    source: str
    days_off: list[dt.date]
    workdays: list[dt.date]
    origin: str = Field(description="file:随系统发布;db:管理员载入(覆盖 file)")
    row_version: int | None = None
    updated_at: dt.datetime | None = None


class ArrangementListOut(Schema):
    items: list[ArrangementOut]
    count: int
    page: int
    page_size: int


class ArrangementIn(Schema):
    days_off: list[str] = Field(default_factory=list, description="放假日期 YYYY-MM-DD(含周末)")
    workdays: list[str] = Field(default_factory=list, description="调休上班日期 YYYY-MM-DD(仅周六、周日)")
    confirmed: bool = True
    source: str = ""
    row_version: int | None = Field(None, description="修改已有记录时提交读取到的版本号,防止覆盖他人修改")
