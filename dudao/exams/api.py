"""API router of evaluation operations (mounted at /api/v1/exams): the same services as the pages.

Public (no login): published notices, online registration, a candidate's own registration (报名号 + ID
number in the body, never in the URL) and its withdrawal. Everything else is scoped (permissions.py):
outside the user's scope → 404, in scope but not allowed → 403.
"""

from __future__ import annotations

import json
from typing import Any

from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from dudao.common.errors import NotFound, ValidationFailed
from dudao.common.pagination import paginate
from dudao.people.models import Examiner
from dudao.registry.selectors import batches_for

from . import public_limits, selectors, services
from . import schemas as s
from .models import Registration, RoomAssignment, RoomStaff, Seat, Violation

router = Router(tags=["exams"])


# ------------------------------------------------------------------------------------------- public


@router.get("/notices", response=s.PlanPage, auth=None, summary="认定公告(报名中),按地区、职业查询")
def list_notices(request, filters: Query[s.NoticeFilters]):
    qs = selectors.public_plans(region=filters.region, occupation=filters.occupation, q=filters.q)
    return paginate(qs, filters.page, filters.page_size).as_dict()


@router.get("/notices/{int:pk}", response=s.PlanOut, auth=None, summary="认定公告详情")
def get_notice(request, pk: int):
    return selectors.public_plan_get(pk)


@router.post(
    "/notices/{int:pk}/registrations", response={201: s.SubmittedOut}, auth=None, summary="网上报名(考生本人)"
)
def register_online(
    request,
    pk: int,
    name: Form[str],
    id_number: Form[str],
    phone: Form[str],
    level: Form[int],
    photo: File[UploadedFile],
    education: Form[str] = "none",
    education_related: Form[bool] = False,
    work_years: Form[str] = "0",
    apprenticeship_completed: Form[bool] = False,
    certificates: Form[str] = "[]",
    work_history: Form[str] = "",
):
    """multipart/form-data; `certificates` is a JSON list as in `dudao eligibility check` facts."""
    public_limits.registration(request)
    plan = selectors.public_plan_get(pk)
    try:
        parsed: Any = json.loads(certificates or "[]")
    except json.JSONDecodeError:
        raise ValidationFailed(
            "已取得证书不是有效的 JSON", detail={"certificates": ["不是有效的 JSON"]}
        ) from None
    registration = services.registration_submit(
        actor=None,
        plan=plan,
        name=name,
        id_number=id_number,
        phone=phone,
        values={
            "level": level,
            "education": education,
            "education_related": education_related,
            "work_years": work_years,
            "apprenticeship_completed": apprenticeship_completed,
            "certificates": parsed,
            "work_history": work_history,
        },
        photo=photo,
    )
    return Status(201, registration)


@router.post(
    "/notices/{int:pk}/retakes",
    response={201: s.SubmittedOut},
    auth=None,
    summary="补考报名(考生本人,凭原报名号与身份证号)",
)
def retake_online(
    request,
    pk: int,
    original_number: Form[str],
    id_number: Form[str],
    phone: Form[str],
    subject: Form[str] = "",
    photo: File[UploadedFile] | None = None,
):
    """multipart/form-data; without a photo the original registration's photo is used."""
    public_limits.registration(request)
    plan = selectors.public_plan_get(pk)
    registration = services.registration_retake(
        actor=None,
        plan=plan,
        original_number=original_number,
        id_number=id_number,
        phone=phone,
        subject=subject,
        photo=photo,
    )
    return Status(201, registration)


def _own(request, payload: s.OwnRegistrationIn) -> Registration:
    public_limits.lookup(request)
    found = services.find_own_registration(payload.number, payload.id_number)
    if found is None:
        raise NotFound("报名号与身份证号不匹配,请核对")
    return found


@router.post(
    "/my-registration", response=s.OwnRegistrationOut, auth=None, summary="考生查询本人报名与审核结果"
)
def own_registration(request, payload: s.OwnRegistrationIn):
    return _own(request, payload)


@router.post(
    "/my-registration/withdraw",
    response=s.OwnRegistrationOut,
    auth=None,
    summary="考生撤回本人报名(截止日前)",
)
def own_withdraw(request, payload: s.OwnRegistrationIn):
    registration = _own(request, payload)
    return services.registration_withdraw(
        actor=None, registration=registration, row_version=registration.row_version, by_candidate=True
    )


