"""What the dashboard pages show, read from the materialised aggregates (a fixed number of queries each).

The window is the latest refresh's months; every figure is summed over it. Scope: an authority user
sees the regions under its own (its region code prefix), a superuser everything, an institution its own
rows against the averages of its city and province, the public only platform-wide totals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from dudao.accounts.permissions import is_superuser, region_prefix
from dudao.analytics.models import FlagKind
from dudao.registry.models import Region

from . import domain
from .models import (
    FlagMonth,
    InstitutionMonth,
    PassRateTotal,
    Refresh,
    RegionMonth,
    RegionTotal,
    SupervisorTotal,
)

REGION_FIELDS = (
    "institutions",
    "supervised_institutions",
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
PASS_RATE_ROWS = 30
WORKLOAD_TOP = 15
LEVEL_NAMES = {1: "一级/高级技师", 2: "二级/技师", 3: "三级/高级工", 4: "四级/中级工", 5: "五级/初级工"}


def latest_refresh() -> Refresh | None:
    return Refresh.objects.order_by("-finished_at", "-id").first()


def user_scope(user: Any) -> str | None:
    """The region code prefix the user's dashboard covers ("" = everything); None = no dashboard."""
    if is_superuser(user):
        return ""
    return region_prefix(user)


def _window(refresh: Refresh) -> list[dt.date]:
    months, month = [], refresh.first_month
    while month <= refresh.last_month:
        months.append(month)
        month = domain.add_months(month, 1)
    return months


def _zero() -> dict[str, int]:
    return dict.fromkeys(REGION_FIELDS, 0)


def _region_rows(prefix: str, window: list[dt.date]):
    return RegionMonth.objects.filter(
        region_code__startswith=prefix, month__gte=window[0], month__lte=window[-1]
    ).values("region_code", "month", *REGION_FIELDS)


def _trend(by_month: dict[dt.date, dict[str, int]], window: list[dt.date]) -> dict[str, Any]:
    cells = [by_month.get(m, _zero()) for m in window]
    return {
        "labels": [domain.month_label(m) for m in window],
        "coverage": [domain.rate(c["covered_batches"], c["batches"]) for c in cells],
        "pass_rate": [domain.rate(c["passed"], c["results"]) for c in cells],
        "tasks": [c["tasks"] for c in cells],
        "findings": [c["findings"] for c in cells],
        "complaints": [c["complaints"] for c in cells],
    }


def _pass_rates(prefix: str, *, min_results: int = 0) -> list[dict[str, Any]]:
    rows = (
        PassRateTotal.objects.filter(scope=prefix)
        .values("occupation__code", "occupation__name", "level", "results", "passed")
        .order_by("-results", "occupation__code", "level")[:PASS_RATE_ROWS]
    )
    return [
        {
            "occupation": r["occupation__name"],
            "code": r["occupation__code"],
            "level": r["level"],
            "level_name": LEVEL_NAMES.get(r["level"], f"{r['level']} 级"),
            "results": r["results"],
            "passed": r["passed"],
            "rate": domain.rate(r["passed"], r["results"]) if r["results"] >= min_results else None,
        }
        for r in rows
    ]


def _by_group(
    prefix: str, window: list[dt.date]
) -> tuple[dict[str, dict[str, int]], dict[dt.date, dict[str, int]]]:
    """Region rows summed per row group (city or district) and per month."""
    groups: dict[str, dict[str, int]] = defaultdict(_zero)
    months: dict[dt.date, dict[str, int]] = defaultdict(_zero)
    last = window[-1]
    for row in _region_rows(prefix, window):
        group, month = groups[domain.group_code(row["region_code"], prefix)], months[row["month"]]
        for name in REGION_FIELDS:
            if name == "institutions":  # a count of the register, not a flow: the last month's
                if row["month"] == last:
                    group[name] += row[name]
                month[name] += row[name]
            elif name != "supervised_institutions":
                group[name] += row[name]
                month[name] += row[name]
    return groups, months


