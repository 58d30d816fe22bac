"""Shared set-up of the masked-marking tests: a theory session with seats, check-ins and four examiners."""

from __future__ import annotations

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import CheckIn, Paper, RoomStaff, Seat
from tests.factories import exams as fx
from tests.factories.rows import ExaminerFactory, UserFactory


def examiner_user(authority, n: int):
    examiner = ExaminerFactory(authority=authority)
    return UserFactory(username=f"marker{n}", role=Role.EXAMINER, person=examiner.person)


def session_with_seats(plan, inst_admin, subject="theory", level=4, rooms=((2,), (5,))):
    session = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": subject,
            "level": level,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    made = []
    for index, (capacity, *panel) in enumerate(rooms, start=1):
        values = {"name": f"第{index:02d}考场", "capacity": capacity}
        if panel:
            values["panel"] = panel[0]
        made.append(services.room_create(actor=inst_admin, session=session, values=values))
    return session, made


def marking_setup(plan, inst_admin, auth_staff, authority):
    """Three approved level-4 candidates in a theory session (rooms of 2 and 5 seats): the first two
    present, the third absent; four examiners on the rooms' staff (the fourth is the team leader)."""
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2, 3)]
    session, (a, b) = session_with_seats(plan, inst_admin)
    services.seats_assign(actor=inst_admin, plan=plan)
    markers = [examiner_user(authority, n) for n in range(1, 5)]
    for user, room in zip(markers, (a, a, b, b), strict=True):
        RoomStaff.objects.create(room=room, examiner=user.person.examiner)
    for seat in Seat.objects.filter(session=session).order_by("registration__number"):
        status = CheckIn.Status.ABSENT if seat.registration_id == regs[2].pk else CheckIn.Status.PRESENT
        CheckIn.objects.create(seat=seat, status=status, at=fx.at(fx.EXAM_DAY, 8, 55), by=inst_admin)
    return {"regs": regs, "session": session, "rooms": (a, b), "markers": markers}


def open_double(setup, inst_admin, **over):
    values = {"mode": "double", "leader": setup["markers"][3].person.examiner.pk, **over}
    return services.marking_open(actor=inst_admin, session=setup["session"], **values)


def code_of(marking, registration) -> str:
    return Paper.objects.get(marking=marking, seat__registration=registration).code


def give(marking, user, registration, value, reason=""):
    return services.mark_submit(
        actor=user, marking=marking, code=code_of(marking, registration), value=value, reason=reason
    )


def mark_all(marking, setup):
    e1, e2, *_ = setup["markers"]
    first, second, _ = setup["regs"]
    give(marking, e1, first, 70)
    give(marking, e2, first, 74)
    give(marking, e1, second, 50)
    give(marking, e2, second, 56)
