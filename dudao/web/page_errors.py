"""The last net under page views: an ApplicationError nobody caught becomes a Chinese page with its
status (e.g. 429 with Retry-After for a metered lookup), never a 500. API errors are handled by the API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views import defaults

from dudao.common.errors import ApplicationError, NotFound, PermissionDenied


class ApplicationErrorPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if not isinstance(exc, ApplicationError) or request.path.startswith("/api/"):
            return None  # the API maps its own errors
        if isinstance(exc, NotFound):
            return defaults.page_not_found(request, Http404(exc.message))
        if isinstance(exc, PermissionDenied):
            return defaults.permission_denied(request, DjangoPermissionDenied(exc.message))
        response = render(
            request, "400_input.html", {"message": exc.message, "status": exc.status}, status=exc.status
        )
        for name, value in (getattr(exc, "headers", None) or {}).items():
            response[name] = value
        return response
