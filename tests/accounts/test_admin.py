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
    client = client_as(users["authority_admin"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    # Signed in already: told so, not sent to the sign-in page (which sent them back: a redirect loop).
    refused = client.get(response["Location"])
    assert refused.status_code == 403
    assert "没有后台管理权限" in refused.content.decode()


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
    # Nothing to edit on a token: only the audited revoke action changes it.
    assert admin_client.post(f"/admin/accounts/apitoken/{token.pk}/change/", {"name": "y"}).status_code == 403
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("accept_language", [None, "zh-CN,zh;q=0.9"])
def test_admin_chrome_is_chinese(admin_client, accept_language):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    html = admin_client.get("/admin/accounts/user/", headers=headers).content.decode()
    assert "选择 用户 来修改" in html
    assert "增加 用户" in html


def _change_data(user: User, **changes) -> dict:
    """The admin change form of `user` as posted unchanged, with `changes`."""
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "authority": str(user.authority_id or ""),
        "institution": str(user.institution_id or ""),
        "person": str(user.person_id or ""),
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    if user.is_active:
        data["is_active"] = "on"
    if user.must_change_password:
        data["must_change_password"] = "on"
    return {**data, **changes}


@pytest.mark.django_db
def test_admin_change_goes_through_the_service_and_is_audited(admin_client, users, institution):
    staff = users["authority_staff"]
    events = AuditEvent.objects.count()
    response = admin_client.post(
        f"/admin/accounts/user/{staff.pk}/change/",
        _change_data(staff, role="institution_staff", authority="", institution=str(institution.pk)),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    staff.refresh_from_db()
    assert (staff.role, staff.authority_id, staff.institution_id) == (
        "institution_staff",
        None,
        institution.pk,
    )
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.before["role"], event.after["role"]) == (
        "accounts.user.update",
        "authority_staff",
        "institution_staff",
    )
    assert "password" not in event.after


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "institution_staff"}, "评价机构角色必须指定所属评价机构"),
        ({"authority": ""}, "委派机构角色必须指定所属委派机构"),
        ({"username": "root"}, "已存在一位使用该名字的用户。"),  # the form's own unique check
    ],
)
def test_an_invalid_admin_change_shows_the_error_and_writes_nothing(admin_client, users, changes, message):
    staff = users["authority_staff"]
    before = (staff.username, staff.role, staff.authority_id, staff.institution_id)
    events = AuditEvent.objects.count()
    response = admin_client.post(f"/admin/accounts/user/{staff.pk}/change/", _change_data(staff, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    staff.refresh_from_db()
    assert (staff.username, staff.role, staff.authority_id, staff.institution_id) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_an_unchanged_admin_save_writes_no_event(admin_client, users):
    staff = users["authority_staff"]
    events = AuditEvent.objects.count()
    response = admin_client.post(f"/admin/accounts/user/{staff.pk}/change/", _change_data(staff))
    assert response.status_code == 302
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_user_update_grants_admin_rights_only_as_a_superuser(users):
    from dudao.accounts import user_services
    from dudao.common.errors import PermissionDenied, ValidationFailed
    from tests import factories as f

    security = f.UserFactory(username="sec", role="security_admin", is_staff=True)
    staff = users["authority_staff"]
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="只有超级管理员可以授予后台权限"):
        user_services.user_update(actor=security, user=staff, changes={"is_superuser": True})
    with pytest.raises(PermissionDenied, match="只有超级管理员可以修改超级管理员账号"):
        user_services.user_update(actor=security, user=users["superuser"], changes={"display_name": "x"})
    with pytest.raises(ValidationFailed, match="不能在这里修改"):
        user_services.user_update(actor=users["superuser"], user=staff, changes={"password": "x"})
    staff.refresh_from_db()
    assert (staff.is_superuser, AuditEvent.objects.count()) == (False, events)
    # A security administrator's change is audited, and is_staff follows the role.
    user_services.user_update(actor=security, user=staff, changes={"role": "audit_admin", "authority": None})
    staff.refresh_from_db()
    assert (staff.role, staff.is_staff, staff.authority_id) == ("audit_admin", True, None)
    assert AuditEvent.objects.latest("id").action == "accounts.user.update"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password1": "short", "password2": "short"}, "密码长度不能少于 10 位"),
        ({"password1": "Reset!2026ab", "password2": "Reset!2026ac"}, "输入的两个密码不一致。"),
        ({"usable_password": "false"}, "请设置新的初始密码;停用账号请使用“停用”"),
    ],
)
def test_a_refused_admin_password_reset_shows_the_error_and_writes_nothing(
    admin_client, users, data, message
):
    target = users["authority_staff"]
    password, events = target.password, AuditEvent.objects.count()
    response = admin_client.post(f"/admin/accounts/user/{target.pk}/password/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    target.refresh_from_db()
    assert (target.password, AuditEvent.objects.count()) == (password, events)


@pytest.mark.django_db
def test_the_admin_password_page_resets_through_the_service(admin_client, users):
    target = users["authority_staff"]
    data = {"password1": "Reset!2026ab", "password2": "Reset!2026ab", "usable_password": "true"}
    response = admin_client.post(f"/admin/accounts/user/{target.pk}/password/", data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Reset!2026ab") and target.must_change_password is True
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.after) == (
        "accounts.password.reset",
        str(target.pk),
        {"must_change_password": True},
    )
    # Nobody resets their own password here (the password page asks for the old one).
    root = users["superuser"]
    response = admin_client.post(f"/admin/accounts/user/{root.pk}/password/", data)
    assert response.status_code == 200
    assert "只能重置本单位范围内其他账号的密码" in response.content.decode()
    assert AuditEvent.objects.latest("id").pk == event.pk


@pytest.mark.django_db
def test_user_update_refuses_a_change_to_ones_own_account(users):
    """三权分立: the security administrator cannot move themselves to another role through the admin."""
    from dudao.accounts import user_services
    from dudao.common.errors import PermissionDenied
    from tests import factories as f

    security = f.UserFactory(username="sec_self", role="security_admin", is_staff=True)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="不能在这里修改自己的账号"):
        user_services.user_update(actor=security, user=security, changes={"role": "audit_admin"})
    security.refresh_from_db()
    assert (security.role, AuditEvent.objects.count()) == ("security_admin", events)
    # The same change by another administrator is allowed (and audited): only one's own account is closed.
    peer = f.UserFactory(username="sec_peer", role="security_admin", is_staff=True)
    user_services.user_update(actor=peer, user=security, changes={"display_name": "安全管理员甲"})
    assert AuditEvent.objects.count() == events + 1
