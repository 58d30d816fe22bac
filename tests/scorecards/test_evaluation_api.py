"""Evaluations API: flow, /score, role × endpoint matrix (nothing changes on denial), query counts."""

from __future__ import annotations

import json

import pytest

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.scorecards import services
from dudao.scorecards.models import Evaluation, ScoreFormVersion
from tests import factories as f
from tests.conftest import client_for
from tests.factories import current_version
from tests.scorecards.conftest import JPEG, PNG, counts, fill, state
from tests.scorecards.helpers import clean_answers, shipped_text

pytestmark = pytest.mark.django_db

BASE = "/api/v1/scorecards"


def patch(client, url, data):
    return client.patch(url, data=json.dumps(data), content_type="application/json")


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


# --------------------------------------------------------------------------------------------- forms, score


def test_forms_list_and_detail(users, client_as):
    client = client_as(
        users[Role.EXAMINER]
    )  # forms are the published criteria: every signed-in user reads them
    body = client.get(f"{BASE}/forms?current_only=true").json()
    assert (body["count"], [(i["form_id"], i["version"], i["is_current"]) for i in body["items"]]) == (
        2,
        [("CQ-RENEWAL", 1, True), ("QC-STATION", 1, True)],
    )
    detail = client.get(f"{BASE}/forms/CQ-RENEWAL").json()
    assert (detail["cap"], detail["base_max"], detail["bonus_max"]) == (100, 96, 4)
    assert [b["id"] for b in detail["bands"]] == ["renew", "rectify", "refuse"]
    a12 = detail["sections"][0]["items"][1]
    assert a12 == {
        "id": "A1.2",
        "title": "岗位职责明确并能认真履职",
        "kind": "deduction",
        "max": 2.0,
        "group": "岗位和履职",
        "method": "查阅单位岗位职责及履职记录情况。",
        "note": "",
        "choices": [],
        "rules": [
            {"label": "岗位职责有一项未尽职责", "points": 0.5, "max_count": None},
            {"label": "无履职记录", "points": 0.5, "max_count": 1},
        ],
    }
    assert detail["definition"] == shipped_text("CQ-RENEWAL")
    assert client.get(f"{BASE}/forms/NOPE").status_code == 404
    assert client_as(None).get(f"{BASE}/forms").status_code == 401


