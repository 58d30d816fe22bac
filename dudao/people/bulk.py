"""People bulk writers: many persons with person_create's rules (who may register and as which owner, name,
resident ID checked by python-stdnum, phone, one ID one person against the database and within the input,
one-line fields), stored encrypted with a blind index, one `person.create` audit event per person.

Supervisors and examiners chain several services per row (person → supervisor/examiner → card, scopes);
their imports run those services row by row through `dudao.common.bulk.via_row_service` (same rules by
construction, every row's problems reported, all or nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction

from dudao.common import audit, pii
from dudao.common.bulk import BulkResult, Problems, existing, field_errors, insert, via_row_service
from dudao.common.errors import Conflict, ValidationFailed
from dudao.common.writes import text
from dudao.registry.models import Authority, Institution

from . import domain, excel
from .models import Person
from .person_rules import parse_person_fields, person_audit, person_scope_for_create

Rows = Sequence[tuple[int, Mapping[str, Any]]]


@transaction.atomic
def persons_create(*, actor, rows: Rows, dry_run: bool = False) -> BulkResult:
    """person_create for every row (no employer record: the employer is a name); all or nothing."""
    employer, registered_by = person_scope_for_create(actor, employer=None, registered_by=None)
    problems = Problems()
    parsed = []
    candidates: list[str] = []
    for number, row in rows:
        name, rid, errors = parse_person_fields(row.get("name"), text(row.get("id_number")))
        try:
            phone = domain.validate_phone(text(row.get("phone")))
        except ValidationFailed as exc:
            errors.update(exc.detail)
            phone = ""
        for field, messages in errors.items():
            for message in messages:
                problems.add(number, field, message, row.get(field))
        parsed.append((number, row, name, rid, phone))
        if rid is not None:
            candidates.extend(pii.blind_index_candidates(rid.number))
    taken = existing(Person, "id_number_index", candidates)
    first_row: dict[str, int] = {}
    objects = []
    for number, row, name, rid, phone in parsed:
        if rid is None:
            continue
        index = pii.blind_index(rid.number)
        if any(c in taken for c in pii.blind_index_candidates(rid.number)):
            problems.add(number, "id_number", "该身份证号已登记", rid.masked)
        elif index in first_row:
            problems.add(number, "id_number", f"身份证号与第 {first_row[index]} 行重复", rid.masked)
        else:
            first_row[index] = number
        employer_name = text(row.get("employer_name"))
        person = Person(
            name=name,
            id_number_encrypted=pii.encrypt(rid.number),
            id_number_index=index,
            id_number_masked=rid.masked,
            gender=rid.gender,
            birth_date=rid.birth_date,
            phone=phone,
            employer=employer,
            employer_name=employer_name or (employer.name if employer is not None else ""),
            registered_by=registered_by,
        )
        for field, messages in field_errors(person).items():
            for message in messages:
                problems.add(number, field, message, row.get(field))
        if not problems.has(number):
            objects.append(person)
    problems.raise_if_any()
    if not dry_run:
        insert(Person, objects)
        audit.record_many(
            actor=actor,
            action="people.person.create",
            objects=objects,
            after=[person_audit(p) for p in objects],
        )
    return BulkResult(rows=len(rows), created=len(objects))


class PersonBuilder:
    """person_create's rules for persons built one by one and inserted together (the demo's province
    scale): stdnum ID check, phone, encryption, blind index, one ID one person against the database (the
    numbers given up front) and among the persons built; the first problem of a person raises."""

    def __init__(self, id_numbers: Iterable[str]):
        indexes = [pii.blind_index(domain.normalise_id_number(n)) for n in id_numbers]
        self.taken = set(existing(Person, "id_number_index", indexes))
        self.by_index: dict[str, Person] = {}

    def build(
        self,
        *,
        name: str,
        id_number: str,
        phone: str,
        employer: Institution | None,
        employer_name: str,
        registered_by: Authority | None,
    ) -> Person:
        name, rid, errors = parse_person_fields(name, id_number)
        try:
            phone = domain.validate_phone(phone)
        except ValidationFailed as exc:
            errors.update(exc.detail)
        if errors:
            raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
        assert rid is not None
        index = pii.blind_index(rid.number)
        if index in self.taken or index in self.by_index:
            raise Conflict(
                "该身份证号已登记", code="duplicate_id_number", detail={"id_number": ["该身份证号已登记"]}
            )
        person = Person(
            name=name,
            id_number_encrypted=pii.encrypt(rid.number),
            id_number_index=index,
            id_number_masked=rid.masked,
            gender=rid.gender,
            birth_date=rid.birth_date,
            phone=phone,
            employer=employer,
            employer_name=text(employer_name) or (employer.name if employer else ""),
            registered_by=registered_by,
        )
        problems = field_errors(person)
        if problems:
            raise ValidationFailed(next(iter(problems.values()))[0], detail=problems)
        self.by_index[index] = person
        return person

    def find(self, id_number: str) -> Person | None:
        """A person built here with this ID number (relations name relatives by ID)."""
        return self.by_index.get(pii.blind_index(domain.normalise_id_number(id_number)))

    @staticmethod
    def insert(actor, rows: list[Person]) -> None:
        """Insert the built persons; one `person.create` event each (birth year, masked phone: SEC-3)."""
        insert(Person, rows)
        audit.record_many(
            actor=actor, action="people.person.create", objects=rows, after=[person_audit(p) for p in rows]
        )


supervisors_create = via_row_service(excel.supervisor_row_service)
examiners_create = via_row_service(excel.examiner_row_service)
