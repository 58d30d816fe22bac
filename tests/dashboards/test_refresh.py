"""Aggregates computed exactly on a small province (tests/dashboards/conftest.py), the refresh idempotent,
the command and the background task."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dudao.analytics.models import Flag
from dudao.common.models import AuditEvent
from dudao.dashboards import domain, services
from dudao.dashboards.models import (
    InstitutionMonth,
    PassRateMonth,
    PassRateTotal,
    Refresh,
    RegionMonth,
    RegionTotal,
    SupervisorMonth,
    SupervisorTotal,
)
from dudao.supervision.models import Penalty

TODAY = dt.date(2026, 12, 3)
ZERO = dict.fromkeys(services.INSTITUTION_FIELDS, 0)


def rows(model, *fields):
    return sorted(tuple(r[k] for k in fields) for r in model.objects.values(*fields))


def inst_rows():
    out = {}
    for r in InstitutionMonth.objects.values():
        key = (r.pop("institution_id"), r.pop("month").isoformat())
        r.pop("id")
        out[key] = r
    return out


def test_institution_rows_exact(world):
    services.refresh(today=TODAY)
    nc, gz, gz2 = world.inst_nc.pk, world.inst_gz.pk, world.inst_gz2.pk
    assert inst_rows() == {
        # the first minute of the window counts; the batch of 2025-12-31 23:30 does not
        (nc, "2026-01-01"): {**ZERO, "region_code": "360100", "batches": 1},
        # b1 covered by t1, b2 only by a cancelled task, the cancelled batch not counted; findings of t1
        # that are problems (minor, serious; not "none"), the cancelled task's finding not counted;
        # published results only, the unjudged one not counted
        (nc, "2026-11-01"): {
            **ZERO,
            "region_code": "360100",
            "batches": 2,
            "covered_batches": 1,
            "tasks": 1,
            "findings": 2,
            "serious_findings": 1,
            "results": 3,
            "passed": 2,
            "complaints": 1,
            "verified_complaints": 1,
        },
        # the covert task counts once its report is in; the one without a report does not
        (gz, "2026-10-01"): {**ZERO, "region_code": "360702", "tasks": 1},
        (gz, "2026-12-01"): {**ZERO, "region_code": "360702", "complaints": 1},
        # months in Asia/Shanghai: 31 Oct 23:30 is October, 1 Nov 00:10 is November
        (gz2, "2026-10-01"): {**ZERO, "region_code": "360702", "batches": 1},
        (gz2, "2026-11-01"): {**ZERO, "region_code": "360702", "batches": 1},
    }


def test_region_rows_exact(world):
    services.refresh(today=TODAY)
    # every region with an institution on the register, every month of the window
    assert RegionMonth.objects.count() == 3 * 12
    fields = ("region_code", "month", "institutions", "supervised_institutions", "batches", "covered_batches")
    fields += ("tasks", "findings", "results", "passed", "complaints")
    active = [r for r in rows(RegionMonth, *fields) if any(r[4:]) or r[3]]
    assert active == [
        ("360100", dt.date(2026, 1, 1), 1, 0, 1, 0, 0, 0, 0, 0, 0),
        ("360100", dt.date(2026, 11, 1), 1, 1, 2, 1, 1, 2, 3, 2, 1),
        ("360702", dt.date(2026, 10, 1), 2, 1, 1, 0, 1, 0, 0, 0, 0),
        ("360702", dt.date(2026, 11, 1), 2, 0, 1, 0, 0, 0, 0, 0, 0),
        ("360702", dt.date(2026, 12, 1), 2, 0, 0, 0, 0, 0, 0, 0, 1),
    ]
    # the inactive institution of 南昌 is not on the register; the fixture's own one sits at 360000
    assert set(RegionMonth.objects.values_list("region_code", "institutions")) == {
        ("360000", 1),
        ("360100", 1),
        ("360702", 2),
    }


def test_pass_rate_and_workload_rows_exact(world):
    services.refresh(today=TODAY)
    occ = world.occupation.pk
    assert rows(PassRateMonth, "region_code", "month", "occupation_id", "level", "results", "passed") == [
        ("360100", dt.date(2026, 11, 1), occ, 2, 1, 1),
        ("360100", dt.date(2026, 11, 1), occ, 4, 2, 1),
    ]
    # sup1 on t1 and t4; sup2 declined; sup3 no longer active in the group
    assert rows(SupervisorMonth, "supervisor_id", "region_code", "month", "tasks") == [
        (world.sup1.pk, "360100", dt.date(2026, 11, 1), 1),
        (world.sup1.pk, "360702", dt.date(2026, 10, 1), 1),
    ]


def test_window_totals_rolled_up_to_every_scope(world):
    services.refresh(today=TODAY)
    occ, sup = world.occupation.pk, world.sup1.pk
    # distinct institutions with a task over the window (inst_gz had one in October only)
    # (the province's own region has a row too: its institution's risk score, none supervised)
    assert rows(RegionTotal, "region_code", "supervised_institutions") == [
        ("360000", 0),
        ("360100", 1),
        ("360702", 1),
    ]
    assert rows(PassRateTotal, "scope", "occupation_id", "level", "results", "passed") == sorted(
        (scope, occ, level, n, ok)
        for scope in ("", "36", "3601", "360100")
        for level, n, ok in ((2, 1, 1), (4, 2, 1))
    )
    assert rows(SupervisorTotal, "scope", "supervisor_id", "tasks") == [
        ("", sup, 2),
        ("36", sup, 2),
        ("3601", sup, 1),
        ("360100", sup, 1),
        ("3607", sup, 1),
        ("360702", sup, 1),
    ]


@pytest.mark.parametrize(
    ("months", "first", "nc_months"),
    [(1, dt.date(2026, 12, 1), []), (2, dt.date(2026, 11, 1), ["2026-11-01"])],
)
def test_window_length_decides_the_first_month(world, months, first, nc_months):
    done = services.refresh(today=TODAY, months=months)
    assert (done.first_month, done.last_month) == (first, dt.date(2026, 12, 1))
    assert sorted(m for (i, m) in inst_rows() if i == world.inst_nc.pk) == nc_months
    assert RegionMonth.objects.count() == 3 * months


def test_refresh_is_idempotent_and_audited(world):
    services.refresh(today=TODAY)
    snapshot = [
        rows(model, *[f.attname for f in model._meta.concrete_fields if f.attname != "id"])
        for model in (*services.MONTH_MODELS, *services.TOTAL_MODELS)
    ]
    done = services.refresh(today=TODAY)
    again = [
        rows(model, *[f.attname for f in model._meta.concrete_fields if f.attname != "id"])
        for model in (*services.MONTH_MODELS, *services.TOTAL_MODELS)
    ]
    assert again == snapshot
    assert done.rows == 6 + 36 + 2 + 2 + 3 + 8 + 6  # region totals: 3 (the province's own risk row)
    assert Refresh.objects.count() == 2
    events = AuditEvent.objects.filter(action="dashboards.aggregates.refresh").order_by("id")
    assert [e.after for e in events] == [{"rows": 63, "months": 12}] * 2
    assert events.last().object_label == "2026-01 至 2026-12"


def test_refresh_keeps_the_last_ten_records(db):
    for _ in range(11):
        services.refresh(today=TODAY)
    assert Refresh.objects.count() == 10


def test_domain_helpers():
    assert domain.month_window(dt.date(2026, 3, 31), 3) == [
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    ]
    assert domain.month_window(dt.date(2026, 1, 15), 2) == [dt.date(2025, 12, 1), dt.date(2026, 1, 1)]
    with pytest.raises(ValueError):
        domain.month_window(TODAY, 0)
    assert domain.add_months(dt.date(2026, 12, 1), 1) == dt.date(2027, 1, 1)
    assert domain.city_code("360702") == "360700"
    assert domain.city_code("360100") == "360100"
    assert domain.group_code("360702", "36") == "360700"
    assert domain.group_code("360702", "") == "360700"
    assert domain.group_code("360702", "3607") == "360702"
    assert domain.rate(1, 3) == 33.3
    assert domain.rate(0, 0) is None
    assert domain.ratio(2, 1) == 2.0
    assert domain.ratio(1, 0) is None


def _command(*args):
    out = io.StringIO()
    call_command("dashboards", *args, stdout=out)
    return out.getvalue()


def test_command_refreshes(world):
    out = json.loads(_command("refresh", "--date", "2026-12-03", "--json"))
    assert out == {
        "rows": 63,
        "seconds": out["seconds"],
        "first_month": "2026-01-01",
        "last_month": "2026-12-01",
    }
    text = _command("refresh", "--date", "2026-12-03", "--months", "2")
    assert text.startswith("已刷新 2026-11 至 2026-12 的统计数据:")
    assert InstitutionMonth.objects.count() == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--months", "0"), "月数应为 1 到 120 的整数:0"),
        (("--months", "121"), "月数应为 1 到 120 的整数:121"),
        (("--date", "2026-13-01"), "日期格式应为 YYYY-MM-DD:2026-13-01"),
    ],
)
def test_command_refuses_bad_input_and_changes_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        _command("refresh", *args)
    assert Refresh.objects.count() == 0


def test_command_accepts_the_month_limits(db):
    assert json.loads(_command("refresh", "--months", "1", "--json"))["first_month"] == "2026-12-01"
    assert json.loads(_command("refresh", "--months", "120", "--json"))["first_month"] == "2017-01-01"


@pytest.mark.django_db(transaction=True)  # the worker closes a connection left in a test transaction
def test_enqueue_then_db_worker_refreshes():
    from django_tasks_db.models import DBTaskResult

    out = _command("refresh", "--enqueue", "--date", "2026-12-03")
    row = DBTaskResult.objects.get()
    assert out == f"已放入任务队列:{row.id}\n"
    assert row.task_path == "dudao.dashboards.tasks.refresh_task"
    assert Refresh.objects.count() == 0
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert row.return_value == {
        "rows": 0,
        "seconds": row.return_value["seconds"],
        "first_month": "2026-01-01",
    }
    assert Refresh.objects.count() == 1


def _penalty(world, institution, days_ago: int):
    return Penalty.objects.create(
        authority=world.authority,
        institution=institution,
        kind="order_to_correct",
        ground="falsification",
        description="伪造考场记录",
        decided_by=world.users["superuser"],
        decided_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def _open_flag(institution, n: int):
    return Flag.objects.create(
        kind="heaping",
        source="scan",
        institution=institution,
        statistic=3.5,
        fingerprint=f"dash-{n}",
        created_at=timezone.now(),
    )


def _zhanggong():
    return RegionTotal.objects.get(region_code="360702")


def test_region_risk_counts_high_risk_from_a_score_of_ten(world):
    """RAND-1 on the dashboard: an institution is high-risk when its draw weight reaches 2 (score 10);
    章贡丙 (inst_gz2) has no other record, so its score is exactly what is added here."""
    services.refresh(today=TODAY)
    before = _zhanggong()
    assert before.scored_institutions == 2

    _penalty(world, world.inst_gz2, 30)  # order to correct: 5 points
    _open_flag(world.inst_gz2, 1)
    _open_flag(world.inst_gz2, 2)  # two open flags: 2 points each -> 9.00, weight 1.90
    services.refresh(today=TODAY)
    nine = _zhanggong()
    assert nine.risk_score_sum - before.risk_score_sum == Decimal("9.00")
    assert nine.high_risk_institutions == before.high_risk_institutions

    Flag.objects.filter(institution=world.inst_gz2).delete()
    _penalty(world, world.inst_gz2, 40)  # two orders to correct -> 10.00, weight 2.00
    services.refresh(today=TODAY)
    ten = _zhanggong()
    assert ten.risk_score_sum - before.risk_score_sum == Decimal("10.00")
    assert ten.high_risk_institutions == before.high_risk_institutions + 1
    assert ten.scored_institutions == 2


def test_region_without_supervision_still_gets_its_risk_row(world):
    services.refresh(today=TODAY)
    # 360000 (the province's own institution) had no supervised institution in the window
    row = RegionTotal.objects.get(region_code="360000")
    assert (row.supervised_institutions, row.scored_institutions) == (0, 1)


def test_risk_mean_rounds_and_is_empty_without_institutions():
    assert domain.risk_mean(Decimal("10.00"), 3) == Decimal("3.33")
    assert domain.risk_mean(Decimal("0.05"), 2) == Decimal("0.02")  # half to even
    assert domain.risk_mean(Decimal("0"), 0) is None
