"""Sortable list columns: a whitelisted `?sort=key` / `?sort=-key` in the query string.

Each list declares the keys its users may sort by and the ORM fields behind them; any other value
(a field name, `password`, `-`, a 10 kB string) is ignored and the list keeps its own order, never a 500.
The header tag `{% sort_th "key" "标题" %}` (`{% load sorting %}`) links to the other direction and shows
an arrow on the active column; filters stay in the link and the page goes back to 1, while the
pagination links (qs_replace) carry the sort on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import F, QuerySet

SORT_PARAM = "sort"

# key → one ORM path or several (ties broken by the next); "-" in front of the key means descending.
SortFields = Mapping[str, str | Sequence[str]]


def parse_sort(raw: Any, allowed: SortFields) -> tuple[str, bool] | None:
    """`"-name"` → ("name", True) when `name` is whitelisted; None for anything else."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    descending = raw.startswith("-")
    key = raw[1:] if descending else raw
    if not key or key not in allowed:
        return None
    return key, descending


def order_by_sort(queryset: QuerySet, raw: Any, allowed: SortFields) -> QuerySet:
    """Order `queryset` by a whitelisted sort key (empty values last either way, id breaks ties so that
    pages do not overlap); an unknown key leaves the queryset's own order untouched."""
    parsed = parse_sort(raw, allowed)
    if parsed is None:
        return queryset
    key, descending = parsed
    paths = allowed[key]
    paths = [paths] if isinstance(paths, str) else list(paths)
    ordering = [
        F(path).desc(nulls_last=True) if descending else F(path).asc(nulls_last=True) for path in paths
    ]
    ordering.append(F("pk").desc() if descending else F("pk").asc())
    return queryset.order_by(*ordering)


def sort_list(request, queryset: QuerySet, allowed: SortFields) -> QuerySet:
    """The list's queryset ordered as the query string asks (see order_by_sort)."""
    return order_by_sort(queryset, request.GET.get(SORT_PARAM), allowed)
