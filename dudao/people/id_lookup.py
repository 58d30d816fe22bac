"""Exact ID-number lookups by readers without the reveal right are metered and audited (SEC-3, issue 8 §2).

Such a reader sees a person's number masked (`360121********6792`) and the birth year only, which leaves
about 33 full numbers that fit. Searching by a full number would confirm the right one, so every distinct
full number such a reader looks up is counted (DUDAO_ID_LOOKUP_LIMIT per rolling hour, default 20) and
written to the audit log masked: rebuilding one person's number takes hours and shows in the log.
Repeating a number already looked up in the hour costs nothing (paging a result list is not an attack).
Holders of the reveal right see full numbers anyway and are not metered. Registering a person (or changing
a person's number) counts too, since a refusal as already registered confirms a number; an import counts
the numbers of its file that are already registered. The count lives outside the database
(`CACHES["id_lookup"]`), so a refused registration or import keeps it although its transaction (and the
audit rows of its lookups) rolls back: probing by refused registrations is limited like searching.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from dudao.accounts.permissions import can_reveal_pii
from dudao.accounts.throttle import TooManyRequests
from dudao.common import audit, pii

from . import domain

WINDOW_SECONDS = 3600
LIMIT_MESSAGE = "按完整身份证号查询过于频繁,请稍后再试;如需核对身份证号,请联系本级人社部门管理员"


def full_id_number(value: str) -> str | None:
    """The normalised number when `value` is a complete 18-character resident ID, else None."""
    number = domain.normalise_id_number(value or "")
    if len(number) == 18 and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X"):
        return number
    return None


def lookup_indexes(user, value: str) -> list[str] | None:
    """Blind indexes to search for `value` when it is a full ID number (metered for non-reveal readers)."""
    number = full_id_number(value)
    if number is None:
        return None
    meter(user, number)
    return pii.blind_index_candidates(number)


def meter(user, number: str) -> None:
    """Count a distinct number against the reader's hourly allowance; refuse (429) beyond it, audit each.

    Also called before registering a person under a number: "该身份证号已登记" would otherwise confirm a
    candidate number. Holders of the reveal right are not metered."""
    if can_reveal_pii(user):
        return
    key = f"dudao:id-lookup:{getattr(user, 'pk', None) or 'anonymous'}"
    now = timezone.now().timestamp()
    digest = pii.blind_index_candidates(number)[0]
    store = caches["id_lookup"]  # not rolled back with a refused write (settings.CACHES)
    seen = {d: t for d, t in (store.get(key) or {}).items() if now - t < WINDOW_SECONDS}
    if digest in seen:
        return
    limit = settings.DUDAO_ID_LOOKUP_LIMIT
    if len(seen) >= limit:
        oldest = min(seen.values())
        raise TooManyRequests(LIMIT_MESSAGE, retry_after=int(oldest + WINDOW_SECONDS - now) + 1)
    seen[digest] = now
    store.set(key, seen, timeout=WINDOW_SECONDS)
    with transaction.atomic():
        audit.record(
            actor=user,
            action="people.person.id_lookup",
            object_type="people.person",
            object_label=domain.mask_id_number(number),
            after={"id_number": domain.mask_id_number(number), "lookups_this_hour": len(seen)},
        )


def meter_registered(user, numbers: Iterable[str], taken: Collection[str]) -> None:
    """Meter the numbers of an import that are already registered (their blind indexes are in `taken`):
    the import would confirm each of them, as a search would. New numbers confirm nothing and are free."""
    for number in dict.fromkeys(numbers):
        if any(c in taken for c in pii.blind_index_candidates(number)):
            meter(user, number)
