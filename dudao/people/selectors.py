"""Reads of people records, always scoped by the user (docs/permissions-people.md); N+1-free lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from dudao.accounts.permissions import (
    is_authority_user,
    is_institution_user,
    is_superuser,
    region_prefix,
)
from dudao.common.errors import NotFound

from . import domain, id_lookup
from .models import (
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

_NOTHING = Q(pk__in=[])


def today() -> dt.date:
    return timezone.localdate()


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _own(user, field: str = "person_id") -> Q:
    person_id = getattr(user, "person_id", None)
    return Q(**{field: person_id}) if person_id else _NOTHING


# --------------------------------------------------------------------------------------- scopes


def supervisor_scope(user) -> Q | None:
    """Q over Supervisor for `user`; None means everything (superuser)."""
    if not _authenticated(user):
        return _NOTHING
    if is_superuser(user):
        return None
    q = _own(user)
    if is_authority_user(user):
        prefix = region_prefix(user)
        q |= Q(kind=Supervisor.Kind.EXTERNAL, authority__region__code__startswith=prefix)
        q |= Q(kind=Supervisor.Kind.INTERNAL, institution__region__code__startswith=prefix)
    elif is_institution_user(user):
        q |= Q(kind=Supervisor.Kind.INTERNAL, institution_id=user.institution_id)
    return q


def examiner_scope(user) -> Q | None:
    """Authority staff: examiners managed in their region; institution users: those of their
    institution's authority (read-only, to staff batches); examiners: themselves."""
    if not _authenticated(user):
        return _NOTHING
    if is_superuser(user):
        return None
    q = _own(user)
    if is_authority_user(user):
        q |= Q(authority__region__code__startswith=region_prefix(user))
    elif is_institution_user(user):
        q |= Q(authority_id=user.institution.authority_id)
    return q


def person_scope(user) -> Q | None:
    """Persons behind the supervisors/examiners in scope, employees, and persons registered here."""
    if not _authenticated(user):
        return _NOTHING
    if is_superuser(user):
        return None
    q = _own(user, "pk")
    if is_authority_user(user):
        prefix = region_prefix(user)
        q |= Q(registered_by__region__code__startswith=prefix)
        q |= Q(employer__region__code__startswith=prefix)
        q |= Q(pk__in=_scoped(Supervisor.objects.all(), supervisor_scope(user)).values("person_id"))
        q |= Q(pk__in=_scoped(Examiner.objects.all(), examiner_scope(user)).values("person_id"))
    elif is_institution_user(user):
        q |= Q(employer_id=user.institution_id)
        q |= Q(
            pk__in=Supervisor.objects.filter(
                kind=Supervisor.Kind.INTERNAL, institution_id=user.institution_id
            ).values("person_id")
        )
    return q


def _scoped(qs: QuerySet, q: Q | None) -> QuerySet:
    return qs if q is None else qs.filter(q)


def supervisors_for(user) -> QuerySet[Supervisor]:
    return _scoped(Supervisor.objects.all(), supervisor_scope(user))


def examiners_for(user) -> QuerySet[Examiner]:
    return _scoped(Examiner.objects.all(), examiner_scope(user))


def persons_for(user) -> QuerySet[Person]:
    return _scoped(Person.objects.all(), person_scope(user))


def supervisor_cards_for(user) -> QuerySet[SupervisorCard]:
    q = supervisor_scope(user)
    qs = SupervisorCard.objects.all()
    return qs if q is None else qs.filter(supervisor__in=supervisors_for(user))


def contracts_for(user) -> QuerySet[SupervisorContract]:
    q = supervisor_scope(user)
    qs = SupervisorContract.objects.all()
    return qs if q is None else qs.filter(supervisor__in=supervisors_for(user))


def examiner_cards_for(user) -> QuerySet[ExaminerCard]:
    q = examiner_scope(user)
    qs = ExaminerCard.objects.all()
    return qs if q is None else qs.filter(examiner__in=examiners_for(user))


def relations_for(user) -> QuerySet[Relation]:
    q = person_scope(user)
    qs = Relation.objects.all()
    return qs if q is None else qs.filter(person__in=persons_for(user))


