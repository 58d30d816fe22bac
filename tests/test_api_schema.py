"""The OpenAPI schema clients and the fuzzer rely on (issue 8 §8)."""

from __future__ import annotations

import importlib
import inspect
from collections import defaultdict

from ninja import Schema

from dudao.api import api
from dudao.common.openapi import error_codes

APPS = [
    "accounts",
    "workdays",
    "registry",
    "exams",
    "people",
    "scorecards",
    "notifications",
    "renewals",
    "supervision",
    "complaints",
    "quality",
    "analytics",
]


def test_schema_class_names_are_unique_across_apps():
    """ninja names a component after its class: two `ScopeOut`s silently shared one schema, so `/accounts/me`
    answered with a body that violated its own documented schema (found by the fuzzer)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for app in APPS:
        module = importlib.import_module(f"dudao.{app}.schemas")
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Schema) and value.__module__ == module.__name__:
                owners[name].add(app)
    assert {name: apps for name, apps in owners.items() if len(apps) > 1} == {}


def test_every_operation_documents_its_error_answers():
    schema = api.get_openapi_schema()
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["code", "message", "detail"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            documented = {int(code) for code in operation["responses"] if 400 <= int(code) < 500}
            assert set(error_codes(method, operation, path)) <= documented, (method, path)


def test_error_codes_follow_the_operation_shape():
    public_read = {"responses": {}}
    secured_write = {"responses": {}, "security": [{"TokenAuth": []}], "requestBody": {}}
    assert error_codes("get", public_read, "/public/draws") == [400, 422, 429]
    assert error_codes("post", {"responses": {}, "requestBody": {}}, "/public/x") == [
        400,
        404,
        409,
        413,
        422,
        429,
    ]
    assert error_codes("get", {"responses": {}, "security": [{"x": []}]}, "/policy") == [
        400,
        401,
        403,
        404,
        422,
        429,
    ]
    assert error_codes("get", public_read, "/public/draws/{pk}") == [400, 404, 422, 429]
    assert error_codes("post", secured_write, "/tasks/{pk}/accept") == [
        400,
        401,
        403,
        404,
        409,
        413,
        422,
        429,
    ]
    assert error_codes("delete", {"responses": {}, "security": [{"x": []}]}, "/tokens/{id}") == [
        400,
        401,
        403,
        404,
        409,
        422,
        429,
    ]