# ------------------------------------------------------------------------------------------- plans


@router.get("/plans", response=s.PlanPage, summary="认定计划列表(本人范围)")
def list_plans(request, filters: Query[s.NoticeFilters]):
    qs = selectors.plans_for(request.user).select_related("batch__institution", "batch__occupation")
    if filters.q:
        qs = qs.filter(title__icontains=filters.q)
    return paginate(qs.order_by("-registration_opens_on", "id"), filters.page, filters.page_size).as_dict()


@router.post("/plans", response={201: s.PlanOut}, summary="编制认定计划(草稿)")
def create_plan(request, payload: s.PlanIn):
    batch = batches_for(request.user).filter(pk=payload.batch).first()
    if batch is None:
        raise NotFound("评价批次不存在或无权查看")
    values = payload.dict(exclude={"batch"})
    values["fees"] = {k: str(v) for k, v in payload.fees.items()}
    return Status(201, services.plan_create(actor=request.user, batch=batch, values=values))


@router.get("/plans/{int:pk}", response=s.PlanOut, summary="认定计划详情")
def get_plan(request, pk: int):
    return selectors.plan_get(request.user, pk)


def _plan_step(name: str, summary: str):
    service = getattr(services, f"plan_{name}")

    @router.post(
        f"/plans/{{int:pk}}/{name}", response=s.PlanOut, summary=summary, operation_id=f"exams_plan_{name}"
    )
    def step(request, pk: int, payload: s.ExamVersionIn):
        plan = selectors.plan_get(request.user, pk)
        return service(actor=request.user, plan=plan, row_version=payload.row_version)

    return step


_plan_step("publish", "发布认定公告(核验题库政策)")
_plan_step("close", "报名截止")
_plan_step("cancel", "撤销认定公告")


@router.get("/plans/{int:pk}/registrations", response=s.RegistrationPage, summary="报名名单")
def list_registrations(request, pk: int, filters: Query[s.RegistrationFilters]):
    plan = selectors.plan_get(request.user, pk)
    qs = selectors.registrations_for(request.user).filter(plan=plan).select_related("person", "retake_of")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(person__name__icontains=filters.q) | qs.filter(number=filters.q.upper())
    return paginate(qs.order_by("level", "number"), filters.page, filters.page_size).as_dict()


@router.post(
    "/registrations/{int:pk}/review", response=s.RegistrationOut, summary="资格审核(机构初审、认定中心确认)"
)
def review_registration(request, pk: int, payload: s.EligibilityReviewIn):
    registration = selectors.registration_get(request.user, pk)
    return services.registration_review(
        actor=request.user,
        registration=registration,
        row_version=payload.row_version,
        approve=payload.approve,
        reason=payload.reason,
    )


@router.post("/plans/{int:pk}/retakes", response={201: s.RegistrationOut}, summary="代考生补考报名")
def create_retake(request, pk: int, payload: s.RetakeIn):
    plan = selectors.plan_get(request.user, pk)
    registration = services.registration_retake(
        actor=request.user,
        on_behalf=True,
        plan=plan,
        original_number=payload.original_number,
        id_number=payload.id_number,
        phone=payload.phone,
        subject=payload.subject,
    )
    return Status(201, registration)


@router.post("/registrations/{int:pk}/fee", response=s.RegistrationOut, summary="登记缴费收据")
def record_fee(request, pk: int, payload: s.FeeIn):
    registration = selectors.registration_get(request.user, pk)
    return services.registration_record_fee(
        actor=request.user,
        registration=registration,
        row_version=payload.row_version,
        receipt_no=payload.receipt_no,
        paid_at=payload.paid_at,
    )


@router.post("/registrations/{int:pk}/withdraw", response=s.RegistrationOut, summary="代考生撤回报名")
def withdraw_registration(request, pk: int, payload: s.ExamVersionIn):
    registration = selectors.registration_get(request.user, pk)
    return services.registration_withdraw(
        actor=request.user, registration=registration, row_version=payload.row_version, by_candidate=False
    )


# ------------------------------------------------------------------------------------------- arrangement


@router.post("/plans/{int:pk}/sessions", response={201: s.SessionOut}, summary="安排场次")
def create_session(request, pk: int, payload: s.SessionIn):
    plan = selectors.plan_get(request.user, pk)
    return Status(201, services.session_create(actor=request.user, plan=plan, values=payload.dict()))


