"""Login forms for the page and the Django admin: both go through services.login_attempt (same lockout)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from . import services

# Several backends are configured (rules + ModelBackend): login() must be told which one vouched for the user.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class _LockoutMixin:
    require_staff = False

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            request = self.request
            result = services.login_attempt(
                username=username,
                password=password,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "") if request is not None else "",
                require_staff=self.require_staff,
            )
            if not result.ok:
                raise forms.ValidationError(result.message, code=result.reason or "invalid_login")
            self.user_cache = result.user
            self.user_cache.backend = MODEL_BACKEND
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginForm(_LockoutMixin, AuthenticationForm):
    """The /login/ page form."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].widget.attrs.update(
            {"placeholder": "请输入用户名", "autocomplete": "username"}
        )
        self.fields["password"].widget.attrs.update(
            {"placeholder": "请输入密码", "autocomplete": "current-password"}
        )
        self.error_messages = {**self.error_messages, "inactive": "账号已停用,请联系管理员"}


class AdminLoginForm(_LockoutMixin, AdminAuthenticationForm):
    """The Django admin's login form, sharing the page's lockout rule and login log."""

    require_staff = True
