"""`Cache-Control: no-store` on responses that may carry personal data (SEC-3).

Rule (simple on purpose, so no page is forgotten): every response to a signed-in user and every
`/api/v1` response, except static files. Browsers then keep no copy on disk and shared caches none.
"""

from __future__ import annotations

from django.conf import settings


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path_info
        if path.startswith(settings.STATIC_URL):
            return response
        user = getattr(request, "user", None)
        if path.startswith("/api/") or (user is not None and user.is_authenticated):
            if "no-store" not in response.get("Cache-Control", ""):  # keep a view's stricter header
                response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
