"""API schemas of masked marking (EXAM-6, 16, 18): papers by code; candidates only after the join."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class MarkingOpenIn(Schema):
    mode: str = Field(..., description="double(双评)、panel(评分组)或 single(单评)")
    leader: int = Field(..., description="考评组长(本场次考场的考评员 id)")
    full: int = Field(100, description="满分")
    tolerance: Decimal | None = Field(None, description="双评允许误差,默认满分的 10%")


class MarkingOut(Schema):
    id: int
    session: int = Field(..., alias="session_id")
    subject: str = Field(..., alias="session.subject")
    level: int = Field(..., alias="session.level")
    mode: str
    full: int
    tolerance: Decimal
    leader: int = Field(..., alias="leader_id")
    status: str
    joined_at: dt.datetime | None


class MarkIn(Schema):
    code: str = Field(..., max_length=16, description="试卷密号")
    value: Decimal = Field(..., description="分数,最多一位小数")
    reason: str = Field("", max_length=500, description="组长评定或更正的理由")


class MarkOut(Schema):
    code: str = Field(..., alias="paper.code")
    role: str
    value: Decimal
    reason: str
    at: dt.datetime


class PaperMarkOut(Schema):
    role: str
    role_label: str
    value: Decimal
    reason: str


class PaperOut(Schema):
    code: str
    step: str
    step_label: str
    marks_given: int
    anomalies: list[str]
    mark: Decimal | None = None
    mine: list[PaperMarkOut] | None = None
    others: list[PaperMarkOut] | None = None
    may_mark: bool | None = None
    registration: str | None = None
    name: str | None = None


class SignatureOut(Schema):
    role: str
    user: str = Field(..., alias="user.display_name")
    digest: str
    signed_at: dt.datetime


class BookOut(Schema):
    version: int
    status: str
    algorithm: str
    digest: str
    reason: str
    created_at: dt.datetime
    signatures: list[SignatureOut]


class MarkingViewOut(Schema):
    marking: MarkingOut
    waiting: int
    papers: list[PaperOut]
    book: BookOut | None


class SignOut(Schema):
    role: str
    version: int = Field(..., alias="book.version")
    digest: str
    marking_status: str = Field(..., alias="book.marking.status")
