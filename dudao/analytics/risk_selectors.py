"""Inputs of the risk score (dudao.analytics.risk) read from the database, scoped by user (RAND-1).

One aggregate query per source (flags, findings, penalties, complaints, rectifications), each counting
every item and age band at once with filtered COUNTs, so scoring a whole region takes five queries
whatever its size (plus one for the institutions themselves when asked by region).

Who sees a score: authority staff and administrators (and the superuser) for the institutions in their
region. Institutions do not see their own score: its parts count open data-comparison flags and
complaints still under investigation, and telling an institution that it is being looked at would
defeat the unannounced checks (ACT-3). The public never sees a score; a published draw shows only each
target's weight, which is all anyone needs to re-run it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_superuser
from dudao.common.errors import NotFound, PermissionDenied, ValidationFailed
from dudao.complaints.models import Complaint
from dudao.registry.models import Institution, Region
from dudao.registry.selectors import institutions_for
from dudao.supervision.models import Finding, Penalty, Rectification

from . import risk
from .models import Flag


def may_see_risk(user) -> bool:
    """Authority roles and the superuser; never institutions, supervisors or the public."""
    return bool(is_superuser(user) or is_authority_user(user))


def _band_q(field: str, starts: tuple[dt.date, ...], band: int) -> Q:
    q = Q(**{f"{field}__gte": starts[band]})
    if band:
        q &= Q(**{f"{field}__lt": starts[band - 1]})
    return q


def _count(
    qs, institution_field: str, items: dict[str, tuple[Q, str]], starts, ids: list[int]
) -> dict[int, dict[str, list[int]]]:
    """{institution id: {item: [count per band]}} from one aggregate query over `qs`."""
    annotations = {}
    for key, (condition, date_field) in items.items():
        for band in range(len(risk.DECAY)):
            annotations[f"{key}__{band}"] = Count("pk", filter=condition & _band_q(date_field, starts, band))
    horizon = Q()
    for _key, (_condition, date_field) in items.items():
        horizon |= Q(**{f"{date_field}__gte": starts[-1]})
    rows = (
        qs.filter(**{f"{institution_field}__in": ids})
        .filter(horizon)
        .values(institution_field)
        .order_by()
        .annotate(**annotations)
    )
    out: dict[int, dict[str, list[int]]] = {}
    for row in rows:
        counts = out.setdefault(row[institution_field], {})
        for key in items:
            counts[key] = [row[f"{key}__{band}"] for band in range(len(risk.DECAY))]
    return out


def risk_inputs(institution_ids: Iterable[int], as_of: dt.date) -> dict[int, dict[str, list[int]]]:
    """Counts per item and age band for each institution (five queries; not scoped: callers scope)."""
    ids = sorted(set(institution_ids))
    result = {pk: risk.empty_counts() for pk in ids}
    if not ids:
        return result
    starts = risk.band_starts(as_of)
    F, C, R = Flag.Status, Complaint.Status, Rectification.Status
    sources = [
        (
            Flag.objects.all(),
            "institution_id",
            {
                "flag_open": (Q(status=F.OPEN), "created_at__date"),
                "flag_confirmed": (Q(status=F.CONFIRMED), "created_at__date"),
            },
        ),
        (
            Finding.objects.all(),
            "task__institution_id",
            {
                f"finding_{severity}": (Q(severity=severity), "task__ends_at__date")
                for severity in ("minor", "major", "serious")
            },
        ),
        (
            Penalty.objects.all(),
            "institution_id",
            {f"penalty_{kind}": (Q(kind=kind), "decided_at__date") for kind in Penalty.Kind.values},
        ),
        (
            Complaint.objects.all(),
            "institution_id",
            {
                "complaint_pending": (
                    Q(finding="") & ~Q(status__in=[C.DECLINED, C.CLOSED]),
                    "received_at__date",
                ),
                "complaint_verified": (Q(finding=Complaint.Finding.VERIFIED), "found_at__date"),
            },
        ),
        (
            Rectification.objects.all(),
            "task__institution_id",
            {
                "rectification_late": (Q(overdue=True), "due_on"),
                "rectification_failed": (Q(status=R.FAILED), "due_on"),
                "rectification_missed": (Q(status=R.ORDERED, due_on__lt=as_of), "due_on"),
            },
        ),
    ]
    for qs, field, items in sources:
        for pk, counts in _count(qs, field, items, starts, ids).items():
            result[pk].update(counts)
    return result


def scoring_day() -> dt.date:
    """Today in the project's time zone (Asia/Shanghai)."""
    return timezone.localdate()


def risk_scores(institution_ids: Iterable[int], as_of: dt.date | None = None) -> dict[int, risk.RiskScore]:
    """The score of each institution (not scoped: callers scope; the draw snapshot uses it)."""
    day = as_of or scoring_day()
    return {pk: risk.risk_score(counts) for pk, counts in risk_inputs(institution_ids, day).items()}


@dataclass(frozen=True, slots=True)
class InstitutionRisk:
    institution: Institution
    score: risk.RiskScore


def _require(user) -> None:
    if not may_see_risk(user):
        raise PermissionDenied("只有主管部门可以查看风险评分")


def risk_for_institution(
    user, institution: Institution | int, as_of: dt.date | None = None
) -> InstitutionRisk:
    """One institution's score for an authority user (NotFound outside their region)."""
    _require(user)
    pk = institution.pk if isinstance(institution, Institution) else institution
    try:
        obj = institutions_for(user).get(pk=pk)
    except (Institution.DoesNotExist, TypeError, ValueError):
        raise NotFound("评价机构不存在") from None
    return InstitutionRisk(obj, risk_scores([obj.pk], as_of)[obj.pk])


def risk_for_region(user, region: str | None = None, as_of: dt.date | None = None) -> list[InstitutionRisk]:
    """Scores of the user's active institutions (optionally under a region code prefix), highest first."""
    _require(user)
    qs = institutions_for(user).filter(is_active=True)
    if region:
        area = Region.objects.filter(code=region).first()
        if area is None:
            raise ValidationFailed("区划代码不存在", detail={"region": ["区划代码不存在"]})
        qs = qs.filter(region__code__startswith=area.prefix)
    institutions = list(qs.order_by("pk"))
    scores = risk_scores([i.pk for i in institutions], as_of)
    rows = [InstitutionRisk(i, scores[i.pk]) for i in institutions]
    rows.sort(key=lambda r: (-r.score.score, r.institution.pk))
    return rows
