"""The bulk path for province scale: the same records and audit events as the services, written in bulk.

Why it exists: at 200,000 writes the per-record services spend their time on queries a bulk load does not
need (FK existence checks in `full_clean`, per-row uniqueness and constraint queries, three examiner queries
and a filing query per batch, a locked audit-head read and update per event); see docs/performance.md.

What it keeps, record by record:
- the owning apps' rules: registry `domain.validate_uscc`, `validate_period`, `filing_periods_overlap`,
  `validate_levels`, `check_batch_in_scope` (INST-3, on filings read by the registry's own
  `selectors.filing_specs_for_institution`) and the registry's examiner check `_examiner_problem`
  (EXAM-2/3, on examiners loaded by the registry's `_examiners_with_cards`); people `_parse_person_fields`
  (stdnum resident ID), `_validate_phone`, `_card_dates`, `validate_external_card_number` /
  `validate_card_number_pattern` (SUP-3), `_resolve_scopes`, `_supervisor_owner`, `_clean_qualification`,
  `card_issuer_for`, `domain.next_term` (SUP-5); the pure value checks `_venue_values`;
- each model's field validation (`clean_fields` + `clean`, i.e. `full_clean` without its per-row queries);
  uniqueness is checked in memory against the rows already in the database, and the database's own
  unique, foreign-key and check constraints still guard every insert;
- the permission predicate of each service (`actor.has_perm(...)`);
- one audit event per record with the service's action name and snapshot, appended by
  `audit.record_many` (one head lock per group instead of one per event).
What it does not do: write in the services' interleaved order (rows of one table keep the services'
order, so ids are the same; audit events are grouped per action). tests/demo checks that both paths
produce the same rows and the same audit events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models
from django.utils import timezone

from dudao.accounts.models import User
from dudao.common import audit, pii, writes
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.errors import validation_error_from_django as _from_django
from dudao.people import domain as people_domain
from dudao.people import services as people_services
from dudao.people.models import (
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
from dudao.people.permissions import (
    can_declare_relation,
    can_manage_examiner_target,
    can_manage_supervisor_target,
)
from dudao.registry import domain as registry_domain
from dudao.registry import selectors as registry_selectors
from dudao.registry import services as registry_services
from dudao.registry.models import Batch, Filing, FilingScope, Institution, Region, Venue

from . import loader
from .loader import Loaded
from .plan import Plan

CHUNK = 2000


def _fail(field: str, message: str, code: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, code=code, detail={field: [message]})


_FK_NAMES: dict[type, list[str]] = {}


def _check_row(obj: models.Model) -> None:
    """`full_clean` minus its per-row queries (FK existence, unique and constraint checks; the database
    enforces those on insert and the callers check uniqueness in memory)."""
    model = type(obj)
    if model not in _FK_NAMES:
        _FK_NAMES[model] = [f.name for f in model._meta.concrete_fields if f.is_relation]
    try:
        obj.clean_fields(exclude=_FK_NAMES[model])
        obj.clean()
    except DjangoValidationError as exc:
        raise _from_django(exc) from None


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _taken(model: type[models.Model], field: str, values: Sequence[str]) -> set[str]:
    """Which of `values` the table already holds (uniqueness against rows written before this run)."""
    found: set[str] = set()
    for chunk in _chunks(list(values)):
        found.update(model.objects.filter(**{f"{field}__in": chunk}).values_list(field, flat=True))
    return found


def _unique(values: list[str], taken: set[str], field: str, label: str, code: str = "duplicate") -> None:
    seen: set[str] = set()
    for value in values:
        if value in taken or value in seen:
            raise _fail(field, f"{label} {value} 已存在", code)
        seen.add(value)


def _insert(model: type[models.Model], rows: list[models.Model]) -> list[models.Model]:
    model.objects.bulk_create(rows, batch_size=500)
    return rows


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# ---------------------------------------------------------------------------------------------------------
# Registry
def _institutions(plan: Plan, actor: User, loaded: Loaded) -> None:
    """institution_create (INST-1) for every planned institution."""
    _require(actor.has_perm("registry.add_institution"))
    regions = {r.code: r for r in Region.objects.filter(code__in={p.region for p in plan.institutions})}
    rows = []
    for p in plan.institutions:
        values = {
            name: _text(getattr(p, name))
            for name in (
                "name",
                "parent_org_name",
                "address",
                "legal_representative",
                "contact_name",
                "contact_phone",
            )
        }
        if not values["name"]:
            raise _fail("name", "请填写机构名称")
        if values["contact_phone"] and not registry_services._PHONE_RE.match(values["contact_phone"]):
            raise _fail("contact_phone", "联系电话格式不正确")
        if p.kind not in Institution.Kind.values:
            raise _fail("kind", f"机构类型「{p.kind}」无效")
        authority = loaded.authorities[p.authority]
        region = regions.get(p.region)
        if region is None:
            raise _fail("region", "所在区划不存在")
        if not region.code.startswith(authority.region.prefix):
            raise _fail("region", f"所在区划「{region.name}」不在主管机构「{authority.name}」的辖区内")
        if values["parent_org_name"] and p.kind != Institution.Kind.SOCIAL_ORG:
            raise _fail("parent_org_name", "只有社会培训评价组织可填写上级全国性组织(INST-1)")
        row = Institution(
            **values,
            kind=p.kind,
            uscc=registry_domain.validate_uscc(p.uscc),
            region=region,
            authority=authority,
            is_active=True,
        )
        _check_row(row)
        rows.append(row)
    usccs = [r.uscc for r in rows]
    _unique(usccs, _taken(Institution, "uscc", usccs), "uscc", "统一社会信用代码")
    loaded.institutions = _insert(Institution, rows)
    audit.record_many(actor=actor, action="registry.institution.create", objects=rows)


def _filings(plan: Plan, actor: User, loaded: Loaded) -> None:
    """filing_create with its scopes (INST-2: no overlapping open filing; scope rules of `_scope_add`)."""
    occupations = loaded.occupations
    filings, open_periods = [], {}
    for p in plan.filings:
        institution = loaded.institutions[p.institution]
        _require(actor.has_perm("registry.add_filing", institution))
        if p.status not in Filing.Status.values:
            raise _fail("status", f"备案状态「{p.status}」无效")
        registry_domain.validate_period(p.valid_from, p.valid_until)
        if p.status not in registry_domain.CLOSED_FILING_STATUSES:
            for other_from, other_until, number in open_periods.get(p.institution, ()):
                if registry_domain.filing_periods_overlap(
                    p.valid_from, p.valid_until, other_from, other_until
                ):
                    raise _fail("valid_from", f"与现有备案 {number} 的有效期重叠", "overlap")
            open_periods.setdefault(p.institution, []).append((p.valid_from, p.valid_until, p.number))
        row = Filing(
            institution=institution,
            authority=institution.authority,
            number=_text(p.number),
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            status=p.status,
            note="",
        )
        _check_row(row)
        filings.append(row)
    numbers = [f.number for f in filings]
    _unique(numbers, _taken(Filing, "number", numbers), "number", "备案编号")
    loaded.filings = _insert(Filing, filings)
    audit.record_many(actor=actor, action="registry.filing.create", objects=filings)
    scopes = []
    for p, filing in zip(plan.filings, filings, strict=True):
        open_entries: list[tuple[int, set[int]]] = []
        for s in p.scopes:
            if filing.status in registry_domain.CLOSED_FILING_STATUSES:
                raise IllegalTransition(f"备案状态为「{filing.get_status_display()}」,不能增加认定范围")
            occupation = occupations.get(s.occupation)
            if occupation is None or not occupation.is_active:
                raise _fail("occupation", "职业不存在或已停用")
            levels = registry_domain.validate_levels(list(s.levels))
            start = s.start_date or filing.valid_from
            if not filing.valid_from <= start <= filing.valid_until:
                raise _fail("start_date", "起始日期应在备案有效期内")
            for occupation_id, taken in open_entries:
                if occupation_id == occupation.pk and taken & set(levels):
                    raise _fail("levels", f"职业「{occupation.name}」的等级已在认定范围内", "duplicate")
            open_entries.append((occupation.pk, set(levels)))
            row = FilingScope(
                filing=filing, occupation=occupation, work_type="", levels=levels, start_date=start
            )
            _check_row(row)
            scopes.append(row)
    _insert(FilingScope, scopes)
    audit.record_many(actor=actor, action="registry.scope.add", objects=scopes)


def _venues(plan: Plan, actor: User, loaded: Loaded) -> None:
    rows = []
    for p in plan.venues:
        institution = loaded.institutions[p.institution]
        _require(actor.has_perm("registry.add_venue", institution))
        values = registry_services._venue_values(
            {
                "name": p.name,
                "address": p.address,
                "room_count": p.room_count,
                "capacity": p.capacity,
                "camera_count": p.camera_count,
            }
        )
        row = Venue(institution=institution, **values, is_active=True)
        _check_row(row)
        rows.append(row)
    loaded.venues = _insert(Venue, rows)
    audit.record_many(actor=actor, action="registry.venue.create", objects=rows)


# ---------------------------------------------------------------------------------------------------------
# People
class _Persons:
    """person_create for many persons: stdnum ID check, encryption, blind index, one-ID-one-person."""

    def __init__(self, plan: Plan):
        numbers = [plan.person_of(("E", i)).id_number for i in range(len(plan.examiners))]
        numbers += [s.person.id_number for s in plan.supervisors if s.person is not None]
        numbers += [r.other_new.id_number for r in plan.relations if r.other_new is not None]
        indexes = [pii.blind_index(people_domain.normalise_id_number(n)) for n in numbers]
        self.taken = _taken(Person, "id_number_index", indexes)
        self.by_index: dict[str, Person] = {}

    def build(
        self,
        *,
        name: str,
        id_number: str,
        phone: str,
        employer: Institution | None,
        employer_name: str,
        registered_by,
    ) -> Person:
        name, rid, errors = people_services._parse_person_fields(name, id_number)
        try:
            phone = people_domain.validate_phone(phone)
        except ValidationFailed as exc:
            errors.update(exc.detail)
        if errors:
            raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
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
            employer_name=writes.text(employer_name) or (employer.name if employer else ""),
            registered_by=registered_by,
        )
        _check_row(person)
        self.by_index[index] = person
        return person

    @staticmethod
    def insert(actor: User, rows: list[Person]) -> None:
        _insert(Person, rows)
        afters = [people_services._person_audit(p) for p in rows]  # birth year, masked phone (SEC-3)
        audit.record_many(actor=actor, action="person.create", objects=rows, after=afters)


def _card_regex(kind: str) -> str | None:
    return CardPattern.objects.filter(kind=kind).values_list("regex", flat=True).first()


def _resolve_scopes(entries: list[tuple[Any, tuple[int, ...]]]) -> list[tuple[Any, str, tuple[int, ...]]]:
    """people.services._resolve_scopes for entries that already carry Occupation rows (that function
    builds an occupation query on every call, even when it has no codes to look up)."""
    if not entries:
        raise _fail("scopes", "请至少填写一项考评范围(职业及等级)")
    result, seen = [], set()
    for occupation, levels in entries:
        if not occupation.is_active:
            raise _fail("scopes", f"职业「{occupation}」已停用")
        if occupation.pk in seen:
            raise _fail("scopes", f"考评范围中职业「{occupation}」重复")
        seen.add(occupation.pk)
        result.append((occupation, "", people_domain.validate_levels(levels, field="scopes")))
    return result


def _examiners(plan: Plan, actor: User, loaded: Loaded, persons: _Persons) -> None:
    """examiner_create (with the person inline) and examiner_card_issue (EXAM-2/3) for every examiner."""
    regex = _card_regex(CardPattern.Kind.EXAMINER)
    people, examiners, cards, resolved_all = [], [], [], []
    occupations = loaded.occupations
    for p in plan.examiners:
        authority = loaded.authorities[p.authority]
        _require(can_manage_examiner_target(actor, authority=authority))
        people.append(
            persons.build(
                name=p.person.name,
                id_number=p.person.id_number,
                phone=p.person.phone,
                employer=None,
                employer_name=p.person.employer_name,
                registered_by=authority,
            )
        )
    _Persons.insert(actor, people)
    for p, person in zip(plan.examiners, people, strict=True):
        row = Examiner(person=person, authority=loaded.authorities[p.authority], senior=bool(p.senior))
        _check_row(row)
        examiners.append(row)
    loaded.examiners = _insert(Examiner, examiners)
    audit.record_many(actor=actor, action="examiner.create", objects=examiners)
    numbers = []
    for p, examiner in zip(plan.examiners, examiners, strict=True):
        if not examiner.is_active:
            raise IllegalTransition("考评员不在册,不能办理证卡")
        issued_on, valid_until = people_services._card_dates(p.issued_on, None)
        number = people_domain.validate_card_number_pattern(
            p.card_number, kind=CardPattern.Kind.EXAMINER, regex=regex
        )
        resolved = _resolve_scopes([(occupations[c], levels) for c, levels in p.scopes])
        card = ExaminerCard(examiner=examiner, number=number, issued_on=issued_on, valid_until=valid_until)
        _check_row(card)
        cards.append(card)
        numbers.append(number)
        resolved_all.append(resolved)
    _unique(numbers, _taken(ExaminerCard, "number", numbers), "number", "证卡号", "duplicate_card_number")
    loaded.examiner_cards = _insert(ExaminerCard, cards)
    scope_rows = []
    for card, resolved in zip(cards, resolved_all, strict=True):
        for occupation, work_type, levels in resolved:
            row = ExaminerCardScope(
                card=card, occupation=occupation, work_type=work_type, levels=list(levels)
            )
            _check_row(row)
            scope_rows.append(row)
    _insert(ExaminerCardScope, scope_rows)
    by_card: dict[int, list[ExaminerCardScope]] = {}
    for row in scope_rows:
        by_card.setdefault(row.card_id, []).append(row)
    loaded.examiner_scopes = [by_card.get(card.pk, []) for card in cards]
    afters = [
        {**audit.snapshot(card), "scopes": people_services._scopes_snapshot(resolved)}
        for card, resolved in zip(cards, resolved_all, strict=True)
    ]
    audit.record_many(actor=actor, action="examiner_card.issue", objects=cards, after=afters)
    for n in range(len(plan.examiners)):
        loaded.persons[("E", n)] = people[n]


def _supervisors(plan: Plan, actor: User, loaded: Loaded, persons: _Persons) -> None:
    """supervisor_create, supervisor_card_issue (SUP-3) and contract terms (SUP-5) for every supervisor."""
    internal_regex = _card_regex(CardPattern.Kind.SUPERVISOR_INTERNAL)
    new_people, owners, qualifications = [], [], []
    for p in plan.supervisors:
        authority = None if p.authority is None else loaded.authorities[p.authority]
        institution = None if p.institution is None else loaded.institutions[p.institution]
        authority, institution = people_services._supervisor_owner(p.kind, authority, institution)
        _require(
            can_manage_supervisor_target(actor, kind=p.kind, authority=authority, institution=institution)
        )
        qualifications.append(people_services._clean_qualification(p.qualification))
        owners.append((authority, institution))
        if p.person is not None:
            new_people.append(
                persons.build(
                    name=p.person.name,
                    id_number=p.person.id_number,
                    phone=p.person.phone,
                    employer=institution,
                    employer_name=p.person.employer_name,
                    registered_by=authority,
                )
            )
    _Persons.insert(actor, new_people)
    fresh = iter(new_people)
    supervisors, pairs = [], set()
    for n, (p, (authority, institution), qualification) in enumerate(
        zip(plan.supervisors, owners, qualifications, strict=True)
    ):
        person = next(fresh) if p.person is not None else loaded.persons[("E", p.examiner_person)]
        if (person.pk, p.kind) in pairs:
            raise Conflict(f"该人员已登记为{Supervisor.Kind(p.kind).label}", code="duplicate_supervisor")
        pairs.add((person.pk, p.kind))
        row = Supervisor(
            person=person,
            kind=p.kind,
            authority=authority,
            institution=institution,
            qualification=qualification,
        )
        _check_row(row)
        supervisors.append(row)
        loaded.persons.setdefault(plan.canonical(("S", n)), person)
    loaded.supervisors = _insert(Supervisor, supervisors)
    audit.record_many(actor=actor, action="supervisor.create", objects=supervisors)
    cards, numbers = [], []
    for p, supervisor in zip(plan.supervisors, supervisors, strict=True):
        issued_on, valid_until = people_services._card_dates(p.issued_on, None)
        issuer = people_services._resolve_issuer(supervisor, None)
        if supervisor.kind == Supervisor.Kind.EXTERNAL:
            number = people_domain.validate_external_card_number(
                p.card_number, issuer_code=issuer.card_issuer_code, issued_on=issued_on
            )
        else:
            number = people_domain.validate_card_number_pattern(
                p.card_number, kind=CardPattern.Kind.SUPERVISOR_INTERNAL, regex=internal_regex
            )
        card = SupervisorCard(
            supervisor=supervisor, number=number, issuer=issuer, issued_on=issued_on, valid_until=valid_until
        )
        _check_row(card)
        cards.append(card)
        numbers.append(number)
    _unique(numbers, _taken(SupervisorCard, "number", numbers), "number", "证卡号", "duplicate_card_number")
    _insert(SupervisorCard, cards)
    audit.record_many(actor=actor, action="supervisor_card.issue", objects=cards)
    # Rows in the services' order (supervisor by supervisor, term by term) so ids match.
    contracts, first_terms, renewals = [], [], []
    for p, supervisor in zip(plan.supervisors, supervisors, strict=True):
        terms: list[people_domain.Term] = []
        for k in range(p.contract_terms):
            term = people_domain.next_term(terms, p.contract_start if k == 0 else None)
            terms.append(term)
            row = SupervisorContract(
                supervisor=supervisor, term_no=term.term_no, starts_on=term.starts_on, ends_on=term.ends_on
            )
            _check_row(row)
            contracts.append(row)
            (renewals if k else first_terms).append(row)
    _insert(SupervisorContract, contracts)
    audit.record_many(actor=actor, action="supervisor_contract.add", objects=first_terms)
    audit.record_many(actor=actor, action="supervisor_contract.renew", objects=renewals)


def _relations(plan: Plan, actor: User, loaded: Loaded, persons: _Persons) -> None:
    """relation_declare (SUP-8, EXAM-4); relatives given by ID number are registered without an owner."""
    new_people, rows, seen = [], [], set()
    for r in plan.relations:
        person = loaded.persons[r.person]
        _require(can_declare_relation(actor, person))
        if r.kind not in Relation.Kind.values:
            raise _fail("kind", "关系类型应为亲属、师生、师徒、雇佣/任职或其他利害关系")
        if sum([r.other is not None, r.other_new is not None, r.institution is not None]) != 1:
            raise _fail("other_person", "关系人与关系机构须且只能填写一项")
        other = None if r.other is None else loaded.persons[r.other]
        if r.other_new is not None:
            rid = people_domain.parse_resident_id(
                r.other_new.id_number, today=timezone.localdate(), field="other_id_number"
            )
            other = persons.by_index.get(pii.blind_index(rid.number))
            if other is None:
                other = persons.build(
                    name=r.other_new.name,
                    id_number=rid.number,
                    phone="",
                    employer=None,
                    employer_name="",
                    registered_by=None,
                )
                new_people.append(other)
        if other is not None and other is person:
            raise _fail("other_person", "不能与本人申报关系")
        institution = None if r.institution is None else loaded.institutions[r.institution]
        key = (id(person), r.kind, id(other), id(institution))
        if key in seen:
            raise Conflict("已申报过相同的关系", code="duplicate_relation")
        seen.add(key)
        row = Relation(
            person=person,
            kind=r.kind,
            other_person=other,
            institution=institution,
            note=writes.text(r.note)[:255],
            declared_on=r.declared_on,
        )
        _check_row(row)
        rows.append(row)
    _Persons.insert(actor, new_people)
    _insert(Relation, rows)
    audit.record_many(actor=actor, action="relation.declare", objects=rows)


# ---------------------------------------------------------------------------------------------------------
# Batches (INST-3, EXAM-2/3)
def _team(
    ids: Sequence[int],
    leader_id: int | None,
    found: dict[int, Examiner],
    occupation,
    levels,
    first: dt.date,
    last: dt.date,
) -> tuple[list[Examiner], Examiner | None]:
    """registry._check_examiners on preloaded examiners: each one qualified, the leader one of them."""
    problems = []
    for pk in ids:
        examiner = found.get(pk)
        if examiner is None:
            problems.append(f"考评员 #{pk} 不存在")
            continue
        problem = registry_services._examiner_problem(examiner, occupation, "", levels, first, last)
        if problem:
            problems.append(f"考评员 {examiner.person.name}:{problem}")
    if problems:
        raise ValidationFailed(problems[0], detail={"examiners": problems})
    leader = None
    if leader_id is not None:
        leader = found.get(leader_id) if leader_id in ids else None
        if leader is None:
            raise _fail("team_leader", "考评组长须是本批次的考评人员之一")
    return [found[pk] for pk in ids], leader


def _insert_team_links(batches: list[Batch], teams: list[list[Examiner]]) -> None:
    """The batch–examiner link rows that `batch.examiners.set(team)` inserts (no fields of their own)."""
    through = Batch.examiners.through
    table = connection.ops.quote_name(through._meta.db_table)
    batch_col = connection.ops.quote_name(through._meta.get_field("batch").column)
    examiner_col = connection.ops.quote_name(through._meta.get_field("examiner").column)
    sql = f"INSERT INTO {table} ({batch_col}, {examiner_col}) VALUES (%s, %s)"  # noqa: S608 - quoted names
    pairs = [(b.pk, e.pk) for b, team in zip(batches, teams, strict=True) for e in team]
    with connection.cursor() as cursor:
        for chunk in _chunks(pairs, 5000):
            cursor.executemany(sql, chunk)


def _batches(plan: Plan, actor: User, loaded: Loaded) -> None:
    """batch_create for every planned batch: INST-3 on the registry's filing specs, qualified examiners."""
    # registry._examiners_with_cards reads each team's examiners with their cards and card scopes (three
    # queries per batch); the same objects are in memory here, so they get the same prefetch caches.
    found: dict[int, Examiner] = {}
    for examiner, card, scopes in zip(
        loaded.examiners, loaded.examiner_cards, loaded.examiner_scopes, strict=True
    ):
        card._prefetched_objects_cache = {"scopes": scopes}
        examiner._prefetched_objects_cache = {"cards": [card]}
        found[examiner.pk] = examiner
    specs: dict[int, list[registry_domain.FilingSpec]] = {}
    filings = {f.pk: f for f in loaded.filings}
    rows, teams, codes = [], [], []
    for p in plan.batches:
        institution = loaded.institutions[p.institution]
        _require(actor.has_perm("registry.add_batch", institution))
        occupation = loaded.occupations.get(p.occupation)
        if occupation is None or not occupation.is_active:
            raise _fail("occupation", "职业不存在或已停用")
        levels = registry_domain.validate_levels(list(p.levels))
        venue = loaded.venues[p.venue]
        if venue.institution_id != institution.pk:
            raise _fail("venue", "考核场所不属于该评价机构")
        if not venue.is_active:
            raise _fail("venue", f"考核场所「{venue.name}」已停用")
        starts_at, ends_at = p.starts_at, p.ends_at
        local_start, local_end = timezone.localtime(starts_at), timezone.localtime(ends_at)
        if institution.pk not in specs:
            specs[institution.pk] = registry_selectors.filing_specs_for_institution(institution.pk)
        spec = registry_domain.BatchSpec(
            occupation_id=occupation.pk,
            occupation_label=occupation.name,
            work_type="",
            levels=tuple(levels),
            starts_at=local_start,
            ends_at=local_end,
        )
        filing = registry_domain.check_batch_in_scope(spec, specs[institution.pk])
        team, leader = _team(
            [loaded.examiners[e].pk for e in p.examiners],
            None if p.leader is None else loaded.examiners[p.leader].pk,
            found,
            occupation,
            levels,
            local_start.date(),
            local_end.date(),
        )
        code = _text(p.code) or registry_domain.batch_code(local_start.date(), 1)
        row = Batch(
            institution=institution,
            filing=filings[filing.id],
            team_leader=leader,
            code=code,
            occupation=occupation,
            work_type="",
            levels=levels,
            starts_at=starts_at,
            ends_at=ends_at,
            venue=venue,
            candidate_count=int(p.candidate_count),
        )
        _check_row(row)
        rows.append(row)
        teams.append(team)
        codes.append(code)
    _unique(codes, _taken(Batch, "code", codes), "code", "批次编号")
    loaded.batches = _insert(Batch, rows)
    _insert_team_links(rows, teams)
    afters = [
        {**audit.snapshot(b), "examiners": [e.pk for e in team]} for b, team in zip(rows, teams, strict=True)
    ]
    audit.record_many(actor=actor, action="registry.batch.create", objects=rows, after=afters)


def load_with_bulk(plan: Plan, *, actor: User) -> Loaded:
    """The plan in bulk, in the services' order; the few state changes still go through the services."""
    loaded = Loaded()
    step = loaded.timer()
    step("参考数据 reference", loader.load_reference, plan, actor, loaded)
    step("委派机构 authorities", loader.load_authorities, plan, actor, loaded)
    step("评价机构 institutions", _institutions, plan, actor, loaded)
    step("备案 filings", _filings, plan, actor, loaded)
    step("备案状态 filing status", loader.set_filing_statuses, plan, actor, loaded)
    step("考核场所 venues", _venues, plan, actor, loaded)
    persons = _Persons(plan)
    step("考评员 examiners", _examiners, plan, actor, loaded, persons)
    step("证卡事件 card events", loader.card_events, plan, actor, loaded)
    step("督导员 supervisors", _supervisors, plan, actor, loaded, persons)
    step("申报关系 relations", _relations, plan, actor, loaded, persons)
    step("评价批次 batches", _batches, plan, actor, loaded)
    step("取消批次 cancellations", loader.cancel_batches, plan, actor, loaded)
    return loaded
