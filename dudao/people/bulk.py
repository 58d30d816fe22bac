"""People bulk writers: many persons, supervisors, examiners or declared relations in one go, with the
single-row services' rules (who may register and as which owner, name, resident ID checked by python-stdnum,
phone, one ID one person against the database and within the input, one-line fields; SUP-1/2/3/5, EXAM-2/3,
SUP-8/EXAM-4), stored encrypted with a blind index, one audit event per record with the single-row
service's action name and snapshot.

Input rows are `(row_number, {key: value})` with the import columns' keys (people.excel); references are
given as codes (authority code, institution USCC, occupation code, resident ID number). Every problem of
every row is collected; `BulkRefused` lists them and nothing is written. `dry_run=True` checks without
writing.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from dudao.accounts.permissions import is_authority_user, is_institution_admin
from dudao.common import audit, pii
from dudao.common.bulk import BulkResult, Problems, chunks, existing, field_errors, insert
from dudao.common.domain import canonical_json
from dudao.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from dudao.common.writes import text
from dudao.registry.models import Authority, Institution, Occupation

from . import domain, id_lookup, services
from .models import (
    CardPattern,
    Examiner,
    ExaminerCard,
    ExaminerCardScope,
    Person,
    Relation,
    Supervisor,
    SupervisorCard,
    SupervisorContract,
)
from .permissions import can_declare_relation, can_manage_examiner_target, can_manage_supervisor_target
from .person_rules import parse_person_fields, person_scope_for_create
from .selectors import persons_for, today

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
    id_lookup.meter_registered(actor, (rid.number for *_rest, rid, _phone in parsed if rid), taken)
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
        save_persons(actor, objects)
    return BulkResult(rows=len(rows), created=len(objects))


# ---------------------------------------------------------------------------------------------------------
# Supervisors, examiners and relations: the rules of the services they chain per row (person_create inline
# or the registered person reused, supervisor_create / examiner_create, the card issue, contract terms,
# relation_declare), every problem of every row on the import column it comes from.

# Service field names → import column keys, so that errors point at the right column.
FIELD_TO_COLUMN = {
    "number": "card_number",
    "issued_on": "card_issued_on",
    "valid_until": "card_valid_until",
    "authority": "authority_code",
    "institution": "institution_uscc",
    "issuer": "authority_code",
    "person": "id_number",
}


def _add(problems: Problems, number: int, exc: ApplicationError, row: Mapping[str, Any], field: str) -> None:
    """A service error on the import columns (its fields renamed), `field` when it names none."""
    detail = exc.detail
    if isinstance(detail, Mapping) and detail:
        for key, messages in detail.items():
            column = FIELD_TO_COLUMN.get(str(key), str(key)) if str(key) != "__all__" else field
            for message in messages if isinstance(messages, list | tuple) else [messages]:
                problems.add(number, column, str(message), row.get(column))
        return
    problems.add(number, field, exc.message, row.get(field))


def _merge(problems: Problems, number: int, errors: Mapping[str, list[str]], row: Mapping[str, Any]) -> None:
    """Field-check messages of a row, except on a column the row's rule checks already reported."""
    flagged = {p.field for p in problems.items if p.row == number} if problems.has(number) else set()
    for field, messages in errors.items():
        column = FIELD_TO_COLUMN.get(field, field) if field != "__all__" else ""
        if column in flagged:
            continue
        for message in messages:
            problems.add(number, column, message, row.get(column))


def _index_map(actor, numbers: Iterable[str]) -> tuple[dict[str, Person], set[str]]:
    """Persons already registered under these ID numbers: blind index → person inside the actor's scope, and
    every index taken by anyone (a number outside the scope cannot be registered again)."""
    candidates = sorted({c for n in numbers for c in pii.blind_index_candidates(n)})
    visible: dict[str, Person] = {}
    for chunk in chunks(candidates, 900):
        for person in persons_for(actor).filter(id_number_index__in=chunk):
            visible[person.id_number_index] = person
    return visible, set(existing(Person, "id_number_index", candidates))


def save_persons(actor, persons: list[Person]) -> None:
    """Insert persons built with person_create's rules; one `people.person.create` event each."""
    insert(Person, persons)
    audit.record_many(
        actor=actor, action="people.person.create", objects=persons, after_json=_person_audit_texts(persons)
    )


