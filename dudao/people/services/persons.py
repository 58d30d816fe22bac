"""Persons: create (encrypted resident ID, blind index), update, find by ID number."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from dudao.accounts.permissions import (
    can_reveal_pii,
    is_authority_user,
    is_institution_admin,
    is_superuser,
)
from dudao.common import audit, pii
from dudao.common.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from dudao.common.writes import (
    check_version,
    fail,
    lock,
    require,
    save_fields,
    save_new,
    text,
)
from dudao.registry.models import Authority, Institution

from .. import domain, id_lookup
from ..models import (
    Person,
)
from ..permissions import (
    can_change_person,
)
from ..person_rules import check_employer_visible as _check_employer_visible
from ..person_rules import parse_person_fields as _parse_person_fields
from ..person_rules import person_audit as _person_audit
from ..person_rules import person_scope_for_create as _person_scope_for_create
from ..selectors import find_person_by_id_number, persons_for, today
from .base import UNSET

# --------------------------------------------------------------------------------------- persons


def _ensure_id_free(number: str, *, exclude_pk: int | None = None) -> None:
    # Every configured key's index: a row not yet re-keyed by `dudao pii rotate-key` still counts.
    qs = Person.objects.filter(id_number_index__in=pii.blind_index_candidates(number))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise Conflict(
            "该身份证号已登记", code="duplicate_id_number", detail={"id_number": ["该身份证号已登记"]}
        )


def _create_person_row(
    *, actor, name: str, rid: domain.ResidentId, phone: str, employer, employer_name: str, registered_by
) -> Person:
    index = pii.blind_index(rid.number)
    id_lookup.meter(actor, rid.number)  # SEC-3: "already registered" must not be a free oracle
    _ensure_id_free(rid.number)
    person = Person(
        name=name,
        id_number_encrypted=pii.encrypt(rid.number),
        id_number_index=index,
        id_number_masked=rid.masked,  # only the masked form is ever displayed or audited
        gender=rid.gender,
        birth_date=rid.birth_date,
        phone=phone,
        employer=employer,
        employer_name=employer_name or (employer.name if employer is not None else ""),
        registered_by=registered_by,
    )
    try:
        with transaction.atomic():
            save_new(person)
    except IntegrityError:  # a concurrent writer registered the same ID between check and insert
        raise Conflict(
            "该身份证号已登记", code="duplicate_id_number", detail={"id_number": ["该身份证号已登记"]}
        ) from None
    audit.record(actor=actor, action="people.person.create", obj=person, after=_person_audit(person))
    return person


@transaction.atomic
def person_create(
    *,
    actor,
    name: str,
    id_number: str,
    phone: str = "",
    employer: Institution | None = None,
    employer_name: str = "",
    registered_by: Authority | None = None,
) -> Person:
    """Register a person: ID validated (stdnum), stored encrypted with a blind index; duplicates refused."""
    employer, registered_by = _person_scope_for_create(actor, employer=employer, registered_by=registered_by)
    name, rid, errors = _parse_person_fields(name, id_number)
    try:
        phone = domain.validate_phone(phone)
    except ValidationFailed as exc:
        errors.update(exc.detail)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, detail=errors)
    assert rid is not None
    return _create_person_row(
        actor=actor,
        name=name,
        rid=rid,
        phone=phone,
        employer=employer,
        employer_name=text(employer_name),
        registered_by=registered_by,
    )


@transaction.atomic
def person_update(
    *,
    actor,
    person: Person,
    row_version: int,
    name: Any = UNSET,
    id_number: Any = UNSET,
    phone: Any = UNSET,
    employer: Any = UNSET,
    employer_name: Any = UNSET,
) -> Person:
    """Correct a person's data; a new ID number is re-validated, re-encrypted and checked for duplicates."""
    person = lock(person)
    require(can_change_person(actor, person))
    check_version(person, row_version)
    before = _person_audit(person)
    changed: list[str] = []
    if name is not UNSET:
        new_name = text(name)
        if not new_name:
            raise fail("name", "请填写姓名")
        person.name = new_name
        changed.append("name")
    if id_number is not UNSET:
        rid = domain.parse_resident_id(id_number, today=today())
        index = pii.blind_index(rid.number)
        if index != person.id_number_index:
            id_lookup.meter(actor, rid.number)  # SEC-3
            _ensure_id_free(rid.number, exclude_pk=person.pk)
            person.id_number_encrypted = pii.encrypt(rid.number)
            person.id_number_index = index
            person.id_number_masked = rid.masked
            person.gender = rid.gender
            person.birth_date = rid.birth_date
            changed += ["id_number_encrypted", "id_number_index", "id_number_masked", "gender", "birth_date"]
    if phone is not UNSET:
        new_phone = domain.normalise_phone(phone)
        # Validated only when it changes: a number stored before the rule existed must not block
        # correcting the name; the form shows it and the user may fix it in the same edit.
        if new_phone != person.phone:
            person.phone = domain.validate_phone(new_phone)
            changed.append("phone")
    if employer is not UNSET:
        if (
            is_institution_admin(actor)
            and not is_superuser(actor)
            and (employer is None or employer.pk != actor.institution_id)
        ):
            raise PermissionDenied("评价机构只能将人员登记为本机构人员")
        _check_employer_visible(actor, employer)
        person.employer = employer
        changed.append("employer")
        if employer_name is UNSET and employer is not None:
            person.employer_name = employer.name
            changed.append("employer_name")
    if employer_name is not UNSET:
        person.employer_name = text(employer_name)
        changed.append("employer_name")
    if not changed:
        return person
    save_fields(person, changed)
    audit.record(
        actor=actor, action="people.person.update", obj=person, before=before, after=_person_audit(person)
    )
    return person


