"""FORM-B B8 pre-fill hints from the archives (issue 11 point 7): batches that are over but not archived
(B8.1–B8.3) and records past retention without a destruction plan, or a plan past its day without a
receipt (B8.4). Registered with `dudao.scorecards.prefill` from ArchivesConfig.ready(); the evaluators
still decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dudao.exams.models import ExamPlan
from dudao.scorecards import prefill

from .models import ArchivePackage, DestructionPlan
from .services import due_items, seal_refusal

FORM_B = "CQ-RENEWAL"
LABELS = {"B8.1": "考生申报材料", "B8.2": "试卷及评价过程资料", "B8.3": "证书名册"}


def _points(evaluation: Any, item_id: str, rule: int = 0) -> Decimal:
    rules = evaluation.form.item(item_id).rules
    return rules[rule].points if len(rules) > rule else Decimal(0)


def unarchived_plans(institution_id: int) -> list[ExamPlan]:
    """The institution's plans whose batch is over (sealing allowed) and that have no archive package."""
    today = timezone.localdate()
    plans = ExamPlan.objects.filter(
        batch__institution_id=institution_id, archive__isnull=True
    ).select_related("batch")
    return [p for p in plans if p.status != ExamPlan.Status.DRAFT and seal_refusal(p, today) is None]


def _unarchived(item_id: str):
    def provider(evaluation: Any) -> dict[str, Any] | None:
        plans = unarchived_plans(evaluation.institution_id)
        if not plans:
            return None
        return {
            "suggested_deduction": _points(evaluation, item_id),
            "count": len(plans),
            "note": f"平台记录:{len(plans)} 个已结束的批次尚未归档,{LABELS[item_id]}未形成归档包。",
            "evidence": [
                {"label": f"批次 {p.batch.code}:已结束未归档", "url": reverse("archives:package_list")}
                for p in plans
            ],
        }

    return provider


def destruction_records(evaluation: Any) -> dict[str, Any] | None:
    """B8.4: records past retention with no destruction plan (−0.25); an approved plan past its day without
    a destruction receipt (−0.25)."""
    today = timezone.localdate()
    packages = ArchivePackage.objects.filter(institution_id=evaluation.institution_id)
    due = due_items(packages, today)
    late = DestructionPlan.objects.filter(
        institution_id=evaluation.institution_id, status=DestructionPlan.Status.APPROVED, planned_on__lt=today
    )
    points, evidence, notes = Decimal(0), [], []
    if due:
        points += _points(evaluation, "B8.4", 0)
        notes.append(f"{len(due)} 项档案已过保存期限而没有销毁计划")
        evidence.append({"label": "到期未列入销毁计划的档案", "url": reverse("archives:destruction_list")})
    if late.exists():
        points += _points(evaluation, "B8.4", 1)
        notes.append(f"{late.count()} 个已审批的销毁计划过了计划日期仍无销毁回单")
        evidence.append({"label": "未登记回单的销毁计划", "url": reverse("archives:destruction_list")})
    if not notes:
        return None
    return {"suggested_deduction": points, "note": "平台记录:" + ";".join(notes) + "。", "evidence": evidence}


def register_providers() -> None:
    for item_id in LABELS:
        prefill.register(item_id, _unarchived(item_id), forms=(FORM_B,))
    prefill.register("B8.4", destruction_records, forms=(FORM_B,))
