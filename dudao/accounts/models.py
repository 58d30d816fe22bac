"""Users with one role and a data scope (authority region or institution), login log, API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    AUTHORITY_ADMIN = "authority_admin", "委派机构管理员"
    AUTHORITY_STAFF = "authority_staff", "委派机构工作人员"
    EXTERNAL_SUPERVISOR = "external_supervisor", "外部质量督导员"
    INTERNAL_SUPERVISOR = "internal_supervisor", "内部质量督导员"
    INSTITUTION_ADMIN = "institution_admin", "评价机构管理员"
    INSTITUTION_STAFF = "institution_staff", "评价机构工作人员"
    EXAMINER = "examiner", "考评员"


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
    failed_logins = models.PositiveIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

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


class ApiToken(models.Model):
    """Machine access token (Bearer); only its SHA-256 is stored, the key is shown once."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=64)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("前缀", max_length=8, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked = models.BooleanField("已吊销", default=False)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
