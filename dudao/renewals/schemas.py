"""API schemas of the renewals app (django-ninja)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from dudao.common.pagination import PageParams


class ApplicationFilters(PageParams):
    q: str = Field("", description="关键词:机构名称、备案编号")
    status: str = Field("", description="状态:submitted、under_review、evaluating、rectifying …")
    kind: str = Field("", description="机构类型:employer、tech_school、social_org")
    deadline: str = Field("", description="办结期限:open 待决定、overdue 已逾期")
    institution: int | None = None


class AttachmentOut(Schema):
    id: int
    material: str = Field(description="材料:application_letter、question_explanation、expert_review …")
    material_label: str
    kind: str = Field(description="文件类别:photo、pdf、spreadsheet")
    original_name: str
    content_type: str
    size: int
    sha256: str

    @staticmethod
    def resolve_material_label(obj) -> str:
        return obj.get_material_display()


class ApplicationOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    filing_id: int
    filing_number: str
    authority_id: int
    authority_name: str
    kind: str
    self_built_questions: bool
    status: str
    status_label: str
    received_on: dt.date
    expires_on: dt.date
    path: str
    decision_workdays: int
    decide_by: dt.date
    provisional: bool
    deadline_label: str | None = None
    evaluation_id: int | None
    re_evaluation_id: int | None
    evaluation_total: Decimal | None
    evaluation_band: str
    re_evaluation_total: Decimal | None
    re_evaluation_band: str
    rectification_deadline: dt.date | None
    renewed_from: dt.date | None
    renewed_until: dt.date | None
    receipt_number: str
    notice_number: str
    outcome_reason: str
    row_version: int

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return obj.institution.name

    @staticmethod
    def resolve_filing_number(obj) -> str:
        return obj.filing.number

    @staticmethod
    def resolve_authority_name(obj) -> str:
        return obj.authority.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_deadline_label(obj) -> str | None:
        info = getattr(obj, "deadline_info", None)
        return info["label"] if info else None


class ApplicationDetailOut(ApplicationOut):
    evaluation_centre_id: int | None
    centre_outcome: str
    centre_note: str
    bureau_opinion: str
    period_start: dt.date
    materials: dict[str, Any]
    review_opinion: str
    problems: list[dict[str, Any]]
    scope_changes: list[dict[str, Any]]
    rectification_started_on: dt.date | None
    receipt_issued_on: dt.date | None
    notice_issued_on: dt.date | None
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.order_by("id"))


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    count: int
    page: int
    page_size: int


class VersionIn(Schema):
    row_version: int


class RenewalReasonIn(VersionIn):
    reason: str = ""


class ReviewIn(VersionIn):
    approve: bool
    opinion: str


class EvaluationIn(VersionIn):
    leader: int
    members: list[int] = []


class OutcomeIn(VersionIn):
    reason: str = ""


class ConfigIn(Schema):
    renewal_years: int = Field(..., ge=1, le=10)
    receipt_prefix: str = ""
    notice_prefix: str = ""
    filing_prefix: str | None = Field(None, description="新备案回执文号前缀;省略则不变")
    evaluation_centre_id: int | None = Field(
        -1, description="两步办理的评估机构(中心)id;null 为一步办理;省略则不变"
    )
    row_version: int | None = None


class ConfigOut(Schema):
    authority_id: int
    renewal_years: int
    receipt_prefix: str
    notice_prefix: str
    filing_prefix: str
    evaluation_centre_id: int | None
    row_version: int


class BureauReviewIn(VersionIn):
    approve: bool
    opinion: str = ""


class TerminationStartIn(VersionIn):
    notice: str


class TerminationStartOut(Schema):
    termination_id: int
    status: str
    statement_due_on: dt.date
    statement_due_provisional: bool


# ---------------------------------------------------------------------------------------------- new filings


class FilingScopeRowIn(Schema):
    occupation: int
    work_type: str = ""
    levels: list[int]


class FilingApplicationOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    authority_id: int
    origin: str
    previous_filing_id: int | None
    status: str
    status_label: str
    scope: list[dict[str, Any]]
    materials: dict[str, Any]
    submitted_at: dt.datetime
    review_note: str
    site_visit_on: dt.date | None
    evaluators: str
    site_passed: bool | None
    site_notes: str
    decision_note: str
    filing_id: int | None
    receipt_number: str
    receipt_issued_on: dt.date | None
    attachments: list[AttachmentOut]
    row_version: int

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return obj.institution.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.order_by("id"))


class FilingApplicationPage(Schema):
    items: list[FilingApplicationOut]
    count: int
    page: int
    page_size: int


class FilingReviewIn(VersionIn):
    decision: str = Field(..., description="accept 受理 / return 退回补正 / refuse 不予受理")
    note: str = ""


class SiteEvaluationIn(VersionIn):
    visited_on: str
    evaluators: str
    passed: bool
    notes: str


class FilingDecisionIn(VersionIn):
    approve: bool
    number: str = ""
    note: str = ""
