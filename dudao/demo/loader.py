"""Write a demo plan through the owning apps' services, one call per record (the reference path).

Each call is the same one a user's page or API request makes: permission check, validation,
`full_clean`, audit event. The bulk path (`bulk.py`) must end in the same rows and events.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Any

from dudao.accounts import services as account_services
from dudao.accounts.models import User
from dudao.accounts.permissions import requires_two_factor
from dudao.common import audit
from dudao.people import services as people_services
from dudao.people.models import Examiner, ExaminerCard, ExaminerCardScope, Person, Supervisor
from dudao.registry import services as registry_services
from dudao.registry.models import Authority, Batch, Filing, Institution, Occupation, Region, Venue

from . import names
from .plan import PersonRef, Plan


@dataclass
class Loaded:
    """Plan index → database row, filled as the records are written."""

    occupations: dict[str, Occupation] = field(default_factory=dict)
    authorities: list[Authority] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    filings: list[Filing] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    examiners: list[Examiner] = field(default_factory=list)
    examiner_cards: list[ExaminerCard] = field(default_factory=list)
    examiner_scopes: list[list[ExaminerCardScope]] = field(default_factory=list)
    supervisors: list[Supervisor] = field(default_factory=list)
    persons: dict[PersonRef, Person] = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    timings: dict[str, tuple[float, float]] = field(default_factory=dict)  # step → (wall s, CPU s)

    def timer(self):
        """`step(label, function, *args)` runs the function and records its wall and CPU seconds."""

        def step(label: str, function, *args) -> None:
            wall, cpu = time.perf_counter(), time.process_time()
            function(*args)
            self.timings[label] = (time.perf_counter() - wall, time.process_time() - cpu)

        return step


# ---------------------------------------------------------------------------------------------------------
# Shared steps (both paths): the superuser, reference data, regions, occupations, authorities, users
def create_superuser(*, username: str, password: str, display_name: str) -> User:
    """The demo superuser through accounts.user_create when it can make superusers, else the same steps here.

    [gap] `user_create` requires one of the roles, so a superuser (no role) cannot be made through it;
    until accounts offers that, this creates the user with `full_clean` and the same audit event
    (`accounts.user_created`, actor "system") that `user_create` writes.
    """
    if "is_superuser" in inspect.signature(account_services.user_create).parameters:
        return account_services.user_create(
            actor=None,
            username=username,
            password=password,
            role="",
            display_name=display_name,
            is_superuser=True,
        )
    user = User(username=username, display_name=display_name, is_superuser=True, is_staff=True)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(
        actor=None,
        action="accounts.user.create",
        obj=user,
        after=audit.snapshot(user, account_services.USER_AUDIT_FIELDS),
    )
    return user


def load_reference(plan: Plan, actor: User, loaded: Loaded) -> None:
    """Provinces and the verified OCC-1 occupations (idempotent), the demo cities, the demo occupations."""
    if (
        Occupation.objects.filter(code__in=[c for c, _ in names.VERIFIED_OCCUPATIONS]).count()
        != len(names.VERIFIED_OCCUPATIONS)
        or not Region.objects.filter(code=names.PROVINCE_CODE).exists()
    ):
        registry_services.reference_load(actor=None)
    missing = [(c, n) for c, n in plan.cities if not Region.objects.filter(code=c).exists()]
    if missing:
        data = ("code,name\n" + "".join(f"{c},{n}\n" for c, n in missing)).encode("utf-8")
        registry_services.regions_import(actor=actor, data=data, filename="demo-cities.csv")
    existing = {o.code: o for o in Occupation.objects.filter(code__in=[c for c, _ in plan.occupations])}
    for code, name in plan.occupations:
        if code not in existing:
            existing[code] = registry_services.occupation_create(
                actor=actor, code=code, name=name, verified=False, source=names.DEMO_OCCUPATION_SOURCE
            )
    loaded.occupations = {o.code: o for o in Occupation.objects.all()}


def load_authorities(plan: Plan, actor: User, loaded: Loaded) -> None:
    for a in plan.authorities:
        loaded.authorities.append(
            registry_services.authority_create(
                actor=actor,
                code=a.code,
                name=a.name,
                region=a.region,
                parent=None if a.parent is None else loaded.authorities[a.parent],
                contact_phone=a.contact_phone,
            )
        )


def load_users(plan: Plan, loaded: Loaded, *, password: str, superuser: User) -> None:
    """Demo accounts with the published demo password (not forced to change it); administrators are
    enrolled with an authenticator whose secret and current code `dudao demo-logins` prints (SEC-2)."""
    loaded.users.append(superuser)
    for u in plan.users:
        if u.superuser:
            continue
        loaded.users.append(
            account_services.user_create(
                actor=superuser,
                username=u.username,
                password=password,
                role=u.role,
                authority=None if u.authority is None else loaded.authorities[u.authority],
                institution=None if u.institution is None else loaded.institutions[u.institution],
                person=None if u.person is None else loaded.persons[plan.canonical(u.person)],
                display_name=u.display_name,
                must_change_password=False,
            )
        )
    for user in loaded.users:
        if requires_two_factor(user):
            account_services.totp_provision(actor=None, user=user)


def set_filing_statuses(plan: Plan, actor: User, loaded: Loaded) -> None:
    """INST-2: suspended and rectifying filings go through the status service (with its reason)."""
    for n, f in enumerate(plan.filings):
        if f.later_status:
            filing = loaded.filings[n]
            registry_services.filing_set_status(
                actor=actor,
                filing=filing,
                status=f.later_status,
                reason=f.later_reason,
                row_version=type(filing).objects.get(pk=filing.pk).row_version,
            )


def card_events(plan: Plan, actor: User, loaded: Loaded) -> None:
    """EXAM-2 renewal training and lost cards: few, through the people services."""
    for n, e in enumerate(plan.examiners):
        card = loaded.examiner_cards[n]
        if e.renew_trained_on is not None:
            card = people_services.examiner_card_renew_training(
                actor=actor, card=card, trained_on=e.renew_trained_on, row_version=card.row_version
            )
        if e.lost:
            card = people_services.examiner_card_set_status(
                actor=actor, card=card, to="lost", reason="本人报告证卡遗失", row_version=card.row_version
            )
        loaded.examiner_cards[n] = card


def cancel_batches(plan: Plan, actor: User, loaded: Loaded) -> None:
    for n, b in enumerate(plan.batches):
        if b.cancel_reason:
            batch = loaded.batches[n]
            registry_services.batch_cancel(
                actor=actor, batch=batch, reason=b.cancel_reason, row_version=batch.row_version
            )


def person_data(p) -> dict[str, Any]:
    return {"name": p.name, "id_number": p.id_number, "phone": p.phone, "employer_name": p.employer_name}


# ---------------------------------------------------------------------------------------------------------
# The service path
def _institutions(plan: Plan, actor: User, loaded: Loaded) -> None:
    for i in plan.institutions:
        loaded.institutions.append(
            registry_services.institution_create(
                actor=actor,
                name=i.name,
                kind=i.kind,
                uscc=i.uscc,
                region=i.region,
                authority=loaded.authorities[i.authority],
                parent_org_name=i.parent_org_name,
                address=i.address,
                legal_representative=i.legal_representative,
                contact_name=i.contact_name,
                contact_phone=i.contact_phone,
            )
        )


def _filings(plan: Plan, actor: User, loaded: Loaded) -> None:
    occ = loaded.occupations
    for f in plan.filings:
        scopes = [
            {"occupation": occ[s.occupation], "levels": list(s.levels), "start_date": s.start_date}
            for s in f.scopes
        ]
        loaded.filings.append(
            registry_services.filing_create(
                actor=actor,
                institution=loaded.institutions[f.institution],
                number=f.number,
                valid_from=f.valid_from,
                valid_until=f.valid_until,
                status=f.status,
                scopes=scopes,
            )
        )


def _venues(plan: Plan, actor: User, loaded: Loaded) -> None:
    for v in plan.venues:
        loaded.venues.append(
            registry_services.venue_create(
                actor=actor,
                institution=loaded.institutions[v.institution],
                name=v.name,
                address=v.address,
                room_count=v.room_count,
                capacity=v.capacity,
                camera_count=v.camera_count,
            )
        )


def _examiners(plan: Plan, actor: User, loaded: Loaded) -> None:
    occ = loaded.occupations
    for n, e in enumerate(plan.examiners):
        examiner = people_services.examiner_create(
            actor=actor,
            person_data=person_data(e.person),
            authority=loaded.authorities[e.authority],
            senior=e.senior,
        )
        loaded.examiners.append(examiner)
        loaded.persons[("E", n)] = examiner.person
        loaded.examiner_cards.append(
            people_services.examiner_card_issue(
                actor=actor,
                examiner=examiner,
                number=e.card_number,
                issued_on=e.issued_on,
                scopes=[(occ[code], "", levels) for code, levels in e.scopes],
            )
        )


def _supervisors(plan: Plan, actor: User, loaded: Loaded) -> None:
    for n, s in enumerate(plan.supervisors):
        supervisor = people_services.supervisor_create(
            actor=actor,
            kind=s.kind,
            person=None if s.person is not None else loaded.persons[("E", s.examiner_person)],
            person_data=person_data(s.person) if s.person is not None else None,
            authority=None if s.authority is None else loaded.authorities[s.authority],
            institution=None if s.institution is None else loaded.institutions[s.institution],
            qualification=s.qualification,
        )
        loaded.supervisors.append(supervisor)
        loaded.persons.setdefault(plan.canonical(("S", n)), supervisor.person)
        people_services.supervisor_card_issue(
            actor=actor, supervisor=supervisor, number=s.card_number, issued_on=s.issued_on
        )
        if s.contract_terms:
            people_services.supervisor_contract_add(
                actor=actor, supervisor=supervisor, starts_on=s.contract_start
            )
            for _ in range(s.contract_terms - 1):
                people_services.supervisor_contract_renew(actor=actor, supervisor=supervisor)


def _relations(plan: Plan, actor: User, loaded: Loaded) -> None:
    for r in plan.relations:
        people_services.relation_declare(
            actor=actor,
            person=loaded.persons[r.person],
            kind=r.kind,
            other_person=None if r.other is None else loaded.persons[r.other],
            other_id_number=r.other_new.id_number if r.other_new else None,
            other_name=r.other_new.name if r.other_new else None,
            institution=None if r.institution is None else loaded.institutions[r.institution],
            note=r.note,
            declared_on=r.declared_on,
        )


def _batches(plan: Plan, actor: User, loaded: Loaded) -> None:
    occ = loaded.occupations
    for b in plan.batches:
        loaded.batches.append(
            registry_services.batch_create(
                actor=actor,
                institution=loaded.institutions[b.institution],
                occupation=occ[b.occupation],
                levels=list(b.levels),
                starts_at=b.starts_at,
                ends_at=b.ends_at,
                venue=loaded.venues[b.venue],
                candidate_count=b.candidate_count,
                examiners=[loaded.examiners[e] for e in b.examiners],
                team_leader=None if b.leader is None else loaded.examiners[b.leader],
                code=b.code,
            )
        )


def load_with_services(plan: Plan, *, actor: User) -> Loaded:
    """Every record through its service, in dependency order; returns the rows by plan index."""
    loaded = Loaded()
    step = loaded.timer()
    step("参考数据 reference", load_reference, plan, actor, loaded)
    step("委派机构 authorities", load_authorities, plan, actor, loaded)
    step("评价机构 institutions", _institutions, plan, actor, loaded)
    step("备案 filings", _filings, plan, actor, loaded)
    step("备案状态 filing status", set_filing_statuses, plan, actor, loaded)
    step("考核场所 venues", _venues, plan, actor, loaded)
    step("考评员 examiners", _examiners, plan, actor, loaded)
    step("证卡事件 card events", card_events, plan, actor, loaded)
    step("督导员 supervisors", _supervisors, plan, actor, loaded)
    step("申报关系 relations", _relations, plan, actor, loaded)
    step("评价批次 batches", _batches, plan, actor, loaded)
    step("取消批次 cancellations", cancel_batches, plan, actor, loaded)
    return loaded