def _person_audit_texts(persons: list[Person]) -> list[str]:
    """`canonical_json(person_audit(p))` of each person in one step (the snapshot's fields, the birth year,
    the phone masked; tests compare the events with the single-row service's)."""
    names = tuple(f.attname for f in Person._meta.concrete_fields if f.name not in Person.AUDIT_EXCLUDE)
    values = operator.attrgetter(*names)
    texts = []
    for person in persons:
        data = dict(zip(names, values(person), strict=True))
        data["birth_year"] = person.birth_year
        data["phone"] = domain.mask_phone(person.phone)
        texts.append(canonical_json(data))
    return texts


class _Persons:
    """resolve_person_input + person_create for many rows: the person registered with the row's ID number
    inside the actor's scope is reused (same name), else a new one is built with person_create's rules;
    a number met again later in the input is the person of its first row."""

    def __init__(self, actor, rows: Rows, key: str = "id_number"):
        self.actor = actor
        numbers = [n for n in (id_lookup.full_id_number(text(r.get(key))) for _n, r in rows) if n]
        self.visible, self.taken = _index_map(actor, numbers)
        id_lookup.meter_registered(actor, numbers, self.taken)  # SEC-3: an import is no ID oracle
        self.built: dict[str, Person] = {}
        self.new: list[Person] = []

    def _known(self, number: str) -> Person | None:
        for candidate in pii.blind_index_candidates(number):
            if candidate in self.visible:
                return self.visible[candidate]
        return self.built.get(pii.blind_index(number))

    def resolve(
        self,
        problems: Problems,
        number: int,
        row: Mapping[str, Any],
        *,
        employer: Institution | None,
        registered_by: Authority | None,
        owner_field: str,
    ) -> Person | None:
        full = id_lookup.full_id_number(text(row.get("id_number")))
        known = self._known(full) if full else None
        if known is not None:
            if text(row.get("name")) and text(row.get("name")) != known.name:
                # SEC-3: never echo the registered name (resolve_person_input).
                message = "该身份证号已登记,但与所填姓名不一致,请核对姓名和身份证号"
                problems.add(number, "name", message, row.get("name"))
                return None
            return known
        try:
            employer, registered_by = person_scope_for_create(
                self.actor, employer=employer, registered_by=registered_by
            )
        except ApplicationError as exc:
            _add(problems, number, exc, row, owner_field)
            return None
        name, rid, errors = parse_person_fields(row.get("name"), text(row.get("id_number")))
        try:
            phone = domain.validate_phone(text(row.get("phone")))
        except ValidationFailed as exc:
            errors.update(exc.detail)
            phone = ""
        _merge(problems, number, errors, row)
        if rid is None:
            return None
        if any(c in self.taken for c in pii.blind_index_candidates(rid.number)):
            problems.add(number, "id_number", "该身份证号已登记", rid.masked)
            return None
        person = Person(
            name=name,
            id_number_encrypted=pii.encrypt(rid.number),
            id_number_index=pii.blind_index(rid.number),
            id_number_masked=rid.masked,
            gender=rid.gender,
            birth_date=rid.birth_date,
            phone=phone,
            employer=employer,
            employer_name=text(row.get("employer_name")) or (employer.name if employer is not None else ""),
            registered_by=registered_by,
        )
        _merge(problems, number, field_errors(person), row)
        if errors or problems.has(number):
            return None
        self.built[person.id_number_index] = person
        self.new.append(person)
        return person

    def insert(self, actor) -> None:
        save_persons(actor, self.new)


def _authorities(rows: Rows, key: str = "authority_code") -> dict[str, Authority]:
    codes = sorted({text(r.get(key)) for _n, r in rows} - {""})
    return {a.code: a for a in Authority.objects.filter(code__in=codes).select_related("region", "parent")}


def _authority(
    problems: Problems, number: int, row: Mapping[str, Any], found: dict[str, Authority]
) -> Authority | None:
    code = text(row.get("authority_code"))
    if not code:
        return None
    if code not in found:
        problems.add(number, "authority_code", f"机构编码「{code}」不存在", code)
    return found.get(code)


