"""Foreign keys a user sets are resolved through that user's visibility (SEC-3, issue 8 §2).

A nonexistent id and an id outside the user's scope give the same answer, so a write endpoint is never
an oracle for which ids exist, and nobody can attach a record to something they cannot see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet

from .errors import ValidationFailed

NOT_FOUND_CODE = "not_found_or_forbidden"


def not_visible(field: str, label: str) -> ValidationFailed:
    message = f"{label}不存在或无权访问"
    return ValidationFailed(message, code=NOT_FOUND_CODE, detail={field: [message]})


def visible_ref(qs: QuerySet, pk: Any, *, field: str, label: str) -> Model | None:
    """Row `pk` of the user's scoped queryset `qs`; None for None; one error for missing and out of scope."""
    if pk is None:
        return None
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise not_visible(field, label) from None


def visible_refs(qs: QuerySet, pks: list[Any], *, field: str, label: str) -> list[Model]:
    """Rows `pks` (in order, duplicates dropped) of the scoped queryset `qs`, or the same single error."""
    try:
        wanted = list(dict.fromkeys(int(getattr(p, "pk", p)) for p in pks))
    except (TypeError, ValueError):
        raise not_visible(field, label) from None
    found = {obj.pk: obj for obj in qs.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise not_visible(field, label)
    return [found[pk] for pk in wanted]
