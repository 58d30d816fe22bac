"""API router of the people app (mounted at /api/v1/people): persons, supervisors and their cards and
contract terms, examiners and their cards, declared relations. ID numbers are always masked here
except through the audited `POST /persons/{id}/reveal-id`.

References in request bodies are named `<thing>_id` here (`supervisor_id`, `person_id`, `authority_id`),
unlike the registry API (`institution`, `venue`); see the note in schemas.py (REVIEW L3)."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from dudao.common.errors import ValidationFailed
from dudao.common.pagination import paginate
from dudao.common.refs import visible_ref
from dudao.registry.models import Authority, Institution
from dudao.registry.selectors import authorities_for, institutions_for

from . import schemas as s
from . import selectors as sel
from . import services
from .models import Person, Relation, Supervisor

router = Router(tags=["people"])


# Every id in a request body is resolved inside the caller's scope (SEC-3): a nonexistent id and one out
# of scope get the same "不存在或无权访问" (dudao.common.refs), and nothing is written.


def _authority(user, pk: int | None, field: str = "authority_id") -> Authority | None:
    qs = authorities_for(user).select_related("region", "parent")
    return visible_ref(qs, pk, field=field, label="委派机构")


def _issuer(supervisor: Supervisor, pk: int | None) -> Authority | None:
    """SUP-3: the issuer is the supervisor's authority or one above it — the only authorities offered."""
    chain, node = [], supervisor.authority
    while node is not None and node.pk not in chain:
        chain.append(node.pk)
        node = node.parent
    return visible_ref(Authority.objects.filter(pk__in=chain), pk, field="issuer_id", label="发证机构")


def _institution(user, pk: int | None, field: str = "institution_id") -> Institution | None:
    return visible_ref(institutions_for(user), pk, field=field, label="评价机构")


def _person_data(user, payload: s.PersonIn | None) -> dict[str, Any] | None:
    if payload is None:
        return None
    data = payload.dict()
    data["employer"] = _institution(user, data.pop("employer_id"), "person.employer_id")
    return data


def _page(qs, params, serialise) -> dict[str, Any]:
    page = paginate(qs, params.page, params.page_size)
    return {
        "items": [serialise(x) for x in page.items],
        "count": page.count,
        "page": page.page,
        "page_size": page.page_size,
    }


def _person_relations(user, person_id: int):
    return list(sel.relation_list(user, person=person_id, include_withdrawn=True))


# --------------------------------------------------------------------------------------- persons


@router.get("/persons", response=s.PersonPage, summary="人员列表(姓名或完整身份证号检索)")
def list_persons(request, params: Query[s.PersonQuery]):
    return _page(sel.person_list(request.user, params.q), params, s.person_out)


@router.get("/persons/{person_id}", response=s.PersonOut, summary="人员详情(身份证号脱敏)")
def get_person(request, person_id: int):
    person = sel.get_or_404(
        sel.persons_for(request.user).select_related("employer", "registered_by"), person_id
    )
    return s.person_out(person)


@router.post("/persons", response={201: s.PersonOut}, summary="登记人员")
def create_person(request, payload: s.PersonCreateIn):
    person = services.person_create(
        actor=request.user,
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        employer=_institution(request.user, payload.employer_id, "employer_id"),
        employer_name=payload.employer_name,
        registered_by=_authority(request.user, payload.registered_by_id, "registered_by_id"),
    )
    return Status(201, s.person_out(person))


@router.patch("/persons/{person_id}", response=s.PersonOut, summary="修改人员信息")
def update_person(request, person_id: int, payload: s.PersonPatchIn):
    person = sel.get_or_404(sel.persons_for(request.user), person_id)
    changes = payload.dict(exclude_unset=True)
    row_version = changes.pop("row_version")
    if "employer_id" in changes:
        changes["employer"] = _institution(request.user, changes.pop("employer_id"), "employer_id")
    for key in ("name", "id_number", "phone", "employer_name"):
        if key in changes and changes[key] is None:
            changes.pop(key)
    person = services.person_update(actor=request.user, person=person, row_version=row_version, **changes)
    return s.person_out(person)


