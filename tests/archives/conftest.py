"""Fixtures of the archive tests: a plan taken through results, publication and certificates (the exams
helpers), and the clock moved to the day the batch is over."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.exams import services as exams
from tests.factories import exams as fx

AFTER_EXAM = fx.EXAM_DAY + dt.timedelta(days=1)  # Monday 2026-12-21
PASSING = [{"subject": "theory", "marks": [70, 74]}, {"subject": "practical", "panel": [80, 82, 78]}]
FAILING = [{"subject": "theory", "mark": 59.5}, {"subject": "practical", "panel": [80, 82, 78]}]


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def batch(institution):
    return fx.exam_batch(institution)


@pytest.fixture
def plan(batch, users):
    return fx.exam_plan(batch, users[Role.INSTITUTION_ADMIN])


@pytest.fixture
def inst_admin(users):
    return users[Role.INSTITUTION_ADMIN]


@pytest.fixture
def auth_staff(users):
    return users[Role.AUTHORITY_STAFF]


@pytest.fixture
def cohort(plan, inst_admin, auth_staff):
    return [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2, 3)]


@pytest.fixture
def published(plan, cohort, inst_admin, auth_staff, institution, time_machine):
    """Results of three candidates (two pass) published the day after the exam."""
    time_machine.move_to(fx.at(AFTER_EXAM, 10))
    a, b, c = cohort
    exams.results_record(
        actor=inst_admin,
        plan=plan,
        entries=[
            {"registration": a.number, "subjects": PASSING},
            {"registration": b.number, "subjects": PASSING},
            {"registration": c.number, "subjects": FAILING},
        ],
    )
    exams.certificate_issuer_set(actor=auth_staff, institution=institution, serial="000123")
    return exams.results_publish(actor=inst_admin, plan=plan)


@pytest.fixture
def issue_day(published):
    return published.objections_close_on + dt.timedelta(days=1)


@pytest.fixture
def over(plan, inst_admin, published, issue_day, time_machine):
    """Certificates issued the day after the objection window: the batch is over (the clock is there)."""
    time_machine.move_to(fx.at(issue_day, 10))
    exams.certificates_issue(actor=inst_admin, plan=plan, today=issue_day)
    return issue_day


@pytest.fixture
def other_admin(other_institution):
    from tests import factories as f

    return f.UserFactory(username="other_admin", role=Role.INSTITUTION_ADMIN, institution=other_institution)


@pytest.fixture
def package(plan, inst_admin, over):
    from dudao.archives import services

    return services.archive_seal(actor=inst_admin, plan=plan)
