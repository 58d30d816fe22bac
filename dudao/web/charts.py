"""Figures for the home page's charts, scoped by user; drawn by web/dashboard_charts.js (vendored ECharts).

Each chart is one grouped query. The data goes to the page through `json_script` (no inline script:
the Content-Security-Policy forbids it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.registry.models import Batch, Region
from dudao.registry.selectors import batches_for
from dudao.renewals.models import RenewalApplication
from dudao.renewals.selectors import applications_for
from dudao.supervision import workflow
from dudao.supervision.models import Finding, SupervisionTask, TaskMember
from dudao.supervision.selectors import tasks_for

COVERAGE_MONTHS = 6
WORKLOAD_TOP = 10
OPEN_TASK_STATUSES = (
    SupervisionTask.Status.DISPATCHED,
    SupervisionTask.Status.DECLINED,
    SupervisionTask.Status.ACCEPTED,
    SupervisionTask.Status.ON_SITE,
)


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(months):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def _city_code(region_code: str) -> str:
    """GB/T 2260: the city (地市) of a district is its first four digits; a province stays itself."""
    return region_code if region_code.endswith("0000") else region_code[:4] + "00"


def coverage_by_city_and_month(user: Any, *, today: dt.date) -> dict[str, Any]:
    """逢考必督 rate (covered batches / batches) per city and month over the last months."""
    months = _month_starts(today, COVERAGE_MONTHS)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(months[0], dt.time.min, tzinfo=tz)
    active_task = (
        SupervisionTask.objects.filter(batch=OuterRef("pk"))
        .exclude(status=SupervisionTask.Status.CANCELLED)
        .exclude(covert=True, report_submitted_at__isnull=True)
    )
    rows = (
        batches_for(user)
        .filter(starts_at__gte=start)
        .exclude(status=Batch.Status.CANCELLED)
        .annotate(supervised=Exists(active_task), month=TruncMonth("starts_at", tzinfo=tz))
        .values("institution__region_id", "month")
        .annotate(total=Count("id"), covered=Count("id", filter=Q(supervised=True)))
    )
    cells: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        month = row["month"]
        key = (_city_code(row["institution__region_id"]), f"{month.year}-{month.month:02d}")
        cell = cells.setdefault(key, [0, 0])
        cell[0] += row["total"]
        cell[1] += row["covered"]
    codes = sorted({code for code, _ in cells})
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    labels = [f"{m.year}-{m.month:02d}" for m in months]
    data = [
        [labels.index(month), codes.index(code), round(100 * covered / total), total, covered]
        for (code, month), (total, covered) in sorted(cells.items())
        if month in labels
    ]
    return {"months": labels, "cities": [names.get(c, c) for c in codes], "data": data}


def findings_by_severity(user: Any) -> dict[str, Any]:
    counts = dict(
        Finding.objects.filter(task__in=tasks_for(user).values("pk"))
        .values("severity")
        .annotate(n=Count("id"))
        .values_list("severity", "n")
    )
    return {
        "labels": [workflow.SEVERITIES[s] for s in workflow.PROBLEM_SEVERITIES],
        "values": [counts.get(s, 0) for s in workflow.PROBLEM_SEVERITIES],
    }


def renewals_by_state(user: Any) -> dict[str, Any]:
    counts = dict(applications_for(user).values("status").annotate(n=Count("id")).values_list("status", "n"))
    pairs = [(label, counts.get(value, 0)) for value, label in RenewalApplication.Status.choices]
    return {"labels": [p[0] for p in pairs], "values": [p[1] for p in pairs]}


def supervisor_workload(user: Any) -> dict[str, Any]:
    """Open tasks per supervisor (dispatched, accepted or on site), the busiest first."""
    rows = (
        TaskMember.objects.filter(
            task__in=tasks_for(user).filter(status__in=OPEN_TASK_STATUSES).values("pk"),
            active=True,
        )
        .exclude(response=TaskMember.Response.DECLINED)
        .values("supervisor__person__name")
        .annotate(n=Count("task", distinct=True))
        .order_by("-n", "supervisor__person__name")[:WORKLOAD_TOP]
    )
    return {"labels": [r["supervisor__person__name"] for r in rows], "values": [r["n"] for r in rows]}


def charts_for(user: Any, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """[{"id", "title", "kind", "data"}] for the user's role; [] for roles without charts."""
    today = today or timezone.localdate()
    if is_superuser(user) or is_authority_user(user):
        return [
            {
                "id": "coverage",
                "title": f"督导覆盖率(近 {COVERAGE_MONTHS} 个月,按地市)",
                "kind": "heatmap",
                "data": coverage_by_city_and_month(user, today=today),
            },
            {
                "id": "severity",
                "title": "督导发现(按严重程度)",
                "kind": "bar",
                "data": findings_by_severity(user),
            },
            {
                "id": "renewals",
                "title": "延续备案(按办理状态)",
                "kind": "pie",
                "data": renewals_by_state(user),
            },
            {"id": "workload", "title": "督导员在办任务", "kind": "hbar", "data": supervisor_workload(user)},
        ]
    if is_institution_user(user):
        return [
            {
                "id": "severity",
                "title": "督导发现(按严重程度)",
                "kind": "bar",
                "data": findings_by_severity(user),
            },
            {
                "id": "renewals",
                "title": "延续备案(按办理状态)",
                "kind": "pie",
                "data": renewals_by_state(user),
            },
        ]
    return []