@router.post(
    "/persons/{person_id}/reveal-id", response=s.RevealOut, summary="查看完整身份证号与出生日期(留痕)"
)
def reveal_person_id(request, person_id: int):
    person = sel.get_or_404(sel.persons_for(request.user), person_id)
    number = services.person_reveal_id(actor=request.user, person=person)
    return {"id_number": number, "birth_date": person.birth_date}


# --------------------------------------------------------------------------------------- supervisors


def _supervisor(user, pk: int) -> Supervisor:
    return sel.get_or_404(sel.supervisors_for(user).select_related("person", "authority", "institution"), pk)


def _supervisor_detail(user, pk: int) -> dict[str, Any]:
    supervisor = sel.supervisor_detail(user, pk)
    return s.supervisor_detail_out(supervisor, _person_relations(user, supervisor.person_id), sel.today())


@router.get("/supervisors", response=s.SupervisorPage, summary="质量督导员列表")
def list_supervisors(request, params: Query[s.SupervisorQuery]):
    filters = sel.SupervisorFilters(
        q=params.q,
        kind=params.kind,
        status=params.status,
        authority=params.authority,
        institution=params.institution,
        card_state=params.card_state,
    )
    at = sel.today()
    return _page(sel.supervisor_list(request.user, filters, at=at), params, lambda x: s.supervisor_out(x, at))


@router.get(
    "/supervisors/{supervisor_id}", response=s.SupervisorDetailOut, summary="督导员详情(证卡、聘期、关系)"
)
def get_supervisor(request, supervisor_id: int):
    return _supervisor_detail(request.user, supervisor_id)


@router.post("/supervisors", response={201: s.SupervisorDetailOut}, summary="新增督导员(可同时登记人员)")
def create_supervisor(request, payload: s.SupervisorIn):
    person = None
    if payload.person_id is not None:
        person = sel.get_or_404(sel.persons_for(request.user), payload.person_id)
    supervisor = services.supervisor_create(
        actor=request.user,
        kind=payload.kind,
        person=person,
        person_data=_person_data(request.user, payload.person),
        authority=_authority(request.user, payload.authority_id),
        institution=_institution(request.user, payload.institution_id),
        qualification=payload.qualification,
    )
    return Status(201, _supervisor_detail(request.user, supervisor.pk))


@router.patch("/supervisors/{supervisor_id}", response=s.SupervisorDetailOut, summary="修改督导员")
def update_supervisor(request, supervisor_id: int, payload: s.SupervisorPatchIn):
    supervisor = _supervisor(request.user, supervisor_id)
    changes = payload.dict(exclude_unset=True)
    kwargs: dict[str, Any] = {}
    if "qualification" in changes:
        kwargs["qualification"] = changes["qualification"]
    if "authority_id" in changes:
        kwargs["authority"] = _authority(request.user, changes["authority_id"])
    if "institution_id" in changes:
        kwargs["institution"] = _institution(request.user, changes["institution_id"])
    services.supervisor_update(
        actor=request.user, supervisor=supervisor, row_version=payload.row_version, **kwargs
    )
    return _supervisor_detail(request.user, supervisor_id)


@router.post(
    "/supervisors/{supervisor_id}/status",
    response=s.SupervisorDetailOut,
    summary="督导员状态:suspended 暂停 / active 恢复 / dismissed 解聘 / revoked 吊销",
)
def supervisor_status(request, supervisor_id: int, payload: s.StatusIn):
    supervisor = _supervisor(request.user, supervisor_id)
    services.supervisor_set_status(
        actor=request.user,
        supervisor=supervisor,
        to=payload.to,
        reason=payload.reason,
        row_version=payload.row_version,
    )
    return _supervisor_detail(request.user, supervisor_id)


# --------------------------------------------------------------------------------------- supervisor cards


def _supervisor_card(user, pk: int):
    return sel.get_or_404(sel.supervisor_cards_for(user).select_related("supervisor__person", "issuer"), pk)


@router.get("/supervisor-cards", response=s.SupervisorCardPage, summary="督导员证卡列表")
def list_supervisor_cards(request, params: Query[s.CardQuery]):
    at = sel.today()
    qs = sel.supervisor_card_list(request.user, supervisor=params.holder, q=params.q, state=params.state)
    return _page(qs, params, lambda c: s.supervisor_card_out(c, c.supervisor.person.name, at))


