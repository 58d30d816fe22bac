"""SEC-3: a reader without the reveal right cannot rebuild a resident ID number from anything shown.

Repeats the probe of issue 8 §2: the masked ID `360121********6792` beside the full birth date gave the
whole number back (checksum valid for 394 of 394 persons). Every GET operation of the API, the people
pages and the Excel exports are read as authority staff (no reveal right)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from python_calamine import CalamineWorkbook

from dudao.accounts.models import Role
from dudao.api import api
from dudao.common import audit, pii
from dudao.common.models import AuditEvent
from dudao.people import domain, services
from dudao.people.models import Person
from tests.conftest import client_for

from .helpers import resident_id

pytestmark = pytest.mark.django_db

BIRTHS = ["19860523", "19881130", "19920207"]


@pytest.fixture
def world(users, authority, occupations):
    admin = users[Role.AUTHORITY_ADMIN]
    external = services.supervisor_create(
        actor=admin,
        kind="external",
        person_data={"name": "外督甲", "id_number": resident_id(11, birth=BIRTHS[0]), "phone": "13912345678"},
    )
    services.supervisor_card_issue(
        actor=admin, supervisor=external, number="R36210001", issued_on=dt.date(2021, 3, 1)
    )
    examiner = services.examiner_create(
        actor=admin, person_data={"name": "考评员乙", "id_number": resident_id(12, birth=BIRTHS[1])}
    )
    card = services.examiner_card_issue(
        actor=admin,
        examiner=examiner,
        number="KP-0001",
        issued_on=dt.date(2021, 3, 1),
        scopes=[{"occupation": "4-03-02-01", "levels": [5, 4]}],
    )
    person = services.person_create(actor=admin, name="登记丙", id_number=resident_id(13, birth=BIRTHS[2]))
    relation = services.relation_declare(
        actor=admin, person=external.person, kind="relative", other_person=person
    )
    contract = services.supervisor_contract_add(
        actor=admin, supervisor=external, starts_on=dt.date(2024, 1, 1)
    )
    return {
        "person_id": external.person_id,
        "supervisor_id": external.pk,
        "examiner_id": examiner.pk,
        "relation_id": relation.pk,
        "contract_id": contract.pk,
        "supervisor-cards": external.cards.get().pk,
        "examiner-cards": card.pk,
        "persons": [external.person, examiner.person, person],
    }


def _secrets() -> list[str]:
    """Strings from which an ID is rebuilt, for every person in the database: the full number and the
    birth date in the usual spellings."""
    found = []
    for person in Person.objects.all():
        birth = person.birth_date
        found += [pii.decrypt(person.id_number_encrypted)]
        found += [birth.strftime("%Y%m%d"), birth.isoformat(), birth.strftime("%Y/%m/%d")]
    return found


def _get_urls(world) -> list[str]:
    """Every GET operation whose path parameters we can fill (the others return no person)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    urls = []
    for path, ops in schema["paths"].items():
        if "get" not in ops:
            continue
        params = re.findall(r"{(\w+)}", path)
        values = {}
        for name in params:
            key = name
            if name == "card_id":
                key = "supervisor-cards" if "/supervisor-cards/" in path else "examiner-cards"
            if key not in world:
                break
            values[name] = world[key]
        else:
            urls.append(path.format(**values))
    return urls


def test_no_api_response_holds_a_birth_date_or_full_id(world, users):
    client = client_for(users[Role.AUTHORITY_STAFF])
    secrets = _secrets()
    urls = _get_urls(world)
    checked_with_person = 0
    for url in urls:
        response = client.get(url)
        text = response.content.decode("utf-8", "replace")
        leaked = [s for s in secrets if s in text]
        assert not leaked, (url, leaked)
        checked_with_person += "id_number_masked" in text
    assert len(urls) > 40
    assert checked_with_person >= 8  # persons, supervisors, examiners, relations: lists and details


