"""Writes of the user administration pages (issue 9 §3.9): disable / enable an account, reset its password
(an initial password, changed at the next login), change its role and scope. Security administrators
manage every account but a superuser's; unit administrators the accounts of their own unit, never with a
role above their own (permissions.unit_admin_may_manage). Nobody changes their own account here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from dudao.common import audit
from dudao.common.errors import PermissionDenied, ValidationFailed

from .models import Role, User
from .permissions import may_manage_user
from .services import USER_AUDIT_FIELDS, _check_may_manage, scope_errors


def _locked(actor: Any, user: User) -> User:
    # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    target = User.objects.select_for_update().get(pk=user.pk)
    if not may_manage_user(actor, target):
        if actor is not None and target.pk == getattr(actor, "pk", None):
            raise PermissionDenied("不能在这里修改自己的账号")
        raise PermissionDenied("只能管理本单位范围内的账号")
    return target


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    """Disable (no more logins, API tokens stop working) or re-enable an account. Audited."""
    target = _locked(actor, user)
    if target.is_active == active:
        return target
    before = audit.snapshot(target, USER_AUDIT_FIELDS)
    target.is_active = active
    target.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="accounts.user.enabled" if active else "accounts.user.disabled",
        obj=target,
        before=before,
        after=audit.snapshot(target, USER_AUDIT_FIELDS),
    )
    return target


@transaction.atomic
def user_reset_password(*, actor: Any, user: User, password: str) -> User:
    """Set an initial password (password policy checked) that must be changed at the next login. Audited
    without the password."""
    target = _locked(actor, user)
    try:
        validate_password(password, target)
    except DjangoValidationError as exc:
        messages = [str(m) for m in exc.messages]
        raise ValidationFailed(messages[0], detail={"password": messages}) from exc
    target.set_password(password)
    target.must_change_password = True
    target.save(update_fields=["password", "must_change_password"])
    audit.record(
        actor=actor,
        action="accounts.password.reset",
        obj=target,
        after={"must_change_password": True},
    )
    return target


@transaction.atomic
def user_change_role(
    *,
    actor: Any,
    user: User,
    role: str,
    authority: Any = None,
    institution: Any = None,
    display_name: str | None = None,
) -> User:
    """Give the account another role and scope (both the account as it is and as it becomes must lie in the
    actor's unit; the new role no higher than the actor's own). Audited."""
    target = _locked(actor, user)
    _check_may_manage(actor, role=role, authority=authority, institution=institution)
    errors = scope_errors(role, authority, institution, target.person)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    before = audit.snapshot(target, USER_AUDIT_FIELDS)
    target.role, target.authority, target.institution = role, authority, institution
    # Security and audit administrators work in the Django admin (as user_create sets it).
    target.is_staff = target.is_superuser or role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
    fields = ["role", "authority", "institution", "is_staff"]
    if display_name is not None:
        target.display_name = display_name.strip()
        fields.append("display_name")
    target.save(update_fields=fields)
    after = audit.snapshot(target, USER_AUDIT_FIELDS)
    if after != before:
        audit.record(actor=actor, action="accounts.user.update", obj=target, before=before, after=after)
    return target
