"""Risk scores from the database and the 按风险加权 draw (issue 13 item 2; RAND-1, RAND-2, INST-4, COMPL-3):
the selector's counts and query count, the weights frozen into the published scenario, shown to the
public, audited, and verifiable (a changed weight breaks the verification)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from dudao.analytics.models import Flag
from dudao.analytics.risk_selectors import risk_inputs, risk_scores
from dudao.common.domain import canonical_json
from dudao.common.errors import ValidationFailed
from dudao.common.models import AuditEvent
from dudao.complaints.models import Complaint
from dudao.supervision import presenters, services
from dudao.supervision.models import Draw, Finding, Penalty, Rectification
from tests.complaints.support import file
from tests.supervision.app_support import TODAY, publish_draw, run_draw
from tests.supervision.conftest import world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

PERIOD = {"period_start": TODAY + dt.timedelta(days=1), "period_end": TODAY + dt.timedelta(days=30)}


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def flag(institution, status: str, days: int, n: int) -> Flag:
    return Flag.objects.create(
        kind="heaping",
        source="scan",
        institution=institution,
        statistic=3.5,
        fingerprint=f"fp-{institution.pk}-{n}",
        status=status,
        created_at=ago(days),
    )


def finding(task, severity: str, user) -> Finding:
    return Finding.objects.create(
        task=task, content_area="1", method="monitor", severity=severity, recorded_by=user
    )


def penalty(w, institution, kind: str, days: int) -> Penalty:
    return Penalty.objects.create(
        authority=w.authority,
        institution=institution,
        kind=kind,
        ground="falsification",
        description="伪造考场记录",
        decided_by=w.auth_staff,
        decided_at=ago(days),
    )


def complaint(institution, **fields) -> Complaint:
    obj = file(institution)
    if fields:
        Complaint.objects.filter(pk=obj.pk).update(**fields)
    return obj


def rectification(w, task, n: int, due_on: dt.date, **fields) -> Rectification:
    return Rectification.objects.create(
        task=task, round_no=n, requirements="整改", due_on=due_on, ordered_by=w.auth_staff, **fields
    )


def test_the_selector_counts_each_source_by_age_band_in_five_queries(world, django_assert_num_queries):
    a, b = world.institution, world.institution_b
    flag(a, "open", 0, 1)
    flag(a, "confirmed", 365, 2)  # one year old: band 1
    flag(a, "dismissed", 0, 3)  # dismissed flags never count
    flag(a, "open", 1095, 4)  # three years old: no longer counts
    flag(a, "open", 1094, 5)  # one day younger: band 2
    flag(b, "confirmed", 364, 6)  # band 0
    task = world.task("dispatched")  # ends in a week: band 0
    for severity in ("serious", "minor", "minor", "none"):
        finding(task, severity, world.auth_staff)
    penalty(world, a, "public_criticism", 0)
    penalty(world, a, "revocation", 730)  # band 2
    complaint(a)  # received, no finding yet
    complaint(a, finding="verified", found_at=ago(400), status="closed")  # band 1
    complaint(a, status="declined")
    complaint(a, finding="not_verified", found_at=ago(1), status="closed")
    rectification(world, task, 1, TODAY - dt.timedelta(days=10), status="passed", overdue=True)
    rectification(world, task, 2, TODAY - dt.timedelta(days=1), status="ordered")  # past due: missed
    rectification(world, task, 3, TODAY, status="ordered")  # due today: not yet missed
    rectification(world, task, 4, TODAY - dt.timedelta(days=40), status="failed")

    with django_assert_num_queries(5):
        inputs = risk_inputs([a.pk, b.pk, world.other_institution.pk], TODAY)
    counts_a = {k: v for k, v in inputs[a.pk].items() if any(v)}
    assert counts_a == {
        "flag_open": [1, 0, 1],
        "flag_confirmed": [0, 1, 0],
        "finding_minor": [2, 0, 0],
        "finding_serious": [1, 0, 0],
        "penalty_public_criticism": [1, 0, 0],
        "penalty_revocation": [0, 0, 1],
        "complaint_pending": [1, 0, 0],
        "complaint_verified": [0, 1, 0],
        "rectification_late": [1, 0, 0],
        "rectification_failed": [1, 0, 0],
        "rectification_missed": [1, 0, 0],
    }
    assert {k: v for k, v in inputs[b.pk].items() if any(v)} == {"flag_confirmed": [1, 0, 0]}
    assert not any(any(v) for v in inputs[world.other_institution.pk].values())
    scores = risk_scores([a.pk, b.pk], TODAY)
    # 2 + 2/4 + 6/2 + 2 + 6 + 5 + 25/4 + 1 + 5/2 + 2 + 4 + 4 = 38.25
    assert scores[a.pk].score == Decimal("38.25")
    assert scores[b.pk].score == Decimal("6.00")
    assert scores[a.pk].weight > scores[b.pk].weight > Decimal(1)


def define(w, **extra) -> Draw:
    params = {"title": "按风险加权的抽取", **PERIOD, "task_kind": "daily", "group_size": 1, **extra}
    return services.draw_define(actor=w.auth_staff, **params)


def test_a_risk_weighted_draw_freezes_the_weights_shows_them_and_verifies(world):
    a, b = world.institution, world.institution_b
    task = world.task("dispatched")
    finding(task, "serious", world.auth_staff)  # 6
    complaint(a, finding="verified", found_at=ago(3), status="closed")  # 5
    draw = define(world, population="institutions", sample_count=1, risk_weights={"risk_score": True})
    assert draw.risk_weights == {"risk_score": True}
    draw = publish_draw(world, draw)
    targets = {t["id"]: t for t in json.loads(draw.scenario)["targets"]}
    assert targets[a.uscc]["weight"] == 2.1  # 1 + 11 / 10: the risky institution weighs more
    assert "weight" not in targets[b.uscc]  # clean: weight 1
    event = AuditEvent.objects.get(action="supervision.draw.risk_weighted")
    assert event.after["as_of"] == TODAY.isoformat()
    assert event.after["institutions"][a.uscc] == {
        "score": 11.0,
        "risk_weight": 2.1,
        "weight": 2.1,
        "parts": {"finding_serious": [1, 0, 0], "complaint_verified": [1, 0, 0]},
    }
    assert event.after["institutions"][b.uscc]["score"] == 0.0

    # Later findings change the score, never the published scenario.
    frozen = draw.scenario
    for _ in range(3):
        finding(task, "serious", world.auth_staff)
    assert risk_scores([a.pk])[a.pk].score == Decimal("29.00")
    draw = run_draw(world, draw)
    draw = services.draw_lock(actor=world.auth_staff, draw=draw, row_version=draw.row_version)
    assert draw.scenario == frozen

    # The public page shows each target's weight; the draw verifies from the published scenario.
    page = Client().get(f"/supervision/public/draws/{draw.pk}/")
    assert page.status_code == 200
    assert page.context["d"]["weights"] == [{"target": a.uscc, "institution": a.name, "weight": 2.1}]
    assert page.context["d"]["risk_weighted"] is True
    assert "按风险加权" in page.content.decode()
    assert presenters.public_verification(draw)["ok"] is True

    # Changing a weight breaks the verification (digest, and the recomputation where the outcome moves).
    raw = json.loads(draw.scenario)
    for t in raw["targets"]:
        if t["id"] == b.uscc:
            t["weight"] = 1000
    Draw.objects.filter(pk=draw.pk).update(scenario=canonical_json(raw))
    draw.refresh_from_db()
    outcome = presenters.public_verification(draw)
    assert outcome["ok"] is False
    assert outcome["failed"][0] == "scenario_digest"


def test_a_weighted_draw_selects_by_the_frozen_weights():
    """The engine's selection uses the weights: a weight of 1000 against 1 wins almost every seed."""
    from dudao.supervision.domain import solve_draw
    from tests.supervision.draw_support import scenario, supervisor, target

    raw = scenario(
        [target("T1", "I1", weight=1000), target("T2", "I2")], [supervisor("S1")], sample={"count": 1}
    )
    picks = [solve_draw(raw, f"seed-{n}").payload["selected"] for n in range(20)]
    assert picks.count(["T1"]) >= 19


