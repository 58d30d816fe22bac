"""The only writer of the dashboards' aggregates: `refresh` rebuilds them all from the source data.

Run by `dudao dashboards refresh` (cron) or the background task `tasks.refresh_task` (`dudao db_worker`).
Idempotent: the rows are replaced in one transaction, so running it twice gives the same rows, and the
pages never see a half-built set. What is counted (ACT-3, ACT-7, EXAM-6):
- batches and tasks by the month they start; cancelled ones are not counted, and a covert task
  (暗访) counts only once its report is in, so the figures never reveal a visit still to come;
- findings that are problems (一般、较重、严重) by the month their task started;
- results only once the plan's results are published (成绩公示), by the month the batch started;
- complaints by the month they were received;
- data-comparison flags (dudao.analytics) by the month they were raised, with their review state now.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dudao.analytics import risk
from dudao.analytics.models import Flag
from dudao.analytics.risk_selectors import risk_inputs
from dudao.common import audit
from dudao.complaints.models import Complaint
from dudao.exams.models_results import ExamResult
from dudao.registry.models import Batch, Institution
from dudao.supervision import workflow
from dudao.supervision.models import Finding, SupervisionTask, TaskMember

from . import domain
from .models import (
    FlagMonth,
    InstitutionMonth,
    PassRateMonth,
    PassRateTotal,
    Refresh,
    RegionMonth,
    RegionTotal,
    SupervisorMonth,
    SupervisorTotal,
)

MONTH_MODELS = (InstitutionMonth, RegionMonth, PassRateMonth, SupervisorMonth, FlagMonth)
TOTAL_MODELS = (RegionTotal, PassRateTotal, SupervisorTotal)

INSTITUTION_FIELDS = (
    "batches",
    "covered_batches",
    "tasks",
    "findings",
    "serious_findings",
    "results",
    "passed",
    "complaints",
    "verified_complaints",
)
SERIOUS = ("major", "serious")


def _counted_tasks():
    """Tasks the figures count: not cancelled, and a covert task only once its report is in."""
    return SupervisionTask.objects.exclude(status=SupervisionTask.Status.CANCELLED).exclude(
        covert=True, report_submitted_at__isnull=True
    )


def _month(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date().replace(day=1) if timezone.is_aware(value) else value.date()


def compute(*, today: dt.date, months: int = domain.DEFAULT_MONTHS) -> dict[str, list]:
    """The aggregate rows (unsaved) for the `months` calendar months up to `today`'s."""
    window = domain.month_window(today, months)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(window[0], dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(domain.add_months(window[-1], 1), dt.time.min, tzinfo=tz)

    per_inst: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(INSTITUTION_FIELDS, 0)
    )
    region_of: dict[int, str] = {}

    def add(inst_id: int, region: str, month: dt.datetime | dt.date, **values: int) -> None:
        key = (inst_id, _month(month) if isinstance(month, dt.datetime) else month)
        region_of[inst_id] = region
        cell = per_inst[key]
        for name, value in values.items():
            cell[name] += value

    batches = (
        Batch.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Batch.Status.CANCELLED)
        .annotate(
            supervised=Exists(_counted_tasks().filter(batch=OuterRef("pk"))),
            month=TruncMonth("starts_at", tzinfo=tz),
        )
        .values("institution_id", "institution__region_id", "month")
        .annotate(total=Count("id"), covered=Count("id", filter=Q(supervised=True)))
        .order_by()
    )
    for r in batches:
        add(
            r["institution_id"],
            r["institution__region_id"],
            r["month"],
            batches=r["total"],
            covered_batches=r["covered"],
        )

    tasks = (
        _counted_tasks()
        .filter(starts_at__gte=start, starts_at__lt=end)
        .annotate(month=TruncMonth("starts_at", tzinfo=tz))
        .values("institution_id", "institution__region_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in tasks:
        add(r["institution_id"], r["institution__region_id"], r["month"], tasks=r["n"])

    findings = (
        Finding.objects.filter(
            task__in=_counted_tasks().filter(starts_at__gte=start, starts_at__lt=end).values("pk"),
            severity__in=workflow.PROBLEM_SEVERITIES,
        )
        .annotate(month=TruncMonth("task__starts_at", tzinfo=tz))
        .values("task__institution_id", "task__institution__region_id", "month")
        .annotate(n=Count("id"), serious=Count("id", filter=Q(severity__in=SERIOUS)))
        .order_by()
    )
    for r in findings:
        add(
            r["task__institution_id"],
            r["task__institution__region_id"],
            r["month"],
            findings=r["n"],
            serious_findings=r["serious"],
        )

    results = (
        ExamResult.objects.filter(
            passed__isnull=False,
            registration__plan__publication__isnull=False,
            registration__plan__batch__starts_at__gte=start,
            registration__plan__batch__starts_at__lt=end,
        )
        .annotate(month=TruncMonth("registration__plan__batch__starts_at", tzinfo=tz))
        .values(
            "registration__plan__batch__institution_id",
            "registration__plan__batch__institution__region_id",
            "registration__plan__batch__occupation_id",
            "registration__level",
            "month",
        )
        .annotate(n=Count("id"), ok=Count("id", filter=Q(passed=True)))
        .order_by()
    )
    pass_cells: dict[tuple[str, dt.date, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        inst, region = (
            r["registration__plan__batch__institution_id"],
            r["registration__plan__batch__institution__region_id"],
        )
        add(inst, region, r["month"], results=r["n"], passed=r["ok"])
        cell = pass_cells[
            (
                region,
                _month(r["month"]),
                r["registration__plan__batch__occupation_id"],
                r["registration__level"],
            )
        ]
        cell[0] += r["n"]
        cell[1] += r["ok"]

    complaints = (
        Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
        .annotate(month=TruncMonth("received_at", tzinfo=tz))
        .values("institution_id", "institution__region_id", "month")
        .annotate(n=Count("id"), verified=Count("id", filter=Q(finding=Complaint.Finding.VERIFIED)))
        .order_by()
    )
    for r in complaints:
        add(
            r["institution_id"],
            r["institution__region_id"],
            r["month"],
            complaints=r["n"],
            verified_complaints=r["verified"],
        )

    workload = (
        TaskMember.objects.filter(
            active=True,
            task__in=_counted_tasks().filter(starts_at__gte=start, starts_at__lt=end).values("pk"),
        )
        .exclude(response=TaskMember.Response.DECLINED)
        .annotate(month=TruncMonth("task__starts_at", tzinfo=tz))
        .values("supervisor_id", "task__institution__region_id", "month")
        .annotate(n=Count("task", distinct=True))
        .order_by()
    )
    supervisor_rows = [
        SupervisorMonth(
            supervisor_id=r["supervisor_id"],
            region_code=r["task__institution__region_id"],
            month=_month(r["month"]),
            tasks=r["n"],
        )
        for r in workload
    ]

    flag_cells: dict[tuple[str, dt.date, str], dict[str, int]] = {}
    flags = (
        Flag.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("institution__region_id", "authority__region_id", "month", "kind", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in flags:
        region = r["institution__region_id"] or r["authority__region_id"]
        if not region:
            continue  # neither an institution nor an authority: in nobody's scope
        cell = flag_cells.setdefault(
            (region, _month(r["month"]), r["kind"]), {"raised": 0, "open": 0, "confirmed": 0, "dismissed": 0}
        )
        cell["raised"] += r["n"]
        if r["status"] in cell:
            cell[r["status"]] += r["n"]
    flag_rows = [
        FlagMonth(region_code=region, month=month, kind=kind, **values)
        for (region, month, kind), values in sorted(flag_cells.items())
    ]

    institution_rows = [
        InstitutionMonth(institution_id=inst, region_code=region_of[inst], month=month, **values)
        for (inst, month), values in sorted(per_inst.items())
    ]

    # Regions: every region with an institution on the register gets a row for every month (the
    # coverage denominators), plus any region with activity of an institution no longer active.
    registered = dict(
        Institution.objects.filter(is_active=True)
        .values("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )
    per_region: dict[tuple[str, dt.date], dict[str, int]] = {}
    for code in registered:
        for month in window:
            per_region[(code, month)] = dict.fromkeys(
                ("institutions", "supervised_institutions", *INSTITUTION_FIELDS), 0
            )
    for row in institution_rows:
        cell = per_region.setdefault(
            (row.region_code, row.month),
            dict.fromkeys(("institutions", "supervised_institutions", *INSTITUTION_FIELDS), 0),
        )
        for name in INSTITUTION_FIELDS:
            cell[name] += getattr(row, name)
        cell["supervised_institutions"] += 1 if row.tasks else 0
    region_rows = []
    for (code, month), values in sorted(per_region.items()):
        values["institutions"] = registered.get(code, 0)
        region_rows.append(RegionMonth(region_code=code, month=month, **values))

    pass_rows = [
        PassRateMonth(region_code=region, month=month, occupation_id=occ, level=level, results=n, passed=ok)
        for (region, month, occ, level), (n, ok) in sorted(pass_cells.items())
    ]
    totals = rollups(institution_rows, pass_rows, supervisor_rows)
    totals["region_totals"] = _with_risk(totals["region_totals"], _region_risk(today))
    return {
        "window": window,
        "institutions": institution_rows,
        "regions": region_rows,
        "pass_rates": pass_rows,
        "supervisors": supervisor_rows,
        "flags": flag_rows,
        **totals,
    }


def _region_risk(today: dt.date) -> dict[str, tuple[int, int, Decimal]]:
    """Per region: active institutions scored, how many are high-risk, the sum of their scores (RAND-1);
    five aggregate queries for the whole register (dudao.analytics.risk_selectors)."""
    register = list(Institution.objects.filter(is_active=True).values_list("id", "region_id"))
    inputs = risk_inputs([pk for pk, _ in register], today)
    cells: dict[str, list] = defaultdict(lambda: [0, 0, Decimal(0)])
    for pk, code in register:
        score = risk.risk_score(inputs[pk])
        cell = cells[code]
        cell[0] += 1
        cell[1] += score.weight >= domain.HIGH_RISK_WEIGHT
        cell[2] += score.score
    return {code: (n, high, total) for code, (n, high, total) in cells.items()}


def _with_risk(region_totals: list[RegionTotal], risk_by_region: dict[str, tuple[int, int, Decimal]]):
    """Region totals with the risk columns, a row added for a region that had no supervised institution."""
    by_code = {row.region_code: row for row in region_totals}
    for code, (n, high, total) in risk_by_region.items():
        row = by_code.setdefault(code, RegionTotal(region_code=code, supervised_institutions=0))
        row.scored_institutions, row.high_risk_institutions, row.risk_score_sum = n, high, total
    return [by_code[code] for code in sorted(by_code)]


def rollups(
    institution_rows: list[InstitutionMonth],
    pass_rows: list[PassRateMonth],
    supervisor_rows: list[SupervisorMonth],
) -> dict[str, list]:
    """The window totals the pages read: distinct supervised institutions per region, pass rates and
    supervisor workload rolled up to every scope (domain.scopes), so no page sums month rows of a whole
    province on each request."""
    supervised: dict[str, set[int]] = defaultdict(set)
    for row in institution_rows:
        if row.tasks:
            supervised[row.region_code].add(row.institution_id)
    passes: dict[tuple[str, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in pass_rows:
        for scope in domain.scopes(row.region_code):
            cell = passes[(scope, row.occupation_id, row.level)]
            cell[0] += row.results
            cell[1] += row.passed
    workload: dict[tuple[str, int], int] = defaultdict(int)
    for row in supervisor_rows:
        for scope in domain.scopes(row.region_code):
            workload[(scope, row.supervisor_id)] += row.tasks
    return {
        "region_totals": [
            RegionTotal(region_code=code, supervised_institutions=len(ids))
            for code, ids in sorted(supervised.items())
        ],
        "pass_totals": [
            PassRateTotal(scope=scope, occupation_id=occ, level=level, results=n, passed=ok)
            for (scope, occ, level), (n, ok) in sorted(passes.items())
        ],
        "supervisor_totals": [
            SupervisorTotal(scope=scope, supervisor_id=sup, tasks=n)
            for (scope, sup), n in sorted(workload.items())
        ],
    }


def store(rows: dict[str, list]) -> int:
    """Replace every aggregate with `rows` (compute's output); returns the number of rows written."""
    for model in (*MONTH_MODELS, *TOTAL_MODELS):
        model.objects.all().delete()
    total = 0
    for key, model in (
        ("institutions", InstitutionMonth),
        ("regions", RegionMonth),
        ("pass_rates", PassRateMonth),
        ("supervisors", SupervisorMonth),
        ("flags", FlagMonth),
        ("region_totals", RegionTotal),
        ("pass_totals", PassRateTotal),
        ("supervisor_totals", SupervisorTotal),
    ):
        model.objects.bulk_create(rows[key], batch_size=500)
        total += len(rows[key])
    return total


@transaction.atomic
def refresh(
    *, today: dt.date | None = None, months: int = domain.DEFAULT_MONTHS, actor: Any = None
) -> Refresh:
    """Rebuild every aggregate for the last `months` months (replacing the previous set)."""
    began = time.perf_counter()
    today = today or timezone.localdate()
    rows = compute(today=today, months=months)
    total = store(rows)
    done = Refresh.objects.create(
        finished_at=timezone.now(),
        first_month=rows["window"][0],
        last_month=rows["window"][-1],
        rows=total,
        seconds=round(time.perf_counter() - began, 3),
    )
    old = list(Refresh.objects.order_by("-finished_at", "-id").values_list("pk", flat=True)[10:])
    Refresh.objects.filter(pk__in=old).delete()  # keep the last ten refreshes
    audit.record(
        actor=actor,
        action="dashboards.aggregates.refresh",
        obj=done,
        object_label=f"{domain.month_label(done.first_month)} 至 {domain.month_label(done.last_month)}",
        after={"rows": total, "months": months},
    )
    return done
