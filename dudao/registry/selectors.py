"""Registry reads, scoped by the user's data scope and N+1-free (select_related / prefetch).

Scope: superuser → all; authority users → institutions whose region code starts with their region prefix
(authorities: theirs and those below); institution users → their own institution; everyone else → nothing.
Regions and occupations are public reference data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import NotFound

from . import domain
from .models import Authority, Batch, Filing, FilingScope, Institution, Occupation, Region, Venue
from .permissions import user_region_prefix

# ---------------------------------------------------------------------------------------------------------
# Scope filters
_NOTHING = object()


def _institution_scope_q(user, path: str = ""):
    """Q restricting rows to institutions in scope (`path` leads to the institution); None = all, _NOTHING."""
    if is_superuser(user):
        return None
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return Q(**{f"{path}region__code__startswith": prefix}) if prefix else _NOTHING
    if is_institution_user(user):
        return Q(**{f"{path}id" if path else "pk": user.institution_id})
    return _NOTHING


def _scoped(qs: QuerySet, user, path: str) -> QuerySet:
    q = _institution_scope_q(user, path)
    if q is None:
        return qs
    if q is _NOTHING:
        return qs.none()
    return qs.filter(q)


def institutions_for(user) -> QuerySet[Institution]:
    """Institutions the user may see."""
    return _scoped(Institution.objects.all(), user, "")


def filings_for(user) -> QuerySet[Filing]:
    return _scoped(Filing.objects.all(), user, "institution__")


def scopes_for(user) -> QuerySet[FilingScope]:
    return _scoped(FilingScope.objects.all(), user, "filing__institution__")


def venues_for(user) -> QuerySet[Venue]:
    return _scoped(Venue.objects.all(), user, "institution__")


def batches_for(user) -> QuerySet[Batch]:
    return _scoped(Batch.objects.all(), user, "institution__")


def authorities_for(user) -> QuerySet[Authority]:
    """Authority users: theirs and those below their region; institution users: their institution's."""
    qs = Authority.objects.all()
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return qs.filter(region__code__startswith=prefix) if prefix else qs.none()
    if is_institution_user(user):
        return qs.filter(institutions__id=user.institution_id)
    return qs.none()


def regions() -> QuerySet[Region]:
    """Public reference data."""
    return Region.objects.all()


def occupations() -> QuerySet[Occupation]:
    """Public reference data."""
    return Occupation.objects.all()


