"""SEC-3: every id a user sets is resolved through that user's scope (issue 8 §2).

Repeats the probe: a region admin set a person's employer to an institution of another province (whose
users then read the person), and the error told whether an institution id existed. For each write
endpoint of the people API that takes an id: an out-of-scope id and a nonexistent id give the same
status and body, and nothing is written."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.people import models as pm
from dudao.people import services
from tests.conftest import client_for

from .helpers import resident_id

pytestmark = pytest.mark.django_db
BASE = "/api/v1/people"
MISSING = 987654


@pytest.fixture
def world(users, authority, institution, other_authority, other_institution):
    admin = users[Role.AUTHORITY_ADMIN]
    external = services.supervisor_create(
        actor=admin, kind="external", person_data={"name": "外督甲", "id_number": resident_id(41)}
    )
    examiner = services.examiner_create(
        actor=admin, person_data={"name": "考评员乙", "id_number": resident_id(42)}
    )
    outsider = services.person_create(
        actor=users["superuser"], name="外省丙", id_number=resident_id(43), registered_by=other_authority
    )
    return {
        "admin": admin,
        "external": external,
        "examiner": examiner,
        "person": external.person,
        "outsider": outsider,
        "other_institution": other_institution,
        "other_authority": other_authority,
    }


def _person_in(**extra):
    return {"name": "新人员", "id_number": resident_id(44), **extra}


# (name, method, url(world), body(world, id), field): `id` is either out of scope or nonexistent.
CASES = [
    ("person employer", "post", lambda w: "/persons", lambda w, i: _person_in(employer_id=i), "employer_id"),
    (
        "person registered_by",
        "post",
        lambda w: "/persons",
        lambda w, i: _person_in(registered_by_id=i),
        "registered_by_id",
    ),
    (
        "person patch employer",
        "patch",
        lambda w: f"/persons/{w['person'].pk}",
        lambda w, i: {"row_version": w["person"].row_version, "employer_id": i},
        "employer_id",
    ),
    (
        "supervisor authority",
        "post",
        lambda w: "/supervisors",
        lambda w, i: {"kind": "external", "authority_id": i, "person": _person_in()},
        "authority_id",
    ),
    (
        "supervisor institution",
        "post",
        lambda w: "/supervisors",
        lambda w, i: {"kind": "internal", "institution_id": i, "person": _person_in()},
        "institution_id",
    ),
    (
        "supervisor new person's employer",
        "post",
        lambda w: "/supervisors",
        lambda w, i: {"kind": "external", "person": _person_in(employer_id=i)},
        "person.employer_id",
    ),
    (
        "supervisor patch authority",
        "patch",
        lambda w: f"/supervisors/{w['external'].pk}",
        lambda w, i: {"row_version": w["external"].row_version, "authority_id": i},
        "authority_id",
    ),
    (
        "supervisor card issuer",
        "post",
        lambda w: "/supervisor-cards",
        lambda w, i: {
            "supervisor_id": w["external"].pk,
            "number": "R36210009",
            "issued_on": "2021-03-01",
            "issuer_id": i,
        },
        "issuer_id",
    ),
    (
        "examiner authority",
        "post",
        lambda w: "/examiners",
        lambda w, i: {"authority_id": i, "person": _person_in()},
        "authority_id",
    ),
    (
        "examiner patch authority",
        "patch",
        lambda w: f"/examiners/{w['examiner'].pk}",
        lambda w, i: {"row_version": w["examiner"].row_version, "authority_id": i},
        "authority_id",
    ),
    (
        "relation other person",
        "post",
        lambda w: "/relations",
        lambda w, i: {"person_id": w["person"].pk, "kind": "relative", "other_person_id": i},
        "other_person_id",
    ),
]


def _out_of_scope_id(world, field: str) -> int:
    if field == "other_person_id":
        return world["outsider"].pk
    if "employer" in field or field == "institution_id":
        return world["other_institution"].pk
    return world["other_authority"].pk


def _state():
    return (
        AuditEvent.objects.count(),
        pm.Person.objects.count(),
        pm.Supervisor.objects.count(),
        pm.Examiner.objects.count(),
        pm.SupervisorCard.objects.count(),
        pm.Relation.objects.count(),
        sorted(pm.Person.objects.values_list("pk", "employer_id", "row_version")),
        sorted(pm.Supervisor.objects.values_list("pk", "authority_id", "row_version")),
        sorted(pm.Examiner.objects.values_list("pk", "authority_id", "row_version")),
    )


@pytest.mark.parametrize(("name", "method", "url", "body", "field"), CASES, ids=[c[0] for c in CASES])
def test_out_of_scope_and_missing_ids_answer_alike(world, name, method, url, body, field):
    client = client_for(world["admin"])
    before = _state()
    answers = []
    for target in (_out_of_scope_id(world, field), MISSING):
        response = getattr(client, method)(
            BASE + url(world), body(world, target), content_type="application/json"
        )
        answers.append((response.status_code, response.json()))
        assert _state() == before, (name, target)
    assert answers[0] == answers[1]
    status, payload = answers[0]
    assert status == 422
    assert payload["code"] == "not_found_or_forbidden"
    assert payload["message"].endswith("不存在或无权访问")
    assert list(payload["detail"]) == [field]


def test_employer_in_scope_is_still_accepted(world, institution):
    """The other side of the boundary: an institution the admin sees is a valid employer."""
    client = client_for(world["admin"])
    person = world["person"]
    response = client.patch(
        f"{BASE}/persons/{person.pk}",
        {"row_version": person.row_version, "employer_id": institution.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["employer"]["id"] == institution.pk


def test_service_refuses_out_of_scope_employer(world):
    """Defence in depth: callers other than the API (pages, imports, scripts) meet the same rule."""
    from dudao.common.errors import ValidationFailed

    person = world["person"]
    with pytest.raises(ValidationFailed, match="不存在或无权访问"):
        services.person_update(
            actor=world["admin"],
            person=person,
            row_version=person.row_version,
            employer=world["other_institution"],
        )
    person.refresh_from_db()
    assert person.employer_id is None