def test_form_load_permissions_and_outcomes(users, client_as, forms_loaded):
    v2 = shipped_text("QC-STATION").replace("version: 1", "version: 2", 1)
    before = counts()
    for role, status in [
        (Role.AUTHORITY_STAFF, 403),
        (Role.INSTITUTION_ADMIN, 403),
        (Role.EXAMINER, 403),
        (None, 401),
    ]:
        response = post(client_as(users[role] if role else None), f"{BASE}/forms", {"definition": v2})
        assert response.status_code == status
    bad = post(
        client_as(users["superuser"]), f"{BASE}/forms", {"definition": v2.replace("cap: 100", "cap: -1")}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_form")
    assert counts() == before
    created = post(client_as(users[Role.AUTHORITY_ADMIN]), f"{BASE}/forms", {"definition": v2})
    assert (created.status_code, created.json()["version"], created.json()["is_current"]) == (201, 2, True)
    again = post(client_as(users["superuser"]), f"{BASE}/forms", {"definition": v2})
    assert (again.status_code, again.json()["version"]) == (200, 2)
    clash = post(
        client_as(users["superuser"]), f"{BASE}/forms", {"definition": v2.replace("title: ", "title: 新", 1)}
    )
    assert (clash.status_code, clash.json()["code"]) == (409, "conflict")


def test_score_endpoint_is_the_cli_contract(users, client_as):
    client = client_as(users[Role.INSTITUTION_STAFF])
    answers = {**clean_answers("CQ-RENEWAL"), "A1.1": 3, "B4.5": 3, "D1": True}
    before = counts()
    body = post(client, f"{BASE}/score", {"form": "CQ-RENEWAL", "answers": answers}).json()
    assert (body["form"], body["version"], body["total"], body["band"]) == ("CQ-RENEWAL", 1, 92.8, "renew")
    assert (body["items"]["A1.1"], body["items"]["B4.5"], body["sections"]["A"]) == (2.8, 0, 8.8)
    bad = post(client, f"{BASE}/score", {"form": "CQ-RENEWAL", "answers": {**answers, "A1.1": 1.0, "X": 1}})
    assert bad.status_code == 422
    assert bad.json()["detail"] == {
        "A1.1": ["项目 A1.1:答案应为扣分次数(非负整数),收到 1.0"],
        "X": ["项目 X:评估表 CQ-RENEWAL 中没有此项目"],
    }
    assert post(client, f"{BASE}/score", {"form": "NOPE", "answers": {}}).status_code == 404
    assert counts() == before  # scoring writes nothing


# --------------------------------------------------------------------------------------------- flow


def test_full_flow_through_the_api(users, evaluators, institution, forms_loaded, media_root, client_as):
    leader, member = client_as(evaluators["leader"]), client_as(evaluators["member"])
    opened = post(
        client_as(users[Role.AUTHORITY_STAFF]),
        f"{BASE}/evaluations",
        {
            "institution_id": institution.pk,
            "form_id": "CQ-RENEWAL",
            "purpose": "renewal",
            "leader_id": evaluators["leader"].pk,
            "member_ids": [evaluators["member"].pk],
            "note": "2025 年延续备案",
        },
    )
    assert opened.status_code == 201, opened.content
    ev = opened.json()
    pk = ev["id"]
    assert (ev["status"], ev["total"], ev["band"], ev["live"]["ceiling"], ev["live"]["answered"]) == (
        "draft",
        0,
        "",
        100,
        0,
    )
    assert [(m["name"], m["is_leader"]) for m in ev["members"]] == [("李组长", True), ("王督导", False)]
    assert ev["actions"] == {
        "fill": False,
        "submit": False,
        "reopen": False,
        "sign": False,
        "correct": False,
        "cancel": True,
    }

    r = patch(
        member,
        f"{BASE}/evaluations/{pk}/items/A1.1",
        {"value": 3, "note": "缺考务管理岗", "item_revision": 0},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["item"]["points"], body["item"]["revision"], body["item"]["note"]) == (
        2.8,
        1,
        "缺考务管理岗",
    )
    assert (body["live"]["total"], body["live"]["ceiling"], body["live"]["answered"]) == (2.8, 98.8, 1)
    stale = patch(leader, f"{BASE}/evaluations/{pk}/items/A1.1", {"value": 1, "item_revision": 0})
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    missing = patch(leader, f"{BASE}/evaluations/{pk}/items/A1.1", {"value": 1})
    assert missing.status_code == 422
    bad = patch(leader, f"{BASE}/evaluations/{pk}/items/A1.2", {"value": [1], "item_revision": 0})
    assert (bad.status_code, list(bad.json()["detail"])) == (422, ["A1.2"])

    up = member.post(
        f"{BASE}/evaluations/{pk}/evidence", {"file": _upload("考场.jpg", JPEG), "item_id": "B4.5"}
    )
    assert up.status_code == 201, up.content
    evidence = up.json()
    assert (evidence["original_name"], evidence["content_type"], evidence["size"]) == (
        "考场.jpg",
        "image/jpeg",
        len(JPEG),
    )
    fake = member.post(
        f"{BASE}/evaluations/{pk}/evidence", {"file": _upload("fake.jpg", b"just text"), "item_id": "B4.5"}
    )
    assert (fake.status_code, fake.json()["code"]) == (422, "upload_rejected")
    download = leader.get(evidence["url"])
    assert (download.status_code, download["Content-Type"], b"".join(download.streaming_content)) == (
        200,
        "image/jpeg",
        JPEG,
    )
    assert download["X-Content-Type-Options"] == "nosniff"

    version = leader.get(f"{BASE}/evaluations/{pk}").json()["row_version"]
    incomplete = post(leader, f"{BASE}/evaluations/{pk}/submit", {"row_version": version})
    assert (incomplete.status_code, incomplete.json()["message"]) == (422, "项目 A1.2:缺少答案(共 42 处错误)")
    for item_id, value in clean_answers("CQ-RENEWAL").items():
        if item_id != "A1.1":
            row_version = (
                leader.get(f"{BASE}/evaluations/{pk}").json()["row_version"] if item_id == "A1.2" else None
            )
            payload = (
                {"value": value, "row_version": row_version}
                if row_version
                else {"value": value, "item_revision": 0}
            )
            assert patch(leader, f"{BASE}/evaluations/{pk}/items/{item_id}", payload).status_code == 200
    version = leader.get(f"{BASE}/evaluations/{pk}").json()["row_version"]
    submitted = post(leader, f"{BASE}/evaluations/{pk}/submit", {"row_version": version}).json()
    assert (submitted["status"], submitted["total"], submitted["band"], submitted["band_label"]) == (
        "submitted",
        94.8,
        "renew",
        "符合",
    )
    assert submitted["result"]["total"] == 94.8
    assert post(member, f"{BASE}/evaluations/{pk}/sign", {"content_digest": "sm3:stale"}).status_code == 409
    assert (
        post(
            member, f"{BASE}/evaluations/{pk}/sign", {"content_digest": submitted["content_digest"]}
        ).status_code
        == 200
    )
    signed = post(leader, f"{BASE}/evaluations/{pk}/sign").json()
    assert (signed["status"], signed["total"], signed["band"]) == ("signed", 94.8, "renew")
    assert all(m["signed_at"] for m in signed["members"])

    frozen = patch(leader, f"{BASE}/evaluations/{pk}/items/A1.1", {"value": 0, "item_revision": 1})
    assert (frozen.status_code, frozen.json()["code"], frozen.json()["message"]) == (
        409,
        "illegal_transition",
        "评估已签署,不能修改;如需更正,请发起更正(生成新版本)",
    )
    correction = post(
        client_as(users[Role.AUTHORITY_ADMIN]), f"{BASE}/evaluations/{pk}/correct", {"reason": "A1.1 复核"}
    )
    assert correction.status_code == 201
    new = correction.json()
    assert (new["version_no"], new["previous_id"], new["status"], new["total"]) == (2, pk, "draft", 94.8)
    assert [(h["id"], h["version_no"], h["status"]) for h in new["history"]] == [
        (pk, 1, "signed"),
        (new["id"], 2, "draft"),
    ]
    # The institution reads its signed evaluation (and its evidence) but not the correction in progress.
    inst = client_as(users[Role.INSTITUTION_ADMIN])
    assert inst.get(f"{BASE}/evaluations/{pk}").status_code == 200
    assert inst.get(evidence["url"]).status_code == 200
    assert inst.get(f"{BASE}/evaluations/{new['id']}").status_code == 404
    assert [h["version_no"] for h in inst.get(f"{BASE}/evaluations/{pk}").json()["history"]] == [1]


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# --------------------------------------------------------------------------------------------- matrix

ROLES = [
    None,
    "superuser",
    Role.AUTHORITY_ADMIN,
    Role.AUTHORITY_STAFF,
    Role.EXTERNAL_SUPERVISOR,
    Role.INTERNAL_SUPERVISOR,
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_STAFF,
    Role.EXAMINER,
    "leader",
    "member",
    "other_region_admin",
]


@pytest.fixture
def actors(users, evaluators, other_authority):
    gd = f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    return {None: None, **users, **evaluators, "other_region_admin": gd}


@pytest.fixture
def submitted(opened, evaluators, media_root):
    services.evaluation_attach_evidence(
        actor=evaluators["member"], evaluation=opened, item_id="A1.1", file=_upload("a.png", PNG)
    )
    ev = fill(opened, evaluators["leader"], clean_answers("CQ-RENEWAL"))
    return services.evaluation_submit(
        actor=evaluators["leader"], evaluation=ev, row_version=current_version(ev)
    )


def _calls(ev):
    evidence = ev.evidence.first()
    ev_id = evidence.pk if evidence else 0
    return {
        "detail": lambda c: c.get(f"{BASE}/evaluations/{ev.pk}"),
        "answer": lambda c: patch(
            c, f"{BASE}/evaluations/{ev.pk}/items/A1.1", {"value": 2, "note": "x", "item_revision": 1}
        ),
        "upload": lambda c: c.post(
            f"{BASE}/evaluations/{ev.pk}/evidence", {"file": _upload("b.png", PNG), "item_id": "A1.1"}
        ),
        "download": lambda c: c.get(f"{BASE}/evaluations/{ev.pk}/evidence/{ev_id}"),
        "delete_evidence": lambda c: c.delete(f"{BASE}/evaluations/{ev.pk}/evidence/{ev_id}"),
        "submit": lambda c: post(
            c, f"{BASE}/evaluations/{ev.pk}/submit", {"row_version": current_version(ev)}
        ),
        "reopen": lambda c: post(
            c, f"{BASE}/evaluations/{ev.pk}/reopen", {"row_version": current_version(ev)}
        ),
        "sign": lambda c: post(c, f"{BASE}/evaluations/{ev.pk}/sign"),
        "correct": lambda c: post(c, f"{BASE}/evaluations/{ev.pk}/correct", {"reason": "复核"}),
        "cancel": lambda c: post(
            c, f"{BASE}/evaluations/{ev.pk}/cancel", {"reason": "误开", "row_version": current_version(ev)}
        ),
    }


# Expected status per role on a SUBMITTED evaluation of the Jiangxi institution (members: leader, member).
# 404: out of scope (not even the existence is revealed); 403: visible but the role may not; 409: state.
SUBMITTED_MATRIX = {
    #                      detail answer upload download delete submit reopen sign correct cancel
    None: (401, 401, 401, 401, 401, 401, 401, 401, 401, 401),
    "superuser": (200, 403, 403, 200, 403, 409, 403, 403, 409, 200),
    Role.AUTHORITY_ADMIN: (200, 403, 403, 200, 403, 409, 403, 403, 409, 200),
    Role.AUTHORITY_STAFF: (200, 403, 403, 200, 403, 409, 403, 403, 409, 200),
    Role.EXTERNAL_SUPERVISOR: (404,) * 10,
    Role.INTERNAL_SUPERVISOR: (404,) * 10,
    Role.INSTITUTION_ADMIN: (404,) * 10,
    Role.INSTITUTION_STAFF: (404,) * 10,
    Role.EXAMINER: (404,) * 10,
    "leader": (200, 409, 409, 200, 409, 409, 200, 200, 409, 200),
    "member": (200, 409, 409, 200, 409, 409, 403, 200, 403, 403),
    "other_region_admin": (404,) * 10,
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_matrix_on_a_submitted_evaluation(role, actors, submitted):
    client = client_for(actors[role])
    expected = dict(zip(_calls(submitted), SUBMITTED_MATRIX[role], strict=True))
    for name, call in _calls(submitted).items():
        before, snapshot = counts(), state(submitted)
        response = call(client)
        assert response.status_code == expected[name], (name, response.status_code, response.content[:200])
        if expected[name] >= 400:
            assert (counts(), state(submitted)) == (before, snapshot), name
        elif name in ("reopen", "cancel", "sign"):  # state changed: rebuild the situation for the next call
            submitted = _restore(submitted, actors)


def _restore(ev, actors):
    ev.refresh_from_db()
    leader = actors["leader"]
    if ev.status == "cancelled":
        return ev  # the remaining calls then meet a cancelled evaluation, checked below
    if ev.status == "draft":
        return services.evaluation_submit(actor=leader, evaluation=ev, row_version=current_version(ev))
    return ev


SIGNED_MATRIX = {
    #                      detail answer upload download delete submit reopen sign correct cancel
    Role.INSTITUTION_ADMIN: (200, 403, 403, 200, 403, 409, 409, 409, 403, 409),
    Role.INSTITUTION_STAFF: (200, 403, 403, 200, 403, 409, 409, 409, 403, 409),
    Role.EXTERNAL_SUPERVISOR: (404,) * 10,
    Role.EXAMINER: (404,) * 10,
    "other_region_admin": (404,) * 10,
    "member": (200, 409, 409, 200, 409, 409, 409, 409, 403, 409),
}


@pytest.mark.parametrize("role", list(SIGNED_MATRIX))
def test_matrix_on_a_signed_evaluation(role, actors, opened, evaluators, media_root):
    services.evaluation_attach_evidence(
        actor=evaluators["member"], evaluation=opened, item_id="A1.1", file=_upload("a.png", PNG)
    )
    ev = f.evaluation_advance(opened, "signed")
    client = client_for(actors[role])
    for (name, call), status in zip(_calls(ev).items(), SIGNED_MATRIX[role], strict=True):
        before, snapshot = counts(), state(ev)
        response = call(client)
        assert response.status_code == status, (name, response.status_code, response.content[:200])
        assert (counts(), state(ev)) == (before, snapshot), name


def test_list_scope_per_role(
    actors, opened, evaluators, other_institution, forms_loaded, media_root, client_as
):
    gd_leader = f.UserFactory(
        username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_institution.authority
    )
    other = services.evaluation_open(
        actor=actors["other_region_admin"],
        institution=other_institution,
        form_id="QC-STATION",
        purpose="other",
        leader=gd_leader,
    )
    jx_signed = f.evaluation_advance(opened, "signed")  # the Jiangxi one, now signed
    expected = {
        None: None,
        "superuser": [jx_signed.pk, other.pk],
        Role.AUTHORITY_ADMIN: [jx_signed.pk],
        Role.AUTHORITY_STAFF: [jx_signed.pk],
        Role.EXTERNAL_SUPERVISOR: [],
        Role.INTERNAL_SUPERVISOR: [],
        Role.INSTITUTION_ADMIN: [jx_signed.pk],
        Role.INSTITUTION_STAFF: [jx_signed.pk],
        Role.EXAMINER: [],
        "leader": [jx_signed.pk],
        "member": [jx_signed.pk],
        "other_region_admin": [other.pk],
    }
    for role, ids in expected.items():
        response = client_for(actors[role]).get(f"{BASE}/evaluations")
        if ids is None:
            assert response.status_code == 401
            continue
        assert sorted(i["id"] for i in response.json()["items"]) == sorted(ids), role
    # Another institution's evaluation: 404 on every endpoint for Jiangxi users, nothing changes.
    for role in (Role.AUTHORITY_ADMIN, Role.INSTITUTION_ADMIN, "leader"):
        for name, call in _calls(other).items():
            before, snapshot = counts(), state(other)
            assert call(client_for(actors[role])).status_code == 404, (role, name)
            assert (counts(), state(other)) == (before, snapshot)


def test_open_denials_change_nothing(actors, institution, other_institution, evaluators, forms_loaded):
    payload = {
        "institution_id": institution.pk,
        "form_id": "CQ-RENEWAL",
        "purpose": "renewal",
        "leader_id": evaluators["leader"].pk,
        "member_ids": [],
    }
    before = counts()
    for role, status in [
        (None, 401),
        (Role.INSTITUTION_ADMIN, 403),
        (Role.INSTITUTION_STAFF, 403),
        (Role.EXTERNAL_SUPERVISOR, 404),
        (Role.EXAMINER, 404),
        ("other_region_admin", 404),
    ]:
        assert post(client_for(actors[role]), f"{BASE}/evaluations", payload).status_code == status, role
    admin = client_for(actors[Role.AUTHORITY_ADMIN])
    assert (
        post(admin, f"{BASE}/evaluations", {**payload, "institution_id": other_institution.pk}).status_code
        == 404
    )
    assert post(admin, f"{BASE}/evaluations", {**payload, "institution_id": 999999}).status_code == 404
    bad = post(admin, f"{BASE}/evaluations", {**payload, "member_ids": [999999]})
    assert (bad.status_code, bad.json()["detail"]) == (422, {"member_ids": ["评估组成员不存在或无权访问"]})
    # SEC-3 (issue 8 §2): another province's admin as a member answers exactly like a missing id, and
    # the answer names nobody (it used to echo that user's name).
    for field, value in (
        ("member_ids", [actors["other_region_admin"].pk]),
        ("leader_id", actors["other_region_admin"].pk),
    ):
        outside = post(admin, f"{BASE}/evaluations", {**payload, field: value})
        missing = post(
            admin, f"{BASE}/evaluations", {**payload, field: [999999] if field == "member_ids" else 999999}
        )
        assert (
            (outside.status_code, outside.json())
            == (missing.status_code, missing.json())
            == (
                422,
                {
                    "code": "not_found_or_forbidden",
                    "message": "评估组成员不存在或无权访问",
                    "detail": {field: ["评估组成员不存在或无权访问"]},
                },
            )
        )
    assert counts() == before


def test_list_filters_and_pagination(users, evaluators, institution, forms_loaded, client_as):
    admin = users[Role.AUTHORITY_ADMIN]
    for i in range(3):  # one open at a time (evaluation_one_open_per_target): the first two are cancelled
        ev = services.evaluation_open(
            actor=admin,
            institution=institution,
            form_id="QC-STATION",
            purpose="annual_inspection",
            leader=evaluators["leader"],
        )
        if i < 2:
            services.evaluation_cancel(
                actor=admin, evaluation=ev, reason="误开", row_version=current_version(ev)
            )
    services.evaluation_open(
        actor=admin,
        institution=institution,
        form_id="CQ-RENEWAL",
        purpose="renewal",
        leader=evaluators["leader"],
    )
    client = client_as(admin)
    assert client.get(f"{BASE}/evaluations?form=QC-STATION").json()["count"] == 3
    assert client.get(f"{BASE}/evaluations?purpose=renewal").json()["count"] == 1
    assert client.get(f"{BASE}/evaluations?status=signed").json()["count"] == 0
    assert (
        client.get(f"{BASE}/evaluations?q={institution.name}&institution={institution.pk}").json()["count"]
        == 4
    )
    page = client.get(f"{BASE}/evaluations?page=2&page_size=3").json()
    assert (page["count"], page["page"], page["page_size"], len(page["items"])) == (4, 2, 3, 1)
    assert client.get(f"{BASE}/evaluations?page_size=101").status_code == 422


def test_list_query_count_does_not_grow_with_rows(
    users, evaluators, forms_loaded, authority, client_as, django_assert_max_num_queries
):
    admin = users[Role.AUTHORITY_ADMIN]
    institutions = [f.InstitutionFactory(authority=authority, region=authority.region) for _ in range(10)]
    purposes = ("renewal", "annual_inspection", "other")  # one open evaluation per institution and purpose
    for i in range(30):
        ev = services.evaluation_open(
            actor=admin,
            institution=institutions[i % 10],
            form_id="CQ-RENEWAL",
            purpose=purposes[i // 10],
            leader=evaluators["leader"],
            members=[evaluators["member"]],
        )
        services.evaluation_answer(actor=evaluators["leader"], evaluation=ev, item_id="A1.1", value=i % 10)
    for user in (admin, evaluators["member"]):
        client = client_as(user)
        with django_assert_max_num_queries(7):  # session, user, authority region (scope), count, page
            body = client.get(f"{BASE}/evaluations?page_size=30").json()
        assert body["count"] == 30 and len(body["items"]) == 30
    assert AuditEvent.objects.filter(action="scorecards.evaluation.open").count() == 30
    assert Evaluation.objects.filter(answered_count=1).count() == 30
    assert ScoreFormVersion.objects.count() == 2
