"""Writers of the exam day (EXAM-1 steps 8–9): check-in with the identity check, late arrivals and
absences, seat swaps, the room record with violations (EXAM-8) and the examiners' venue check (EXAM-19).

Check-in is offline tolerant: each device numbers its records (`client_id`); a resent record with a known
`client_id` returns the stored check-in unchanged, so a sync after a dropped connection never duplicates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import Role, User
from dudao.accounts.permissions import is_examiner
from dudao.common import audit, pii
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.writes import (
    checked_text,
    clean,
    lock,
    parse_datetime,
    require,
    save_fields,
    save_new,
    unique_or_conflict,
)
from dudao.notifications.services import notify
from dudao.people import domain as people_domain

from ..domain import rules
from ..models import CheckIn, ExamRoom, RoomAssignment, RoomNote, Seat, SeatSwap, VenueCheck, Violation
from ..permissions import may_confirm, may_keep_room, staffs_room
from ..tickets import parse_ticket_qr
from .assignment import staffing_problems


def seat_for_code(room: ExamRoom, code: Any, *, for_update: bool = False) -> Seat:
    """The seat of the room whose candidate the scanned QR, ticket number or typed ID number names
    (locked when `for_update`: concurrent scans of one candidate queue up)."""
    raw = str(code or "").strip()
    if not raw:
        raise ValidationFailed("请扫描准考证二维码或输入准考证号/身份证号", detail={"code": ["请输入"]})
    seats = Seat.objects.filter(room=room).select_related("registration__person", "room")
    if for_update:
        seats = seats.select_for_update(of=("self",))
    ticket = parse_ticket_qr(raw)
    if ticket is None and raw.upper().startswith("ZK"):
        ticket = raw.upper()
    if ticket is not None:
        seat = seats.filter(registration__ticket_number=ticket).first()
    else:
        try:
            rid = people_domain.parse_resident_id(raw)
        except ValidationFailed:
            raise ValidationFailed(
                "无法识别:不是本系统的准考证二维码、准考证号或有效身份证号", detail={"code": ["无法识别"]}
            ) from None
        seat = seats.filter(
            registration__person__id_number_index__in=pii.blind_index_candidates(rid.number)
        ).first()
    if seat is None:
        raise NotFound("本考场没有这名考生,请核对考场")
    return seat


CLOCK_SKEW = dt.timedelta(minutes=5)  # a device's clock may run this much ahead of the server's


def _checkin_time(at: Any) -> dt.datetime:
    """When the scan happened: the device's time for a record synced after a dropped connection (then
    judged by when the candidate arrived, not when the record reached the server), else now."""
    now = timezone.now()
    if not at:
        return now
    when = parse_datetime(at, "at", "签到时间")
    if when > now + CLOCK_SKEW:
        raise ValidationFailed("签到时间晚于当前时间,请校准设备时间", detail={"at": ["设备时间不正确"]})
    return when


def _late_minutes() -> int:
    return settings.DUDAO_EXAM_LATE_ADMISSION_MINUTES


@transaction.atomic
def checkin_record(
    *,
    actor: Any,
    room: ExamRoom,
    code: Any,
    status: str = CheckIn.Status.PRESENT,
    identity_checked: bool = False,
    client_id: Any = None,
    at: Any = None,
) -> tuple[CheckIn, bool]:
    """Record a candidate's attendance; returns (check-in, created).

    Present or late is decided by the time of the scan (`rules.attendance_status`): check-in opens
    DUDAO_EXAM_CHECKIN_OPENS_MINUTES before the start and closes at the admission cut-off; asking for
    "absent" records an absence, from the cut-off on. Idempotent on `client_id` (an offline device's
    resend). A second, different record for a seat that already has one is refused unless a scan made
    before the cut-off turns an absence into a late arrival."""
    require(may_keep_room(actor, room), "只有本机构工作人员或本考场的考评人员可以签到")
    client_id = str(client_id).strip()[:64] if client_id else None
    if client_id:
        existing = CheckIn.objects.filter(client_id=client_id).select_related("seat").first()
        if existing is not None:
            if existing.seat.room_id != room.pk:
                raise Conflict("设备记录号已用于其他考场", detail={"client_id": ["记录号重复"]})
            return existing, False
    if status not in CheckIn.Status.values:
        raise ValidationFailed("签到状态无效", detail={"status": ["应为已签到、迟到或缺考"]})
    if status != CheckIn.Status.ABSENT and not identity_checked:
        raise ValidationFailed(
            "请先核对照片与身份证,确认是考生本人", detail={"identity_checked": ["请核验身份"]}
        )
    when = _checkin_time(at)
    starts_at = room.session.starts_at
    if status == CheckIn.Status.ABSENT:
        if when < rules.admission_cutoff(starts_at, _late_minutes()):
            raise IllegalTransition("入场截止前不能登记缺考,到场的考生按迟到签到")
    else:
        status, refusal = rules.attendance_status(
            starts_at, when, _late_minutes(), settings.DUDAO_EXAM_CHECKIN_OPENS_MINUTES
        )
        if status is None:
            raise IllegalTransition(
                f"{refusal}(本场 {timezone.localtime(starts_at):%m-%d %H:%M} 开考)",
                detail={"at": [refusal]},
            )
    seat = seat_for_code(room, code, for_update=True)
    current = CheckIn.objects.filter(seat=seat).first()
    if current is not None:
        if current.status == CheckIn.Status.ABSENT and status == CheckIn.Status.LATE:
            before = audit.snapshot(current)
            current.status, current.at, current.by, current.identity_checked = status, when, actor, True
            current.save(update_fields=["status", "at", "by", "identity_checked"])
            audit.record(
                actor=actor,
                action="exams.checkin.update",
                obj=current,
                before=before,
                after=audit.snapshot(current),
            )
            return current, False
        if current.status == status:
            return current, False
        raise Conflict(
            f"该考生已登记为「{current.get_status_display()}」",
            code="already_checked_in",
            detail={"status": [current.status]},
        )
    checkin = CheckIn(
        seat=seat, status=status, at=when, by=actor, identity_checked=identity_checked, client_id=client_id
    )
    try:
        with transaction.atomic():
            # the seat and the actor were just read; the unique seat and client_id are the database's
            # constraints (a race lands in IntegrityError below): no lookups to repeat them
            clean(checkin, exclude=["seat", "by", "client_id"])
            checkin.save(force_insert=True)
    except IntegrityError:  # the same record arrived twice at once
        stored = CheckIn.objects.filter(seat=seat).first()
        if stored is None:  # the client id, not the seat, was taken: another device's record
            raise Conflict("设备记录号重复,请刷新页面后重试", detail={"client_id": ["记录号重复"]}) from None
        return stored, False
    audit.record(actor=actor, action="exams.checkin.record", obj=checkin, after=audit.snapshot(checkin))
    return checkin, True


@transaction.atomic
def absences_mark(*, actor: Any, room: ExamRoom) -> int:
    """After the admission cut-off: every seat without a check-in is recorded absent (before it, a candidate
    who arrives is checked in late)."""
    require(may_keep_room(actor, room), "只有本机构工作人员或本考场的考评人员可以登记缺考")
    now = timezone.now()
    minutes = settings.DUDAO_EXAM_LATE_ADMISSION_MINUTES
    cutoff = rules.admission_cutoff(room.session.starts_at, minutes)
    if now < cutoff:
        raise IllegalTransition(
            f"开考 {minutes} 分钟后({timezone.localtime(cutoff):%H:%M})才能标记缺考,之前到场的按迟到签到"
        )
    # the room's seats are locked first: a check-in racing this waits for it (or it for the check-in)
    list(Seat.objects.select_for_update().filter(room=room).values_list("pk", flat=True))
    missing = list(Seat.objects.filter(room=room, checkin__isnull=True))
    CheckIn.objects.bulk_create(
        CheckIn(seat=s, status=CheckIn.Status.ABSENT, at=now, by=actor) for s in missing
    )
    audit.record(actor=actor, action="exams.checkin.absent", obj=room, after={"absent": len(missing)})
    return len(missing)


@transaction.atomic
def seat_swap(*, actor: Any, seat: Seat, to_room: ExamRoom, to_number: Any, reason: Any) -> Seat:
    """Move a candidate to a free seat of the same session (a broken workstation, …), with a reason."""
    seat = lock(seat)
    require(may_keep_room(actor, seat.room) and may_keep_room(actor, to_room), "无权调整该考场座位")
    reason = checked_text(reason, "reason", "换座原因", limit=255)
    if to_room.session_id != seat.session_id:
        raise ValidationFailed("只能换到同一场次的座位", detail={"to_room": ["不是同一场次"]})
    try:
        number = int(to_number)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= to_room.capacity:
        raise ValidationFailed(f"座位号应为 1 至 {to_room.capacity}", detail={"to_number": ["座位号无效"]})
    before = f"{seat.room.name} {seat.number}号"
    seat.room, seat.number = to_room, number
    # the constraint decides, also for two swaps to one seat at once
    with unique_or_conflict("该座位已有考生", "to_number", "座位已占用"):
        seat.save(update_fields=["room", "number"])
    swap = SeatSwap(
        session_id=seat.session_id,
        registration_id=seat.registration_id,
        from_label=before,
        to_label=f"{to_room.name} {number}号",
        reason=reason,
        by=actor,
    )
    save_new(swap)
    _recheck_staffing(seat.room.session.plan)
    audit.record(actor=actor, action="exams.seat.swap", obj=swap, after=audit.snapshot(swap))
    return seat


def _recheck_staffing(plan: Any) -> None:
    """Once the examiners are published, a candidate moves only where the room's staff still meet every
    rule: nobody related to him (EXAM-4), enough invigilators or an odd panel for the new count (EXAM-13,
    EXAM-7). Before publishing, a frozen draw no longer matches the seats and is dropped."""
    assignment = RoomAssignment.objects.select_for_update().filter(plan=plan).first()
    if assignment is None:
        return
    if assignment.status == RoomAssignment.Status.FROZEN:
        assignment.delete()
        return
    problems = staffing_problems(plan)
    if problems:
        raise ValidationFailed(
            "换座后考场的考评人员不符合要求:" + ";".join(problems[:3]), detail={"to_room": problems}
        )


@transaction.atomic
def violation_record(
    *,
    actor: Any,
    room: ExamRoom,
    measure: Any,
    facts: Any,
    seat: Seat | None = None,
    collective: bool = False,
) -> Violation:
    """EXAM-8: record a violation and its handling in the room record; a collective stop or void waits for
    the centre's approval (routed to the authority that holds the filing)."""
    require(may_keep_room(actor, room), "只有本机构工作人员或本考场的考评人员可以记录违纪")
    measure = str(measure or "")
    if measure not in Violation.Measure.values:
        raise ValidationFailed(
            "处理方式应为劝告、警告、终止考试或成绩无效", detail={"measure": ["处理方式无效"]}
        )
    facts = checked_text(facts, "facts", "违纪事实", limit=2000)
    if collective and seat is not None:
        raise ValidationFailed("集体违纪不指定个人", detail={"seat": ["集体违纪不指定个人"]})
    if not collective and (seat is None or seat.room_id != room.pk):
        raise ValidationFailed("请选择本考场的违纪考生", detail={"seat": ["请选择考生"]})
    violation = Violation(
        room=room,
        registration=seat.registration if seat is not None else None,
        collective=collective,
        measure=measure,
        facts=facts,
        approval=rules.violation_approval(collective, measure),
        recorded_by=actor,
    )
    save_new(violation)
    audit.record(actor=actor, action="exams.violation.record", obj=violation, after=audit.snapshot(violation))
    if violation.approval == Violation.Approval.PENDING:
        # EXAM-8: routed to the centre that holds the batch's filing
        batch = room.session.plan.batch
        notify(
            recipients=User.objects.filter(
                authority_id=batch.filing.authority_id,
                role__in=(Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF),
                is_active=True,
            ),
            kind="exam.collective_violation",
            title=f"{batch.institution.name} {room.name} 集体违纪:{violation.get_measure_display()}待审批",
            body=facts[:200],
            link=reverse("exams:attendance", args=[room.session.plan_id]),
            obj=violation,
        )
    return violation


