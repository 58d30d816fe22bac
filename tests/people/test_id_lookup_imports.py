"""SEC-3 (issue 8 §2) for imports: a file of candidate ID numbers is no oracle either.

An import answers "already registered" (persons) or reuses the registered person (supervisors, examiners)
for each number that is in the register: those numbers count against the reader's hourly allowance like
searches; numbers not yet registered confirm nothing and cost nothing, so real imports are not limited."""

from __future__ import annotations

import pytest

from dudao.accounts.throttle import TooManyRequests
from dudao.common.bulk import BulkRefused
from dudao.common.models import AuditEvent
from dudao.people import bulk, services
from dudao.people.models import Person

from .helpers import resident_id

pytestmark = pytest.mark.django_db

LOOKUP = "people.person.id_lookup"


@pytest.fixture
def registered(admin):
    return [
        services.person_create(actor=admin, name=f"登记{n}", id_number=resident_id(n)) for n in (31, 32, 33)
    ]


def _rows(numbers):
    return [(i + 2, {"name": f"人{n}", "id_number": resident_id(n)}) for i, n in enumerate(numbers)]


def test_new_numbers_cost_nothing(staff, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 1
    result = bulk.persons_create(actor=staff, rows=_rows(range(40, 46)))
    assert result.created == 6
    assert not AuditEvent.objects.filter(action=LOOKUP).exists()


def test_registered_numbers_up_to_the_limit_are_reported(staff, registered, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 2
    with pytest.raises(BulkRefused) as refused:
        bulk.persons_create(actor=staff, rows=_rows([31, 32, 50]), dry_run=True)
    assert [p.message for p in refused.value.problems] == ["该身份证号已登记"] * 2
    # The two numbers used the allowance (the refused import's writes, its audit rows included, roll back;
    # the count does not): a third registered number is refused, the same two again are not.
    with pytest.raises(BulkRefused):
        bulk.persons_create(actor=staff, rows=_rows([32, 31]), dry_run=True)
    with pytest.raises(TooManyRequests):
        bulk.persons_create(actor=staff, rows=_rows([33]), dry_run=True)


def test_one_registered_number_over_the_limit_refuses_the_whole_file(staff, registered, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 2
    before = Person.objects.count()
    with pytest.raises(TooManyRequests):
        bulk.persons_create(actor=staff, rows=_rows([31, 32, 33, 51]), dry_run=True)
    assert Person.objects.count() == before


def test_supervisor_import_reusing_registered_people_is_metered(staff, registered, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 1
    with pytest.raises(TooManyRequests):
        bulk.supervisors_create(actor=staff, rows=_rows([31, 32]), dry_run=True)


def test_holders_of_the_reveal_right_are_not_metered(admin, registered, settings):
    settings.DUDAO_ID_LOOKUP_LIMIT = 1
    with pytest.raises(BulkRefused):
        bulk.persons_create(actor=admin, rows=_rows([31, 32, 33]), dry_run=True)
    assert not AuditEvent.objects.filter(action=LOOKUP).exists()
