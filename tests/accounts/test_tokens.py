"""API tokens (SEC-2): expiry (default 90 days, per token), scope (read-only refused on writes with a
Chinese 403), per-token rate limit (Chinese 429 with Retry-After), `dudao create-token` options."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from dudao.accounts import services
from dudao.accounts.models import ApiToken
from tests.clock import FROZEN_NOW

ME = "/api/v1/accounts/me"
TOKENS = "/api/v1/accounts/tokens"
START = FROZEN_NOW + dt.timedelta(hours=1)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db
def test_token_expires_after_ninety_days_by_default_both_sides(users):
    with time_machine.travel(START, tick=False):
        token, key = services.token_create(actor=users["authority_staff"], name="x")
    assert token.expires_at == START + dt.timedelta(days=90)
    with time_machine.travel(START + dt.timedelta(days=90) - dt.timedelta(seconds=1), tick=False):
        assert Client().get(ME, headers=bearer(key)).status_code == 200
    with time_machine.travel(START + dt.timedelta(days=90), tick=False):
        response = Client().get(ME, headers=bearer(key))
    assert response.status_code == 401
    assert response.json()["message"] == "请先登录"


@pytest.mark.django_db
def test_lifetime_is_chosen_per_token_within_one_to_365_days(users, client_as):
    client = client_as(users["authority_staff"])
    response = client.post(TOKENS, {"name": "短期", "days": 7}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    created = dt.datetime.fromisoformat(body["created_at"])
    assert abs(dt.datetime.fromisoformat(body["expires_at"]) - created - dt.timedelta(days=7)) < dt.timedelta(
        seconds=1
    )
    assert body["scope"] == "read"
    for days in (0, 366):
        response = client.post(TOKENS, {"name": "x", "days": days}, content_type="application/json")
        assert response.status_code == 422
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_read_only_token_reads_but_is_refused_on_every_write_method(users):
    token, key = services.token_create(actor=users["authority_staff"], name="只读")
    client = Client()
    assert client.get(ME, headers=bearer(key)).status_code == 200
    before = ApiToken.objects.count(), ApiToken.objects.filter(revoked=True).count()
    writes = [
        ("post", TOKENS),
        ("put", "/api/v1/workdays/arrangements/2027"),
        ("patch", "/api/v1/people/persons/1"),
        ("delete", f"{TOKENS}/{token.pk}"),
    ]
    for method, path in writes:
        response = getattr(client, method)(
            path, data=json.dumps({"name": "y"}), content_type="application/json", headers=bearer(key)
        )
        assert response.status_code == 403, method
        assert response.json() == {
            "code": "token_read_only",
            "message": "该令牌为只读令牌,不能执行新增、修改或删除操作;请使用读写令牌",
            "detail": None,
        }
    assert (ApiToken.objects.count(), ApiToken.objects.filter(revoked=True).count()) == before


@pytest.mark.django_db
def test_read_write_token_may_write(users):
    token, key = services.token_create(actor=users["authority_staff"], name="读写", scope="read_write")
    response = Client().delete(f"{TOKENS}/{token.pk}", headers=bearer(key))
    assert response.status_code == 204


@pytest.mark.django_db
def test_rate_limit_per_token_with_chinese_429_and_retry_after(users, settings):
    settings.DUDAO_TOKEN_RATE_PER_MINUTE = 5
    _, key = services.token_create(actor=users["authority_staff"], name="a")
    _, other = services.token_create(actor=users["authority_staff"], name="b")
    at = START + dt.timedelta(seconds=15)  # 45 s left in this minute
    with time_machine.travel(at, tick=False):
        statuses = [Client().get(ME, headers=bearer(key)).status_code for _ in range(5)]
        refused = Client().get(ME, headers=bearer(key))
        assert Client().get(ME, headers=bearer(other)).status_code == 200  # budgets are per token
    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json() == {
        "code": "too_many_requests",
        "message": "该令牌请求过于频繁(每分钟最多 5 次),请 45 秒后再试",
        "detail": {"retry_after": 45},
    }
    with time_machine.travel(at + dt.timedelta(seconds=45), tick=False):
        assert Client().get(ME, headers=bearer(key)).status_code == 200  # a new minute


@pytest.mark.django_db
def test_last_used_time_is_recorded(users):
    token, key = services.token_create(actor=users["authority_staff"], name="a")
    with time_machine.travel(START, tick=False):
        Client().get(ME, headers=bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == START


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_token_command_scope_days_list_and_revoke(users):
    key = run("create-token", "auth_staff", "--name", "脚本", "--scope", "read_write", "--days", "30").strip()
    token = ApiToken.objects.get(name="脚本")
    assert (token.scope, key[4:12]) == ("read_write", token.prefix)
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=30)) < dt.timedelta(seconds=1)
    listing = run("create-token", "auth_staff", "--list")
    assert f"{token.pk}\t{token.prefix}…\t读写\t" in listing and "有效\t脚本" in listing
    assert run("create-token", "auth_staff", "--revoke", str(token.pk)).strip() == f"已吊销令牌 {token.pk}"
    token.refresh_from_db()
    assert token.revoked


@pytest.mark.django_db
def test_last_used_time_is_kept_to_the_minute_and_old_budget_minutes_are_pruned(users):
    from dudao.accounts.models import ApiRateCounter

    token, key = services.token_create(actor=users["authority_staff"], name="a")
    with time_machine.travel(START, tick=False):
        Client().get(ME, headers=bearer(key))
    with time_machine.travel(START + dt.timedelta(seconds=59), tick=False):
        Client().get(ME, headers=bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == START  # within the minute: not rewritten
    with time_machine.travel(START + dt.timedelta(seconds=60), tick=False):
        Client().get(ME, headers=bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == START + dt.timedelta(seconds=60)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        Client().get(ME, headers=bearer(key))
    minutes = sorted(ApiRateCounter.objects.filter(token=token).values_list("minute", flat=True))
    assert minutes == [int((START + dt.timedelta(minutes=5)).timestamp() // 60)]
