"""FORM-B pre-fill (issue 11 point 7): the C4.2 provider suggests a deduction with a link per batch failing
the six-month check (none while compliant, both sides of the boundary), C4.3 per batch rejected for wrong
information (not for another reason); the evaluation page shows the hint next to the item while open and
nothing is scored automatically; the registry is generic (item code → provider, limited to a form)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.scorecards import prefill
from tests import factories as f
from tests.conftest import client_for
from tests.factories import exams as fx

from .test_certificate_uploads import DEADLINE, issued  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluation(issued, users, institution, authority):  # noqa: F811
    from dudao.scorecards.services import form_versions_load_shipped

    form_versions_load_shipped(actor=None)
    leader = f.UserFactory(username="eval_leader", role=Role.AUTHORITY_STAFF, authority=authority)
    return f.evaluation("open", actor=users[Role.AUTHORITY_ADMIN], institution=institution, leader=leader)


def test_the_exams_providers_are_registered_for_form_b():
    assert prefill.registered()["C4.2"] == frozenset({"CQ-RENEWAL"})
    assert prefill.registered()["C4.3"] == frozenset({"CQ-RENEWAL"})


def test_c42_nothing_while_compliant_a_suggestion_the_day_after(evaluation, plan, time_machine):
    time_machine.move_to(fx.at(DEADLINE, 10))
    assert "C4.2" not in prefill.suggestions(evaluation)
    time_machine.move_to(fx.at(DEADLINE + dt.timedelta(days=1), 10))
    hint = prefill.suggestions(evaluation)["C4.2"]
    assert hint["suggested_deduction"] == Decimal(1) and hint["count"] == 1
    assert "1 个批次" in hint["note"]
    (link,) = hint["evidence"]
    assert link["url"] == f"/exams/{plan.pk}/results/#uploads"
    assert plan.batch.code in link["label"] and "2 本超期未上报" in link["label"]


def test_c42_uploaded_in_time_gives_nothing(evaluation, plan, inst_admin, time_machine):
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number="R", receipt_date="2027-01-20"
    )
    time_machine.move_to(fx.at(dt.date(2028, 1, 1), 10))
    assert "C4.2" not in prefill.suggestions(evaluation)


def test_c42_uploaded_late_gives_a_suggestion(evaluation, plan, inst_admin, time_machine):
    time_machine.move_to(fx.at(DEADLINE + dt.timedelta(days=1), 10))
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number="R", receipt_date=DEADLINE + dt.timedelta(days=1)
    )
    hint = prefill.suggestions(evaluation)["C4.2"]
    assert hint["count"] == 1 and "逾期上报(2 本逾期上报)" in hint["evidence"][0]["label"]


def test_c43_counts_batches_rejected_for_wrong_information_only(evaluation, plan, inst_admin):
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    services.certificate_upload_reject(actor=inst_admin, upload=upload, reason="网络故障", wrong_data=False)
    assert "C4.3" not in prefill.suggestions(evaluation)
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    services.certificate_upload_reject(
        actor=inst_admin, upload=upload, reason="身份证号有误", wrong_data=True
    )
    hint = prefill.suggestions(evaluation)["C4.3"]
    assert (hint["suggested_deduction"], hint["count"]) == (Decimal(1), 1)
    assert "身份证号有误" in hint["evidence"][0]["label"]


def test_the_page_shows_the_hint_and_scores_nothing(evaluation, plan, time_machine):
    time_machine.move_to(fx.at(DEADLINE + dt.timedelta(days=1), 10))
    answer = client_for(evaluation.leader).get(f"/scorecards/{evaluation.pk}/")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'data-prefill="C4.2"' in page and f"/exams/{plan.pk}/results/#uploads" in page
    assert 'data-prefill="C4.3"' not in page
    evaluation.refresh_from_db()
    assert evaluation.answers == {} and evaluation.answered_count == 0


def test_a_signed_or_cancelled_evaluation_shows_no_hint(evaluation, users, time_machine):
    from dudao.scorecards.services import evaluation_cancel

    time_machine.move_to(fx.at(DEADLINE + dt.timedelta(days=1), 10))
    evaluation_cancel(
        actor=users[Role.AUTHORITY_ADMIN],
        evaluation=evaluation,
        reason="重复",
        row_version=evaluation.row_version,
    )
    page = client_for(users[Role.AUTHORITY_ADMIN]).get(f"/scorecards/{evaluation.pk}/").content.decode()
    assert "data-prefill" not in page


def test_the_registry_is_generic_and_safe(evaluation, monkeypatch):
    monkeypatch.setattr(prefill, "_REGISTRY", dict(prefill._REGISTRY))

    def broken(_ev):
        raise RuntimeError("bug")

    prefill.register(
        "B7.1",
        lambda ev: {
            "suggested_deduction": 99,
            "note": "n",
            "evidence": [{"label": "ok", "url": "/x/"}, {"label": "bad", "url": "javascript:alert(1)"}],
        },
    )
    prefill.register("B7.2", broken)
    prefill.register("A1.1", lambda ev: {"suggested_deduction": 1}, forms=("QC-STATION",))
    found = prefill.suggestions(evaluation)
    assert found["B7.1"]["suggested_deduction"] == Decimal(2)  # capped at the item's max
    assert found["B7.1"]["evidence"] == [{"label": "ok", "url": "/x/"}]
    assert "B7.2" not in found and "A1.1" not in found
