"""Rows the quality tests stand on, written directly (the figures are read from them, not made by them)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from dudao.complaints import services as complaint_services
from dudao.complaints.models import Complaint
from dudao.exams.models import Certificate, ExamPlan, ExamResult, Registration
from dudao.registry.models import Batch
from dudao.supervision.models import Finding, Rectification, SupervisionTask
from tests import factories as f

_n = itertools.count(1)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def batch(institution, day: dt.date, *, candidates: int = 30, status: str = "completed") -> Batch:
    n = next(_n)
    return Batch.objects.create(
        code=f"QB-{n}",
        institution=institution,
        filing=f.FilingFactory(institution=institution, authority=institution.authority),
        occupation=f.OccupationFactory(),
        levels=[4],
        starts_at=at(day),
        ends_at=at(day, 17),
        venue=f.VenueFactory(institution=institution),
        candidate_count=candidates,
        status=status,
    )


def task(institution, day: dt.date, *, batch_=None, status: str = "closed") -> SupervisionTask:
    return SupervisionTask.objects.create(
        number=f"QT-{next(_n)}",
        authority=institution.authority,
        institution=institution,
        batch=batch_,
        kind="daily",
        supervisor_kind="external",
        starts_at=at(day),
        ends_at=at(day, 17),
        status=status,
        report_due_on=day + dt.timedelta(days=10),
        dispatched_at=at(day - dt.timedelta(days=3)),
    )


def finding(task_, severity: str, user) -> Finding:
    return Finding.objects.create(
        task=task_, content_area="2.4", method="inquiry", severity=severity, recorded_by=user
    )


def rectification(task_, due_on: dt.date, user, *, status: str = "passed", overdue: bool = False, round_no=1):
    return Rectification.objects.create(
        task=task_,
        round_no=round_no,
        requirements="补装摄像头",
        due_on=due_on,
        ordered_by=user,
        status=status,
        overdue=overdue,
    )


def complaint(institution, status: str = "received", finding: str = "") -> Complaint:
    c, _secret = complaint_services.complaint_file(
        institution=institution.uscc, category="fees", content="收费过高。", anonymous=True
    )
    Complaint.objects.filter(pk=c.pk).update(status=status, finding=finding)
    return c


def results(batch_, user, *, passed: int, failed: int, issued_on: dt.date | None = None, uploaded_on=None):
    """Judged results of the batch's candidates; each passed one gets a certificate when `issued_on`."""
    plan = ExamPlan.objects.create(
        batch=batch_,
        title="认定公告",
        registration_opens_on=dt.date(2026, 1, 1),
        registration_closes_on=dt.date(2026, 1, 10),
        withdraw_deadline=dt.date(2026, 1, 10),
        fee_basis="依据",
        eligibility_summary="条件",
        contact_name="王老师",
        contact_phone="0791-88888888",
    )
    for i in range(passed + failed):
        n = next(_n)
        person = f.PersonFactory()
        reg = Registration.objects.create(
            number=f"QR-{n}", plan=plan, person=person, level=4, status="approved"
        )
        ok = i < passed
        ExamResult.objects.create(
            registration=reg, marks={}, judged={}, passed=ok, recorded_at=timezone.now(), recorded_by=user
        )
        if ok and issued_on:
            Certificate.objects.create(
                number=f"Q{n:021d}",
                registration=reg,
                person=person,
                name=person.name,
                id_number_masked=person.id_number_masked,
                occupation_code=batch_.occupation.code,
                occupation_name=batch_.occupation.name,
                level=4,
                institution=batch_.institution,
                institution_name=batch_.institution.name,
                issued_on=issued_on,
                seal="-",
                upload="uploaded" if uploaded_on else "pending",
                uploaded_at=at(uploaded_on) if uploaded_on else None,
            )
