"""The only writers of people records: persons (encrypted IDs), supervisors, cards, contract terms,
examiners, examiner cards and declared relations. Each is atomic, permission-checked and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from dudao.accounts.permissions import (
    can_reveal_pii,
    is_authority_user,
    is_institution_admin,
    is_superuser,
    region_prefix_covers,
)
from dudao.common import audit, pii
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)
from dudao.common.refs import not_visible
from dudao.common.transitions import TransitionTable, check_transition
from dudao.common.writes import (
    check_version,
    fail,
    lock,
    parse_date,
    require,
    save_fields,
    save_new,
    text,
)
from dudao.registry.models import Authority, Institution, Occupation
from dudao.registry.selectors import institutions_for

from . import domain
from .models import (
    CardPattern,
    CardStatus,
    Examiner,
    ExaminerCard,
    ExaminerCardScope,
    Person,
    Relation,
    Supervisor,
    SupervisorCard,
    SupervisorContract,
)
from .permissions import (
    can_change_examiner,
    can_change_person,
    can_change_supervisor,
    can_declare_relation,
    can_manage_examiner_target,
    can_manage_supervisor_target,
)
from .selectors import card_facts, persons_for, today


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "leave this field as it is" in partial updates


# --------------------------------------------------------------------------------------- persons


def _person_audit(person: Person) -> dict[str, Any]:
    """Audit snapshot of a person (SEC-3): birth year instead of the date, the phone masked."""
    data = audit.snapshot(person)
    data["birth_year"] = person.birth_year
    data["phone"] = domain.mask_phone(person.phone)
    return data


def _ensure_id_free(number: str, *, exclude_pk: int | None = None) -> None:
    # Every configured key's index: a row not yet re-keyed by `dudao pii rotate-key` still counts.
    qs = Person.objects.filter(id_number_index__in=pii.blind_index_candidates(number))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise Conflict(
            "该身份证号已登记", code="duplicate_id_number", detail={"id_number": ["该身份证号已登记"]}
        )


def _check_employer_visible(actor, employer: Institution | None, field: str = "employer_id") -> None:
    """SEC-3: a person's employer decides who else reads the person; it must be in the actor's scope."""
    visible = (
        employer is None or is_superuser(actor) or institutions_for(actor).filter(pk=employer.pk).exists()
    )
    if not visible:
        raise not_visible(field, "评价机构")


def _person_scope_for_create(actor, *, employer: Institution | None, registered_by: Authority | None):
    """Who may register a person, and with which owner (data scope) — see docs/permissions-people.md."""
    if is_superuser(actor):
        return employer, registered_by
    if is_authority_user(actor):
        registered_by = registered_by or actor.authority
        require(region_prefix_covers(actor, registered_by.region_id), "只能在本机构辖区内登记人员")
        _check_employer_visible(actor, employer)
        return employer, registered_by
    if is_institution_admin(actor):
        if employer is not None and employer.pk != actor.institution_id:
            raise PermissionDenied("只能登记本机构的人员")
        require(registered_by is None, "评价机构不能指定登记机构")
        return actor.institution, None
    raise PermissionDenied("没有登记人员的权限")


def _parse_person_fields(
    name: Any, id_number: Any
) -> tuple[str, domain.ResidentId | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    name = text(name)
    if not name:
        errors["name"] = ["请填写姓名"]
    elif len(name) > 64:
        errors["name"] = ["姓名不能超过 64 个字"]
    rid = None
    try:
        rid = domain.parse_resident_id(id_number, today=today())
    except ValidationFailed as exc:
        errors.update(exc.detail)
    return name, rid, errors


def _create_person_row(
    *, actor, name: str, rid: domain.ResidentId, phone: str, employer, employer_name: str, registered_by
) -> Person:
    index = pii.blind_index(rid.number)
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
    audit.record(actor=actor, action="person.create", obj=person, after=_person_audit(person))
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
    audit.record(actor=actor, action="person.update", obj=person, before=before, after=_person_audit(person))
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
        action="person.reveal_id",
        obj=person,
        after={"id_number_masked": person.id_number_masked, "reason": "查看完整身份证号"},
    )
    return pii.decrypt(person.id_number_encrypted)


def person_find_by_id_number(*, actor, id_number: str) -> Person | None:
    """Exact lookup by ID number through the blind index, inside the actor's data scope."""
    number = domain.normalise_id_number(id_number)
    if not number:
        return None
    return persons_for(actor).filter(id_number_index__in=pii.blind_index_candidates(number)).first()


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
            raise fail("name", f"该身份证号已登记为「{existing.name}」,与所填姓名不一致,请核对")
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


