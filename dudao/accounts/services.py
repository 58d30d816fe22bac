"""Account writers: login attempts with lockout, users, API tokens (all audited where they change state)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import NotFound, PermissionDenied, ValidationFailed, validation_error_from_django

from .auth import hash_token
from .models import ApiToken, LoginEvent, Role, User
from .permissions import (
    AUTHORITY_ROLES,
    INSTITUTION_ROLES,
    SUPERVISOR_ROLES,
    is_authority_admin,
    is_superuser,
    region_prefix,
)

GENERIC_LOGIN_ERROR = "用户名或密码错误"
# Fields of User that may appear in audit events (never the password hash).
USER_AUDIT_FIELDS = [
    "id",
    "username",
    "display_name",
    "role",
    "authority",
    "institution",
    "person",
    "is_active",
    "is_staff",
    "is_superuser",
    "failed_logins",
    "locked_until",
]
TOKEN_AUDIT_FIELDS = ["id", "user", "name", "prefix", "created_at", "revoked"]


class LoginReason:
    SUCCESS = ""
    BAD_PASSWORD = "bad_password"  # noqa: S105 - a reason code, not a password
    LOCKED = "locked"
    UNKNOWN_USER = "unknown_user"
    INACTIVE = "inactive"
    NOT_STAFF = "not_staff"


@dataclass(frozen=True)
class LoginResult:
    """Outcome of one login attempt; `message` is what the login form shows (Chinese)."""

    user: User | None
    reason: str
    message: str = ""
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None and not self.reason


def _max_failures() -> int:
    return max(1, int(settings.DUDAO_LOGIN_MAX_FAILURES))


def _lock_minutes() -> int:
    return max(1, int(settings.DUDAO_LOGIN_LOCK_MINUTES))


def login_refused_message() -> str:
    """The one message for an unknown user, a wrong password and a locked account (REVIEW L9).

    Telling them apart would reveal which accounts exist (only existing ones can be locked) and, while
    an account is locked, whether a guessed password was right; the lockout rule is stated instead so
    that a locked-out user knows why even the right password fails.
    """
    return (
        f"{GENERIC_LOGIN_ERROR}。连续输错 {_max_failures()} 次账号将锁定 {_lock_minutes()} 分钟,"
        "锁定期间无法登录;如需提前解锁请联系管理员"
    )


def _log(
    *, user: User | None, username: str, ip: str | None, user_agent: str, success: bool, reason: str
) -> None:
    LoginEvent.objects.create(
        user=user,
        username=username[:150],
        ip=ip or None,
        user_agent=(user_agent or "")[:255],
        success=success,
        reason=reason,
    )


@transaction.atomic
def login_attempt(
    *, username: str, password: str, ip: str | None, user_agent: str, require_staff: bool = False
) -> LoginResult:
    """Check a username/password, apply the lockout rule and write a LoginEvent for every attempt."""
    username = (username or "").strip()
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        make_password(password)  # same cost as a real check: response time does not reveal unknown names
        _log(
            user=None,
            username=username,
            ip=ip,
            user_agent=user_agent,
            success=False,
            reason=LoginReason.UNKNOWN_USER,
        )
        return LoginResult(None, LoginReason.UNKNOWN_USER, login_refused_message())

    now = timezone.now()
    if user.locked_until is not None:
        if user.locked_until > now:
            make_password(password)  # same cost and same answer as a wrong password or an unknown name
            _log(
                user=user,
                username=username,
                ip=ip,
                user_agent=user_agent,
                success=False,
                reason=LoginReason.LOCKED,
            )
            return LoginResult(None, LoginReason.LOCKED, login_refused_message(), user.locked_until)
        # The lock has run out: start counting afresh.
        user.locked_until = None
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])

    if not user.check_password(password):
        if not user.is_active:
            _log(
                user=user,
                username=username,
                ip=ip,
                user_agent=user_agent,
                success=False,
                reason=LoginReason.INACTIVE,
            )
            return LoginResult(None, LoginReason.INACTIVE, login_refused_message())
        before = audit.snapshot(user, USER_AUDIT_FIELDS)
        user.failed_logins += 1
        update_fields = ["failed_logins"]
        locked = user.failed_logins >= _max_failures()
        if locked:
            user.locked_until = now + dt.timedelta(minutes=_lock_minutes())
            update_fields.append("locked_until")
        user.save(update_fields=update_fields)
        _log(
            user=user,
            username=username,
            ip=ip,
            user_agent=user_agent,
            success=False,
            reason=LoginReason.BAD_PASSWORD,
        )
        if locked:
            audit.record(
                actor=None,
                action="accounts.user_locked",
                obj=user,
                before=before,
                after=audit.snapshot(user, USER_AUDIT_FIELDS),
            )
            return LoginResult(None, LoginReason.BAD_PASSWORD, login_refused_message(), user.locked_until)
        return LoginResult(None, LoginReason.BAD_PASSWORD, login_refused_message())

    if not user.is_active:
        _log(
            user=user,
            username=username,
            ip=ip,
            user_agent=user_agent,
            success=False,
            reason=LoginReason.INACTIVE,
        )
        return LoginResult(None, LoginReason.INACTIVE, "账号已停用,请联系管理员")
    if require_staff and not user.is_staff:
        _log(
            user=user,
            username=username,
            ip=ip,
            user_agent=user_agent,
            success=False,
            reason=LoginReason.NOT_STAFF,
        )
        return LoginResult(None, LoginReason.NOT_STAFF, "该账号无权进入管理后台")

    if user.failed_logins:
        user.failed_logins = 0
        user.save(update_fields=["failed_logins"])
    _log(user=user, username=username, ip=ip, user_agent=user_agent, success=True, reason=LoginReason.SUCCESS)
    return LoginResult(user, LoginReason.SUCCESS)


@transaction.atomic
def user_unlock(*, actor: Any, user: User) -> User:
    """Lift a login lock before it runs out (superusers and authority admins of the user's region)."""
    _check_may_manage(actor, role=user.role, authority=user.authority, institution=user.institution)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.locked_until is None and not user.failed_logins:
        return user
    before = audit.snapshot(user, USER_AUDIT_FIELDS)
    user.locked_until = None
    user.failed_logins = 0
    user.save(update_fields=["locked_until", "failed_logins"])
    audit.record(
        actor=actor,
        action="accounts.user_unlocked",
        obj=user,
        before=before,
        after=audit.snapshot(user, USER_AUDIT_FIELDS),
    )
    return user


def _in_region(actor: Any, region_id: str | None) -> bool:
    prefix = region_prefix(actor)
    return bool(prefix and region_id and region_id.startswith(prefix))


def _check_may_manage(actor: Any, *, role: str, authority: Any, institution: Any) -> None:
    """System (actor None) and superusers may manage anyone; authority admins users of their region."""
    if actor is None or is_superuser(actor):
        return
    if not is_authority_admin(actor):
        raise PermissionDenied("只有超级管理员或委派机构管理员可以管理用户")
    if authority is not None and not _in_region(actor, authority.region_id):
        raise PermissionDenied("不能管理本辖区以外的委派机构用户")
    if institution is not None and not _in_region(actor, institution.region_id):
        raise PermissionDenied("不能管理本辖区以外的评价机构用户")
    if (
        role in AUTHORITY_ROLES
        and authority is not None
        and authority.pk != actor.authority_id
        and role == Role.AUTHORITY_ADMIN
    ):
        raise PermissionDenied("不能为其他委派机构创建管理员")


def scope_errors(role: str, authority: Any, institution: Any, person: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [f"无效的角色「{role}」"]
        return errors
    if role in AUTHORITY_ROLES:
        if authority is None:
            errors["authority"] = ["委派机构角色必须指定所属委派机构"]
        if institution is not None:
            errors["institution"] = ["委派机构角色不能指定评价机构"]
    if role in INSTITUTION_ROLES:
        if institution is None:
            errors["institution"] = ["评价机构角色必须指定所属评价机构"]
        if authority is not None:
            errors["authority"] = ["评价机构角色不能指定委派机构"]
    if (role in SUPERVISOR_ROLES or role == Role.EXAMINER) and person is None:
        errors["person"] = ["督导员、考评员角色必须关联人员信息"]
    if role == Role.INTERNAL_SUPERVISOR and institution is None:
        errors.setdefault("institution", []).append("内部质量督导员必须指定所属评价机构")
    if role == Role.EXTERNAL_SUPERVISOR and authority is None:
        errors.setdefault("authority", []).append("外部质量督导员必须指定委派机构")
    return errors


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    authority: Any = None,
    institution: Any = None,
    person: Any = None,
    display_name: str = "",
) -> User:
    """Create an account whose role fits its scope (authority / institution / person); audited."""
    _check_may_manage(actor, role=role, authority=authority, institution=institution)
    errors = scope_errors(role, authority, institution, person)
    username = (username or "").strip()
    if not username:
        errors["username"] = ["用户名不能为空"]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [f"用户名「{username}」已存在"]
    user = User(
        username=username,
        role=role,
        authority=authority,
        institution=institution,
        person=person,
        display_name=display_name.strip(),
    )
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        errors["password"] = [str(m) for m in exc.messages]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, detail=errors)
    user.set_password(password)
    try:
        user.full_clean()
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from exc
    user.save()
    audit.record(
        actor=actor, action="accounts.user_created", obj=user, after=audit.snapshot(user, USER_AUDIT_FIELDS)
    )
    return user


