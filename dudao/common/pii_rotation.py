"""`dudao pii rotate-key`: move every stored personal-data token to the current key version (ADR 0001).

What is rotated is found from the models, not listed by hand: every `CiphertextField`,
`EncryptedTextField`/`EncryptedDateField` column, every `BlindIndexField` (recomputed from its source's
plaintext) and the `*_encrypted` values inside the JSON fields a model names in `PII_JSON_FIELDS`.

Batches commit one by one, so an interrupted run loses nothing; a re-run selects only rows still holding an
older version. Each row is written with a compare-and-swap on the tokens read (random nonces make every
token unique), so an edit made meanwhile by the application is never overwritten. Old tokens stay
readable the whole time: `decrypt` picks the key named by each token's version.
Raw SQL (S608 below): identifiers come from model metadata and are quoted; every value is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from . import audit, pii


@dataclass
class Unit:
    """One model's encrypted columns, blind indexes and JSON fields holding tokens."""

    model: type[models.Model]
    tokens: list[models.Field]
    indexes: list[pii.BlindIndexField]
    json_fields: list[str]

    @property
    def label(self) -> str:
        return f"{self.model._meta.verbose_name}({self.model._meta.label_lower})"


@dataclass
class RotationReport:
    version: int
    rewritten: dict[str, int] = field(default_factory=dict)
    remaining: int = 0
    finished: bool = True


def units() -> list[Unit]:
    found = []
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        tokens = [f for f in fields if isinstance(f, pii.CiphertextField | pii.EncryptedTextField)]
        indexes = [f for f in fields if isinstance(f, pii.BlindIndexField)]
        json_fields = list(getattr(model, "PII_JSON_FIELDS", ()))
        if tokens or json_fields:
            found.append(Unit(model, tokens, indexes, json_fields))
    return found


def _stale_sql(unit: Unit, prefix: str) -> tuple[str, list[Any]]:
    q = connection.ops.quote_name
    parts, params = [], []
    for f in unit.tokens:
        parts.append(f"({q(f.column)} <> '' AND {q(f.column)} NOT LIKE %s)")
        params.append(prefix + "%")
    return " OR ".join(parts), params


def count_stale(unit: Unit) -> int:
    """Rows of `unit` with a column still on an older key (JSON fields are not counted in SQL)."""
    if not unit.tokens:
        return 0
    where, params = _stale_sql(unit, f"v{pii.current_version()}:")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {connection.ops.quote_name(unit.model._meta.db_table)} WHERE {where}",  # noqa: S608
            params,
        )
        return int(cursor.fetchone()[0])


def _rekey(token: str, current: int) -> str:
    if not token or pii.token_version(token) == current:
        return token
    return pii.encrypt(pii.decrypt(token), version=current)


def rekey_json(value: Any, current: int) -> Any:
    """A copy of `value` with every `*_encrypted` string re-encrypted under `current`."""
    if isinstance(value, dict):
        return {
            k: (
                _rekey(v, current)
                if k.endswith("_encrypted") and isinstance(v, str)
                else rekey_json(v, current)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [rekey_json(v, current) for v in value]
    return value


def _token_batches(unit: Unit, batch_size: int) -> Iterator[list[tuple]]:
    if not unit.tokens:
        return
    q = connection.ops.quote_name
    table, pk = q(unit.model._meta.db_table), q(unit.model._meta.pk.column)
    cols = ", ".join(q(f.column) for f in unit.tokens)
    where, params = _stale_sql(unit, f"v{pii.current_version()}:")
    last = None
    while True:
        after = "" if last is None else f"{pk} > %s AND "
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {cols} FROM {table} WHERE {after}({where}) ORDER BY {pk} LIMIT %s",  # noqa: S608
                ([] if last is None else [last]) + params + [batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _rotate_tokens(unit: Unit, rows: list[tuple], current: int) -> int:
    """Compare-and-swap each row: tokens re-encrypted, blind indexes recomputed from their source."""
    q = connection.ops.quote_name
    table, pk = q(unit.model._meta.db_table), q(unit.model._meta.pk.column)
    by_name = {f.name: i for i, f in enumerate(unit.tokens)}
    written = 0
    with connection.cursor() as cursor:
        for row in rows:
            old = list(row[1:])
            new = [_rekey(t, current) for t in old]
            sets = [f"{q(f.column)} = %s" for f in unit.tokens]
            values: list[Any] = list(new)
            for index in unit.indexes:
                source = old[by_name[index.source]]
                if source:
                    sets.append(f"{q(index.column)} = %s")
                    values.append(pii.blind_index(pii.decrypt(source), version=current))
            guard = " AND ".join(f"{q(f.column)} = %s" for f in unit.tokens)
            cursor.execute(
                f"UPDATE {table} SET {', '.join(sets)} WHERE {pk} = %s AND {guard}",  # noqa: S608
                [*values, row[0], *old],
            )
            written += cursor.rowcount
    return written


def _rotate_json(unit: Unit, batch_size: int, max_batches: int | None, current: int) -> tuple[int, bool]:
    manager = unit.model._default_manager
    has_version = any(f.name == "row_version" for f in unit.model._meta.concrete_fields)
    names = ["pk", *(["row_version"] if has_version else []), *unit.json_fields]
    last, written, batches = None, 0, 0
    while True:
        if max_batches is not None and batches >= max_batches:
            return written, False
        qs = manager.order_by("pk")
        if last is not None:
            qs = qs.filter(pk__gt=last)
        rows = list(qs.values_list(*names)[:batch_size])
        if not rows:
            return written, True
        with transaction.atomic():
            for row in rows:
                values = dict(zip(names, row, strict=True))
                changes = {n: rekey_json(values[n], current) for n in unit.json_fields}
                if all(changes[n] == values[n] for n in unit.json_fields):
                    continue
                guard = {
                    "pk": values["pk"],
                    **({"row_version": values["row_version"]} if has_version else {}),
                }
                written += manager.filter(**guard).update(**changes)
        batches += 1
        last = rows[-1][0]


def rotate(
    *, batch_size: int = 500, max_batches: int | None = None, progress: Callable[[str], None] = print
) -> RotationReport:
    """Re-encrypt everything under the current key; `max_batches` stops early (a re-run resumes)."""
    current = pii.current_version()
    report = RotationReport(version=current)
    batches = 0
    for unit in units():
        total = count_stale(unit)
        done = 0
        if total:
            progress(f"{unit.label}:{total} 行待重新加密")
        for rows in _token_batches(unit, batch_size):
            if max_batches is not None and batches >= max_batches:
                report.finished = False
                break
            with transaction.atomic():
                done += _rotate_tokens(unit, rows, current)
            batches += 1
            progress(f"{unit.label}:已重新加密 {done} / {total} 行")
        if unit.json_fields and report.finished:
            left = None if max_batches is None else max(0, max_batches - batches)
            written, complete = _rotate_json(unit, batch_size, left, current)
            done += written
            report.finished = report.finished and complete
            if written:
                progress(f"{unit.label}:已重新加密 {written} 条表单中的密文")
        if done:
            report.rewritten[unit.model._meta.label_lower] = done
    report.remaining = sum(count_stale(u) for u in units())
    report.finished = report.finished and report.remaining == 0
    audit.record(
        actor=None,
        action="common.pii_key.rotate",
        object_type="common.pii",
        object_label=f"密钥版本 {current}",
        after={"version": current, "rewritten": report.rewritten, "remaining": report.remaining},
    )
    return report
