"""Users with one role and a data scope (authority region or institution), login log, API tokens,
two-factor devices and recovery codes, per-address login locks."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from dudao.common import pii


class Role(models.TextChoices):
    AUTHORITY_ADMIN = "authority_admin", "委派机构管理员"
    AUTHORITY_STAFF = "authority_staff", "委派机构工作人员"
    EXTERNAL_SUPERVISOR = "external_supervisor", "外部质量督导员"
    INTERNAL_SUPERVISOR = "internal_supervisor", "内部质量督导员"
    INSTITUTION_ADMIN = "institution_admin", "评价机构管理员"
    INSTITUTION_STAFF = "institution_staff", "评价机构工作人员"
    EXAMINER = "examiner", "考评员"
    # 三权分立 (SEC-2): platform-wide administrators without a data scope; none of them reads business data.
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


class User(AbstractUser):
    """A platform account; `role` + `authority`/`institution`/`person` decide what it may see and do."""

    role = models.CharField("角色", max_length=32, choices=Role.choices, blank=True)
    display_name = models.CharField("姓名", max_length=64, blank=True)
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="所属委派机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="所属评价机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name="对应人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    must_change_password = models.BooleanField(
        "下次登录须修改密码", default=False, help_text="管理员设置或重置的初始密码,本人登录后必须先修改"
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class LoginEvent(models.Model):
    """登录日志: every attempt, successful or not, with the reason for a refusal."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, verbose_name="用户", null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField("用户名", max_length=150)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=255, blank=True)
    success = models.BooleanField("成功")
    reason = models.CharField("原因", max_length=64, blank=True)

    class Meta:
        verbose_name = "登录日志"
        verbose_name_plural = "登录日志"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username} {'成功' if self.success else '失败'}"


class LoginLock(models.Model):
    """Failed passwords for one account from one address (SEC-2): a lock here refuses only that address,
    so that guessing from one machine cannot lock the real user out from theirs."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="login_locks")
    ip = models.CharField("来源地址", max_length=45)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "登录锁定"
        verbose_name_plural = "登录锁定"
        constraints = [models.UniqueConstraint(fields=["user", "ip"], name="accounts_loginlock_user_ip")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.ip}"


class TotpDevice(models.Model):
    """The user's authenticator (RFC 6238 TOTP); the secret is stored encrypted (common.pii)."""

    AUDIT_EXCLUDE = ("secret_encrypted",)

    user = models.OneToOneField(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="totp_device"
    )
    secret_encrypted = pii.CiphertextField(editable=False)  # `dudao pii rotate-key` re-encrypts it
    confirmed = models.BooleanField("已启用", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    # Time step of the last accepted code: a code is accepted once (no replay within its 30 s).
    last_step = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "双因素认证设备"
        verbose_name_plural = "双因素认证设备"

    def __str__(self) -> str:
        return f"{self.user} 的动态口令"


class RecoveryCode(models.Model):
    """One single-use recovery code; only its SHA-256 (with the user id) is stored, shown once."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "恢复码"
        verbose_name_plural = "恢复码"

    def __str__(self) -> str:
        return f"{self.user} 的恢复码"


class TokenScope(models.TextChoices):
    READ = "read", "只读"
    READ_WRITE = "read_write", "读写"


class ApiToken(models.Model):
    """Machine access token (Bearer); only its SHA-256 is stored, the key is shown once."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=64)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("前缀", max_length=8, editable=False)
    scope = models.CharField("权限范围", max_length=16, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked = models.BooleanField("已吊销", default=False)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ApiRateCounter(models.Model):
    """Requests of one token in one minute (SEC-2 API budget): one upsert per request, old minutes pruned."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    minute = models.BigIntegerField("分钟序号")  # Unix time // 60
    count = models.PositiveIntegerField("请求数", default=0)

    class Meta:
        verbose_name = "API 请求计数"
        verbose_name_plural = "API 请求计数"
        constraints = [models.UniqueConstraint(fields=["token", "minute"], name="accounts_rate_token_minute")]

    def __str__(self) -> str:
        return f"{self.token_id}@{self.minute}: {self.count}"


class AddressRateCounter(models.Model):
    """Anonymous requests of one kind (`bucket`) from one address in one window (the public pages and API):
    one upsert per request; windows that have ended are pruned."""

    bucket = models.CharField("类别", max_length=32)
    address = models.CharField("来源地址", max_length=64)
    ends = models.BigIntegerField("窗口结束时间")  # Unix seconds
    count = models.PositiveIntegerField("请求数", default=0)

    class Meta:
        verbose_name = "公开请求计数"
        verbose_name_plural = "公开请求计数"
        constraints = [
            models.UniqueConstraint(fields=["bucket", "address", "ends"], name="accounts_rate_address_window")
        ]
        indexes = [models.Index(fields=["ends"], name="accounts_rate_address_ends")]

    def __str__(self) -> str:
        return f"{self.bucket} {self.address} → {self.ends}: {self.count}"
