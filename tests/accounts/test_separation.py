"""三权分立 (SEC-2): system, security and audit administrators each hold one power; none reads business
data; only the break-glass superuser holds everything. Each role is tried on representative pages and API
operations, and a refusal changes nothing."""

from __future__ import annotations

import json

import pytest

from dudao.accounts.models import LoginEvent, Role, User
from dudao.common.models import AuditEvent
from dudao.workdays.models import OfficialArrangement
from tests import factories as f

SYSTEM, SECURITY, AUDIT = Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN


@pytest.fixture
def admins(db):
    return {
        SYSTEM: f.UserFactory(username="sys", role=SYSTEM),
        SECURITY: f.UserFactory(username="sec", role=SECURITY, is_staff=True),
        AUDIT: f.UserFactory(username="aud", role=AUDIT, is_staff=True),
    }


@pytest.fixture
def business(users, institution):
    """A person and an institution in the authority's scope (business data)."""
    return {"person": f.PersonFactory(), "institution": institution}


# (path, {role: expected status}) — pages and API reads
PAGES = [
    ("/audit/", {SYSTEM: 403, SECURITY: 403, AUDIT: 200}),
    ("/admin/accounts/loginevent/", {SYSTEM: 302, SECURITY: 403, AUDIT: 200}),
    ("/admin/accounts/user/", {SYSTEM: 302, SECURITY: 200, AUDIT: 403}),
    ("/admin/accounts/user/add/", {SYSTEM: 302, SECURITY: 200, AUDIT: 403}),
    ("/registry/occupations/new/", {SYSTEM: 200, SECURITY: 403, AUDIT: 403}),
    ("/supervision/tasks/", {SYSTEM: 403, SECURITY: 403, AUDIT: 403}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "expected"), PAGES)
@pytest.mark.parametrize("role", [SYSTEM, SECURITY, AUDIT])
def test_pages_per_role(admins, client_as, role, path, expected):
    assert client_as(admins[role]).get(path).status_code == expected[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [SYSTEM, SECURITY, AUDIT])
def test_no_platform_admin_reads_business_data(admins, business, client_as, role):
    client = client_as(admins[role])
    for path in ("/api/v1/people/persons", "/api/v1/registry/institutions", "/api/v1/supervision/tasks"):
        response = client.get(path)
        assert (response.status_code, response.json()["count"]) == (200, 0), path
    assert client.get(f"/api/v1/people/persons/{business['person'].pk}").status_code == 404
    assert client.get(f"/api/v1/registry/institutions/{business['institution'].pk}").status_code == 404
    html = client.get("/people/persons/").content.decode()
    assert business["person"].name not in html


@pytest.mark.django_db
def test_superuser_holds_everything(users, business, client_as):
    client = client_as(users["superuser"])
    for path in (
        "/audit/",
        "/admin/accounts/loginevent/",
        "/admin/accounts/user/",
        "/registry/occupations/new/",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/api/v1/people/persons/{business['person'].pk}").status_code == 200


@pytest.mark.django_db
def test_audit_admin_reads_every_event_and_changes_nothing(admins, users, client_as):
    client = client_as(admins[AUDIT])
    total = AuditEvent.objects.count()
    page = client.get("/audit/").content.decode()
    assert "显示本辖区用户的操作记录" not in page  # not limited to a region
    LoginEvent.objects.create(username="x", success=False, reason="unknown_user")
    before = (User.objects.count(), LoginEvent.objects.count(), OfficialArrangement.objects.count())
    event = LoginEvent.objects.get()
    client.post(f"/admin/accounts/loginevent/{event.pk}/delete/", {"post": "yes"})
    client.post(
        "/admin/accounts/user/add/", {"username": "x", "password1": "Abcdefgh1!", "password2": "Abcdefgh1!"}
    )
    response = client.put(
        "/api/v1/workdays/arrangements/2027",
        data=json.dumps({"days": []}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert (User.objects.count(), LoginEvent.objects.count(), OfficialArrangement.objects.count()) == before
    assert AuditEvent.objects.count() == total


@pytest.mark.django_db
def test_security_admin_manages_accounts_but_cannot_make_or_edit_superusers(
    admins, users, client_as, authority
):
    client = client_as(admins[SECURITY])
    data = {
        "username": "newbie",
        "display_name": "新人",
        "password1": "Zq!8-long-enough",
        "password2": "Zq!8-long-enough",
        "role": "authority_staff",
        "authority": str(authority.pk),
        "institution": "",
        "person": "",
    }
    assert client.post("/admin/accounts/user/add/", data).status_code == 302
    user = User.objects.get(username="newbie")
    assert (user.must_change_password, user.is_superuser, user.is_staff) == (True, False, False)
    page = client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page  # read-only for anyone but a superuser
    root = users["superuser"]
    page = client.get(f"/admin/accounts/user/{root.pk}/change/").content.decode()
    assert 'name="username"' not in page  # the break-glass account is shown read-only
    response = client.post(f"/admin/accounts/user/{root.pk}/change/", {"username": "taken_over"})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.username == "root"


@pytest.mark.django_db
def test_system_admin_keeps_reference_data(admins, client_as):
    client = client_as(admins[SYSTEM])
    response = client.post(
        "/registry/occupations/new/",
        {"code": "4-99-99-99", "name": "测试职业", "source": "", "is_active": "on"},
    )
    assert response.status_code == 302
    for role in (SECURITY, AUDIT):
        response = client_as(admins[role]).post(
            "/registry/occupations/new/", {"code": "4-99-99-98", "name": "另一职业", "is_active": "on"}
        )
        assert response.status_code == 403


@pytest.mark.django_db
def test_sidebar_shows_each_admin_only_its_own_power(admins, client_as):
    from dudao.web.navigation import visible_url_names

    assert "admin:accounts_user_changelist" in visible_url_names(admins[SECURITY])
    assert "web:audit_list" not in visible_url_names(admins[SECURITY])
    assert "web:audit_list" in visible_url_names(admins[AUDIT])
    assert "admin:accounts_loginevent_changelist" in visible_url_names(admins[AUDIT])
    assert "admin:accounts_user_changelist" not in visible_url_names(admins[AUDIT])
    assert "registry:occupation_list" in visible_url_names(admins[SYSTEM])
    assert "people:person_list" not in visible_url_names(admins[SYSTEM])


@pytest.mark.django_db
def test_password_reset_by_the_security_admin_is_audited_and_must_be_changed(admins, users, client_as):
    target = users["authority_staff"]
    client = client_as(admins[SECURITY])
    response = client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": "Reset!2026ab", "password2": "Reset!2026ab", "usable_password": "true"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.must_change_password is True
    event = AuditEvent.objects.get(action="accounts.password.reset")
    assert (event.actor_id, event.object_id, event.after["must_change_password"]) == (
        admins[SECURITY].pk,
        str(target.pk),
        True,
    )
    # The break-glass superuser's password is not the security admin's to reset.
    root = users["superuser"]
    data = {"password1": "Reset!2026ab", "password2": "Reset!2026ab"}
    response = client.post(f"/admin/accounts/user/{root.pk}/password/", data)
    assert response.status_code == 403
