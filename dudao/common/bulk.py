"""Shared pieces of the bulk writers (registry.bulk, people.bulk): every problem of every row collected over
a whole file, the refusal that lists them, and the write helpers (chunked inserts, in-memory uniqueness).

A bulk service checks every row with the same rules as its single-row service, collects every problem (not
only the first of a row), and writes nothing unless no row has one; then it inserts in batches and appends
one audit event per row (`audit.record_many`), all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction

from .errors import ApplicationError, ValidationFailed, validation_error_from_django
from .upload_guard import excerpt

MAX_PROBLEMS = 1000  # a hostile file can be wrong in every cell: the report stays bounded
CHUNK = 2000


@dataclass(frozen=True)
class BulkResult:
    rows: int
    created: int
    updated: int = 0


@dataclass(frozen=True)
class Problem:
    """One problem of one input row; `field` is the input key (an import column's key)."""

    row: int
    field: str
    message: str
    value: str = ""


class BulkRefused(ValidationFailed):
    """Nothing was written: `detail` lists every problem as {"row", "field", "message", "value"}."""

    code = "bulk_refused"
    default_message = "数据有误,未写入任何数据"

    def __init__(self, problems: Sequence[Problem], dropped: int = 0):
        self.problems = list(problems)
        self.dropped = dropped
        rows = len({p.row for p in self.problems})
        super().__init__(f"{rows} 行有错误,未写入任何数据", detail=[asdict(p) for p in self.problems])


def shown(value: Any) -> str:
    """A value as a problem report shows it: a short excerpt, "" for nothing."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        value = value.pk
    return excerpt(str(value).strip())


class Problems:
    """Collects problems row by row (bounded); `has(row)` tells whether a row already has one."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.dropped = 0
        self.rows: set[int] = set()

    def add(self, row: int, field: str, message: str, value: Any = None) -> None:
        self.rows.add(row)
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(row, field, message, shown(value)))
        else:
            self.dropped += 1

    def add_error(
        self, row: int, exc: ApplicationError, values: Mapping[str, Any], default_field: str = ""
    ) -> None:
        """Every message of a service error (detail {field: [messages]}), each on its field."""
        detail = exc.detail
        if isinstance(detail, Mapping) and detail:
            for field, messages in detail.items():
                items = messages if isinstance(messages, list | tuple) else [messages]
                key = str(field) if str(field) != "__all__" else default_field
                for message in items:
                    self.add(row, key, str(message), values.get(key))
            return
        self.add(row, default_field, exc.message, values.get(default_field))

    def has(self, row: int) -> bool:
        return row in self.rows

    def __bool__(self) -> bool:
        return bool(self.rows)

    def raise_if_any(self) -> None:
        if self.rows:
            self.items.sort(key=lambda p: p.row)
            raise BulkRefused(self.items, self.dropped)


_FK_NAMES: dict[type, list[str]] = {}


def field_errors(obj: models.Model, exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """`full_clean` minus its per-row queries: field checks and `clean()` (FK existence, uniqueness and
    constraints are checked by the caller in memory and by the database on insert)."""
    model = type(obj)
    if model not in _FK_NAMES:
        _FK_NAMES[model] = [f.name for f in model._meta.concrete_fields if f.is_relation]
    try:
        obj.clean_fields(exclude=[*_FK_NAMES[model], *exclude])
        obj.clean()
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            return {
                field: [m for e in errors for m in e.messages] for field, errors in exc.error_dict.items()
            }
        return {"__all__": list(exc.messages)}
    return {}


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing(
    model: type[models.Model], field: str, values: Iterable[str], *, also: str | None = None
) -> dict:
    """Which of `values` the table already holds: value → the row's `also` column (or True)."""
    found: dict[str, Any] = {}
    wanted = sorted({v for v in values if v})
    for chunk in chunks(wanted):
        qs = model.objects.filter(**{f"{field}__in": chunk})
        if also:
            found.update(qs.values_list(field, also))
        else:
            found.update((v, True) for v in qs.values_list(field, flat=True))
    return found


def insert(model: type[models.Model], rows: list[models.Model], batch_size: int = 1000) -> list[models.Model]:
    model.objects.bulk_create(rows, batch_size=batch_size)
    return rows


class _Rollback(Exception):
    pass


def via_row_service(factory: Callable[[Any], Callable[[dict[str, Any]], object]]):
    """A bulk service made of a single-row service (`factory(actor)(row)`), for kinds whose writes chain
    several services per row (person → supervisor → card): the same rules by construction, every row's
    problems collected (each row in a savepoint), all or nothing."""

    def bulk(*, actor, rows: Sequence[tuple[int, Mapping[str, Any]]], dry_run: bool = False) -> BulkResult:
        handle = factory(actor)
        problems = Problems()
        try:
            with transaction.atomic():
                for number, row in rows:
                    try:
                        with transaction.atomic():
                            handle(dict(row))
                    except ApplicationError as exc:
                        problems.add_error(number, exc, row)
                    except DjangoValidationError as exc:
                        problems.add_error(number, validation_error_from_django(exc), row)
                problems.raise_if_any()
                if dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        return BulkResult(rows=len(rows), created=len(rows))

    return bulk
