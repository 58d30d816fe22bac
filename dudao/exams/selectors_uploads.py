"""Reads of the national upload of certificate information (CERT-3; FORM-B C4.2/C4.3), scoped by user.

Who oversees a plan (its institution, the authority by region, its supervisors) reads its uploads and their
status; the authority's list shows its region's batches with certificates and their six-month check."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from dudao.common.errors import NotFound

from .domain import upload as rules
from .models import Certificate, CertificateUpload, ExamPlan
from .selectors import batch_scope


def overseen_plans(user: Any) -> QuerySet[ExamPlan]:
    """Plans the user oversees as a whole (not an examiner who only staffs a room)."""
    q = batch_scope(user, "batch__")
    return ExamPlan.objects.all() if q is None else ExamPlan.objects.filter(q)


def uploads_for(user: Any) -> QuerySet[CertificateUpload]:
    """Uploads of the plans the user oversees; the encrypted file is not read by lists."""
    q = batch_scope(user, "plan__batch__")
    qs = CertificateUpload.objects.defer("content").select_related("exported_by", "decided_by")
    return qs if q is None else qs.filter(q)


def upload_get(user: Any, pk: Any) -> CertificateUpload:
    """One upload in the user's scope (with its file); out of scope and missing are the same 404."""
    q = batch_scope(user, "plan__batch__")
    qs = CertificateUpload.objects.select_related("plan__batch__institution")
    qs = qs if q is None else qs.filter(q)
    try:
        return qs.get(pk=int(pk))
    except (ValueError, TypeError, CertificateUpload.DoesNotExist):
        raise NotFound("上报批次不存在或无权查看") from None