@router.get("/supervisor-cards/{card_id}", response=s.SupervisorCardOut, summary="督导员证卡详情")
def get_supervisor_card(request, card_id: int):
    card = _supervisor_card(request.user, card_id)
    return s.supervisor_card_out(card, card.supervisor.person.name)


@router.post("/supervisor-cards", response={201: s.SupervisorCardOut}, summary="发放督导员证卡")  # SUP-3
def issue_supervisor_card(request, payload: s.SupervisorCardIn):
    supervisor = _supervisor(request.user, payload.supervisor_id)
    card = services.supervisor_card_issue(
        actor=request.user,
        supervisor=supervisor,
        number=payload.number,
        issued_on=payload.issued_on,
        valid_until=payload.valid_until,
        issuer=_issuer(supervisor, payload.issuer_id),
    )
    return Status(201, s.supervisor_card_out(card, supervisor.person.name))


@router.post(
    "/supervisor-cards/{card_id}/status",
    response=s.SupervisorCardOut,
    summary="证卡状态:lost 挂失 / valid 解除挂失 / reissuing 申请补办 / revoked 吊销",
)
def supervisor_card_status(request, card_id: int, payload: s.StatusIn):
    card = _supervisor_card(request.user, card_id)
    card = services.supervisor_card_set_status(
        actor=request.user, card=card, to=payload.to, reason=payload.reason, row_version=payload.row_version
    )
    return s.supervisor_card_out(card, card.supervisor.person.name)


@router.post(
    "/supervisor-cards/{card_id}/replacement",
    response={201: s.SupervisorCardOut},
    summary="补发新证(旧证须为补办中)",
)
def replace_supervisor_card(request, card_id: int, payload: s.ReplacementIn):
    card = _supervisor_card(request.user, card_id)
    new = services.supervisor_card_replace(
        actor=request.user,
        card=card,
        number=payload.number,
        issued_on=payload.issued_on,
        valid_until=payload.valid_until,
        row_version=payload.row_version,
    )
    return Status(201, s.supervisor_card_out(new, card.supervisor.person.name))


# --------------------------------------------------------------------------------------- contracts


@router.get("/contracts", response=s.ContractPage, summary="聘任合同(聘期)列表")
def list_contracts(request, params: Query[s.ContractQuery]):
    at = sel.today()
    return _page(
        sel.contract_list(request.user, supervisor=params.supervisor), params, lambda c: s.contract_out(c, at)
    )


@router.get("/contracts/{contract_id}", response=s.ContractOut, summary="聘期详情")
def get_contract(request, contract_id: int):
    return s.contract_out(sel.get_or_404(sel.contracts_for(request.user), contract_id), sel.today())


@router.post(
    "/contracts",
    response={201: s.ContractOut},
    summary="签订聘期或续聘(每届 3 年,最多三届;省略起始日即上一届结束次日)",  # SUP-5
)
def add_contract(request, payload: s.ContractIn):
    supervisor = _supervisor(request.user, payload.supervisor_id)
    if payload.starts_on is None:
        contract = services.supervisor_contract_renew(actor=request.user, supervisor=supervisor)
    else:
        contract = services.supervisor_contract_add(
            actor=request.user, supervisor=supervisor, starts_on=payload.starts_on
        )
    return Status(201, s.contract_out(contract, sel.today()))


# --------------------------------------------------------------------------------------- examiners


def _examiner(user, pk: int):
    return sel.get_or_404(sel.examiners_for(user).select_related("person", "authority"), pk)


def _examiner_detail(user, pk: int) -> dict[str, Any]:
    examiner = sel.examiner_detail(user, pk)
    return s.examiner_detail_out(examiner, _person_relations(user, examiner.person_id), sel.today())


@router.get("/examiners", response=s.ExaminerPage, summary="考评员列表")
def list_examiners(request, params: Query[s.ExaminerQuery]):
    filters = sel.ExaminerFilters(
        q=params.q,
        status=params.status,
        authority=params.authority,
        card_state=params.card_state,
        senior=params.senior,
        occupation=params.occupation,
    )
    at = sel.today()
    return _page(sel.examiner_list(request.user, filters, at=at), params, lambda x: s.examiner_out(x, at))


