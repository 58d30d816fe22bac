"""Account writers: login (throttle, per-address lock, second factor), passwords, users, API tokens;
every change and every login event is audited (SEC-1, SEC-2)."""

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
from dudao.common.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)

from . import throttle, twofactor
from .auth import hash_token
from .domain import grantable_roles
from .models import ApiToken, LoginEvent, LoginLock, RecoveryCode, Role, TokenScope, TotpDevice, User
from .permissions import (
    AUTHORITY_ROLES,
    INSTITUTION_ROLES,
    SEPARATED_ADMIN_ROLES,
    SUPERVISOR_ROLES,
    can_manage_accounts,
    is_superuser,
    requires_two_factor,
    unit_admin_may_manage,
    uses_api,
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
    "must_change_password",
]
TOKEN_AUDIT_FIELDS = ["id", "user", "name", "prefix", "scope", "created_at", "expires_at", "revoked"]
LOCK_AUDIT_FIELDS = ["id", "user", "ip", "failures", "locked_until"]


class LoginReason:
    SUCCESS = ""
    BAD_PASSWORD = "bad_password"  # noqa: S105 - a reason code, not a password
    LOCKED = "locked"
    UNKNOWN_USER = "unknown_user"
    INACTIVE = "inactive"
    THROTTLED = "throttled"
    SECOND_FACTOR_FAILED = "2fa_failed"


@dataclass(frozen=True)
class LoginResult:
    """Outcome of one password check; `message` is what the login form shows (Chinese)."""

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
        f"{GENERIC_LOGIN_ERROR}。在同一台电脑上连续输错 {_max_failures()} 次,账号在该电脑上将锁定 "
        f"{_lock_minutes()} 分钟;如需提前解锁请联系管理员"
    )


def throttled_message(wait: int) -> str:
    return f"登录尝试过于频繁,请 {wait} 秒后再试"


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


def _audit_login(
    action: str, *, actor: Any, user: User | None, username: str, ip: str | None, **extra: Any
) -> None:
    """Login events join the audit chain (SEC-1): who, from where, what happened."""
    audit.record(
        actor=actor,
        action=action,
        object_type="accounts.user",
        object_id=user.pk if user is not None else "",
        object_label=(str(user) if user is not None else username)[:255],
        after={"username": username[:150], "ip": ip or "", **extra},
    )


@transaction.atomic
def login_attempt(*, username: str, password: str, ip: str | None, user_agent: str) -> LoginResult:
    """Check a username/password (SEC-2): per-address throttle first, then the lock of this account
    from this address; every attempt is logged and every processed failure audited."""
    username = (username or "").strip()
    wait = throttle.address_wait_seconds(ip)
    if wait:
        # Refused unprocessed: the password is not checked, whichever name was tried.
        _log(user=None, username=username, ip=ip, user_agent=user_agent, success=False, reason="throttled")
        return LoginResult(None, LoginReason.THROTTLED, throttled_message(wait))
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        make_password(password)  # same cost as a real check: response time does not reveal unknown names
        return _failed(None, username, ip, user_agent, LoginReason.UNKNOWN_USER)

    now = timezone.now()
    lock = LoginLock.objects.select_for_update().filter(user=user, ip=ip or "").first()
    if lock is not None and lock.locked_until is not None:
        if lock.locked_until > now:
            make_password(password)  # same cost and same answer as a wrong password or an unknown name
            return _failed(user, username, ip, user_agent, LoginReason.LOCKED, lock.locked_until)
        lock.delete()  # the lock has run out: start counting afresh
        lock = None

    if not user.check_password(password):
        if not user.is_active:
            return _failed(user, username, ip, user_agent, LoginReason.INACTIVE)
        lock = lock or LoginLock(user=user, ip=ip or "")
        lock.failures += 1
        if lock.failures >= _max_failures():
            lock.locked_until = now + dt.timedelta(minutes=_lock_minutes())
        lock.save()
        if lock.locked_until is not None:
            audit.record(
                actor=None,
                action="accounts.user.lock",
                obj=user,
                after=audit.snapshot(lock, LOCK_AUDIT_FIELDS),
            )
        return _failed(user, username, ip, user_agent, LoginReason.BAD_PASSWORD, lock.locked_until)

    if not user.is_active:
        _failed(user, username, ip, user_agent, LoginReason.INACTIVE)
        return LoginResult(None, LoginReason.INACTIVE, "账号已停用,请联系管理员")
    if lock is not None:
        lock.delete()
    return LoginResult(user, LoginReason.SUCCESS)


