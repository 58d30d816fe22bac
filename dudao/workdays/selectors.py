"""Reads of the workdays app: the effective calendar = shipped arrangements overlaid by database rows.

The calendar is public information (no data scope). It is cached per process and keyed on a cheap
aggregate of the table (row count, latest `updated_at`, sum of `row_version`), so a save in any
process is seen by every other process on its next read without shared state. Without a usable
database (CLI on a fresh machine, missing SQLite file, unmigrated schema) only the shipped file
is used.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Count, Max, Sum

from .domain import Calendar, YearArrangement, validate_arrangement
from .models import OfficialArrangement

SHIPPED_FILE = "arrangements.json"


@dataclass(frozen=True)
class ArrangementRow:
    """One year's effective arrangement and where it comes from (`file` shipped, `db` loaded by admins)."""

    year: int
    confirmed: bool
    source: str
    days_off: list[dt.date]
    workdays: list[dt.date]
    origin: str
    row_version: int | None = None
    updated_at: dt.datetime | None = None

    def as_arrangement(self) -> YearArrangement:
        return YearArrangement(
            self.year, frozenset(self.days_off), frozenset(self.workdays), self.confirmed, self.source
        )


def parse_document(doc: Any) -> list[dict[str, Any]]:
    """The arrangement records of a JSON document: one record, a list, or `{"arrangements": [...]}`."""
    if isinstance(doc, dict) and "arrangements" in doc:
        doc = doc["arrangements"]
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list) or not all(isinstance(item, dict) for item in doc):
        raise ValueError("arrangement document must be an object, a list of objects or {arrangements: [...]}")
    return doc


def _row(arrangement: YearArrangement, origin: str, row_version=None, updated_at=None) -> ArrangementRow:
    return ArrangementRow(
        year=arrangement.year,
        confirmed=arrangement.confirmed,
        source=arrangement.source,
        days_off=sorted(arrangement.days_off),
        workdays=sorted(arrangement.workdays),
        origin=origin,
        row_version=row_version,
        updated_at=updated_at,
    )


@lru_cache(maxsize=1)
def shipped_rows() -> tuple[ArrangementRow, ...]:
    """The arrangements shipped in the package (`dudao/workdays/data/arrangements.json`), validated."""
    text = resources.files("dudao.workdays").joinpath("data", SHIPPED_FILE).read_text(encoding="utf-8")
    rows = []
    for record in parse_document(json.loads(text)):
        arrangement = validate_arrangement(
            year=record["year"],
            days_off=record.get("days_off", []),
            workdays=record.get("workdays", []),
            confirmed=record.get("confirmed", True),
            source=record.get("source", ""),
        )
        rows.append(_row(arrangement, "file"))
    return tuple(rows)


def database_usable() -> bool:
    """False when the configured SQLite file does not exist (do not create one as a side effect)."""
    if connection.vendor != "sqlite":
        return True
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return True
    return os.path.exists(name)


def _cache_key() -> tuple | None:
    """One aggregate query that changes whenever a row is added, edited or deleted; None without a DB."""
    if not database_usable():
        return None
    try:
        agg = OfficialArrangement.objects.aggregate(
            n=Count("id"), latest=Max("updated_at"), versions=Sum("row_version")
        )
    except DatabaseError:
        return None
    return (agg["n"], agg["latest"], agg["versions"])


def database_ready() -> bool:
    """True when the arrangement table can be read (database configured and migrated)."""
    return _cache_key() is not None


def _database_rows() -> list[ArrangementRow]:
    rows = []
    for obj in OfficialArrangement.objects.order_by("year"):
        arrangement = validate_arrangement(
            year=obj.year,
            days_off=obj.days_off,
            workdays=obj.workdays,
            confirmed=obj.confirmed,
            source=obj.source,
        )
        rows.append(_row(arrangement, "db", obj.row_version, obj.updated_at))
    return rows


@dataclass(frozen=True)
class _State:
    key: tuple | None
    rows: tuple[ArrangementRow, ...]
    calendar: Calendar


_lock = threading.Lock()
_state: _State | None = None


def clear_cache() -> None:
    """Forget this process's cached calendar (after a save; other processes notice via the cache key)."""
    global _state
    with _lock:
        _state = None


def _current() -> _State:
    global _state
    key = _cache_key()
    state = _state
    if state is not None and state.key == key:
        return state
    merged = {row.year: row for row in shipped_rows()}
    if key is not None and key[0]:
        merged.update({row.year: row for row in _database_rows()})  # a DB row overrides the file
    rows = tuple(merged[y] for y in sorted(merged))
    state = _State(key, rows, Calendar.from_arrangements(r.as_arrangement() for r in rows))
    with _lock:
        _state = state
    return state


def calendar() -> Calendar:
    """The effective working-day calendar (CAL-1…4)."""
    return _current().calendar


def calendar_and_arrangements() -> tuple[Calendar, list[ArrangementRow]]:
    """Both, from one cache check (pages that show the years and compute with them)."""
    state = _current()
    return state.calendar, list(state.rows)


def arrangement_list() -> list[ArrangementRow]:
    """Every year with an arrangement (shipped or loaded), by year."""
    return list(_current().rows)


def arrangement_get(year: int) -> ArrangementRow | None:
    return next((row for row in _current().rows if row.year == year), None)
