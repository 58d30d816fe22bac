"""Who gets a message: the usual recipient groups, as querysets of active users (one query when used)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from dudao.accounts.models import Role
from dudao.accounts.permissions import AUTHORITY_ROLES, INSTITUTION_ROLES


def authority_staff_for_region(region_code: str, *, roles: set[str] | None = None) -> QuerySet:
    """Active authority users (admin and staff) whose authority's region covers `region_code`.

    Same rule as `accounts.permissions.region_prefix_covers`: a province authority covers every code
    with its 2-digit prefix, a city authority its 4-digit prefix, a district authority its own code.
    """
    User = get_user_model()
    roles = set(roles) if roles is not None else set(AUTHORITY_ROLES)
    if not region_code or not roles <= set(AUTHORITY_ROLES):
        return User.objects.none()
    covers = (
        Q(authority__region__kind="province", authority__region__code__startswith=region_code[:2])
        | Q(authority__region__kind="city", authority__region__code__startswith=region_code[:4])
        | Q(authority__region__kind="district", authority__region__code=region_code)
    )
    return (
        User.objects.filter(is_active=True, role__in=roles, authority__isnull=False)
        .filter(covers)
        .order_by("pk")
    )


def _members(field: str, owner: Any, roles: set[str] | None, allowed: set[str]) -> QuerySet:
    """Active users of `owner` (a model instance or its id) through `field`, with roles among `allowed`."""
    User = get_user_model()
    roles = set(roles) if roles is not None else set(allowed)
    if owner is None or not roles <= set(allowed):
        return User.objects.none()
    owner_id = getattr(owner, "pk", owner)
    return User.objects.filter(is_active=True, role__in=roles, **{field: owner_id}).order_by("pk")


def authority_users(authority: Any, *, roles: set[str] | None = None) -> QuerySet:
    """Active admins and staff of one authority (a model instance or its id), e.g. the one holding a filing
    (谁备案、谁负责), whatever region it covers."""
    return _members("authority_id", authority, roles, AUTHORITY_ROLES)


def institution_users(institution: Any, *, roles: set[str] | None = None) -> QuerySet:
    """Active institution admins and staff of `institution` (a model instance or its id)."""
    return _members("institution_id", institution, roles, INSTITUTION_ROLES)


def institution_admins(institution: Any) -> QuerySet:
    """Only the institution's admins (for messages about decisions addressed to the institution)."""
    return institution_users(institution, roles={Role.INSTITUTION_ADMIN})
