"""The bulk path for province scale: the same records and audit events as the services, written in bulk.

Why it exists: at 200,000 writes the per-record services spend their time on queries a bulk load does not
need (FK existence checks in `full_clean`, per-row uniqueness and constraint queries, three examiner queries
and a filing query per batch, a locked audit-head read and update per event); see docs/performance.md.

What it uses (ADR 0002, closed by issue 9): only the owning apps' public bulk services, which check every
rule of the single-row services and append one audit event per record —
`registry.bulk.institutions_create`, `filings_create` (with scopes), `venues_create`, `batches_create`;
`people.bulk.examiners_create` (with cards and scopes), `supervisors_create` (cards, contract terms),
`relations_create`. Rows of one table are written in the services' order, so ids are the same; audit events
are grouped per action. tests/demo checks that both paths produce the same rows and the same audit events.
"""

from __future__ import annotations

from dudao.accounts.models import User
from dudao.people import bulk as people_bulk
from dudao.registry import bulk as registry_bulk

from . import loader
from .loader import Loaded
from .plan import PersonPlan, Plan


def _numbered(records: list[dict]) -> list[tuple[int, dict]]:
    return list(enumerate(records, start=1))


def _person(p: PersonPlan) -> dict:
    return {"name": p.name, "id_number": p.id_number, "phone": p.phone, "employer_name": p.employer_name}


def _institutions(plan: Plan, actor: User, loaded: Loaded) -> None:
    fields = ("name", "kind", "uscc", "region", "parent_org_name", "address")
    fields += ("legal_representative", "contact_name", "contact_phone")
    rows = [
        {**{f: getattr(p, f) for f in fields}, "authority": loaded.authorities[p.authority].code}
        for p in plan.institutions
    ]
    loaded.institutions = registry_bulk.institutions_create(actor=actor, rows=_numbered(rows)).objects


def _filings(plan: Plan, actor: User, loaded: Loaded) -> None:
    rows = [
        {
            "institution_uscc": loaded.institutions[p.institution].uscc,
            "number": p.number,
            "valid_from": p.valid_from,
            "valid_until": p.valid_until,
            "status": p.status,
            "scopes": [
                {"occupation": s.occupation, "levels": list(s.levels), "start_date": s.start_date}
                for s in p.scopes
            ],
        }
        for p in plan.filings
    ]
    loaded.filings = registry_bulk.filings_create(actor=actor, rows=_numbered(rows)).objects


def _venues(plan: Plan, actor: User, loaded: Loaded) -> None:
    fields = ("name", "address", "room_count", "capacity", "camera_count")
    rows = [
        {**{f: getattr(p, f) for f in fields}, "institution_uscc": loaded.institutions[p.institution].uscc}
        for p in plan.venues
    ]
    loaded.venues = registry_bulk.venues_create(actor=actor, rows=_numbered(rows)).objects


def _examiners(plan: Plan, actor: User, loaded: Loaded) -> None:
    rows = [
        {
            **_person(p.person),
            "authority_code": loaded.authorities[p.authority].code,
            "senior": bool(p.senior),
            "card_number": p.card_number,
            "card_issued_on": p.issued_on,
            "scopes": [(code, "", levels) for code, levels in p.scopes],
        }
        for p in plan.examiners
    ]
    result = people_bulk.examiners_create(actor=actor, rows=_numbered(rows))
    loaded.examiners, loaded.examiner_cards = result.objects, result.related["cards"]
    for n, examiner in enumerate(loaded.examiners):
        loaded.persons[("E", n)] = examiner.person


def _supervisors(plan: Plan, actor: User, loaded: Loaded) -> None:
    rows = [
        {
            **_person(plan.person_of(("S", n))),
            "kind": p.kind,
            "authority_code": "" if p.authority is None else loaded.authorities[p.authority].code,
            "institution_uscc": "" if p.institution is None else loaded.institutions[p.institution].uscc,
            "qualification": p.qualification,
            "card_number": p.card_number,
            "card_issued_on": p.issued_on,
            "contract_starts_on": p.contract_start,
            "contract_terms": p.contract_terms,
        }
        for n, p in enumerate(plan.supervisors)
    ]
    loaded.supervisors = people_bulk.supervisors_create(actor=actor, rows=_numbered(rows)).objects
    for n, supervisor in enumerate(loaded.supervisors):
        loaded.persons.setdefault(plan.canonical(("S", n)), supervisor.person)


def _relations(plan: Plan, actor: User, loaded: Loaded) -> None:
    rows = []
    for r in plan.relations:
        other = plan.person_of(r.other) if r.other is not None else r.other_new
        rows.append(
            {
                "person_id_number": plan.person_of(r.person).id_number,
                "kind": r.kind,
                "other_id_number": "" if other is None else other.id_number,
                "other_name": "" if r.other_new is None else r.other_new.name,
                "institution_uscc": "" if r.institution is None else loaded.institutions[r.institution].uscc,
                "note": r.note,
                "declared_on": r.declared_on,
            }
        )
    people_bulk.relations_create(actor=actor, rows=_numbered(rows))


def _batches(plan: Plan, actor: User, loaded: Loaded) -> None:
    rows = [
        {
            "institution_uscc": loaded.institutions[p.institution].uscc,
            "occupation": p.occupation,
            "levels": list(p.levels),
            "starts_at": p.starts_at,
            "ends_at": p.ends_at,
            "venue": loaded.venues[p.venue].pk,
            "candidate_count": p.candidate_count,
            "examiners": [loaded.examiners[e].pk for e in p.examiners],
            "team_leader": None if p.leader is None else loaded.examiners[p.leader].pk,
            "code": p.code,
        }
        for p in plan.batches
    ]
    loaded.batches = registry_bulk.batches_create(actor=actor, rows=_numbered(rows)).objects


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
    step("考评员 examiners", _examiners, plan, actor, loaded)
    step("证卡事件 card events", loader.card_events, plan, actor, loaded)
    step("督导员 supervisors", _supervisors, plan, actor, loaded)
    step("申报关系 relations", _relations, plan, actor, loaded)
    step("评价批次 batches", _batches, plan, actor, loaded)
    step("取消批次 cancellations", loader.cancel_batches, plan, actor, loaded)
    return loaded
