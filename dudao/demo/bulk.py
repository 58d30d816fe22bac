"""The bulk path for province scale: the same records and audit events as the services, written in bulk.

Why it exists: at 200,000 writes the per-record services spend their time on queries a bulk load does not
need (FK existence checks in `full_clean`, per-row uniqueness and constraint queries, three examiner queries
and a filing query per batch, a locked audit-head read and update per event); see docs/performance.md.

What it uses (ADR 0002, closed by issue 9): the owning apps' bulk services and public rules, no private
helper of theirs:
- registry: `bulk.institutions_create` and `bulk.venues_create` (the import services); for filings, scopes
  and batches the pure rules `domain.validate_period`, `filing_periods_overlap`, `validate_levels`,
  `check_batch_in_scope` (INST-3, on `selectors.filing_specs_for_institution`) and the examiner check
  `services.examiner_problem` (EXAM-2/3);
- people: `bulk.PersonBuilder` (person_create's rules: stdnum resident ID, phone, encryption, blind index,
  one ID one person), `services.card_dates`, `resolve_card_issuer`, `supervisor_owner`,
  `clean_qualification`, `scopes_snapshot`, `domain.validate_external_card_number` /
  `validate_card_number_pattern` (SUP-3), `domain.next_term` (SUP-5);
- each model's field validation (`dudao.common.bulk.field_errors`: `full_clean` without its per-row
  queries); uniqueness checked in memory against the rows already in the database, and the database's own
  unique, foreign-key and check constraints still guard every insert (`dudao.common.bulk.insert`);
- the permission predicate of each service (`actor.has_perm(...)`);
- one audit event per record with the service's action name and snapshot, appended by
  `audit.record_many` (one head lock per group instead of one per event).
What it does not do: write in the services' interleaved order (rows of one table keep the services'
order, so ids are the same; audit events are grouped per action). tests/demo checks that both paths
produce the same rows and the same audit events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from dudao.accounts.models import User
from dudao.common import audit
from dudao.common.bulk import chunks, existing, field_errors, insert
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.people import domain as people_domain
from dudao.people import services as people_services
from dudao.people.bulk import PersonBuilder
from dudao.people.models import (
    CardPattern,
    Examiner,
    ExaminerCard,
    ExaminerCardScope,
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
from dudao.registry import bulk as registry_bulk
from dudao.registry import domain as registry_domain
from dudao.registry import selectors as registry_selectors
from dudao.registry import services as registry_services
from dudao.registry.models import Batch, Filing, FilingScope

from . import loader
from .loader import Loaded
from .plan import Plan

CHUNK = 2000


def _fail(field: str, message: str, code: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, code=code, detail={field: [message]})


def _check_row(obj: models.Model) -> None:
    """`full_clean` minus its per-row queries (common.bulk.field_errors; the database enforces foreign keys,
    unique and check constraints on insert and the callers check uniqueness in memory)."""
    errors = field_errors(obj)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def _taken(model: type[models.Model], field: str, values: Sequence[str]) -> set[str]:
    """Which of `values` the table already holds (uniqueness against rows written before this run)."""
    return set(existing(model, field, values))


def _unique(values: list[str], taken: set[str], field: str, label: str, code: str = "duplicate") -> None:
    seen: set[str] = set()
    for value in values:
        if value in taken or value in seen:
            raise _fail(field, f"{label} {value} 已存在", code)
        seen.add(value)


def _insert(model: type[models.Model], rows: list[models.Model]) -> list[models.Model]:
    return insert(model, rows)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# ---------------------------------------------------------------------------------------------------------
# Registry
def _institutions(plan: Plan, actor: User, loaded: Loaded) -> None:
    """The registry's bulk institution_create (INST-1) for every planned institution."""
    fields = ("name", "kind", "uscc", "region", "parent_org_name", "address")
    fields += ("legal_representative", "contact_name", "contact_phone")
    rows = [
        (n, {**{f: getattr(p, f) for f in fields}, "authority": loaded.authorities[p.authority].code})
        for n, p in enumerate(plan.institutions, start=1)
    ]
    loaded.institutions = registry_bulk.institutions_create(actor=actor, rows=rows).objects


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
    """The registry's bulk venue_create for every planned venue."""
    fields = ("name", "address", "room_count", "capacity", "camera_count")
    rows = [
        (
            n,
            {
                **{f: getattr(p, f) for f in fields},
                "institution_uscc": loaded.institutions[p.institution].uscc,
            },
        )
        for n, p in enumerate(plan.venues, start=1)
    ]
    loaded.venues = registry_bulk.venues_create(actor=actor, rows=rows).objects


