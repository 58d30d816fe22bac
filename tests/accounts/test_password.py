"""Password policy, first-login change and the change-password page (SEC-2)."""

from __future__ import annotations

import pytest
from django.test import Client

from dudao.accounts import domain, services
from dudao.accounts.models import Role, User
from dudao.common.errors import ValidationFailed
from dudao.common.models import AuditEvent
from tests import factories as f

PASSWORD = "Dudao#2026"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Abcdefgh1!", True),  # 10 characters, 4 classes
        ("abcdefgh12", False),  # 2 classes
        ("Abcdefgh12", True),  # 3 classes
        ("Abcdefg1!", False),  # 9 characters
        ("abcdefgh!2", True),  # lower, symbol, digit
        ("ABCDEFGH!2", True),
    ],
)
def test_length_and_character_classes(password, ok):
    assert (domain.password_problems(password) == []) is ok


def test_password_must_not_contain_the_user_name():
    assert domain.password_problems("Zhangsan#2026", "zhangsan") == ["密码不能包含用户名"]
    assert domain.password_problems("Lisi##2026x", "zhangsan") == []


def test_the_demo_password_meets_the_policy():
    for username in ("demo_admin", "demo_security_admin", "demo_examiner"):
        assert domain.password_problems(PASSWORD, username) == []


@pytest.mark.django_db
def test_user_create_refuses_a_weak_password_in_chinese():
    with pytest.raises(ValidationFailed) as caught:
        services.user_create(actor=None, username="weak", password="short1", role=Role.SYSTEM_ADMIN)
    assert caught.value.detail["password"][0] == "密码长度不能少于 10 位"


@pytest.mark.django_db
def test_created_users_change_their_password_at_first_login():
    user = services.user_create(
        actor=None, username="newbie", password="Initial#2026", role=Role.EXAMINER, person=f.PersonFactory()
    )
    assert user.must_change_password is True
    client = Client()
    client.post("/login/", {"username": "newbie", "password": "Initial#2026"})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/"
    api = client.get("/api/v1/accounts/me")
    assert api.status_code == 403
    assert api.json()["code"] == "password_change_required"
    response = client.post(
        "/accounts/password/",
        {"old_password": "Initial#2026", "new_password": "weakweak", "new_password2": "weakweak"},
    )
    assert "密码长度不能少于 10 位" in response.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": "Initial#2026", "new_password": "Mine!2026ok", "new_password2": "Mine!2026ok"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.check_password("Mine!2026ok")
    assert client.get("/").status_code == 200  # still signed in after the change
    assert AuditEvent.objects.filter(action="accounts.password.change", actor_id=user.pk).count() == 1


@pytest.mark.django_db
def test_every_user_can_change_their_password(client_as):
    user = f.UserFactory(username="zhang", role=Role.AUTHORITY_STAFF, authority=f.AuthorityFactory())
    client = client_as(user)
    assert "修改密码" in client.get("/accounts/password/").content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password": "Mine!2026ok", "new_password2": "Mine!2026ok"},
    )
    assert "原密码不正确" in response.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": "Zhang!2026x", "new_password2": "Zhang!2026x"},
    )
    assert "密码不能包含用户名" in response.content.decode()
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


@pytest.mark.django_db
def test_user_menu_links_to_password_two_factor_and_tokens(client_as):
    user = f.UserFactory(username="zhang", role=Role.AUTHORITY_STAFF, authority=f.AuthorityFactory())
    html = client_as(user).get("/").content.decode()
    for href in ('href="/accounts/password/"', 'href="/accounts/two-factor/"', 'href="/accounts/tokens/"'):
        assert href in html
