"""One helper applies a workflow transition: lock, check the table and role predicate, save, audit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import models, transaction

from . import audit
from .errors import IllegalTransition, PermissionDenied

# status -> {next_status: predicate(user, obj) -> bool}
TransitionTable = Mapping[str, Mapping[str, Callable[[Any, Any], bool]]]


def apply_transition(
    model: type[models.Model],
    pk: Any,
    *,
    to: str,
    actor: Any,
    table: TransitionTable,
    action: str,
    field: str = "status",
    changes: Mapping[str, Any] | None = None,
) -> models.Model:
    """Move `model(pk).field` to `to` if the table allows it for `actor`; extra `changes` saved alongside."""
    with transaction.atomic():
        obj = model.objects.select_for_update().get(pk=pk)
        current = getattr(obj, field)
        allowed = table.get(current, {})
        if to not in allowed:
            label = obj.get_status_display() if hasattr(obj, "get_status_display") else current
            raise IllegalTransition(
                f"当前状态「{label}」不允许此操作",
                detail={"from": current, "to": to},
            )
        if not allowed[to](actor, obj):
            raise PermissionDenied()
        before = audit.snapshot(obj)
        setattr(obj, field, to)
        update_fields = [field]
        for name, value in (changes or {}).items():
            setattr(obj, name, value)
            update_fields.append(name)
        if hasattr(obj, "row_version"):
            obj.row_version += 1
            update_fields.append("row_version")
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            update_fields.append("updated_at")
        obj.full_clean()
        obj.save(update_fields=update_fields)
        audit.record(actor=actor, action=action, obj=obj, before=before, after=audit.snapshot(obj))
    return obj
