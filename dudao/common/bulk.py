"""Shared pieces of the bulk writers (registry.bulk, people.bulk): every problem of every row collected over
a whole file, the refusal that lists them, and the write helpers (chunked inserts, in-memory uniqueness).

A bulk service checks every row with the same rules as its single-row service, collects every problem (not
only the first of a row), and writes nothing unless no row has one; then it inserts in batches and appends
one audit event per row (`audit.record_many`), all in the caller's transaction.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from django.core import validators as django_validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, models, router
from django.utils import timezone

from .errors import ApplicationError, ValidationFailed
from .upload_guard import excerpt

MAX_PROBLEMS = 1000  # a hostile file can be wrong in every cell: the report stays bounded
CHUNK = 2000
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class BulkResult:
    rows: int
    created: int
    updated: int = 0
    objects: list = dataclasses.field(default_factory=list, repr=False)  # the created rows, in input order
    # Rows created with them, by name, aligned with `objects` (e.g. each examiner's card or None).
    related: dict[str, list] = dataclasses.field(default_factory=dict, repr=False)


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
        self.per_row: dict[int, int] = {}

    def add(self, row: int, field: str, message: str, value: Any = None) -> None:
        self.rows.add(row)
        self.per_row[row] = self.per_row.get(row, 0) + 1
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

    def of(self, row: int) -> int:
        """How many problems `row` has so far (dropped ones included)."""
        return self.per_row.get(row, 0)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def raise_if_any(self) -> None:
        if self.rows:
            self.items.sort(key=lambda p: p.row)
            raise BulkRefused(self.items, self.dropped)


_FK_NAMES: dict[type, list[str]] = {}
_SIMPLE_CHECKS: dict[type, list[Callable[[Any], bool]] | None] = {}
_LINE_BREAKS = re.compile("[\t\n\r\x00]")


def _char_check(field: models.CharField) -> Callable[[Any], bool]:
    limit, blank = field.max_length, field.blank
    choices = {str(k) for k, _label in field.flatchoices} if field.choices else None
    attname = field.attname

    def ok(obj: Any) -> bool:
        value = getattr(obj, attname)
        if not isinstance(value, str):
            return False
        if not value:
            return blank
        if (limit is not None and len(value) > limit) or _LINE_BREAKS.search(value):
            return False
        return choices is None or value in choices

    return ok


def _simple_checks(model: type[models.Model]) -> list[Callable[[Any], bool]] | None:
    """Cheap checks that pass exactly when `clean_fields` would raise nothing, for models made only of plain
    fields (CharField with its default validators, booleans, auto timestamps, positive integers, relations,
    JSON); None when the model has anything else (then `clean_fields` always runs)."""
    if model in _SIMPLE_CHECKS:
        return _SIMPLE_CHECKS[model]
    checks: list[Callable[[Any], bool]] | None = []
    custom_clean = model.clean is not models.Model.clean
    for field in model._meta.concrete_fields:
        kind = type(field)
        default_validators = {type(v) for v in field.validators} <= {
            django_validators.MaxLengthValidator,
            django_validators.ProhibitNullCharactersValidator,
            django_validators.MinValueValidator,
            django_validators.MaxValueValidator,
        }
        if field.is_relation or field.primary_key or not default_validators:
            if not default_validators:
                checks = None
                break
            continue
        if kind is models.CharField:
            checks.append(_char_check(field))
        elif kind is models.BooleanField:
            checks.append(lambda obj, a=field.attname: isinstance(getattr(obj, a), bool))
        elif kind is models.PositiveIntegerField:
            checks.append(
                lambda obj, a=field.attname: (
                    type(getattr(obj, a)) is int and 0 <= getattr(obj, a) <= 2147483647
                )
            )
        elif kind is models.DateTimeField and (field.auto_now or field.auto_now_add):
            continue
        else:
            checks = None
            break
    if custom_clean:
        checks = None
    _SIMPLE_CHECKS[model] = checks
    return checks


@functools.cache
def _construction(model: type[models.Model]) -> tuple[dict[str, int], list[Any], list[tuple[int, Any]]]:
    """Per model: each concrete field's position (by attname), the static defaults, the callable ones."""
    positions, defaults, dynamic = {}, [], []
    for index, field in enumerate(model._meta.concrete_fields):
        positions[field.attname] = index
        if field.has_default() and callable(field.default):
            dynamic.append((index, field))
            defaults.append(None)
        else:
            defaults.append(field.get_default())
    return positions, defaults, dynamic


