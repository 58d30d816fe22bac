"""Login page and admin login: success, failures, lockout (shared rule), unlock after time, login log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts.models import LoginEvent, User
from dudao.common.models import AuditEvent
from tests import factories as f

PASSWORD = "Dudao#2026"
UA = "pytest-browser/1.0"


@pytest.fixture
def staff(db):
    return f.UserFactory(
        username="zhang", display_name="张三", role="authority_staff", authority=f.AuthorityFactory()
    )


def login(client: Client, username: str, password: str, path: str = "/login/"):
    return client.post(
        path, {"username": username, "password": password}, headers={"User-Agent": UA}, REMOTE_ADDR="10.1.2.3"
    )


def events():
    return list(LoginEvent.objects.order_by("id").values_list("username", "success", "reason"))


REFUSED = "用户名或密码错误。连续输错 {n} 次账号将锁定 {m} 分钟,锁定期间无法登录;如需提前解锁请联系管理员"


def refusal(response) -> str:
    """The login form's non-field error (the alert above the form)."""
    html = response.content.decode()
    match = re.search(r'<div class="alert alert-danger"[^>]*>\s*<div>(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


@pytest.mark.django_db
def test_login_page_renders_in_chinese(client):
    response = client.get("/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "账号登录" in html
    assert "连续输错密码 5 次将锁定账号 15 分钟" in html


@pytest.mark.django_db
def test_success_logs_in_redirects_and_is_logged(client, staff):
    response = login(client, "zhang", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(staff.pk)
    event = LoginEvent.objects.get()
    assert (event.user_id, event.username, event.success, event.reason, event.ip, event.user_agent) == (
        staff.pk,
        "zhang",
        True,
        "",
        "10.1.2.3",
        UA,
    )
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_next_parameter_is_honoured(client, staff):
    client.post("/login/?next=/audit/", {"username": "zhang", "password": PASSWORD, "next": "/me/"})
    assert client.session["_auth_user_id"] == str(staff.pk)


@pytest.mark.django_db
def test_bad_password_unknown_user_and_inactive(client, staff):
    response = login(client, "zhang", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session
    login(client, "nobody", PASSWORD)
    f.UserFactory(username="gone", is_active=False)
    response = login(client, "gone", PASSWORD)
    assert "账号已停用,请联系管理员" in response.content.decode()
    assert events() == [
        ("zhang", False, "bad_password"),
        ("nobody", False, "unknown_user"),
        ("gone", False, "inactive"),
    ]
    staff.refresh_from_db()
    assert staff.failed_logins == 1


@pytest.mark.django_db
def test_lockout_after_max_failures_and_locked_attempts_are_refused(client, staff, settings):
    settings.DUDAO_LOGIN_MAX_FAILURES = 3
    settings.DUDAO_LOGIN_LOCK_MINUTES = 10
    audit_before = AuditEvent.objects.count()
    message = REFUSED.format(n=3, m=10)
    for _ in range(2):
        assert refusal(login(client, "zhang", "bad")) == message
    assert refusal(login(client, "zhang", "bad")) == message  # this one locks
    staff.refresh_from_db()
    assert staff.failed_logins == 3
    assert (
        timezone.now() + dt.timedelta(minutes=9)
        < staff.locked_until
        <= timezone.now() + dt.timedelta(minutes=10)
    )
    # Even the right password is refused while locked, with the same words as a wrong one.
    response = login(client, "zhang", PASSWORD)
    assert refusal(response) == message
    assert "_auth_user_id" not in client.session
    assert events()[-2:] == [("zhang", False, "bad_password"), ("zhang", False, "locked")]
    locks = AuditEvent.objects.filter(action="accounts.user_locked")
    assert AuditEvent.objects.count() == audit_before + 1
    assert locks.get().object_id == str(staff.pk)
    assert locks.get().after["failed_logins"] == 3


@pytest.mark.django_db
def test_refusals_do_not_tell_whether_an_account_exists_or_is_locked(staff, settings):
    """REVIEW L9: unknown user, wrong password, the locking attempt and a locked account (with a wrong
    or the right password) all get the same page; only the login log tells them apart."""
    settings.DUDAO_LOGIN_MAX_FAILURES = 2
    settings.DUDAO_LOGIN_LOCK_MINUTES = 15
    f.UserFactory(username="locked_one", role="authority_staff", authority=staff.authority)
    answers = {
        "unknown": login(Client(), "nobody", "bad"),
        "unknown again": login(Client(), "nobody", "bad"),
        "unknown third": login(Client(), "nobody", PASSWORD),
        "wrong password": login(Client(), "zhang", "bad"),
        "locking attempt": (login(Client(), "locked_one", "bad"), login(Client(), "locked_one", "bad"))[1],
        "locked, wrong password": login(Client(), "locked_one", "bad"),
        "locked, right password": login(Client(), "locked_one", PASSWORD),
    }
    bodies = {
        name: re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"', "", r.content.decode()
        )
        .replace("nobody", "USER")
        .replace("locked_one", "USER")
        .replace("zhang", "USER")
        for name, r in answers.items()
    }
    assert {name: refusal(r) for name, r in answers.items()} == {
        name: REFUSED.format(n=2, m=15) for name in answers
    }
    assert len(set(bodies.values())) == 1  # the whole page is the same, not only the message
    assert {r.status_code for r in answers.values()} == {200}
    assert [e[2] for e in events()] == [
        "unknown_user",
        "unknown_user",
        "unknown_user",
        "bad_password",
        "bad_password",
        "bad_password",
        "locked",
        "locked",
    ]
    assert User.objects.get(username="locked_one").locked_until is not None
    assert User.objects.filter(username="nobody").exists() is False


@pytest.mark.django_db
def test_unlock_after_lock_time(client, staff, settings):
    settings.DUDAO_LOGIN_MAX_FAILURES = 2
    login(client, "zhang", "bad")
    login(client, "zhang", "bad")
    staff.refresh_from_db()
    assert staff.locked_until is not None
    User.objects.filter(pk=staff.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    response = login(client, "zhang", PASSWORD)
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.failed_logins, staff.locked_until) == (0, None)


@pytest.mark.django_db
def test_one_failure_after_lock_expiry_does_not_lock_again(client, staff, settings):
    settings.DUDAO_LOGIN_MAX_FAILURES = 2
    login(client, "zhang", "bad")
    login(client, "zhang", "bad")
    User.objects.filter(pk=staff.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert "用户名或密码错误" in login(client, "zhang", "bad").content.decode()
    staff.refresh_from_db()
    assert (staff.failed_logins, staff.locked_until) == (1, None)


@pytest.mark.django_db
def test_success_resets_the_failure_count(client, staff):
    login(client, "zhang", "bad")
    login(client, "zhang", "bad")
    login(client, "zhang", PASSWORD)
    staff.refresh_from_db()
    assert staff.failed_logins == 0


@pytest.mark.django_db
def test_admin_login_shares_the_lockout_rule(staff, settings):
    settings.DUDAO_LOGIN_MAX_FAILURES = 2
    root = f.UserFactory(username="boss", is_superuser=True, is_staff=True)
    admin_client = Client()
    login(admin_client, "boss", "bad", "/admin/login/")
    response = login(admin_client, "boss", "bad", "/admin/login/")
    assert REFUSED.format(n=2, m=15) in response.content.decode()
    root.refresh_from_db()
    assert root.locked_until is not None
    # The lock counts on the page too, and a correct password on either door is refused.
    assert refusal(login(Client(), "boss", PASSWORD)) == REFUSED.format(n=2, m=15)
    response = login(admin_client, "boss", PASSWORD, "/admin/login/")
    assert response.status_code == 200
    assert "_auth_user_id" not in admin_client.session
    assert [e[2] for e in events()] == ["bad_password", "bad_password", "locked", "locked"]


@pytest.mark.django_db
def test_page_failures_count_towards_admin_lock(staff, settings):
    settings.DUDAO_LOGIN_MAX_FAILURES = 2
    f.UserFactory(username="boss", is_superuser=True, is_staff=True)
    login(Client(), "boss", "bad")
    login(Client(), "boss", "bad", "/admin/login/")
    assert User.objects.get(username="boss").locked_until is not None


@pytest.mark.django_db
def test_admin_login_success_and_non_staff_refused(staff):
    f.UserFactory(username="boss", is_superuser=True, is_staff=True)
    admin_client = Client()
    response = login(admin_client, "boss", PASSWORD, "/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert admin_client.get("/admin/").status_code == 200
    other = Client()
    response = login(other, "zhang", PASSWORD, "/admin/login/")
    assert "该账号无权进入管理后台" in response.content.decode()
    assert "_auth_user_id" not in other.session
    assert events() == [("boss", True, ""), ("zhang", False, "not_staff")]


@pytest.mark.django_db
def test_logout_is_post_only(client, staff):
    login(client, "zhang", PASSWORD)
    assert client.get("/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_form_needs_csrf(staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 403
    assert LoginEvent.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_dashboard_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"
