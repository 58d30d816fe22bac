"""Writes of the user administration pages (issue 9 §3.9): disable / enable an account, reset its password
(an initial password, changed at the next login), change its role and scope. Security administrators
manage every account but a superuser's; unit administrators the accounts of their own unit, never with a
role above their own (permissions.unit_admin_may_manage). Nobody changes their own account here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from dudao.common import audit
from dudao.common.errors import PermissionDenied, ValidationFailed, validation_error_from_django

from .models import Role, User
from .permissions import is_superuser, may_manage_user
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


# The account fields the Django admin's change form edits; the last two only a superuser grants.
ADMIN_FIELDS = (
    "username",
    "display_name",
    "email",
    "role",
    "authority",
    "institution",
    "person",
    "is_active",
    "must_change_password",
    "is_staff",
    "is_superuser",
)
SUPERUSER_FIELDS = ("is_staff", "is_superuser")


@transaction.atomic
def user_update(*, actor: Any, user: User, changes: Mapping[str, Any]) -> User:
    """Change an account's fields from the Django admin: the same role/scope rules as `user_create`, the
    account before and after within the actor's reach, admin rights granted only by a superuser. Audited
    (`accounts.user_changed`) when anything changed."""
    unknown = sorted(set(changes) - set(ADMIN_FIELDS))
    if unknown:
        raise ValidationFailed(f"不能在这里修改:{'、'.join(unknown)}")
    target = User.objects.select_for_update().get(pk=user.pk)
    superuser = actor is None or is_superuser(actor)
    if not superuser and target.pk == getattr(actor, "pk", None):
        raise PermissionDenied("不能在这里修改自己的账号")  # separation of duties: nobody widens their own
    if target.is_superuser and not superuser:
        raise PermissionDenied("只有超级管理员可以修改超级管理员账号")
    if not superuser and set(changes) & set(SUPERUSER_FIELDS):
        raise PermissionDenied("只有超级管理员可以授予后台权限")
    _check_may_manage(actor, role=target.role, authority=target.authority, institution=target.institution)
    before = audit.snapshot(target, USER_AUDIT_FIELDS)
    changed = [name for name, value in changes.items() if getattr(target, name) != value]
    for name in changed:
        setattr(target, name, changes[name])
    _check_may_manage(actor, role=target.role, authority=target.authority, institution=target.institution)
    errors = scope_errors(target.role, target.authority, target.institution, target.person)
    target.username = (target.username or "").strip()
    if not target.username:
        errors["username"] = ["用户名不能为空"]
    elif User.objects.filter(username=target.username).exclude(pk=target.pk).exists():
        errors["username"] = [f"用户名「{target.username}」已存在"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    # Security and audit administrators work in the Django admin (as user_create sets it).
    if not superuser and target.is_staff != role_is_staff(target.role):
        target.is_staff = role_is_staff(target.role)
        changed.append("is_staff")
    try:
        target.full_clean()
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from exc
    if not changed:
        return target
    target.save(update_fields=list(dict.fromkeys(changed)))
    after = audit.snapshot(target, USER_AUDIT_FIELDS)
    if after != before:
        audit.record(actor=actor, action="accounts.user.update", obj=target, before=before, after=after)
    return target


def role_is_staff(role: str) -> bool:
    """Security and audit administrators get Django admin access for the account pages and the log."""
    return role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