def _get(qs: QuerySet, pk: Any):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# ---------------------------------------------------------------------------------------------------------
# Lists with filters (shared by API, pages and exports)
def _region_prefix_of(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return domain.region_code_prefix(code)
    except Exception:
        return "x"


def region_list(*, q: str = "", kind: str = "", parent: str = "") -> QuerySet[Region]:
    qs = Region.objects.select_related("parent")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if kind:
        qs = qs.filter(kind=kind)
    if parent:
        qs = qs.filter(parent_id=parent)
    return qs.order_by("code")


def region_get(code: str) -> Region:
    return _get(Region.objects.select_related("parent"), code)


def region_children(parent: Region | None) -> QuerySet[Region]:
    """One level of the region tree with each row's number of children: provinces, or `parent`'s children.

    Below a province, each city comes with its districts prefetched (the page lists them inline).
    """
    qs = Region.objects.annotate(child_count=Count("children")).order_by("code")
    if parent is None:
        return qs.filter(kind=Region.Kind.PROVINCE)
    qs = qs.filter(parent_id=parent.code)
    if parent.kind == Region.Kind.PROVINCE:
        qs = qs.prefetch_related(Prefetch("children", queryset=Region.objects.order_by("code")))
    return qs


def region_search(*, q: str = "", kind: str = "", within: Region | None = None) -> QuerySet[Region]:
    """Regions matching a name (contains) or a code (prefix), optionally of one kind and below `within`."""
    qs = Region.objects.select_related("parent__parent").annotate(child_count=Count("children"))
    if within is not None:
        qs = qs.filter(code__startswith=domain.region_code_prefix(within.code)).exclude(code=within.code)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("code")


def region_path(region: Region | None) -> list[Region]:
    """`region` and its ancestors, province first (at most three levels)."""
    path: list[Region] = []
    node = region
    while node is not None and len(path) < 4:
        path.insert(0, node)
        node = node.parent
    return path


def occupation_list(*, q: str = "", verified: bool | None = None, is_active: bool | None = None):
    qs = Occupation.objects.all()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if verified is not None:
        qs = qs.filter(verified=verified)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs.order_by("code")


def occupation_get(pk: Any) -> Occupation:
    return _get(Occupation.objects.all(), pk)


def authority_list(user, *, q: str = "", region: str = "", is_active: bool | None = None):
    qs = authorities_for(user).select_related("region", "parent")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if prefix := _region_prefix_of(region):
        qs = qs.filter(region__code__startswith=prefix)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs.order_by("region_id", "code")


def authority_get(user, pk: Any) -> Authority:
    return _get(authorities_for(user).select_related("region", "parent"), pk)


def institution_list(
    user,
    *,
    q: str = "",
    kind: str = "",
    region: str = "",
    authority: int | None = None,
    status: str = "",
    is_active: bool | None = None,
) -> QuerySet[Institution]:
    """`status` filters institutions having a filing in that status; rows carry their latest filing."""
    qs = institutions_for(user).select_related("region", "authority")
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__startswith=domain.normalise_uscc(q)))
    if kind:
        qs = qs.filter(kind=kind)
    if prefix := _region_prefix_of(region):
        qs = qs.filter(region__code__startswith=prefix)
    if authority:
        qs = qs.filter(authority_id=authority)
    if status:
        qs = qs.filter(Exists(Filing.objects.filter(institution_id=OuterRef("pk"), status=status)))
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    latest = Filing.objects.filter(institution_id=OuterRef("pk")).order_by("-valid_from", "-id")
    qs = qs.annotate(
        latest_filing_number=Subquery(latest.values("number")[:1]),
        latest_filing_status=Subquery(latest.values("status")[:1]),
        latest_filing_until=Subquery(latest.values("valid_until")[:1]),
    )
    return qs.order_by("id")


def institution_get(user, pk: Any) -> Institution:
    return _get(institutions_for(user).select_related("region", "authority"), pk)


def _scopes_prefetch() -> Prefetch:
    return Prefetch(
        "scopes",
        queryset=FilingScope.objects.select_related("occupation").order_by(
            "occupation__code", "work_type", "id"
        ),
    )


def filing_list(
    user,
    *,
    q: str = "",
    status: str = "",
    institution: int | None = None,
    authority: int | None = None,
    region: str = "",
    occupation: int | None = None,
    expiring_before: dt.date | None = None,
    with_scopes: bool = True,
) -> QuerySet[Filing]:
    qs = filings_for(user).select_related("institution", "institution__region", "authority")
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(institution__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if institution:
        qs = qs.filter(institution_id=institution)
    if authority:
        qs = qs.filter(authority_id=authority)
    if prefix := _region_prefix_of(region):
        qs = qs.filter(institution__region__code__startswith=prefix)
    if occupation:
        qs = qs.filter(Exists(FilingScope.objects.filter(filing_id=OuterRef("pk"), occupation_id=occupation)))
    if expiring_before:
        qs = qs.filter(valid_until__lte=expiring_before)
    if with_scopes:
        qs = qs.prefetch_related(_scopes_prefetch())
    return qs.order_by("-valid_from", "-id")


def filing_get(user, pk: Any) -> Filing:
    qs = filings_for(user).select_related("institution", "institution__region", "authority")
    return _get(qs.prefetch_related(_scopes_prefetch()), pk)


def scope_list(
    user,
    *,
    q: str = "",
    filing: int | None = None,
    institution: int | None = None,
    occupation: int | None = None,
    current: bool | None = None,
) -> QuerySet[FilingScope]:
    qs = scopes_for(user).select_related("occupation", "filing", "filing__institution")
    if q:
        qs = qs.filter(
            Q(occupation__name__icontains=q)
            | Q(occupation__code__startswith=q)
            | Q(work_type__icontains=q)
            | Q(filing__number__icontains=q)
        )
    if filing:
        qs = qs.filter(filing_id=filing)
    if institution:
        qs = qs.filter(filing__institution_id=institution)
    if occupation:
        qs = qs.filter(occupation_id=occupation)
    if current is not None:
        today = timezone.localdate()
        in_force = Q(start_date__lte=today) & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        qs = qs.filter(in_force) if current else qs.exclude(in_force)
    return qs.order_by("filing_id", "occupation__code", "work_type", "id")


def scope_get(user, pk: Any) -> FilingScope:
    return _get(scopes_for(user).select_related("occupation", "filing", "filing__institution"), pk)


def venue_list(
    user, *, q: str = "", institution: int | None = None, region: str = "", is_active: bool | None = None
) -> QuerySet[Venue]:
    qs = venues_for(user).select_related("institution")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(institution__name__icontains=q))
    if institution:
        qs = qs.filter(institution_id=institution)
    if prefix := _region_prefix_of(region):
        qs = qs.filter(institution__region__code__startswith=prefix)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs.order_by("institution_id", "name", "id")


