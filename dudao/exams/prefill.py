"""FORM-B pre-fill providers (issue 11 point 7) of the marking and the national upload: B7.2 (batches
whose published marks a re-check changed), B7.3 (batches with a session without a signed score book), C4.2
(certificate numbers generated more than six months ago and not uploaded, or uploaded late) and C4.3
(uploads the national system rejected for wrong information), each with links to the batch's records.
Registered with `dudao.scorecards.prefill` from ExamsConfig.ready(); the evaluators still decide."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dudao.scorecards import prefill

from .models import ExamPlan, ExamSession, Marking, Objection
from .selectors_uploads import institution_noncompliant_plans, institution_rejected_plans

FORM_B = "CQ-RENEWAL"


def _per_occurrence(evaluation: Any, item_id: str) -> Decimal:
    rules = evaluation.form.item(item_id).rules
    return rules[0].points if rules else Decimal(1)


def _link(plan: Any) -> str:
    return reverse("exams:results", args=[plan.pk]) + "#uploads"


def timely_upload(evaluation: Any) -> dict[str, Any] | None:
    """C4.2: −1 per batch with numbers generated more than six months ago and not uploaded (or late)."""
    rows = institution_noncompliant_plans(evaluation.institution_id, timezone.localdate())
    if not rows:
        return None
    evidence = []
    for plan, state in rows:
        detail = f"{state.overdue} 本超期未上报" if state.status == "overdue" else f"{state.late} 本逾期上报"
        evidence.append({"label": f"批次 {plan.batch.code}:{state.label}({detail})", "url": _link(plan)})
    return {
        "suggested_deduction": _per_occurrence(evaluation, "C4.2") * len(rows),
        "count": len(rows),
        "note": f"平台记录:{len(rows)} 个批次证书编号生成超过 6 个月未上报或逾期上报。",
        "evidence": evidence,
    }


def accurate_upload(evaluation: Any) -> dict[str, Any] | None:
    """C4.3: −1 per batch whose upload was rejected for wrong information."""
    rows = institution_rejected_plans(evaluation.institution_id)
    if not rows:
        return None
    evidence = [
        {
            "label": (
                f"批次 {plan.batch.code}:被退回 {len(uploads)} 次(最近原因:{uploads[-1].reject_reason[:60]})"
            ),
            "url": _link(plan),
        }
        for plan, uploads in rows
    ]
    return {
        "suggested_deduction": _per_occurrence(evaluation, "C4.3") * len(rows),
        "count": len(rows),
        "note": f"平台记录:{len(rows)} 个批次的证书信息因上报信息有误被国家平台退回。",
        "evidence": evidence,
    }


# B7 looks at the batches whose results were published within the year before the evaluation (the form
# samples "每年抽查 1 个批次"); the platform shows which ones to look at first.
B7_WINDOW_DAYS = 365


def _published_plans(evaluation: Any):
    since = timezone.now() - dt.timedelta(days=B7_WINDOW_DAYS)
    return (
        ExamPlan.objects.filter(
            batch__institution_id=evaluation.institution_id, publication__published_at__gte=since
        )
        .select_related("batch")
        .order_by("publication__published_at")
    )


def tally_accuracy(evaluation: Any) -> dict[str, Any] | None:
    """B7.2 (统分登分准确): batches where a re-check changed a published mark (an objection upheld)."""
    plans = [
        p
        for p in _published_plans(evaluation)
        if Objection.objects.filter(registration__plan=p, status=Objection.Status.UPHELD).exists()
    ]
    if not plans:
        return None
    return {
        "suggested_deduction": _per_occurrence(evaluation, "B7.2") * len(plans),
        "count": len(plans),
        "note": f"平台记录:{len(plans)} 个批次公示后经复核更正了成绩,请核对其统分登分记录。",
        "evidence": [
            {
                "label": f"批次 {p.batch.code}:复核更正成绩",
                "url": reverse("exams:results", args=[p.pk]) + "#objections",
            }
            for p in plans
        ],
    }


def signed_score_books(evaluation: Any) -> dict[str, Any] | None:
    """B7.3 (考评员、统分员按规定签名, EXAM-6): published batches with a session whose marks have no score
    book signed by the markers and the tallier on the platform (marked on paper or entered by form): the
    paper score books are to be checked."""
    rows = []
    for plan in _published_plans(evaluation):
        sessions = ExamSession.objects.filter(plan=plan)
        unsigned = sessions.exclude(marking__status=Marking.Status.SIGNED).count()
        if unsigned:
            rows.append((plan, unsigned))
    if not rows:
        return None
    return {
        "suggested_deduction": _per_occurrence(evaluation, "B7.3") * len(rows),
        "count": len(rows),
        "note": (
            f"平台记录:{len(rows)} 个批次有场次没有考评员和统分员签字的电子评分册,请查阅纸质评分表的签名。"
        ),
        "evidence": [
            {
                "label": f"批次 {plan.batch.code}:{n} 个场次无签字评分册",
                "url": reverse("exams:plan_marking", args=[plan.pk]),
            }
            for plan, n in rows
        ],
    }


def register_providers() -> None:
    prefill.register("C4.2", timely_upload, forms=(FORM_B,))
    prefill.register("C4.3", accurate_upload, forms=(FORM_B,))
    prefill.register("B7.2", tally_accuracy, forms=(FORM_B,))
    prefill.register("B7.3", signed_score_books, forms=(FORM_B,))
