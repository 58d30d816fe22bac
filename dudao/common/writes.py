"""The one write-helper layer every app's services use (DESIGN.md "services are the only writers").

One optimistic-locking policy: an update of a versioned row must name the `row_version` the writer read;
a missing version is refused like a stale one, so two editors never overwrite each other silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import audit
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed, validation_error_from_django

STALE_MESSAGE = "数据已被他人修改,请刷新后重试"


def fail(field: str, message: str, code: str | None = None) -> ValidationFailed:
    """A validation error on one field (raise the result)."""
    return ValidationFailed(message, code=code, detail={field: [message]})


def require(allowed: bool, message: str | None = None) -> None:
    """Refuse with 403 unless `allowed`."""
    if not allowed:
        raise PermissionDenied(message)


def require_perm(actor: Any, perm: str, obj: Any = None) -> None:
    """Refuse with 403 unless the actor holds the `rules` permission `perm` (on `obj`)."""
    require(actor is not None and actor.has_perm(perm, obj))


def clean(obj: models.Model, exclude: Iterable[str] | None = None) -> None:
    """Model validation (`full_clean`) as a ValidationFailed with field details."""
    try:
        obj.full_clean(exclude=list(exclude) if exclude else None)
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None


def save_new(obj: models.Model) -> None:
    """Validate and insert a new row."""
    clean(obj)
    obj.save(force_insert=True)


@contextmanager
def unique_or_conflict(message: str, field: str, hint: str = "") -> Iterator[None]:
    """Writes whose uniqueness the database decides (two requests at once): the loser gets a 409 with
    `message`, never a 500; the savepoint keeps the surrounding transaction usable."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise Conflict(message, detail={field: [hint or message]}) from None


def save_fields(obj: models.Model, fields: Iterable[str]) -> None:
    """Validate and save the named fields, bumping `row_version` where the model has one."""
    names = list(dict.fromkeys(fields))
    if hasattr(obj, "row_version"):
        obj.row_version += 1
        names += ["row_version", "updated_at"]
    clean(obj)
    obj.save(update_fields=names)


def save_changed(
    obj: models.Model, values: Mapping[str, Any], *, actor: Any, action: str, before: dict[str, Any]
) -> bool:
    """Assign `values`, validate, save the fields that really change and audit once; False if none did."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    clean(obj)
    if not changed:
        return False
    if hasattr(obj, "row_version"):
        obj.row_version += 1
        changed += ["row_version", "updated_at"]
    obj.save(update_fields=changed)
    audit.record(actor=actor, action=action, obj=obj, before=before, after=audit.snapshot(obj))
    return True


def pk_of(value: Any) -> Any:
    """The primary key of a model instance, or the value itself."""
    return value.pk if isinstance(value, models.Model) else value


def ref_or_fail(qs: models.QuerySet, value: Any, field: str, message: str) -> Any:
    """A referenced row inside the actor's scoped `qs` (None for empty), else a field error with `message`."""
    if value in (None, ""):
        return None
    try:
        return qs.get(pk=pk_of(value))
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise fail(field, message) from None


def visible_or_404(qs: models.QuerySet, value: Any) -> Any:
    """The row `value` of the actor's scoped `qs`; out of scope and missing are the same 404."""
    try:
        return qs.get(pk=pk_of(value))
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def lock(model: type[models.Model] | models.Model, pk: Any = None) -> Any:
    """Re-read a row under `select_for_update` so concurrent writers queue up; 404 if it is gone.

    `lock(Model, pk)` or `lock(instance)` (re-reads that instance's row).
    """
    if isinstance(model, models.Model):
        model, pk = type(model), model.pk
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    try:
        return model.objects.select_for_update(of=("self",)).get(pk=pk_of(pk))
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def check_version(obj: models.Model, row_version: Any) -> None:
    """Refuse a missing or stale `row_version` (409 `stale_version`; 422 `missing_version` when absent)."""
    if row_version in (None, ""):
        raise fail("row_version", "缺少版本号,请刷新后重试", code="missing_version")
    try:
        given = int(row_version)
    except (TypeError, ValueError):
        raise fail("row_version", "版本号无效,请刷新后重试", code="missing_version") from None
    if obj.row_version != given:
        raise Conflict(STALE_MESSAGE, code="stale_version", detail={"row_version": obj.row_version})


def lock_version(obj: models.Model, row_version: Any) -> Any:
    """Lock the row of `obj` and check the writer's `row_version` against it; returns the fresh row."""
    fresh = lock(obj)
    check_version(fresh, row_version)
    return fresh


def text(value: Any, *, limit: int | None = None) -> str:
    """A stripped string ('' for None), cut to `limit`."""
    result = "" if value is None else str(value).strip()
    return result[:limit] if limit else result


def checked_text(
    value: Any, field: str, label: str, *, limit: int | None = None, required: bool = True
) -> str:
    """A stripped string no longer than `limit` characters (too long is refused, not cut); '' allowed
    only when not `required`."""
    result = text(value)
    if required and not result:
        raise fail(field, f"请填写{label}")
    if limit and len(result) > limit:
        raise fail(field, f"{label}不能超过 {limit} 个字")
    return result


def required_text(value: Any, field: str, label: str, limit: int | None = None) -> str:
    """A non-empty stripped string no longer than `limit` characters."""
    return checked_text(value, field, label, limit=limit)


def parse_date(value: Any, field: str, label: str = "日期") -> dt.date:
    """A date from a date, an aware/naive datetime (local day) or an ISO `YYYY-MM-DD` string."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if value in (None, ""):
        raise fail(field, f"请填写{label}")
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise fail(field, f"{label}格式应为 YYYY-MM-DD") from None


def parse_datetime(value: Any, field: str, label: str = "时间") -> dt.datetime:
    """An aware datetime from a datetime or an ISO string (`YYYY-MM-DDTHH:MM`), local time if naive."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise fail(field, f"{label}格式应为 YYYY-MM-DDTHH:MM") from None
    if not isinstance(value, dt.datetime):
        raise fail(field, f"{label}格式应为 YYYY-MM-DDTHH:MM")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def check_fields(changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse changes to fields outside `allowed`."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationFailed(
            f"不能修改字段:{'、'.join(unknown)}", detail={f: ["不可修改"] for f in unknown}
        )
