"""The public look-up's SQL is compiled once per shape of query (issue 11 Performance): every shape answers
what the plain queryset answers (dates and times converted as the ORM does, a voided certificate, a key
rotation half done), and the certificates hold the public fields only."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.common import pii
from dudao.exams import services
from dudao.exams.models import Certificate
from dudao.exams.selectors_certificates import PUBLIC_FIELDS, PUBLIC_LIMIT, _lookup_query, public_lookup
from dudao.people.models import Person

from .test_api_certificates import issued  # noqa: F401 - the fixture: two certificates of one plan

pytestmark = pytest.mark.django_db
KEY2 = "second-key-" + "2" * 30


def by_queryset(name: str = "", id_number: str = "", number: str = "") -> list[Certificate]:
    qs = Certificate.objects.all()
    if name:
        qs = qs.filter(name=name)
    if number:
        qs = qs.filter(number=number)
    if id_number:
        qs = qs.filter(person__id_number_index__in=pii.blind_index_candidates(id_number))
    return list(qs.order_by("-issued_on", "number")[:PUBLIC_LIMIT])


def public_values(certs: list[Certificate]) -> list[tuple]:
    return [tuple(getattr(c, f) for f in PUBLIC_FIELDS) for c in certs]


def test_every_shape_answers_as_the_queryset(issued, inst_admin):  # noqa: F811
    cert = issued["certificates"][0]
    services.certificate_void(actor=inst_admin, certificate=cert, reason="信息有误", row_version=1)
    id_number = pii.decrypt(Person.objects.get(pk=cert.person_id).id_number_encrypted)
    for query in (
        {"name": cert.name, "number": cert.number},
        {"name": cert.name, "id_number": id_number},
        {"number": cert.number, "id_number": id_number},
        {"name": cert.name, "number": cert.number, "id_number": id_number},
        {"name": "别人", "number": cert.number},
    ):
        found = public_lookup(**query)
        assert public_values(found) == public_values(by_queryset(**query)), query
    (voided,) = public_lookup(name=cert.name, number=cert.number)
    assert voided.status == "voided" and isinstance(voided.voided_at, dt.datetime)
    assert type(voided.issued_on) is dt.date and voided.get_status_display() == "已注销"
    assert voided.seal == Certificate.objects.get(pk=cert.pk).seal  # any other field: read on access


def test_a_half_done_key_rotation_is_another_shape_and_still_finds_the_holder(issued, settings):  # noqa: F811
    cert = issued["certificates"][0]
    id_number = pii.decrypt(Person.objects.get(pk=cert.person_id).id_number_encrypted)
    _lookup_query.cache_clear()
    assert [c.number for c in public_lookup(name=cert.name, id_number=id_number)] == [cert.number]
    settings.DUDAO_PII_KEYS = {**settings.DUDAO_PII_KEYS, 99: KEY2}  # a new key, rows not yet rotated
    (found,) = public_lookup(name=cert.name, id_number=id_number)
    assert found.number == cert.number
    assert public_values([found]) == public_values(by_queryset(name=cert.name, id_number=id_number))
    assert _lookup_query.cache_info().currsize == 2  # one SQL per number of candidates
    one, two = (_lookup_query("default", True, False, n)[2] for n in (1, 2))
    assert one.count("%s") == 2 and two.count("%s") == 3
