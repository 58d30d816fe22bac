"""Role predicates (rules) and the data-scope helpers every app's permissions build on."""

from __future__ import annotations

from typing import Any

import rules

from .domain import grantable_roles
from .models import Role

AUTHORITY_ROLES = {Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF}
INSTITUTION_ROLES = {Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF}
SUPERVISOR_ROLES = {Role.EXTERNAL_SUPERVISOR, Role.INTERNAL_SUPERVISOR}
# 三权分立 (SEC-2): platform-wide administrator roles without a data scope.
SEPARATED_ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
# Roles that must log in with a second factor (SEC-2: administrators), besides superusers.
TWO_FACTOR_ROLES = {*SEPARATED_ADMIN_ROLES, Role.AUTHORITY_ADMIN}


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


@rules.predicate
def is_system_admin(user) -> bool:
    """系统管理员: configuration and reference data (occupations, regions, calendar, score forms)."""
    return _authenticated(user) and user.role == Role.SYSTEM_ADMIN


@rules.predicate
def is_security_admin(user) -> bool:
    """安全管理员: accounts, roles and scopes; reads no business data."""
    return _authenticated(user) and user.role == Role.SECURITY_ADMIN


@rules.predicate
def is_audit_admin(user) -> bool:
    """审计管理员: reads the audit chain and the login log; changes nothing."""
    return _authenticated(user) and user.role == Role.AUDIT_ADMIN


def requires_two_factor(user) -> bool:
    """Superusers and administrator roles must pass a second factor at login (SEC-2)."""
    return bool(user is not None and (user.is_superuser or user.role in TWO_FACTOR_ROLES))


is_staff_of_authority_or_super = is_superuser | is_authority_user
can_manage_accounts = is_superuser | is_security_admin
can_read_audit = is_superuser | is_audit_admin
can_read_login_log = is_superuser | is_audit_admin
can_manage_reference_data = is_superuser | is_system_admin
can_reveal_pii = is_superuser | is_authority_admin

rules.add_perm("accounts.reveal_pii", can_reveal_pii)
# Django admin pages of the accounts app (model permissions, checked through the rules backend).
rules.add_perm("accounts.view_user", can_manage_accounts)
rules.add_perm("accounts.add_user", can_manage_accounts)
rules.add_perm("accounts.change_user", can_manage_accounts)
rules.add_perm("accounts.view_loginevent", can_read_login_log)
rules.add_perm("accounts", can_manage_accounts | can_read_login_log)  # the app's section in the admin


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


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def unit_admin_may_manage(actor: Any, *, role: str, authority: Any, institution: Any) -> bool:
    """A unit administrator may hold an account with `role` in this scope (issue 9 §3.9): the role is one
    it may grant (accounts.domain.grantable_roles) and the scope lies in its unit — an authority admin's
    own authority, or an institution in its region; an institution admin's own institution."""
    if role not in grantable_roles(getattr(actor, "role", "")):
        return False
    if is_authority_admin(actor):
        if role in AUTHORITY_ROLES:
            return institution is None and _pk(authority) == actor.authority_id
        if role in INSTITUTION_ROLES:
            if authority is not None or institution is None:
                return False
            region = getattr(institution, "region_id", None)
            return region_prefix_covers(actor, region)
        return False
    if is_institution_admin(actor):
        return authority is None and institution is not None and _pk(institution) == actor.institution_id
    return False


def may_manage_user(actor: Any, target: Any) -> bool:
    """`actor` may change `target` (disable, reset password, change role): not itself, and the account as
    it stands is one the actor could have created (security administrators: any but a superuser's)."""
    if not _authenticated(actor) or target.pk == actor.pk:
        return False
    if is_superuser(actor):
        return True
    if target.is_superuser:
        return False
    if is_security_admin(actor):
        return True
    return unit_admin_may_manage(
        actor, role=target.role, authority=target.authority, institution=target.institution
    )


is_unit_admin = is_authority_admin | is_institution_admin
can_administer_users = is_superuser | is_security_admin | is_unit_admin
# Roles that work with the API (machine access from their own systems): the authority's staff (provincial
# platform exchange), institution administrators (batches and candidates from their exam systems) and the
# system administrator (reference data by script). Everyone else works on the pages only.
uses_api = is_superuser | is_authority_user | is_institution_admin | is_system_admin