def _failed(
    user: User | None,
    username: str,
    ip: str | None,
    user_agent: str,
    reason: str,
    locked_until: dt.datetime | None = None,
) -> LoginResult:
    throttle.address_failed(ip)
    _log(user=user, username=username, ip=ip, user_agent=user_agent, success=False, reason=reason)
    _audit_login(
        "accounts.session.login_failed", actor=None, user=user, username=username, ip=ip, reason=reason
    )
    return LoginResult(None, reason, login_refused_message(), locked_until)


@transaction.atomic
def login_completed(*, user: User, ip: str | None, user_agent: str, method: str) -> None:
    """The user passed every factor: log and audit the login (a superuser's as break-glass use)."""
    _log(user=user, username=user.username, ip=ip, user_agent=user_agent, success=True, reason="")
    action = "accounts.session.break_glass_login" if user.is_superuser else "accounts.session.login"
    _audit_login(action, actor=user, user=user, username=user.username, ip=ip, method=method)


@transaction.atomic
def logout_recorded(*, user: Any, ip: str | None, reason: str = "logout") -> None:
    """A session ended (logout, idle or absolute timeout): audited with the reason."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    _audit_login(
        "accounts.session.logout", actor=user, user=user, username=user.username, ip=ip, reason=reason
    )


@transaction.atomic
def second_factor_check(*, user: User, code: str, ip: str | None, user_agent: str) -> str | None:
    """Check a TOTP code or an unused recovery code; returns "totp"/"recovery", or None (audited).

    The per-address throttle applies here too, so six digits cannot be guessed quickly.
    """
    wait = throttle.address_wait_seconds(ip)
    if wait:
        raise throttle.TooManyRequests(throttled_message(wait), retry_after=wait)
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is not None:
        secret = twofactor.unseal(device.secret_encrypted)
        step = twofactor.matching_step(secret, code, after_step=device.last_step)
        if step is not None:
            device.last_step = step
            device.save(update_fields=["last_step"])
            return "totp"
    digest = twofactor.hash_recovery_code(user.pk, code)
    recovery = (
        RecoveryCode.objects.select_for_update().filter(user=user, code_hash=digest, used_at=None).first()
    )
    if recovery is not None:
        recovery.used_at = timezone.now()
        recovery.save(update_fields=["used_at"])
        _audit_login("accounts.recovery_code.use", actor=user, user=user, username=user.username, ip=ip)
        return "recovery"
    throttle.address_failed(ip)
    _log(
        user=user,
        username=user.username,
        ip=ip,
        user_agent=user_agent,
        success=False,
        reason=LoginReason.SECOND_FACTOR_FAILED,
    )
    _audit_login("accounts.session.totp_failed", actor=None, user=user, username=user.username, ip=ip)
    return None


def has_second_factor(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def totp_begin(*, user: User) -> str:
    """Start (or restart) enrolment: a new secret on an unconfirmed device; returns the secret."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed:
        raise Conflict("已启用双因素认证;如需更换设备请先停用")
    secret = twofactor.new_secret()
    if device is None:
        device = TotpDevice(user=user)
    device.secret_encrypted = twofactor.seal(secret)
    device.save()
    return secret


@transaction.atomic
def totp_provision(*, actor: Any, user: User) -> str:
    """Enrol the user with a new, already confirmed authenticator and return its secret.

    For the console and demo data only (actor None): `dudao demo-logins` prints the secret and the
    current code of demo administrators so that `make demo` works without a phone.
    """
    if actor is not None:
        raise PermissionDenied("只能由本人绑定认证器")
    secret = twofactor.new_secret()
    TotpDevice.objects.update_or_create(
        user=user, defaults={"secret_encrypted": twofactor.seal(secret), "confirmed": True, "last_step": 0}
    )
    audit.record(actor=actor, action="accounts.totp.enroll", obj=user, after={"confirmed": True})
    return secret


