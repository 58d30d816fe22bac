"""Issue 13 flags in the browser: the authority's list with filters, a flag's evidence, dismissing it with a
reason (screenshots under test-results/e2e for a person to look at)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dudao.accounts.models import Role
from dudao.analytics import services
from dudao.analytics.models import Flag
from tests import factories as f
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DAY = dt.date(2026, 12, 10)


def _as(browser, live_server, user, *, width=1366, height=900):
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": width, "height": height}
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def test_flag_list_detail_and_dismissal(browser, live_server):
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市高级技工学校")
    staff = f.UserFactory(
        username="staff", display_name="张核查", role=Role.AUTHORITY_STAFF, authority=authority
    )
    base = {
        "source": "database",
        "authority_id": authority.pk,
        "institution_id": institution.pk,
        "batch_id": None,
        "examiner_id": None,
        "period_start": DAY,
        "period_end": DAY,
        "p_value": None,
    }
    services.record_flags(
        [
            base
            | {
                "kind": "late_checkin",
                "subject_key": "PC202612100001",
                "statistic": 3.0,
                "evidence": {
                    "session": "理论知识考试(4级)2026-12-10 09:00",
                    "starts_at": "2026-12-10 09:00:00",
                    "count": 3,
                    "threshold": 3,
                    "rows": [
                        {
                            "candidate": f"BM7Q2K{n}",
                            "room": "第1考场",
                            "seat": n,
                            "at": f"2026-12-10 09:{10 + n}:00",
                            "minutes_after_start": 10.0 + n,
                            "status": "迟到",
                        }
                        for n in (1, 2, 3)
                    ],
                },
                "basis": ["late", 1],
            },
            base
            | {
                "kind": "heaping",
                "source": "scan",
                "subject_key": "PC202612100002|theory",
                "statistic": 2.4,
                "p_value": 0.00031,
                "evidence": {
                    "subject": "theory",
                    "papers": 48,
                    "at_pass_mark": 12,
                    "zone_papers": 15,
                    "expected_at_pass_mark": 5.0,
                    "candidates": ["BM8A1", "BM8A2", "BM8A3"],
                    "q_value": 0.0021,
                },
                "basis": ["heap", 1],
            },
        ]
    )
    page = _as(browser, live_server, staff)
    page.goto("/analytics/flags/")
    assert page.locator("#flags tbody tr").count() == 2
    shot(page, "flags-list")
    page.select_option("select[name=kind]", "heaping")
    page.click("#filters button")
    page.wait_for_url("**kind=heaping**")
    page.wait_for_selector("#flags tbody tr")
    assert page.locator("#flags tbody tr").count() == 1
    page.click("#flags tbody tr a >> nth=0")
    assert "有 12 份试卷落在及格线上" in page.inner_text("#summary")
    shot(page, "flag-detail-heaping")
    page.goto("/analytics/flags/")
    late = Flag.objects.get(kind="late_checkin")
    page.goto(f"/analytics/flags/{late.pk}/")
    assert page.locator("#evidence tbody tr").count() == 3
    page.fill("#dismiss-reason", "三名考生持准考证迟到,已按规定登记,不属异常")
    page.click("#dismiss button")
    page.wait_for_load_state()
    assert page.inner_text("#status") == "已排除"
    shot(page, "flag-detail-dismissed")
    phone = _as(browser, live_server, staff, width=390, height=844)
    phone.goto("/analytics/flags/")
    shot(phone, "flags-list-phone")
