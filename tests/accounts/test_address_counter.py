"""Anonymous requests per address and window (the public pages and API): one upsert per request in their own
table (issue 11 Performance), the budget on both sides, a new window, pruning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from dudao.accounts import throttle
from dudao.accounts.models import AddressRateCounter
from dudao.accounts.throttle import TooManyRequests
from tests.clock import FROZEN_NOW  # 2026-12-03 10:00 CST: an hour starts (Unix time divisible by 3600)

HOUR = 3600


def ask(ip: str = "10.1.1.1", bucket: str = "certificate-lookup", limit: int = 3) -> None:
    throttle.address_request(ip, bucket, limit=limit)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(FROZEN_NOW, tick=False)
    return time_machine


def counts() -> dict[tuple[str, str, int], int]:
    rows = AddressRateCounter.objects.values_list("bucket", "address", "ends", "count")
    return {(b, a, e): c for b, a, e, c in rows}


@pytest.mark.django_db
def test_the_budget_is_reached_exactly_then_refused_with_retry_after():
    for _ in range(3):
        ask()  # the third is the last one within the budget
    with pytest.raises(TooManyRequests) as refused:
        ask()
    assert refused.value.retry_after == HOUR  # the window began at FROZEN_NOW
    assert refused.value.headers == {"Retry-After": "3600"}
    ends = int(FROZEN_NOW.timestamp()) + HOUR
    assert counts() == {("certificate-lookup", "10.1.1.1", ends): 4}  # a refused request counts too
    ask(ip="10.1.1.2")  # another address
    ask(bucket="exam-lookup")  # another kind of request
    ask(ip=None)  # no address known: one shared budget
    assert counts() == {
        ("certificate-lookup", "10.1.1.1", ends): 4,
        ("certificate-lookup", "10.1.1.2", ends): 1,
        ("exam-lookup", "10.1.1.1", ends): 1,
        ("certificate-lookup", "unknown", ends): 1,
    }


@pytest.mark.django_db
def test_a_window_ends_on_the_second_and_the_next_one_prunes_it(frozen):
    start = FROZEN_NOW
    ask(limit=1)
    ask(ip="10.1.1.2", limit=1)
    frozen.move_to(start + dt.timedelta(seconds=HOUR - 0.5), tick=False)  # half a second left
    with pytest.raises(TooManyRequests) as refused:
        ask(limit=1)
    assert refused.value.retry_after == 1
    frozen.move_to(start + dt.timedelta(seconds=HOUR), tick=False)  # the next window
    ask(limit=1)
    ends = int(start.timestamp()) + 2 * HOUR
    assert counts() == {("certificate-lookup", "10.1.1.1", ends): 1}  # every ended window is gone


@pytest.mark.django_db
def test_longer_windows_count_apart_from_hourly_ones():
    throttle.address_request("10.1.1.1", "daily", limit=1, window_seconds=24 * HOUR)
    with pytest.raises(TooManyRequests) as refused:
        throttle.address_request("10.1.1.1", "daily", limit=1, window_seconds=24 * HOUR)
    day_ends = (int(FROZEN_NOW.timestamp()) // (24 * HOUR) + 1) * 24 * HOUR
    assert refused.value.retry_after == day_ends - int(FROZEN_NOW.timestamp())
    assert counts() == {("daily", "10.1.1.1", day_ends): 2}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_each_count_stands_alone():
    """Outside a transaction each count commits at once (on PostgreSQL without waiting for the disk, and
    the setting ends with the statement); inside one it commits or rolls back with it."""
    ask()
    ask()
    assert AddressRateCounter.objects.get().count == 2
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    with transaction.atomic():
        ask()
        transaction.set_rollback(True)
    assert AddressRateCounter.objects.get().count == 2
