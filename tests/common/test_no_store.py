"""SEC-3: responses that may carry personal data are never stored by browsers or shared caches.

Repeats the probe of issue 8 §2 (person pages and API answers came without Cache-Control)."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.people import services
from tests.conftest import client_for
from tests.people.helpers import resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(users):
    return services.person_create(
        actor=users[Role.AUTHORITY_ADMIN], name="登记甲", id_number=resident_id(21), phone="13912345678"
    )


def _no_store(response) -> bool:
    return response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"


def test_person_page_is_not_stored(users, person):
    response = client_for(users[Role.AUTHORITY_STAFF]).get(f"/people/persons/{person.pk}/")
    assert response.status_code == 200
    assert _no_store(response)


def test_api_person_is_not_stored(users, person):
    response = client_for(users[Role.AUTHORITY_STAFF]).get(f"/api/v1/people/persons/{person.pk}")
    assert response.status_code == 200
    assert _no_store(response)


def test_api_error_is_not_stored_either():
    response = client_for(None).get("/api/v1/people/persons")
    assert response.status_code == 401
    assert _no_store(response)


def test_anonymous_public_page_may_be_cached():
    """The rule is "signed-in user or API": a public disclosure page keeps its default caching."""
    response = client_for(None).get("/supervision/public/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert not response.has_header("Pragma")


def test_same_public_page_signed_in_is_not_stored(users):
    response = client_for(users[Role.EXTERNAL_SUPERVISOR]).get("/supervision/public/")
    assert response.status_code == 200
    assert _no_store(response)