def _card_fields(problems: Problems, number: int, row: Mapping[str, Any]) -> str:
    """The card columns go together: a number needs its issue date, a date needs a number."""
    card_number = text(row.get("card_number"))
    if card_number and row.get("card_issued_on") is None:
        problems.add(number, "card_issued_on", "填写证卡号时须填写发证日期")
    if not card_number and (row.get("card_issued_on") or row.get("card_valid_until")):
        problems.add(number, "card_number", "填写了发证日期或有效期,但未填写证卡号")
    return card_number


def _card_dates(problems: Problems, number: int, row: Mapping[str, Any]):
    try:
        return services.card_dates(row.get("card_issued_on"), row.get("card_valid_until"))
    except ApplicationError as exc:
        _add(problems, number, exc, row, "card_issued_on")
        return None


def _card_regex(kind: str) -> str | None:
    return CardPattern.objects.filter(kind=kind).values_list("regex", flat=True).first()


def _unique_numbers(
    problems: Problems,
    model,
    numbered: list[tuple[int, str]],
    *,
    field: str = "card_number",
) -> None:
    """Card numbers unique against the database and within the input (_ensure_number_free)."""
    taken = existing(model, "number", [n for _r, n in numbered])
    first_row: dict[str, int] = {}
    for number, value in numbered:
        if value in taken:
            problems.add(number, field, f"证卡号「{value}」已被使用", value)
        elif value in first_row:
            problems.add(number, field, f"证卡号「{value}」与第 {first_row[value]} 行重复", value)
        else:
            first_row[value] = number


def _existing_holders(model, persons: Iterable[Person], *fields: str) -> set:
    ids = sorted({p.pk for p in persons if p.pk is not None})
    found: set = set()
    for chunk in chunks(ids, 900):
        found.update(model.objects.filter(person_id__in=chunk).values_list("person_id", *fields))
    return found


@dataclass
class _SupervisorRow:
    number: int
    row: Mapping[str, Any]
    supervisor: Supervisor
    person: Person | None
    card: SupervisorCard | None = None
    terms: list[domain.Term] = dataclasses.field(default_factory=list)


