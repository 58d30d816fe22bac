"""FORM-B B7.2/B7.3 hints (issue 11 point 7): a batch whose sessions all have signed score books gives no
B7.3 hint, a batch marked by form does; an upheld objection gives a B7.2 hint, a dismissed one does not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import ExamResult, Objection
from dudao.scorecards import prefill
from tests import factories as f
from tests.factories import exams as fx

from .marking_support import mark_all, marking_setup, open_double

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluation(users, institution, authority):
    from dudao.scorecards.services import form_versions_load_shipped

    form_versions_load_shipped(actor=None)
    leader = f.UserFactory(username="eval_leader", role=Role.AUTHORITY_STAFF, authority=authority)
    return f.evaluation("open", actor=users[Role.AUTHORITY_ADMIN], institution=institution, leader=leader)


def publish(plan, inst_admin, regs):
    services.results_record(
        actor=inst_admin,
        plan=plan,
        entries=[
            {"registration": r.number, "subjects": [{"subject": "practical", "mark": 80}]} for r in regs
        ],
    )
    return services.results_publish(actor=inst_admin, plan=plan)


def test_b73_none_with_signed_books_b72_from_an_upheld_objection(
    plan, inst_admin, auth_staff, authority, users, time_machine, evaluation
):
    setup = marking_setup(plan, inst_admin, auth_staff, authority)
    time_machine.move_to(fx.at(fx.EXAM_DAY, 14))
    marking = open_double(setup, inst_admin)
    mark_all(marking, setup)
    for user in (*setup["markers"][:2], users[Role.INSTITUTION_STAFF]):
        services.scorebook_sign(actor=user, marking=marking)
    publish(plan, inst_admin, setup["regs"])
    hints = prefill.suggestions(evaluation)
    assert "B7.3" not in hints and "B7.2" not in hints
    failed = setup["regs"][1]
    objection = services.objection_file(registration=failed, subject="theory", reason="申请复核")
    services.objection_handle(actor=inst_admin, objection=objection, outcome="维持")
    assert "B7.2" not in prefill.suggestions(evaluation)  # dismissed: the tally stood
    Objection.objects.filter(pk=objection.pk).update(status=Objection.Status.UPHELD)
    hint = prefill.suggestions(evaluation)["B7.2"]
    assert (hint["count"], hint["suggested_deduction"]) == (1, Decimal("0.6"))
    assert hint["evidence"][0]["url"] == f"/exams/{plan.pk}/results/#objections"


def test_b73_a_batch_marked_by_form(plan, inst_admin, auth_staff, time_machine, evaluation):
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2)]
    services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    time_machine.move_to(fx.at(fx.EXAM_DAY, 14))
    services.results_record(
        actor=inst_admin,
        plan=plan,
        entries=[
            {
                "registration": r.number,
                "subjects": [{"subject": "theory", "mark": 70}, {"subject": "practical", "mark": 80}],
            }
            for r in regs
        ],
    )
    assert "B7.3" not in prefill.suggestions(evaluation)  # not published yet
    services.results_publish(actor=inst_admin, plan=plan)
    hint = prefill.suggestions(evaluation)["B7.3"]
    assert hint["count"] == 1 and "1 个场次" in hint["evidence"][0]["label"]
    assert ExamResult.objects.count() == 2
