"""Opening an evaluation is idempotent (issue 8 §5): one open evaluation per institution, authority, form
and purpose. Probe repeated: 20 parallel identical POST /evaluations created 20 evaluations."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from dudao.accounts.models import Role
from dudao.common.errors import Conflict
from dudao.common.models import AuditEvent
from dudao.scorecards import services
from dudao.scorecards.models import Evaluation, EvaluationMember
from tests import factories as f
from tests.factories import current_version

BASE = "/api/v1/scorecards"


def _payload(institution, evaluators, **over):
    return {
        "institution_id": institution.pk,
        "form_id": "CQ-RENEWAL",
        "purpose": "renewal",
        "leader_id": evaluators["leader"].pk,
        "member_ids": [evaluators["member"].pk],
        **over,
    }


def _post(client, payload):
    return client.post(f"{BASE}/evaluations", data=json.dumps(payload), content_type="application/json")


def test_repeated_identical_post_gets_409_naming_the_open_one(
    users, evaluators, institution, forms_loaded, client_as
):
    client = client_as(users[Role.AUTHORITY_ADMIN])
    first = _post(client, _payload(institution, evaluators))
    assert first.status_code == 201
    again = _post(client, _payload(institution, evaluators))
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "conflict"
    assert body["detail"] == {"evaluation": first.json()["id"]}
    assert f"评估 {first.json()['id']} 号,填写中" in body["message"]
    assert Evaluation.objects.count() == 1
    assert AuditEvent.objects.filter(action="scorecards.evaluation.open").count() == 1


def test_submitted_evaluation_still_blocks_a_second(users, evaluators, institution, opened):
    from tests.scorecards.conftest import fill
    from tests.scorecards.helpers import clean_answers

    ev = fill(opened, evaluators["leader"], clean_answers("CQ-RENEWAL"))
    services.evaluation_submit(actor=evaluators["leader"], evaluation=ev, row_version=current_version(ev))
    with pytest.raises(Conflict, match="待签名"):
        services.evaluation_open(
            actor=users[Role.AUTHORITY_ADMIN],
            institution=institution,
            form_id="CQ-RENEWAL",
            purpose="renewal",
            leader=evaluators["leader"],
        )


@pytest.mark.parametrize("finish", ["cancel", "sign"])
def test_a_cancelled_or_signed_evaluation_frees_the_slot(users, evaluators, institution, opened, finish):
    admin = users[Role.AUTHORITY_ADMIN]
    if finish == "cancel":
        services.evaluation_cancel(
            actor=admin, evaluation=opened, reason="误开", row_version=current_version(opened)
        )
    else:
        f.evaluation_advance(opened, "signed")
    again = services.evaluation_open(
        actor=admin,
        institution=institution,
        form_id="CQ-RENEWAL",
        purpose="renewal",
        leader=evaluators["leader"],
    )
    assert again.pk != opened.pk and again.status == "draft"


def test_other_purpose_form_or_institution_is_not_a_duplicate(
    users, evaluators, institution, other_institution_same_region, opened
):
    admin = users[Role.AUTHORITY_ADMIN]
    kinds = [
        (institution, "CQ-RENEWAL", "annual_inspection"),
        (institution, "QC-STATION", "renewal"),
        (other_institution_same_region, "CQ-RENEWAL", "renewal"),
    ]
    for inst, form_id, purpose in kinds:
        services.evaluation_open(
            actor=admin, institution=inst, form_id=form_id, purpose=purpose, leader=evaluators["leader"]
        )
    assert Evaluation.objects.filter(status="draft").count() == 4


def test_correction_draft_is_not_blocked_by_the_constraint(users, evaluators, opened):
    signed = f.evaluation_advance(opened, "signed")
    correction = services.evaluation_correct(
        actor=users[Role.AUTHORITY_ADMIN], evaluation=signed, reason="笔误"
    )
    assert (correction.status, correction.previous_id) == ("draft", signed.pk)


def test_database_refuses_a_second_open_row_written_past_the_service(opened):
    """The constraint holds even for a writer that skips the service's check (the race backstop)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(
            institution=opened.institution,
            authority=opened.authority,
            form_version=opened.form_version,
            purpose=opened.purpose,
            opened_by=opened.opened_by,
            leader=opened.leader,
        )


@pytest.fixture
def other_institution_same_region(authority):
    from tests import factories as f

    return f.InstitutionFactory(authority=authority, region=authority.region)


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_identical_posts_open_one_evaluation(users, evaluators, institution, forms_loaded):
    """The probe itself: 20 identical POSTs at once → one 201, nineteen 409 naming the winner."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself")
    clients = []
    for _ in range(20):
        client = Client()
        client.force_login(users[Role.AUTHORITY_ADMIN])
        clients.append(client)
    payload = _payload(institution, evaluators)
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def run(i: int) -> None:
        try:
            barrier.wait()
            responses[i] = _post(clients[i], payload)
        except BaseException as exc:  # asserted on below
            responses[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == [201] + [409] * 19, statuses
    winner = next(r for r in responses if r.status_code == 201).json()["id"]
    assert all(r.json()["detail"] == {"evaluation": winner} for r in responses if r.status_code == 409)
    assert list(Evaluation.objects.values_list("pk", flat=True)) == [winner]
    assert EvaluationMember.objects.count() == 2
    assert AuditEvent.objects.filter(action="scorecards.evaluation.open").count() == 1
