"""Django admin for superusers: Chinese, users with role/scope check (audited), login log, tokens."""

from __future__ import annotations

import pytest

from dudao.accounts import services
from dudao.accounts.models import ApiToken, LoginEvent, LoginLock, User
from dudao.common.models import AuditEvent


@pytest.fixture
def admin_client(users, client_as):
    return client_as(users["superuser"])


@pytest.mark.django_db
def test_admin_index_is_chinese(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "督导平台管理后台" in html
    assert "账号与权限" in html
    assert "登录日志" in html


@pytest.mark.django_db
def test_role_users_cannot_enter_admin(users, client_as):
    response = client_as(users["authority_admin"]).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_user_changelist_and_change_page(admin_client, users):
    assert admin_client.get("/admin/accounts/user/").status_code == 200
    html = admin_client.get(f"/admin/accounts/user/{users['authority_staff'].pk}/change/").content.decode()
    assert "角色与数据范围" in html
    assert "所属委派机构" in html


@pytest.mark.django_db
def test_admin_add_user_checks_scope_and_audits(admin_client, authority):
    data = {
        "username": "newbie",
        "display_name": "新人",
        "password1": "Zq!8-long-enough",
        "password2": "Zq!8-long-enough",
        "role": "authority_staff",
        "authority": "",
        "institution": "",
        "person": "",
    }
    response = admin_client.post("/admin/accounts/user/add/", data)
    assert response.status_code == 200
    assert "委派机构角色必须指定所属委派机构" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    response = admin_client.post("/admin/accounts/user/add/", {**data, "authority": str(authority.pk)})
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert (user.role, user.authority_id) == ("authority_staff", authority.pk)
    assert user.must_change_password is True  # the admin typed an initial password
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert event.actor_label == "root" and "password" not in event.after


@pytest.mark.django_db
def test_login_log_is_read_only(admin_client):
    services.login_attempt(username="nobody", password="x", ip="10.0.0.1", user_agent="t")
    event = LoginEvent.objects.get()
    assert admin_client.get("/admin/accounts/loginevent/").status_code == 200
    assert admin_client.get("/admin/accounts/loginevent/add/").status_code == 403
    admin_client.post(f"/admin/accounts/loginevent/{event.pk}/delete/", {"post": "yes"})
    assert LoginEvent.objects.count() == 1


@pytest.mark.django_db
def test_admin_unlock_and_revoke_actions(admin_client, users):
    staff = users["authority_staff"]
    LoginLock.objects.create(user=staff, ip="10.0.0.1", failures=5)
    admin_client.post("/admin/accounts/user/", {"action": "unlock_users", "_selected_action": [staff.pk]})
    assert not LoginLock.objects.filter(user=staff).exists()
    token, _ = services.token_create(actor=staff, name="x")
    admin_client.post(
        "/admin/accounts/apitoken/", {"action": "revoke_tokens", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked
    assert AuditEvent.objects.filter(action="accounts.token.revoke").count() == 1
    assert admin_client.get("/admin/accounts/apitoken/add/").status_code == 403
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("accept_language", [None, "zh-CN,zh;q=0.9"])
def test_admin_chrome_is_chinese(admin_client, accept_language):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    html = admin_client.get("/admin/accounts/user/", headers=headers).content.decode()
    assert "选择 用户 来修改" in html
    assert "增加 用户" in html