@router.get("/examiners/{examiner_id}", response=s.ExaminerDetailOut, summary="考评员详情(证卡、考评范围)")
def get_examiner(request, examiner_id: int):
    return _examiner_detail(request.user, examiner_id)


@router.post("/examiners", response={201: s.ExaminerDetailOut}, summary="新增考评员(可同时登记人员)")
def create_examiner(request, payload: s.ExaminerIn):
    person = None
    if payload.person_id is not None:
        person = sel.get_or_404(sel.persons_for(request.user), payload.person_id)
    examiner = services.examiner_create(
        actor=request.user,
        person=person,
        person_data=_person_data(request.user, payload.person),
        authority=_authority(request.user, payload.authority_id),
        senior=payload.senior,
    )
    return Status(201, _examiner_detail(request.user, examiner.pk))


@router.patch("/examiners/{examiner_id}", response=s.ExaminerDetailOut, summary="修改考评员")
def update_examiner(request, examiner_id: int, payload: s.ExaminerPatchIn):
    examiner = _examiner(request.user, examiner_id)
    changes = payload.dict(exclude_unset=True)
    kwargs: dict[str, Any] = {}
    if changes.get("senior") is not None:
        kwargs["senior"] = changes["senior"]
    if "authority_id" in changes:
        kwargs["authority"] = _authority(request.user, changes["authority_id"])
    services.examiner_update(actor=request.user, examiner=examiner, row_version=payload.row_version, **kwargs)
    return _examiner_detail(request.user, examiner_id)


@router.post(
    "/examiners/{examiner_id}/status",
    response=s.ExaminerDetailOut,
    summary="考评员状态:active 在册 / inactive 不在册",
)
def examiner_status(request, examiner_id: int, payload: s.StatusIn):
    examiner = _examiner(request.user, examiner_id)
    services.examiner_set_status(
        actor=request.user,
        examiner=examiner,
        to=payload.to,
        reason=payload.reason,
        row_version=payload.row_version,
    )
    return _examiner_detail(request.user, examiner_id)


# --------------------------------------------------------------------------------------- examiner cards


def _examiner_card(user, pk: int):
    return sel.get_or_404(
        sel.examiner_cards_for(user).select_related("examiner__person", "examiner__authority"), pk
    )


@router.get("/examiner-cards", response=s.ExaminerCardPage, summary="考评员证卡列表")
def list_examiner_cards(request, params: Query[s.CardQuery]):
    at = sel.today()
    qs = sel.examiner_card_list(request.user, examiner=params.holder, q=params.q, state=params.state)
    return _page(qs, params, lambda c: s.examiner_card_out(c, c.examiner.person.name, at))


@router.get("/examiner-cards/{card_id}", response=s.ExaminerCardOut, summary="考评员证卡详情")
def get_examiner_card(request, card_id: int):
    card = _examiner_card(request.user, card_id)
    return s.examiner_card_out(card, card.examiner.person.name)


def _scopes(items: list[s.CardScopeIn]) -> list[dict[str, Any]]:
    return [item.dict() for item in items]


@router.post("/examiner-cards", response={201: s.ExaminerCardOut}, summary="发放考评员证卡")  # EXAM-2/3
def issue_examiner_card(request, payload: s.ExaminerCardIn):
    examiner = _examiner(request.user, payload.examiner_id)
    card = services.examiner_card_issue(
        actor=request.user,
        examiner=examiner,
        number=payload.number,
        issued_on=payload.issued_on,
        valid_until=payload.valid_until,
        scopes=_scopes(payload.scopes),
    )
    return Status(201, s.examiner_card_out(card, examiner.person.name))


@router.patch("/examiner-cards/{card_id}", response=s.ExaminerCardOut, summary="修改考评范围")  # EXAM-3
def update_examiner_card(request, card_id: int, payload: s.ExaminerCardPatchIn):
    card = _examiner_card(request.user, card_id)
    card = services.examiner_card_set_scopes(
        actor=request.user, card=card, scopes=_scopes(payload.scopes), row_version=payload.row_version
    )
    return s.examiner_card_out(card, card.examiner.person.name)


