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


class QualityCampaignRowOut(Schema):
    """The institution's results of the yearly inspection of the report's year (QUAL-3)."""

    campaign_id: int
    title: str
    self_total: str | None
    self_submitted: bool
    self_late: bool
    sampled: bool
    external_total: str | None
    external_band: str
    external_failing: bool
    gap: str | None
    cards: int


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
    campaign: QualityCampaignRowOut | None = None


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


# ------------------------------------------------------------------ yearly inspection campaign (QUAL-3)


class CampaignIn(Schema):
    year: int
    title: str = ""
    self_workdays: int = 10


class CampaignSampleIn(Schema):
    row_version: int | None = None
    size: int | None = None  # empty: every institution
    seed: str = ""


class SelfInspectionIn(Schema):
    answers: dict[str, str | bool | int | list[int]] = {}
    submit: bool = False


class CampaignFilters(PageParams):
    status: str = ""


class CardCheckOut(Schema):
    examiner_id: int
    name: str
    card: str
    valid_until: str | None
    state: str
    state_label: str


class CampaignResultOut(Schema):
    entry_id: int
    institution_id: int
    name: str
    self_total: str | None
    self_submitted: bool
    self_late: bool
    sampled: bool
    evaluation_id: int | None
    evaluation_status: str
    external_total: str | None
    external_band: str
    external_failing: bool
    gap: str | None
    cards: list[CardCheckOut]


class CampaignOut(Schema):
    id: int
    authority: int
    authority_name: str
    year: int
    title: str
    status: str
    status_label: str
    form: str
    self_workdays: int
    self_due: dt.date | None
    self_due_provisional: bool
    sample_size: int | None
    sample_seed: str
    row_version: int


class CampaignDetailOut(CampaignOut):
    results: list[CampaignResultOut]


class CampaignPage(Schema):
    items: list[CampaignOut]
    count: int
    page: int
    page_size: int


class SelfInspectionOut(Schema):
    id: int
    campaign: int
    campaign_title: str
    campaign_status: str
    self_due: dt.date | None
    answers: dict
    answered: int
    item_count: int
    self_total: str | None
    self_band: str
    self_submitted_at: dt.datetime | None
    self_late: bool
