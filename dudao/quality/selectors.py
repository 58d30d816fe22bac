"""Reads of quality reports, scoped by user, and the gathering of the indicator inputs (QUAL-1) from the
registry, exams, supervision and complaints records of a region and period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import NotFound
from dudao.complaints.models import Complaint
from dudao.exams.domain.upload import add_months
from dudao.exams.models import Certificate, ExamResult
from dudao.people.models import CardStatus, Examiner, ExaminerCard
from dudao.registry.models import Batch, Institution, Region
from dudao.registry.permissions import user_region_prefix
from dudao.supervision.models import Finding, Rectification, SupervisionTask

from . import domain
from .models import CampaignEntry, QualityCampaign, QualityReport, QualityResponse


def reports_for(user: Any) -> QuerySet[QualityReport]:
    """Superusers: all; authority users: reports of authorities in their region; institution users:
    published or closed reports of the authorities whose region covers the institution; others: none."""
    qs = QualityReport.objects.select_related("authority", "authority__region", "created_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return qs.filter(authority__region__code__startswith=prefix) if prefix else qs.none()
    if is_institution_user(user):
        code = user.institution.region_id
        covering = (
            Q(authority__region__kind=Region.Kind.PROVINCE, authority__region__code__startswith=code[:2])
            | Q(authority__region__kind=Region.Kind.CITY, authority__region__code__startswith=code[:4])
            | Q(authority__region__kind=Region.Kind.DISTRICT, authority__region__code=code)
        )
        listed = Q(institution_keys__contains=f",{user.institution_id},")
        return qs.filter(covering, listed).exclude(status=QualityReport.Status.DRAFT)
    return qs.none()


def report_get(user: Any, pk: Any) -> QualityReport:
    try:
        report = reports_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, QualityReport.DoesNotExist):
        raise NotFound("质量通报不存在或无权查看") from None
    if is_institution_user(user) and report.row_of(user.institution_id) is None:
        raise NotFound("质量通报不存在或无权查看")
    return report


def responses_of(report: QualityReport) -> dict[int, QualityResponse]:
    """The institutions' answers by institution id."""
    return {
        r.institution_id: r
        for r in QualityResponse.objects.filter(report=report).select_related("responded_by", "decided_by")
    }


def institutions_in(prefix: str) -> QuerySet[Institution]:
    """Active institutions of the region (prefix of the GB/T 2260 code) and below."""
    return Institution.objects.filter(region__code__startswith=prefix, is_active=True).order_by("name", "id")


def _local_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )


