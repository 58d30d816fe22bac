"""SEC-3 (issue 8 §2): exact-ID search is not an oracle for rebuilding a masked number.

A reader without the reveal right sees `360121********6792` and a birth year, which leaves about 33
numbers; each distinct full number such a reader searches is counted (DUDAO_ID_LOOKUP_LIMIT per hour)
and audited masked, and a registration form never echoes the name registered under a number."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.accounts.throttle import TooManyRequests
from dudao.common.errors import ValidationFailed
from dudao.common.models import AuditEvent
from dudao.people import services
from tests.clock import FROZEN_NOW
from tests.conftest import client_for

from .helpers import resident_id

pytestmark = pytest.mark.django_db

LOOKUP = "people.person.id_lookup"


@pytest.fixture
def registered(admin):
    return services.person_create(actor=admin, name="登记甲", id_number=resident_id(21))


def _search(client, number):
    return client.get("/api/v1/people/persons", {"q": number})


def test_a_full_number_finds_the_person_and_the_lookup_is_audited_masked(staff, registered):
    number = resident_id(21)
    response = _search(client_for(staff), number)
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == [registered.pk]
    event = AuditEvent.objects.get(action=LOOKUP)
    assert event.actor_id == staff.pk
    assert number not in str(event.after) and number not in event.object_label
    assert event.object_label == number[:6] + "********" + number[-4:]


def test_repeating_the_same_number_costs_nothing(staff, registered, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 1
    client = client_for(staff)
    for _ in range(3):  # paging through a result list repeats the search
        assert _search(client, resident_id(21)).status_code == 200
    assert AuditEvent.objects.filter(action=LOOKUP).count() == 1


def test_the_limit_is_reached_exactly_then_refused_with_a_chinese_429(staff, registered, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 3
    client = client_for(staff)
    for n in (31, 32, 33):  # exactly the limit: allowed
        assert _search(client, resident_id(n)).status_code == 200
    refused = _search(client, resident_id(34))  # one more: refused
    assert refused.status_code == 429
    assert "过于频繁" in refused.json()["message"]
    assert int(refused["Retry-After"]) > 0
    assert AuditEvent.objects.filter(action=LOOKUP).count() == 3
    # a name search is not metered
    assert client.get("/api/v1/people/persons", {"q": "登记"}).status_code == 200


def test_the_page_search_over_the_limit_is_a_chinese_429_page_not_a_500(staff, registered, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 1
    client = client_for(staff)
    assert client.get("/people/persons/", {"q": resident_id(41)}).status_code == 200
    refused = client.get("/people/persons/", {"q": resident_id(42)})
    assert refused.status_code == 429
    assert "过于频繁" in refused.content.decode()


def test_the_allowance_comes_back_after_an_hour(staff, registered, settings, time_machine):
    settings.DUDAO_ID_LOOKUP_LIMIT = 1
    time_machine.move_to(FROZEN_NOW)
    client = client_for(staff)
    assert _search(client, resident_id(51)).status_code == 200
    time_machine.shift(dt.timedelta(minutes=59))
    assert _search(client, resident_id(52)).status_code == 429
    time_machine.shift(dt.timedelta(minutes=2))
    assert _search(client, resident_id(52)).status_code == 200


def test_holders_of_the_reveal_right_are_not_metered(admin, registered, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 1
    client = client_for(admin)
    for n in (61, 62, 63):
        assert _search(client, resident_id(n)).status_code == 200
    assert not AuditEvent.objects.filter(action=LOOKUP).exists()


def test_a_name_mismatch_never_echoes_the_registered_name(users, registered):
    staff = users[Role.AUTHORITY_STAFF]
    with pytest.raises(ValidationFailed) as refused:
        services.resolve_person_input(actor=staff, name="别人", id_number=resident_id(21))
    assert "登记甲" not in refused.value.message
    assert "不一致" in refused.value.message


def test_registering_persons_counts_against_the_same_allowance(staff, settings):
    """A refusal as "already registered" would confirm a candidate number: registration is metered too."""
    settings.DUDAO_ID_LOOKUP_LIMIT = 2
    services.person_create(actor=staff, name="甲", id_number=resident_id(71))
    services.person_create(actor=staff, name="乙", id_number=resident_id(72))  # exactly the limit
    with pytest.raises(TooManyRequests):
        services.person_create(actor=staff, name="丙", id_number=resident_id(73))
    assert AuditEvent.objects.filter(action=LOOKUP).count() == 2


def test_registration_by_a_holder_of_the_reveal_right_is_not_metered(admin, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 1
    for n in (81, 82, 83):
        services.person_create(actor=admin, name=f"人{n}", id_number=resident_id(n))
    assert not AuditEvent.objects.filter(action=LOOKUP).exists()


def test_a_refused_registration_still_uses_the_allowance(staff, registered, settings):
    """The refusal "already registered" rolls its transaction back; the count is kept outside it, so
    probing by registration attempts is limited like searching (else each refusal would be free)."""
    from dudao.common.errors import Conflict

    settings.DUDAO_ID_LOOKUP_LIMIT = 1
    with pytest.raises(Conflict):
        services.person_create(actor=staff, name="别人", id_number=resident_id(21))
    with pytest.raises(TooManyRequests):
        services.person_create(actor=staff, name="又一人", id_number=resident_id(22))
