"""Reads of the yearly cycle (ACT-6): annual plans and summaries in the user's scope, the year's window, and
the figures of a year computed from the existing records (draws, tasks, findings, rectifications,
penalties, complaints). Nothing here writes.

Scope: authority users see the plans and summaries of the authorities of their region and below; superusers
all; institution users, supervisors and examiners none (the pages and the API answer 404).

A year counts what happened from 1 January 00:00 to 31 December 24:00 (Asia/Shanghai): a task by its start,
a draw by the moment it was run, a penalty by its decision, a complaint by its receipt.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_superuser
from dudao.common.writes import visible_or_404
from dudao.registry.models import Authority

from . import workflow
from .models import Draw, Finding, Penalty, Rectification, SupervisionTask, TaskKind
from .models_plans import AnnualPlan, AnnualSummary
from .permissions import user_prefix

# ACT-5: the forms of supervision a plan may schedule (self-inspection first, then the external one).
PLAN_ITEMS: dict[str, str] = {
    "onsite": "现场督导",
    "regular": "经常性检查",
    "self_inspection": "机构自查",
    "external_inspection": "外查",
}
QUARTERS = (1, 2, 3, 4)
DONE_STATUSES = (SupervisionTask.Status.CLOSED, SupervisionTask.Status.ESCALATED)
HELD_DRAWS = (Draw.Status.RUN, Draw.Status.LOCKED)


def year_window(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 January 00:00, next 1 January 00:00) of `year` in the local time zone."""
    return (
        timezone.make_aware(dt.datetime(year, 1, 1)),
        timezone.make_aware(dt.datetime(year + 1, 1, 1)),
    )


def _scope(user) -> Q | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if is_superuser(user):
        return Q()
    if is_authority_user(user):
        prefix = user_prefix(user)
        return Q(authority__region__code__startswith=prefix) if prefix else None
    return None


def plans_for(user) -> QuerySet[AnnualPlan]:
    scope = _scope(user)
    qs = AnnualPlan.objects.select_related("authority", "authority__region", "previous")
    return qs.filter(scope) if scope is not None else qs.none()


def summaries_for(user) -> QuerySet[AnnualSummary]:
    scope = _scope(user)
    qs = AnnualSummary.objects.select_related("authority", "authority__region", "plan")
    return qs.filter(scope) if scope is not None else qs.none()


def plan_list(user, *, year: int | None = None, status: str = "") -> QuerySet[AnnualPlan]:
    qs = plans_for(user)
    if year and 2000 <= year <= 2100:  # outside: no filter (a huge number would overflow the column)
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-year", "authority__code", "-version")


def plan_get(user, pk: Any) -> AnnualPlan:
    return visible_or_404(plans_for(user).select_related("created_by", "published_by"), pk)


def summary_list(user, *, year: int | None = None) -> QuerySet[AnnualSummary]:
    qs = summaries_for(user)
    if year and 2000 <= year <= 2100:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "authority__code")


def summary_get(user, pk: Any) -> AnnualSummary:
    return visible_or_404(summaries_for(user).select_related("finalised_by"), pk)


def published_plan(authority: Authority | int, year: int) -> AnnualPlan | None:
    """The authority's published plan of `year` (at most one: database constraint)."""
    authority_id = getattr(authority, "pk", authority)
    return AnnualPlan.objects.filter(authority_id=authority_id, year=year, status="published").first()


def published_plan_id(authority: Authority | int, year: int) -> int | None:
    plan = published_plan(authority, year)
    return plan.pk if plan else None


def year_tasks(authority_id: int, year: int) -> QuerySet[SupervisionTask]:
    start, end = year_window(year)
    return SupervisionTask.objects.filter(
        authority_id=authority_id, starts_at__gte=start, starts_at__lt=end
    ).exclude(status=SupervisionTask.Status.CANCELLED)


