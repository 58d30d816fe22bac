"""User administration pages (issue 9 §3.9): unit administrators (and the security administrator) list,
create, disable / enable accounts, reset passwords and change roles within their scope. Reads through
selectors.users_managed_by (an account outside the scope is a 404), writes through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dudao.common.errors import ApplicationError, PermissionDenied
from dudao.web.kit import list_page
from dudao.web.sorting import sort_list

from . import services, user_services
from .models import User
from .permissions import can_administer_users
from .selectors import role_label, users_managed_by
from .user_forms import PasswordResetForm, UserCreateForm, UserFilterForm, UserRoleForm

USER_SORTS = {
    "username": "username",
    "display_name": "display_name",
    "role": "role",
    "unit": ("authority__name", "institution__name"),
    "last_login": "last_login",
}


def _require_admin(user) -> None:
    if not can_administer_users(user):
        raise DjangoPermissionDenied("没有管理账号的权限")


def _target(request, pk: int) -> User:
    user = users_managed_by(request.user).filter(pk=pk).first()
    if user is None:
        raise Http404("账号不存在")
    return user


def _form_errors(form, exc: ApplicationError) -> None:
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    placed = False
    for field, errors in detail.items():
        if field in form.fields:
            for error in errors if isinstance(errors, list) else [errors]:
                form.add_error(field, str(error))
                placed = True
    if not placed:
        form.add_error(None, exc.message)


@login_required
def user_list(request):
    _require_admin(request.user)
    filters = UserFilterForm(request.GET or None, actor=request.user)
    values = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = users_managed_by(request.user)
    if values.get("q"):
        q = values["q"].strip()
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if values.get("role"):
        qs = qs.filter(role=values["role"])
    if values.get("active") in ("0", "1"):
        qs = qs.filter(is_active=values["active"] == "1")
    page = list_page(request, sort_list(request, qs.order_by("username"), USER_SORTS))
    for user in page.items:
        user.role_text = role_label(user)
    return render(request, "accounts/user_list.html", {"filters": filters, "page": page})


@login_required
def user_create(request):
    _require_admin(request.user)
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                authority=data.get("authority"),
                institution=data.get("institution"),
                display_name=data.get("display_name") or "",
                must_change_password=True,
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已创建账号「{user.username}」,本人首次登录时须修改初始密码")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


def _detail(request, user: User, *, role_form=None, password_form=None, status: int = 200):
    role_form = role_form or UserRoleForm(
        actor=request.user,
        initial={
            "display_name": user.display_name,
            "role": user.role,
            "authority": user.authority_id,
            "institution": user.institution_id,
        },
    )
    context = {
        "target": user,
        "target_role": role_label(user),
        "role_form": role_form,
        "password_form": password_form or PasswordResetForm(),
    }
    return render(request, "accounts/user_detail.html", context, status=status)


@login_required
def user_detail(request, pk: int):
    _require_admin(request.user)
    return _detail(request, _target(request, pk))


@login_required
@require_POST
def user_change_role(request, pk: int):
    _require_admin(request.user)
    user = _target(request, pk)
    form = UserRoleForm(request.POST, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user_services.user_change_role(
                actor=request.user,
                user=user,
                role=data["role"],
                authority=data.get("authority"),
                institution=data.get("institution"),
                display_name=data.get("display_name") or "",
            )
        except PermissionDenied as exc:
            form.add_error("role", exc.message)
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已保存角色与所属单位")
            return redirect("accounts:user_detail", pk=user.pk)
    return _detail(request, user, role_form=form, status=400)


@login_required
@require_POST
def user_reset_password(request, pk: int):
    _require_admin(request.user)
    user = _target(request, pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            user_services.user_reset_password(
                actor=request.user, user=user, password=form.cleaned_data["password"]
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已重置「{user.username}」的密码,本人下次登录时须修改")
            return redirect("accounts:user_detail", pk=user.pk)
    return _detail(request, user, password_form=form, status=400)


@login_required
@require_POST
def user_set_active(request, pk: int):
    _require_admin(request.user)
    user = _target(request, pk)
    active = request.POST.get("active") == "1"
    try:
        user_services.user_set_active(actor=request.user, user=user, active=active)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{'启用' if active else '停用'}账号「{user.username}」")
    return redirect("accounts:user_detail", pk=user.pk)
