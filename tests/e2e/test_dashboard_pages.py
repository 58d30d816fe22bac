"""Issue 13 dashboards in the browser: the vendored ECharts draws every chart from the json_script data
without the Content-Security-Policy blocking anything, on a desktop and on a phone (screenshots under
test-results/e2e for a person to look at)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dudao.accounts.models import Role
from dudao.dashboards import services
from tests.dashboards.conftest import world  # noqa: F401 - the small province of the dashboards tests
from tests.e2e.conftest import shot, watch_csp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _as(browser, live_server, user, *, width, height):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": width, "height": height}
    )
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


@pytest.mark.parametrize(("width", "height", "label"), [(1366, 900, "desktop"), (390, 844, "phone")])
def test_dashboards_draw_their_charts(browser, live_server, request, width, height, label):
    province = request.getfixturevalue("world")
    services.refresh(today=dt.date(2026, 12, 3))
    pages = [
        ("authority", province.users[Role.AUTHORITY_STAFF], "/dashboards/", 6),
        ("institution", province.users[Role.INSTITUTION_ADMIN], "/dashboards/institution/", 2),
        ("public", None, "/dashboards/public/", 2),
    ]
    for name, user, path, charts in pages:
        page = _as(browser, live_server, user, width=width, height=height)
        violations = watch_csp(page)
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-dash-chart]").count() == charts
        # every chart is drawn (an SVG) or says there is nothing to draw
        drawn = page.locator("[data-dash-chart] svg").count()
        empty = page.locator("[data-dash-chart].dudao-chart-empty").count()
        assert drawn + empty == charts, name
        if name == "authority":  # figures for every chart but the flags one (no flags in the fixture)
            assert drawn == charts - 1
            assert page.locator('[data-dash-chart="flags"].dudao-chart-empty').inner_text() == "暂无数据"
        # nothing wider than the screen except inside the scrolling tables
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, label)
        page.wait_for_timeout(1500)  # ECharts animates the lines in: let it finish before the screenshot
        shot(page, f"dashboards-{name}-{label}")
        assert violations == [], name
        page.context.close()
