"""API schemas of the people app, and the functions that turn models into their (masked) output."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from dudao.common.pagination import PageParams

from . import domain
from .models import Examiner, ExaminerCard, Person, Relation, Supervisor, SupervisorCard, SupervisorContract
from .selectors import current_card, examiner_card_state, supervisor_card_state

# --------------------------------------------------------------------------------------- output


class Ref(Schema):
    id: int
    name: str


class PersonBrief(Schema):
    id: int
    name: str
    id_number_masked: str = Field(description="脱敏身份证号(前 6 位、后 4 位)")


class PersonOut(PersonBrief):
    gender: str
    gender_label: str
    birth_year: int = Field(
        # SEC-3
        description="出生年份。完整出生日期与脱敏身份证号合在一起即可还原身份证号,只通过留痕的查看操作提供"
    )
    phone: str
    employer: Ref | None
    employer_name: str
    registered_by: Ref | None
    row_version: int


class CardStateMixin(Schema):
    status: str = Field(description="登记状态:valid/lost/reissuing/revoked/replaced")
    status_label: str
    state: str = Field(
        description="当日状态:valid/not_yet_valid/expired/lapsed/lost/reissuing/revoked/replaced"
    )
    state_label: str
    status_reason: str


class SupervisorCardOut(CardStateMixin):
    id: int
    supervisor_id: int
    holder_name: str
    number: str
    issuer: Ref | None
    issued_on: dt.date
    valid_until: dt.date
    replaces_id: int | None
    row_version: int


class ContractOut(Schema):
    id: int
    supervisor_id: int
    term_no: int
    starts_on: dt.date
    ends_on: dt.date
    in_force: bool
    row_version: int


class RelationOut(Schema):
    id: int
    person: PersonBrief
    kind: str
    kind_label: str
    other_person: PersonBrief | None
    institution: Ref | None
    note: str
    declared_on: dt.date
    withdrawn_on: dt.date | None
    row_version: int


class SupervisorOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    person: PersonOut
    authority: Ref | None
    institution: Ref | None
    current_card: SupervisorCardOut | None
    dismissal_flag: bool
    row_version: int


class SupervisorDetailOut(SupervisorOut):
    qualification: dict[str, Any]
    qualification_gaps: list[str]
    status_reason: str
    cards: list[SupervisorCardOut]
    contracts: list[ContractOut]
    relations: list[RelationOut]


class CardScopeOut(Schema):
    occupation_code: str
    occupation_name: str
    work_type: str
    levels: list[int]


class ExaminerCardOut(CardStateMixin):
    id: int
    examiner_id: int
    holder_name: str
    number: str
    issued_on: dt.date
    valid_until: dt.date
    renewal_trained_on: dt.date | None
    replaces_id: int | None
    scopes: list[CardScopeOut]
    row_version: int


class ExaminerOut(Schema):
    id: int
    person: PersonOut
    authority: Ref | None
    senior: bool
    is_active: bool
    current_card: ExaminerCardOut | None
    row_version: int


class ExaminerDetailOut(ExaminerOut):
    cards: list[ExaminerCardOut]
    relations: list[RelationOut]


class RevealOut(Schema):
    id_number: str
    birth_date: dt.date


def _page_schema(name: str, item: type[Schema]) -> type[Schema]:
    return type(
        name,
        (Schema,),
        {"__annotations__": {"items": list[item], "count": int, "page": int, "page_size": int}},
    )


PersonPage = _page_schema("PersonPage", PersonOut)
SupervisorPage = _page_schema("SupervisorPage", SupervisorOut)
SupervisorCardPage = _page_schema("SupervisorCardPage", SupervisorCardOut)
ContractPage = _page_schema("ContractPage", ContractOut)
ExaminerPage = _page_schema("ExaminerPage", ExaminerOut)
ExaminerCardPage = _page_schema("ExaminerCardPage", ExaminerCardOut)
RelationPage = _page_schema("RelationPage", RelationOut)


# --------------------------------------------------------------------------------------- input

# Naming (REVIEW L3): references to other records in people input bodies end in `_id`
# (`supervisor_id`, `person_id`, `authority_id`, `institution_id`, `issuer_id`, `employer_id`), while the
# registry API names them without the suffix (`institution`, `occupation`, `venue`, `filing`). Both are
# integer primary keys. The people names stay as they are: renaming them would break existing clients;
# a later API version may align them (accepting both spellings for one release).


class PersonIn(Schema):
    name: str = Field(..., max_length=64)
    id_number: str = Field(..., max_length=32, description="18 位身份证号")
    phone: str = Field("", max_length=20)
    employer_id: int | None = None
    employer_name: str = Field("", max_length=128)


class PersonCreateIn(PersonIn):
    registered_by_id: int | None = Field(None, description="登记机构(默认为当前用户的机构)")


class PersonPatchIn(Schema):
    row_version: int
    name: str | None = Field(None, max_length=64)
    id_number: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=20)
    employer_id: int | None = None
    employer_name: str | None = Field(None, max_length=128)


class SupervisorIn(Schema):
    kind: str = Field(..., description="external 外部 / internal 内部")
    person_id: int | None = Field(None, description="已登记人员;与 person 二选一")
    person: PersonIn | None = Field(None, description="新人员(同一事务内登记)")
    authority_id: int | None = None
    institution_id: int | None = None
    qualification: dict[str, Any] | None = Field(None, description="任职条件")  # SUP-2


class SupervisorPatchIn(Schema):
    row_version: int
    qualification: dict[str, Any] | None = None
    authority_id: int | None = None
    institution_id: int | None = None


class StatusIn(Schema):
    to: str
    reason: str = Field("", max_length=255)
    row_version: int | None = None


class SupervisorCardIn(Schema):
    supervisor_id: int
    number: str = Field(..., max_length=32)
    issued_on: dt.date
    valid_until: dt.date | None = Field(None, description="默认发证日期起 3 年减 1 天")
    issuer_id: int | None = Field(None, description="发证机构(外督;默认为委派机构或其有发证代码的上级)")


class ReplacementIn(Schema):
    number: str = Field(..., max_length=32)
    issued_on: dt.date
    valid_until: dt.date | None = None
    row_version: int | None = None


class ContractIn(Schema):
    supervisor_id: int
    starts_on: dt.date | None = Field(None, description="续聘时可省略:上一届结束次日")


class CardScopeIn(Schema):
    occupation: str = Field(..., description="职业编码,如 4-03-02-01")
    work_type: str = Field("", max_length=64)
    levels: list[int]


class ExaminerIn(Schema):
    person_id: int | None = None
    person: PersonIn | None = None
    authority_id: int | None = None
    senior: bool = False


class ExaminerPatchIn(Schema):
    row_version: int
    senior: bool | None = None
    authority_id: int | None = None


class ExaminerCardIn(Schema):
    examiner_id: int
    number: str = Field(..., max_length=32)
    issued_on: dt.date
    valid_until: dt.date | None = None
    scopes: list[CardScopeIn]


class ExaminerCardPatchIn(Schema):
    row_version: int
    scopes: list[CardScopeIn]


class TrainingIn(Schema):
    trained_on: dt.date
    row_version: int | None = None


class RelationIn(Schema):
    person_id: int
    kind: str
    other_person_id: int | None = None
    other_id_number: str | None = Field(
        None, max_length=32, description="关系人身份证号(未登记时同时填写姓名)"
    )
    other_name: str | None = Field(None, max_length=64)
    institution_id: int | None = None
    note: str = Field("", max_length=255)
    declared_on: dt.date | None = None


class SupervisorQuery(PageParams):
    q: str = Field("", description="姓名、证卡号或完整身份证号")
    kind: str = ""
    status: str = ""
    authority: int | None = None
    institution: int | None = None
    card_state: str = Field("", description="valid/expired/lost/reissuing/revoked/none")


class ExaminerQuery(PageParams):
    q: str = ""
    status: str = Field("", description="active/inactive")
    authority: int | None = None
    card_state: str = Field("", description="valid/expired/lapsed/lost/reissuing/revoked/none")
    senior: bool | None = None
    occupation: str = Field("", description="职业编码")


class PersonQuery(PageParams):
    q: str = Field("", description="姓名或完整身份证号")


class CardQuery(PageParams):
    q: str = ""
    state: str = ""
    holder: int | None = Field(None, description="督导员/考评员 ID")


class ContractQuery(PageParams):
    supervisor: int | None = None


class RelationQuery(PageParams):
    q: str = ""
    person: int | None = None
    include_withdrawn: bool = False


# --------------------------------------------------------------------------------------- serialisers


def ref(obj, label: str = "name") -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": getattr(obj, label)}


def person_brief(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.pk, "name": person.name, "id_number_masked": person.id_number_masked}


def person_out(person: Person) -> dict[str, Any]:
    return {
        **person_brief(person),
        "gender": person.gender,
        "gender_label": person.get_gender_display(),
        "birth_year": person.birth_year,
        "phone": person.phone,
        "employer": ref(person.employer),
        "employer_name": person.employer_name,
        "registered_by": ref(person.registered_by) if person.registered_by_id else None,
        "row_version": person.row_version,
    }


def _card_state(card, state: str) -> dict[str, Any]:
    return {
        "status": card.status,
        "status_label": card.get_status_display(),
        "state": state,
        "state_label": domain.CARD_STATE_LABELS.get(state, state),
        "status_reason": card.status_reason,
    }


def supervisor_card_out(card: SupervisorCard, holder_name: str, at: dt.date | None = None) -> dict[str, Any]:
    return {
        "id": card.pk,
        "supervisor_id": card.supervisor_id,
        "holder_name": holder_name,
        "number": card.number,
        "issuer": ref(card.issuer) if card.issuer_id else None,
        "issued_on": card.issued_on,
        "valid_until": card.valid_until,
        "replaces_id": card.replaces_id,
        "row_version": card.row_version,
        **_card_state(card, supervisor_card_state(card, at)),
    }


def contract_out(contract: SupervisorContract, at: dt.date) -> dict[str, Any]:
    return {
        "id": contract.pk,
        "supervisor_id": contract.supervisor_id,
        "term_no": contract.term_no,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "in_force": contract.starts_on <= at <= contract.ends_on,
        "row_version": contract.row_version,
    }


def relation_out(relation: Relation) -> dict[str, Any]:
    return {
        "id": relation.pk,
        "person": person_brief(relation.person),
        "kind": relation.kind,
        "kind_label": relation.get_kind_display(),
        "other_person": person_brief(relation.other_person) if relation.other_person_id else None,
        "institution": ref(relation.institution) if relation.institution_id else None,
        "note": relation.note,
        "declared_on": relation.declared_on,
        "withdrawn_on": relation.withdrawn_on,
        "row_version": relation.row_version,
    }


def supervisor_out(supervisor: Supervisor, at: dt.date) -> dict[str, Any]:
    cards = list(supervisor.cards.all())
    card = current_card(cards)
    return {
        "id": supervisor.pk,
        "kind": supervisor.kind,
        "kind_label": supervisor.get_kind_display(),
        "status": supervisor.status,
        "status_label": supervisor.get_status_display(),
        "person": person_out(supervisor.person),
        "authority": ref(supervisor.authority) if supervisor.authority_id else None,
        "institution": ref(supervisor.institution) if supervisor.institution_id else None,
        "current_card": supervisor_card_out(card, supervisor.person.name, at) if card else None,
        "dismissal_flag": supervisor.dismissal_flag,
        "row_version": supervisor.row_version,
    }


def supervisor_detail_out(supervisor: Supervisor, relations, at: dt.date) -> dict[str, Any]:
    from .services import qualification_gaps

    return {
        **supervisor_out(supervisor, at),
        "qualification": supervisor.qualification or {},
        "qualification_gaps": qualification_gaps(supervisor.qualification or {}),
        "status_reason": supervisor.status_reason,
        "cards": [supervisor_card_out(c, supervisor.person.name, at) for c in supervisor.cards.all()],
        "contracts": [contract_out(c, at) for c in supervisor.contracts.all()],
        "relations": [relation_out(r) for r in relations],
    }


def scope_out(scope) -> dict[str, Any]:
    return {
        "occupation_code": scope.occupation.code,
        "occupation_name": scope.occupation.name,
        "work_type": scope.work_type,
        "levels": sorted(scope.levels, reverse=True),
    }


def examiner_card_out(card: ExaminerCard, holder_name: str, at: dt.date | None = None) -> dict[str, Any]:
    return {
        "id": card.pk,
        "examiner_id": card.examiner_id,
        "holder_name": holder_name,
        "number": card.number,
        "issued_on": card.issued_on,
        "valid_until": card.valid_until,
        "renewal_trained_on": card.renewal_trained_on,
        "replaces_id": card.replaces_id,
        "scopes": [scope_out(s) for s in card.scopes.all()],
        "row_version": card.row_version,
        **_card_state(card, examiner_card_state(card, at)),
    }


def examiner_out(examiner: Examiner, at: dt.date) -> dict[str, Any]:
    card = current_card(list(examiner.cards.all()))
    return {
        "id": examiner.pk,
        "person": person_out(examiner.person),
        "authority": ref(examiner.authority) if examiner.authority_id else None,
        "senior": examiner.senior,
        "is_active": examiner.is_active,
        "current_card": examiner_card_out(card, examiner.person.name, at) if card else None,
        "row_version": examiner.row_version,
    }


def examiner_detail_out(examiner: Examiner, relations, at: dt.date) -> dict[str, Any]:
    return {
        **examiner_out(examiner, at),
        "cards": [examiner_card_out(c, examiner.person.name, at) for c in examiner.cards.all()],
        "relations": [relation_out(r) for r in relations],
    }
