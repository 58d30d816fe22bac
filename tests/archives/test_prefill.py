"""FORM-B B8 hints (issue 11 point 7): a batch that is over but not archived suggests B8.1–B8.3 (nothing
while it is not over, nothing once sealed); records past retention without a destruction plan suggest half
of B8.4, an approved plan past its day without a receipt the other half."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dudao.accounts.models import Role
from dudao.archives import services
from dudao.scorecards import prefill
from tests import factories as f
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluation(users, institution, authority):
    from dudao.scorecards.services import form_versions_load_shipped

    form_versions_load_shipped(actor=None)
    leader = f.UserFactory(username="eval_leader", role=Role.AUTHORITY_STAFF, authority=authority)
    return f.evaluation("open", actor=users[Role.AUTHORITY_ADMIN], institution=institution, leader=leader)


def test_the_archive_providers_are_registered():
    assert {"B8.1", "B8.2", "B8.3", "B8.4"} <= set(prefill.registered())


def test_over_but_not_archived_then_sealed(plan, inst_admin, published, issue_day, time_machine, evaluation):
    time_machine.move_to(fx.at(issue_day - dt.timedelta(days=1), 10))
    assert "B8.1" not in prefill.suggestions(evaluation)  # the batch is not over yet
    time_machine.move_to(fx.at(issue_day, 10))
    from dudao.exams import services as exams

    exams.certificates_issue(actor=inst_admin, plan=plan, today=issue_day)
    hints = prefill.suggestions(evaluation)
    assert [hints[k]["suggested_deduction"] for k in ("B8.1", "B8.2", "B8.3")] == [
        Decimal(1),
        Decimal(1),
        Decimal("0.5"),
    ]
    assert plan.batch.code in hints["B8.1"]["evidence"][0]["label"]
    services.archive_seal(actor=inst_admin, plan=plan)
    assert not {"B8.1", "B8.2", "B8.3"} & set(prefill.suggestions(evaluation))


def test_b84_due_without_a_plan_then_a_plan_without_its_receipt(
    package, inst_admin, time_machine, evaluation
):
    due_day = package.certificates_on.replace(year=package.certificates_on.year + 1) + dt.timedelta(days=1)
    time_machine.move_to(fx.at(due_day - dt.timedelta(days=1), 10))
    assert "B8.4" not in prefill.suggestions(evaluation)
    time_machine.move_to(fx.at(due_day, 10))
    assert prefill.suggestions(evaluation)["B8.4"]["suggested_deduction"] == Decimal("0.25")
    kinds = [r.kind for _, r in services.due_items([package], due_day)]
    plan = services.destruction_plan_create(
        actor=inst_admin,
        institution=package.institution,
        planned_on=due_day,
        reason="保存期已满",
        items=[{"package": package.pk, "kind": k} for k in kinds],
        today=due_day,
    )
    services.destruction_plan_approve(actor=inst_admin, plan=plan, row_version=plan.row_version)
    assert "B8.4" not in prefill.suggestions(evaluation)  # planned, the day not passed
    time_machine.move_to(fx.at(due_day + dt.timedelta(days=1), 10))
    hint = prefill.suggestions(evaluation)["B8.4"]
    assert hint["suggested_deduction"] == Decimal("0.25") and "无销毁回单" in hint["note"]
