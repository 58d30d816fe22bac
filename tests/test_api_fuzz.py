"""Property-based fuzzing of every API operation (issue 8 §8), bounded so it fits in `make test`.

schemathesis generates requests from `/api/v1/openapi.json` — valid and invalid bodies, query strings and
path parameters — and sends them through the real WSGI application (Django's middleware, ninja's parsers,
our error handlers) with a superuser's Bearer token, so every operation is reachable. Each response must:
- not be a server error (a 500 is always a bug: DESIGN "Errors");
- have a status code the operation documents, and a body valid against the documented schema
  (errors are `{"code","message","detail"}` as the API promises).

The run is deterministic (`derandomize`), so a failure reproduces; `FUZZ_EXAMPLES` widens it locally.
Figures (operations, cases, server errors) are printed for docs/security.md.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from dudao.accounts import services as account_services
from dudao.wsgi import application
from tests import factories as f

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """The real WSGI application (dudao.wsgi: the public API through its short middleware chain), sharing
    the test's database connection and transaction.

    Django closes connections at request start/end; inside a test transaction that would end it, so the
    handlers are disconnected for the run, as Django's own test client does.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def new_token(users, institution):
    """A fresh superuser token per operation: fuzzing `DELETE /accounts/tokens/{id}` revokes tokens."""
    f.PersonFactory.create_batch(3)

    def create() -> str:
        _, key = account_services.token_create(actor=users["superuser"], name="fuzz", user=users["superuser"])
        return key

    return create


def _fuzz_operation(operation, headers: dict[str, str], outcomes: Counter) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        outcomes[response.status_code // 100] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as exc:  # schemathesis groups check failures; keep the first line of each
            failures.append(f"{operation.label}: {response.status_code} {_first_line(exc)}")

    run()
    return sorted(set(failures))


def _first_line(exc: BaseException) -> str:
    inner = getattr(exc, "exceptions", None)
    return _first_line(inner[0]) if inner else str(exc).strip().splitlines()[0][:200]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db
def test_every_operation_survives_generated_requests(wsgi_app, new_token, capsys):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app, headers=_bearer(new_token()))
    outcomes: Counter = Counter()
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failures += _fuzz_operation(operation, _bearer(new_token()), outcomes)
    with capsys.disabled():
        print(
            f"\nAPI fuzz: {operations} operations, {sum(outcomes.values())} requests, "
            + ", ".join(f"{k}xx: {v}" for k, v in sorted(outcomes.items()))
        )
    assert operations > 100
    assert outcomes[5] == 0, failures
    assert not failures, "\n".join(failures[:60])