@transaction.atomic
def violation_decide(*, actor: Any, violation: Violation, approve: bool, reason: Any = "") -> Violation:
    """The centre approves or refuses a collective stop/void (EXAM-8); a refusal gives a reason."""
    violation = lock(violation)
    require(may_confirm(actor, violation.room), "只有负责该批次备案的认定中心可以审批集体违纪处理")
    if violation.approval != Violation.Approval.PENDING:
        raise IllegalTransition("该违纪记录不需要审批或已审批")
    reason = checked_text(reason, "reason", "审批意见", limit=255, required=not approve)
    before = audit.snapshot(violation)
    violation.approval = Violation.Approval.APPROVED if approve else Violation.Approval.REFUSED
    violation.approval_reason = reason
    violation.decided_by = actor
    save_fields(violation, ["approval", "approval_reason", "decided_by"])
    audit.record(
        actor=actor,
        action="exams.violation.decide",
        obj=violation,
        before=before,
        after=audit.snapshot(violation),
    )
    return violation


@transaction.atomic
def room_note_add(*, actor: Any, room: ExamRoom, text: Any) -> RoomNote:
    """An entry of the room record that is not a violation."""
    require(may_keep_room(actor, room), "只有本机构工作人员或本考场的考评人员可以填写考场记录")
    note = RoomNote(room=room, text=checked_text(text, "text", "记录内容", limit=255), by=actor)
    save_new(note)
    audit.record(actor=actor, action="exams.room.note", obj=note, after=audit.snapshot(note))
    return note


@transaction.atomic
def venue_check(*, actor: Any, room: ExamRoom, confirmed: bool, reason: Any = "") -> VenueCheck:
    """EXAM-19: an examiner of the room confirms the venue, equipment and materials, or refuses to start
    with a reason (the refusal goes into the room record)."""
    if not (is_examiner(actor) and staffs_room(actor, room)):
        raise PermissionDenied("只有本考场的考评人员可以确认场地")
    reason = checked_text(reason, "reason", "拒绝原因", limit=255, required=not confirmed)
    examiner = (
        room.staff.filter(examiner__person_id=actor.person_id, replaced_by__isnull=True).first().examiner
    )
    if VenueCheck.objects.filter(room=room, examiner=examiner).exists():
        raise Conflict("您已确认过本考场", detail={"confirmed": ["已确认"]})
    check = VenueCheck(room=room, examiner=examiner, confirmed=confirmed, reason="" if confirmed else reason)
    with unique_or_conflict("您已确认过本考场", "confirmed"):  # a double tap at once: the constraint
        save_new(check)
    audit.record(actor=actor, action="exams.room.venue_check", obj=check, after=audit.snapshot(check))
    return check
