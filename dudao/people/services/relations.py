"""Declared relations (conflicts of interest): declare and withdraw."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from dudao.common import audit, pii
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
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
from dudao.registry.models import Institution

from .. import domain
from ..models import (
    Person,
    Relation,
)
from ..permissions import (
    can_declare_relation,
)
from ..selectors import today
from .persons import _create_person_row

# --------------------------------------------------------------------------------------- relations


@transaction.atomic
def relation_declare(
    *,
    actor,
    person: Person,
    kind: str,
    other_person: Person | None = None,
    other_id_number: str | None = None,
    other_name: str | None = None,
    institution: Institution | None = None,
    note: str = "",
    declared_on: dt.date | None = None,
) -> Relation:
    """Declare a relation used for recusal (SUP-8, EXAM-4): with one other person or one institution.

    The other person may be given by ID number; an unregistered one is registered with the given name.
    """
    require(can_declare_relation(actor, person), "无权为该人员申报关系")
    if kind not in Relation.Kind.values:
        raise fail("kind", "关系类型应为亲属、师生、师徒、雇佣/任职或其他利害关系")
    by_number = bool(text(other_id_number))
    if sum([other_person is not None, by_number, institution is not None]) != 1:
        raise fail("other_person", "关系人与关系机构须且只能填写一项")
    if by_number:
        rid = domain.parse_resident_id(other_id_number, today=today(), field="other_id_number")
        other_person = Person.objects.filter(
            id_number_index__in=pii.blind_index_candidates(rid.number)
        ).first()
        name = text(other_name)
        if other_person is None:
            if not name:
                raise fail("other_name", "关系人未登记,请填写关系人姓名")
            # Registered without an owner: visible through this relation only (not in anyone's person list).
            other_person = _create_person_row(
                actor=actor, name=name, rid=rid, phone="", employer=None, employer_name="", registered_by=None
            )
        elif name and name != other_person.name:
            raise fail("other_name", "关系人姓名与身份证号不一致,请核对")
    if other_person is not None and other_person.pk == person.pk:
        raise fail("other_person", "不能与本人申报关系")
    duplicate = Relation.objects.filter(person=person, kind=kind, withdrawn_on__isnull=True)
    duplicate = (
        duplicate.filter(other_person=other_person)
        if other_person
        else duplicate.filter(institution=institution)
    )
    if duplicate.exists():
        raise Conflict("已申报过相同的关系", code="duplicate_relation")
    relation = Relation(
        person=person,
        kind=kind,
        other_person=other_person,
        institution=institution,
        note=text(note)[:255],
        declared_on=declared_on or today(),
    )
    save_new(relation)
    audit.record(actor=actor, action="people.relation.declare", obj=relation, after=audit.snapshot(relation))
    return relation


@transaction.atomic
def relation_withdraw(*, actor, relation: Relation, row_version: int | None = None) -> Relation:
    """Withdraw a declared relation; it stays on record with the withdrawal date."""
    relation = lock(relation)
    require(can_declare_relation(actor, relation.person), "无权撤回该关系")
    check_version(relation, row_version)
    if relation.withdrawn_on is not None:
        raise IllegalTransition("该关系已撤回")
    before = audit.snapshot(relation)
    relation.withdrawn_on = today()
    save_fields(relation, ["withdrawn_on"])
    audit.record(
        actor=actor,
        action="people.relation.withdraw",
        obj=relation,
        before=before,
        after=audit.snapshot(relation),
    )
    return relation
