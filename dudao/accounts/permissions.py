"""Role predicates (rules) and the data-scope helpers every app's permissions build on."""

from __future__ import annotations

import rules

from .models import Role

AUTHORITY_ROLES = {Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF}
INSTITUTION_ROLES = {Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF}
SUPERVISOR_ROLES = {Role.EXTERNAL_SUPERVISOR, Role.INTERNAL_SUPERVISOR}


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


@rules.predicate
def is_superuser(user) -> bool:
    return _authenticated(user) and user.is_superuser


@rules.predicate
def is_authority_user(user) -> bool:
    return _authenticated(user) and user.role in AUTHORITY_ROLES and user.authority_id is not None


@rules.predicate
def is_authority_admin(user) -> bool:
    return _authenticated(user) and user.role == Role.AUTHORITY_ADMIN and user.authority_id is not None


@rules.predicate
def is_institution_user(user) -> bool:
    return _authenticated(user) and user.role in INSTITUTION_ROLES and user.institution_id is not None


@rules.predicate
def is_institution_admin(user) -> bool:
    return _authenticated(user) and user.role == Role.INSTITUTION_ADMIN and user.institution_id is not None


@rules.predicate
def is_supervisor(user) -> bool:
    return _authenticated(user) and user.role in SUPERVISOR_ROLES


@rules.predicate
def is_examiner(user) -> bool:
    return _authenticated(user) and user.role == Role.EXAMINER


is_staff_of_authority_or_super = is_superuser | is_authority_user
can_reveal_pii = is_superuser | is_authority_admin

rules.add_perm("accounts.reveal_pii", can_reveal_pii)


def region_prefix(user) -> str | None:
    """GB/T 2260 code prefix of an authority user's region (`36`, `3601`); None when not scoped by region."""
    if not is_authority_user(user):
        return None
    region = user.authority.region
    return region.prefix


def region_prefix_covers(user, region_code: str | None) -> bool:
    """True when `region_code` lies in the authority user's region or below (superusers: always)."""
    if is_superuser(user):
        return True
    prefix = region_prefix(user)
    return bool(prefix is not None and region_code and region_code.startswith(prefix))
