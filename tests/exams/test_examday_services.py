"""Arrangement and exam day: sessions, rooms, seat plan, check-in (offline resend), seat swap, room record
with violations (EXAM-8) and the examiners' venue check (EXAM-19)."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.exams import selectors, services
from dudao.exams.models import CheckIn, ExamRoom, RoomStaff, Seat, Violation
from dudao.exams.tickets import parse_ticket_qr, ticket_qr_payload
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def arranged(plan, inst_admin, auth_staff):
    """Three approved level-4 candidates, a theory session with rooms of 2 and 5 seats, seats assigned."""
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2, 3)]
    session = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    a = services.room_create(actor=inst_admin, session=session, values={"name": "第01考场", "capacity": 2})
    b = services.room_create(actor=inst_admin, session=session, values={"name": "第02考场", "capacity": 5})
    assert services.seats_assign(actor=inst_admin, plan=plan) == 3
    return {"regs": regs, "session": session, "rooms": (a, b)}


def test_review_session_only_for_levels_two_and_one_exam7(plan, inst_admin):
    times = {"starts_at": fx.at(fx.EXAM_DAY, 13), "ends_at": fx.at(fx.EXAM_DAY, 15)}
    with pytest.raises(ValidationFailed) as exc:
        services.session_create(
            actor=inst_admin, plan=plan, values={"subject": "review", "level": 4, **times}
        )
    assert exc.value.detail == {"subject": ["综合评审只适用于二级(技师)和一级(高级技师)"]}
    assert services.session_create(
        actor=inst_admin, plan=plan, values={"subject": "review", "level": 2, **times}
    )


def test_session_inside_the_batch_time(plan, inst_admin):
    with pytest.raises(ValidationFailed) as exc:
        services.session_create(
            actor=inst_admin,
            plan=plan,
            values={
                "subject": "theory",
                "level": 4,
                "starts_at": fx.at(fx.EXAM_DAY, 7, 59),
                "ends_at": fx.at(fx.EXAM_DAY, 9),
            },
        )
    assert "starts_at" in exc.value.detail
    ok = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 8),
            "ends_at": fx.at(fx.EXAM_DAY, 18),
        },
    )
    assert ok.pk


def test_review_panel_is_odd_exam13(plan, inst_admin):
    session = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "review",
            "level": 2,
            "starts_at": fx.at(fx.EXAM_DAY, 13),
            "ends_at": fx.at(fx.EXAM_DAY, 15),
        },
    )
    with pytest.raises(ValidationFailed):
        services.room_create(
            actor=inst_admin, session=session, values={"name": "评审室", "capacity": 5, "panel": 4}
        )
    assert (
        services.room_create(
            actor=inst_admin, session=session, values={"name": "评审室", "capacity": 5, "panel": 5}
        ).panel
        == 5
    )


def test_seat_plan_fills_rooms_in_order_and_masks_nothing_more(arranged):
    a, b = arranged["rooms"]
    assert list(Seat.objects.filter(room=a).values_list("number", flat=True)) == [1, 2]
    assert list(Seat.objects.filter(room=b).values_list("number", flat=True)) == [1]


def test_seat_plan_refuses_too_few_seats(plan, inst_admin, auth_staff):
    for n in (1, 2):
        fx.approve(fx.register(plan, n), inst_admin, auth_staff)
    session = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    services.room_create(actor=inst_admin, session=session, values={"name": "小考场", "capacity": 1})
    with pytest.raises(Conflict):
        services.seats_assign(actor=inst_admin, plan=plan)
    assert not Seat.objects.exists()


def test_checkin_by_qr_ticket_number_and_id_number(arranged, inst_admin, exam_morning, time_machine):
    a, _ = arranged["rooms"]
    first, second = Seat.objects.filter(room=a).select_related("registration").order_by("number")
    payload = ticket_qr_payload(first.registration.ticket_number)
    assert parse_ticket_qr(payload) == first.registration.ticket_number
    assert parse_ticket_qr(payload[:-1] + ("0" if payload[-1] != "0" else "1")) is None
    c1, created = services.checkin_record(actor=inst_admin, room=a, code=payload, identity_checked=True)
    assert created and c1.seat == first
    person_n = {r.pk: n for n, r in zip((1, 2, 3), arranged["regs"], strict=False)}[second.registration_id]
    time_machine.move_to(fx.at(fx.EXAM_DAY, 9, 5))  # after the start: late, whatever the device asked
    c2, _ = services.checkin_record(
        actor=inst_admin,
        room=a,
        code=make_resident_id(person_n, birth="19900101"),
        identity_checked=True,
    )
    assert c2.seat == second and c2.status == "late"


def test_checkin_needs_the_identity_check(arranged, inst_admin):
    a, _ = arranged["rooms"]
    seat = Seat.objects.filter(room=a).first()
    with pytest.raises(ValidationFailed):
        services.checkin_record(actor=inst_admin, room=a, code=seat.registration.ticket_number)
    assert not CheckIn.objects.exists()


def test_candidate_of_another_room_is_not_found(arranged, inst_admin, exam_morning):
    a, b = arranged["rooms"]
    seat = Seat.objects.get(room=b)
    with pytest.raises(NotFound):
        services.checkin_record(
            actor=inst_admin, room=a, code=seat.registration.ticket_number, identity_checked=True
        )


def test_offline_resend_is_idempotent(arranged, inst_admin, exam_morning):
    a, _ = arranged["rooms"]
    seat = Seat.objects.filter(room=a).first()
    args = {"actor": inst_admin, "room": a, "code": seat.registration.ticket_number, "identity_checked": True}
    first, created = services.checkin_record(client_id="dev1-0001", **args)
    again, created_again = services.checkin_record(client_id="dev1-0001", **args)
    assert (created, created_again, first.pk == again.pk, CheckIn.objects.count()) == (True, False, True, 1)
    # another device scanning the same candidate: the stored record stands, no duplicate
    other, created_other = services.checkin_record(client_id="dev2-0001", **args)
    assert (created_other, other.pk, CheckIn.objects.count()) == (False, first.pk, 1)


def test_absences_only_after_the_late_admission_cutoff(arranged, inst_admin, time_machine, settings):
    a, _ = arranged["rooms"]  # the session starts at 09:00; late admission 15 minutes by default
    time_machine.move_to(fx.at(fx.EXAM_DAY, 9, 15) - dt.timedelta(seconds=1))
    with pytest.raises(IllegalTransition) as exc:
        services.absences_mark(actor=inst_admin, room=a)
    assert exc.value.message == "开考 15 分钟后(09:15)才能标记缺考,之前到场的按迟到签到"
    settings.DUDAO_EXAM_LATE_ADMISSION_MINUTES = 10  # a province's own practice
    assert services.absences_mark(actor=inst_admin, room=a) == 2


def test_absent_then_late_but_not_present_then_absent(arranged, inst_admin, time_machine):
    a, _ = arranged["rooms"]
    time_machine.move_to(fx.at(fx.EXAM_DAY, 9, 15))
    assert services.absences_mark(actor=inst_admin, room=a) == 2
    seat = Seat.objects.filter(room=a).first()
    # scanned at 09:10 on a device that was offline, synced after the absences were marked
    late, _ = services.checkin_record(
        actor=inst_admin,
        room=a,
        code=seat.registration.ticket_number,
        status="late",
        identity_checked=True,
        at=fx.at(fx.EXAM_DAY, 9, 10).isoformat(),
    )
    assert late.status == "late"
    with pytest.raises(Conflict):
        services.checkin_record(
            actor=inst_admin, room=a, code=seat.registration.ticket_number, status="absent"
        )


def test_seat_swap_within_the_session(arranged, inst_admin):
    a, b = arranged["rooms"]
    seat = Seat.objects.filter(room=a).first()
    with pytest.raises(Conflict):
        services.seat_swap(actor=inst_admin, seat=seat, to_room=b, to_number=1, reason="机位故障")
    moved = services.seat_swap(actor=inst_admin, seat=seat, to_room=b, to_number=5, reason="机位故障")
    assert (moved.room, moved.number) == (b, 5)
    with pytest.raises(ValidationFailed):
        services.seat_swap(actor=inst_admin, seat=moved, to_room=b, to_number=6, reason="超出座位数")


def test_violation_individual_and_collective_exam8(arranged, inst_admin, auth_staff):
    a, _ = arranged["rooms"]
    seat = Seat.objects.filter(room=a).first()
    warning = services.violation_record(
        actor=inst_admin, room=a, measure="warning", facts="交头接耳", seat=seat
    )
    assert warning.approval == "not_needed"
    stop = services.violation_record(
        actor=inst_admin, room=a, measure="stop", facts="集体作弊", collective=True
    )
    assert stop.approval == "pending"
    advice = services.violation_record(
        actor=inst_admin, room=a, measure="advice", facts="喧哗", collective=True
    )
    assert advice.approval == "not_needed"
    with pytest.raises(PermissionDenied):
        services.violation_decide(actor=inst_admin, violation=stop, approve=True)
    with pytest.raises(ValidationFailed):
        services.violation_decide(actor=auth_staff, violation=stop, approve=False)
    decided = services.violation_decide(actor=auth_staff, violation=stop, approve=True)
    assert decided.approval == "approved"
    with pytest.raises(IllegalTransition):
        services.violation_decide(actor=auth_staff, violation=decided, approve=True)


def test_individual_violation_names_a_candidate_of_the_room(arranged, inst_admin):
    a, b = arranged["rooms"]
    with pytest.raises(ValidationFailed):
        services.violation_record(actor=inst_admin, room=a, measure="warning", facts="x")
    with pytest.raises(ValidationFailed):
        services.violation_record(
            actor=inst_admin, room=a, measure="warning", facts="x", seat=Seat.objects.get(room=b)
        )
    assert not Violation.objects.exists()


def test_venue_check_by_the_rooms_examiner_exam19(arranged, users, inst_admin, exam_morning):
    a, b = arranged["rooms"]
    examiner_user = users[Role.EXAMINER]
    with pytest.raises(PermissionDenied):
        services.venue_check(actor=examiner_user, room=a, confirmed=True)
    RoomStaff.objects.create(room=a, examiner=examiner_user.person.examiner)
    with pytest.raises(ValidationFailed):
        services.venue_check(actor=examiner_user, room=a, confirmed=False)
    refusal = services.venue_check(actor=examiner_user, room=a, confirmed=False, reason="焊机未接地")
    assert (refusal.confirmed, refusal.reason) == (False, "焊机未接地")
    with pytest.raises(Conflict):
        services.venue_check(actor=examiner_user, room=a, confirmed=True)
    # the room's examiner keeps the room record too (check-in), not another room's
    seat = Seat.objects.filter(room=a).first()
    assert services.checkin_record(
        actor=examiner_user, room=a, code=seat.registration.ticket_number, identity_checked=True
    )[1]
    with pytest.raises(PermissionDenied):
        services.absences_mark(actor=examiner_user, room=b)


def test_attendance_by_room_counts(arranged, inst_admin, exam_morning):
    a, _b = arranged["rooms"]
    seat = Seat.objects.filter(room=a).first()
    services.checkin_record(
        actor=inst_admin, room=a, code=seat.registration.ticket_number, identity_checked=True
    )
    services.violation_record(actor=inst_admin, room=a, measure="warning", facts="x", seat=seat)
    services.violation_record(actor=inst_admin, room=a, measure="advice", facts="y", seat=seat)
    rows = {r["room"].name: r for r in selectors.attendance_by_room(arranged["session"].plan)}
    assert {
        k: rows["第01考场"][k] for k in ("expected", "present", "late", "absent", "pending", "violations")
    } == {
        "expected": 2,
        "present": 1,
        "late": 0,
        "absent": 0,
        "pending": 1,
        "violations": 2,
    }
    assert rows["第02考场"]["expected"] == 1


def test_supervisor_of_the_batch_sees_it_live(arranged, users):
    from django.utils import timezone

    from dudao.supervision.models import SupervisionTask, TaskMember

    plan = arranged["session"].plan
    sup_user = users[Role.EXTERNAL_SUPERVISOR]
    assert not selectors.plans_for(sup_user).exists()
    task = SupervisionTask.objects.create(
        number="T-1",
        authority=plan.batch.filing.authority,
        institution=plan.batch.institution,
        batch=plan.batch,
        kind="external",
        supervisor_kind="external",
        starts_at=plan.batch.starts_at,
        ends_at=plan.batch.ends_at,
        report_due_on=fx.EXAM_DAY,
        dispatched_at=timezone.now(),
    )
    TaskMember.objects.create(task=task, supervisor=sup_user.person.supervisor_roles.first())
    assert list(selectors.plans_for(sup_user)) == [plan]
    assert selectors.rooms_for(sup_user).count() == 2
    assert ExamRoom.objects.count() == 2


def test_supervisors_task_shows_the_exam_live_and_coverage_counts_sessions(
    arranged, users, inst_admin, auth_staff, exam_morning
):
    from django.urls import reverse
    from django.utils import timezone

    from dudao.supervision.models import SupervisionTask, TaskMember
    from dudao.supervision.selectors import coverage
    from tests.conftest import client_for

    plan = arranged["session"].plan
    a, _ = arranged["rooms"]
    seat = Seat.objects.filter(room=a).select_related("registration").first()
    services.checkin_record(
        actor=inst_admin, room=a, code=seat.registration.ticket_number, identity_checked=True
    )
    services.violation_record(actor=inst_admin, room=a, measure="warning", facts="偷看手机", seat=seat)
    day = fx.EXAM_DAY
    assert (
        coverage(auth_staff, start=day, end=day).sessions_total,
        coverage(auth_staff, start=day, end=day).sessions_covered,
    ) == (1, 0)
    sup_user = users[Role.EXTERNAL_SUPERVISOR]
    task = SupervisionTask.objects.create(
        number="T-2",
        authority=plan.batch.filing.authority,
        institution=plan.batch.institution,
        batch=plan.batch,
        kind="daily",
        supervisor_kind="external",
        starts_at=plan.batch.starts_at,
        ends_at=plan.batch.ends_at,
        report_due_on=fx.EXAM_DAY,
        dispatched_at=timezone.now(),
    )
    TaskMember.objects.create(task=task, supervisor=sup_user.person.supervisor_roles.first())
    result = coverage(auth_staff, start=day, end=day)
    assert (result.sessions_total, result.sessions_covered, result.sessions_uncovered) == (1, 1, 0)
    html = client_for(sup_user).get(reverse("supervision:task_detail", args=[task.pk])).content.decode()
    assert 'id="exam-live"' in html
    who = f"{seat.registration.number} {seat.registration.person.name}"
    assert f"考场记录:第01考场 · 考生 {who} · 警告 · 偷看手机" in html
    # the institution does not get the supervisors' panel on the task page
    inst_html = (
        client_for(inst_admin).get(reverse("supervision:task_detail", args=[task.pk])).content.decode()
    )
    assert 'id="exam-live"' not in inst_html
    page = (
        client_for(auth_staff)
        .get(reverse("supervision:coverage") + f"?start={day}&end={day}")
        .content.decode()
    )
    assert 'id="cov-sessions"' in page


def test_collective_stop_is_routed_to_the_centre_and_decided_there(arranged, inst_admin, auth_staff, users):
    from django.urls import reverse

    from dudao.notifications.models import Message
    from tests.conftest import client_for

    a, _ = arranged["rooms"]
    plan = arranged["session"].plan
    violation = services.violation_record(
        actor=inst_admin, room=a, measure="void", facts="集体传抄", collective=True
    )
    inbox = set(
        Message.objects.filter(kind="exam.collective_violation").values_list("recipient__username", flat=True)
    )
    assert inbox == {users[Role.AUTHORITY_ADMIN].username, auth_staff.username}
    url = reverse("exams:violation_decide", args=[plan.pk, violation.pk])
    assert client_for(inst_admin).post(url, {"decision": "approve"}).status_code == 403
    page = client_for(auth_staff).get(reverse("exams:attendance", args=[plan.pk])).content.decode()
    assert 'id="pending-violations"' in page and "集体传抄" in page
    client_for(auth_staff).post(url, {"decision": "approve"})
    violation.refresh_from_db()
    assert violation.approval == "approved" and violation.decided_by == auth_staff


def test_no_reseating_after_a_check_in_and_withdrawal_frees_the_seat(arranged, inst_admin, time_machine):
    a, _ = arranged["rooms"]
    seats = list(Seat.objects.filter(room=a).select_related("registration").order_by("number"))
    reg = seats[1].registration
    reg = services.registration_withdraw(
        actor=inst_admin, registration=reg, row_version=reg.row_version, by_candidate=False
    )
    assert not Seat.objects.filter(registration=reg).exists()
    time_machine.move_to(fx.at(fx.EXAM_DAY, 8, 50))
    services.checkin_record(
        actor=inst_admin, room=a, code=seats[0].registration.ticket_number, identity_checked=True
    )
    with pytest.raises(IllegalTransition):
        services.seats_assign(actor=inst_admin, plan=arranged["session"].plan)
    assert Seat.objects.count() == 2


def test_session_level_must_be_the_batchs(plan, inst_admin):
    times = {"starts_at": fx.at(fx.EXAM_DAY, 9), "ends_at": fx.at(fx.EXAM_DAY, 11)}
    with pytest.raises(ValidationFailed) as exc:
        services.session_create(
            actor=inst_admin, plan=plan, values={"subject": "theory", "level": 3, **times}
        )
    assert exc.value.detail == {"level": ["本批次不含3级"]}


@pytest.mark.parametrize(
    ("collective", "measure", "approval"),
    [
        (False, "stop", "not_needed"),
        (False, "void", "not_needed"),
        (True, "advice", "not_needed"),
        (True, "warning", "not_needed"),
        (True, "stop", "pending"),
        (True, "void", "pending"),
    ],
)
def test_which_measures_wait_for_the_centre_exam8(arranged, inst_admin, collective, measure, approval):
    a, _ = arranged["rooms"]
    seat = None if collective else Seat.objects.filter(room=a).first()
    violation = services.violation_record(
        actor=inst_admin, room=a, measure=measure, facts="事实", seat=seat, collective=collective
    )
    assert violation.approval == approval
