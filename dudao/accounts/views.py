"""Account pages: login (password, then a second factor for administrators), logout (POST), two-factor
enrolment, change password, the user's API tokens (SEC-2)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.common.errors import ApplicationError
from dudao.web.kit import safe_url

from . import services, twofactor
from .forms import MODEL_BACKEND, CodeForm, LoginForm, PasswordChangeForm, TokenForm, client_ip
from .middleware import start_session
from .models import User
from .permissions import requires_two_factor, uses_api
from .selectors import tokens_for

PENDING_USER = "dudao_pending_user"
PENDING_NEXT = "dudao_pending_next"
PENDING_AT = "dudao_pending_at"
# The second step must follow the password within this many seconds, or the password is asked again.
PENDING_SECONDS = 300


def _must_use_second_factor(user: User) -> bool:
    return bool(settings.DUDAO_REQUIRE_2FA and requires_two_factor(user))


def _safe_next(request, url: str) -> str:
    return safe_url(request, url, settings.LOGIN_REDIRECT_URL)


def _complete_login(request, user: User, method: str):
    next_url = request.session.pop(PENDING_NEXT, "")
    request.session.pop(PENDING_USER, None)
    request.session.pop(PENDING_AT, None)
    auth_login(request, user, backend=MODEL_BACKEND)
    start_session(request)
    services.login_completed(
        user=user, ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""), method=method
    )
    return _safe_next(request, next_url)


def _pending_user(request) -> User | None:
    pk = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if not pk or timezone.now().timestamp() - started > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["max_failures"] = settings.DUDAO_LOGIN_MAX_FAILURES
        context["lock_minutes"] = settings.DUDAO_LOGIN_LOCK_MINUTES
        return context

    def form_valid(self, form):
        """Password accepted: administrators (and users who enrolled) go on to the second step."""
        user = form.get_user()
        enrolled = services.has_second_factor(user)
        if enrolled or _must_use_second_factor(user):
            self.request.session.cycle_key()
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_AT] = timezone.now().timestamp()
            self.request.session[PENDING_NEXT] = self.get_redirect_url()
            return redirect("accounts:login_verify" if enrolled else "accounts:login_enrol")
        self.request.session[PENDING_NEXT] = self.get_redirect_url()
        return redirect(_complete_login(self.request, user, "password"))


def login_verify(request):
    """Second login step: a six-digit code from the authenticator, or a recovery code."""
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            method = services.second_factor_check(
                user=user,
                code=form.cleaned_data["code"],
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if method is not None:
                if method == "recovery":
                    left = user.recovery_codes.filter(used_at=None).count()
                    messages.warning(request, f"已使用一个恢复码,还剩 {left} 个;用完前请重新生成")
                return redirect(_complete_login(request, user, method))
            form.add_error(None, "动态口令或恢复码不正确")
    return render(request, "accounts/login_verify.html", {"form": form, "pending": user})


def _enrolment_context(user: User, form) -> dict:
    secret = services.pending_secret(user) or services.totp_begin(user=user)
    uri = twofactor.provisioning_uri(secret, user.username)
    return {"form": form, "secret": secret, "qr_svg": twofactor.qr_svg(uri), "pending": user}


def login_enrol(request):
    """An administrator without an authenticator binds one before the first login completes."""
    user = _pending_user(request)
    if user is None or services.has_second_factor(user):
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_confirm(user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            next_url = _complete_login(request, user, "totp")
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next_url": next_url})
    return render(request, "accounts/totp_enrol.html", _enrolment_context(user, form))


@login_required
def two_factor(request):
    """双因素认证 page of a signed-in user: status, enrol (optional roles), new recovery codes, stop."""
    user = request.user
    enrolled = services.has_second_factor(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and not enrolled and form.is_valid():
        try:
            codes = services.totp_confirm(user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next_url": reverse("accounts:two_factor")},
            )
    context = {
        "enrolled": enrolled,
        "required": _must_use_second_factor(user),
        "codes_left": user.recovery_codes.filter(used_at=None).count(),
    }
    if not enrolled:
        context.update(_enrolment_context(user, form))
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def recovery_codes_new(request):
    try:
        codes = services.recovery_codes_regenerate(user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:two_factor")
    context = {"codes": codes, "next_url": reverse("accounts:two_factor")}
    return render(request, "accounts/recovery_codes.html", context)


@login_required
@require_POST
def two_factor_disable(request):
    try:
        services.totp_disable(actor=request.user, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已停用双因素认证")
    return redirect("accounts:two_factor")


@login_required
def password_change(request):
    """修改密码 for every user; required first after an initial or reset password."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ApplicationError as exc:
            for field, errors in (exc.detail or {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改")
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/password_change.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot log anyone out. The logout is audited."""

    def post(self, request, *args, **kwargs):
        services.logout_recorded(user=request.user, ip=client_ip(request))
        return super().post(request, *args, **kwargs)


def admin_login(request, extra_context=None):
    """The Django admin signs in through the same page (password, throttle, second factor). A signed-in user
    without admin access is told so (the sign-in page would send them straight back: a redirect loop)."""
    from django.contrib.auth.views import redirect_to_login

    if request.user.is_authenticated:
        raise DjangoPermissionDenied("您的账号没有后台管理权限")
    return redirect_to_login(request.GET.get("next", "/admin/"))


@login_required
def token_list(request):
    """The user's own API tokens (scope, expiry, last use); a new key is shown once after creation. Only
    roles that use the API have the page (permissions.uses_api)."""
    if not uses_api(request.user):
        raise DjangoPermissionDenied(services.NO_API_MESSAGE)
    new_key = None
    form = TokenForm(request.POST or None, initial={"days": settings.DUDAO_TOKEN_DEFAULT_DAYS})
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = services.token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已创建令牌「{token.name}」,请立即复制保存,离开本页后将无法再次查看")
            form = TokenForm(initial={"days": settings.DUDAO_TOKEN_DEFAULT_DAYS})
    elif request.method == "POST":
        messages.error(request, "请填写令牌用途、权限范围和 1 至 365 天的有效期")
    return render(
        request,
        "accounts/token_list.html",
        {
            "tokens": tokens_for(request.user),
            "new_key": new_key,
            "form": form,
            "now": timezone.now(),
            "rate_per_minute": settings.DUDAO_TOKEN_RATE_PER_MINUTE,
        },
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    if not uses_api(request.user):
        raise DjangoPermissionDenied(services.NO_API_MESSAGE)
    try:
        token = services.token_revoke(actor=request.user, token_id=pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已吊销令牌「{token.name}」")
    return redirect("accounts:token_list")
