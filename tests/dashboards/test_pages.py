"""The dashboard pages: figures by scope, each role tried (denials), query counts, public page contents."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.dashboards import selectors, services
from dudao.dashboards.models import PassRateTotal, Refresh, RegionMonth, SupervisorTotal
from tests import factories as f
from tests.conftest import client_for

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def refreshed(world):
    services.refresh(today=TODAY)
    return world


def _table(data):
    keys = ("name", "institutions", "supervised_institutions", "institution_coverage", "batches")
    keys += ("covered_batches", "batch_coverage", "tasks", "findings", "findings_per_task", "pass_rate")
    keys += ("complaints", "verified_complaints")
    return [tuple(r[k] for k in keys) for r in data["table"]]


def test_province_authority_sees_cities(refreshed):
    data = selectors.authority_dashboard(refreshed.users[Role.AUTHORITY_ADMIN])
    assert data["by_city"] is True
    assert _table(data) == [
        ("江西省", 1, 0, 0.0, 0, 0, None, 0, 0, None, None, 0, 0),
        ("南昌市", 1, 1, 100.0, 3, 1, 33.3, 1, 2, 2.0, 66.7, 1, 1),
        ("赣州市", 2, 1, 50.0, 2, 0, 0.0, 1, 0, 0.0, None, 1, 0),
    ]
    assert {
        k: data["total"][k] for k in ("institutions", "supervised_institutions", "institution_coverage")
    } == {
        "institutions": 4,
        "supervised_institutions": 2,
        "institution_coverage": 50.0,
    }
    assert data["trend"]["labels"][0] == "2026-01" and data["trend"]["labels"][-1] == "2026-12"
    assert data["trend"]["coverage"][10] == 33.3  # November: 1 of 3 batches (南昌 2, 章贡 1)
    assert data["trend"]["pass_rate"][10] == 66.7
    assert data["trend"]["pass_rate"][9] is None
    assert data["trend"]["complaints"][10:] == [1, 1]
    assert [
        (r["occupation"], r["level"], r["results"], r["passed"], r["rate"]) for r in data["pass_rates"]
    ] == [
        ("焊工", 4, 2, 1, 50.0),
        ("焊工", 2, 1, 1, 100.0),
    ]
    assert data["workload"] == [{"name": refreshed.sup1.person.name, "tasks": 2}]
    assert data["workload_summary"] == {"supervisors": 1, "assignments": 2, "average": 2.0}


def test_city_authority_sees_its_districts_only(refreshed):
    user = f.UserFactory(username="nc_admin", role=Role.AUTHORITY_ADMIN, authority=refreshed.nc_authority)
    data = selectors.authority_dashboard(user)
    assert data["by_city"] is False
    assert _table(data) == [("南昌市", 1, 1, 100.0, 3, 1, 33.3, 1, 2, 2.0, 66.7, 1, 1)]
    assert data["workload"] == [{"name": refreshed.sup1.person.name, "tasks": 1}]


def test_other_province_sees_nothing_of_this_one(refreshed, other_authority):
    user = f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    data = selectors.authority_dashboard(user)
    assert data["table"] == [] and data["pass_rates"] == [] and data["workload"] == []
    assert data["total"]["institutions"] == 0


def test_no_dashboard_before_the_first_refresh(world):
    assert selectors.authority_dashboard(world.users["superuser"]) == {"refresh": None, "empty": True}
    response = client_for(world.users[Role.AUTHORITY_ADMIN]).get(reverse("dashboards:authority"))
    assert response.status_code == 200
    assert "统计数据尚未生成" in response.content.decode()


def test_institution_against_city_and_province(refreshed):
    data = selectors.institution_dashboard(refreshed.inst_nc)
    own = data["own"]
    assert (own["batches"], own["covered_batches"], own["batch_coverage"]) == (3, 1, 33.3)
    assert (own["results"], own["passed"], own["pass_rate"]) == (3, 2, 66.7)
    assert (own["findings_per_task"], own["serious_share"], own["complaints"]) == (2.0, 50.0, 1)
    city, province = data["norms"]
    assert city["label"] == "本市平均" and city["values"]["pass_rate"] == 66.7
    assert city["values"]["complaints"] == 1.0  # 1 complaint / 1 institution on the register
    assert province["label"] == "全省平均"
    # province: batches 3 (南昌) + 2 (章贡) = 5, covered 1; complaints 2 over 4 institutions
    assert province["values"]["batch_coverage"] == 20.0
    assert province["values"]["complaints"] == 0.5
    assert province["values"]["findings_per_task"] == 1.0  # 2 findings / 2 tasks


def test_public_statistics_hide_small_pass_rates(refreshed):
    data = selectors.public_statistics()
    assert [r["rate"] for r in data["pass_rates"]] == [None, None]  # 2 and 1 results: under 10
    nanchang = next(r for r in data["table"] if r["name"] == "南昌市")
    assert nanchang["pass_rate"] is None and nanchang["results"] == 3
    occ = f.OccupationFactory(code="4-01-01-01", name="电工")
    PassRateTotal.objects.create(scope="", occupation=occ, level=3, results=10, passed=7)
    PassRateTotal.objects.create(scope="", occupation=occ, level=5, results=9, passed=9)
    rates = {(r["occupation"], r["level"]): r["rate"] for r in selectors.public_statistics()["pass_rates"]}
    assert rates[("电工", 3)] == 70.0
    assert rates[("电工", 5)] is None


def _queries(fn, *args):
    with CaptureQueriesContext(connection) as ctx:
        fn(*args)
    return len(ctx.captured_queries)


def test_selector_query_counts_do_not_grow_with_data(refreshed):
    user = refreshed.users[Role.AUTHORITY_ADMIN]
    user = type(user).objects.get(pk=user.pk)
    counts = (
        _queries(selectors.authority_dashboard, user),
        _queries(selectors.institution_dashboard, refreshed.inst_nc),
    )
    counts += (_queries(selectors.public_statistics),)
    month = Refresh.objects.get().last_month
    for i in range(30):
        region = f"3607{i + 10:02d}"
        RegionMonth.objects.create(region_code=region, month=month, institutions=3, batches=4, tasks=2)
        occ = f.OccupationFactory(code=f"4-02-{i:02d}-01", name=f"职业{i}")
        for scope in ("", "36"):
            PassRateTotal.objects.create(scope=scope, occupation=occ, level=3, results=12, passed=6)
        sup = f.SupervisorFactory(authority=refreshed.authority)
        SupervisorTotal.objects.create(scope="36", supervisor=sup, tasks=i + 1)
    user = type(user).objects.get(pk=user.pk)
    after = (
        _queries(selectors.authority_dashboard, user),
        _queries(selectors.institution_dashboard, refreshed.inst_nc),
    )
    after += (_queries(selectors.public_statistics),)
    assert after == counts
    # authority: region prefix (authority, region), refresh, region rows, supervised institutions, names,
    # flags, pass rates, workload top, workload totals
    assert counts == (10, 4, 4)


ROLES = [
    "superuser",
    Role.AUTHORITY_ADMIN,
    Role.AUTHORITY_STAFF,
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_STAFF,
    Role.EXTERNAL_SUPERVISOR,
    Role.INTERNAL_SUPERVISOR,
    Role.EXAMINER,
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
    Role.AUDIT_ADMIN,
    None,
]


def _user(world, role):
    if role is None:
        return None
    if role in world.users:
        return world.users[role]
    return f.UserFactory(username=f"u_{role}", role=role)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_page(refreshed, role, other_authority):
    user = _user(refreshed, role)
    client = client_for(user)
    office = role in ("superuser", Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF)
    institution = role in (Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF)
    expected = {
        reverse("dashboards:authority"): 200 if office else 403,
        reverse("dashboards:institution_own"): 200 if institution else 403,
        reverse("dashboards:institution", args=[refreshed.inst_nc.pk]): 200 if office else 403,
        reverse("dashboards:institution", args=[refreshed.users[Role.INSTITUTION_ADMIN].institution_id]): 200
        if office
        else 403,
        reverse("dashboards:public"): 200,
    }
    for url, status in expected.items():
        response = client.get(url)
        if user is None and url != reverse("dashboards:public"):
            assert response.status_code == 302 and response["Location"].startswith("/login/"), url
        else:
            assert response.status_code == status, (url, role)


def test_other_province_authority_may_not_open_an_institution_here(refreshed, other_authority):
    user = f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    client = client_for(user)
    assert client.get(reverse("dashboards:institution", args=[refreshed.inst_nc.pk])).status_code == 403
    assert client.get(reverse("dashboards:authority")).status_code == 200
    nc_user = f.UserFactory(username="nc_admin", role=Role.AUTHORITY_ADMIN, authority=refreshed.nc_authority)
    nc = client_for(nc_user)
    assert nc.get(reverse("dashboards:institution", args=[refreshed.inst_nc.pk])).status_code == 200
    assert nc.get(reverse("dashboards:institution", args=[refreshed.inst_gz.pk])).status_code == 403
    assert nc.get(reverse("dashboards:institution", args=[999999])).status_code == 404


def test_authority_page_contents_and_chart_data(refreshed):
    response = client_for(refreshed.users[Role.AUTHORITY_STAFF]).get(reverse("dashboards:authority"))
    html = response.content.decode()
    assert re.search(r'id="t-inst-coverage">50.0%<', html)
    assert 'data-region="360100"' in html and 'data-region="360700"' in html
    assert "vendor/echarts-5.6.0/echarts.min.js" in html and "dashboards/dashboards.js" in html
    charts = json.loads(
        re.search(r'<script id="dash-charts" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    assert [c["id"] for c in charts] == ["rates", "activity", "flags", "coverage", "passrates", "workload"]
    assert charts[3]["labels"] == ["江西省", "南昌市", "赣州市"]
    assert charts[3]["series"][0]["values"] == [0.0, 100.0, 50.0]
    for chart_id in ("rates", "activity", "coverage", "passrates", "workload"):
        assert f'data-dash-chart="{chart_id}"' in html


def test_institution_page_shows_own_and_norms(refreshed):
    client = client_for(
        f.UserFactory(username="nc_inst", role=Role.INSTITUTION_STAFF, institution=refreshed.inst_nc)
    )
    html = client.get(reverse("dashboards:institution_own")).content.decode()
    row = re.search(r'<tr data-indicator="pass_rate">(.*?)</tr>', html, re.S)[1]
    assert re.findall(r'dudao-num">([^<]*)<', row) == ["66.7%", "66.7%", "66.7%"]
    assert "南昌甲评价机构" in html


def test_public_page_names_no_institution(refreshed):
    html = client_for(None).get(reverse("dashboards:public")).content.decode()
    assert "南昌市" in html and "赣州市" in html
    for name in ("南昌甲评价机构", "章贡乙评价机构", "章贡丙评价机构", refreshed.sup1.person.name):
        assert name not in html
    # linked from the public disclosure pages
    draws = client_for(None).get(reverse("supervision:public_draw_list")).content.decode()
    assert reverse("dashboards:public") in draws


def _flag(n, kind, *, created_at, institution=None, authority=None, status="open"):
    from dudao.analytics.models import Flag

    return Flag.objects.create(
        kind=kind,
        source="scan",
        authority=authority,
        institution=institution,
        statistic=1.0,
        fingerprint=f"fp-{n}",
        status=status,
        created_at=created_at,
    )


def test_flags_panel_by_month_and_kind(world):
    from tests.dashboards.conftest import at

    _flag(1, "pass_rate", created_at=at(2026, 11, 3), institution=world.inst_nc)
    _flag(2, "pass_rate", created_at=at(2026, 10, 31, 23, 30), institution=world.inst_gz, status="confirmed")
    _flag(3, "leniency", created_at=at(2026, 11, 1, 0, 10), authority=world.nc_authority, status="dismissed")
    _flag(4, "heaping", created_at=at(2025, 12, 31, 23, 59), institution=world.inst_nc)  # before the window
    services.refresh(today=TODAY)
    data = selectors.authority_dashboard(world.users[Role.AUTHORITY_ADMIN])["flags"]
    assert data["raised"][9:] == [1, 2, 0]  # October (Shanghai), November, December
    assert data["confirmed"][9:] == [1, 0, 0]
    assert data["kinds"] == [
        {
            "kind": "pass_rate",
            "label": "通过率明显高于同类",
            "raised": 2,
            "open": 1,
            "confirmed": 1,
            "dismissed": 0,
        },
        {
            "kind": "leniency",
            "label": "考评员评分系统性偏高或偏低",
            "raised": 1,
            "open": 0,
            "confirmed": 0,
            "dismissed": 1,
        },
    ]
    # 南昌's authority: its institution's flag and the flag of its own authority only
    nc_user = f.UserFactory(username="nc_admin", role=Role.AUTHORITY_ADMIN, authority=world.nc_authority)
    nc = selectors.authority_dashboard(nc_user)["flags"]
    assert nc["total"] == {"raised": 2, "open": 1, "confirmed": 0, "dismissed": 1}
    html = client_for(nc_user).get(reverse("dashboards:authority")).content.decode()
    assert 'data-kind="pass_rate"' in html and 'data-kind="leniency"' in html
    assert reverse("analytics:flag_list") in html
