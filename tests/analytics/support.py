"""An evaluation in the database for the analytics tests: a batch, its plan, one session with a room,
seated candidates, check-ins, double marks, results, a publication and certificates — rows written directly
(the exams services are tested in tests/exams; here only their stored shape matters)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dudao.exams.models import CheckIn, ExamRoom, ExamSession, Registration, Seat
from dudao.exams.models_marking import Mark, Marking, Paper
from dudao.exams.models_results import Certificate, ExamResult, ResultPublication
from tests.factories import exams as fx
from tests.factories.rows import ExaminerFactory, FilingScopeFactory

START = fx.at(fx.EXAM_DAY, 9)
END = fx.at(fx.EXAM_DAY, 11)


class Evaluation:
    """One batch with `n` seated candidates in one theory session (09:00–11:00 on EXAM_DAY)."""

    def __init__(
        self, institution, users, *, n: int = 4, code: str = "PC-EXAM-1", scoped: bool = True, base: int = 0
    ):
        from dudao.accounts.models import Role

        self.admin = users[Role.INSTITUTION_ADMIN]
        self.batch = fx.exam_batch(institution, code=code)
        if scoped:
            FilingScopeFactory(filing=self.batch.filing, occupation=self.batch.occupation, levels=[4, 2])
        self.plan = fx.exam_plan(self.batch, self.admin)
        self.session = ExamSession.objects.create(
            plan=self.plan, subject="theory", level=4, starts_at=START, ends_at=END
        )
        self.room = ExamRoom.objects.create(session=self.session, name="第1考场", capacity=30)
        self.seats = []
        for i in range(1, n + 1):
            reg = fx.register(self.plan, base + i)
            Registration.objects.filter(pk=reg.pk).update(status=Registration.Status.APPROVED)
            self.seats.append(
                Seat.objects.create(room=self.room, session=self.session, registration=reg, number=i)
            )
        self.examiners = [ExaminerFactory(authority=institution.authority) for _ in range(2)]
        self.marking = None

    def check_in(self, seat: Seat, at: dt.datetime, *, status: str = "present", client_id=None) -> CheckIn:
        return CheckIn.objects.create(
            seat=seat, status=status, at=at, by=self.admin, identity_checked=True, client_id=client_id
        )

    def mark(self, seat: Seat, value, at: dt.datetime, *, examiner=None, role: str = "initial") -> Mark:
        if self.marking is None:
            self.marking = Marking.objects.create(
                session=self.session,
                mode="double",
                full=100,
                tolerance=Decimal("10"),
                leader=self.examiners[0],
                opened_by=self.admin,
            )
        paper, _ = Paper.objects.get_or_create(
            marking=self.marking, seat=seat, defaults={"code": f"M{seat.number:04d}"}
        )
        return Mark.objects.create(
            paper=paper,
            examiner=examiner or self.examiners[0],
            role=role,
            value=Decimal(str(value)),
            at=at,
            by=self.admin,
        )

    def publish(self, at: dt.datetime) -> ResultPublication:
        return ResultPublication.objects.create(
            plan=self.plan,
            published_at=at,
            published_by=self.admin,
            publicity_ends_on=at.date() + dt.timedelta(days=7),
            objections_close_on=at.date() + dt.timedelta(days=7),
        )

    def result(self, seat: Seat, passed: bool | None) -> ExamResult:
        return ExamResult.objects.create(
            registration=seat.registration,
            marks={},
            judged={},
            passed=passed,
            recorded_at=END,
            recorded_by=self.admin,
        )

    def certificate(self, seat: Seat, number: str, *, status: str = "valid") -> Certificate:
        reg = seat.registration
        return Certificate.objects.create(
            number=number,
            registration=reg,
            person=reg.person,
            name=reg.person.name,
            id_number_masked=reg.person.id_number_masked,
            occupation_code=self.batch.occupation.code,
            occupation_name=self.batch.occupation.name,
            level=4,
            institution=self.batch.institution,
            institution_name=self.batch.institution.name,
            issued_on=fx.EXAM_DAY + dt.timedelta(days=30),
            seal="-",
            status=status,
        )
