"""Per-address throttling of failed logins with progressive delays (SEC-2, issue 8 §4)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from dudao.accounts import domain, throttle
from dudao.accounts.models import LoginEvent
from tests import factories as f
from tests.clock import FROZEN_NOW

PASSWORD = "Dudao#2026"


def attempt(username: str, password: str = "bad", ip: str = "10.6.6.6"):
    return Client().post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def processed() -> int:
    return LoginEvent.objects.exclude(reason="throttled").count()


@pytest.mark.django_db
def test_thirty_failures_in_six_seconds_are_mostly_refused_unprocessed():
    """Probe repeated: 30 failures against unknown names in 6 s all went through. Now the first 5 are
    checked, then the address waits 1, 2, 4 … s: 7 of the 30 are processed, 23 refused unchecked."""
    start = FROZEN_NOW + dt.timedelta(hours=1)
    for i in range(30):
        with time_machine.travel(start + dt.timedelta(seconds=0.2 * i), tick=False):
            attempt(f"ghost{i}")
    assert LoginEvent.objects.count() == 30
    assert processed() == 7
    assert LoginEvent.objects.filter(reason="throttled").count() == 23


@pytest.mark.django_db
def test_throttled_answer_is_chinese_and_the_same_for_known_and_unknown_names():
    f.UserFactory(username="zhang")
    start = FROZEN_NOW + dt.timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        for i in range(5):
            attempt(f"ghost{i}")
        known, unknown = attempt("zhang", PASSWORD), attempt("ghost9")
    for response in (known, unknown):
        assert response.status_code == 200
        assert "登录尝试过于频繁,请 1 秒后再试" in response.content.decode()
    # The right password was not even checked: nobody is signed in.
    assert "_auth_user_id" not in Client().session


@pytest.mark.django_db
def test_delay_boundary_both_sides():
    """After the 6th failure the address waits 2 s: at 1.9 s refused, at 2.0 s processed."""
    start = FROZEN_NOW + dt.timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        for i in range(5):
            attempt(f"ghost{i}")
    with time_machine.travel(start + dt.timedelta(seconds=1), tick=False):
        attempt("ghost5")  # the 6th failure, processed after the 1 s wait
    assert processed() == 6
    with time_machine.travel(start + dt.timedelta(seconds=2.9), tick=False):
        attempt("ghost6")
    assert processed() == 6
    with time_machine.travel(start + dt.timedelta(seconds=3), tick=False):
        attempt("ghost7")
    assert processed() == 7


@pytest.mark.django_db
def test_other_addresses_are_not_throttled():
    f.UserFactory(username="zhang")
    start = FROZEN_NOW + dt.timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        for i in range(10):
            attempt(f"ghost{i}", ip="10.6.6.6")
        client = Client()
        response = client.post("/login/", {"username": "zhang", "password": PASSWORD}, REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 302
    assert throttle.address_wait_seconds("10.7.7.7") == 0
    assert throttle.address_wait_seconds("10.6.6.6") > 0


def test_delay_doubles_after_the_free_failures_up_to_the_cap():
    delays = [domain.throttle_delay_seconds(n, free=5, cap=300) for n in range(1, 16)]
    assert delays == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