def gather_inputs(prefix: str, start: dt.date, end: dt.date, as_of: dt.date) -> list[domain.Inputs]:
    """The indicator inputs of every active institution in the region for [start, end] (local dates).

    Batches held: not cancelled, starting in the period. Pass rate: judged results of their registrations.
    Coverage: those batches with a supervision task that was not cancelled. Findings: problems recorded on
    the institution's tasks starting in the period. Rectifications: rounds due in the period, on time when
    passed and not submitted late. Complaints: received in the period."""
    since, until = _local_range(start, end)
    institutions = list(institutions_in(prefix).values_list("id", "name"))
    ids = [pk for pk, _ in institutions]
    batches = Batch.objects.filter(institution_id__in=ids, starts_at__gte=since, starts_at__lt=until).exclude(
        status=Batch.Status.CANCELLED
    )
    held = {
        row["institution_id"]: row
        for row in batches.values("institution_id").annotate(n=Count("id"), candidates=Sum("candidate_count"))
    }
    supervised = dict(
        SupervisionTask.objects.filter(batch__in=batches)
        .exclude(status=SupervisionTask.Status.CANCELLED)
        .values("batch__institution_id")
        .annotate(n=Count("batch_id", distinct=True))
        .values_list("batch__institution_id", "n")
    )
    results = {
        row["registration__plan__batch__institution_id"]: row
        for row in ExamResult.objects.filter(registration__plan__batch__in=batches, passed__isnull=False)
        .values("registration__plan__batch__institution_id")
        .annotate(n=Count("id"), passed=Count("id", filter=Q(passed=True)))
    }
    findings: dict[int, dict[str, int]] = defaultdict(dict)
    for inst, severity, n in (
        Finding.objects.filter(
            task__institution_id__in=ids,
            task__starts_at__gte=since,
            task__starts_at__lt=until,
            severity__in=domain.SEVERITIES,
        )
        .exclude(task__status=SupervisionTask.Status.CANCELLED)
        .values_list("task__institution_id", "severity")
        .annotate(n=Count("id"))
    ):
        findings[inst][severity] = n
    rectifications = {
        row["task__institution_id"]: row
        for row in Rectification.objects.filter(
            task__institution_id__in=ids, due_on__gte=start, due_on__lte=end
        )
        .values("task__institution_id")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(status=Rectification.Status.PASSED, overdue=False)),
        )
    }
    not_accepted = [Complaint.Status.RECEIVED, Complaint.Status.DECLINED]
    complaints = {
        row["institution_id"]: row
        for row in Complaint.objects.filter(
            institution_id__in=ids, received_at__gte=since, received_at__lt=until
        )
        .values("institution_id")
        .annotate(
            n=Count("id"),
            accepted=Count("id", filter=~Q(status__in=not_accepted)),
            verified=Count("id", filter=Q(finding=Complaint.Finding.VERIFIED)),  # COMPL-3
        )
    }
    certificates: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    # a superset by issue date (deadline = issued + 6 months, month ends clamp), judged exactly in the domain
    low, high = add_months(start, -6) - dt.timedelta(days=4), add_months(end, -6) + dt.timedelta(days=4)
    for inst, issued_on, uploaded_at in Certificate.objects.filter(
        institution_id__in=ids, issued_on__gte=low, issued_on__lte=high
    ).values_list("institution_id", "issued_on", "uploaded_at"):
        uploaded_on = timezone.localtime(uploaded_at).date() if uploaded_at else None
        certificates[inst].append((issued_on, uploaded_on))
    out = []
    for pk, name in institutions:
        b, r, c, k = held.get(pk, {}), results.get(pk, {}), complaints.get(pk, {}), rectifications.get(pk, {})
        due, on_time = domain.certificate_counts(certificates.get(pk, []), start, end, as_of)
        out.append(
            domain.Inputs(
                institution_id=pk,
                name=name,
                batches=b.get("n", 0),
                candidates=b.get("candidates") or 0,
                results=r.get("n", 0),
                passed=r.get("passed", 0),
                supervised_batches=supervised.get(pk, 0),
                findings=dict(findings.get(pk, {})),
                rectifications_due=k.get("n", 0),
                rectifications_on_time=k.get("on_time", 0),
                complaints_received=c.get("n", 0),
                complaints_accepted=c.get("accepted", 0),
                complaints_verified=c.get("verified", 0),
                certificates_due=due,
                certificates_on_time=on_time,
            )
        )
    return out


# ------------------------------------------------------------------ yearly inspection campaign (QUAL-3)


def campaigns_for(user: Any) -> QuerySet[QualityCampaign]:
    """Superusers: all; authority users: the campaigns of authorities in their region; others: none
    (an institution reaches its own self-inspection through `entries_for`)."""
    qs = QualityCampaign.objects.select_related("authority", "authority__region", "form_version")
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return qs.filter(authority__region__code__startswith=prefix) if prefix else qs.none()
    return qs.none()


def campaign_get(user: Any, pk: Any) -> QualityCampaign:
    try:
        return campaigns_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, QualityCampaign.DoesNotExist):
        raise NotFound("年度质量检查不存在或无权查看") from None


def entries_for(user: Any) -> QuerySet[CampaignEntry]:
    """An institution user's self-inspection tasks (campaigns opened, not drafts); others: none."""
    if not is_institution_user(user):
        return CampaignEntry.objects.none()
    return (
        CampaignEntry.objects.filter(institution_id=user.institution_id)
        .exclude(campaign__status=QualityCampaign.Status.DRAFT)
        .select_related("campaign", "campaign__authority", "campaign__form_version", "institution")
        .order_by("-campaign__year", "-id")
    )


