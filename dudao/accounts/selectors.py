"""Reads of the accounts app: the user's own tokens, a description of the user's data scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .domain import grantable_roles
from .models import ApiToken, Role, User
from .permissions import (
    AUTHORITY_ROLES,
    INSTITUTION_ROLES,
    SEPARATED_ADMIN_ROLES,
    is_authority_admin,
    is_authority_user,
    is_institution_admin,
    is_institution_user,
    is_security_admin,
    is_superuser,
    region_prefix,
)


def tokens_for(user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (nobody lists other people's tokens through the API)."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def scope_of(user: Any) -> dict[str, Any]:
    """What data the user may see, as plain data for /me."""
    scope: dict[str, Any] = {"kind": "none", "label": scope_label(user), "person_id": user.person_id}
    if is_superuser(user):
        scope["kind"] = "all"
    elif is_authority_user(user):
        scope.update(
            kind="authority",
            authority_id=user.authority_id,
            authority_name=user.authority.name,
            region_prefix=region_prefix(user),
        )
    elif is_institution_user(user):
        scope.update(
            kind="institution", institution_id=user.institution_id, institution_name=user.institution.name
        )
    elif user.person_id:
        scope["kind"] = "person"
        if user.authority_id:
            scope.update(authority_id=user.authority_id, authority_name=user.authority.name)
        if user.institution_id:
            scope.update(institution_id=user.institution_id, institution_name=user.institution.name)
    return scope


def role_label(user: Any) -> str:
    """The role in words (超级管理员 for a superuser without a role)."""
    if user is None or not user.is_authenticated:
        return ""
    if user.role:
        return Role(user.role).label if user.role in Role.values else user.role
    return "超级管理员" if user.is_superuser else "未分配角色"


def scope_label(user: Any) -> str:
    """What the user's data scope is, in words: the authority (with region), the institution, or 全部."""
    if user is None or not user.is_authenticated:
        return ""
    if is_authority_user(user):
        return user.authority.name
    if is_institution_user(user):
        return user.institution.name
    if user.role in (Role.EXTERNAL_SUPERVISOR, Role.INTERNAL_SUPERVISOR, Role.EXAMINER):
        if user.institution_id:
            return user.institution.name
        if user.authority_id:
            return user.authority.name
        return "本人"
    if user.is_superuser:
        return "全部数据"
    if user.role in SEPARATED_ADMIN_ROLES:
        return "平台管理(不含业务数据)"
    return "未分配范围"


def users_managed_by(actor: Any) -> QuerySet[User]:
    """Accounts the user administration page lists for `actor` (never the actor itself): security
    administrators and superusers every account (superusers only for superusers); an authority admin its
    authority's accounts and those of the institutions in its region; an institution admin its own
    institution's. Only accounts of roles the unit admin may grant are listed."""
    qs = User.objects.select_related("authority", "institution").exclude(pk=actor.pk)
    if is_superuser(actor):
        return qs
    if is_security_admin(actor):
        return qs.filter(is_superuser=False)
    grants = grantable_roles(actor.role or "")
    if is_authority_admin(actor):
        prefix = region_prefix(actor)
        return qs.filter(is_superuser=False, role__in=grants).filter(
            Q(role__in=AUTHORITY_ROLES, authority_id=actor.authority_id)
            | Q(role__in=INSTITUTION_ROLES, institution__region__code__startswith=prefix)
        )
    if is_institution_admin(actor):
        return qs.filter(is_superuser=False, role__in=grants, institution_id=actor.institution_id)
    return qs.none()