FLAG_STATES = ("raised", "open", "confirmed", "dismissed")


def _flags(prefix: str, window: list[dt.date]) -> dict[str, Any]:
    """Flags raised per month (and how many of them were confirmed) and per kind by review state."""
    by_month: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FLAG_STATES, 0))
    rows = FlagMonth.objects.filter(
        region_code__startswith=prefix, month__gte=window[0], month__lte=window[-1]
    ).values("month", "kind", *FLAG_STATES)
    for row in rows:
        by_month[row["month"]][0] += row["raised"]
        by_month[row["month"]][1] += row["confirmed"]
        for state in FLAG_STATES:
            by_kind[row["kind"]][state] += row[state]
    labels = dict(FlagKind.choices)
    return {
        "labels": [domain.month_label(m) for m in window],
        "raised": [by_month[m][0] if m in by_month else 0 for m in window],
        "confirmed": [by_month[m][1] if m in by_month else 0 for m in window],
        "kinds": [
            {"kind": kind, "label": labels.get(kind, kind), **by_kind[kind]}
            for kind in sorted(by_kind, key=lambda k: (-by_kind[k]["raised"], k))
        ],
        "total": {state: sum(k[state] for k in by_kind.values()) for state in FLAG_STATES},
    }


def authority_dashboard(user: Any) -> dict[str, Any]:
    """The authority page: trend, table by city (or district), pass rates, workload."""
    prefix = user_scope(user)
    refresh = latest_refresh()
    if prefix is None or refresh is None:
        return {"refresh": refresh, "empty": True}
    window = _window(refresh)
    groups, months = _by_group(prefix, window)
    totals = RegionTotal.objects.filter(region_code__startswith=prefix).values_list(
        "region_code",
        "supervised_institutions",
        "scored_institutions",
        "high_risk_institutions",
        "risk_score_sum",
    )
    risk_cells: dict[str, list] = defaultdict(lambda: [0, 0, Decimal(0)])
    for code, n, scored, high, risk_sum in totals:
        group = domain.group_code(code, prefix)
        groups[group]["supervised_institutions"] += n
        cell = risk_cells[group]
        cell[0] += scored
        cell[1] += high
        cell[2] += risk_sum
    names = dict(Region.objects.filter(code__in=list(groups)).values_list("code", "name"))
    table = []
    for code in sorted(groups):
        g = groups[code]
        table.append(
            {
                "code": code,
                "name": names.get(code, code),
                **g,
                "institution_coverage": domain.rate(g["supervised_institutions"], g["institutions"]),
                "batch_coverage": domain.rate(g["covered_batches"], g["batches"]),
                "findings_per_task": domain.ratio(g["findings"], g["tasks"]),
                "pass_rate": domain.rate(g["passed"], g["results"]),
                "high_risk": risk_cells[code][1],
                "risk_mean": domain.risk_mean(risk_cells[code][2], risk_cells[code][0]),
            }
        )
    total = _zero()
    for g in groups.values():
        for name in REGION_FIELDS:
            total[name] += g[name]
    workload_rows = list(
        SupervisorTotal.objects.filter(scope=prefix)
        .values("supervisor_id", "supervisor__person__name", "tasks")
        .order_by("-tasks", "supervisor__person__name", "supervisor_id")[:WORKLOAD_TOP]
    )
    workload_total = SupervisorTotal.objects.filter(scope=prefix).aggregate(
        supervisors=Count("id"), assignments=Sum("tasks")
    )
    return {
        "refresh": refresh,
        "empty": False,
        "window": window,
        "by_city": len(prefix) <= 2,
        "table": table,
        "total": {
            **total,
            "institution_coverage": domain.rate(total["supervised_institutions"], total["institutions"]),
            "batch_coverage": domain.rate(total["covered_batches"], total["batches"]),
            "pass_rate": domain.rate(total["passed"], total["results"]),
            "findings_per_task": domain.ratio(total["findings"], total["tasks"]),
        },
        "trend": _trend(months, window),
        "flags": _flags(prefix, window),
        "pass_rates": _pass_rates(prefix),
        "workload": [{"name": r["supervisor__person__name"], "tasks": r["tasks"]} for r in workload_rows],
        "workload_summary": {
            "supervisors": workload_total["supervisors"] or 0,
            "assignments": workload_total["assignments"] or 0,
            "average": domain.ratio(workload_total["assignments"] or 0, workload_total["supervisors"] or 0),
        },
    }


