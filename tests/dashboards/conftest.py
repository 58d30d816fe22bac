"""A small province with exact figures for the dashboards (the test clock: 2026-12-03, Asia/Shanghai).

Window of a refresh on the test day: 2026-01 … 2026-12. Expected aggregates are written out in the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from dudao.complaints.models import Complaint
from dudao.exams.models import ExamPlan, Registration
from dudao.exams.models_results import ExamResult, ResultPublication
from dudao.registry.models import Batch
from dudao.supervision.models import Finding, SupervisionTask, TaskMember
from tests import factories as f
from tests.factories.exams import plan_values


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment in Asia/Shanghai (the project's time zone)."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


@dataclass
class World:
    users: dict[str, Any]
    authority: Any
    nc_authority: Any
    inst_nc: Any
    inst_gz: Any
    inst_gz2: Any
    occupation: Any
    sup1: Any
    sup2: Any
    sup3: Any


class Maker:
    def __init__(self, admin):
        self.admin = admin
        self.n = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def batch(self, institution, starts_at, *, status="planned", occupation=None) -> Batch:
        n = self._next()
        return Batch.objects.create(
            code=f"PC-DASH-{n}",
            institution=institution,
            filing=f.FilingFactory(institution=institution, authority=institution.authority),
            occupation=occupation or f.OccupationFactory(),
            levels=[4, 2],
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
            venue=f.VenueFactory(institution=institution),
            status=status,
        )

    def task(self, institution, starts_at, *, batch=None, status="accepted", covert=False, reported=False):
        n = self._next()
        return SupervisionTask.objects.create(
            number=f"DD-DASH-{n}",
            authority=institution.authority,
            institution=institution,
            batch=batch,
            kind="daily",
            supervisor_kind="external",
            covert=covert,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=3),
            status=status,
            report_due_on=starts_at.date() + dt.timedelta(days=10),
            created_by=self.admin,
            dispatched_at=starts_at - dt.timedelta(days=3),
            report_submitted_at=starts_at + dt.timedelta(days=1) if reported else None,
        )

    def finding(self, task, severity: str) -> Finding:
        return Finding.objects.create(
            task=task, content_area="1", method="monitor", severity=severity, recorded_by=self.admin
        )

    def member(self, task, supervisor, *, response="accepted", active=True) -> TaskMember:
        return TaskMember.objects.create(task=task, supervisor=supervisor, response=response, active=active)

    def plan(self, batch, *, published: bool) -> ExamPlan:
        values = plan_values(batch)
        plan = ExamPlan.objects.create(batch=batch, status="closed", **values)
        if published:
            ResultPublication.objects.create(
                plan=plan,
                published_at=batch.starts_at + dt.timedelta(days=5),
                published_by=self.admin,
                publicity_ends_on=batch.starts_at.date() + dt.timedelta(days=12),
                objections_close_on=batch.starts_at.date() + dt.timedelta(days=12),
            )
        return plan

    def result(self, plan, level: int, passed: bool | None) -> ExamResult:
        n = self._next()
        registration = Registration.objects.create(
            number=f"BM-DASH-{n}", plan=plan, person=f.PersonFactory(), level=level, status="approved"
        )
        return ExamResult.objects.create(
            registration=registration,
            marks={},
            judged={},
            passed=passed,
            recorded_at=plan.batch.starts_at + dt.timedelta(days=1),
            recorded_by=self.admin,
        )

    def complaint(self, institution, received_at, *, verified: bool = False) -> Complaint:
        n = self._next()
        return Complaint.objects.create(
            code=f"TS{n:08d}",
            secret_hash="x" * 64,
            institution=institution,
            category=Complaint.Category.EXAM_DISCIPLINE,
            content="考场纪律问题",
            received_at=received_at,
            accept_by=received_at.date() + dt.timedelta(days=7),
            finding=Complaint.Finding.VERIFIED if verified else "",
        )


@pytest.fixture
def world(users, authority, institution) -> World:
    nanchang = f.RegionFactory(code="360100", name="南昌市", kind="city", parent=authority.region)
    ganzhou = f.RegionFactory(code="360700", name="赣州市", kind="city", parent=authority.region)
    zhanggong = f.RegionFactory(code="360702", name="章贡区", kind="district", parent=ganzhou)
    nc_authority = f.AuthorityFactory(region=nanchang, parent=authority, name="南昌市职业技能鉴定指导中心")
    inst_nc = f.InstitutionFactory(
        authority=nc_authority, region=nanchang, uscc=f.make_uscc(801), name="南昌甲评价机构"
    )
    f.InstitutionFactory(authority=nc_authority, region=nanchang, uscc=f.make_uscc(802), is_active=False)
    inst_gz = f.InstitutionFactory(
        authority=authority, region=zhanggong, uscc=f.make_uscc(803), name="章贡乙评价机构"
    )
    inst_gz2 = f.InstitutionFactory(
        authority=authority, region=zhanggong, uscc=f.make_uscc(804), name="章贡丙评价机构"
    )
    occupation = f.OccupationFactory(code="6-18-02-04", name="焊工")
    sup1, sup2, sup3 = (f.SupervisorFactory(authority=authority) for _ in range(3))
    admin = users["superuser"]
    m = Maker(admin)

    # Batches (by the month they start, Asia/Shanghai; cancelled ones not counted).
    b1 = m.batch(inst_nc, at(2026, 11, 10), occupation=occupation)  # covered by t1
    b2 = m.batch(inst_nc, at(2026, 11, 20), occupation=occupation)  # only a cancelled task
    m.batch(inst_nc, at(2026, 11, 25), status="cancelled")
    m.batch(inst_nc, at(2025, 12, 31, 23, 30))  # before the window
    b5 = m.batch(inst_nc, at(2026, 1, 1, 0, 0), occupation=occupation)  # first minute of the window
    m.batch(inst_gz2, at(2026, 10, 31, 23, 30))  # October in Shanghai (15:30 UTC)
    m.batch(inst_gz2, at(2026, 11, 1, 0, 10))  # November in Shanghai (still 31 October in UTC)

    # Tasks.
    t1 = m.task(inst_nc, at(2026, 11, 10), batch=b1)
    t2 = m.task(inst_nc, at(2026, 11, 20), batch=b2, status="cancelled")
    m.task(inst_gz, at(2026, 11, 5), covert=True)  # covert, report not in: not counted
    t4 = m.task(inst_gz, at(2026, 10, 15), covert=True, reported=True, status="report_submitted")

    for severity in ("minor", "serious", "none"):
        m.finding(t1, severity)
    m.finding(t2, "major")  # cancelled task: not counted

    m.member(t1, sup1)
    m.member(t1, sup2, response="declined")
    m.member(t4, sup1)
    m.member(t4, sup3, active=False)

    p1 = m.plan(b1, published=True)
    m.result(p1, 4, True)
    m.result(p1, 4, False)
    m.result(p1, 2, True)
    m.result(p1, 4, None)  # not judged
    p5 = m.plan(b5, published=False)
    m.result(p5, 4, True)  # results not published yet

    m.complaint(inst_nc, at(2026, 11, 30), verified=True)
    m.complaint(inst_gz, at(2026, 12, 2, 23, 50))
    m.complaint(inst_gz, at(2025, 12, 31, 23, 59))  # before the window
    return World(users, authority, nc_authority, inst_nc, inst_gz, inst_gz2, occupation, sup1, sup2, sup3)
