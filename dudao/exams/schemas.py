"""API schemas of evaluation operations (django-ninja). ID numbers appear only masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from dudao.common.pagination import PageParams


class NoticeFilters(PageParams):
    region: str = Field("", max_length=6, description="行政区划代码(前缀匹配,如 36 或 3601)")
    occupation: str = Field("", max_length=64, description="职业编码或名称")
    q: str = Field("", max_length=64, description="关键词:公告标题、评价机构")


class PlanOut(Schema):
    id: int
    batch_id: int
    batch_code: str = Field(..., alias="batch.code")
    institution_id: int = Field(..., alias="batch.institution_id")
    institution_name: str = Field(..., alias="batch.institution.name")
    occupation_code: str = Field(..., alias="batch.occupation.code")
    occupation_name: str = Field(..., alias="batch.occupation.name")
    levels: list[int] = Field(..., alias="batch.levels")
    exam_starts_at: dt.datetime = Field(..., alias="batch.starts_at")
    exam_ends_at: dt.datetime = Field(..., alias="batch.ends_at")
    title: str
    status: str
    status_label: str = Field(..., alias="get_status_display")
    registration_opens_on: dt.date
    registration_closes_on: dt.date
    withdraw_deadline: dt.date
    fees: dict[str, str]
    fee_basis: str
    eligibility_summary: str
    contact_name: str
    contact_phone: str
    question_source: str
    published_at: dt.datetime | None
    row_version: int


class PlanPage(Schema):
    items: list[PlanOut]
    count: int
    page: int
    page_size: int


class PlanIn(Schema):
    batch: int
    title: str = Field(..., max_length=128)
    registration_opens_on: dt.date
    registration_closes_on: dt.date
    withdraw_deadline: dt.date
    fees: dict[str, Decimal] = Field(..., description='每个等级的收费标准(元),如 {"4": 300}')
    fee_basis: str = Field(..., max_length=255)
    eligibility_summary: str = Field(..., max_length=4000)
    contact_name: str = Field(..., max_length=64)
    contact_phone: str = Field(..., max_length=32)
    question_source: str = Field(
        "provincial_bank", description="provincial_bank 省级题库 | self_built 自建题库"
    )
    compilation_note: str = Field("", max_length=4000)
    expert_review_ref: str = Field("", max_length=128)


class ExamVersionIn(Schema):
    row_version: int


class RegistrationFilters(PageParams):
    status: str = Field(
        "", max_length=32, description="submitted、institution_approved、approved、rejected、withdrawn"
    )
    level: int | None = Field(None, ge=1, le=5)
    q: str = Field("", max_length=64, description="姓名或报名号")


class RouteOut(Schema):
    route: str
    met: bool
    missing: list[str]


class PrecheckOut(Schema):
    eligible: bool = False
    route: str | None = None
    routes: list[RouteOut] = []


class RegistrationOut(Schema):
    id: int
    number: str
    plan_id: int
    name: str = Field(..., alias="person.name")
    id_number_masked: str = Field(..., alias="person.id_number_masked")
    level: int
    status: str
    status_label: str = Field(..., alias="get_status_display")
    source: str
    education: str
    education_related: bool
    work_years: Decimal
    apprenticeship_completed: bool
    certificates: list[dict[str, Any]]
    precheck: PrecheckOut
    review_reason: str
    fee_amount: Decimal
    fee_receipt_no: str
    fee_paid_at: dt.datetime | None
    ticket_number: str | None
    retake_subject: str = Field("", description="补考科目 theory | practical | review;非补考为空")
    retake_of_number: str | None = Field(None, description="补考的原报名号")
    row_version: int

    @staticmethod
    def resolve_retake_of_number(obj) -> str | None:
        return obj.retake_of.number if obj.retake_of_id else None


class RegistrationPage(Schema):
    items: list[RegistrationOut]
    count: int
    page: int
    page_size: int


class OwnRegistrationIn(Schema):
    number: str = Field(..., max_length=32, description="报名号")
    id_number: str = Field(..., max_length=32, description="身份证号(完整)")


class OwnRegistrationOut(Schema):
    number: str
    plan_title: str = Field(..., alias="plan.title")
    institution_name: str = Field(..., alias="plan.batch.institution.name")
    level: int
    status: str
    status_label: str = Field(..., alias="get_status_display")
    review_reason: str
    precheck: PrecheckOut
    fee_amount: Decimal
    ticket_number: str | None
    withdraw_deadline: dt.date = Field(..., alias="plan.withdraw_deadline")
    retake_subject: str = ""


class SubmittedOut(Schema):
    number: str
    status: str
    precheck: PrecheckOut
    retake_subject: str = ""


class RetakeIn(Schema):
    """补考报名 by the institution's staff: the candidate's original 报名号 and ID number."""

    original_number: str = Field(..., max_length=32)
    id_number: str = Field(..., max_length=32)
    phone: str = Field("", max_length=20)
    subject: str = Field("", max_length=16, description="补考科目;默认为原成绩中唯一不合格的科目")


class EligibilityReviewIn(Schema):
    row_version: int
    approve: bool
    reason: str = Field("", max_length=255)


class FeeIn(Schema):
    row_version: int
    receipt_no: str = Field(..., max_length=40)
    paid_at: dt.datetime | None = None


class SessionIn(Schema):
    subject: str = Field(..., description="theory | practical | review")
    level: int = Field(..., ge=1, le=5)
    starts_at: dt.datetime
    ends_at: dt.datetime


class SessionOut(Schema):
    id: int
    plan_id: int
    subject: str
    subject_label: str = Field(..., alias="get_subject_display")
    level: int
    starts_at: dt.datetime
    ends_at: dt.datetime


class RoomIn(Schema):
    name: str = Field(..., max_length=64)
    capacity: int = Field(..., ge=1, le=1000)
    ratio: int | None = Field(None, ge=1, le=100, description="操作技能考核:考评员与考生配比 1:N")
    panel: int | None = Field(None, ge=3, le=99, description="综合评审:评审组人数(奇数)")


class RoomOut(Schema):
    id: int
    session_id: int
    name: str
    capacity: int
    ratio: int | None
    panel: int | None


class SeatsOut(Schema):
    seats: int


class SeatOut(Schema):
    number: int
    name: str
    id_number_masked: str
    ticket_number: str | None
    checkin: str | None


class AttendanceOut(Schema):
    room_id: int
    room: str
    session: str
    expected: int
    present: int
    late: int
    absent: int
    pending: int
    violations: int


class CheckInIn(Schema):
    code: str = Field(..., max_length=200, description="准考证二维码内容、准考证号或身份证号")
    status: str = Field("present", description="present 已签到 | late 迟到 | absent 缺考")
    identity_checked: bool = False
    client_id: str | None = Field(None, max_length=64, description="设备记录号:离线补传时去重")
    at: dt.datetime | None = None


class CheckInOut(Schema):
    id: int
    seat: int = Field(..., alias="seat.number")
    name: str = Field(..., alias="seat.registration.person.name")
    status: str
    at: dt.datetime
    created: bool = False


class ViolationIn(Schema):
    measure: str = Field(..., description="advice 劝告 | warning 警告 | stop 终止考试 | void 成绩无效")
    facts: str = Field(..., max_length=2000)
    seat: int | None = Field(None, description="违纪考生的座位号(本考场);集体违纪不填")
    collective: bool = False


class ViolationOut(Schema):
    id: int
    room_id: int
    measure: str
    measure_label: str = Field(..., alias="get_measure_display")
    collective: bool
    facts: str
    approval: str
    approval_label: str = Field(..., alias="get_approval_display")
    approval_reason: str


class DecideIn(Schema):
    approve: bool
    reason: str = Field("", max_length=255)


class NoteIn(Schema):
    text: str = Field(..., max_length=255)


class VenueCheckIn(Schema):
    confirmed: bool
    reason: str = Field("", max_length=255)


class OkOut(Schema):
    id: int


class AssignmentOut(Schema):
    id: int
    plan_id: int
    status: str
    status_label: str = Field(..., alias="get_status_display")
    scenario_digest: str
    seed_commitment: str
    seed: str | None = Field(None, description="公布后才公开,发布前为 null")
    result: dict[str, Any]
    locked_at: dt.datetime | None
    row_version: int


class StaffReplaceIn(Schema):
    examiner: int = Field(..., description="接替的考评员 ID")
    reason: str = Field(..., max_length=255)


class RoomStaffOut(Schema):
    id: int
    room_id: int
    examiner_id: int
    name: str = Field(..., alias="examiner.person.name")
    replaced_by_id: int | None
    replace_reason: str


class SeatSwapIn(Schema):
    seat: int = Field(..., description="考生当前的座位号(本考场)")
    to_room: int = Field(..., description="新考场 ID(同一场次)")
    to_number: int = Field(..., ge=1, le=1000, description="新座位号")
    reason: str = Field(..., max_length=255)


class AbsencesOut(Schema):
    absent: int