def confirmed_secret(user: User) -> str | None:
    """The secret of the user's confirmed authenticator (demo-logins prints it for demo admins only)."""
    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    return twofactor.unseal(device.secret_encrypted) if device is not None else None


def pending_secret(user: User) -> str | None:
    device = TotpDevice.objects.filter(user=user, confirmed=False).first()
    return twofactor.unseal(device.secret_encrypted) if device is not None else None


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> list[str]:
    """Finish enrolment with a first valid code; returns ten recovery codes (shown once). Audited."""
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationFailed("请先扫描二维码开始绑定", detail={"code": ["请先扫描二维码开始绑定"]})
    step = twofactor.matching_step(twofactor.unseal(device.secret_encrypted), code, after_step=0)
    if step is None:
        raise ValidationFailed("动态口令不正确,请核对手机时间后重新输入", detail={"code": ["动态口令不正确"]})
    device.confirmed = True
    device.last_step = step
    device.save(update_fields=["confirmed", "last_step"])
    audit.record(actor=user, action="accounts.totp.enroll", obj=user, after={"confirmed": True})
    return _replace_recovery_codes(user)


def _replace_recovery_codes(user: User) -> list[str]:
    codes = twofactor.new_recovery_codes()
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=twofactor.hash_recovery_code(user.pk, c)) for c in codes]
    )
    audit.record(actor=user, action="accounts.recovery_code.create", obj=user, after={"count": len(codes)})
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes replace the old ones (all of them); audited."""
    if not has_second_factor(user):
        raise ValidationFailed("请先启用双因素认证")
    return _replace_recovery_codes(user)


@transaction.atomic
def totp_disable(*, actor: Any, user: User) -> None:
    """Remove the user's authenticator and recovery codes: the user (when 2FA is optional for them) or
    an account manager (a lost phone). An administrator then enrols again at the next login. Audited."""
    if actor is None or actor.pk != user.pk:
        if actor is not None and not can_manage_accounts(actor):
            raise PermissionDenied("只有安全管理员可以重置他人的双因素认证")
    elif requires_two_factor(user) and settings.DUDAO_REQUIRE_2FA:
        raise PermissionDenied("管理员账号必须使用双因素认证,不能停用")
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit.record(actor=actor, action="accounts.totp.disable", obj=user, after={"confirmed": False})


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The user changes their own password (policy checked); clears the first-login flag. Audited."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(old_password):
        errors["old_password"] = ["原密码不正确"]
    if old_password and old_password == new_password:
        errors["new_password"] = ["新密码不能与原密码相同"]
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        errors.setdefault("new_password", []).extend(str(m) for m in exc.messages)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    before = audit.snapshot(user, USER_AUDIT_FIELDS)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(
        actor=user,
        action="accounts.password.change",
        obj=user,
        before=before,
        after=audit.snapshot(user, USER_AUDIT_FIELDS),
    )
    return user


@transaction.atomic
def user_unlock(*, actor: Any, user: User) -> User:
    """Lift every login lock of the account (all addresses) before it runs out (account managers)."""
    _check_may_manage(actor, role=user.role, authority=user.authority, institution=user.institution)
    locks = list(LoginLock.objects.select_for_update().filter(user=user))
    if not locks:
        return user
    LoginLock.objects.filter(user=user).delete()
    audit.record(
        actor=actor,
        action="accounts.user.unlock",
        obj=user,
        before=[audit.snapshot(lock, LOCK_AUDIT_FIELDS) for lock in locks],
        after=[],
    )
    return user


def _check_may_manage(actor: Any, *, role: str, authority: Any, institution: Any) -> None:
    """三权分立 (SEC-2): accounts are managed by the system (actor None, console), superusers and security
    administrators; a unit administrator manages the accounts of its own unit, with roles no higher than
    its own (issue 9 §3.9, `unit_admin_may_manage`)."""
    if actor is None or can_manage_accounts(actor):
        return
    if unit_admin_may_manage(actor, role=role, authority=authority, institution=institution):
        return
    if grantable_roles(getattr(actor, "role", "")):
        raise PermissionDenied("只能管理本单位范围内的账号,且授予的角色不能高于本人")
    raise PermissionDenied("只有安全管理员可以管理账号")


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
    if role in SEPARATED_ADMIN_ROLES and (authority, institution, person) != (None, None, None):
        errors["role"] = ["系统、安全、审计管理员不属于任何机构,不能指定数据范围"]
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
    must_change_password: bool = True,
) -> User:
    """Create an account whose role fits its scope (authority / institution / person); audited.

    The initial password is changed at first login unless the caller says otherwise (demo data).
    Security administrators get Django admin access (is_staff) for the account pages.
    """
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
        must_change_password=must_change_password,
        is_staff=role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN),
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
        actor=actor, action="accounts.user.create", obj=user, after=audit.snapshot(user, USER_AUDIT_FIELDS)
    )
    return user


MAX_TOKEN_DAYS = 365
# Shown (403) to roles that work on the pages only: the token pages, endpoints and this service refuse them.
NO_API_MESSAGE = "本角色不使用 API,不能创建或管理 API 令牌"


def require_api_user(user: Any) -> None:
    """Only roles that use the API hold tokens (permissions.uses_api: the rule of the "API 令牌" menu)."""
    if not uses_api(user):
        raise PermissionDenied(NO_API_MESSAGE)


def _new_key() -> str:
    return "ddo_" + secrets.token_urlsafe(32)


@transaction.atomic
def token_create(
    *,
    actor: Any,
    name: str,
    user: User | None = None,
    scope: str = TokenScope.READ,
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """Issue a Bearer token with a scope (read / read_write) that expires after `days` (default
    DUDAO_TOKEN_DEFAULT_DAYS, at most 365); only its hash is stored, the key is returned once. Audited."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    owner = user or actor
    if owner is None:
        raise ValidationFailed("必须指定令牌所属用户", detail={"user": ["必须指定令牌所属用户"]})
    if actor is not None and owner.pk != actor.pk and not is_superuser(actor):
        raise PermissionDenied("只能为自己创建令牌")
    require_api_user(owner)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写令牌用途", detail={"name": ["请填写令牌用途"]})
    if not owner.is_active:
        raise ValidationFailed("账号已停用,不能创建令牌", detail={"user": ["账号已停用"]})
    if scope not in TokenScope.values:
        raise ValidationFailed("权限范围应为只读或读写", detail={"scope": ["应为 read 或 read_write"]})
    days = settings.DUDAO_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        message = f"有效期应为 1 至 {MAX_TOKEN_DAYS} 天"
        raise ValidationFailed(message, detail={"days": [message]})
    key = _new_key()
    token = ApiToken(
        user=owner,
        name=name,
        key_hash=hash_token(key),
        prefix=key[4:12],
        scope=scope,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    try:
        token.full_clean()
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from exc
    token.save()
    audit.record(
        actor=actor,
        action="accounts.token.create",
        obj=token,
        after=audit.snapshot(token, TOKEN_AUDIT_FIELDS),
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor: Any, token_id: int) -> ApiToken:
    """Revoke a token: the owner, an account manager or the system (console); someone else's token is
    reported as not found. Audited."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (actor is not None and token.user_id != actor.pk and not can_manage_accounts(actor)):
        raise NotFound("令牌不存在")
    if token.revoked:
        return token  # idempotent: revoking twice changes nothing
    before = audit.snapshot(token, TOKEN_AUDIT_FIELDS)
    token.revoked = True
    token.save(update_fields=["revoked"])
    audit.record(
        actor=actor,
        action="accounts.token.revoke",
        obj=token,
        before=before,
        after=audit.snapshot(token, TOKEN_AUDIT_FIELDS),
    )
    return token