def get_or_404(qs: QuerySet, pk) -> object:
    """One row of a scoped queryset, or NotFound (out of scope looks the same as missing)."""
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --------------------------------------------------------------------------------------- search


def person_keyword_q(user, q: str, prefix: str = "") -> Q:
    """Name contains `q`, or the exact ID number equals `q` (blind index; metered for non-reveal readers)."""
    cond = Q(**{f"{prefix}name__icontains": q})
    indexes = id_lookup.lookup_indexes(user, q)
    if indexes:
        cond |= Q(**{f"{prefix}id_number_index__in": indexes})
    return cond


def _card_state_filter(model, owner_field: str, state: str, at: dt.date, *, examiner: bool):
    """Filter on the holder (supervisor/examiner) for a card-state value.

    `valid`: holds a card valid on `at`; `expired`/`lapsed`: holds no valid card and has one in that
    state; `lost`/`reissuing`/`revoked`: has a card with that status; `none`: has no card at all.
    """
    cards = model.objects.filter(**{owner_field: OuterRef("pk")})
    has_valid = Exists(cards.filter(_stored_state_q(domain.STATE_VALID, at, examiner=examiner)))
    if state == domain.STATE_VALID:
        return has_valid
    if state in (domain.STATE_EXPIRED, domain.STATE_LAPSED):
        return Exists(cards.filter(_stored_state_q(state, at, examiner=examiner))) & ~has_valid
    if state in (domain.STATE_LOST, domain.STATE_REISSUING, domain.STATE_REVOKED):
        return Exists(cards.filter(status=state))
    if state == "none":
        return ~Exists(cards.exclude(status=CardStatus.REPLACED))
    return None


# --------------------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class SupervisorFilters:
    q: str = ""
    kind: str = ""
    status: str = ""
    authority: int | None = None
    institution: int | None = None
    card_state: str = ""


def supervisor_list(user, filters: SupervisorFilters | None = None, *, at: dt.date | None = None) -> QuerySet:
    """Supervisors in scope with person, owner and cards loaded (3 queries with pagination)."""
    f = filters or SupervisorFilters()
    at = at or today()
    qs = supervisors_for(user).select_related(
        "person", "authority", "institution", "person__employer", "person__registered_by"
    )
    if f.q:
        q = f.q.strip()
        qs = qs.filter(
            person_keyword_q(user, q, "person__")
            | Q(Exists(SupervisorCard.objects.filter(supervisor=OuterRef("pk"), number__icontains=q)))
        )
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.authority:
        qs = qs.filter(authority_id=f.authority)
    if f.institution:
        qs = qs.filter(institution_id=f.institution)
    if f.card_state:
        cond = _card_state_filter(SupervisorCard, "supervisor", f.card_state, at, examiner=False)
        qs = qs.filter(cond) if cond is not None else qs.none()
    return qs.prefetch_related(
        Prefetch(
            "cards", queryset=SupervisorCard.objects.select_related("issuer").order_by("-issued_on", "-id")
        )
    ).order_by("-id")


@dataclass(frozen=True)
class ExaminerFilters:
    q: str = ""
    status: str = ""  # active / inactive
    authority: int | None = None
    card_state: str = ""
    senior: bool | None = None
    occupation: str = ""


def examiner_list(user, filters: ExaminerFilters | None = None, *, at: dt.date | None = None) -> QuerySet:
    """Examiners in scope with person, authority, cards and card scopes loaded."""
    f = filters or ExaminerFilters()
    at = at or today()
    qs = examiners_for(user).select_related(
        "person", "authority", "person__employer", "person__registered_by"
    )
    if f.q:
        q = f.q.strip()
        qs = qs.filter(
            person_keyword_q(user, q, "person__")
            | Q(Exists(ExaminerCard.objects.filter(examiner=OuterRef("pk"), number__icontains=q)))
        )
    if f.status == "active":
        qs = qs.filter(is_active=True)
    elif f.status == "inactive":
        qs = qs.filter(is_active=False)
    if f.authority:
        qs = qs.filter(authority_id=f.authority)
    if f.senior is not None:
        qs = qs.filter(senior=f.senior)
    if f.occupation:
        qs = qs.filter(
            Exists(
                ExaminerCardScope.objects.filter(
                    card__examiner=OuterRef("pk"), occupation__code=f.occupation.strip()
                )
            )
        )
    if f.card_state:
        cond = _card_state_filter(ExaminerCard, "examiner", f.card_state, at, examiner=True)
        qs = qs.filter(cond) if cond is not None else qs.none()
    return qs.prefetch_related(examiner_cards_prefetch()).order_by("-id")


