"""Venues (考核场所): create and update."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dudao.common import audit
from dudao.common.writes import (
    check_fields,
    clean,
    fail,
    lock_version,
    require_perm,
    save_changed,
    text,
    visible_or_404,
)

from .. import domain, selectors
from ..models import Institution, Venue

# ---------------------------------------------------------------------------------------------------------
# Venues
VENUE_FIELDS = ("name", "address", "room_count", "capacity", "camera_count", "is_active")


def _venue_values(values: dict[str, Any]) -> dict[str, Any]:
    for name in ("name", "address"):
        if name in values:
            values[name] = text(values[name])
    if "name" in values and not values["name"]:
        raise fail("name", "请填写场所名称")
    for name, label, minimum in domain.VENUE_COUNTS:
        if name in values:
            try:
                values[name] = domain.venue_count(values[name], label, minimum)
            except ValueError as exc:
                raise fail(name, str(exc)) from None
    return values


@transaction.atomic
def venue_create(
    *,
    actor,
    institution: Institution | int,
    name: str,
    address: str = "",
    room_count: int = 1,
    capacity: int = 30,
    camera_count: int = 0,
    is_active: bool = True,
) -> Venue:
    """Add an evaluation site (考核场所) to an institution."""
    target = visible_or_404(selectors.institutions_for(actor), institution)
    require_perm(actor, "registry.add_venue", target)
    with transaction.atomic():
        values = _venue_values(
            {
                "name": name,
                "address": address,
                "room_count": room_count,
                "capacity": capacity,
                "camera_count": camera_count,
            }
        )
        venue = Venue(institution=target, **values, is_active=bool(is_active))
        clean(venue)
        venue.save()
        audit.record(actor=actor, action="registry.venue.create", obj=venue, after=audit.snapshot(venue))
    return venue


@transaction.atomic
def venue_update(*, actor, venue: Venue | int, row_version: int, **changes: Any) -> Venue:
    """Change an evaluation site."""
    check_fields(changes, VENUE_FIELDS)
    target = visible_or_404(selectors.venues_for(actor).select_related("institution"), venue)
    require_perm(actor, "registry.change_venue", target)
    with transaction.atomic():
        obj = lock_version(target, row_version)
        before = audit.snapshot(obj)
        save_changed(
            obj, _venue_values(dict(changes)), actor=actor, action="registry.venue.update", before=before
        )
    return obj
