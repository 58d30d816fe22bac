"""Public disclosure pages (一公开, RAND-2, ACT-6): no login; the seed and result only after the lock; the
验证 button recomputes the draw on the server; covert draws and tasks hidden until their reports."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from dudao.supervision import services
from dudao.supervision.models import Draw, SupervisionTask
from tests.factories import current_version
from tests.supervision.app_support import TODAY, locked_draw, publish_draw, run_draw
from tests.supervision.pages_support import HTMX, crew, text

pytestmark = pytest.mark.django_db


def test_published_draw_before_and_after_the_lock(world):
    anyone = Client()
    draw = services.draw_define(
        actor=world.auth_staff,
        title="公开测试",
        period_start=TODAY + dt.timedelta(days=1),
        period_end=TODAY + dt.timedelta(days=30),
        sample_count=2,
    )
    assert anyone.get(f"/supervision/public/draws/{draw.pk}/").status_code == 404  # defined only
    draw = publish_draw(world, actor=world.auth_staff, draw=draw)
    page = anyone.get(f"/supervision/public/draws/{draw.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert draw.scenario_digest in body and draw.seed_commitment in body and draw.seed not in body
    assert "锁定结果时公开" in text(page)
    assert anyone.get(f"/supervision/public/draws/{draw.pk}/verify/").status_code == 404
    assert anyone.get(f"/supervision/public/draws/{draw.pk}/result.json").status_code == 404
    scenario = anyone.get(f"/supervision/public/draws/{draw.pk}/scenario.json")
    assert json.loads(scenario.content) == json.loads(draw.scenario)
    assert [d.pk for d in anyone.get("/supervision/public/").context["page"].items] == [draw.pk]

    draw = run_draw(world, actor=world.auth_staff, draw=draw)
    draw = services.draw_lock(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    page = anyone.get(f"/supervision/public/draws/{draw.pk}/")
    assert draw.seed in page.content.decode()
    assert sorted(row["target"] for row in page.context["d"]["selected"]) == sorted(
        SupervisionTask.objects.filter(draw=draw).values_list("target_key", flat=True)
    )
    # Card numbers by default (policy: disclose_supervisors_as = card_number).
    first = page.context["d"]["selected"][0]["supervisors"][0]
    assert first.startswith("R3624")
    assert len(page.context["tasks"]) == 2
    result = anyone.get(f"/supervision/public/draws/{draw.pk}/result.json")
    assert json.loads(result.content) == json.loads(draw.result)
    assert (
        f"dudao draw verify --scenario {draw.number}-scenario.json --result {draw.number}-result.json "
        f"--record {draw.number}-record.json"
    ) in text(page)
    assert f"--seed '{draw.final_seed}'" in text(page)
    # Every input of the final seed, and the one-liner that recomputes it.
    witnesses = page.context["d"]["witnesses"]
    assert [(w["name"], w["role_label"]) for w in witnesses] == [("见证人1", "纪检监察"), ("见证人2", "公证")]
    values = "|".join(w["value"] for w in witnesses)
    assert (
        f"printf '%s' '{draw.seed}|{values}' | openssl dgst -{draw.hash_algorithm}" in page.content.decode()
    )
    assert page.context["d"]["final_seed"] == draw.final_seed


def test_verify_button_passes_and_detects_tampering(world):
    draw = locked_draw(world, sample_count=2)
    anyone = Client()
    fragment = anyone.get(f"/supervision/public/draws/{draw.pk}/verify/", **HTMX)
    assert fragment.status_code == 200
    assert fragment.context["v"]["ok"] is True
    assert [(c["key"], c["outcome"]) for c in fragment.context["v"]["checks"]] == [
        ("seed_commitment", "pass"),
        ("scenario_digest", "pass"),
        ("witnesses", "pass"),
        ("final_seed", "pass"),
        ("result", "pass"),
    ]
    assert "校验通过" in text(fragment)
    assert "<html" not in fragment.content.decode()  # the fragment only
    full = anyone.get(f"/supervision/public/draws/{draw.pk}/verify/")
    assert "<html" in full.content.decode() and "校验通过" in text(full)

    # An altered published result (one supervisor swapped) no longer verifies, and the page says what differs.
    result = json.loads(draw.result)
    target = sorted(result["assignments"])[0]
    result["assignments"][target] = ["S999999"]
    Draw.objects.filter(pk=draw.pk).update(result=json.dumps(result))
    fragment = anyone.get(f"/supervision/public/draws/{draw.pk}/verify/", **HTMX)
    assert fragment.context["v"]["ok"] is False
    assert fragment.context["v"]["failed"] == ["result"]
    assert any(line.startswith(f"assignments[{target}]") for line in fragment.context["v"]["differences"])
    assert "校验未通过" in text(fragment)


def test_covert_draw_and_tasks_stay_hidden_until_the_reports(world):
    draw = locked_draw(
        world, covert_policy="covert", sample_count=1, filters={"institutions": [world.institution.pk]}
    )
    task = SupervisionTask.objects.get(draw=draw)
    anyone = Client()
    page = anyone.get(f"/supervision/public/draws/{draw.pk}/")
    assert draw.seed not in page.content.decode()
    assert page.context["d"]["selected"] == [] and page.context["tasks"] == []
    assert "暗访抽取的种子、情景和结果在全部督导任务报告提交后公开" in text(page)
    assert anyone.get(f"/supervision/public/draws/{draw.pk}/scenario.json").status_code == 404
    assert anyone.get(f"/supervision/public/draws/{draw.pk}/verify/").status_code == 404
    assert anyone.get("/supervision/public/tasks/").context["page"].items == []

    ((_m, user),) = crew(task)
    services.task_accept(actor=user, task=task)
    services.task_start_on_site(actor=user, task=task, row_version=current_version(task, SupervisionTask))
    services.report_submit(
        actor=user, task=task, summary="暗访完成", row_version=current_version(task, SupervisionTask)
    )
    page = anyone.get(f"/supervision/public/draws/{draw.pk}/")
    assert draw.seed in page.content.decode()
    assert [t["number"] for t in page.context["tasks"]] == [task.number]
    rows = anyone.get("/supervision/public/tasks/").context["page"].items
    assert [(r["number"], r["reported"], r["covert"]) for r in rows] == [(task.number, True, True)]
    assert anyone.get(f"/supervision/public/draws/{draw.pk}/verify/", **HTMX).context["v"]["ok"] is True


def test_names_when_the_policy_says_so(world):
    services.policy_update(actor=world.auth_admin, disclose_supervisors_as="name")
    draw = locked_draw(world, sample_count=1, filters={"institutions": [world.institution_b.pk]})
    page = Client().get(f"/supervision/public/draws/{draw.pk}/")
    (row,) = page.context["d"]["selected"]
    assert row["institution"] == "乙机构"
    task = SupervisionTask.objects.get(draw=draw)
    assert row["supervisors"] == [m.supervisor.person.name for m, _u in crew(task)]