@transaction.atomic
def supervisors_create(*, actor, rows: Rows, dry_run: bool = False) -> BulkResult:
    """supervisor_create (SUP-1/2, the person inline or reused), supervisor_card_issue (SUP-3) and the
    contract terms (SUP-5, keys `contract_starts_on` / `contract_terms`) for every row; all or nothing.

    Keys: the supervisor import columns (people.excel.SUPERVISOR_COLUMNS) and `qualification`."""
    if not services.may_create_supervisors(actor):
        raise PermissionDenied("没有导入督导员的权限")
    problems = Problems()
    persons = _Persons(actor, rows)
    authorities = _authorities(rows)
    usccs = sorted({text(r.get("institution_uscc")).upper() for _n, r in rows} - {""})
    institutions = {i.uscc: i for i in Institution.objects.filter(uscc__in=usccs)}
    internal_regex = _card_regex(CardPattern.Kind.SUPERVISOR_INTERNAL)
    built: list[_SupervisorRow] = []
    pairs: dict[tuple[int, str], int] = {}
    for number, row in rows:
        kind = text(row.get("kind"))
        authority = _authority(problems, number, row, authorities)
        uscc = text(row.get("institution_uscc")).upper()
        institution = institutions.get(uscc)
        if uscc and institution is None:
            problems.add(number, "institution_uscc", f"统一社会信用代码「{uscc}」对应的评价机构不存在", uscc)
        if kind == Supervisor.Kind.EXTERNAL:
            if uscc:
                problems.add(number, "institution_uscc", "外部质量督导员不填写评价机构", uscc)
            if not text(row.get("authority_code")) and not is_authority_user(actor):
                problems.add(number, "authority_code", "外部质量督导员须填写委派机构编码")
        elif kind == Supervisor.Kind.INTERNAL:
            if text(row.get("authority_code")):
                problems.add(
                    number, "authority_code", "内部质量督导员不填写委派机构编码", row.get("authority_code")
                )
            if not uscc and not is_institution_admin(actor):
                problems.add(number, "institution_uscc", "内部质量督导员须填写评价机构统一社会信用代码")
        card_number = _card_fields(problems, number, row)
        if problems.has(number):
            continue
        # supervisor_create
        if is_authority_user(actor) and kind == Supervisor.Kind.EXTERNAL and authority is None:
            authority = actor.authority
        if is_institution_admin(actor) and kind == Supervisor.Kind.INTERNAL and institution is None:
            institution = actor.institution
        try:
            authority, institution = services.supervisor_owner(kind, authority, institution)
        except ApplicationError as exc:
            _add(problems, number, exc, row, "kind")
            continue
        owner_field = "authority_code" if kind == Supervisor.Kind.EXTERNAL else "institution_uscc"
        if not can_manage_supervisor_target(actor, kind=kind, authority=authority, institution=institution):
            problems.add(number, owner_field, "没有管理该督导员的权限", row.get(owner_field))
            continue
        try:
            qualification = services.clean_qualification(row.get("qualification"))
        except ApplicationError as exc:
            _add(problems, number, exc, row, "qualification")
            qualification = {}
        person = persons.resolve(
            problems, number, row, employer=institution, registered_by=authority, owner_field=owner_field
        )
        supervisor = Supervisor(
            person=person,
            kind=kind,
            authority=authority,
            institution=institution,
            qualification=qualification,
        )
        _merge(problems, number, field_errors(supervisor), row)
        if person is not None:
            key = (id(person), kind)
            if key in pairs:
                problems.add(
                    number,
                    "id_number",
                    f"该人员已登记为{Supervisor.Kind(kind).label}(第 {pairs[key]} 行)",
                    person.id_number_masked,
                )
            pairs.setdefault(key, number)
        item = _SupervisorRow(number, row, supervisor, person)
        # supervisor_card_issue (a new supervisor is active and holds no card; its manager may issue)
        if card_number:
            dates = _card_dates(problems, number, row)
            issuer = None
            try:
                issuer = services.resolve_card_issuer(supervisor, None)
            except ApplicationError as exc:
                _add(problems, number, exc, row, "card_number")
            if dates is not None and (issuer is not None or kind != Supervisor.Kind.EXTERNAL):
                issued_on, valid_until = dates
                try:
                    if kind == Supervisor.Kind.EXTERNAL:
                        card_number = domain.validate_external_card_number(
                            card_number, issuer_code=issuer.card_issuer_code, issued_on=issued_on
                        )
                    else:
                        card_number = domain.validate_card_number_pattern(
                            card_number, kind=CardPattern.Kind.SUPERVISOR_INTERNAL, regex=internal_regex
                        )
                except ApplicationError as exc:
                    _add(problems, number, exc, row, "card_number")
                item.card = SupervisorCard(
                    supervisor=supervisor,
                    number=card_number,
                    issuer=issuer,
                    issued_on=issued_on,
                    valid_until=valid_until,
                )
                _merge(problems, number, field_errors(item.card), row)
        # supervisor_contract_add / _renew (SUP-5)
        starts_on = row.get("contract_starts_on")
        for k in range(int(row.get("contract_terms") or 0)):
            try:
                item.terms.append(domain.next_term(item.terms, starts_on if k == 0 else None))
            except ApplicationError as exc:
                _add(problems, number, exc, row, "contract_starts_on")
                break
        built.append(item)
    taken = _existing_holders(Supervisor, (i.person for i in built if i.person), "kind")
    for item in built:
        person = item.person
        if person is not None and person.pk is not None and (person.pk, item.supervisor.kind) in taken:
            label = Supervisor.Kind(item.supervisor.kind).label
            problems.add(item.number, "id_number", f"该人员已登记为{label}", person.id_number_masked)
    _unique_numbers(problems, SupervisorCard, [(i.number, i.card.number) for i in built if i.card])
    problems.raise_if_any()
    supervisors = [i.supervisor for i in built]
    if not dry_run:
        persons.insert(actor)
        insert(Supervisor, supervisors)
        audit.record_many(actor=actor, action="people.supervisor.create", objects=supervisors)
        cards = [i.card for i in built if i.card is not None]
        insert(SupervisorCard, cards)
        audit.record_many(actor=actor, action="people.supervisor_card.issue", objects=cards)
        contracts, first_terms, renewals = [], [], []
        for item in built:
            for k, term in enumerate(item.terms):
                contract = SupervisorContract(
                    supervisor=item.supervisor,
                    term_no=term.term_no,
                    starts_on=term.starts_on,
                    ends_on=term.ends_on,
                )
                contracts.append(contract)
                (renewals if k else first_terms).append(contract)
        insert(SupervisorContract, contracts)
        audit.record_many(actor=actor, action="people.supervisor_contract.add", objects=first_terms)
        audit.record_many(actor=actor, action="people.supervisor_contract.renew", objects=renewals)
    return BulkResult(rows=len(rows), created=len(supervisors), objects=supervisors)


