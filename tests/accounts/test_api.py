"""Accounts API: /me, token create/list/revoke; anonymous 401, Bearer tokens, revoked tokens, CSRF."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from dudao.accounts import services
from dudao.accounts.models import ApiToken
from dudao.common.models import AuditEvent

BASE = "/api/v1/accounts"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def state():
    return ApiToken.objects.count(), ApiToken.objects.filter(revoked=True).count(), AuditEvent.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/me"), ("get", "/tokens"), ("post", "/tokens"), ("delete", "/tokens/1")],
)
def test_anonymous_gets_401_and_nothing_changes(method, path, client, users):
    services.token_create(actor=users["authority_staff"], name="existing")
    before = state()
    kwargs = (
        {"data": json.dumps({"name": "x"}), "content_type": "application/json"} if method == "post" else {}
    )
    response = getattr(client, method)(BASE + path, **kwargs)
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "请先登录", "detail": None}
    assert state() == before


@pytest.mark.django_db
def test_bad_token_is_401(client, users):
    response = client.get(BASE + "/me", headers=bearer("ddo_not-a-real-key"))
    assert response.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "kind", "label"),
    [
        ("superuser", "all", "全部数据"),
        ("authority_admin", "authority", "江西省职业技能鉴定指导中心"),
        ("authority_staff", "authority", "江西省职业技能鉴定指导中心"),
        ("institution_admin", "institution", None),
        ("institution_staff", "institution", None),
        ("external_supervisor", "person", "江西省职业技能鉴定指导中心"),
        ("internal_supervisor", "person", None),
        ("examiner", "person", "本人"),
    ],
)
def test_me_for_every_role(role, kind, label, client_as, users, institution):
    response = client_as(users[role]).get(BASE + "/me")
    assert response.status_code == 200
    body = response.json()
    user = users[role]
    assert body["username"] == user.username
    assert body["role"] == ("" if role == "superuser" else role)
    assert body["scope"]["kind"] == kind
    assert body["scope"]["label"] == (label or institution.name)
    if kind == "authority":
        assert body["scope"]["region_prefix"] == "36"
        assert body["role_label"] in ("委派机构管理员", "委派机构工作人员")
    if role == "superuser":
        assert (body["role_label"], body["is_superuser"]) == ("超级管理员", True)


@pytest.mark.django_db
def test_token_lifecycle_over_the_api(users, client_as):
    session = client_as(users["institution_admin"])
    response = session.post(
        BASE + "/tokens", {"name": "对接", "scope": "read_write"}, content_type="application/json"
    )
    assert response.status_code == 201
    created = response.json()
    key = created.pop("key")
    assert created["scope"] == "read_write"
    assert created["name"] == "对接" and created["revoked"] is False and created["prefix"] == key[4:12]

    machine = Client()
    me = machine.get(BASE + "/me", headers=bearer(key))
    assert me.status_code == 200 and me.json()["username"] == "inst_admin"
    listing = machine.get(BASE + "/tokens", headers=bearer(key)).json()
    assert listing["count"] == 1 and listing["page"] == 1 and listing["page_size"] == 20
    assert listing["items"][0]["id"] == created["id"]
    assert "key" not in listing["items"][0]
    assert ApiToken.objects.get(pk=created["id"]).last_used_at is not None

    response = machine.delete(f"{BASE}/tokens/{created['id']}", headers=bearer(key))
    assert response.status_code == 204
    assert machine.get(BASE + "/me", headers=bearer(key)).status_code == 401  # revoked token


@pytest.mark.django_db
def test_cannot_see_or_revoke_someone_elses_token(users, client_as):
    token, _ = services.token_create(actor=users["authority_staff"], name="staff")
    other = client_as(users["authority_admin"])
    assert other.get(BASE + "/tokens").json()["count"] == 0
    before = state()
    response = other.delete(f"{BASE}/tokens/{token.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert state() == before


@pytest.mark.django_db
def test_token_of_inactive_user_is_refused(users):
    _, key = services.token_create(actor=users["institution_admin"], name="x")
    users["institution_admin"].is_active = False
    users["institution_admin"].save(update_fields=["is_active"])
    assert Client().get(BASE + "/me", headers=bearer(key)).status_code == 401


@pytest.mark.django_db
def test_create_token_validation(users, client_as):
    before = state()
    response = client_as(users["authority_staff"]).post(
        BASE + "/tokens", {"name": ""}, content_type="application/json"
    )
    assert response.status_code == 422
    assert state() == before


@pytest.mark.django_db
def test_session_post_needs_csrf_but_token_post_does_not(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["authority_staff"])
    before = state()
    response = client.post(BASE + "/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert state() == before
    # With the CSRF token (as htmx sends it from <body hx-headers>) the same call works.
    client.get("/")
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        BASE + "/tokens", {"name": "x"}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201
    _, key = services.token_create(actor=users["authority_staff"], name="m", scope="read_write")
    machine = Client(enforce_csrf_checks=True)
    response = machine.post(
        BASE + "/tokens", {"name": "y"}, content_type="application/json", headers=bearer(key)
    )
    assert response.status_code == 201
