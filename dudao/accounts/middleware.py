"""Session rules on every request (SEC-2): an absolute limit (8 h from login), an idle limit
(DUDAO_SESSION_IDLE_MINUTES), and a first-login password change before anything else."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from . import services
from .forms import client_ip

LOGIN_AT = "dudao_login_at"
SEEN_AT = "dudao_seen_at"
IDLE_MESSAGE = "长时间未操作,已自动退出,请重新登录"
EXPIRED_MESSAGE = "登录已超过 8 小时,请重新登录"
CHANGE_PASSWORD_MESSAGE = "首次登录或密码被管理员重置后,请先修改密码"  # noqa: S105
SEEN_WRITE_SECONDS = 30
# Paths a user who must change the password may still reach.
_ALWAYS_ALLOWED = ("/static/", "/login/", "/logout/", "/accounts/password/")


def start_session(request) -> None:
    """Called right after login(): the clocks of both limits start now."""
    now = timezone.now().timestamp()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ended = self._ended(request)
            if ended:
                services.logout_recorded(user=user, ip=client_ip(request), reason=ended)
                logout(request)
                message = IDLE_MESSAGE if ended == "idle_timeout" else EXPIRED_MESSAGE
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"code": "not_authenticated", "message": message, "detail": None}, status=401
                    )
                messages.info(request, message)
                return redirect_to_login(request.get_full_path())
            if user.must_change_password and not request.path.startswith(_ALWAYS_ALLOWED):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "code": "password_change_required",
                            "message": CHANGE_PASSWORD_MESSAGE,
                            "detail": None,
                        },
                        status=403,
                    )
                messages.warning(request, CHANGE_PASSWORD_MESSAGE)
                return redirect(reverse("accounts:password_change"))
        return self.get_response(request)

    @staticmethod
    def _ended(request) -> str:
        """Why the session ended ("idle_timeout", "absolute_timeout"), or "" while it is live.

        The idle clock is written at most every SEEN_WRITE_SECONDS, so that a page with its htmx
        requests is not a string of session writes: a session may end up to that much early, never late.
        A session without a login time did not come through the login page (tests' force_login, or a
        session from before this rule): Django's own 8 h expiry ends it, and it is left unwritten.
        """
        now = timezone.now().timestamp()
        session = request.session
        login_at = session.get(LOGIN_AT)
        if login_at is None:
            return ""
        seen_at = session.get(SEEN_AT, login_at)
        # At 8 h Django's own session expiry would end it too (it refuses expire_date <= now).
        if now - login_at >= settings.SESSION_COOKIE_AGE:
            return "absolute_timeout"
        if now - seen_at > settings.DUDAO_SESSION_IDLE_MINUTES * 60:
            return "idle_timeout"
        if now - seen_at >= SEEN_WRITE_SECONDS:
            session[SEEN_AT] = now
        return ""
