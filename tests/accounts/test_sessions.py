"""Session limits (SEC-2): idle timeout (DUDAO_SESSION_IDLE_MINUTES, default 30) and the 8 h absolute
limit, both tested on each side of the boundary; session ends are audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from dudao.common.models import AuditEvent
from tests import factories as f
from tests.clock import FROZEN_NOW

PASSWORD = "Dudao#2026"
START = FROZEN_NOW + dt.timedelta(hours=3)


@pytest.fixture
def client(db):
    f.UserFactory(username="zhang", role="authority_staff", authority=f.AuthorityFactory())
    client = Client()
    with time_machine.travel(START, tick=False):
        assert client.post("/login/", {"username": "zhang", "password": PASSWORD}).status_code == 302
    return client


def get_at(client: Client, at: dt.datetime, path: str = "/"):
    with time_machine.travel(at, tick=False):
        return client.get(path)


@pytest.mark.django_db
def test_idle_exactly_thirty_minutes_is_still_signed_in(client):
    assert get_at(client, START + dt.timedelta(minutes=30)).status_code == 200


@pytest.mark.django_db
def test_idle_just_over_thirty_minutes_is_signed_out_and_audited(client):
    response = get_at(client, START + dt.timedelta(minutes=30, seconds=1))
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="accounts.session.logout")
    assert event.after["reason"] == "idle_timeout"
    page = client.get("/login/").content.decode()
    assert "长时间未操作,已自动退出,请重新登录" in page


@pytest.mark.django_db
def test_activity_keeps_the_session_alive(client):
    for minutes in (20, 40, 60):
        assert get_at(client, START + dt.timedelta(minutes=minutes)).status_code == 200


@pytest.mark.django_db
def test_idle_minutes_come_from_the_setting(client, settings):
    settings.DUDAO_SESSION_IDLE_MINUTES = 5
    assert get_at(client, START + dt.timedelta(minutes=5)).status_code == 200
    assert get_at(client, START + dt.timedelta(minutes=10, seconds=1)).status_code == 302


@pytest.mark.django_db
def test_absolute_limit_eight_hours_both_sides(client, settings):
    settings.DUDAO_SESSION_IDLE_MINUTES = 600  # stay active but never idle out
    # Activity at 5 h moves Django's own cookie expiry past 8 h: the 8 h limit below is ours.
    assert get_at(client, START + dt.timedelta(hours=5)).status_code == 200
    assert get_at(client, START + dt.timedelta(hours=8) - dt.timedelta(seconds=1)).status_code == 200
    response = get_at(client, START + dt.timedelta(hours=8))
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="accounts.session.logout").after["reason"] == "absolute_timeout"


@pytest.mark.django_db
def test_api_with_an_idle_session_answers_401_in_chinese(client):
    response = get_at(client, START + dt.timedelta(minutes=31), "/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "长时间未操作,已自动退出,请重新登录",
        "detail": None,
    }


@pytest.mark.django_db
def test_logout_is_audited(client):
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        client.post("/logout/")
    assert AuditEvent.objects.get(action="accounts.session.logout").after["reason"] == "logout"