def examiner_cards_prefetch(to_attr: str | None = None) -> Prefetch:
    cards = ExaminerCard.objects.order_by("-issued_on", "-id").prefetch_related(
        Prefetch("scopes", queryset=ExaminerCardScope.objects.select_related("occupation").order_by("id"))
    )
    return Prefetch("cards", queryset=cards, to_attr=to_attr)


def person_list(user, q: str = "") -> QuerySet[Person]:
    qs = persons_for(user).select_related("employer", "registered_by")
    if q:
        qs = qs.filter(person_keyword_q(user, q.strip()))
    return qs.order_by("-id")


def find_person_by_id_number(user, id_number: str) -> Person | None:
    """Exact lookup through the blind index, inside the user's scope."""
    indexes = id_lookup.lookup_indexes(user, id_number)
    if not indexes:
        return None
    return persons_for(user).filter(id_number_index__in=indexes).first()


def supervisor_card_list(user, *, supervisor: int | None = None, q: str = "", state: str = "") -> QuerySet:
    qs = supervisor_cards_for(user).select_related("supervisor__person", "issuer")
    if supervisor:
        qs = qs.filter(supervisor_id=supervisor)
    if q:
        qs = qs.filter(
            Q(number__icontains=q.strip()) | person_keyword_q(user, q.strip(), "supervisor__person__")
        )
    if state:
        qs = qs.filter(_stored_state_q(state, today(), examiner=False))
    return qs.order_by("-issued_on", "-id")


def examiner_card_list(user, *, examiner: int | None = None, q: str = "", state: str = "") -> QuerySet:
    qs = (
        examiner_cards_for(user)
        .select_related("examiner__person")
        .prefetch_related(
            Prefetch("scopes", queryset=ExaminerCardScope.objects.select_related("occupation").order_by("id"))
        )
    )
    if examiner:
        qs = qs.filter(examiner_id=examiner)
    if q:
        qs = qs.filter(
            Q(number__icontains=q.strip()) | person_keyword_q(user, q.strip(), "examiner__person__")
        )
    if state:
        qs = qs.filter(_stored_state_q(state, today(), examiner=True))
    return qs.order_by("-issued_on", "-id")


def _stored_state_q(state: str, at: dt.date, *, examiner: bool) -> Q:
    """Card rows in a given state on `at` (same rules as domain.*_card_state)."""
    live = Q(status=CardStatus.VALID)
    if state == domain.STATE_VALID:
        return live & Q(issued_on__lte=at, valid_until__gte=at)
    if state == domain.STATE_NOT_YET_VALID:
        return live & Q(issued_on__gt=at)
    if state in (domain.STATE_EXPIRED, domain.STATE_LAPSED):
        expired = live & Q(valid_until__lt=at)
        if not examiner:
            return expired if state == domain.STATE_EXPIRED else _NOTHING
        lapsed = expired & Q(valid_until__lte=domain.lapse_cutoff(at)) & ~_trained_in_time_q()
        return lapsed if state == domain.STATE_LAPSED else expired & ~lapsed
    if state in CardStatus.values:
        return Q(status=state)
    return _NOTHING


def _trained_in_time_q() -> Q:
    """Renewal training taken after valid_until (EXAM-2). Services only record training that is in
    time (they refuse it once lapsed), so the lapse-date upper bound needs no SQL date arithmetic."""
    return Q(renewal_trained_on__isnull=False, renewal_trained_on__gt=F("valid_until"))


