"""Review probe (issue 12): bad input through the API is a Chinese 4xx, never a 500."""

from __future__ import annotations

import json
import re

import pytest

from dudao.supervision.services import annual_plans as svc
from tests.supervision.app_support import API, api

pytestmark = pytest.mark.django_db
HAN = re.compile(r"[\u4e00-\u9fff]")


def _probe(user, calls):
    bad = []
    for method, url, body in calls:
        r = api(user, method, url, body)
        try:
            text = json.dumps(r.json(), ensure_ascii=False)
        except ValueError:
            text = r.content.decode("utf-8", "replace")
        if r.status_code >= 500 or (r.status_code >= 400 and not HAN.search(text)):
            bad.append((method, url, body, r.status_code, text[:300]))
    return bad


def test_probe_plans(world):
    plan = svc.annual_plan_create(actor=world.auth_staff, year=2027, responsible="张")
    p = f"{API}/annual-plans/{plan.pk}"
    calls = []
    for body in [
        {"year": "x", "responsible": "a"},
        {"year": 2027},
        {"year": 99999999999999999999, "responsible": "a"},
        {"year": 2028, "responsible": "a", "authority_id": world.other_authority.pk},
        {"year": 2028, "responsible": "a", "authority_id": 999999},
        {"year": 2028, "responsible": "a", "draw_ratio": "NaN"},
        {"year": 2028, "responsible": "a", "draw_ratio": "Infinity"},
        {"year": 2028, "responsible": "a", "draw_ratio": 1e308},
        {"year": 2028, "responsible": "a", "schedule": [{"quarter": 9, "content": "x"}]},
        {"year": 2028, "responsible": "a", "items": ["zzz"]},
        {"year": 2028, "responsible": "a", "score_forms": ["zzz"]},
        {"year": 2028, "responsible": "a", "target_tasks": -1},
        {"year": 2028, "responsible": "a", "target_tasks": 10**30},
        {"year": 2028, "responsible": "a" * 5000},
        {"year": 2028, "responsible": "a", "title": "x" * 5000},
        {"year": 2028, "responsible": "\x00"},
    ]:
        calls.append(("post", f"{API}/annual-plans", body))
    calls += [
        ("patch", p, {"row_version": 999, "title": "t"}),
        ("patch", p, {"row_version": "x", "title": "t"}),
        ("patch", p, {"title": "t"}),
        ("patch", p, {"row_version": plan.row_version, "draw_ratio": "-1"}),
        ("patch", p, {"row_version": plan.row_version, "risk_draw_ratio": "0.0001", "draw_ratio": "0.5"}),
        ("post", p + "/publish", {"row_version": 999}),
        ("post", p + "/publish", {}),
        ("post", p + "/correct", {"reason": "x", "row_version": plan.row_version}),
        ("post", p + "/correct", {"row_version": plan.row_version}),
        ("get", p + "/document.exe", None),
        ("get", f"{API}/annual-plans/999999", None),
        ("get", f"{API}/annual-plans?year=abc", None),
        ("get", f"{API}/annual-plans?page=-1", None),
        ("post", f"{API}/annual-summaries", {"year": "abc"}),
        ("post", f"{API}/annual-summaries", {"year": 1}),
        ("post", f"{API}/annual-summaries", {"year": 2026, "authority_id": world.other_authority.pk}),
        ("post", f"{API}/annual-summaries", {"year": 2026, "authority_id": "x"}),
        ("patch", f"{API}/annual-summaries/99999", {"overview": "x"}),
        ("post", f"{API}/annual-summaries/99999/finalise", {}),
        ("get", f"{API}/annual-summaries/99999/document.pdf", None),
    ]
    assert _probe(world.auth_staff, calls) == []
    for user in (world.inst_admin, world.s1.user):
        assert _probe(user, calls) == []


def test_probe_plan_documents_and_summary(world):
    plan = svc.annual_plan_create(
        actor=world.auth_staff,
        year=2026,
        responsible="张<&>",
        title="计划<&>\x0b",
        notes="备注 & < > \" '",
        schedule=[{"quarter": 1, "content": "<b>x</b> & y"}],
    )
    for fmt in ("docx", "pdf"):
        r = api(world.auth_staff, "get", f"{API}/annual-plans/{plan.pk}/document.{fmt}")
        assert r.status_code == 200, (fmt, r.content[:300])
    r = api(world.auth_staff, "post", f"{API}/annual-summaries", {"year": 2026})
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    r = api(
        world.auth_staff,
        "patch",
        f"{API}/annual-summaries/{sid}",
        {"overview": "概述 & <x>\x01", "row_version": r.json()["row_version"]},
    )
    assert r.status_code < 500, r.content
    for fmt in ("docx", "pdf"):
        r = api(world.auth_staff, "get", f"{API}/annual-summaries/{sid}/document.{fmt}")
        assert r.status_code == 200, (fmt, r.content[:300])
    # Other roles cannot reach them.
    for user in (world.inst_admin, world.s1.user):
        assert api(user, "get", f"{API}/annual-summaries/{sid}").status_code == 404
        assert api(user, "get", f"{API}/annual-plans/{plan.pk}").status_code == 404


def test_probe_survey_self_evaluation_termination(world):
    task = world.task("report_submitted")
    t = f"{API}/tasks/{task.pk}"
    calls = [
        ("post", t + "/survey", {"candidates": "x"}),
        ("post", t + "/survey", {"candidates": -1}),
        ("post", t + "/survey", {"candidates": 10**30}),
        ("post", t + "/survey", {"candidates": 1, "closes_on": "2026-02-30"}),
        ("post", t + "/survey", {"candidates": 1, "closes_on": "2020-01-01"}),
        ("post", t + "/survey", {"candidates": 1, "closes_on": 5}),
        ("post", t + "/survey/codes", {"candidates": 1}),
        ("post", f"{API}/tasks/999999/survey", {"candidates": 1}),
        ("post", f"{API}/public/surveys", {"code": "x", "scores": {}}),
        ("post", f"{API}/public/surveys", {"code": "A" * 10, "scores": "x"}),
        ("post", f"{API}/public/surveys", {"code": None, "scores": None}),
        ("post", f"{API}/public/surveys", {"code": "A" * 100000, "scores": {}}),
        ("post", t + "/self-evaluation", {"due_on": "x"}),
        ("post", t + "/self-evaluation", {"due_on": "2027-01-10"}),
        ("post", t + "/self-evaluation/submit", {}),
        ("post", t + "/self-evaluation/review", {"note": "x"}),
        ("get", t + "/self-evaluation/files/99999", None),
        ("post", f"{API}/terminations", {"task": task.pk, "ground": "zzz", "notice": "x"}),
        ("post", f"{API}/terminations", {"task": "x"}),
        ("post", f"{API}/terminations", {"task": 999999, "ground": "x", "notice": "x"}),
        ("post", f"{API}/terminations/99999/statement", {"statement": "x"}),
        ("post", f"{API}/terminations/99999/decision", {"decision": "terminate", "note": "x"}),
        ("get", f"{API}/terminations?status=zzz&page=abc", None),
    ]
    for user in (world.auth_staff, world.inst_admin, world.s1.user, world.s6.user, None):
        assert _probe(user, calls) == [], user
