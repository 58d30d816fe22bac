"""Login page and admin login: success, failures, lockout (shared rule), unlock after time, login log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts.models import LoginEvent, LoginLock, User
from dudao.common.models import AuditEvent
from tests import factories as f

PASSWORD = "Dudao#2026"
UA = "pytest-browser/1.0"


@pytest.fixture
def staff(db):
    return f.UserFactory(
        username="zhang", display_name="张三", role="authority_staff", authority=f.AuthorityFactory()
    )


def login(client: Client, username: str, password: str, path: str = "/login/", ip: str = "10.1.2.3"):
    return client.post(
        path, {"username": username, "password": password}, headers={"User-Agent": UA}, REMOTE_ADDR=ip
    )


def events():
    return list(LoginEvent.objects.order_by("id").values_list("username", "success", "reason"))


REFUSED = (
    "用户名或密码错误。在同一台电脑上连续输错 {n} 次,账号在该电脑上将锁定 {m} 分钟;如需提前解锁请联系管理员"
)


@pytest.fixture(autouse=True)
def _no_address_throttle(settings):
    """These tests are about the per-account lock; the per-address throttle has its own tests."""
    settings.DUDAO_LOGIN_ADDRESS_FREE_FAILURES = 1000


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
    assert "在同一台电脑上连续输错密码 5 次,账号在该电脑上将锁定 15 分钟" in html


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
    assert LoginLock.objects.get(user=staff).failures == 1


@pytest.mark.django_db
def test_lockout_after_max_failures_and_locked_attempts_are_refused(client, staff, settings):
    settings.DUDAO_LOGIN_MAX_FAILURES = 3
    settings.DUDAO_LOGIN_LOCK_MINUTES = 10
    audit_before = AuditEvent.objects.count()
    message = REFUSED.format(n=3, m=10)
    for _ in range(2):
        assert refusal(login(client, "zhang", "bad")) == message
    assert refusal(login(client, "zhang", "bad")) == message  # this one locks
    lock = LoginLock.objects.get(user=staff)
    assert lock.failures == 3
    assert (
        timezone.now() + dt.timedelta(minutes=9)
        < lock.locked_until
        <= timezone.now() + dt.timedelta(minutes=10)
    )
    # Even the right password is refused while locked, with the same words as a wrong one.
    response = login(client, "zhang", PASSWORD)
    assert refusal(response) == message
    assert "_auth_user_id" not in client.session
    assert events()[-2:] == [("zhang", False, "bad_password"), ("zhang", False, "locked")]
    locks = AuditEvent.objects.filter(action="accounts.user.lock")
    # Three failures, the lock, the refused attempt while locked: each in the audit chain (SEC-1).
    assert AuditEvent.objects.count() == audit_before + 5
    assert AuditEvent.objects.filter(action="accounts.session.login_failed").count() == 4
    assert locks.get().object_id == str(staff.pk)
    assert (locks.get().after["failures"], locks.get().after["ip"]) == (3, "10.1.2.3")


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
    assert LoginLock.objects.get(user__username="locked_one").locked_until is not None
    assert User.objects.filter(username="nobody").exists() is False


@pytest.mark.django_db
def test_lock_runs_out_and_success_clears_the_address_counter(client, staff, settings):
    settings.DUDAO_LOGIN_MAX_FAILURES = 2
    login(client, "zhang", "bad")
    login(client, "zhang", "bad")
    lock = LoginLock.objects.get(user=staff)
    assert (lock.ip, lock.failures) == ("10.1.2.3", 2)
    LoginLock.objects.filter(pk=lock.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert login(client, "zhang", PASSWORD).status_code == 302
    assert not LoginLock.objects.filter(user=staff).exists()


@pytest.mark.django_db
def test_one_failure_after_lock_expiry_does_not_lock_again(client, staff, settings):
    settings.DUDAO_LOGIN_MAX_FAILURES = 2
    login(client, "zhang", "bad")
    login(client, "zhang", "bad")
    LoginLock.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert "用户名或密码错误" in login(client, "zhang", "bad").content.decode()
    lock = LoginLock.objects.get(user=staff)
    assert (lock.failures, lock.locked_until) == (1, None)


@pytest.mark.django_db
def test_lock_from_one_address_does_not_lock_out_another(staff, settings):
    """Probe repeated (issue 8 §4): five wrong passwords from one address locked the real user out
    everywhere. Now only that address is locked; the user still signs in from their own machine."""
    attacker, owner = Client(), Client()
    for _ in range(5):
        login(attacker, "zhang", "bad", ip="10.9.9.9")
    assert LoginLock.objects.get(user=staff, ip="10.9.9.9").locked_until is not None
    assert refusal(login(attacker, "zhang", PASSWORD, ip="10.9.9.9")) == REFUSED.format(n=5, m=15)
    response = login(owner, "zhang", PASSWORD, ip="10.1.2.3")
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(staff.pk)


@pytest.mark.django_db
def test_four_failures_do_not_lock_the_fifth_does(client, staff):
    for _ in range(4):
        login(client, "zhang", "bad")
    assert LoginLock.objects.get(user=staff).locked_until is None
    login(client, "zhang", "bad")
    assert LoginLock.objects.get(user=staff).locked_until is not None


@pytest.mark.django_db
def test_admin_login_page_sends_users_to_the_login_page(staff):
    """The admin has no password form of its own (it would bypass the second factor)."""
    response = Client().get("/admin/login/?next=/admin/accounts/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/accounts/"
    response = Client().post("/admin/login/", {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 302
    assert LoginEvent.objects.count() == 0


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