def entry_get(user: Any, pk: Any) -> CampaignEntry:
    """An entry the user may see: its institution's users, or the authority users who see the campaign."""
    try:
        pk = int(pk)
        if is_institution_user(user):
            return entries_for(user).get(pk=pk)
        return CampaignEntry.objects.select_related("campaign", "institution", "evaluation").get(
            pk=pk, campaign__in=campaigns_for(user)
        )
    except (ValueError, TypeError, OverflowError, CampaignEntry.DoesNotExist):
        raise NotFound("自查任务不存在或无权查看") from None


def examiner_card_check(institution_id: int, year: int, today: dt.date) -> list[dict]:
    """The yearly check of the examiners' cards (QUAL-3): the examiners who sat in the institution's batches
    starting in `year` whose card is missing, expired or expiring on `today` (the latest valid card of
    each examiner counts), by name."""
    examiner_ids = set(
        Batch.objects.filter(institution_id=institution_id, starts_at__year=year)
        .exclude(status=Batch.Status.CANCELLED)
        .values_list("examiners", flat=True)
    ) - {None}
    out = []
    for examiner in Examiner.objects.filter(pk__in=examiner_ids).select_related("person"):
        card = (
            ExaminerCard.objects.filter(examiner=examiner, status=CardStatus.VALID)
            .order_by("-valid_until", "-id")
            .first()
        )
        state = domain.card_state(card.valid_until if card else None, today)
        if state != "ok":
            out.append(
                {
                    "examiner_id": examiner.pk,
                    "name": examiner.person.name,
                    "card": card.number if card else "",
                    "valid_until": card.valid_until.isoformat() if card else None,
                    "state": state,
                    "state_label": domain.CARD_STATE_LABELS[state],
                }
            )
    return sorted(out, key=lambda r: (r["name"], r["examiner_id"]))


def _external(entry: CampaignEntry) -> Decimal | None:
    ev = entry.evaluation
    return ev.total if ev is not None and ev.status == "signed" else None


def campaign_results(campaign: QualityCampaign) -> list[dict]:
    """Per institution: self score (and whether late or missing), whether drawn, the external score once the
    evaluation is signed, the gap (external − self) and the examiners whose cards failed the check."""
    form = campaign.form_version.form
    rows = []
    for e in CampaignEntry.objects.filter(campaign=campaign).select_related("institution", "evaluation"):
        external = _external(e)
        band = form.band_for(external).label_zh if external is not None else ""
        rows.append(
            {
                "entry_id": e.pk,
                "institution_id": e.institution_id,
                "name": e.institution.name,
                "self_total": e.self_total,
                "self_submitted": e.self_submitted_at is not None,
                "self_late": e.self_late,
                "answered": len(e.answers),
                "sampled": e.sampled,
                "evaluation_id": e.evaluation_id,
                "evaluation_status": e.evaluation.get_status_display() if e.evaluation else "",
                "external_total": external,
                "external_band": band,
                "external_failing": external is not None and external < FAILING_BELOW,
                "gap": domain.gap(e.self_total, external),
                "cards": e.card_check,
            }
        )
    return sorted(rows, key=lambda r: (r["name"], r["institution_id"]))


FAILING_BELOW = Decimal(60)  # FORM-A band 差 is [0, 60)


def campaign_results_for_report(authority_id: int, year: int) -> dict[int, dict]:
    """The closed campaign of the authority for `year`, as plain JSON per institution for the 通报 rows
    (QUAL-3 results feeding QUAL-1); empty when there is none."""
    campaign = QualityCampaign.objects.filter(
        authority_id=authority_id, year=year, status=QualityCampaign.Status.CLOSED
    ).first()
    if campaign is None:
        return {}

    def text(value: Decimal | None) -> str | None:
        return None if value is None else f"{Decimal(value).quantize(domain.CENT)}"

    return {
        r["institution_id"]: {
            "campaign_id": campaign.pk,
            "title": campaign.title,
            "self_total": text(r["self_total"]),
            "self_submitted": r["self_submitted"],
            "self_late": r["self_late"],
            "sampled": r["sampled"],
            "external_total": text(r["external_total"]),
            "external_band": r["external_band"],
            "external_failing": r["external_failing"],
            "gap": text(r["gap"]),
            "cards": len(r["cards"]),
        }
        for r in campaign_results(campaign)
    }
