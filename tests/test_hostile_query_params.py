"""Hostile integer/date query parameters on every page and API read (issue 8 §1): never a 500.

The tester's probe: `?year=-1` on the supervisor record page and API raised ValueError in dt.date (500).
The sweep finds the query parameters each page reads by recording which keys a first request looks up,
takes the API's from its OpenAPI schema, and sends each of them hostile values as a superuser (who can
reach every page and operation) in a populated world (tests.supervision.app_support).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.datastructures import MultiValueDict

from dudao.api import api
from tests.supervision.conftest import world_fixture  # noqa: F401

HOSTILE = ["-1", "99999", "abc", "1" + "0" * 30, "2026-13-45"]
_SKIP_PREFIXES = ("admin/", "api/", "logout/", "static/")
# Parameters whose value is a redirect target or a free-text keyword: not integer/date inputs.
_NOT_NUMERIC = {"next", "q", "csrfmiddlewaretoken"}


def _page_paths() -> list[str]:
    """Every page route without path arguments."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for item in patterns:
            route = prefix + str(item.pattern)
            if route.startswith(_SKIP_PREFIXES) or "<" in route or "(" in route or "^" in route:
                continue
            if isinstance(item, URLResolver):
                walk(item.url_patterns, route)
            elif isinstance(item, URLPattern):
                found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def _keys_read(client: Client, url: str, monkeypatch) -> set[str]:
    """The query keys a page looks up when first requested (recorded on Django's MultiValueDict)."""
    keys: set[str] = set()
    for name in ("get", "getlist", "__getitem__", "__contains__"):
        original = getattr(MultiValueDict, name)

        def recording(self, key, *args, _original=original, **kwargs):
            if isinstance(key, str):
                keys.add(key)
            return _original(self, key, *args, **kwargs)

        monkeypatch.setattr(MultiValueDict, name, recording)
    try:
        client.get(url)
    finally:
        monkeypatch.undo()
    return keys - _NOT_NUMERIC


def _detail_paths(world) -> list[str]:
    """Detail pages that read query parameters (found by reading the views)."""
    return [f"/supervision/supervisors/{world.s1.pk}/", "/scorecards/forms/CQ-RENEWAL/"]


@pytest.mark.django_db
def test_every_page_survives_hostile_query_values(world, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(world.superuser)
    failures = []
    swept = 0
    for url in _page_paths() + _detail_paths(world):
        names = _keys_read(client, url, monkeypatch)
        for name in sorted(names):
            for value in HOSTILE:
                swept += 1
                status = client.get(url, {name: value}).status_code
                if status >= 500:
                    failures.append(f"{url}?{name}={value} → {status}")
    assert swept > 300
    assert failures == []


def _api_reads() -> list[tuple[str, list[str]]]:
    schema = api.get_openapi_schema()
    reads = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        if names:
            reads.append((path, names))
    return reads


def _fill_path(path: str, world) -> str:
    """Path parameters get an existing object where the path names one, else 1 (a 404 is fine too)."""
    if path.endswith("/supervisors/{pk}/record"):
        return path.replace("{pk}", str(world.s1.pk))
    for param in ("{pk}", "{id}", "{code}", "{form_id}", "{task_id}", "{draw_id}"):
        path = path.replace(param, "1")
    return path


@pytest.mark.django_db
def test_every_api_read_survives_hostile_query_values(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.superuser)
    failures = []
    swept = 0
    for path, names in _api_reads():
        url = _fill_path(path, world)
        for name in names:
            for value in HOSTILE:
                swept += 1
                response = client.get(url, {name: value})
                if response.status_code >= 500:
                    failures.append(f"{url}?{name}={value} → {response.status_code}")
    assert swept > 200
    assert failures == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "status"), [("-1", 422), ("1899", 422), ("1900", 200), ("2100", 200), ("2101", 422)]
)
def test_supervisor_record_year_bounds(world, year, status):
    """The issue's probe, with the accepted range tested on both sides (page and API)."""
    client = Client()
    client.force_login(world.auth_staff)
    page = client.get(f"/supervision/supervisors/{world.s1.pk}/", {"year": year})
    assert page.status_code == status
    if status == 422:
        assert "年度应在 1900 至 2100 之间" in page.content.decode()
    api_response = client.get(f"/api/v1/supervision/supervisors/{world.s1.pk}/record", {"year": year})
    assert api_response.status_code == status