def year_figures(authority: Authority | int, year: int, *, today: dt.date | None = None) -> dict[str, Any]:
    """What happened in the authority's year, from the records (ACT-6 summary, plan progress)."""
    authority_id = getattr(authority, "pk", authority)
    auth = Authority.objects.select_related("region").get(pk=authority_id)
    start, end = year_window(year)
    today = today or timezone.localdate()
    tasks = year_tasks(authority_id, year)
    task_rows = list(tasks.values_list("kind", "status", "institution_id", "batch_id"))
    by_kind = Counter(kind for kind, _, _, _ in task_rows)
    draws = Draw.objects.filter(authority_id=authority_id, run_at__gte=start, run_at__lt=end)
    findings = Counter(
        Finding.objects.filter(task__in=tasks, severity__in=workflow.PROBLEM_SEVERITIES).values_list(
            "severity", flat=True
        )
    )
    rect = list(
        Rectification.objects.filter(task__in=tasks).values_list(
            "status", "overdue", "submitted_at", "due_on"
        )
    )
    on_time = sum(1 for _, overdue, submitted, _ in rect if submitted is not None and not overdue)
    late = sum(
        1
        for _, overdue, submitted, due in rect
        if (submitted is not None and overdue) or (submitted is None and due < today)
    )
    penalties = Counter(
        Penalty.objects.filter(
            authority_id=authority_id, decided_at__gte=start, decided_at__lt=end
        ).values_list("kind", flat=True)
    )
    from dudao.complaints.models import Complaint  # the complaints app builds on supervision, not back

    complaints = Complaint.objects.filter(
        institution__region__code__startswith=auth.region.prefix, received_at__gte=start, received_at__lt=end
    )
    return {
        "year": year,
        "draws_held": draws.filter(status__in=HELD_DRAWS).count(),
        "tasks_total": len(task_rows),
        "tasks_done": sum(1 for _, status, _, _ in task_rows if status in DONE_STATUSES),
        "tasks_by_kind": {kind: by_kind.get(kind, 0) for kind in TaskKind.values},
        "institutions_covered": len({inst for _, _, inst, _ in task_rows}),
        "batches_covered": len({batch for _, _, _, batch in task_rows if batch}),
        "findings_total": sum(findings.values()),
        "findings_by_severity": {sev: findings.get(sev, 0) for sev in workflow.PROBLEM_SEVERITIES},
        "rectifications_total": len(rect),
        "rectifications_closed": sum(1 for status, _, _, _ in rect if status == Rectification.Status.PASSED),
        "rectifications_on_time": on_time,
        "rectifications_late": late,
        "penalties_total": sum(penalties.values()),
        "penalties_by_kind": {
            kind: penalties.get(kind, 0) for kind in Penalty.Kind.values if penalties.get(kind)
        },
        "complaints_received": complaints.count(),
        "complaints_verified": complaints.filter(finding=Complaint.Finding.VERIFIED).count(),
    }


def _ratio(done: int, planned: int) -> int | None:
    return round(100 * done / planned) if planned else None


def plan_progress(plan: AnnualPlan, figures: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Planned against done, one row per target (计划 / 完成 / 完成率 %)."""
    f = figures if figures is not None else year_figures(plan.authority_id, plan.year)
    rows = [
        ("抽取次数", plan.draws_per_year, f["draws_held"]),
        ("督导任务(已办结)", plan.target_tasks, f["tasks_done"]),
        ("覆盖评价机构", plan.target_institutions, f["institutions_covered"]),
        ("督导评价批次", plan.target_batches, f["batches_covered"]),
    ]
    out = [{"label": label, "planned": p, "done": d, "percent": _ratio(d, p)} for label, p, d in rows]
    out += [
        {"label": "派出督导任务", "planned": None, "done": f["tasks_total"], "percent": None},
        {"label": "发现问题", "planned": None, "done": f["findings_total"], "percent": None},
        {
            "label": "整改复核通过",
            "planned": f["rectifications_total"],
            "done": f["rectifications_closed"],
            "percent": _ratio(f["rectifications_closed"], f["rectifications_total"]),
        },
    ]
    return out


def figure_rows(figures: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    """Labelled rows of a figures dict for pages and papers."""
    return {
        "kinds": [(TaskKind(k).label, v) for k, v in figures.get("tasks_by_kind", {}).items()],
        "severities": [
            (workflow.SEVERITIES[k], v) for k, v in figures.get("findings_by_severity", {}).items()
        ],
        "penalties": [(Penalty.Kind(k).label, v) for k, v in figures.get("penalties_by_kind", {}).items()],
    }


def score_form_titles() -> dict[str, str]:
    """Current score forms by id (the forms a plan may name)."""
    from dudao.scorecards.models import ScoreFormVersion

    rows = ScoreFormVersion.objects.order_by("form_id", "-is_current", "-version").values_list(
        "form_id", "title"
    )
    titles: dict[str, str] = {}
    for form_id, title in rows:
        titles.setdefault(form_id, title)
    return titles
