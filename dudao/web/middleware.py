"""Content-Security-Policy and Permissions-Policy on every response (issue 8 §5).

The policy allows scripts from this site only (no inline script, no eval): pages keep their JavaScript
in static files. A view that needs another policy sets the header itself; it is then left alone.
"""

from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
