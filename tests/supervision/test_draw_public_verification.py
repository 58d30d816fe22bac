"""The one public verification of a draw (issue 8 §7, RAND-2): the 验证 page, `GET …/public/draws/{id}/verify`
and `dudao draw verify --record` run the same checks — seed vs commitment, scenario vs digest, witness values
vs commitments, the final seed's derivation, the result vs a recomputation — and name the one that fails.

Repeats the probe that found the public API answering `ok: true` for a draw whose seed was changed after
publication, and the mutation that replaced the page's commitment check by `True`: every test below asserts
the exact list of failing checks, so a check that always passes makes it fail.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from dudao.common.domain import canonical_json, digest
from dudao.supervision import services
from dudao.supervision.models import (
    Draw,
    DrawWitness,
)
from tests.factories import current_version
from tests.supervision.app_support import API, TODAY, locked_draw, publish_draw
from tests.supervision.pages_support import HTMX, text

pytestmark = pytest.mark.django_db

PERIOD = {"period_start": TODAY + dt.timedelta(days=1), "period_end": TODAY + dt.timedelta(days=30)}


def _api(draw) -> dict:
    response = Client().get(f"{API}/public/draws/{draw.pk}/verify")
    assert response.status_code == 200, response.content
    return response.json()


def _page(draw) -> dict:
    response = Client().get(f"/supervision/public/draws/{draw.pk}/verify/", **HTMX)
    assert response.status_code == 200
    return response.context["v"]


def _outcomes(v: dict) -> dict[str, str]:
    return {c["key"]: c["outcome"] for c in v["checks"]}


def test_an_untouched_draw_passes_every_check_on_the_page_and_the_api(world):
    draw = locked_draw(world, sample_count=2)
    for v in (_api(draw), _page(draw)):
        assert v["ok"] is True
        assert v["failed"] == []
        assert _outcomes(v) == dict.fromkeys(
            ("seed_commitment", "scenario_digest", "witnesses", "final_seed", "result"), "pass"
        )
        assert v["final_seed"] == draw.final_seed


def test_a_seed_changed_after_publication_fails_on_the_api_and_the_page(world):
    """Probe: the API said ok for a draw whose seed was replaced after publication."""
    draw = locked_draw(world, sample_count=2)
    Draw.objects.filter(pk=draw.pk).update(seed="0" * 32)
    for v in (_api(draw), _page(draw)):
        assert v["ok"] is False
        # The changed seed no longer matches its commitment, and the final seed derived from it differs.
        assert v["failed"] == ["seed_commitment", "final_seed", "result"]
    page = Client().get(f"/supervision/public/draws/{draw.pk}/verify/")
    assert "校验未通过" in text(page)
    assert 'data-check="seed_commitment" data-outcome="fail"' in page.content.decode()


def test_a_changed_commitment_alone_fails_the_commitment_check(world):
    """Mutation: the commitment check replaced by `True` passes this draw; the test then fails."""
    draw = locked_draw(world, sample_count=2)
    Draw.objects.filter(pk=draw.pk).update(seed_commitment=digest("another seed", draw.hash_algorithm))
    for v in (_api(draw), _page(draw)):
        assert (v["ok"], v["failed"]) == (False, ["seed_commitment"])
        (check,) = [c for c in v["checks"] if c["key"] == "seed_commitment"]
        assert check["detail"] == [
            f"H(种子) = {digest(draw.seed, draw.hash_algorithm)},公布的承诺值为 "
            f"{digest('another seed', draw.hash_algorithm)}"
        ]


def test_a_changed_scenario_fails_the_digest_check(world):
    draw = locked_draw(world, sample_count=2)
    raw = json.loads(draw.scenario)
    raw["conflicts"] = []
    Draw.objects.filter(pk=draw.pk).update(scenario=canonical_json(raw))
    for v in (_api(draw), _page(draw)):
        assert v["ok"] is False
        assert v["failed"][0] == "scenario_digest"
        assert set(v["failed"]) <= {"scenario_digest", "result"}


def test_a_changed_result_fails_the_recomputation(world):
    draw = locked_draw(world, sample_count=2)
    result = json.loads(draw.result)
    target = sorted(result["assignments"])[0]
    result["assignments"][target] = ["S999999"]
    Draw.objects.filter(pk=draw.pk).update(result=canonical_json(result))
    for v in (_api(draw), _page(draw)):
        assert (v["ok"], v["failed"]) == (False, ["result"])
        assert any(line.startswith(f"assignments[{target}]") for line in v["differences"])


def test_a_changed_witness_value_or_final_seed_is_named(world):
    draw = locked_draw(world, sample_count=2)
    first = draw.witnesses.get(position=1)
    DrawWitness.objects.filter(pk=first.pk).update(value="forged-0123456789abcdef")
    v = _api(draw)
    assert v["failed"] == ["witnesses", "final_seed"]
    (check,) = [c for c in v["checks"] if c["key"] == "witnesses"]
    assert check["detail"][0].startswith("第 1 位见证人见证人1:H(随机值) = ")
    DrawWitness.objects.filter(pk=first.pk).update(value=first.value)
    Draw.objects.filter(pk=draw.pk).update(final_seed=digest("chosen", draw.hash_algorithm))
    assert _api(draw)["failed"] == ["final_seed"]


def test_a_legacy_draw_without_witnesses_verifies_with_a_warning(world):
    """Draws published before witnesses existed (migration: seed_scheme=server) stay readable: the missing
    witness entropy is a warning, not a failure."""
    draw = locked_draw(world, sample_count=2)
    from dudao.supervision.domain import solve_draw

    legacy = solve_draw(json.loads(draw.scenario), draw.seed, algorithm=draw.hash_algorithm).to_json()
    DrawWitness.objects.filter(draw=draw).delete()
    Draw.objects.filter(pk=draw.pk).update(seed_scheme="server", final_seed="", result=legacy)
    for v in (_api(draw), _page(draw)):
        assert (v["ok"], v["failed"]) == (True, [])
        assert _outcomes(v)["witnesses"] == "warning"
        assert v["warnings"] == ["无见证人熵(旧版抽取)"]
        assert v["final_seed"] == draw.seed
    page = Client().get(f"/supervision/public/draws/{draw.pk}/")
    assert "旧版抽取:公布时尚无见证人制度" in text(page)


def test_a_published_draw_cancelled_stays_public_with_reason_time_and_seed(world):
    """Probe: a cancelled published draw vanished, hiding "publish, peek, cancel, publish again"."""
    params = {"title": "先公布后取消", **PERIOD, "sample_count": 1}
    draw = publish_draw(world, services.draw_define(actor=world.auth_staff, **params))
    draw = services.draw_cancel(
        actor=world.auth_staff, draw=draw, reason="抽取范围有误", row_version=current_version(draw, Draw)
    )
    again = publish_draw(
        world, services.draw_define(actor=world.auth_staff, **{**params, "title": "重新公布"})
    )
    never = services.draw_define(actor=world.auth_staff, **{**params, "title": "公布前取消"})
    services.draw_cancel(
        actor=world.auth_staff, draw=never, reason="不需要", row_version=current_version(never, Draw)
    )
    anyone = Client()

    listing = anyone.get("/supervision/public/")
    assert [d.pk for d in listing.context["page"].items] == [again.pk, draw.pk]
    assert "取消:抽取范围有误" in text(listing)
    rows = anyone.get(f"{API}/public/draws").json()["items"]
    assert [(r["title"], r["status"], r["cancel_reason"]) for r in rows] == [
        ("重新公布", "published", ""),
        ("先公布后取消", "cancelled", "抽取范围有误"),
    ]
    assert rows[1]["cancelled_at"] is not None

    body = anyone.get(f"{API}/public/draws/{draw.pk}").json()
    assert (body["status"], body["cancel_reason"], body["seed"]) == ("cancelled", "抽取范围有误", draw.seed)
    assert digest(body["seed"], body["hash_algorithm"]) == body["seed_commitment"]
    assert [w["commitment"] for w in body["witnesses"]] == [
        w.commitment for w in draw.witnesses.order_by("position")
    ]
    assert body["disclosure"] == {"scenario": True, "result": False, "seed": True, "verify": False}
    page = anyone.get(f"/supervision/public/draws/{draw.pk}/")
    assert draw.seed in page.content.decode()
    assert "本次抽取已于" in text(page) and "原因:抽取范围有误" in text(page)
    # Nothing ran, so there is no result to verify; the record still carries the revealed seed.
    assert anyone.get(f"{API}/public/draws/{draw.pk}/verify").status_code == 404
    record = json.loads(anyone.get(f"{API}/public/draws/{draw.pk}/record").content)
    assert (record["seed"], record["final_seed"]) == (draw.seed, None)
    assert anyone.get(f"{API}/public/draws/{never.pk}").status_code == 404


def test_the_record_hides_the_seed_until_the_lock(world):
    draw = publish_draw(world, services.draw_define(actor=world.auth_staff, title="公布中", **PERIOD))
    record = json.loads(Client().get(f"/supervision/public/draws/{draw.pk}/record.json").content)
    assert (record["seed"], record["final_seed"], record["seed_scheme"]) == (None, None, "witness")
    assert record["seed_commitment"] == draw.seed_commitment
    assert [w["value"] for w in record["witnesses"]] == [None, None]
    assert draw.seed not in json.dumps(record)
