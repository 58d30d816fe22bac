"""API tokens only for roles that use the API (issue 9 §3.9): the pages, the endpoints and the service refuse
every other role with a Chinese 403 and write nothing; the roles of the "API 令牌" menu create and revoke."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dudao.accounts import services
from dudao.accounts.models import ApiToken
from dudao.common.errors import PermissionDenied
from dudao.common.models import AuditEvent
from tests import factories as f
from tests.clock import FROZEN_NOW

PAGE = "/accounts/tokens/"
API = "/api/v1/accounts/tokens"
API_ROLES = ["superuser", "authority_admin", "authority_staff", "institution_admin", "system_admin"]
FIELD_ROLES = ["institution_staff", "external_supervisor", "internal_supervisor", "examiner"]
PAGE_ONLY_ROLES = [*FIELD_ROLES, "audit_admin"]
YEAR = dt.timedelta(days=365)
MESSAGE = "本角色不使用 API,不能创建或管理 API 令牌"

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(users):
    """The `users` roles plus the separated administrators (system, audit)."""
    return {
        **users,
        "system_admin": f.UserFactory(username="sys_admin", role="system_admin"),
        "audit_admin": f.UserFactory(username="aud_admin", role="audit_admin"),
    }


def state() -> tuple[int, int, int]:
    return ApiToken.objects.count(), ApiToken.objects.filter(revoked=True).count(), AuditEvent.objects.count()


@pytest.mark.parametrize("role", API_ROLES)
def test_api_roles_create_list_and_revoke_their_tokens(everyone, role):
    user = everyone[role]
    token, _key = services.token_create(actor=user, name="对接")
    assert (token.user_id, token.name, token.revoked) == (user.pk, "对接", False)
    assert AuditEvent.objects.filter(action="accounts.token.create").count() == 1
    services.token_revoke(actor=user, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked is True


@pytest.mark.parametrize("role", PAGE_ONLY_ROLES)
def test_roles_without_api_use_are_refused_by_the_service(everyone, role):
    before = state()
    with pytest.raises(PermissionDenied) as caught:
        services.token_create(actor=everyone[role], name="对接")
    assert caught.value.message == MESSAGE
    # Nor may the superuser or the console issue one for them.
    with pytest.raises(PermissionDenied):
        services.token_create(actor=everyone["superuser"], name="x", user=everyone[role])
    with pytest.raises(CommandError, match=MESSAGE):
        call_command("create-token", everyone[role].username, "--name", "x", stdout=StringIO())
    assert state() == before


@pytest.mark.parametrize("role", ["authority_staff", "institution_admin"])
def test_api_roles_create_through_the_page_and_the_endpoint(users, client_as, role):
    client = client_as(users[role])
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE, {"name": "页面", "scope": "read", "days": "30"}).status_code == 200
    response = client.post(API, json.dumps({"name": "接口"}), content_type="application/json")
    assert response.status_code == 201, response.content
    names = ApiToken.objects.filter(user=users[role]).values_list("name", flat=True)
    assert sorted(names) == ["接口", "页面"]
    assert client.get(API).json()["count"] == 2
    token = ApiToken.objects.get(name="接口")
    assert client.delete(f"{API}/{token.pk}").status_code == 204
    assert client.post(f"{PAGE}{ApiToken.objects.get(name='页面').pk}/revoke/").status_code == 302
    assert ApiToken.objects.filter(user=users[role], revoked=True).count() == 2


@pytest.mark.parametrize("role", FIELD_ROLES)
def test_roles_without_api_use_get_403_on_every_page_and_endpoint(users, client_as, role):
    # A token issued before the restriction (written directly: the service refuses it now).
    legacy = ApiToken.objects.create(
        user=users[role], name="旧令牌", key_hash="x" * 64, prefix="legacy00", expires_at=FROZEN_NOW + YEAR
    )
    before = state()
    client = client_as(users[role])
    page = client.get(PAGE)
    assert page.status_code == 403 and MESSAGE in page.content.decode()
    page = client.post(PAGE, {"name": "页面", "scope": "read", "days": "30"})
    assert page.status_code == 403 and MESSAGE in page.content.decode()
    assert client.post(f"{PAGE}{legacy.pk}/revoke/").status_code == 403
    for response in (
        client.post(API, json.dumps({"name": "接口"}), content_type="application/json"),
        client.get(API),
        client.delete(f"{API}/{legacy.pk}"),
    ):
        assert response.status_code == 403
        assert response.json()["message"] == MESSAGE
    assert state() == before
    legacy.refresh_from_db()
    assert legacy.revoked is False


def test_a_token_stops_working_when_its_owner_no_longer_uses_the_api(everyone, client):
    """A token issued while the owner used the API is refused (401) once their role no longer does."""
    owner = everyone["authority_staff"]
    _token, key = services.token_create(actor=owner, name="对接")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/accounts/me", **headers).status_code == 200
    type(owner).objects.filter(pk=owner.pk).update(role="examiner")
    assert client.get("/api/v1/accounts/me", **headers).status_code == 401
    type(owner).objects.filter(pk=owner.pk).update(role="authority_staff")
    assert client.get("/api/v1/accounts/me", **headers).status_code == 200
