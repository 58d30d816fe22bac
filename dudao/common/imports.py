"""Every importable kind, and the one runner that the import pages and `dudao import` share.

A kind names its template columns and its bulk service (in the app that owns the data). The runner reads
the file (the archive guard first, then python-calamine), casts every cell, hands the good rows to the bulk
service and reports every problem of every row, each with its row, column header, the bad value (short)
and a Chinese message. Nothing is written unless every row passes; `dry_run` writes nothing at all.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

from .bulk import BulkRefused
from .errors import ApplicationError
from .excel import Column, ImportFailed, RowError, error_list, read_sheet, refuse, shown
from .upload_guard import SheetLimits

# `dudao import` reads one file at a time at the console: province-scale files (100,000 rows) are allowed,
# the ratio, cell-length and entry checks of the guard stay as for pages.
CONSOLE_LIMITS = SheetLimits(rows=200_001, columns=200, cells=4_000_000, uncompressed=512 * 1024 * 1024)
CONSOLE_MAX_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class ImportKind:
    """One importable kind: `bulk(actor=, rows=[(row, record)], dry_run=)` returns rows/created/updated."""

    name: str
    label: str  # Chinese, e.g. 评价机构
    columns: Sequence[Column]
    bulk: Callable[..., Any] | None = None
    # Kinds with a reader of their own (regions: .xlsx or CSV): run_file(actor=, data=, filename=) → counts.
    run_file: Callable[..., Mapping[str, int]] | None = None
    example_rows: Sequence[Mapping[str, Any]] = field(default=())
    # Options the kind needs beside the file, passed to `bulk` as keywords: {name: Chinese refusal when it
    # is missing} (candidates: the batch). Other kinds take none and refuse any.
    options: Mapping[str, str] = field(default_factory=dict)


# kind → "module:attribute" of its ImportKind (resolved on first use; common imports no app at load time).
KINDS: dict[str, str] = {
    "regions": "dudao.registry.imports:REGIONS",
    "occupations": "dudao.registry.imports:OCCUPATIONS",
    "institutions": "dudao.registry.imports:INSTITUTIONS",
    "venues": "dudao.registry.imports:VENUES",
    "persons": "dudao.people.imports:PERSONS",
    "supervisors": "dudao.people.imports:SUPERVISORS",
    "examiners": "dudao.people.imports:EXAMINERS",
    "candidates": "dudao.exams.imports:CANDIDATES",
}


def get_kind(name: str) -> ImportKind:
    if name not in KINDS:
        raise ApplicationError(f"未知的导入类型「{name}」,可选:{'、'.join(KINDS)}", code="unknown_kind")
    return import_string(KINDS[name].replace(":", "."))


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int
    created: int
    updated: int
    seconds: float
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "seconds": round(self.seconds, 3),
        }
        return data  # exactly these keys (the console contract), dry run or not


def _checked_options(kind: ImportKind, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The kind's options, each given; one the kind does not take is refused (before the file is read)."""
    given = {k: v for k, v in (options or {}).items() if v not in (None, "")}
    for name in given:
        if name not in kind.options:
            raise ApplicationError(f"导入{kind.label}不需要 --{name} 参数", code="unexpected_option")
    for name, message in kind.options.items():
        if name not in given:
            raise ApplicationError(message, code="missing_option")
    return given


class _DryRun(Exception):
    """Rolls back a kind whose runner writes as it checks (regions) when only a check was asked for."""


def _problems_as_errors(exc: BulkRefused, columns: Sequence[Column]) -> list[RowError]:
    headers = {c.key: c.header for c in columns}
    errors = error_list()
    for problem in exc.problems:
        errors.append(RowError(problem.row, headers.get(problem.field, ""), problem.message, problem.value))
    if exc.dropped:
        errors.dropped += exc.dropped  # type: ignore[attr-defined]
    return errors


def run(
    kind: ImportKind | str,
    data: bytes,
    *,
    actor: Any,
    dry_run: bool = False,
    filename: str = "",
    limits: SheetLimits | None = None,
    max_bytes: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Import `data` as `kind` for `actor`; ImportFailed lists every problem (nothing written). `options` are
    the kind's own (candidates: {"batch": code})."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    # Hundreds of thousands of long-lived rows and model objects: the cyclic collector would rescan them
    # again and again (a 100,000-row roster took 45 s instead of 27 s), and nothing here makes garbage
    # cycles worth collecting; re-enabled afterwards (as demo-data does).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(kind, data, actor, dry_run, filename, limits, max_bytes, options)
    finally:
        if was_enabled:
            gc.enable()


def _run(
    kind: ImportKind,
    data: bytes,
    actor: Any,
    dry_run: bool,
    filename: str,
    limits: SheetLimits | None,
    max_bytes: int | None,
    options: Mapping[str, Any] | None,
) -> ImportResult:
    started = time.perf_counter()
    extra = _checked_options(kind, options)
    if kind.run_file is not None:
        return _run_file(kind, data, actor=actor, dry_run=dry_run, filename=filename, started=started)
    parsed, errors = read_sheet(data, kind.columns, limits=limits, max_bytes=max_bytes)
    # Every row goes through the rules, those with cell errors too (a bad cell is blank to them), so that
    # one report lists every problem of every row; a rule's complaint about a cell already reported as
    # unreadable or missing is not repeated.
    rows = [(p.row, p.record) for p in parsed]
    raw = {p.row: p.raw or {} for p in parsed}
    reported = {(e.row, e.column) for e in errors}
    try:
        with transaction.atomic():
            result = kind.bulk(actor=actor, rows=rows, dry_run=dry_run or bool(errors), **extra)
    except BulkRefused as exc:
        found = _with_raw_values(_problems_as_errors(exc, kind.columns), raw, kind.columns)
        errors.extend(e for e in found if (e.row, e.column) not in reported)
    if errors:
        raise refuse(errors, kind.columns)
    return ImportResult(
        kind.name, len(parsed), result.created, result.updated, time.perf_counter() - started, dry_run
    )


def _with_raw_values(
    errors: list[RowError], raw: Mapping[int, Mapping[str, Any]], columns: Sequence[Column]
) -> list[RowError]:
    """Fill the value of an error from the cell as read when the service did not name one."""
    keys = {c.header: c.key for c in columns}
    result = error_list()
    for error in errors:
        if not error.value and error.column in keys:
            value = shown(raw.get(error.row, {}).get(keys[error.column]))
            error = RowError(error.row, error.column, error.message, value)
        result.append(error)
    result.dropped += getattr(errors, "dropped", 0)  # type: ignore[attr-defined]
    return result


def _run_file(
    kind: ImportKind, data: bytes, *, actor: Any, dry_run: bool, filename: str, started: float
) -> ImportResult:
    counts: Mapping[str, int] = {}
    try:
        with transaction.atomic():
            counts = kind.run_file(actor=actor, data=data, filename=filename)  # type: ignore[misc]
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    rows = sum(int(counts.get(k, 0)) for k in ("created", "updated", "unchanged"))
    return ImportResult(
        kind.name,
        rows,
        int(counts.get("created", 0)),
        int(counts.get("updated", 0)),
        time.perf_counter() - started,
        dry_run,
    )


__all__ = [
    "CONSOLE_LIMITS",
    "CONSOLE_MAX_BYTES",
    "KINDS",
    "ImportFailed",
    "ImportKind",
    "ImportResult",
    "run",
]
