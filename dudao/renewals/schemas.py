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
    row_version: int | None = None


class ConfigOut(Schema):
    authority_id: int
    renewal_years: int
    receipt_prefix: str
    notice_prefix: str
    row_version: int
