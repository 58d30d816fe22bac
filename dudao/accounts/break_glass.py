"""Every request of a break-glass superuser joins the audit chain (SEC-2, 三权分立).

Only the superuser holds every right at once; it is meant for emergencies, so each page or API call it
makes (not only its writes and its login) is recorded: method, path (never the query string, which can
hold an ID number searched for) and status. Static files are not requests of interest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from dudao.common import audit

ACTION = "accounts.superuser.request"
_SKIPPED = ("/static/", "/favicon.ico")


class BreakGlassAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if _audited(request, user):
            with transaction.atomic():
                audit.record(
                    actor=user,
                    action=ACTION,
                    object_type="http.request",
                    object_label=f"{request.method} {request.path}"[:200],
                    after={"method": request.method, "path": request.path, "status": response.status_code},
                )
        return response


def _audited(request, user) -> bool:
    if not settings.DUDAO_AUDIT_SUPERUSER_REQUESTS or user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser) and not request.path.startswith(_SKIPPED)
