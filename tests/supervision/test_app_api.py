"""Supervision API: role × endpoint permission matrix (denied calls change nothing), scoping, public
(一公开) endpoints that show only published/locked data, and query counts of the lists."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.accounts.models import Role
from dudao.supervision import services
from dudao.supervision.models import Draw, SupervisionTask
from tests import factories as f
from tests.factories import current_version
from tests.supervision.app_support import (
    API,
    TODAY,
    World,
    add_witnesses,
    api,
    counts,
    locked_draw,
    make_batch,
    publish_draw,
)

pytestmark = pytest.mark.django_db

SU, AA, AS, IA, IS, ES, IN, EX, AN = (
    "superuser",
    Role.AUTHORITY_ADMIN,
    Role.AUTHORITY_STAFF,
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_STAFF,
    Role.EXTERNAL_SUPERVISOR,
    Role.INTERNAL_SUPERVISOR,
    Role.EXAMINER,
    "anonymous",
)
OA, OI, MB = "other_authority", "other_institution", "member"  # another province's staff; the task's leader
ROLES = [SU, AA, AS, IA, IS, ES, IN, EX, AN, OA, OI, MB]
PERIOD = {"period_start": str(TODAY + dt.timedelta(days=1)), "period_end": str(TODAY + dt.timedelta(days=30))}


def actor(w: World, role: str):
    if role == AN:
        return None
    if role == OA:
        return f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=w.other_authority)
    if role == OI:
        return f.UserFactory(username="gd_inst", role=Role.INSTITUTION_ADMIN, institution=w.other_institution)
    if role == MB:
        return w.s1.user
    return w.users[role]


def _special_task(w: World, until: str) -> SupervisionTask:
    """A special task led by s1 at institution A, advanced to `until` (sent / defence submitted)."""
    return w.task(until, w.s1, w.s2, w.s3, kind="special", items=["2.4"])


def _setup(w: World, endpoint: str) -> tuple[str, str, dict]:
    """(method, url, body) of one write in the state where it is legal for the right role."""
    if endpoint == "define":
        body = {"title": "抽取", **PERIOD, "authority_id": w.authority.pk}
        return "post", f"{API}/draws", body
    if endpoint == "publish":
        draw = services.draw_define(actor=w.auth_staff, title="抽取", **PERIOD)
        add_witnesses(w, draw)
        return "post", f"{API}/draws/{draw.pk}/publish", {"row_version": current_version(draw)}
    if endpoint == "accept":
        task = w.task("dispatched", w.s1)
        return "post", f"{API}/tasks/{task.pk}/accept", {}
    if endpoint == "opinion":
        task = _special_task(w, "defence_submitted")
        body = {"body": "意见", "requirements": "整改", "row_version": current_version(task)}
        return "post", f"{API}/tasks/{task.pk}/opinion", body
    if endpoint == "defence":
        task = _special_task(w, "sent_to_institution")
        return "post", f"{API}/tasks/{task.pk}/defence", {"text": "申辩"}
    if endpoint == "penalty":
        body = {
            "institution_id": w.institution.pk,
            "kind": "suspension",
            "ground": "other",
            "description": "x",
        }
        return "post", f"{API}/penalties", body
    if endpoint == "policy":
        return "patch", f"{API}/policy", {"authority_id": w.authority.pk, "report_days": 3}
    if endpoint == "misconduct":
        body = {"supervisor_id": w.s2.pk, "kind": "undispatched", "description": "未经委派擅自到场"}
        return "post", f"{API}/misconduct", body
    raise AssertionError(endpoint)


MATRIX = {
    #             SU   AA   AS   IA   IS   ES   IN   EX   AN   OA   OI   MB
    "define": [201, 201, 201, 403, 403, 403, 403, 403, 401, 404, 403, 403],
    "publish": [200, 200, 200, 404, 404, 404, 404, 404, 401, 404, 404, 404],
    "accept": [403, 403, 403, 403, 403, 404, 404, 404, 401, 404, 404, 200],
    "opinion": [200, 200, 200, 403, 403, 404, 404, 404, 401, 404, 404, 403],
    "defence": [403, 403, 403, 200, 200, 404, 404, 404, 401, 404, 404, 403],
    "penalty": [201, 201, 201, 403, 403, 404, 404, 404, 401, 404, 404, 404],
    "policy": [200, 200, 403, 403, 403, 404, 404, 404, 401, 404, 404, 404],
    "misconduct": [201, 201, 201, 404, 404, 404, 404, 404, 401, 404, 404, 404],
}
CASES = [
    (endpoint, role, expected[i]) for endpoint, expected in MATRIX.items() for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES, ids=[f"{e}-{r}" for e, r, _ in CASES])
def test_permission_matrix(world, endpoint, role, expected):
    user = actor(world, role)
    method, url, body = _setup(world, endpoint)
    before = counts()
    response = api(user, method, url, body)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert counts() == before
        assert set(response.json()) == {"code", "message", "detail"}
    else:
        assert counts() != before


def test_scoped_reads(world):
    draw = locked_draw(world, sample_count=3)
    other = f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=world.other_authority)
    assert api(world.auth_staff, "get", f"{API}/draws").json()["count"] == 1
    assert api(other, "get", f"{API}/draws").json()["count"] == 0
    assert api(other, "get", f"{API}/draws/{draw.pk}").status_code == 404
    assert api(world.auth_staff, "get", f"{API}/tasks").json()["count"] == 3
    assert api(other, "get", f"{API}/tasks").json()["count"] == 0
    # Institution A sees its two tasks (open visits), not institution B's.
    assert {t["batch_code"] for t in api(world.inst_admin, "get", f"{API}/tasks").json()["items"]} == {
        "PC-A-1",
        "PC-A-2",
    }
    mine = api(world.s1.user, "get", f"{API}/tasks?mine=true").json()
    assert mine["count"] == SupervisionTask.objects.filter(members__supervisor=world.s1).count()
    assert api(None, "get", f"{API}/tasks").status_code == 401
    # The authority's detail keeps the seed hidden until lock; this draw is locked.
    assert api(world.auth_staff, "get", f"{API}/draws/{draw.pk}").json()["seed"] == draw.seed


def test_public_endpoints_show_only_published_data(world):
    defined = services.draw_define(actor=world.auth_staff, title="未公布", **PERIOD)
    published = publish_draw(
        world,
        actor=world.auth_staff,
        draw=services.draw_define(actor=world.auth_staff, title="已公布", **PERIOD),
    )
    locked = locked_draw(world, title="已锁定", sample_count=2)
    listing = api(None, "get", f"{API}/public/draws").json()
    assert [d["title"] for d in listing["items"]] == ["已锁定", "已公布"]
    assert api(None, "get", f"{API}/public/draws/{defined.pk}").status_code == 404
    # Published: parameters, digests and commitment; never the seed or a result before the lock.
    body = api(None, "get", f"{API}/public/draws/{published.pk}").json()
    assert (body["seed"], body["selected"], body["scenario_digest"]) == (None, [], published.scenario_digest)
    assert body["disclosure"] == {"scenario": True, "result": False, "seed": False, "verify": False}
    assert api(None, "get", f"{API}/public/draws/{published.pk}/result").status_code == 404
    assert api(None, "get", f"{API}/public/draws/{published.pk}/verify").status_code == 404
    scenario = api(None, "get", f"{API}/public/draws/{published.pk}/scenario")
    assert scenario.status_code == 200
    assert scenario.content.decode() == published.scenario
    # Locked: seed, selected targets with supervisors as card numbers (default policy), verification.
    body = api(None, "get", f"{API}/public/draws/{locked.pk}").json()
    assert body["seed"] == locked.seed
    assert len(body["selected"]) == 2
    cards = {c for row in body["selected"] for c in row["supervisors"]}
    assert all(c.startswith("R3624") for c in cards)
    assert api(None, "get", f"{API}/public/draws/{locked.pk}/verify").json()["ok"] is True
    # Names instead of card numbers when the authority's policy says so.
    services.policy_update(actor=world.auth_admin, disclose_supervisors_as="name")
    body = api(None, "get", f"{API}/public/draws/{locked.pk}").json()
    assert all(name.startswith("外督") for row in body["selected"] for name in row["supervisors"])
    # Public tasks: the locked draw's tasks only; no personal or internal fields.
    tasks = api(None, "get", f"{API}/public/tasks").json()
    assert tasks["count"] == 2
    assert "members" not in tasks["items"][0] and "findings" not in tasks["items"][0]
    # The draw of another state (defined) never leaks through the task list either.
    assert Draw.objects.filter(status="defined").count() == 1


def test_list_query_counts_do_not_grow_with_rows(world, django_assert_max_num_queries):
    from django.test import Client

    from tests.conftest import client_for

    for n in range(12):
        day = TODAY + dt.timedelta(days=10 + n)
        make_batch(world.institution, world.filing, world.welder, world.venue, f"PC-Q-{n}", day)
    locked_draw(world, group_size=2, max_tasks=10)
    assert SupervisionTask.objects.count() == 15
    staff, public = client_for(world.auth_staff), Client()
    staff.get(f"{API}/draws")  # the session row is written on the first request
    with django_assert_max_num_queries(8):
        assert staff.get(f"{API}/tasks?page_size=100").json()["count"] == 15
    with django_assert_max_num_queries(8):
        assert public.get(f"{API}/public/tasks?page_size=100").json()["count"] == 15
    with django_assert_max_num_queries(7):
        assert staff.get(f"{API}/draws").json()["count"] == 1
    with django_assert_max_num_queries(10):
        body = staff.get(f"{API}/coverage?start={TODAY}&end={TODAY + dt.timedelta(days=40)}").json()
    assert (body["total"], body["covered"], len(body["items"])) == (15, 15, 15)


def test_draw_walk_through_the_api(world):
    response = api(
        world.auth_staff, "post", f"{API}/draws", {"title": "接口抽取", **PERIOD, "sample_ratio": "0.5"}
    )
    assert response.status_code == 201, response.content
    draw = response.json()
    assert (draw["status"], draw["sample_ratio"], draw["seed"], draw["result"]) == (
        "defined",
        "0.5",
        None,
        None,
    )
    pk = draw["id"]
    patched = api(world.auth_staff, "patch", f"{API}/draws/{pk}", {"row_version": 1, "title": "改名"})
    assert patched.json()["title"] == "改名"
    stale = api(world.auth_staff, "patch", f"{API}/draws/{pk}", {"row_version": 1, "title": "又改"})
    assert stale.status_code == 409
    # Witnesses (issue 8 §7): each hands over H(value) before publication, reveals the value afterwards.
    from dudao.common.domain import digest

    algorithm = patched.json()["hash_algorithm"]
    values = ["jijian-0123456789abcdef", "gongzheng-0123456789abcdef"]
    for name, role, value in zip(("纪检甲", "公证乙"), ("discipline", "notary"), values, strict=True):
        added = api(
            world.auth_staff,
            "post",
            f"{API}/draws/{pk}/witnesses",
            {
                "name": name,
                "role": role,
                "organisation": "市纪委",
                "commitment": digest(value, algorithm),
                "row_version": current_version(pk, Draw),
            },
        )
        assert added.status_code == 201, added.content
    witnesses = added.json()["witnesses"]
    assert [(w["position"], w["name"], w["value"]) for w in witnesses] == [
        (1, "纪检甲", None),
        (2, "公证乙", None),
    ]
    early = api(
        world.auth_staff,
        "post",
        f"{API}/draws/{pk}/witnesses/{witnesses[0]['id']}/reveal",
        {"value": values[0], "row_version": current_version(pk, Draw)},
    )
    assert (early.status_code, early.json()["code"]) == (409, "illegal_transition")
    published = api(world.auth_staff, "post", f"{API}/draws/{pk}/publish", {"row_version": 2}).json()
    assert (published["status"], published["seed"]) == ("published", None)
    waiting = api(
        world.auth_staff, "post", f"{API}/draws/{pk}/run", {"row_version": current_version(pk, Draw)}
    )
    assert (waiting.status_code, waiting.json()["code"]) == (409, "witness_values_missing")
    wrong = api(
        world.auth_staff,
        "post",
        f"{API}/draws/{pk}/witnesses/{witnesses[0]['id']}/reveal",
        {"value": values[1], "row_version": current_version(pk, Draw)},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "witness_mismatch")
    for witness, value in zip(witnesses, values, strict=True):
        revealed = api(
            world.auth_staff,
            "post",
            f"{API}/draws/{pk}/witnesses/{witness['id']}/reveal",
            {"value": value, "row_version": current_version(pk, Draw)},
        )
        assert revealed.status_code == 200, revealed.content
    assert [w["value"] for w in revealed.json()["witnesses"]] == values
    assert published["seed_commitment"] and published["scenario_digest"]
    scenario = api(world.auth_staff, "get", f"{API}/draws/{pk}/scenario")
    assert scenario["Content-Disposition"].startswith("attachment")
    assert json.loads(scenario.content)["sample"] == {"ratio": 0.5}
    run = api(
        world.auth_staff, "post", f"{API}/draws/{pk}/run", {"row_version": current_version(pk, Draw)}
    ).json()
    assert (run["status"], run["seed"], len(run["result"]["selected"])) == ("run", None, 2)  # ⌈0.5 × 3⌉
    locked = api(
        world.auth_staff, "post", f"{API}/draws/{pk}/lock", {"row_version": current_version(pk, Draw)}
    ).json()
    assert (locked["status"], locked["task_count"]) == ("locked", 2)
    assert locked["seed"] == Draw.objects.get(pk=pk).seed
    assert locked["final_seed"] == digest("|".join([locked["seed"], *values]), algorithm)
    ref = api(None, "get", f"{API}/reference").json()
    assert ref["content_areas"]["2.4"] == "考场秩序"
    assert ref["task_transitions"]["on_site"] == ["report_submitted"]


def test_policy_sets_the_deadlines(world):
    assert api(world.auth_staff, "get", f"{API}/policy").json() == {
        "authority_id": world.authority.pk,
        "report_days": 2,
        "defence_workdays": 5,
        "rectification_days": 30,
        "termination_statement_workdays": 5,
        "disclose_supervisors_as": "card_number",
        "coverage_required": False,
        "opinion_number_prefix": "",
        "saved": False,
        "row_version": None,
    }
    body = api(
        world.auth_admin, "patch", f"{API}/policy", {"report_days": 3, "opinion_number_prefix": "赣鉴督"}
    )
    assert (body.json()["report_days"], body.json()["row_version"]) == (3, 1)
    task = services.task_create(
        actor=world.auth_staff, institution=world.institution, supervisors=[world.s1], batch=world.b1
    )
    assert task.report_due_on == world.b1.ends_at.date() + dt.timedelta(days=3)
    bad = api(world.auth_admin, "patch", f"{API}/policy", {"report_days": 61})
    assert bad.status_code == 422
    other = f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=world.other_authority)
    assert api(other, "get", f"{API}/policy?authority_id={world.authority.pk}").status_code == 404


def test_internal_task_is_managed_by_the_institution(world):
    from tests.supervision.app_support import make_supervisor

    inner = make_supervisor(world.authority, "内督甲", 301, kind="internal", institution=world.institution)
    task = services.task_create(
        actor=world.inst_admin,
        institution=world.institution,
        supervisors=[inner],
        supervisor_kind="internal",
        batch=world.b1,
    )
    services.task_accept(actor=inner.user, task=task)
    services.task_start_on_site(
        actor=inner.user, task=task, row_version=current_version(task, SupervisionTask)
    )
    services.report_submit(
        actor=inner.user,
        task=task,
        summary="内部督导正常",
        row_version=current_version(task, SupervisionTask),
    )
    body = {"note": "无问题", "row_version": current_version(task)}
    body = api(world.inst_admin, "post", f"{API}/tasks/{task.pk}/close", body).json()
    assert body["status"] == "closed"
    # The institution cannot dispatch external supervisors, nor staff internal tasks elsewhere.
    before = counts()
    response = api(
        world.inst_admin,
        "post",
        f"{API}/tasks",
        {"institution_id": world.institution.pk, "supervisor_ids": [world.s1.pk], "batch_id": world.b2.pk},
    )
    assert response.status_code == 403
    assert counts() == before
