"""Writers of the workdays app: loading a year's official arrangement (CAL-3, CAL-4)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from dudao.common import audit
from dudao.common.errors import Conflict, PermissionDenied, validation_error_from_django

from . import selectors
from .domain import validate_arrangement
from .models import OfficialArrangement
from .permissions import can_change_arrangement

_FIELDS = ["days_off", "workdays", "confirmed", "source"]


@transaction.atomic
def arrangement_save(
    *,
    actor: Any,
    year: int,
    days_off: Iterable[object],
    workdays: Iterable[object],
    confirmed: bool = True,
    source: str = "",
    row_version: int | None = None,
) -> OfficialArrangement:
    """Create or replace one year's arrangement; the database row then overrides the shipped file.

    `actor=None` is the operator at the console (`dudao workdays load-year`); otherwise only
    superusers and authority admins may write. `row_version`, when given, must match the stored
    row (concurrent edit → Conflict).
    """
    if actor is not None and not can_change_arrangement(actor):
        raise PermissionDenied("只有超级管理员或委派机构管理员可以维护节假日安排")
    arrangement = validate_arrangement(
        year=year, days_off=days_off, workdays=workdays, confirmed=confirmed, source=source
    )
    values = {
        "days_off": sorted(d.isoformat() for d in arrangement.days_off),
        "workdays": sorted(d.isoformat() for d in arrangement.workdays),
        "confirmed": arrangement.confirmed,
        "source": arrangement.source.strip(),
    }
    existing = OfficialArrangement.objects.select_for_update().filter(year=arrangement.year).first()
    try:
        if existing is None:
            obj = OfficialArrangement(year=arrangement.year, **values)
            obj.full_clean()
            with transaction.atomic():  # a concurrent insert of the same year hits the unique index
                obj.save(force_insert=True)
            audit.record(
                actor=actor, action="workdays.arrangement.create", obj=obj, after=audit.snapshot(obj)
            )
        else:
            if row_version is not None and row_version != existing.row_version:
                raise Conflict(f"{arrangement.year} 年节假日安排已被他人修改,请刷新后重试")
            before = audit.snapshot(existing)
            for name, value in values.items():
                setattr(existing, name, value)
            existing.row_version += 1
            existing.full_clean()
            existing.save(update_fields=[*_FIELDS, "row_version", "updated_at"])
            obj = existing
            audit.record(
                actor=actor,
                action="workdays.arrangement.update",
                obj=obj,
                before=before,
                after=audit.snapshot(obj),
            )
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    except IntegrityError:
        raise Conflict(f"{arrangement.year} 年节假日安排正在被他人同时保存,请刷新后重试") from None
    # Other processes see the change through the cache key (count, max updated_at, sum row_version).
    transaction.on_commit(selectors.clear_cache)
    return obj
