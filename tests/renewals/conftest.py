"""Fixtures of the renewal procedure tests (test_app_*): a social organisation's filing with three scope
entries, batches in the period, evaluators, and helpers to apply, evaluate and sign.

The CLI/domain tests of `renewals plan` in this folder use none of these fixtures.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.notifications.models import Message
from dudao.registry.models import Batch, Filing, FilingScope, Institution
from dudao.renewals import services
from dudao.renewals.models import RenewalApplication, RenewalAttachment
from tests import factories as f

D = dt.date.fromisoformat
TODAY = D("2024-09-27")  # received: employer decide_by 2024-10-16, others 2024-10-30 (CAL-2, CAL-4)
VALID_UNTIL = D("2024-12-31")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def occupations(db):
    return {
        "A": f.OccupationFactory(code="4-10-01-05", name="养老护理员"),
        "B": f.OccupationFactory(code="4-03-02-01", name="中式烹调师"),
        "C": f.OccupationFactory(code="6-18-02-04", name="电工"),
    }


def make_filing(
    institution: Institution, occupations: dict, *, number: str = "赣人社鉴备〔2020〕18号"
) -> Filing:
    filing = f.FilingFactory(
        institution=institution,
        authority=institution.authority,
        number=number,
        valid_from=D("2020-11-01"),
        valid_until=VALID_UNTIL,
    )
    f.FilingScopeFactory(filing=filing, occupation=occupations["A"], levels=[5, 4, 3])
    f.FilingScopeFactory(filing=filing, occupation=occupations["B"], work_type="中式烹调", levels=[5, 4])
    f.FilingScopeFactory(filing=filing, occupation=occupations["C"], levels=[4, 3])
    return filing


def add_batch(
    filing: Filing, occupation, *, day: dt.date, work_type: str = "", status: str = "completed"
) -> Batch:
    venue = f.VenueFactory(institution=filing.institution)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    return Batch.objects.create(
        code=f"PC{day:%Y%m%d}{Batch.objects.count() + 1:04d}",
        institution=filing.institution,
        filing=filing,
        occupation=occupation,
        work_type=work_type,
        levels=[4],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        venue=venue,
        status=status,
    )


@pytest.fixture
def filing(institution, occupations):
    """The social organisation's filing: A and B were evaluated in the period, C never (REN-5)."""
    filing = make_filing(institution, occupations)
    add_batch(filing, occupations["A"], day=D("2023-05-20"))
    add_batch(filing, occupations["B"], day=D("2022-06-11"), work_type="中式烹调")
    add_batch(filing, occupations["C"], day=D("2023-08-01"), status="cancelled")  # cancelled: not 开展
    return filing


@pytest.fixture
def employer(authority):
    return f.InstitutionFactory(
        authority=authority,
        region=authority.region,
        kind=Institution.Kind.EMPLOYER,
        name="江西某机械制造有限公司",
    )


@pytest.fixture
def employer_admin(employer):
    return f.UserFactory(username="emp_admin", role=Role.INSTITUTION_ADMIN, institution=employer)


@pytest.fixture
def employer_filing(employer, occupations):
    filing = make_filing(employer, occupations, number="赣人社鉴备〔2020〕31号")
    add_batch(filing, occupations["A"], day=D("2021-03-03"))
    add_batch(filing, occupations["B"], day=D("2021-04-04"), work_type="中式烹调")
    add_batch(filing, occupations["C"], day=D("2022-04-04"))
    return filing


def apply(
    actor, filing: Filing, *, today: dt.date = TODAY, self_built: bool = False, **kwargs
) -> RenewalApplication:
    """An application on the renewals' reference day (`renewal_application` takes it further)."""
    return services.renewal_apply(
        actor=actor,
        filing=filing,
        materials=f.renewal_materials(filing, self_built=self_built, **kwargs),
        attachments=f.renewal_attachments(self_built=self_built),
        today=today,
    )


def run_evaluation(app: RenewalApplication, deductions=None, notes=None):
    """The application's current evaluation (the re-evaluation once opened) answered by its leader (best
    answers but `deductions`, with `notes`), submitted and signed by every member."""
    app.refresh_from_db()
    return f.evaluation_advance(
        app.re_evaluation or app.evaluation, "signed", answers=deductions, notes=notes
    )


@pytest.fixture
def evaluators(users):
    return {"leader": users[Role.AUTHORITY_STAFF], "members": [users[Role.EXTERNAL_SUPERVISOR]]}


def open_evaluation(actor, app: RenewalApplication, evaluators) -> RenewalApplication:
    return services.renewal_open_evaluation(
        actor=actor,
        application=app,
        leader=evaluators["leader"],
        members=evaluators["members"],
        row_version=RenewalApplication.objects.get(pk=app.pk).row_version,
    )


def rv(app: RenewalApplication) -> int:
    return RenewalApplication.objects.get(pk=app.pk).row_version


def counts() -> dict[str, int]:
    """Row counts of everything a renewal call could write (nothing-changed assertions)."""
    return {
        "applications": RenewalApplication.objects.count(),
        "attachments": RenewalAttachment.objects.count(),
        "audit": AuditEvent.objects.count(),
        "messages": Message.objects.count(),
        "scopes_open": FilingScope.objects.filter(ended_on=None).count(),
    }


def state(app: RenewalApplication) -> tuple:
    row = RenewalApplication.objects.get(pk=app.pk)
    filing = Filing.objects.get(pk=row.filing_id)
    return (
        row.status,
        row.row_version,
        row.evaluation_id,
        filing.status,
        filing.valid_until,
        filing.row_version,
    )
