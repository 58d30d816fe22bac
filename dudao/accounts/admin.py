"""Django admin: accounts for superusers and security administrators, the login log (read-only) for
audit administrators, API tokens for superusers; sign-in goes through the /login/ page (SEC-2)."""

from __future__ import annotations

import contextvars
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from dudao.common.admin import ReadOnlyAdmin, ServiceAdmin
from dudao.common.errors import ApplicationError

from . import services, user_services, views
from .models import ApiToken, LoginEvent, User
from .permissions import may_manage_user

# The admin has no login of its own: /login/ applies the throttle, the locks and the second factor.
admin.site.login = views.admin_login
# Only a superuser grants superuser or raw permissions (三权分立: a security admin cannot make one).
SUPERUSER_ONLY_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


class UserAddForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "role", "authority", "institution", "person")


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


# The account manager behind the admin's password page (the form is built by Django without the request).
_password_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("admin_password_actor", default=None)


class PasswordResetByAdminForm(AdminPasswordChangeForm):
    """A password set by an account manager is an initial password (changed at the next login), written
    by `user_services.user_reset_password` (permission, policy, audit)."""

    def clean(self):
        data = super().clean()
        # Errors go on a field: the admin's password page shows no form-wide errors.
        if not data.get("set_usable_password", True):
            field = "usable_password" if "usable_password" in self.fields else "password1"
            self.add_error(field, "请设置新的初始密码;停用账号请使用“停用”")
        elif not may_manage_user(_password_actor.get(), self.user):
            self.add_error("password1", "只能重置本单位范围内其他账号的密码")
        return data

    def save(self, commit=True):
        return user_services.user_reset_password(
            actor=_password_actor.get(), user=self.user, password=self.cleaned_data["password1"]
        )


@admin.register(User)
class UserAdmin(ServiceAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    change_password_form = PasswordResetByAdminForm
    list_display = (
        "username",
        "display_name",
        "role",
        "authority",
        "institution",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("username", "display_name")
    list_select_related = ("authority", "institution")
    autocomplete_fields = ()
    raw_id_fields = ("person",)
    readonly_fields = ("last_login", "date_joined")
    actions = ["unlock_users", "reset_two_factor"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("display_name", "email")}),
        ("角色与数据范围", {"fields": ("role", "authority", "institution", "person")}),
        ("状态", {"fields": ("is_active", "must_change_password")}),
        (
            "后台权限",
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions"), "classes": ("collapse",)},
        ),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "password1", "password2")}),
        ("角色与数据范围", {"classes": ("wide",), "fields": ("role", "authority", "institution", "person")}),
    )

    def user_change_password(self, request, id, form_url=""):
        """The password page of an account: the reset goes through `user_reset_password` (audited)."""
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, *SUPERUSER_ONLY_FIELDS)

    def has_change_permission(self, request, obj=None):
        # A security admin does not edit the break-glass superusers.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_via_service(self, request, obj, form, change):
        """Role and scope are checked and the change audited by the same services as the account pages."""
        data = form.cleaned_data
        if not change:
            return services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password1"],
                role=data.get("role") or "",
                authority=data.get("authority"),
                institution=data.get("institution"),
                person=data.get("person"),
                display_name=data.get("display_name") or "",
            )
        changes = {name: data[name] for name in form.changed_data if name in user_services.ADMIN_FIELDS}
        return user_services.user_update(actor=request.user, user=obj, changes=changes)

    @admin.action(description="解除登录锁定", permissions=["change"])
    def unlock_users(self, request, queryset):
        count = 0
        for user in queryset.filter(login_locks__isnull=False).distinct():
            services.user_unlock(actor=request.user, user=user)
            count += 1
        self.message_user(request, f"已解除 {count} 个账号的登录锁定", messages.SUCCESS)

    @admin.action(description="重置双因素认证(手机丢失时)", permissions=["change"])
    def reset_two_factor(self, request, queryset):
        count = 0
        for user in queryset.filter(totp_device__isnull=False):
            services.totp_disable(actor=request.user, user=user)
            count += 1
        self.message_user(request, f"已重置 {count} 个账号的双因素认证,下次登录时重新绑定", messages.SUCCESS)


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "success", "reason", "ip", "user_agent")
    list_filter = ("success", "reason")
    search_fields = ("username", "ip")
    date_hierarchy = "at"


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("user", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked")
    actions = ["revoke_tokens"]

    def has_add_permission(self, request):
        return False  # keys are shown once: create them on the token page or with `dudao create-token`

    def has_change_permission(self, request, obj=None):
        return False  # nothing to edit: a token is only revoked (the action calls token_revoke)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead, so that the audit trail keeps the token

    @admin.action(description="吊销所选令牌")
    def revoke_tokens(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked=False):
            try:
                services.token_revoke(actor=request.user, token_id=token.pk)
            except ApplicationError as exc:  # a token beyond the user's reach: said, not a 500
                self.message_user(request, f"令牌「{token.name}」未吊销:{exc.message}", messages.ERROR)
                continue
            count += 1
        self.message_user(request, f"已吊销 {count} 个令牌", messages.SUCCESS)
