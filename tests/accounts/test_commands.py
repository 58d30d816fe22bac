"""CLI: `dudao create-token`, `dudao demo-logins`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from dudao.accounts import services
from dudao.accounts.models import ApiToken, Role
from dudao.common.models import AuditEvent
from tests import factories as f


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_token_prints_a_working_key(users):
    key = run("create-token", "auth_staff", "--name", "脚本").strip()
    token = ApiToken.objects.get()
    assert (token.user.username, token.name) == ("auth_staff", "脚本")
    response = Client().get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {key}"})
    assert response.json()["username"] == "auth_staff"
    assert AuditEvent.objects.get(action="accounts.token.create").actor_label == "system"


@pytest.mark.django_db
def test_create_token_unknown_user():
    with pytest.raises(CommandError, match="用户「nobody」不存在"):
        run("create-token", "nobody", "--name", "x")
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_demo_logins_table(authority, institution, settings):
    assert "没有演示账号" in run("demo-logins")
    password = "Dudao#2026"
    services.user_create(
        actor=None,
        username="demo_auth_admin",
        password=password,
        role=Role.AUTHORITY_ADMIN,
        authority=authority,
    )
    services.user_create(
        actor=None,
        username="demo_auth_admin2",
        password=password,
        role=Role.AUTHORITY_ADMIN,
        authority=authority,
    )
    services.user_create(
        actor=None,
        username="demo_inst",
        password=password,
        role=Role.INSTITUTION_STAFF,
        institution=institution,
    )
    f.UserFactory(username="demo_root", is_superuser=True, is_staff=True)
    f.UserFactory(username="not_demo", role=Role.EXAMINER)
    rows = json.loads(run("demo-logins", "--json"))
    assert rows == [
        {
            "username": "demo_root",
            "password": password,
            "role": "超级管理员",
            "scope": "全部数据",
            "totp_secret": "",
            "totp_now": "",
        },
        {
            "username": "demo_auth_admin",
            "password": password,
            "role": "委派机构管理员",
            "scope": "江西省职业技能鉴定指导中心",
            "totp_secret": "",
            "totp_now": "",
        },
        {
            "username": "demo_inst",
            "password": password,
            "role": "评价机构工作人员",
            "scope": institution.name,
            "totp_secret": "",
            "totp_now": "",
        },
    ]
    settings.DUDAO_DEMO_PASSWORD = "Other#2027"
    table = run("demo-logins").splitlines()
    assert table[0].split() == ["用户名", "密码", "角色", "数据范围", "动态口令密钥", "当前口令"]
    assert table[2].split() == ["demo_root", "Other#2027", "超级管理员", "全部数据"]
    assert len(table) == 5