def _new_key() -> str:
    return "ddo_" + secrets.token_urlsafe(32)


@transaction.atomic
def token_create(*, actor: Any, name: str, user: User | None = None) -> tuple[ApiToken, str]:
    """Issue a Bearer token; only its hash is stored, the key is returned once. Audited."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    owner = user or actor
    if owner is None:
        raise ValidationFailed("必须指定令牌所属用户", detail={"user": ["必须指定令牌所属用户"]})
    if actor is not None and owner.pk != actor.pk and not is_superuser(actor):
        raise PermissionDenied("只能为自己创建令牌")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写令牌用途", detail={"name": ["请填写令牌用途"]})
    if not owner.is_active:
        raise ValidationFailed("账号已停用,不能创建令牌", detail={"user": ["账号已停用"]})
    key = _new_key()
    token = ApiToken(user=owner, name=name, key_hash=hash_token(key), prefix=key[4:12])
    try:
        token.full_clean()
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from exc
    token.save()
    audit.record(
        actor=actor,
        action="accounts.token_created",
        obj=token,
        after=audit.snapshot(token, TOKEN_AUDIT_FIELDS),
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor: Any, token_id: int) -> ApiToken:
    """Revoke a token: the owner or a superuser; someone else's token is reported as not found. Audited."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or actor is None or (token.user_id != actor.pk and not is_superuser(actor)):
        raise NotFound("令牌不存在")
    if token.revoked:
        return token  # idempotent: revoking twice changes nothing
    before = audit.snapshot(token, TOKEN_AUDIT_FIELDS)
    token.revoked = True
    token.save(update_fields=["revoked"])
    audit.record(
        actor=actor,
        action="accounts.token_revoked",
        obj=token,
        before=before,
        after=audit.snapshot(token, TOKEN_AUDIT_FIELDS),
    )
    return token