def venue_get(user, pk: Any) -> Venue:
    return _get(venues_for(user).select_related("institution"), pk)


def _examiners_prefetch() -> Prefetch:
    from dudao.people.models import Examiner

    return Prefetch("examiners", queryset=Examiner.objects.select_related("person").order_by("id"))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def batch_list(
    user,
    *,
    q: str = "",
    status: str = "",
    institution: int | None = None,
    occupation: int | None = None,
    region: str = "",
    start_from: dt.date | None = None,
    start_to: dt.date | None = None,
    with_examiners: bool = True,
) -> QuerySet[Batch]:
    """Newest first; `start_from`/`start_to` are inclusive local dates on the start time."""
    qs = batches_for(user).select_related(
        "institution", "occupation", "venue", "filing", "team_leader__person"
    )
    if q:
        q = q.strip()
        # Codes are searched by prefix (index on the unique code); names through the small institution table
        # first, so the 50,000-row batch table is never scanned with LIKE '%…%'.
        names = Institution.objects.filter(name__icontains=q).values("id")
        qs = qs.filter(Q(code__startswith=q.upper()) | Q(institution_id__in=names))
    if status:
        qs = qs.filter(status=status)
    if institution:
        qs = qs.filter(institution_id=institution)
    if occupation:
        qs = qs.filter(occupation_id=occupation)
    if prefix := _region_prefix_of(region):
        qs = qs.filter(institution__region__code__startswith=prefix)
    if start_from:
        qs = qs.filter(starts_at__gte=_day_start(start_from))
    if start_to:
        qs = qs.filter(starts_at__lt=_day_start(start_to + dt.timedelta(days=1)))
    if with_examiners:
        qs = qs.prefetch_related(_examiners_prefetch())
    return qs.order_by("-starts_at", "-id")


def batch_get(user, pk: Any) -> Batch:
    qs = batches_for(user).select_related(
        "institution", "occupation", "venue", "filing", "team_leader__person"
    )
    return _get(qs.prefetch_related(_examiners_prefetch()), pk)


def recent_batches(user, institution: Institution, limit: int = 10) -> list[Batch]:
    return list(batch_list(user, institution=institution.pk, with_examiners=False)[:limit])