# --------------------------------------------------------------------------------------- supervisors


# status → {next status: who may take the step} (SUP-9, SUP-10); dismissed and revoked are final.
SUPERVISOR_TRANSITIONS: TransitionTable = {
    Supervisor.Status.ACTIVE: dict.fromkeys(
        (Supervisor.Status.SUSPENDED, Supervisor.Status.DISMISSED, Supervisor.Status.REVOKED),
        can_change_supervisor,
    ),
    Supervisor.Status.SUSPENDED: dict.fromkeys(
        (Supervisor.Status.ACTIVE, Supervisor.Status.DISMISSED, Supervisor.Status.REVOKED),
        can_change_supervisor,
    ),
    Supervisor.Status.DISMISSED: {},
    Supervisor.Status.REVOKED: {},
}
_REASON_REQUIRED = {Supervisor.Status.SUSPENDED, Supervisor.Status.DISMISSED, Supervisor.Status.REVOKED}

QUALIFICATION_KEYS = {
    "personal_conditions": "具备第六条规定的五项条件",
    "basis": "任职依据",
    "training_passed_on": "培训合格日期",
    "exam_passed_on": "考核合格日期",
    "note": "备注",
}
QUALIFICATION_BASIS = {
    "assessment_work": "从事技能人才评价管理或技术工作",
    "examiner_3_years": "从事考评工作 3 年以上且年度考核合格",
}