def build(model: type[M], values: Mapping[str, Any], related: Mapping[str, Any] | None = None) -> M:
    """`model(**values)` at bulk speed: Django's positional constructor (what loading a row uses) with each
    field's default where `values` names none. `values` are keyed by attname (`authority_id`); `related`
    sets a foreign key from an object, as `model(authority=obj)` would (id and cached object)."""
    positions, defaults, dynamic = _construction(model)
    args = defaults.copy()
    for index, field in dynamic:
        args[index] = field.get_default()
    for name, value in values.items():
        args[positions[name]] = value
    descriptors = []
    for name, parent in (related or {}).items():
        field = model._meta.get_field(name)
        target = field.target_field.attname
        args[positions[field.attname]] = None if parent is None else getattr(parent, target)
        descriptors.append((field, parent))
    obj = model(*args)
    for field, parent in descriptors:
        field.set_cached_value(obj, parent)
    return obj


def field_errors(obj: models.Model, exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """`full_clean` minus its per-row queries: field checks and `clean()` (FK existence, uniqueness and
    constraints are checked by the caller in memory and by the database on insert).

    For models of plain fields a row that passes the cheap checks is valid by construction; any doubt runs
    Django's `clean_fields`, whose messages are reported."""
    model = type(obj)
    checks = _simple_checks(model)
    if checks is not None and all(check(obj) for check in checks):
        return {}
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
    """Which of `values` the table already holds: value → the row's `also` column (or True).

    Plain SQL in chunks (the ORM would prepare every one of thousands of parameters).
    """
    found: dict[str, Any] = {}
    wanted = sorted({v for v in values if v})
    if not wanted:
        return found
    meta = model._meta
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    column = quote(meta.get_field(field).column)
    selected = f"{column}, {quote(meta.get_field(also).column)}" if also else column
    with connection.cursor() as cursor:
        for chunk in chunks(wanted, 900):  # under SQLite's smallest parameter limit
            marks = ", ".join(["%s"] * len(chunk))
            sql = f"SELECT {selected} FROM {quote(meta.db_table)} WHERE {column} IN ({marks})"  # noqa: S608
            cursor.execute(sql, chunk)
            for row in cursor.fetchall():
                found[row[0]] = row[1] if also else True
    return found


# Field classes whose Python value the database drivers take as is (exact classes: a subclass such as an
# encrypted field converts its value and goes through Django's own preparation).
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
)


