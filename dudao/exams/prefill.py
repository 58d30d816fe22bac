"""FORM-B pre-fill providers of the national upload (issue 11 point 7): C4.2 (batches whose certificate
numbers were generated more than six months ago and not uploaded, or uploaded late) and C4.3 (batches whose
upload the national system rejected for wrong information), with links to each batch's 上报 section.
Registered with `dudao.scorecards.prefill` from ExamsConfig.ready(); the evaluators still decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dudao.scorecards import prefill

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


def register_providers() -> None:
    prefill.register("C4.2", timely_upload, forms=(FORM_B,))
    prefill.register("C4.3", accurate_upload, forms=(FORM_B,))
