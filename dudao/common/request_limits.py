"""Request-level limits applied before any view reads input (issue 8 §1: hostile requests).

- ``RequestSizeLimitMiddleware``: a body whose Content-Length exceeds ``DUDAO_MAX_REQUEST_BYTES`` is
  refused with 413 before a byte of it is read (JSON on ``/api/``, a Chinese page elsewhere).
- ``ControlCharacterMiddleware``: page requests whose query or form fields carry control characters
  (Unicode category Cc other than tab, line feed and carriage return) are refused with 400. The API does
  the same check in its parser (``dudao.api.InputParser``), so both use ``has_control_character``.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template import loader

# Category Cc is U+0000-U+001F and U+007F-U+009F; tab, LF and CR are what multi-line text legitimately holds.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "提交的内容中含有不允许的控制字符(如从其他系统复制来的不可见字符),请删除后重试"
API_PREFIX = "/api/"


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _limit_mb() -> str:
    return f"{settings.DUDAO_MAX_REQUEST_BYTES / 1048576:g}"


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return -1


class RequestSizeLimitMiddleware:
    """Refuse a request body over DUDAO_MAX_REQUEST_BYTES (or with a malformed length) before reading it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = _declared_length(request)
        if length < 0:
            return _refusal(request, 400, "bad_request", "请求头 Content-Length 格式不正确", "400.html")
        if length > settings.DUDAO_MAX_REQUEST_BYTES:
            message = f"提交的内容过大:{length / 1048576:.1f} MB,一次最多 {_limit_mb()} MB"
            return _refusal(request, 413, "too_large", message, "413.html")
        return self.get_response(request)


class ControlCharacterMiddleware:
    """Refuse page requests with control characters in query or form fields (the API parser has its own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            fields = [request.GET]
            if request.method == "POST":
                fields.append(request.POST)  # a malformed multipart body raises here: Django's 400 page
            for data in fields:
                for key, values in data.lists():
                    if has_control_character(key) or any(has_control_character(v) for v in values):
                        return _refusal(request, 400, "control_character", CONTROL_MESSAGE, "400_input.html")
        return self.get_response(request)


def _refusal(request, status: int, code: str, message: str, template: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"code": code, "message": message, "detail": None}, status=status)
    # No request context: this runs before sessions and authentication.
    html = loader.render_to_string(template, {"message": message, "limit_mb": _limit_mb()})
    return HttpResponse(html, status=status)