# ---------------------------------------------------------------------------------------------------------
# INST-3 candidates: one indexed query (filing.institution_id, LEFT JOIN scopes on filing_id).
def filing_specs_for_institution(institution_id: int) -> list[domain.FilingSpec]:
    """Every filing of the institution with its scope entries, as plain specs for check_batch_in_scope."""
    rows = (
        Filing.objects.filter(institution_id=institution_id)
        .order_by("id", "scopes__id")
        .values_list(
            "id",
            "number",
            "status",
            "valid_from",
            "valid_until",
            "scopes__id",
            "scopes__occupation_id",
            "scopes__work_type",
            "scopes__levels",
            "scopes__start_date",
            "scopes__ended_on",
        )
    )
    filings: dict[int, dict] = {}
    for fid, number, status, vfrom, vuntil, sid, occ, wt, levels, start, ended in rows:
        entry = filings.setdefault(
            fid,
            {
                "id": fid,
                "number": number,
                "status": status,
                "valid_from": vfrom,
                "valid_until": vuntil,
                "scopes": [],
            },
        )
        if sid is not None:
            entry["scopes"].append(
                domain.ScopeSpec(
                    id=sid,
                    occupation_id=occ,
                    work_type=wt or "",
                    levels=tuple(levels or ()),
                    start_date=start,
                    ended_on=ended,
                )
            )
    return [domain.FilingSpec(**{**e, "scopes": tuple(e["scopes"])}) for e in filings.values()]


# ---------------------------------------------------------------------------------------------------------
# Examiners for the batch form's picker (people are read here only to schedule batches)
EXAMINER_SEARCH_LIMIT = 20


def _cards_prefetch() -> Prefetch:
    from dudao.people.models import ExaminerCard

    return Prefetch("cards", queryset=ExaminerCard.objects.order_by("-issued_on", "-id"))


def examiner_candidates(
    institution: Institution,
    *,
    q: str = "",
    occupation: int | None = None,
    exclude: Any = (),
    limit: int = EXAMINER_SEARCH_LIMIT,
) -> list:
    """Active examiners holding a valid card for `occupation` (or for any occupation of the institution's
    open active filing scope), matching `q` by name or card number; at most `limit`, by name."""
    from dudao.people.models import Examiner, ExaminerCardScope

    if occupation is None:
        occupation_ids: Any = FilingScope.objects.filter(
            filing__institution=institution, ended_on=None, filing__status=Filing.Status.ACTIVE
        ).values_list("occupation_id", flat=True)
    else:
        occupation_ids = [occupation]
    covering = ExaminerCardScope.objects.filter(
        card__examiner=OuterRef("pk"), card__status="valid", occupation_id__in=occupation_ids
    )
    qs = Examiner.objects.filter(Exists(covering), is_active=True)
    q = (q or "").strip()
    if q:
        from dudao.people.models import ExaminerCard

        by_card = ExaminerCard.objects.filter(examiner=OuterRef("pk"), number__icontains=q)
        qs = qs.filter(Q(person__name__icontains=q) | Exists(by_card))
    ids = [pk for pk in exclude if pk is not None]
    if ids:
        qs = qs.exclude(pk__in=ids)
    qs = qs.select_related("person").prefetch_related(_cards_prefetch()).order_by("person__name", "id")
    return list(qs[:limit])


def _cards_label(examiner) -> str:
    cards = list(examiner.cards.all())
    valid = [c.number for c in cards if c.status == "valid"]
    if valid:
        return "证卡 " + "、".join(valid)
    if cards:
        return "证卡 " + "、".join(f"{c.number}({c.get_status_display()})" for c in cards)
    return "无证卡"


def examiner_row(examiner, *, leader: int | None = None, problem: str | None = None) -> dict[str, Any]:
    """What the picker shows of one examiner (name, 高级, card numbers, and why it may not examine)."""
    return {
        "pk": examiner.pk,
        "name": examiner.person.name,
        "senior": examiner.senior,
        "cards": _cards_label(examiner),
        "leader": leader is not None and examiner.pk == leader,
        "problem": problem,
    }


def examiner_rows(ids: Any, *, leader: int | None = None) -> list[dict[str, Any]]:
    """Picker rows of the chosen examiners, in the order chosen (unknown ids are skipped)."""
    from dudao.people.models import Examiner

    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {
        e.pk: e
        for e in Examiner.objects.filter(pk__in=wanted)
        .select_related("person")
        .prefetch_related(_cards_prefetch())
    }
    return [examiner_row(found[pk], leader=leader) for pk in wanted if pk in found]