def _scope_entries(value: Any) -> list[tuple[Any, str, Any]]:
    """A card's scope: the import's text (`code[/work type]:levels;…`) or (occupation code, work type,
    levels) triples."""
    if isinstance(value, str):
        return list(domain.parse_scopes_text(value, field="scopes"))
    return [(code, text(work_type), levels) for code, work_type, levels in value or ()]


def _resolve_scopes(entries, occupations: dict[str, Occupation]):
    """examiner_card_issue's scope rules (EXAM-3) on occupations read once for the whole input."""
    if not entries:
        raise ValidationFailed(
            "请至少填写一项考评范围(职业及等级)", detail={"scopes": ["请至少填写一项考评范围(职业及等级)"]}
        )
    result, seen, errors = [], set(), []
    for code, work_type, levels in entries:
        occupation = occupations.get(text(code))
        if occupation is None:
            errors.append(f"职业编码「{text(code)}」不存在")
            continue
        if not occupation.is_active:
            errors.append(f"职业「{occupation}」已停用")
            continue
        try:
            levels = domain.validate_levels(levels, field="scopes")
        except ValidationFailed as exc:
            errors.append(exc.message)
            continue
        if (occupation.pk, work_type) in seen:
            errors.append(f"考评范围中职业「{occupation}」重复")
            continue
        seen.add((occupation.pk, work_type))
        result.append((occupation, work_type, levels))
    if errors:
        raise ValidationFailed(errors[0], detail={"scopes": errors})
    return result


@dataclass
class _ExaminerRow:
    number: int
    row: Mapping[str, Any]
    examiner: Examiner
    person: Person | None
    card: ExaminerCard | None = None
    scopes: list = dataclasses.field(default_factory=list)