def _clean_qualification(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """SUP-2: the recorded appointment conditions (five personal conditions, basis, training, exam)."""
    if not data:
        return {}
    unknown = sorted(set(data) - set(QUALIFICATION_KEYS))
    if unknown:
        raise fail("qualification", f"任职条件中有未知项:{'、'.join(unknown)}")
    result: dict[str, Any] = {}
    if "personal_conditions" in data:
        result["personal_conditions"] = bool(data["personal_conditions"])
    if data.get("basis"):
        if data["basis"] not in QUALIFICATION_BASIS:
            raise fail("qualification", "任职依据应为「从事评价管理或技术工作」或「考评工作 3 年以上」")
        result["basis"] = data["basis"]
    for key in ("training_passed_on", "exam_passed_on"):
        value = data.get(key)
        if value:
            try:
                result[key] = (
                    value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
                ).isoformat()
            except ValueError:
                raise fail("qualification", f"{QUALIFICATION_KEYS[key]}格式应为 YYYY-MM-DD") from None
    if data.get("note"):
        result["note"] = text(str(data["note"]))[:255]
    return result


def qualification_gaps(qualification: Mapping[str, Any]) -> list[str]:
    """SUP-2 items not yet recorded (shown as a warning on the supervisor page)."""
    gaps = []
    if not qualification.get("personal_conditions"):
        gaps.append("五项基本条件")
    if not qualification.get("basis"):
        gaps.append("任职依据")
    if not qualification.get("training_passed_on"):
        gaps.append("培训合格")
    if not qualification.get("exam_passed_on"):
        gaps.append("考核合格")
    return gaps


def _supervisor_owner(kind: str, authority: Authority | None, institution: Institution | None):
    """SUP-1: external → an authority and no institution; internal → an institution."""
    if kind not in Supervisor.Kind.values:
        raise fail("kind", "督导员类型应为外部质量督导员或内部质量督导员")
    if kind == Supervisor.Kind.EXTERNAL:
        if authority is None:
            raise fail("authority", "外部质量督导员须选择委派(聘任)机构")
        if institution is not None:
            raise fail("institution", "外部质量督导员不属于评价机构,请勿填写所属评价机构")
        return authority, None
    if institution is None:
        raise fail("institution", "内部质量督导员须选择所属评价机构")
    return None, institution


@transaction.atomic
def supervisor_create(
    *,
    actor,
    kind: str,
    person: Person | None = None,
    person_data: Mapping[str, Any] | None = None,
    authority: Authority | None = None,
    institution: Institution | None = None,
    qualification: Mapping[str, Any] | None = None,
) -> Supervisor:
    """Appoint a supervisor (SUP-1/SUP-2); the person may be registered inline in the same transaction."""
    if is_authority_user(actor) and kind == Supervisor.Kind.EXTERNAL and authority is None:
        authority = actor.authority
    if is_institution_admin(actor) and kind == Supervisor.Kind.INTERNAL and institution is None:
        institution = actor.institution
    authority, institution = _supervisor_owner(kind, authority, institution)
    require(can_manage_supervisor_target(actor, kind=kind, authority=authority, institution=institution))
    clean_q = _clean_qualification(qualification)
    person, _ = _resolve_person(
        actor=actor,
        person=person,
        person_data=person_data,
        employer=institution,
        registered_by=authority,
    )
    if Supervisor.objects.filter(person=person, kind=kind).exists():
        label = Supervisor.Kind(kind).label
        raise Conflict(f"该人员已登记为{label}", code="duplicate_supervisor")
    supervisor = Supervisor(
        person=person, kind=kind, authority=authority, institution=institution, qualification=clean_q
    )
    save_new(supervisor)
    audit.record(actor=actor, action="supervisor.create", obj=supervisor, after=audit.snapshot(supervisor))
    return supervisor


@transaction.atomic
def supervisor_update(
    *,
    actor,
    supervisor: Supervisor,
    row_version: int,
    qualification: Any = UNSET,
    authority: Any = UNSET,
    institution: Any = UNSET,
) -> Supervisor:
    """Change a supervisor's recorded conditions or owner (the kind never changes)."""
    supervisor = lock(supervisor)
    require(can_change_supervisor(actor, supervisor))
    check_version(supervisor, row_version)
    before = audit.snapshot(supervisor)
    changed: list[str] = []
    if qualification is not UNSET:
        supervisor.qualification = _clean_qualification(qualification)
        changed.append("qualification")
    new_authority = supervisor.authority if authority is UNSET else authority
    new_institution = supervisor.institution if institution is UNSET else institution
    if authority is not UNSET or institution is not UNSET:
        new_authority, new_institution = _supervisor_owner(supervisor.kind, new_authority, new_institution)
        require(
            can_manage_supervisor_target(
                actor, kind=supervisor.kind, authority=new_authority, institution=new_institution
            ),
            "不能将督导员转到本机构管辖范围之外",
        )
        supervisor.authority, supervisor.institution = new_authority, new_institution
        changed += ["authority", "institution"]
    if not changed:
        return supervisor
    save_fields(supervisor, changed)
    audit.record(
        actor=actor,
        action="supervisor.update",
        obj=supervisor,
        before=before,
        after=audit.snapshot(supervisor),
    )
    return supervisor


@transaction.atomic
def supervisor_set_status(
    *, actor, supervisor: Supervisor, to: str, reason: str = "", row_version: int | None = None
) -> Supervisor:
    """Suspend, reinstate, dismiss (SUP-10) or revoke (SUP-9) a supervisor; revoking voids the cards."""
    supervisor = lock(supervisor)
    require(can_change_supervisor(actor, supervisor))
    check_version(supervisor, row_version)
    if to not in Supervisor.Status.values:
        raise fail("to", "目标状态无效")
    check_transition(SUPERVISOR_TRANSITIONS, supervisor, to, actor, noun="督导员")
    reason = text(reason)
    if to in _REASON_REQUIRED and not reason:
        raise fail("reason", "请填写原因")
    before = audit.snapshot(supervisor)
    supervisor.status = to
    supervisor.status_reason = reason[:255]
    save_fields(supervisor, ["status", "status_reason"])
    audit.record(
        actor=actor,
        action=f"supervisor.status.{to}",
        obj=supervisor,
        before=before,
        after=audit.snapshot(supervisor),
    )
    if to == Supervisor.Status.REVOKED:
        for card in supervisor.cards.select_for_update().filter(
            status__in=[CardStatus.VALID, CardStatus.LOST, CardStatus.REISSUING]
        ):
            card_before = audit.snapshot(card)
            card.status = CardStatus.REVOKED
            card.status_reason = f"督导员资格吊销:{reason}"[:255]
            save_fields(card, ["status", "status_reason"])
            audit.record(
                actor=actor,
                action="supervisor_card.status.revoked",
                obj=card,
                before=card_before,
                after=audit.snapshot(card),
            )
    return supervisor


# --------------------------------------------------------------------------------------- cards (shared)


def _card_kind(holder) -> str:
    if isinstance(holder, Examiner):
        return CardPattern.Kind.EXAMINER
    return (
        CardPattern.Kind.SUPERVISOR_EXTERNAL
        if holder.kind == Supervisor.Kind.EXTERNAL
        else CardPattern.Kind.SUPERVISOR_INTERNAL
    )


def card_issuer_for(authority: Authority | None) -> Authority | None:
    """SUP-3: external cards are issued by a provincial-or-higher centre: the nearest authority up the
    chain (the supervisor's own first) that has a card issuer code."""
    seen = set()
    while authority is not None and authority.pk not in seen:
        if authority.card_issuer_code:
            return authority
        seen.add(authority.pk)
        authority = authority.parent
    return None


def _resolve_issuer(supervisor: Supervisor, issuer: Authority | None) -> Authority | None:
    if supervisor.kind != Supervisor.Kind.EXTERNAL:
        if issuer is not None:
            raise fail("issuer", "内部质量督导员证卡由评价机构或行业部门颁发,无需选择发证机构")
        return None
    if issuer is not None:
        chain, node = set(), supervisor.authority
        while node is not None and node.pk not in chain:
            chain.add(node.pk)
            node = node.parent
        if issuer.pk not in chain:
            raise fail("issuer", "发证机构须为督导员的委派机构或其上级机构")
        return issuer
    found = card_issuer_for(supervisor.authority)
    if found is None:
        raise fail("number", "委派机构及其上级机构均未设置证卡发证机关代码(SUP-3),请先在委派机构中设置")
    return found


def validate_card_number(
    *, kind: str, number: str, issued_on: dt.date, issuer: Authority | None = None
) -> str:
    """SUP-3: the external rule (issuer code and year checked); other kinds by their CardPattern row."""
    if kind == CardPattern.Kind.SUPERVISOR_EXTERNAL:
        return domain.validate_external_card_number(
            number, issuer_code=issuer.card_issuer_code if issuer is not None else "", issued_on=issued_on
        )
    regex = CardPattern.objects.filter(kind=kind).values_list("regex", flat=True).first()
    return domain.validate_card_number_pattern(number, kind=kind, regex=regex)


def _card_dates(issued_on: Any, valid_until: Any) -> tuple[dt.date, dt.date]:
    issued_on = parse_date(issued_on, "issued_on", "发证日期")
    if issued_on > today():
        raise fail("issued_on", "发证日期不能晚于今天")
    if valid_until is None:
        valid_until = domain.default_card_valid_until(issued_on)
    valid_until = parse_date(valid_until, "valid_until", "有效期至")
    if valid_until < issued_on:
        raise fail("valid_until", "有效期至不能早于发证日期")
    return issued_on, valid_until


def _ensure_number_free(model, number: str) -> None:
    if model.objects.filter(number=number).exists():
        raise Conflict(
            f"证卡号「{number}」已被使用",
            code="duplicate_card_number",
            detail={"number": [f"证卡号「{number}」已被使用"]},
        )


def _ensure_no_live_card(cards, issued_on: dt.date) -> None:
    """One live card per holder: a lost card goes through re-issue, a valid one must expire or be revoked."""
    live = cards.filter(
        Q(status__in=[CardStatus.LOST, CardStatus.REISSUING])
        | Q(status=CardStatus.VALID, valid_until__gte=issued_on)
    ).first()
    if live is not None:
        raise Conflict(
            f"已持有证卡「{live.number}」({live.get_status_display()},"
            f"有效期至 {live.valid_until.isoformat()}),请先办理挂失补办或吊销后再发新证",
            code="card_exists",
        )


def _card_set_status(card, *, actor, to: str, reason: str, row_version: int | None, action: str):
    card = lock(card)
    check_version(card, row_version)
    if to not in CardStatus.values or to == CardStatus.REPLACED:
        raise fail("to", "目标状态无效(补发新证请使用补发操作)")
    domain.check_card_transition(card.status, to)
    reason = text(reason)
    if to == CardStatus.REVOKED and not reason:
        raise fail("reason", "吊销证卡须填写原因")
    before = audit.snapshot(card)
    card.status = to
    card.status_reason = reason[:255]
    save_fields(card, ["status", "status_reason"])
    audit.record(
        actor=actor, action=f"{action}.status.{to}", obj=card, before=before, after=audit.snapshot(card)
    )
    return card


def _card_replace_old(card, *, actor, action: str) -> None:
    before = audit.snapshot(card)
    card.status = CardStatus.REPLACED
    save_fields(card, ["status"])
    audit.record(
        actor=actor, action=f"{action}.status.replaced", obj=card, before=before, after=audit.snapshot(card)
    )


# --------------------------------------------------------------------------------------- supervisor cards


def _require_supervisor_active(supervisor: Supervisor) -> None:
    if supervisor.status != Supervisor.Status.ACTIVE:
        raise IllegalTransition(f"督导员状态为「{supervisor.get_status_display()}」,不能办理证卡")


@transaction.atomic
def supervisor_card_issue(
    *,
    actor,
    supervisor: Supervisor,
    number: str,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
    issuer: Authority | None = None,
) -> SupervisorCard:
    """Issue a supervisor card (SUP-3): number validated for its kind and unique; one live card per holder."""
    supervisor = lock(supervisor)
    require(can_change_supervisor(actor, supervisor))
    _require_supervisor_active(supervisor)
    issued_on, valid_until = _card_dates(issued_on, valid_until)
    issuer = _resolve_issuer(supervisor, issuer)
    number = validate_card_number(
        kind=_card_kind(supervisor), number=number, issued_on=issued_on, issuer=issuer
    )
    _ensure_number_free(SupervisorCard, number)
    _ensure_no_live_card(supervisor.cards.all(), issued_on)
    card = SupervisorCard(
        supervisor=supervisor, number=number, issuer=issuer, issued_on=issued_on, valid_until=valid_until
    )
    save_new(card)
    audit.record(actor=actor, action="supervisor_card.issue", obj=card, after=audit.snapshot(card))
    return card


@transaction.atomic
def supervisor_card_set_status(
    *, actor, card: SupervisorCard, to: str, reason: str = "", row_version: int | None = None
) -> SupervisorCard:
    """Report lost, found again, start re-issue, or revoke a supervisor card."""
    require(can_change_supervisor(actor, card.supervisor))
    return _card_set_status(
        card, actor=actor, to=to, reason=reason, row_version=row_version, action="supervisor_card"
    )


@transaction.atomic
def supervisor_card_replace(
    *,
    actor,
    card: SupervisorCard,
    number: str,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
    row_version: int | None = None,
) -> SupervisorCard:
    """Complete a re-issue: a new card (new number) replaces the one being re-issued; the old one is void."""
    card = lock(card)
    supervisor = card.supervisor
    require(can_change_supervisor(actor, supervisor))
    check_version(card, row_version)
    if card.status != CardStatus.REISSUING:
        raise IllegalTransition("只有「补办中」的证卡才能补发新证,请先挂失并申请补办")
    issued_on, valid_until = _card_dates(issued_on, valid_until or card.valid_until)
    issuer = card.issuer if supervisor.kind == Supervisor.Kind.EXTERNAL else None
    if supervisor.kind == Supervisor.Kind.EXTERNAL and issuer is None:
        issuer = _resolve_issuer(supervisor, None)
    number = validate_card_number(
        kind=_card_kind(supervisor), number=number, issued_on=issued_on, issuer=issuer
    )
    _ensure_number_free(SupervisorCard, number)
    _card_replace_old(card, actor=actor, action="supervisor_card")
    new = SupervisorCard(
        supervisor=supervisor,
        number=number,
        issuer=issuer,
        issued_on=issued_on,
        valid_until=valid_until,
        replaces=card,
    )
    save_new(new)
    audit.record(actor=actor, action="supervisor_card.reissue", obj=new, after=audit.snapshot(new))
    return new


# --------------------------------------------------------------------------------------- contracts (SUP-5)


def _terms(supervisor: Supervisor) -> list[domain.Term]:
    return [domain.Term(c.term_no, c.starts_on, c.ends_on) for c in supervisor.contracts.order_by("term_no")]


@transaction.atomic
def supervisor_contract_add(
    *, actor, supervisor: Supervisor, starts_on: dt.date | None = None
) -> SupervisorContract:
    """Sign the next contract term (SUP-5): 3 years, at most three, never overlapping the previous one."""
    supervisor = lock(supervisor)  # serialises term numbering
    require(can_change_supervisor(actor, supervisor))
    _require_supervisor_active(supervisor)
    if starts_on is not None and not isinstance(starts_on, dt.date):
        raise fail("starts_on", "聘期起始日期格式应为 YYYY-MM-DD")
    existing = _terms(supervisor)
    term = domain.next_term(existing, starts_on)
    contract = SupervisorContract(
        supervisor=supervisor, term_no=term.term_no, starts_on=term.starts_on, ends_on=term.ends_on
    )
    save_new(contract)
    action = "supervisor_contract.renew" if existing else "supervisor_contract.add"
    audit.record(actor=actor, action=action, obj=contract, after=audit.snapshot(contract))
    return contract


@transaction.atomic
def supervisor_contract_renew(
    *, actor, supervisor: Supervisor, starts_on: dt.date | None = None
) -> SupervisorContract:
    """续聘: the next term, by default from the day after the last one ends (SUP-5)."""
    if not supervisor.contracts.exists():
        raise IllegalTransition("该督导员尚无聘任合同,请先签订首届合同")
    return supervisor_contract_add(actor=actor, supervisor=supervisor, starts_on=starts_on)


# --------------------------------------------------------------------------------------- examiners


def _default_examiner_authority(actor, authority: Authority | None) -> Authority | None:
    if authority is None and is_authority_user(actor):
        return actor.authority
    return authority


@transaction.atomic
def examiner_create(
    *,
    actor,
    person: Person | None = None,
    person_data: Mapping[str, Any] | None = None,
    authority: Authority | None = None,
    senior: bool = False,
) -> Examiner:
    """Register an examiner managed by an authority; the person may be registered inline."""
    authority = _default_examiner_authority(actor, authority)
    if authority is None:
        raise fail("authority", "请选择管理机构")
    require(can_manage_examiner_target(actor, authority=authority))
    person, _ = _resolve_person(actor=actor, person=person, person_data=person_data, registered_by=authority)
    if Examiner.objects.filter(person=person).exists():
        raise Conflict("该人员已登记为考评员", code="duplicate_examiner")
    examiner = Examiner(person=person, authority=authority, senior=bool(senior))
    save_new(examiner)
    audit.record(actor=actor, action="examiner.create", obj=examiner, after=audit.snapshot(examiner))
    return examiner


@transaction.atomic
def examiner_update(
    *, actor, examiner: Examiner, row_version: int, senior: Any = UNSET, authority: Any = UNSET
) -> Examiner:
    """Change whether the examiner is senior, or the managing authority (inside the actor's region)."""
    examiner = lock(examiner)
    require(can_change_examiner(actor, examiner))
    check_version(examiner, row_version)
    before = audit.snapshot(examiner)
    changed = []
    if senior is not UNSET:
        examiner.senior = bool(senior)
        changed.append("senior")
    if authority is not UNSET:
        if authority is None:
            raise fail("authority", "请选择管理机构")
        require(can_manage_examiner_target(actor, authority=authority), "不能将考评员转到本机构管辖范围之外")
        examiner.authority = authority
        changed.append("authority")
    if not changed:
        return examiner
    save_fields(examiner, changed)
    audit.record(
        actor=actor, action="examiner.update", obj=examiner, before=before, after=audit.snapshot(examiner)
    )
    return examiner


@transaction.atomic
def examiner_set_status(
    *, actor, examiner: Examiner, to: str, reason: str = "", row_version: int | None = None
) -> Examiner:
    """Take an examiner off the register (EXAM-10 sanctions) or back on."""
    examiner = lock(examiner)
    require(can_change_examiner(actor, examiner))
    check_version(examiner, row_version)
    if to not in ("active", "inactive"):
        raise fail("to", "目标状态应为 active(在册)或 inactive(不在册)")
    active = to == "active"
    if examiner.is_active == active:
        raise IllegalTransition("考评员已是该状态")
    if not active and not text(reason):
        raise fail("reason", "请填写原因")
    before = audit.snapshot(examiner)
    examiner.is_active = active
    save_fields(examiner, ["is_active"])
    after = audit.snapshot(examiner)
    after["reason"] = text(reason)
    audit.record(actor=actor, action=f"examiner.status.{to}", obj=examiner, before=before, after=after)
    return examiner


# --------------------------------------------------------------------------------------- examiner cards


def _resolve_scopes(scopes: Iterable[Any]) -> list[tuple[Occupation, str, tuple[int, ...]]]:
    """EXAM-3 scope entries: (occupation code or Occupation, work type, levels) → validated rows."""
    entries: list[tuple[Any, str, Any]] = []
    for item in scopes or []:
        if isinstance(item, Mapping):
            entries.append((item.get("occupation"), text(item.get("work_type")), item.get("levels") or []))
        else:
            occupation, work_type, levels = item
            entries.append((occupation, text(work_type), levels))
    if not entries:
        raise fail("scopes", "请至少填写一项考评范围(职业及等级)")
    codes = {e[0] for e in entries if isinstance(e[0], str)}
    found = {o.code: o for o in Occupation.objects.filter(code__in=codes)}
    result: list[tuple[Occupation, str, tuple[int, ...]]] = []
    seen: set[tuple[int, str]] = set()
    for occupation, work_type, levels in entries:
        if isinstance(occupation, str):
            code = occupation.strip()
            occupation = found.get(code)
            if occupation is None:
                raise fail("scopes", f"职业编码「{code}」不存在")
        if not isinstance(occupation, Occupation):
            raise fail("scopes", "请选择职业")
        if not occupation.is_active:
            raise fail("scopes", f"职业「{occupation}」已停用")
        levels = domain.validate_levels(levels, field="scopes")
        key = (occupation.pk, work_type)
        if key in seen:
            raise fail("scopes", f"考评范围中职业「{occupation}」重复")
        seen.add(key)
        result.append((occupation, work_type, levels))
    return result


def _write_scopes(card: ExaminerCard, scopes: list[tuple[Occupation, str, tuple[int, ...]]]) -> None:
    rows = [ExaminerCardScope(card=card, occupation=o, work_type=w, levels=list(lv)) for o, w, lv in scopes]
    for row in rows:
        try:
            row.full_clean(exclude=["card"])
        except DjangoValidationError as exc:
            raise validation_error_from_django(exc) from None
    ExaminerCardScope.objects.bulk_create(rows)


def _scopes_snapshot(scopes: list[tuple[Occupation, str, tuple[int, ...]]]) -> list[dict[str, Any]]:
    return [{"occupation": o.code, "work_type": w, "levels": list(lv)} for o, w, lv in scopes]


def _require_examiner_active(examiner: Examiner) -> None:
    if not examiner.is_active:
        raise IllegalTransition("考评员不在册,不能办理证卡")


@transaction.atomic
def examiner_card_issue(
    *,
    actor,
    examiner: Examiner,
    number: str,
    issued_on: dt.date,
    scopes: Iterable[Any],
    valid_until: dt.date | None = None,
) -> ExaminerCard:
    """Issue an examiner card: 3-year validity by default (EXAM-2) and its occupation/level scope (EXAM-3)."""
    examiner = lock(examiner)
    require(can_change_examiner(actor, examiner))
    _require_examiner_active(examiner)
    issued_on, valid_until = _card_dates(issued_on, valid_until)
    number = validate_card_number(kind=CardPattern.Kind.EXAMINER, number=number, issued_on=issued_on)
    resolved = _resolve_scopes(scopes)
    _ensure_number_free(ExaminerCard, number)
    _ensure_no_live_card(examiner.cards.all(), issued_on)
    card = ExaminerCard(examiner=examiner, number=number, issued_on=issued_on, valid_until=valid_until)
    save_new(card)
    _write_scopes(card, resolved)
    after = audit.snapshot(card)
    after["scopes"] = _scopes_snapshot(resolved)
    audit.record(actor=actor, action="examiner_card.issue", obj=card, after=after)
    return card


@transaction.atomic
def examiner_card_set_scopes(
    *, actor, card: ExaminerCard, scopes: Iterable[Any], row_version: int
) -> ExaminerCard:
    """Replace the occupations and levels on a card (EXAM-3)."""
    card = lock(card)
    require(can_change_examiner(actor, card.examiner))
    check_version(card, row_version)
    resolved = _resolve_scopes(scopes)
    before = audit.snapshot(card)
    before["scopes"] = [
        {"occupation": s.occupation.code, "work_type": s.work_type, "levels": s.levels}
        for s in card.scopes.select_related("occupation").order_by("id")
    ]
    card.scopes.all().delete()
    _write_scopes(card, resolved)
    save_fields(card, [])
    after = audit.snapshot(card)
    after["scopes"] = _scopes_snapshot(resolved)
    audit.record(actor=actor, action="examiner_card.set_scopes", obj=card, before=before, after=after)
    return card


@transaction.atomic
def examiner_card_renew_training(
    *, actor, card: ExaminerCard, trained_on: dt.date, row_version: int | None = None
) -> ExaminerCard:
    """Record renewal training (EXAM-2): validity extended 3 years; refused once the qualification lapsed."""
    card = lock(card)
    require(can_change_examiner(actor, card.examiner))
    check_version(card, row_version)
    trained_on = parse_date(trained_on, "trained_on", "培训日期")
    if trained_on > today():
        raise fail("trained_on", "培训日期不能晚于今天")
    new_valid_until = domain.renewal_after_training(card_facts(card), trained_on)
    before = audit.snapshot(card)
    card.renewal_trained_on = trained_on
    card.valid_until = new_valid_until
    save_fields(card, ["renewal_trained_on", "valid_until"])
    audit.record(
        actor=actor,
        action="examiner_card.renew_training",
        obj=card,
        before=before,
        after=audit.snapshot(card),
    )
    return card


@transaction.atomic
def examiner_card_set_status(
    *, actor, card: ExaminerCard, to: str, reason: str = "", row_version: int | None = None
) -> ExaminerCard:
    """Report lost, found again, start re-issue, or revoke an examiner card (EXAM-2, EXAM-10)."""
    require(can_change_examiner(actor, card.examiner))
    return _card_set_status(
        card, actor=actor, to=to, reason=reason, row_version=row_version, action="examiner_card"
    )


@transaction.atomic
def examiner_card_replace(
    *,
    actor,
    card: ExaminerCard,
    number: str,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
    row_version: int | None = None,
) -> ExaminerCard:
    """Complete a re-issue: the new card keeps the validity, training date and scope of the old one."""
    card = lock(card)
    require(can_change_examiner(actor, card.examiner))
    check_version(card, row_version)
    if card.status != CardStatus.REISSUING:
        raise IllegalTransition("只有「补办中」的证卡才能补发新证,请先挂失并申请补办")
    issued_on, valid_until = _card_dates(issued_on, valid_until or card.valid_until)
    number = validate_card_number(kind=CardPattern.Kind.EXAMINER, number=number, issued_on=issued_on)
    _ensure_number_free(ExaminerCard, number)
    scopes = [(s.occupation, s.work_type, tuple(s.levels)) for s in card.scopes.select_related("occupation")]
    _card_replace_old(card, actor=actor, action="examiner_card")
    new = ExaminerCard(
        examiner=card.examiner,
        number=number,
        issued_on=issued_on,
        valid_until=valid_until,
        renewal_trained_on=card.renewal_trained_on,
        replaces=card,
    )
    save_new(new)
    _write_scopes(new, scopes)
    after = audit.snapshot(new)
    after["scopes"] = _scopes_snapshot(scopes)
    audit.record(actor=actor, action="examiner_card.reissue", obj=new, after=after)
    return new


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
    audit.record(actor=actor, action="relation.declare", obj=relation, after=audit.snapshot(relation))
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
        actor=actor, action="relation.withdraw", obj=relation, before=before, after=audit.snapshot(relation)
    )
    return relation