def test_people_pages_show_birth_year_only(world, users):
    client = client_for(users[Role.AUTHORITY_STAFF])
    secrets = _secrets()
    pages = [
        "/people/persons/",
        f"/people/persons/{world['person_id']}/",
        "/people/supervisors/",
        f"/people/supervisors/{world['supervisor_id']}/",
        "/people/examiners/",
        f"/people/examiners/{world['examiner_id']}/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert not [s for s in secrets if s in text], url
    detail = client.get(f"/people/persons/{world['person_id']}/").content.decode()
    assert "出生年份" in detail and ">1986<" in detail


@pytest.mark.parametrize("url", ["/people/supervisors/export/", "/people/examiners/export/"])
def test_exports_hold_birth_year_only(world, users, url):
    response = client_for(users[Role.AUTHORITY_STAFF]).get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    births = {p.birth_date for p in Person.objects.all()}
    secrets = _secrets()
    header = rows[0]
    assert "出生年份" in header and "出生日期" not in header
    for row in rows[1:]:
        for cell in row:
            if isinstance(cell, dt.datetime | dt.date):
                day = cell.date() if isinstance(cell, dt.datetime) else cell
                assert day not in births
            assert not [s for s in secrets if s in str(cell)]
    years = {int(row[header.index("出生年份")]) for row in rows[1:]}
    assert years and years <= {p.birth_year for p in Person.objects.all()}


def test_checksum_rebuild_leaves_many_candidates(world, users):
    """The attack: fill the 8 hidden digits with every day of the shown birth year, keep checksum-valid
    numbers of the shown gender. Before the fix the full birth date left exactly one."""
    client = client_for(users[Role.AUTHORITY_STAFF])
    items = client.get("/api/v1/people/persons?page_size=100").json()["items"]
    assert len(items) >= 3
    truth = {p.pk: pii.decrypt(p.id_number_encrypted) for p in Person.objects.all()}
    for item in items:
        assert "birth_date" not in item
        candidates = domain.id_numbers_matching(item["id_number_masked"], item["birth_year"], item["gender"])
        assert truth[item["id"]] in candidates
        assert len(candidates) > 1
        assert len(candidates) >= 20  # about 365 / 11 days of a year fit the checksum


def test_candidates_with_the_full_date_are_one():
    """The counter-check of the attack above: knowing the full date pins the number (so the test can fail)."""
    number = resident_id(11, birth=BIRTHS[0])
    candidates = domain.id_numbers_matching(
        domain.mask_id_number(number), 1986, "M" if int(number[16]) % 2 else "F"
    )
    assert [c for c in candidates if c[6:14] == BIRTHS[0]] == [number]


def test_reveal_gives_the_birth_date_and_is_audited(world, users):
    client = client_for(users[Role.AUTHORITY_ADMIN])
    before = AuditEvent.objects.filter(action="people.person.reveal_id").count()
    body = client.post(f"/api/v1/people/persons/{world['person_id']}/reveal-id").json()
    assert body == {"id_number": resident_id(11, birth=BIRTHS[0]), "birth_date": "1986-05-23"}
    assert AuditEvent.objects.filter(action="people.person.reveal_id").count() == before + 1


def test_staff_cannot_reveal(world, users):
    response = client_for(users[Role.AUTHORITY_STAFF]).post(
        f"/api/v1/people/persons/{world['person_id']}/reveal-id"
    )
    assert response.status_code == 403
    assert "1986" not in response.content.decode()


def test_audit_trail_holds_birth_year_and_masked_phone(world):
    event = AuditEvent.objects.filter(action="people.person.create").order_by("id").first()
    assert "birth_date" not in event.after
    assert event.after["birth_year"] == 1986
    assert event.after["phone"] == "139****5678"
    text = str(event.before) + str(event.after)
    assert "19860523" not in text and "1986-05-23" not in text and "13912345678" not in text


def test_audit_page_hides_birth_dates_of_old_events(world, users):
    """Events written before this change hold `birth_date` and the plain phone: the audit page shows the
    year and a masked phone (the rows themselves are immutable links of the chain)."""
    person = world["persons"][0]
    audit.record(
        actor=None,
        action="people.person.create",
        obj=person,
        after={
            "name": person.name,
            "id_number_masked": person.id_number_masked,
            "birth_date": "1986-05-23",
            "phone": "13912345678",
        },
    )
    response = client_for(users["superuser"]).get("/audit/?action=person.create")
    assert response.status_code == 200
    text = response.content.decode()
    assert "1986-05-23" not in text and "13912345678" not in text
    assert "出生年份" in text and "139****5678" in text