@router.post(
    "/examiner-cards/{card_id}/status",
    response=s.ExaminerCardOut,
    summary="证卡状态:lost 挂失 / valid 解除挂失 / reissuing 申请补办 / revoked 吊销",
)
def examiner_card_status(request, card_id: int, payload: s.StatusIn):
    card = _examiner_card(request.user, card_id)
    card = services.examiner_card_set_status(
        actor=request.user, card=card, to=payload.to, reason=payload.reason, row_version=payload.row_version
    )
    return s.examiner_card_out(card, card.examiner.person.name)


@router.post(
    "/examiner-cards/{card_id}/renewal-training",
    response=s.ExaminerCardOut,
    summary="登记延续培训(有效期顺延 3 年;超期一年以上不得延续)",  # EXAM-2
)
def examiner_card_training(request, card_id: int, payload: s.TrainingIn):
    card = _examiner_card(request.user, card_id)
    card = services.examiner_card_renew_training(
        actor=request.user, card=card, trained_on=payload.trained_on, row_version=payload.row_version
    )
    return s.examiner_card_out(card, card.examiner.person.name)


@router.post(
    "/examiner-cards/{card_id}/replacement",
    response={201: s.ExaminerCardOut},
    summary="补发新证(旧证须为补办中;沿用有效期与考评范围)",
)
def replace_examiner_card(request, card_id: int, payload: s.ReplacementIn):
    card = _examiner_card(request.user, card_id)
    new = services.examiner_card_replace(
        actor=request.user,
        card=card,
        number=payload.number,
        issued_on=payload.issued_on,
        valid_until=payload.valid_until,
        row_version=payload.row_version,
    )
    return Status(201, s.examiner_card_out(new, card.examiner.person.name))


# --------------------------------------------------------------------------------------- relations


@router.get("/relations", response=s.RelationPage, summary="申报关系列表(回避依据)")  # SUP-8/EXAM-4
def list_relations(request, params: Query[s.RelationQuery]):
    qs = sel.relation_list(
        request.user, person=params.person, include_withdrawn=params.include_withdrawn, q=params.q
    )
    return _page(qs, params, s.relation_out)


@router.get("/relations/{relation_id}", response=s.RelationOut, summary="申报关系详情")
def get_relation(request, relation_id: int):
    qs = sel.relations_for(request.user).select_related("person", "other_person", "institution")
    return s.relation_out(sel.get_or_404(qs, relation_id))


@router.post("/relations", response={201: s.RelationOut}, summary="申报关系(关系人或关系机构二选一)")
def declare_relation(request, payload: s.RelationIn):
    person: Person = sel.get_or_404(sel.persons_for(request.user), payload.person_id)
    other = visible_ref(
        sel.persons_for(request.user), payload.other_person_id, field="other_person_id", label="关系人"
    )
    relation = services.relation_declare(
        actor=request.user,
        person=person,
        kind=payload.kind,
        other_person=other,
        other_id_number=payload.other_id_number,
        other_name=payload.other_name,
        # A relation may name any filed institution (SUP-8: a relative working anywhere); declaring one
        # gives no access to it, so this id is looked up in the whole (public) register.
        institution=visible_ref(
            Institution.objects.all(), payload.institution_id, field="institution_id", label="评价机构"
        ),
        note=payload.note,
        declared_on=payload.declared_on,
    )
    relation = Relation.objects.select_related("person", "other_person", "institution").get(pk=relation.pk)
    return Status(201, s.relation_out(relation))


@router.post("/relations/{relation_id}/status", response=s.RelationOut, summary="撤回申报关系(to=withdrawn)")
def relation_status(request, relation_id: int, payload: s.StatusIn):
    relation = sel.get_or_404(sel.relations_for(request.user).select_related("person"), relation_id)
    if payload.to != "withdrawn":
        raise ValidationFailed(
            "目标状态只能为 withdrawn(撤回)", detail={"to": ["目标状态只能为 withdrawn(撤回)"]}
        )
    relation = services.relation_withdraw(
        actor=request.user, relation=relation, row_version=payload.row_version
    )
    return s.relation_out(
        Relation.objects.select_related("person", "other_person", "institution").get(pk=relation.pk)
    )
