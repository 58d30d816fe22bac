"""Reads of the renewals app, scoped by the user (permissions.py) and N+1-free."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import NotFound
from dudao.common.models import AuditEvent
from dudao.notifications import recipients
from dudao.registry import selectors as registry_selectors
from dudao.registry.models import Batch, Filing, FilingScope
from dudao.workdays import selectors as workdays_selectors

from . import domain
from .models import FilingApplication, RenewalApplication, RenewalAttachment, RenewalConfig
from .permissions import user_region_prefix
from .scope_forecast import ScopeForecast, forecast_scope

OBJECT_TYPE = "renewals.renewalapplication"


def applications_for(user: Any) -> QuerySet[RenewalApplication]:
    """Applications the user may see (permissions.py: deciding authority's region, own institution)."""
    qs = RenewalApplication.objects.all()
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        region = Q(authority__region__code__startswith=prefix) if prefix else Q(pk__in=[])
        return qs.filter(region | Q(evaluation_centre_id=user.authority_id))  # two-step: the centre too
    if is_institution_user(user):
        return qs.filter(institution_id=user.institution_id)
    return qs.none()


def filing_applications_for(user: Any) -> QuerySet[FilingApplication]:
    """New filing applications the user may see: authority users of the region, the institution's users."""
    qs = FilingApplication.objects.all()
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return qs.filter(authority__region__code__startswith=prefix) if prefix else qs.none()
    if is_institution_user(user):
        return qs.filter(institution_id=user.institution_id)
    return qs.none()


def filing_application_get(user: Any, pk: Any) -> FilingApplication:
    try:
        return (
            filing_applications_for(user)
            .select_related("institution", "authority", "previous_filing", "filing")
            .get(pk=int(pk))
        )
    except (FilingApplication.DoesNotExist, TypeError, ValueError):
        raise NotFound("备案申请不存在或无权查看") from None


def application_list(
    user: Any,
    *,
    q: str = "",
    status: str = "",
    kind: str = "",
    deadline: str = "",
    institution: int | None = None,
    today: dt.date | None = None,
) -> QuerySet[RenewalApplication]:
    """The queue: filters by keyword (institution, filing number), status, kind and deadline state.

    `deadline`: `overdue` (decision still owed after decide_by), `open` (still awaiting a decision) or ''.
    Ordered by decide_by so the most urgent come first; closed ones after the open ones.
    """
    today = today or timezone.localdate()
    qs = applications_for(user).select_related("institution", "filing", "authority")
    if q:
        qs = qs.filter(Q(institution__name__icontains=q) | Q(filing__number__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if institution:
        qs = qs.filter(institution_id=institution)
    if deadline == "overdue":
        qs = qs.filter(status__in=RenewalApplication.AWAITING_DECISION, decide_by__lt=today)
    elif deadline == "open":
        qs = qs.filter(status__in=RenewalApplication.AWAITING_DECISION)
    return qs.order_by("decided_at", "decide_by", "id")


def application_get(user: Any, pk: Any) -> RenewalApplication:
    """One application in the user's scope (404 otherwise)."""
    qs = applications_for(user).select_related(
        "institution",
        "institution__region",
        "filing",
        "authority",
        "authority__region",
        "applicant",
        "accepted_by",
        "decided_by",
        "evaluation",
        "re_evaluation",
    )
    try:
        return qs.get(pk=pk)
    except (RenewalApplication.DoesNotExist, ValueError, TypeError):
        raise NotFound("延续备案申请不存在或无权查看") from None


def attachments(application: RenewalApplication) -> list[RenewalAttachment]:
    return list(application.attachments.order_by("id"))


def attachment_get(user: Any, application_pk: Any, pk: Any) -> RenewalAttachment:
    application = application_get(user, application_pk)
    row = RenewalAttachment.objects.filter(application=application, pk=pk).first()
    if row is None:
        raise NotFound("材料不存在或无权查看")
    return row


def deadline_label(
    application: RenewalApplication, today: dt.date | None = None, calendar: Any = None
) -> dict[str, Any] | None:
    """Working days left/overdue ("剩余/已逾期 N 个工作日") while the REN-3/REN-4 decision is owed.

    Lists pass one `calendar` for all rows (reading it checks the arrangement table once).
    """
    if not application.awaiting_decision:
        return None
    calendar = calendar or workdays_selectors.calendar()
    status = calendar.deadline_status(today or timezone.localdate(), application.decide_by)
    return {"label": status.label, "overdue": status.overdue, "days": status.days}


def config_for(authority: Any) -> RenewalConfig:
    """The authority's renewal settings (an unsaved default when none was saved)."""
    config = RenewalConfig.objects.filter(authority_id=authority.pk).first()
    return config or RenewalConfig(authority=authority)


def authority_users(authority_id: int) -> QuerySet:
    """Active users of one authority (REN-7: the deciding authority's staff get its renewal messages)."""
    return recipients.authority_users(authority_id)


def evaluator_candidates(application: RenewalApplication) -> QuerySet:
    """Users who may sit in the CQ-RENEWAL evaluation group: authority staff and external supervisors
    of an authority whose region covers the institution (scorecards.permissions.eligible_evaluator)."""
    from dudao.scorecards.permissions import EVALUATOR_ROLES

    User = get_user_model()
    region = application.institution.region_id
    covers = (
        Q(authority__region__kind="province", authority__region__code__startswith=region[:2])
        | Q(authority__region__kind="city", authority__region__code__startswith=region[:4])
        | Q(authority__region__kind="district", authority__region__code=region)
    )
    return (
        User.objects.filter(is_active=True, role__in=EVALUATOR_ROLES, authority__isnull=False)
        .filter(covers)
        .select_related("authority")
        .order_by("role", "pk")
    )


# ---------------------------------------------------------------------------------------------------------
# Inputs of the renewal rules


def filings_for_apply(user: Any) -> QuerySet[Filing]:
    """Filings the user could apply to renew (the institution's, or the deciding authority's)."""
    qs = registry_selectors.filings_for(user).select_related("institution", "authority")
    if is_institution_user(user) and not is_superuser(user):
        qs = qs.filter(institution_id=user.institution_id)
    elif is_authority_user(user) and not is_superuser(user):
        qs = qs.filter(authority_id=user.authority_id)
    return qs.order_by("valid_until", "id")


def original_scope(filing: Filing | int) -> list[domain.ScopeEntry]:
    """The filing's open scope entries (REN-5 input), in a stable order."""
    filing_id = filing.pk if isinstance(filing, Filing) else filing
    rows = (
        FilingScope.objects.filter(filing_id=filing_id, ended_on__isnull=True)
        .select_related("occupation")
        .order_by("occupation__code", "work_type", "id")
    )
    return [
        domain.ScopeEntry(
            id=s.pk,
            occupation_code=s.occupation.code,
            occupation_name=s.occupation.name,
            work_type=s.work_type,
            levels=tuple(sorted(s.levels, reverse=True)),
            start_date=s.start_date,
        )
        for s in rows
    ]


def active_pairs(filing_id: int, start: dt.date, end: dt.date) -> set[tuple[str, str]]:
    """(occupation code, work type) of the filing's batches held in [start, end] (REN-5 "开展认定").

    [interpretation] A batch counts when it is not cancelled and started on a day of the period up to
    `end` (the earlier of the expiry and the decision day): batches still to come were not "开展".
    """
    tz = timezone.get_current_timezone()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    after_last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = (
        Batch.objects.filter(filing_id=filing_id, starts_at__gte=first, starts_at__lt=after_last)
        .exclude(status=Batch.Status.CANCELLED)
        .values_list("occupation__code", "work_type")
        .distinct()
    )
    return {(code, work_type) for code, work_type in rows}


def scheduled_pairs(filing_id: int, after: dt.date, end: dt.date) -> set[tuple[str, str]]:
    """(occupation code, work type) of the filing's batches scheduled after `after` up to `end` (not
    cancelled): evaluations still to be held before the expiry."""
    return active_pairs(filing_id, after + dt.timedelta(days=1), end) if end > after else set()


def scope_forecast(
    filing: Filing,
    requested: list[dict[str, Any]] | None = None,
    *,
    start: dt.date | None = None,
    today: dt.date | None = None,
) -> ScopeForecast:
    """REN-5 forecast for `filing` (issue 9 §3.2): the requested scope (all of it when None) against the
    batches held from the period's start up to today, plus those scheduled before the expiry."""
    original = original_scope(filing)
    if requested is None:
        requested = [
            {"occupation_code": e.occupation_code, "work_type": e.work_type, "levels": list(e.levels)}
            for e in original
        ]
    today = today or timezone.localdate()
    start = start or period_start(filing)
    held_until = min(filing.valid_until, today)
    return forecast_scope(
        original,
        requested,
        active_pairs(filing.pk, start, held_until),
        scheduled_pairs(filing.pk, held_until, filing.valid_until),
    )


def application_forecast(app: RenewalApplication, *, today: dt.date | None = None) -> ScopeForecast:
    return scope_forecast(app.filing, app.materials.get("scope", []), start=app.period_start, today=today)


def period_start(filing: Filing) -> dt.date:
    """Start of the filing's current period: the last renewal's first day, else the filing's start."""
    last = (
        RenewalApplication.objects.filter(filing=filing, status=RenewalApplication.Status.RENEWED)
        .exclude(renewed_from=None)
        .order_by("-renewed_from")
        .values_list("renewed_from", flat=True)
        .first()
    )
    return last or filing.valid_from


def filing_resumed_on(filing: Filing) -> dt.date | None:
    """REN-6: the day the filing last came back to `active` from a suspension or rectification.

    Read from the audit trail of `registry.filing_set_status` (the registry keeps no status history).
    """
    events = AuditEvent.objects.filter(
        object_type="registry.filing", object_id=str(filing.pk), action="registry.filing.set_status"
    ).order_by("-id")[:20]
    for event in events:
        before, after = event.before or {}, event.after or {}
        if after.get("status") == "active" and before.get("status") in ("suspended", "rectifying"):
            return timezone.localtime(event.at).date()
    return None


# ---------------------------------------------------------------------------------------------------------
# Timeline

ACTION_LABELS = {
    "renewals.application.submit": "提交延续备案申请",
    "renewals.application.accept": "受理",
    "renewals.application.not_accept": "不予受理",
    "renewals.application.withdraw": "撤回申请",
    "renewals.application.review": "审核决定(用人单位)",
    "renewals.application.open_evaluation": "发起延续备案评估",
    "renewals.application.reopen_evaluation": "重新发起评估",
    "renewals.application.outcome": "记录评估结果",
    "renewals.application.close_filing": "备案到期处理",
    # Two-step renewal (seed 004 四(一)) and the termination after a missed rectification.
    "renewals.application.centre_result": "评估机构报送评估结果",
    "renewals.application.bureau_review": "审核评估结果",
    "renewals.application.bureau_return": "退回评估结果",
    "renewals.application.terminated": "因终止备案办结",
}


def timeline(application: RenewalApplication) -> list[dict[str, Any]]:
    """The application's audited steps, oldest first, with who did them (display names, one query)."""
    events = list(
        AuditEvent.objects.filter(object_type=OBJECT_TYPE, object_id=str(application.pk)).order_by("id")
    )
    User = get_user_model()
    names = {
        pk: display or username
        for pk, display, username in User.objects.filter(
            pk__in={e.actor_id for e in events if e.actor_id}
        ).values_list("pk", "display_name", "username")
    }
    result = []
    for event in events:
        after = event.after or {}
        result.append(
            {
                "at": event.at,
                "label": ACTION_LABELS.get(event.action, event.action),
                "actor": names.get(
                    event.actor_id, "系统" if event.actor_label == "system" else event.actor_label
                ),
                "status": after.get("status", ""),
                "note": after.get("note", ""),
            }
        )
    return result
