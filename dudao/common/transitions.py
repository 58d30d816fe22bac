"""The one transition mechanism (DESIGN.md "workflows are tables").

A workflow is a table `status → {next status: predicate(user, obj) -> bool}`. `check_transition` refuses a
step the table does not allow from the row's status (IllegalTransition, Chinese message naming both
statuses) or one the actor's role may not take (PermissionDenied). `transition` applies a checked step to a
row the service already locked (save, bump the version, audit); `apply_transition` locks the row first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models, transaction

from . import audit
from .errors import IllegalTransition, PermissionDenied
from .writes import lock, save_fields

Predicate = Callable[[Any, Any], bool]
# status -> {next_status: predicate(user, obj) -> bool}
TransitionTable = Mapping[str, Mapping[str, Predicate]]


def anyone(user: Any, obj: Any) -> bool:
    """A step whose permission the service already checked (the table only decides the order)."""
    return True


def status_label(obj: models.Model, value: str, field: str = "status") -> str:
    """The Chinese label of `value` among the choices of `obj.field` (the value itself if unknown)."""
    choices = dict(obj._meta.get_field(field).flatchoices)
    return str(choices.get(value, value))


def check_transition(
    table: TransitionTable,
    obj: models.Model,
    to: str,
    actor: Any,
    *,
    field: str = "status",
    noun: str = "",
    message: str | None = None,
    denied: str | None = None,
) -> None:
    """Refuse `obj.field → to` unless the table allows it and its predicate holds for `actor`.

    The default refusal names both statuses: "{noun}当前状态为「…」,不能变更为「…」"; `message` replaces it,
    `denied` is the PermissionDenied text.
    """
    current = getattr(obj, field)
    allowed = table.get(current, {})
    if to not in allowed:
        if message is None:
            message = (
                f"{noun}当前状态为「{status_label(obj, current, field)}」,"
                f"不能变更为「{status_label(obj, to, field)}」"
            )
        raise IllegalTransition(message, detail={"from": current, "to": to})
    if not allowed[to](actor, obj):
        raise PermissionDenied(denied)


def allowed_next(table: TransitionTable, obj: Any, actor: Any, *, field: str = "status") -> list[str]:
    """The steps `actor` may take from the row's status (for pages: which buttons to show)."""
    return [to for to, may in table.get(getattr(obj, field), {}).items() if may(actor, obj)]


def transition(
    obj: models.Model,
    to: str,
    *,
    actor: Any,
    table: TransitionTable,
    action: str,
    field: str = "status",
    noun: str = "",
    fields: Iterable[str] = (),
    changes: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> models.Model:
    """Check and apply one step to a row the caller has locked: set the status (and `changes`), save it
    with the other `fields` the caller already set, audit `action` (with `extra` in the after-image)."""
    check_transition(table, obj, to, actor, field=field, noun=noun)
    before = audit.snapshot(obj)
    setattr(obj, field, to)
    for name, value in (changes or {}).items():
        setattr(obj, name, value)
    save_fields(obj, [field, *fields, *(changes or {})])
    after = audit.snapshot(obj)
    if extra:
        after.update(extra)
    audit.record(actor=actor, action=action, obj=obj, before=before, after=after)
    return obj


def apply_transition(
    model: type[models.Model],
    pk: Any,
    *,
    to: str,
    actor: Any,
    table: TransitionTable,
    action: str,
    field: str = "status",
    noun: str = "",
    changes: Mapping[str, Any] | None = None,
) -> models.Model:
    """Lock `model(pk)` and move its `field` to `to` if the table allows it for `actor`."""
    with transaction.atomic():
        obj = lock(model, pk)
        return transition(
            obj, to, actor=actor, table=table, action=action, field=field, noun=noun, changes=changes
        )