def _indicators(c: dict[str, int]) -> dict[str, Any]:
    return {
        "batch_coverage": domain.rate(c["covered_batches"], c["batches"]),
        "pass_rate": domain.rate(c["passed"], c["results"]),
        "findings_per_task": domain.ratio(c["findings"], c["tasks"]),
        "serious_share": domain.rate(c["serious_findings"], c["findings"]),
        "complaints": c["complaints"],
        "verified_complaints": c["verified_complaints"],
    }


def institution_dashboard(institution: Any) -> dict[str, Any]:
    """One institution's indicators over the window against the per-institution averages of its city and
    province (complaints: per institution on the register)."""
    refresh = latest_refresh()
    if refresh is None:
        return {"refresh": None, "empty": True}
    window = _window(refresh)
    own_by_month: dict[dt.date, dict[str, int]] = defaultdict(_zero)
    for row in InstitutionMonth.objects.filter(
        institution=institution, month__gte=window[0], month__lte=window[-1]
    ).values("month", *REGION_FIELDS[2:]):
        own_by_month[row["month"]].update({k: row[k] for k in REGION_FIELDS[2:]})
    own = _zero()
    for cell in own_by_month.values():
        for name in REGION_FIELDS[2:]:
            own[name] += cell[name]
    region = institution.region_id
    norms = []
    for label, prefix in (("本市平均", region[:4]), ("全省平均", region[:2])):
        _groups, months = _by_group(prefix, window)
        total = _zero()
        for cell in months.values():
            for name in REGION_FIELDS[2:]:
                total[name] += cell[name]
        institutions = months.get(window[-1], _zero())["institutions"]
        norm = _indicators(total)
        norm["complaints"] = domain.ratio(total["complaints"], institutions)
        norm["verified_complaints"] = domain.ratio(total["verified_complaints"], institutions)
        norms.append({"label": label, "values": norm, "trend": _trend(months, window)})
    return {
        "refresh": refresh,
        "empty": False,
        "window": window,
        "own": {**own, **_indicators(own)},
        "own_trend": _trend(own_by_month, window),
        "norms": norms,
    }


def public_statistics() -> dict[str, Any]:
    """Platform-wide figures for the public pages: by city, by month, pass rates by occupation and level
    (a rate over fewer than PUBLIC_MIN_RESULTS results is not shown). No institution is named."""
    refresh = latest_refresh()
    if refresh is None:
        return {"refresh": None, "empty": True}
    window = _window(refresh)
    groups, months = _by_group("", window)
    names = dict(Region.objects.filter(code__in=list(groups)).values_list("code", "name"))
    table = [
        {
            "name": names.get(code, code),
            "institutions": g["institutions"],
            "batches": g["batches"],
            "tasks": g["tasks"],
            "batch_coverage": domain.rate(g["covered_batches"], g["batches"]),
            "complaints": g["complaints"],
            "verified_complaints": g["verified_complaints"],
            "results": g["results"],
            "pass_rate": domain.rate(g["passed"], g["results"])
            if g["results"] >= domain.PUBLIC_MIN_RESULTS
            else None,
        }
        for code, g in sorted(groups.items())
    ]
    return {
        "refresh": refresh,
        "empty": False,
        "window": window,
        "table": table,
        "trend": _trend(months, window),
        "pass_rates": _pass_rates("", min_results=domain.PUBLIC_MIN_RESULTS),
        "min_results": domain.PUBLIC_MIN_RESULTS,
    }
