"""API shapes of quality reports (QUAL-1)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from dudao.common.pagination import PageParams


class QualityReportIn(Schema):
    period_start: str
    period_end: str


class QualityVersionIn(Schema):
    row_version: int | None = None


class QualityCorrectionIn(Schema):
    reason: str = ""


class QualityDecisionIn(Schema):
    action: str
    reason: str = ""


class QualityReportFilters(PageParams):
    status: str = ""


class QualityRowOut(Schema):
    institution_id: int
    name: str
    batches: int
    candidates: int
    results: int
    passed: int
    pass_rate: str | None
    supervised_batches: int
    supervision_coverage: str | None
    findings_minor: int
    findings_major: int
    findings_serious: int
    rectifications_due: int
    rectifications_on_time: int
    rectification_rate: str | None
    complaints_received: int
    complaints_accepted: int
    complaints_verified: int | None
    certificates_due: int
    certificates_on_time: int
    certificate_rate: str | None
    score: str
    rank: int | None
    best: bool
    failing: bool


class QualityResponseOut(Schema):
    id: int
    institution_id: int
    status: str
    status_label: str
    reason: str
    decision_reason: str
    responded_at: dt.datetime


class QualityReportOut(Schema):
    id: int
    number: str
    authority: int
    authority_name: str
    period_start: dt.date
    period_end: dt.date
    status: str
    status_label: str
    computed_at: dt.datetime
    published_at: dt.datetime | None
    confirm_by: dt.date | None
    confirm_by_provisional: bool
    previous: int | None
    row_version: int


class QualityReportDetailOut(QualityReportOut):
    rows: list[QualityRowOut]
    responses: list[QualityResponseOut]


class QualityReportPage(Schema):
    items: list[QualityReportOut]
    count: int
    page: int
    page_size: int
