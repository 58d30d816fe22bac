"""Reads of batch archives, scoped by user (see permissions.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import NotFound
from dudao.exams.selectors import batch_scope
from dudao.registry.permissions import user_region_prefix

from .models import ArchivePackage, DestructionPlan


def packages_for(user: Any) -> QuerySet[ArchivePackage]:
    """Packages of the batches the user oversees (institution, authority by region, batch supervisors)."""
    qs = ArchivePackage.objects.select_related("institution", "plan__batch", "uploaded_by")
    q = batch_scope(user, "plan__batch__")
    return qs if q is None else qs.filter(q)


def package_get(user: Any, pk: Any) -> ArchivePackage:
    try:
        return packages_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, ArchivePackage.DoesNotExist):
        raise NotFound("归档包不存在或无权查看") from None


def destruction_plans_for(user: Any) -> QuerySet[DestructionPlan]:
    """Destruction plans: an institution's own users, the authority by region, superusers."""
    qs = DestructionPlan.objects.select_related("institution", "created_by", "approved_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_superuser(user):
        return qs
    if is_institution_user(user):
        return qs.filter(institution_id=user.institution_id)
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return qs.filter(institution__region__code__startswith=prefix) if prefix else qs.none()
    return qs.none()


def destruction_plan_get(user: Any, pk: Any) -> DestructionPlan:
    try:
        return destruction_plans_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, DestructionPlan.DoesNotExist):
        raise NotFound("销毁计划不存在或无权查看") from None