def _allocate_ids(connection, model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, taken inside the caller's transaction.

    PostgreSQL: from the column's sequence (as INSERT would). SQLite: after the highest id and the
    AUTOINCREMENT counter; every transaction starts IMMEDIATE (settings), so no other writer runs meanwhile.
    """
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor != "sqlite":
            raise NotImplementedError(connection.vendor)
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def _prepared(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    """Django's preparation of a timestamp; the last result is reused for the same value object (the
    timestamps of one insert are one object). Only for plain DateTimeFields: an encrypting field must
    encrypt every value anew."""
    last: list[Any] = [object(), None]
    attname = field.attname

    def get(obj: Any) -> Any:
        value = getattr(obj, attname)
        if value is not last[0]:
            last[0], last[1] = value, field.get_db_prep_save(value, connection=connection)
        return last[1]

    return get


def _json_text(field: models.JSONField) -> Callable[[Any], Any]:
    """A JSON column's value as its JSON text (what Django's preparation sends SQLite; PostgreSQL's COPY
    parses the same text into jsonb). One object shared by many rows (a pre-check result repeated across a
    roster) is serialised once."""
    attname, encoder = field.attname, field.encoder
    texts: dict[int, tuple[Any, str]] = {}

    def get(obj: Any) -> Any:
        value = getattr(obj, attname)
        if value is None:
            return None
        known = texts.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        text = json.dumps(value, cls=encoder)
        texts[id(value)] = (value, text)  # the value is kept alive: its id is not reused meanwhile
        return text

    return get


def _link_saved_parents(field: models.ForeignKey, rows: list[models.Model]) -> None:
    """A row built before its parent was inserted holds the parent object but no id yet (bulk_create's
    `_prepare_related_fields_for_save` does the same): take the id now, refuse an unsaved parent."""
    attname = field.attname
    for obj in rows:
        if getattr(obj, attname) is None and field.is_cached(obj):
            parent = field.get_cached_value(obj)
            if parent is None:
                continue
            if parent.pk is None:
                raise ValueError(f"{field.name}: the related row was not saved first")
            setattr(obj, attname, getattr(parent, field.target_field.attname))
            field.set_cached_value(obj, parent)  # setting the id drops the cached parent: keep it


def write_rows(
    connection: Any,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    batch_size: int = 5000,
) -> None:
    """Append rows of prepared values to `table`: PostgreSQL's COPY (one stream, the server parses each
    value by the column's type: JSON text into jsonb too), elsewhere one prepared INSERT run over the rows
    (executemany). Constraints and triggers apply as for any insert."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Foreign keys checked while the rows stream in (the server works on them meanwhile) instead of
            # all at commit; the transaction's other constraints stay deferred as Django declares them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) == batch_size:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def insert(
    model: type[models.Model],
    rows: list[models.Model],
    batch_size: int = 5000,
    *,
    before_write: Callable[[Any], None] | None = None,
) -> list[models.Model]:
    """Insert model instances with one prepared statement run over all rows (executemany): bulk_create
    without its per-value SQL compilation. Primary keys are allocated first, so rows know their id.

    Values go through Django's field preparation except for plain text, number and boolean fields; auto_now
    fields are set as on save. Database constraints (unique, foreign keys, checks) apply as for any insert.
    `before_write(obj)` completes a row just before its values are read (e.g. a signature): on PostgreSQL
    the server stores the rows already sent meanwhile, so that work overlaps the database's. An exception
    it raises aborts the insert (the caller's transaction rolls back).
    """
    if not rows:
        return rows
    connection = connections[router.db_for_write(model)]
    if not connection.in_atomic_block:
        raise RuntimeError("bulk insert must run inside a transaction")
    meta = model._meta
    pk = meta.pk
    missing = [obj for obj in rows if getattr(obj, pk.attname) is None]
    if missing:
        for obj, pk_value in zip(missing, _allocate_ids(connection, model, len(missing)), strict=True):
            setattr(obj, pk.attname, pk_value)
    fields = list(meta.concrete_fields)
    for field in fields:
        if field.is_relation and (field.many_to_one or field.one_to_one):
            _link_saved_parents(field, rows)
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in rows:
                if getattr(obj, field.attname) is None or getattr(field, "auto_now", False):
                    setattr(obj, field.attname, now)
    getters = []
    for field in fields:
        if type(field) in _PLAIN_FIELDS or (field.is_relation and type(field.target_field) in _PLAIN_FIELDS):
            getters.append(operator.attrgetter(field.attname))
        elif type(field) is models.DateTimeField:
            getters.append(_prepared(field, connection))
        elif type(field) is models.JSONField:
            getters.append(_json_text(field))
        else:
            getters.append(
                lambda obj, f=field: f.get_db_prep_save(getattr(obj, f.attname), connection=connection)
            )

    def values(obj: Any) -> tuple:
        if before_write is not None:
            before_write(obj)
        return tuple(get(obj) for get in getters)

    write_rows(
        connection, meta.db_table, [f.column for f in fields], map(values, rows), batch_size=batch_size
    )
    for obj in rows:
        obj._state.adding = False
        obj._state.db = connection.alias
    return rows