@router.get("/plans/{int:pk}/sessions", response=list[s.SessionOut], summary="场次列表")
def list_sessions(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    return list(plan.sessions.order_by("starts_at", "id"))


@router.post("/sessions/{int:pk}/rooms", response={201: s.RoomOut}, summary="安排考场")
def create_room(request, pk: int, payload: s.RoomIn):
    session = selectors.session_get(request.user, pk)
    return Status(201, services.room_create(actor=request.user, session=session, values=payload.dict()))


@router.post("/plans/{int:pk}/seats", response=s.SeatsOut, summary="编排座位(审核通过的考生)")
def assign_seats(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    return {"seats": services.seats_assign(actor=request.user, plan=plan)}


@router.get("/rooms/{int:pk}/seats", response=list[s.SeatOut], summary="考场座位表(身份证号脱敏)")
def list_seats(request, pk: int):
    room = selectors.room_get(request.user, pk)
    seats = (
        Seat.objects.filter(room=room).select_related("registration__person", "checkin").order_by("number")
    )
    return [
        {
            "number": seat.number,
            "name": seat.registration.person.name,
            "id_number_masked": seat.registration.person.id_number_masked,
            "ticket_number": seat.registration.ticket_number,
            "checkin": getattr(getattr(seat, "checkin", None), "status", None),
        }
        for seat in seats
    ]


@router.get("/plans/{int:pk}/attendance", response=list[s.AttendanceOut], summary="各考场到考情况(实时)")
def attendance(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    return [
        {
            **{k: row[k] for k in ("expected", "present", "late", "absent", "pending", "violations")},
            "room_id": row["room"].pk,
            "room": row["room"].name,
            "session": str(row["session"]),
        }
        for row in selectors.attendance_by_room(plan)
    ]


# ------------------------------------------------------------------------------------------- exam day


@router.post(
    "/rooms/{int:pk}/checkins", response={200: s.CheckInOut, 201: s.CheckInOut}, summary="签到(扫码或输入)"
)
def check_in(request, pk: int, payload: s.CheckInIn):
    room = selectors.room_get(request.user, pk)
    checkin, created = services.checkin_record(
        actor=request.user,
        room=room,
        code=payload.code,
        status=payload.status,
        identity_checked=payload.identity_checked,
        client_id=payload.client_id,
        at=payload.at,
    )
    checkin.created = created
    return Status(201 if created else 200, checkin)


def _seat(room, number: int | None) -> Seat | None:
    if number is None:
        return None
    seat = Seat.objects.filter(room=room, number=number).select_related("registration").first()
    if seat is None:
        raise ValidationFailed("本考场没有这个座位号", detail={"seat": ["座位号无效"]})
    return seat


@router.post("/rooms/{int:pk}/violations", response={201: s.ViolationOut}, summary="记录违纪及处理")
def record_violation(request, pk: int, payload: s.ViolationIn):
    room = selectors.room_get(request.user, pk)
    violation = services.violation_record(
        actor=request.user,
        room=room,
        measure=payload.measure,
        facts=payload.facts,
        seat=_seat(room, payload.seat),
        collective=payload.collective,
    )
    return Status(201, violation)


@router.post(
    "/violations/{int:pk}/decide", response=s.ViolationOut, summary="审批集体违纪的终止考试/成绩无效"
)
def decide_violation(request, pk: int, payload: s.DecideIn):
    rooms = selectors.rooms_for(request.user)
    violation = Violation.objects.filter(pk=pk, room__in=rooms).select_related("room").first()
    if violation is None:
        raise NotFound("违纪记录不存在或无权查看")
    return services.violation_decide(
        actor=request.user, violation=violation, approve=payload.approve, reason=payload.reason
    )


@router.post("/rooms/{int:pk}/notes", response={201: s.OkOut}, summary="考场记录")
def add_note(request, pk: int, payload: s.NoteIn):
    room = selectors.room_get(request.user, pk)
    return Status(201, services.room_note_add(actor=request.user, room=room, text=payload.text))


@router.post("/rooms/{int:pk}/venue-check", response={201: s.OkOut}, summary="考评人员确认或拒绝考场条件")
def venue_check(request, pk: int, payload: s.VenueCheckIn):
    room = selectors.room_get(request.user, pk)
    return Status(
        201,
        services.venue_check(
            actor=request.user, room=room, confirmed=payload.confirmed, reason=payload.reason
        ),
    )


# ------------------------------------------------------------------------------------------- assignment


def _assignment_out(assignment: RoomAssignment) -> RoomAssignment:
    if assignment.status == RoomAssignment.Status.FROZEN:
        assignment.seed = None  # committed, not yet revealed
    return assignment


def _assignment(request, pk: int) -> RoomAssignment:
    plan = selectors.plan_get(request.user, pk)
    assignment = RoomAssignment.objects.filter(plan=plan).select_related("plan__batch").first()
    if assignment is None:
        raise NotFound("还没有生成考评安排")
    return assignment


@router.post(
    "/plans/{int:pk}/assignment",
    response={201: s.AssignmentOut},
    summary="生成考评人员安排(冻结情形、承诺种子)",
)
def generate_assignment(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    return Status(201, _assignment_out(services.assignment_generate(actor=request.user, plan=plan)))


@router.get(
    "/plans/{int:pk}/assignment", response=s.AssignmentOut, summary="考评人员安排(公布后含种子,可离线核验)"
)
def get_assignment(request, pk: int):
    return _assignment_out(_assignment(request, pk))


@router.get(
    "/plans/{int:pk}/assignment/scenario", response=dict[str, Any], summary="考评人员安排的输入情形(JSON)"
)
def get_assignment_scenario(request, pk: int):
    return _assignment(request, pk).scenario


@router.post("/plans/{int:pk}/assignment/publish", response=s.AssignmentOut, summary="公布考评人员安排")
def publish_assignment(request, pk: int, payload: s.ExamVersionIn):
    assignment = _assignment(request, pk)
    return services.assignment_publish(
        actor=request.user, assignment=assignment, row_version=payload.row_version
    )


@router.post(
    "/plans/{int:pk}/assignment/lock", response=s.AssignmentOut, summary="锁定考评人员安排(考试开始前)"
)
def lock_assignment(request, pk: int, payload: s.ExamVersionIn):
    assignment = _assignment(request, pk)
    return services.assignment_lock(
        actor=request.user, assignment=assignment, row_version=payload.row_version
    )


@router.post(
    "/room-staff/{int:pk}/replace", response={201: s.RoomStaffOut}, summary="锁定后替换考评人员(写明原因)"
)
def replace_staff(request, pk: int, payload: s.StaffReplaceIn):
    staff = (
        RoomStaff.objects.filter(pk=pk, room__in=selectors.rooms_for(request.user))
        .select_related("room")
        .first()
    )
    if staff is None:
        raise NotFound("考场考评人员不存在或无权查看")
    examiner = Examiner.objects.filter(pk=payload.examiner).select_related("person").first()
    if examiner is None:
        raise ValidationFailed("考评员不存在", detail={"examiner": ["考评员不存在"]})
    return Status(
        201, services.staff_replace(actor=request.user, staff=staff, examiner=examiner, reason=payload.reason)
    )


@router.post("/rooms/{int:pk}/absences", response=s.AbsencesOut, summary="开考后登记未签到的考生为缺考")
def mark_absences(request, pk: int):
    room = selectors.room_get(request.user, pk)
    return {"absent": services.absences_mark(actor=request.user, room=room)}


@router.post("/rooms/{int:pk}/seat-swaps", response={201: s.SeatOut}, summary="考生换座(同一场次,写明原因)")
def swap_seat(request, pk: int, payload: s.SeatSwapIn):
    room = selectors.room_get(request.user, pk)
    seat = _seat(room, payload.seat)
    to_room = selectors.rooms_for(request.user).filter(pk=payload.to_room).first()
    if to_room is None:
        raise ValidationFailed("新考场不存在", detail={"to_room": ["考场不存在"]})
    moved = services.seat_swap(
        actor=request.user, seat=seat, to_room=to_room, to_number=payload.to_number, reason=payload.reason
    )
    return Status(
        201,
        {
            "number": moved.number,
            "name": moved.registration.person.name,
            "id_number_masked": moved.registration.person.id_number_masked,
            "ticket_number": moved.registration.ticket_number,
            "checkin": getattr(getattr(moved, "checkin", None), "status", None),
        },
    )
