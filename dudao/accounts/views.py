"""Account pages: login (with lockout), logout (POST), the user's API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dudao.common.errors import ApplicationError

from . import services
from .forms import LoginForm
from .models import ApiToken


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["max_failures"] = settings.DUDAO_LOGIN_MAX_FAILURES
        context["lock_minutes"] = settings.DUDAO_LOGIN_LOCK_MINUTES
        return context


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot log anyone out."""


@login_required
def token_list(request):
    """The user's own API tokens; a new key is shown once after creation."""
    new_key = None
    if request.method == "POST":
        try:
            token, new_key = services.token_create(actor=request.user, name=request.POST.get("name", ""))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已创建令牌「{token.name}」,请立即复制保存,离开本页后将无法再次查看")
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")
    return render(request, "accounts/token_list.html", {"tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def token_revoke(request, pk: int):
    try:
        token = services.token_revoke(actor=request.user, token_id=pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已吊销令牌「{token.name}」")
    return redirect("accounts:token_list")