@transaction.atomic
def person_reveal_id(*, actor, person: Person) -> str:
    """Return the plaintext ID number to a permitted role (accounts.reveal_pii); every reveal is audited.
    The full number holds the birth date: it is shown nowhere else (SEC-3)."""
    if not persons_for(actor).filter(pk=person.pk).exists():
        raise NotFound()
    require(can_reveal_pii(actor), "无权查看完整身份证号")
    audit.record(
        actor=actor,
        action="people.person.reveal_id",
        obj=person,
        after={"id_number_masked": person.id_number_masked, "reason": "查看完整身份证号"},
    )
    return pii.decrypt(person.id_number_encrypted)


def person_find_by_id_number(*, actor, id_number: str) -> Person | None:
    """Exact lookup by ID number through the blind index, inside the actor's data scope (metered, SEC-3)."""
    return find_person_by_id_number(actor, id_number)


def may_create_persons(actor) -> bool:
    """Superusers, authority staff and institution admins register persons (person_scope_for_create)."""
    return bool(is_superuser(actor) or is_authority_user(actor) or is_institution_admin(actor))


def may_create_supervisors(actor) -> bool:
    """Superusers, authority staff (external) and institution admins (internal) appoint supervisors."""
    return bool(is_superuser(actor) or is_authority_user(actor) or is_institution_admin(actor))


def may_create_examiners(actor) -> bool:
    """Superusers and authority staff register examiners."""
    return bool(is_superuser(actor) or is_authority_user(actor))


def resolve_person_input(
    *, actor, name: str, id_number: str, phone: str = "", employer_name: str = "", employer=None
) -> tuple[Person | None, dict[str, Any] | None]:
    """The person already registered with this ID inside the actor's scope (same name), else the data to
    register a new one (pages and imports appoint an existing person without retyping)."""
    existing = person_find_by_id_number(actor=actor, id_number=id_number) if text(id_number) else None
    if existing is not None:
        if text(name) and text(name) != existing.name:
            # SEC-3: never echo the registered name; it would turn this form into a name-by-ID oracle.
            raise fail("name", "该身份证号已登记,但与所填姓名不一致,请核对姓名和身份证号")
        return existing, None
    data = {
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "employer_name": employer_name,
        "employer": employer,
    }
    return None, data


def _resolve_person(
    *, actor, person: Person | None, person_data: Mapping[str, Any] | None, employer=None, registered_by=None
) -> tuple[Person, bool]:
    """Either an existing person in the actor's scope or a new one created inline (same transaction)."""
    if (person is None) == (not person_data):
        raise fail("person", "请选择已登记的人员,或填写新人员的姓名和身份证号(二选一)")
    if person is not None:
        if not persons_for(actor).filter(pk=person.pk).exists():
            raise NotFound("人员不存在或无权查看")
        return person, False
    data = dict(person_data or {})
    data["employer"] = data.get("employer") or employer
    return (
        person_create(
            actor=actor,
            name=data.get("name", ""),
            id_number=data.get("id_number", ""),
            phone=data.get("phone", "") or "",
            employer=data.get("employer"),
            employer_name=data.get("employer_name", "") or "",
            registered_by=registered_by,
        ),
        True,
    )


def person_for_candidate(
    *, actor, name: str, rid: domain.ResidentId, phone: str, registered_by: Authority | None
) -> Person:
    """The one Person of a candidate's ID number, registered on first use (issue 10: a candidate is a
    Person). Not metered as a lookup: the answer never says whether the number was known, except that a
    different name on file is refused (the caller must already hold the full number)."""
    existing = Person.objects.filter(id_number_index__in=pii.blind_index_candidates(rid.number)).first()
    if existing is not None:
        if existing.name != name:
            raise ValidationFailed(
                "姓名与身份证号登记信息不一致,请核对;如确需更正,请联系评价机构",
                code="name_mismatch",
                detail={"name": ["姓名与身份证号登记信息不一致"]},
            )
        return existing
    person = Person(
        name=name,
        id_number_encrypted=pii.encrypt(rid.number),
        id_number_index=pii.blind_index(rid.number),
        id_number_masked=rid.masked,
        gender=rid.gender,
        birth_date=rid.birth_date,
        phone=phone,
        employer_name="",
        registered_by=registered_by,
    )
    try:
        with transaction.atomic():
            save_new(person)
    except IntegrityError:  # a concurrent registration of the same number won: use its row
        return Person.objects.get(id_number_index__in=pii.blind_index_candidates(rid.number))
    audit.record(actor=actor, action="people.person.create", obj=person, after=_person_audit(person))
    return person
