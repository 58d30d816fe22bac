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


def test_a_views_own_no_store_header_is_kept(users, person):
    """Official papers answer `private, no-store` themselves; the middleware keeps a no-store header."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from dudao.common.no_store import NoStoreMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "private, no-store"
        return response

    request = RequestFactory().get("/people/persons/")
    request.user = users[Role.AUTHORITY_STAFF]
    response = NoStoreMiddleware(view)(request)
    assert response["Cache-Control"] == "private, no-store"
    assert response["Pragma"] == "no-cache"


def test_evidence_style_private_max_age_becomes_no_store(users):
    """`private, max-age=…` still lets the browser keep a copy on disk: replaced for signed-in users."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from dudao.common.no_store import NoStoreMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "private, max-age=3600"
        return response

    request = RequestFactory().get("/scorecards/evidence/1/")
    request.user = users[Role.AUTHORITY_STAFF]
    assert NoStoreMiddleware(view)(request)["Cache-Control"] == "no-store"