def contract_list(user, *, supervisor: int | None = None) -> QuerySet:
    qs = contracts_for(user).select_related("supervisor__person")
    if supervisor:
        qs = qs.filter(supervisor_id=supervisor)
    return qs.order_by("supervisor_id", "term_no")


def relation_list(
    user, *, person: int | None = None, include_withdrawn: bool = False, q: str = ""
) -> QuerySet:
    qs = relations_for(user).select_related("person", "other_person", "institution")
    if person:
        qs = qs.filter(person_id=person)
    if not include_withdrawn:
        qs = qs.filter(withdrawn_on__isnull=True)
    if q:
        qs = qs.filter(
            person_keyword_q(user, q.strip(), "person__")
            | person_keyword_q(user, q.strip(), "other_person__")
        )
    return qs.order_by("-id")


# --------------------------------------------------------------------------------------- details


def supervisor_detail(user, pk) -> Supervisor:
    qs = (
        supervisors_for(user)
        .select_related("person", "person__employer", "person__registered_by", "authority", "institution")
        .prefetch_related(
            Prefetch(
                "cards",
                queryset=SupervisorCard.objects.select_related("issuer").order_by("-issued_on", "-id"),
            ),
            Prefetch("contracts", queryset=SupervisorContract.objects.order_by("term_no")),
        )
    )
    return get_or_404(qs, pk)


def examiner_detail(user, pk) -> Examiner:
    qs = (
        examiners_for(user)
        .select_related("person", "person__employer", "authority")
        .prefetch_related(examiner_cards_prefetch())
    )
    return get_or_404(qs, pk)


# --------------------------------------------------------------------------------------- state helpers


def card_facts(card) -> domain.CardFacts:
    return domain.CardFacts(
        status=card.status,
        issued_on=card.issued_on,
        valid_until=card.valid_until,
        renewal_trained_on=getattr(card, "renewal_trained_on", None),
    )


def supervisor_card_state(card, at: dt.date | None = None) -> str:
    return domain.supervisor_card_state(card_facts(card), at or today())


def examiner_card_state(card, at: dt.date | None = None) -> str:
    return domain.examiner_card_state(card_facts(card), at or today())


def current_card(cards):
    """The card that represents the holder now: the newest one that was not replaced."""
    for card in cards:
        if card.status != CardStatus.REPLACED:
            return card
    return None


# --------------------------------------------------------------------------------------- for other apps


def examiner_decision(
    examiner: Examiner, occupation_code: str, work_type: str, levels, at: dt.date | None = None
) -> domain.Decision:
    """EXAM-2/EXAM-3 for one examiner: may they examine this occupation (+ work type) at these levels?

    Uses prefetched `cards` and `scopes` when present (see `examiner_cards_prefetch`).
    """
    at = at or today()
    if not examiner.is_active:
        return domain.Decision(False, "考评员不在册")
    cards = [c for c in examiner.cards.all() if c.status != CardStatus.REPLACED]
    if not cards:
        return domain.Decision(False, "考评员无证卡")
    decisions = []
    for card in cards:
        scopes = [domain.Scope(s.occupation.code, s.work_type, tuple(s.levels)) for s in card.scopes.all()]
        decision = domain.can_examine(card_facts(card), scopes, occupation_code, work_type, levels, at)
        if decision.ok:
            return decision
        decisions.append(decision)
    return decisions[0]


def active_relations(person_ids, *, other_person_ids=(), institution_ids=()) -> QuerySet[Relation]:
    """Declared, not withdrawn relations (SUP-8, EXAM-4) between `person_ids` and the given persons
    (either direction) or institutions — the input of recusal checks."""
    person_ids, others = list(person_ids), list(other_person_ids)
    cond = Q(person_id__in=person_ids, institution_id__in=list(institution_ids))
    if others:
        cond |= Q(person_id__in=person_ids, other_person_id__in=others)
        cond |= Q(person_id__in=others, other_person_id__in=person_ids)
    return Relation.objects.filter(cond, withdrawn_on__isnull=True).select_related(
        "person", "other_person", "institution"
    )
