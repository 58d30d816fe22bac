"""Pre-fill hints on evaluation items from what the platform measures (issue 11 point 7: FORM-B C4.2,
C4.3; later B7/B8): one registry, item code → provider function, filled by the apps that hold the data
(their AppConfig `ready()`), so scorecards never imports them.

A provider takes the evaluation and returns None (nothing to point at) or `{"suggested_deduction": points,
"count": occurrences (optional), "note": text, "evidence": [{"label", "url"}]}`.
The evaluation page shows it next to the item while the evaluation is open; nothing is scored automatically —
the evaluators still decide and answer the item themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

logger = logging.getLogger(__name__)
Provider = Callable[[Any], "dict[str, Any] | None"]


@dataclass(frozen=True)
class _Entry:
    provider: Provider
    forms: frozenset[str]  # form ids the item code belongs to; empty = every form with that item


_REGISTRY: dict[str, _Entry] = {}


def register(item_id: str, provider: Provider, *, forms: Iterable[str] = ()) -> None:
    """Register (or replace) the provider of `item_id`, for the given form ids only when given."""
    _REGISTRY[item_id] = _Entry(provider, frozenset(forms))


def registered() -> dict[str, frozenset[str]]:
    """Item code → the form ids it is limited to (for the docs and the tests)."""
    return {item_id: entry.forms for item_id, entry in _REGISTRY.items()}


def _clean(item: Any, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        points = Decimal(str(raw.get("suggested_deduction") or 0))
    except InvalidOperation:
        points = Decimal(0)
    points = max(Decimal(0), min(points, item.max))  # an item never loses more than its max (扣完为止)
    evidence = [
        {"label": str(e.get("label", ""))[:200], "url": str(e.get("url", ""))}
        for e in raw.get("evidence") or ()
        if str(e.get("url", "")).startswith("/")  # links inside the platform only
    ]
    count = raw.get("count")
    return {
        "suggested_deduction": points,
        "count": int(count) if isinstance(count, int) else None,
        "note": str(raw.get("note", ""))[:500],
        "evidence": evidence,
    }


def suggestions(evaluation: Any) -> dict[str, dict[str, Any]]:
    """Item id → the cleaned hint of every registered provider that has something for `evaluation`."""
    form = evaluation.form
    form_id = evaluation.form_version.form_id
    found: dict[str, dict[str, Any]] = {}
    for item_id, entry in _REGISTRY.items():
        if entry.forms and form_id not in entry.forms:
            continue
        try:
            item = form.item(item_id)
        except KeyError:
            continue
        try:
            raw = entry.provider(evaluation)
        except Exception:  # a hint must never break the evaluation page: log it, show nothing
            logger.exception("prefill provider for %s failed", item_id)
            continue
        if raw:
            found[item_id] = _clean(item, raw)
    return found
