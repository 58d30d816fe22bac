"""The public API (`/api/v1/public/…`) through a shorter middleware chain (issue 11 Performance): the same
headers and checks as every response, the per-address budget, the same answers; everything else through the
full chain (dudao.common.public_api, dudao.wsgi)."""

from __future__ import annotations

import contextlib
import json

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from dudao.common.public_api import NOT_FOR_PUBLIC_API, public_api_middleware
from dudao.wsgi import application
from tests.conftest import client_for

PUBLIC = "/api/v1/public/certificates"
# What every response needs: security headers, the policy, the request id, the input checks, the language,
# no-store, X-Frame-Options (and Django's common handling).
KEPT = [
    "django.middleware.security.SecurityMiddleware",
    "dudao.web.middleware.ContentSecurityPolicyMiddleware",
    "dudao.common.middleware.RequestIdMiddleware",
    "dudao.common.request_limits.RequestSizeLimitMiddleware",
    "dudao.common.request_limits.ControlCharacterMiddleware",
    "dudao.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "dudao.common.no_store.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def test_the_short_chain_is_the_full_one_without_what_serves_signed_in_users_and_pages():
    assert public_api_middleware() == KEPT  # in the full chain's order
    assert set(settings.MIDDLEWARE) >= NOT_FOR_PUBLIC_API  # each left-out name is one that is there
    assert set(settings.MIDDLEWARE) == set(KEPT) | NOT_FOR_PUBLIC_API
    assert application.public._middleware == KEPT


@pytest.mark.parametrize(
    ("path", "chain"),
    [
        ("/api/v1/public/certificates", "public"),
        ("/api/v1/public/certificates/verify", "public"),
        ("/api/v1/public", "full"),
        ("/api/v1/publicity", "full"),
        ("/api/v1/supervision/public/draws", "full"),
        ("/api/v1/people/persons", "full"),
        ("/exams/certificates/", "full"),
    ],
)
def test_only_public_api_paths_take_the_short_chain(monkeypatch, path, chain):
    taken = []
    monkeypatch.setattr(application, "public", lambda environ, start: taken.append("public"))
    monkeypatch.setattr(application, "full", lambda environ, start: taken.append("full"))
    application({"PATH_INFO": path}, None)
    assert taken == [chain]


@contextlib.contextmanager
def in_test_transaction():
    """As Django's test client: the handler must not close the test's connection after a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def call(path: str, data: dict, **extra) -> tuple[int, dict[str, str], bytes]:
    environ = RequestFactory().get(path, data, **extra).environ
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    with in_test_transaction():
        body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.mark.django_db
def test_a_public_look_up_keeps_its_headers_its_answer_and_the_budget(settings):
    settings.DUDAO_PUBLIC_CERTIFICATE_LOOKUPS_PER_HOUR = 2
    query = {"name": "张三", "number": "S000036000123274000001"}
    status, headers, body = call(PUBLIC, query)
    assert status == 200 and body == b'{"count": 0, "items": []}'
    assert headers["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert headers["Permissions-Policy"] == settings.PERMISSIONS_POLICY
    assert (headers["X-Frame-Options"], headers["X-Content-Type-Options"]) == ("DENY", "nosniff")
    assert headers["Referrer-Policy"] == "same-origin"
    assert (headers["Cache-Control"], headers["Pragma"]) == ("no-store", "no-cache")
    assert headers["Content-Language"] == "zh-hans" and len(headers["X-Request-ID"]) == 32
    assert call(PUBLIC, query)[0] == 200
    status, headers, body = call(PUBLIC, query)  # the third from this address in the hour
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert json.loads(body)["code"] == "too_many_requests"
    assert call(PUBLIC, query, REMOTE_ADDR="10.9.9.9")[0] == 200  # another address, its own budget
    # the same answer as through the full chain (the test client)
    settings.DUDAO_PUBLIC_CERTIFICATE_LOOKUPS_PER_HOUR = 100
    full = client_for(None).get(PUBLIC, {"name": "张三"})
    status, headers, body = call(PUBLIC, {"name": "张三"})
    assert (status, body) == (full.status_code, full.content) == (400, full.content)
    assert headers["Content-Security-Policy"] == full["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_control_character_is_refused_as_on_the_full_chain():
    query = {"name": "张\x01三", "number": "S000036000123274000001"}
    full = client_for(None).get(PUBLIC, query)
    status, _headers, body = call(PUBLIC, query)
    assert (status, body) == (full.status_code, full.content)
    assert status == 422 and json.loads(body)["code"] == "control_character"
