"""Reads of complaints, scoped by user (see permissions.py). The filer's contact is never read here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dudao.accounts.permissions import is_authority_user, is_superuser
from dudao.common.errors import NotFound
from dudao.registry.permissions import user_region_prefix

from .models import Complaint


def complaints_for(user: Any) -> QuerySet[Complaint]:
    """Superusers: all; the authority's users: institutions of their region and below; others: none."""
    qs = Complaint.objects.select_related("institution", "decided_by", "task", "penalty")
    qs = qs.defer("contact_name", "contact_phone")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return qs.filter(institution__region__code__startswith=prefix) if prefix else qs.none()
    return qs.none()


def complaint_get(user: Any, pk: Any) -> Complaint:
    try:
        return complaints_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, Complaint.DoesNotExist):
        raise NotFound("投诉不存在或无权查看") from None
