"""Writers of the arrangement (EXAM-1 step 4): sessions per subject and level, rooms with capacity, and the
seat plan that puts every approved candidate of the level in a room of each of its sessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, ValidationFailed
from dudao.common.writes import checked_text, parse_datetime, require, save_new

from ..domain import rules
from ..models import CheckIn, ExamPlan, ExamRoom, ExamSession, Registration, RoomAssignment, Seat
from ..permissions import may_run


def _require_open_arrangement(plan: ExamPlan) -> None:
    """Sessions, rooms and seats change only before the examiner assignment is published; a generated but
    unpublished assignment no longer fits them and is dropped (to be generated again)."""
    if plan.status not in (ExamPlan.Status.PUBLISHED, ExamPlan.Status.CLOSED):
        raise IllegalTransition("认定公告发布后才能安排场次与考场")
    assignment = RoomAssignment.objects.filter(plan=plan).first()
    if assignment is None:
        return
    if assignment.status != RoomAssignment.Status.FROZEN:
        raise IllegalTransition("考评人员安排已公布,场次、考场与座位不能再改")
    assignment.delete()


@transaction.atomic
def session_create(*, actor: Any, plan: ExamPlan, values: Mapping[str, Any]) -> ExamSession:
    """A session of one subject and level inside the batch's time (review only for levels 2 and 1)."""
    require(may_run(actor, plan), "只有本机构的工作人员可以安排场次")
    _require_open_arrangement(plan)
    errors: dict[str, list[str]] = {}
    subject = str(values.get("subject") or "")
    try:
        level = int(values.get("level"))
    except (TypeError, ValueError):
        level = 0
    errors.update(rules.session_problems(subject, level, list(plan.batch.levels)))
    starts_at = ends_at = None
    try:
        starts_at = parse_datetime(values.get("starts_at"), "starts_at", "开始时间")
        ends_at = parse_datetime(values.get("ends_at"), "ends_at", "结束时间")
    except ValidationFailed as exc:
        errors.update(exc.detail)
    if starts_at and ends_at:
        if ends_at <= starts_at:
            errors["ends_at"] = ["结束时间必须晚于开始时间"]
        elif starts_at < plan.batch.starts_at or ends_at > plan.batch.ends_at:
            errors["starts_at"] = ["场次时间须在评价批次的起止时间之内"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    session = ExamSession(plan=plan, subject=subject, level=level, starts_at=starts_at, ends_at=ends_at)
    save_new(session)
    audit.record(actor=actor, action="exams.session.create", obj=session, after=audit.snapshot(session))
    return session


@transaction.atomic
def room_create(*, actor: Any, session: ExamSession, values: Mapping[str, Any]) -> ExamRoom:
    """A room of a session: capacity, and for practical rooms the standard's ratio (EXAM-13), for the
    review the panel size (odd, ≥ 3, EXAM-7)."""
    plan = session.plan
    require(may_run(actor, plan), "只有本机构的工作人员可以安排考场")
    _require_open_arrangement(plan)
    errors: dict[str, list[str]] = {}
    name = ""
    try:
        name = checked_text(values.get("name"), "name", "考场名称", limit=64)
    except ValidationFailed as exc:
        errors.update(exc.detail)

    def positive(key: str, label: str, required: bool, low: int = 1, high: int = 1000) -> int | None:
        raw = values.get(key)
        if raw in (None, ""):
            if required:
                errors[key] = [f"请填写{label}"]
            return None
        try:
            number = int(raw)
        except (TypeError, ValueError):
            number = low - 1
        if not low <= number <= high:
            errors[key] = [f"{label}应为 {low} 至 {high} 的整数"]
            return None
        return number

    capacity = positive("capacity", "座位数", True)
    ratio = positive("ratio", "考评员与考生配比", False, 1, 100) if session.subject == "practical" else None
    panel = positive("panel", "评审组人数", False, 3, 99) if session.subject == "review" else None
    if panel is not None and panel % 2 == 0:
        errors["panel"] = ["评审组人数须为奇数(不少于 3 人)"]
    if ExamRoom.objects.filter(session=session, name=name).exists():
        errors["name"] = ["本场次已有同名考场"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    room = ExamRoom(session=session, name=name, capacity=capacity, ratio=ratio, panel=panel)
    save_new(room)
    audit.record(actor=actor, action="exams.room.create", obj=room, after=audit.snapshot(room))
    return room


@transaction.atomic
def seats_assign(*, actor: Any, plan: ExamPlan) -> int:
    """The seat plan: each session's approved candidates of its level (a retake only in his retaken
    subject's session), ordered by ticket number, fill its rooms in name order (one occupation and level
    together). Re-running replaces the plan until the
    assignment is locked. Returns the number of seats."""
    require(may_run(actor, plan), "只有本机构的工作人员可以编排座位")
    _require_open_arrangement(plan)
    sessions = list(
        ExamSession.objects.filter(plan=plan).prefetch_related("rooms").order_by("starts_at", "id")
    )
    if not sessions:
        raise ValidationFailed("请先安排场次与考场")
    approved: dict[int, list[tuple[int, str]]] = {}
    for reg_id, level, retake_subject in (
        Registration.objects.filter(plan=plan, status=Registration.Status.APPROVED)
        .order_by("ticket_number")
        .values_list("id", "level", "retake_subject")
    ):
        approved.setdefault(level, []).append((reg_id, retake_subject))
    if CheckIn.objects.filter(seat__session__plan=plan).exists():
        raise IllegalTransition("已有考生签到,不能重新编排座位")
    Seat.objects.filter(session__plan=plan).delete()
    seats: list[Seat] = []
    for session in sessions:
        rooms = sorted(session.rooms.all(), key=lambda r: (r.name, r.pk))
        # EXAM-11: a retake sits only the session of the subject he retakes
        candidates = [
            reg for reg, retaken in approved.get(session.level, []) if retaken in ("", session.subject)
        ]
        if candidates and not rooms:
            raise ValidationFailed(f"场次「{session}」还没有考场")
        try:
            filled = rules.seat_plan([r.capacity for r in rooms], candidates)
        except ValueError:
            seats = sum(r.capacity for r in rooms)
            raise Conflict(f"场次「{session}」有 {len(candidates)} 名考生,考场座位只有 {seats} 个") from None
        for room, members in zip(rooms, filled, strict=True):
            seats.extend(
                Seat(room=room, session=session, registration_id=reg, number=n)
                for n, reg in enumerate(members, 1)
            )
    Seat.objects.bulk_create(seats)
    audit.record(
        actor=actor,
        action="exams.plan.seat",
        obj=plan,
        after={"seats": len(seats), "sessions": len(sessions)},
    )
    return len(seats)
