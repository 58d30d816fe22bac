"""Counters shared by every worker: failed logins per address with progressive delays (Django's cache, a
database table by default), API requests per token per minute (their own table, SEC-2) and anonymous
requests per address and window (their own table: the public look-ups, issue 11 Performance)."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from dudao.common.errors import ApplicationError

from .domain import throttle_delay_seconds
from .models import AddressRateCounter, ApiRateCounter

# A quiet address is forgotten this long after its last failure.
ADDRESS_MEMORY_SECONDS = 3600


class TooManyRequests(ApplicationError):
    """429 with Retry-After: the caller must wait `retry_after` seconds."""

    code = "too_many_requests"
    status = 429
    default_message = "请求过于频繁,请稍后再试"

    def __init__(self, message: str | None = None, *, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, detail={"retry_after": self.retry_after})
        self.headers = {"Retry-After": str(self.retry_after)}


def _address_key(ip: str | None) -> str:
    return f"dudao:login-fail:{ip or 'unknown'}"


def _now() -> float:
    return timezone.now().timestamp()


def address_wait_seconds(ip: str | None) -> int:
    """Whole seconds the address must still wait before its next login attempt is processed (0: now)."""
    state = cache.get(_address_key(ip))
    if not state:
        return 0
    delay = throttle_delay_seconds(
        state["failures"],
        free=settings.DUDAO_LOGIN_ADDRESS_FREE_FAILURES,
        cap=settings.DUDAO_LOGIN_ADDRESS_MAX_DELAY,
    )
    remaining = state["last"] + delay - _now()
    return max(0, math.ceil(remaining))


def address_failed(ip: str | None) -> int:
    """Count one failed login from the address (any user name); returns its failures so far."""
    key = _address_key(ip)
    state = cache.get(key) or {"failures": 0, "last": 0.0}
    state = {"failures": state["failures"] + 1, "last": _now()}
    cache.set(key, state, timeout=ADDRESS_MEMORY_SECONDS + settings.DUDAO_LOGIN_ADDRESS_MAX_DELAY)
    return state["failures"]


def token_request(token_id: int) -> None:
    """Count one API request for the token in the current minute; raise TooManyRequests over the budget.

    One upsert per request (the cache would cost a dozen queries: its cull check counts the whole table on
    every write); a token's first request of a minute prunes its older minutes."""
    limit = max(1, int(settings.DUDAO_TOKEN_RATE_PER_MINUTE))
    now = _now()
    minute = int(now // 60)
    table = connection.ops.quote_name(ApiRateCounter._meta.db_table)
    # the table name is the model's own; every value is a parameter
    upsert = (
        f"INSERT INTO {table} (token_id, minute, count) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (token_id, minute) DO UPDATE SET count = {table}.count + 1 RETURNING count"
    )
    with connection.cursor() as cursor:
        _execute(cursor, upsert, [token_id, minute])
        count = cursor.fetchone()[0]
        if count == 1:
            prune = f"DELETE FROM {table} WHERE token_id = %s AND minute < %s"  # noqa: S608
            _execute(cursor, prune, [token_id, minute - 1])
    if count > limit:
        raise TooManyRequests(
            f"该令牌请求过于频繁(每分钟最多 {limit} 次),请 {math.ceil((minute + 1) * 60 - now)} 秒后再试",
            retry_after=math.ceil((minute + 1) * 60 - now),
        )


def _execute(cursor, sql: str, params: list) -> None:
    """Run one counter statement (an upsert … RETURNING count, or a prune).

    PostgreSQL outside a transaction: the statement goes with `SET LOCAL synchronous_commit TO OFF` in one
    query string, which the server runs as one transaction, so its commit does not wait for the disk. A crash
    may lose the last fraction of a second of counts (nothing else: the data stays consistent), while a
    flush per request would cap every public look-up at the disk's flush rate. Inside a transaction the
    statement commits (or rolls back) with it, as any other write."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        cursor.execute("SET LOCAL synchronous_commit TO OFF; " + sql, params)
        cursor.nextset()  # past the SET's result to the statement's
    else:
        cursor.execute(sql, params)


def address_request(ip: str | None, bucket: str, *, limit: int, window_seconds: int = 3600) -> None:
    """Count one anonymous request of a kind (`bucket`) from an address in the current window; refuse
    (429, Retry-After) beyond `limit`. For public writes and lookups that need no account.

    One upsert per request (the database cache cost seven statements and two commits, and counted its whole
    table on every write); an address's first request of a window prunes every window that has ended."""
    now = _now()
    ends = (int(now // window_seconds) + 1) * window_seconds
    table = connection.ops.quote_name(AddressRateCounter._meta.db_table)
    # the table name is the model's own; every value is a parameter
    upsert = (
        f"INSERT INTO {table} (bucket, address, ends, count) VALUES (%s, %s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (bucket, address, ends) DO UPDATE SET count = {table}.count + 1 RETURNING count"
    )
    with connection.cursor() as cursor:
        _execute(cursor, upsert, [bucket, (ip or "unknown")[:64], ends])
        count = cursor.fetchone()[0]
        if count == 1:
            _execute(cursor, f"DELETE FROM {table} WHERE ends <= %s", [int(now)])  # noqa: S608
    if count > limit:
        wait = math.ceil(ends - now)
        raise TooManyRequests(f"本网络提交过于频繁,请 {math.ceil(wait / 60)} 分钟后再试", retry_after=wait)
