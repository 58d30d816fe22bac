"""The public API (`/api/v1/public/…`: the certificate look-up and QR check, no account) through a shorter
middleware chain (issue 11 Performance: the look-up must serve 500 requests/s on two cores).

These endpoints answer everyone alike: they never read the session or the user, and the API views are
exempt from CSRF (ninja checks CSRF only with session authentication). So the chain leaves out what exists
for signed-in users and pages — the session and the user behind it, the login policy, the superuser trail,
messages, CSRF, htmx, static files, the page error pages — and keeps every header and check a response
needs: security headers, Content-Security-Policy, request id, size and control-character limits, language,
`no-store`, X-Frame-Options. Everything else goes through the full chain (settings.MIDDLEWARE).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

PUBLIC_API_PREFIX = "/api/v1/public/"

NOT_FOR_PUBLIC_API = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "dudao.accounts.middleware.SessionPolicyMiddleware",
        "dudao.accounts.break_glass.BreakGlassAuditMiddleware",
        "django_htmx.middleware.HtmxMiddleware",
        "dudao.web.page_errors.ApplicationErrorPageMiddleware",
    }
)


def public_api_middleware() -> list[str]:
    """settings.MIDDLEWARE without NOT_FOR_PUBLIC_API, in the same order."""
    return [path for path in settings.MIDDLEWARE if path not in NOT_FOR_PUBLIC_API]


class _Handler(WSGIHandler):
    """Django's WSGI handler with its own middleware list."""

    def __init__(self, middleware: list[str]):
        self._middleware = middleware
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = self._middleware  # read once here, at start-up
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class Application:
    """The WSGI application: `/api/v1/public/…` through the short chain, everything else the full one."""

    def __init__(self) -> None:
        self.full = WSGIHandler()
        self.public = _Handler(public_api_middleware())

    def __call__(self, environ: dict[str, Any], start_response: Any):
        if environ.get("PATH_INFO", "").startswith(PUBLIC_API_PREFIX):
            return self.public(environ, start_response)
        return self.full(environ, start_response)