@transaction.atomic
def examiners_create(*, actor, rows: Rows, dry_run: bool = False) -> BulkResult:
    """examiner_create (the person inline or reused) and examiner_card_issue (EXAM-2/3, with its scope) for
    every row; all or nothing. Keys: the examiner import columns (people.excel.EXAMINER_COLUMNS); `scopes`
    is the import's text or (occupation code, work type, levels) triples.

    `BulkResult.objects` are the examiners, `related["cards"]` their new cards (None without one)."""
    if not services.may_create_examiners(actor):
        raise PermissionDenied("没有导入考评员的权限")
    problems = Problems()
    persons = _Persons(actor, rows)
    authorities = _authorities(rows)
    parsed_scopes: dict[int, list] = {}
    for number, row in rows:
        if text(row.get("card_number")):
            try:
                parsed_scopes[number] = _scope_entries(row.get("scopes"))
            except ApplicationError as exc:
                _add(problems, number, exc, row, "scopes")
    codes = {text(code) for entries in parsed_scopes.values() for code, _w, _l in entries}
    occupations = {o.code: o for o in Occupation.objects.filter(code__in=sorted(codes))}
    regex = _card_regex(CardPattern.Kind.EXAMINER)
    built: list[_ExaminerRow] = []
    first_row: dict[int, int] = {}
    for number, row in rows:
        count = problems.of(number)  # a scope parsed above may already have failed
        authority = _authority(problems, number, row, authorities)
        card_number = _card_fields(problems, number, row)
        if not card_number and row.get("scopes"):
            problems.add(number, "card_number", "填写了考评范围,但未填写证卡号")
        if problems.of(number) > count:
            continue
        # examiner_create
        if authority is None and is_authority_user(actor):
            authority = actor.authority
        if authority is None:
            problems.add(number, "authority_code", "请选择管理机构")
            continue
        if not can_manage_examiner_target(actor, authority=authority):
            problems.add(number, "authority_code", "没有管理该考评员的权限", row.get("authority_code"))
            continue
        person = persons.resolve(
            problems, number, row, employer=None, registered_by=authority, owner_field="authority_code"
        )
        examiner = Examiner(person=person, authority=authority, senior=bool(row.get("senior")))
        _merge(problems, number, field_errors(examiner), row)
        if person is not None:
            if id(person) in first_row:
                problems.add(
                    number,
                    "id_number",
                    f"该人员已登记为考评员(第 {first_row[id(person)]} 行)",
                    person.id_number_masked,
                )
            first_row.setdefault(id(person), number)
        item = _ExaminerRow(number, row, examiner, person)
        # examiner_card_issue (a new examiner is on the register and holds no card; its manager may issue)
        if card_number:
            dates = _card_dates(problems, number, row)
            try:
                card_number = domain.validate_card_number_pattern(
                    card_number, kind=CardPattern.Kind.EXAMINER, regex=regex
                )
            except ApplicationError as exc:
                _add(problems, number, exc, row, "card_number")
            if number in parsed_scopes:
                try:
                    item.scopes = _resolve_scopes(parsed_scopes[number], occupations)
                except ApplicationError as exc:
                    _add(problems, number, exc, row, "scopes")
            if dates is not None:
                item.card = ExaminerCard(
                    examiner=examiner, number=card_number, issued_on=dates[0], valid_until=dates[1]
                )
                _merge(problems, number, field_errors(item.card), row)
        built.append(item)
    taken = _existing_holders(Examiner, (i.person for i in built if i.person))
    for item in built:
        person = item.person
        if person is not None and person.pk is not None and (person.pk,) in taken:
            problems.add(item.number, "id_number", "该人员已登记为考评员", person.id_number_masked)
    _unique_numbers(problems, ExaminerCard, [(i.number, i.card.number) for i in built if i.card])
    problems.raise_if_any()
    examiners = [i.examiner for i in built]
    if not dry_run:
        persons.insert(actor)
        insert(Examiner, examiners)
        audit.record_many(actor=actor, action="people.examiner.create", objects=examiners)
        with_card = [i for i in built if i.card is not None]
        cards = [i.card for i in with_card]
        insert(ExaminerCard, cards)
        scope_rows = []
        for item in with_card:
            rows_of_card = [
                ExaminerCardScope(card=item.card, occupation=o, work_type=w, levels=list(lv))
                for o, w, lv in item.scopes
            ]
            item.card._prefetched_objects_cache = {"scopes": rows_of_card}
            scope_rows.extend(rows_of_card)
        insert(ExaminerCardScope, scope_rows)
        afters = [{**audit.snapshot(i.card), "scopes": services.scopes_snapshot(i.scopes)} for i in with_card]
        audit.record_many(actor=actor, action="people.examiner_card.issue", objects=cards, after=afters)
    return BulkResult(
        rows=len(rows), created=len(examiners), objects=examiners, related={"cards": [i.card for i in built]}
    )