def compliance_by_plan(plan_ids: Any, today: dt.date | None = None) -> dict[int, rules.BatchCompliance]:
    """C4.2 of each plan (one grouped query over its certificates): plan id → BatchCompliance."""
    today = today or timezone.localdate()
    states: dict[int, list[rules.CertificateState]] = defaultdict(list)
    rows = (
        Certificate.objects.filter(registration__plan_id__in=plan_ids)
        .annotate(uploaded_on=TruncDate("uploaded_at"))
        .values("registration__plan_id", "issued_on", "upload", "uploaded_on")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        uploaded = row["uploaded_on"] if row["upload"] == Certificate.Upload.UPLOADED else None
        states[row["registration__plan_id"]].extend(
            repeat(rules.CertificateState(row["issued_on"], uploaded), row["n"])
        )
    return {pid: rules.batch_compliance(s, today) for pid, s in states.items()}


def plan_compliance(plan: ExamPlan, today: dt.date | None = None) -> rules.BatchCompliance:
    return compliance_by_plan([plan.pk], today).get(plan.pk) or rules.batch_compliance(
        [], today or timezone.localdate()
    )


@dataclass
class BatchUploadRow:
    """One batch (plan) with certificates on the upload list."""

    plan: ExamPlan
    compliance: rules.BatchCompliance
    latest: CertificateUpload | None
    rejected_wrong_data: int


def batch_plans(
    user: Any, *, status: str = "", q: str = "", today: dt.date | None = None
) -> QuerySet[ExamPlan]:
    """The plans with certificates the user oversees, annotated with their C4.2 state in SQL (`is_overdue`,
    `is_late`, `is_pending`), non-compliant first then newest; `status` filters ("noncompliant" = overdue or
    late, or one of overdue / late / pending / uploaded). Paginate it, then `batch_rows` for the page."""
    today = today or timezone.localdate()
    plan_certs = Certificate.objects.filter(registration__plan=OuterRef("pk"))
    pending = plan_certs.filter(upload=Certificate.Upload.PENDING)
    plans = (
        overseen_plans(user)
        .filter(Exists(plan_certs))
        .annotate(
            is_overdue=Exists(pending.filter(issued_on__lt=rules.overdue_cutoff(today))),
            is_late=Exists(
                CertificateUpload.objects.filter(
                    plan=OuterRef("pk"), status=CertificateUpload.Status.UPLOADED, late_count__gt=0
                )
            ),
            is_pending=Exists(pending),
        )
    )
    if q:
        plans = plans.filter(Q(batch__code__startswith=q) | Q(batch__institution__name__contains=q))
    noncompliant = Q(is_overdue=True) | Q(is_late=True)
    plans = {
        "noncompliant": lambda: plans.filter(noncompliant),
        "overdue": lambda: plans.filter(is_overdue=True),
        "late": lambda: plans.filter(is_overdue=False, is_late=True),
        "pending": lambda: plans.filter(is_overdue=False, is_late=False, is_pending=True),
        "uploaded": lambda: plans.filter(is_late=False, is_pending=False),
    }.get(status, lambda: plans)()
    order = Case(When(noncompliant, then=Value(0)), default=Value(1), output_field=IntegerField())
    return plans.select_related("batch__institution", "batch__occupation").order_by(order, "-id")


def batch_counts(user: Any, today: dt.date | None = None) -> dict[str, int]:
    """How many of the user's batches fail C4.2 today and how many are pending (the list's badges)."""
    return {
        "noncompliant": batch_plans(user, status="noncompliant", today=today).count(),
        "pending": batch_plans(user, status="pending", today=today).count(),
    }


def batch_rows(plans: Any, today: dt.date | None = None) -> list[BatchUploadRow]:
    """The page's plans with their full C4.2 state, latest upload and rejections for wrong information."""
    today = today or timezone.localdate()
    plan_list = list(plans)
    ids = [p.pk for p in plan_list]
    compliance = compliance_by_plan(ids, today)
    latest: dict[int, CertificateUpload] = {}
    for upload in (
        CertificateUpload.objects.defer("content").filter(plan_id__in=ids).order_by("exported_at", "id")
    ):
        latest[upload.plan_id] = upload
    wrong = dict(
        CertificateUpload.objects.filter(
            plan_id__in=ids, status=CertificateUpload.Status.REJECTED, wrong_data=True
        )
        .values_list("plan_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    empty = rules.batch_compliance([], today)
    return [
        BatchUploadRow(p, compliance.get(p.pk, empty), latest.get(p.pk), wrong.get(p.pk, 0))
        for p in plan_list
    ]


def batches(
    user: Any, *, status: str = "", q: str = "", today: dt.date | None = None
) -> list[BatchUploadRow]:
    """All rows of `batch_plans` (tests and small scopes; pages paginate `batch_plans` first)."""
    return batch_rows(batch_plans(user, status=status, q=q, today=today), today)


def institution_noncompliant_plans(
    institution_id: int, today: dt.date | None = None
) -> list[tuple[ExamPlan, rules.BatchCompliance]]:
    """The institution's plans failing C4.2 today (the FORM-B prefill's evidence)."""
    plans = list(
        ExamPlan.objects.filter(
            batch__institution_id=institution_id, registrations__certificate__isnull=False
        )
        .distinct()
        .select_related("batch")
        .order_by("id")
    )
    compliance = compliance_by_plan([p.pk for p in plans], today)
    return [(p, compliance[p.pk]) for p in plans if p.pk in compliance and not compliance[p.pk].compliant]


def institution_rejected_plans(institution_id: int) -> list[tuple[ExamPlan, list[CertificateUpload]]]:
    """The institution's plans with an upload rejected for wrong information (FORM-B C4.3)."""
    grouped: dict[int, list[CertificateUpload]] = defaultdict(list)
    plans: dict[int, ExamPlan] = {}
    for upload in (
        CertificateUpload.objects.defer("content")
        .filter(
            plan__batch__institution_id=institution_id,
            status=CertificateUpload.Status.REJECTED,
            wrong_data=True,
        )
        .select_related("plan__batch")
        .order_by("plan_id", "exported_at")
    ):
        grouped[upload.plan_id].append(upload)
        plans[upload.plan_id] = upload.plan
    return [(plans[pid], grouped[pid]) for pid in sorted(grouped)]
