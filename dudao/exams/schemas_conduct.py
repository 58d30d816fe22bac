"""API schemas of examiner conduct (EXAM-10, EXAM-19): attendance of room duties, sanction proposals, the
decision and the appeal."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dudao.common.pagination import PageParams


class AttendanceOut(Schema):
    status: str = Field(..., description="present 到岗 | late 迟到 | absent 缺席")
    late_minutes: int
    source: str = Field(..., description="recorded 现场登记 | replacement 被替换")
    recorded_at: dt.datetime
    excused: bool
    excuse_reason: str
    row_version: int


class DutyOut(Schema):
    id: int
    examiner_id: int
    examiner_name: str
    room_id: int
    room_name: str
    session_starts_at: dt.datetime
    replaced: bool
    replace_reason: str
    attendance: AttendanceOut | None = None


class AttendanceIn(Schema):
    status: str = Field(..., max_length=16, description="present | late | absent")
    late_minutes: int = Field(0, ge=0, le=600, description="迟到分钟数(迟到时必填,1–600)")


class ExcuseIn(Schema):
    reason: str = Field(..., max_length=255)


class ProposalFilters(PageParams):
    status: str = Field("", max_length=16, description="proposed | confirmed | dismissed")
    ground: str = Field("", max_length=32, description="事由")
    q: str = Field("", max_length=64, description="考评员姓名或机构名称")


class ProposalIn(Schema):
    examiner: int = Field(..., description="考评员 id")
    batch: int = Field(..., description="评价批次 id")
    ground: str = Field(
        ...,
        max_length=32,
        description="refused_supervision | scoring_rules | disqualification(督导员)| other",
    )
    facts: str = Field(..., max_length=2000)
    sanction: str = Field(
        "", max_length=24, description="其他情形须填:warning | public_criticism | revocation"
    )


class AppealOut(Schema):
    text: str
    filed_at: dt.datetime


class ProposalOut(Schema):
    id: int
    examiner_id: int
    examiner_name: str
    institution_id: int
    institution_name: str
    batch_id: int | None
    ground: str
    ground_label: str
    source: str
    facts: str
    proposed_sanction: str
    proposed_at: dt.datetime
    status: str
    status_label: str
    sanction: str
    decision_reason: str
    decided_at: dt.datetime | None
    duty_ids: list[int] = []
    appeal: AppealOut | None = None
    row_version: int


class ProposalPage(Schema):
    items: list[ProposalOut]
    count: int
    page: int
    page_size: int


class ConfirmIn(Schema):
    row_version: int
    sanction: str = Field(..., max_length=24, description="warning | public_criticism | revocation")
    reason: str = Field(..., max_length=500)


class DismissIn(Schema):
    row_version: int
    reason: str = Field(..., max_length=500)


class AppealIn(Schema):
    text: str = Field(..., max_length=2000)