@transaction.atomic
def relations_create(*, actor, rows: Rows, dry_run: bool = False) -> BulkResult:
    """relation_declare (SUP-8, EXAM-4) for every row; all or nothing.

    Keys: `person_id_number` (the declaring person), `kind`, one of `other_id_number` (+ `other_name`: an
    unregistered relative is registered without an owner) or `institution_uscc`, `note`, `declared_on`."""
    problems = Problems()
    numbers = []
    for _n, row in rows:
        for key in ("person_id_number", "other_id_number"):
            full = id_lookup.full_id_number(text(row.get(key)))
            if full:
                numbers.append(full)
    candidates = sorted({c for n in numbers for c in pii.blind_index_candidates(n)})
    by_index: dict[str, Person] = {}
    for chunk in chunks(candidates, 900):
        for person in Person.objects.filter(id_number_index__in=chunk):
            by_index[person.id_number_index] = person
    usccs = sorted({text(r.get("institution_uscc")).upper() for _n, r in rows} - {""})
    institutions = {i.uscc: i for i in Institution.objects.filter(uscc__in=usccs)}
    built: dict[str, Person] = {}
    new_people: list[Person] = []

    def find(number: str) -> Person | None:
        for candidate in pii.blind_index_candidates(number):
            if candidate in by_index:
                return by_index[candidate]
        return built.get(pii.blind_index(number))

    objects: list[Relation] = []
    seen: dict[tuple, int] = {}
    numbered: list[tuple[int, Relation]] = []
    for number, row in rows:
        full = id_lookup.full_id_number(text(row.get("person_id_number")))
        person = find(full) if full else None
        if person is None:
            problems.add(number, "person_id_number", "申报人不存在", row.get("person_id_number"))
            continue
        if not can_declare_relation(actor, person):
            problems.add(number, "person_id_number", "无权为该人员申报关系", person.id_number_masked)
            continue
        kind = text(row.get("kind"))
        if kind not in Relation.Kind.values:
            problems.add(number, "kind", "关系类型应为亲属、师生、师徒、雇佣/任职或其他利害关系", kind)
        by_number = bool(text(row.get("other_id_number")))
        uscc = text(row.get("institution_uscc")).upper()
        if by_number == bool(uscc):
            problems.add(number, "other_id_number", "关系人与关系机构须且只能填写一项")
            continue
        other, institution = None, None
        if uscc:
            institution = institutions.get(uscc)
            if institution is None:
                problems.add(
                    number, "institution_uscc", f"统一社会信用代码「{uscc}」对应的评价机构不存在", uscc
                )
        else:
            try:
                rid = domain.parse_resident_id(
                    row.get("other_id_number"), today=today(), field="other_id_number"
                )
            except ApplicationError as exc:
                _add(problems, number, exc, row, "other_id_number")
                continue
            other = find(rid.number)
            name = text(row.get("other_name"))
            if other is None:
                if not name:
                    problems.add(number, "other_name", "关系人未登记,请填写关系人姓名")
                    continue
                # Registered without an owner (relation_declare): visible through this relation only.
                other = Person(
                    name=name,
                    id_number_encrypted=pii.encrypt(rid.number),
                    id_number_index=pii.blind_index(rid.number),
                    id_number_masked=rid.masked,
                    gender=rid.gender,
                    birth_date=rid.birth_date,
                    phone="",
                    employer=None,
                    employer_name="",
                    registered_by=None,
                )
                errors = field_errors(other)
                if errors:
                    _merge(problems, number, {"other_name": [m for ms in errors.values() for m in ms]}, row)
                    continue
                built[other.id_number_index] = other
                new_people.append(other)
            elif name and name != other.name:
                problems.add(number, "other_name", "关系人姓名与身份证号不一致,请核对", name)
            if other is person:
                problems.add(number, "other_id_number", "不能与本人申报关系", rid.masked)
        key = (id(person), kind, id(other), id(institution))
        if key in seen:
            problems.add(number, "kind", f"已申报过相同的关系(第 {seen[key]} 行)", kind)
        seen.setdefault(key, number)
        relation = Relation(
            person=person,
            kind=kind,
            other_person=other,
            institution=institution,
            note=text(row.get("note"))[:255],
            declared_on=row.get("declared_on") or today(),
        )
        _merge(problems, number, field_errors(relation), row)
        numbered.append((number, relation))
        objects.append(relation)
    person_ids = sorted({r.person.pk for r in objects})
    open_ones: set[tuple] = set()
    for chunk in chunks(person_ids, 900):
        open_ones.update(
            Relation.objects.filter(person_id__in=chunk, withdrawn_on__isnull=True).values_list(
                "person_id", "kind", "other_person_id", "institution_id"
            )
        )
    for number, relation in numbered:
        other_id = relation.other_person.pk if relation.other_person is not None else None
        institution_id = relation.institution.pk if relation.institution is not None else None
        if (relation.person.pk, relation.kind, other_id, institution_id) in open_ones:
            problems.add(number, "kind", "已申报过相同的关系", relation.kind)
    problems.raise_if_any()
    if not dry_run:
        save_persons(actor, new_people)
        insert(Relation, objects)
        audit.record_many(actor=actor, action="people.relation.declare", objects=objects)
    return BulkResult(rows=len(rows), created=len(objects), objects=objects)
