"""Forms of the user administration pages: choices limited to what the administrator may grant, in the
administrator's own unit (the services check the same rules again)."""

from __future__ import annotations

from typing import Any

from django import forms

from dudao.registry.models import Authority, Institution
from dudao.registry.selectors import institutions_for

from .domain import grantable_roles
from .models import Role
from .permissions import SEPARATED_ADMIN_ROLES, is_authority_admin, is_institution_admin, is_superuser


def role_choices(actor: Any) -> list[tuple[str, str]]:
    """Roles the actor may give, in the order of Role (platform administrators only for a superuser)."""
    if is_authority_admin(actor) or is_institution_admin(actor):
        allowed = grantable_roles(actor.role)
        return [(value, label) for value, label in Role.choices if value in allowed]
    if is_superuser(actor):
        return list(Role.choices)
    return [(value, label) for value, label in Role.choices if value not in SEPARATED_ADMIN_ROLES]


def _authorities(actor: Any):
    if is_institution_admin(actor):
        return Authority.objects.none()
    if is_authority_admin(actor):
        return Authority.objects.filter(pk=actor.authority_id)
    return Authority.objects.order_by("name")


def _institutions(actor: Any):
    if is_authority_admin(actor) or is_institution_admin(actor):
        return institutions_for(actor).order_by("name")
    return Institution.objects.order_by("name")


class _ScopeFields(forms.Form):
    display_name = forms.CharField(label="姓名", max_length=64, required=False)
    role = forms.ChoiceField(label="角色")
    authority = forms.ModelChoiceField(
        label="所属委派机构", queryset=Authority.objects.none(), required=False, empty_label="(无)"
    )
    institution = forms.ModelChoiceField(
        label="所属评价机构", queryset=Institution.objects.none(), required=False, empty_label="(无)"
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "请选择角色"), *role_choices(actor)]
        self.fields["authority"].queryset = _authorities(actor)
        self.fields["institution"].queryset = _institutions(actor)
        self.fields["authority"].help_text = "委派机构角色填写"
        self.fields["institution"].help_text = "评价机构角色填写"
        if is_institution_admin(actor):
            del self.fields["authority"]
            self.fields["institution"].initial = actor.institution_id
            self.fields["institution"].help_text = ""
        elif is_authority_admin(actor):
            self.fields["authority"].initial = actor.authority_id


class _PasswordPair(forms.Form):
    password = forms.CharField(
        label="初始密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 10 位,包含小写字母、大写字母、数字、其他符号中的至少 3 类;本人首次登录后须修改",
    )
    password2 = forms.CharField(
        label="确认初始密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class UserCreateForm(_ScopeFields, _PasswordPair):
    username = forms.CharField(label="用户名", max_length=150)
    field_order = ["username", "display_name", "role", "authority", "institution", "password", "password2"]


class UserRoleForm(_ScopeFields):
    pass


class PasswordResetForm(_PasswordPair):
    pass


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "用户名或姓名"})
    )
    role = forms.ChoiceField(label="角色", required=False)
    active = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), ("1", "正常"), ("0", "已停用")]
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "全部"), *role_choices(actor)]
