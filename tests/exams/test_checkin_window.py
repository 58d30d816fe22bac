"""When a candidate can be checked in: from DUDAO_EXAM_CHECKIN_OPENS_MINUTES before the start (present) to
the admission cut-off (late after the start); an absence only from the cut-off; a device's time is taken
for a record synced later, but never ahead of the server's clock by more than the allowed skew."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.common.errors import IllegalTransition, ValidationFailed
from dudao.exams import services
from dudao.exams.domain import rules
from dudao.exams.models import CheckIn, Seat
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db

START = fx.at(fx.EXAM_DAY, 9)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def room(plan, inst_admin, auth_staff):
    for n in (1, 2):
        fx.approve(fx.register(plan, n), inst_admin, auth_staff)
    session = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={"subject": "theory", "level": 4, "starts_at": START, "ends_at": fx.at(fx.EXAM_DAY, 11)},
    )
    room = services.room_create(
        actor=inst_admin, session=session, values={"name": "第01考场", "capacity": 30}
    )
    services.seats_assign(actor=inst_admin, plan=plan)
    return room


def scan(room, actor, **kwargs):
    seat = Seat.objects.filter(room=room).select_related("registration").order_by("number").first()
    args = {"identity_checked": True, "code": seat.registration.ticket_number}
    return services.checkin_record(actor=actor, room=room, **(args | kwargs))


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-dt.timedelta(minutes=60) - SECOND, None),  # before check-in opens
        (-dt.timedelta(minutes=60), "present"),  # the first second it is open
        (dt.timedelta(0), "present"),  # on the stroke of the start: on time
        (SECOND, "late"),
        (dt.timedelta(minutes=15) - SECOND, "late"),  # the last second before the cut-off
        (dt.timedelta(minutes=15), None),  # the cut-off: no longer admitted
    ],
)
def test_attendance_status_boundaries(offset, expected):
    status, reason = rules.attendance_status(START, START + offset, late_minutes=15, opens_minutes=60)
    assert status == expected
    assert bool(reason) is (expected is None)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-dt.timedelta(minutes=60) - SECOND, None),
        (-dt.timedelta(minutes=60), "present"),
        (dt.timedelta(0), "present"),
        (SECOND, "late"),
        (dt.timedelta(minutes=15) - SECOND, "late"),
        (dt.timedelta(minutes=15), None),
    ],
)
def test_the_service_decides_present_or_late_by_the_clock(room, inst_admin, time_machine, offset, expected):
    time_machine.move_to(START + offset, tick=False)
    if expected is None:
        with pytest.raises(IllegalTransition):
            scan(room, inst_admin, status="present")
        assert not CheckIn.objects.exists()
    else:
        checkin, created = scan(room, inst_admin, status="present")
        assert created and checkin.status == expected


def test_a_check_in_weeks_before_the_exam_is_refused(room, inst_admin):
    with pytest.raises(IllegalTransition) as exc:  # the frozen clock is 2026-12-03, the exam 12-20
        scan(room, inst_admin)
    assert "签到尚未开始" in exc.value.message
    assert not CheckIn.objects.exists()


def test_the_day_after_is_refused(room, inst_admin, time_machine):
    time_machine.move_to(START + dt.timedelta(days=1) - dt.timedelta(minutes=30), tick=False)
    with pytest.raises(IllegalTransition):
        scan(room, inst_admin)


@pytest.mark.parametrize(
    ("offset", "allowed"), [(dt.timedelta(minutes=15) - SECOND, False), (dt.timedelta(minutes=15), True)]
)
def test_one_absence_only_from_the_cut_off(room, inst_admin, time_machine, offset, allowed):
    time_machine.move_to(START + offset, tick=False)
    if allowed:
        checkin, _ = scan(room, inst_admin, status="absent", identity_checked=False)
        assert checkin.status == "absent"
    else:
        with pytest.raises(IllegalTransition):
            scan(room, inst_admin, status="absent", identity_checked=False)
        assert not CheckIn.objects.exists()


def test_a_scan_synced_after_the_cut_off_counts_at_its_own_time(room, inst_admin, time_machine):
    time_machine.move_to(START + dt.timedelta(minutes=40), tick=False)
    checkin, _ = scan(room, inst_admin, at=(START + dt.timedelta(minutes=5)).isoformat(), client_id="d-1")
    assert checkin.status == "late" and checkin.at == START + dt.timedelta(minutes=5)
    with pytest.raises(IllegalTransition):  # scanned after the cut-off: refused even when synced
        scan(room, inst_admin, at=(START + dt.timedelta(minutes=16)).isoformat(), client_id="d-2")


@pytest.mark.parametrize(
    ("ahead", "allowed"), [(dt.timedelta(minutes=5), True), (dt.timedelta(minutes=5) + SECOND, False)]
)
def test_a_device_clock_ahead_of_the_server(room, inst_admin, time_machine, ahead, allowed):
    now = START - dt.timedelta(minutes=20)
    time_machine.move_to(now, tick=False)
    if allowed:
        checkin, _ = scan(room, inst_admin, at=(now + ahead).isoformat())
        assert checkin.status == "present"
    else:
        with pytest.raises(ValidationFailed):
            scan(room, inst_admin, at=(now + ahead).isoformat())
        assert not CheckIn.objects.exists()