# ---------------------------------------------------------------------------------------------------------
# People
def _persons(plan: Plan) -> PersonBuilder:
    """people.bulk's PersonBuilder knowing every ID number the plan registers (one ID, one person)."""
    numbers = [plan.person_of(("E", i)).id_number for i in range(len(plan.examiners))]
    numbers += [s.person.id_number for s in plan.supervisors if s.person is not None]
    numbers += [r.other_new.id_number for r in plan.relations if r.other_new is not None]
    return PersonBuilder(numbers)


def _card_regex(kind: str) -> str | None:
    return CardPattern.objects.filter(kind=kind).values_list("regex", flat=True).first()


def _resolve_scopes(entries: list[tuple[Any, tuple[int, ...]]]) -> list[tuple[Any, str, tuple[int, ...]]]:
    """The scope resolution of people.services (examiner_card_issue) for entries that already carry
    Occupation rows (that function queries occupations on every call, even with no codes to look up)."""
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


def _examiners(plan: Plan, actor: User, loaded: Loaded, persons: PersonBuilder) -> None:
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
    PersonBuilder.insert(actor, people)
    for p, person in zip(plan.examiners, people, strict=True):
        row = Examiner(person=person, authority=loaded.authorities[p.authority], senior=bool(p.senior))
        _check_row(row)
        examiners.append(row)
    loaded.examiners = _insert(Examiner, examiners)
    audit.record_many(actor=actor, action="people.examiner.create", objects=examiners)
    numbers = []
    for p, examiner in zip(plan.examiners, examiners, strict=True):
        if not examiner.is_active:
            raise IllegalTransition("考评员不在册,不能办理证卡")
        issued_on, valid_until = people_services.card_dates(p.issued_on, None)
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
        {**audit.snapshot(card), "scopes": people_services.scopes_snapshot(resolved)}
        for card, resolved in zip(cards, resolved_all, strict=True)
    ]
    audit.record_many(actor=actor, action="people.examiner_card.issue", objects=cards, after=afters)
    for n in range(len(plan.examiners)):
        loaded.persons[("E", n)] = people[n]


def _supervisors(plan: Plan, actor: User, loaded: Loaded, persons: PersonBuilder) -> None:
    """supervisor_create, supervisor_card_issue (SUP-3) and contract terms (SUP-5) for every supervisor."""
    internal_regex = _card_regex(CardPattern.Kind.SUPERVISOR_INTERNAL)
    new_people, owners, qualifications = [], [], []
    for p in plan.supervisors:
        authority = None if p.authority is None else loaded.authorities[p.authority]
        institution = None if p.institution is None else loaded.institutions[p.institution]
        authority, institution = people_services.supervisor_owner(p.kind, authority, institution)
        _require(
            can_manage_supervisor_target(actor, kind=p.kind, authority=authority, institution=institution)
        )
        qualifications.append(people_services.clean_qualification(p.qualification))
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
    PersonBuilder.insert(actor, new_people)
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
    audit.record_many(actor=actor, action="people.supervisor.create", objects=supervisors)
    cards, numbers = [], []
    for p, supervisor in zip(plan.supervisors, supervisors, strict=True):
        issued_on, valid_until = people_services.card_dates(p.issued_on, None)
        issuer = people_services.resolve_card_issuer(supervisor, None)
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
    audit.record_many(actor=actor, action="people.supervisor_card.issue", objects=cards)
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
    audit.record_many(actor=actor, action="people.supervisor_contract.add", objects=first_terms)
    audit.record_many(actor=actor, action="people.supervisor_contract.renew", objects=renewals)


def _relations(plan: Plan, actor: User, loaded: Loaded, persons: PersonBuilder) -> None:
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
            other = persons.find(rid.number)
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
            note=_text(r.note)[:255],
            declared_on=r.declared_on,
        )
        _check_row(row)
        rows.append(row)
    PersonBuilder.insert(actor, new_people)
    _insert(Relation, rows)
    audit.record_many(actor=actor, action="people.relation.declare", objects=rows)


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
            problems.append(f"编号为 {pk} 的考评员不存在")
            continue
        problem = registry_services.examiner_problem(examiner, occupation, "", levels, first, last)
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
        for chunk in chunks(pairs, 5000):
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
    persons = _persons(plan)
    step("考评员 examiners", _examiners, plan, actor, loaded, persons)
    step("证卡事件 card events", loader.card_events, plan, actor, loaded)
    step("督导员 supervisors", _supervisors, plan, actor, loaded, persons)
    step("申报关系 relations", _relations, plan, actor, loaded, persons)
    step("评价批次 batches", _batches, plan, actor, loaded)
    step("取消批次 cancellations", loader.cancel_batches, plan, actor, loaded)
    return loaded