def test_risk_weighting_is_refused_for_internal_draws_and_bad_values(world):
    with pytest.raises(ValidationFailed) as exc:
        services.draw_define(
            actor=world.inst_admin,
            kind="internal",
            title="内部抽取",
            **PERIOD,
            task_kind="daily",
            risk_weights={"risk_score": True},
        )
    assert exc.value.detail == {"risk_weights": ["内部督导抽取不能按风险加权"]}
    with pytest.raises(ValidationFailed) as exc:
        define(world, risk_weights={"risk_score": "yes"})
    assert exc.value.detail == {"risk_weights": ["按风险加权应为是或否"]}
    assert Draw.objects.count() == 0


def test_an_unweighted_draw_records_no_risk_event(world):
    publish_draw(world, define(world, population="institutions"))
    assert not AuditEvent.objects.filter(action="supervision.draw.risk_weighted").exists()


def test_the_draw_form_sets_the_option_and_the_preview_shows_the_weights(world):
    from tests.conftest import client_for
    from tests.supervision.test_pages_draws import NEW, _form

    task = world.task("dispatched")
    finding(task, "major", world.auth_staff)  # 3: weight 1.3
    c = client_for(world.auth_staff)
    response = c.post(NEW, _form(world, population="institutions", institution_weights="", risk_score="on"))
    assert response.status_code == 302
    draw = Draw.objects.get()
    assert draw.risk_weights == {"risk_score": True}
    page = c.get(f"/supervision/draws/{draw.pk}/")
    rows = {t["id"]: t["weight"] for t in page.context["preview"]["rows"]}
    assert rows == {world.institution.uscc: 1.3, world.institution_b.uscc: 1}
    assert "按风险评分加权" in page.content.decode()
    edit = c.get(f"/supervision/draws/{draw.pk}/edit/")
    assert edit.status_code == 200
    assert edit.context["form"].initial["risk_score"] is True
