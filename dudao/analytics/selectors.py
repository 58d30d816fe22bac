"""Reads of flags, scoped by user (authority users: their region or below; superusers: all)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from dudao.accounts.permissions import is_authority_user, is_superuser, region_prefix

from .models import Flag


def flags_for(user: Any) -> QuerySet[Flag]:
    rows = Flag.objects.select_related(
        "institution", "batch", "examiner__person", "authority", "reviewer", "task", "complaint"
    )
    if is_superuser(user):
        return rows
    if not is_authority_user(user):
        return rows.none()
    prefix = region_prefix(user)
    if not prefix:
        return rows.none()
    return rows.filter(
        Q(institution__region__code__startswith=prefix)
        | Q(institution__isnull=True, authority__region__code__startswith=prefix)
    )


def filtered(
    rows: QuerySet[Flag], *, kind: Any = "", status: Any = "", institution: Any = ""
) -> QuerySet[Flag]:
    if kind:
        rows = rows.filter(kind=str(kind))
    if status:
        rows = rows.filter(status=str(status))
    if institution not in (None, ""):
        text = str(institution)
        # a database id: digits, small enough for any backend's integer column
        rows = rows.filter(institution_id=int(text)) if text.isdigit() and len(text) <= 9 else rows.none()
    return rows


def review_order(rows: QuerySet[Flag]) -> QuerySet[Flag]:
    """Open flags first, then the newest."""
    first = Case(When(status=Flag.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return rows.order_by(first, "-created_at", "-id")
