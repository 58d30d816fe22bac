"""Login forms: the password step goes through services.login_attempt (throttle, per-address lock)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from . import services
from .models import TokenScope

# Several backends are configured (rules + ModelBackend): login() must be told which one vouched for the user.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class LoginForm(AuthenticationForm):
    """The /login/ page form (the Django admin sends its users here too)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.error_messages = {**self.error_messages, "inactive": "账号已停用,请联系管理员"}

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
            )
            if not result.ok:
                raise forms.ValidationError(result.message, code=result.reason or "invalid_login")
            self.user_cache = result.user
            self.user_cache.backend = MODEL_BACKEND
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class CodeForm(forms.Form):
    code = forms.CharField(label="动态口令或恢复码", max_length=32, strip=True)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput, strip=False)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label="确认新密码", widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=64)
    scope = forms.ChoiceField(label="权限范围", choices=TokenScope.choices, initial=TokenScope.READ)
    days = forms.IntegerField(label="有效期(天)", min_value=1, max_value=365, initial=90)
