"""Risk score in the browser (issue 13 item 2; RAND-1): the 风险评分 card on the institution page for the
authority's staff, the draw form's 按风险加权 option, and the public draw page listing the frozen weights."""

from __future__ import annotations

import pytest
from django.test import Client

from dudao.accounts.models import Role
from dudao.supervision import services
from tests.analytics.test_risk_draws import PERIOD, ago, complaint, finding
from tests.e2e.conftest import shot
from tests.supervision.app_support import World, publish_draw, run_draw

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _as(browser, live_server, user=None):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
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


def test_risk_card_and_public_weights(browser, live_server, users, institution, other_institution):
    world = World(users, institution, other_institution)
    task = world.task("dispatched")
    finding(task, "serious", world.auth_staff)
    finding(task, "minor", world.auth_staff)
    complaint(institution, finding="verified", found_at=ago(400), status="closed")

    staff = _as(browser, live_server, users[Role.AUTHORITY_STAFF])
    staff.goto(f"/registry/institutions/{institution.pk}/")
    assert staff.inner_text("#risk-score-value") == "9.50"  # 6 + 1 + 5 / 2
    assert staff.inner_text("#risk-weight") == "1.95"
    assert "抽中权重 = 1 + 评分 ÷ 10" in staff.get_attribute("#risk-score .card-actions span", "title")
    shot(staff, "risk-institution-card")
    staff.goto("/supervision/draws/new/")
    assert staff.is_visible("input[name=risk_score]")
    shot(staff, "risk-draw-form")

    draw = services.draw_define(
        actor=world.auth_staff,
        title="按风险加权的抽取",
        **PERIOD,
        population="institutions",
        task_kind="daily",
        sample_count=1,
        risk_weights={"risk_score": True},
    )
    draw = run_draw(world, publish_draw(world, draw))
    services.draw_lock(actor=world.auth_staff, draw=draw, row_version=draw.row_version)
    public = _as(browser, live_server)
    public.goto(f"/supervision/public/draws/{draw.pk}/")
    assert "1.95" in public.inner_text("#public-weights")
    shot(public, "risk-public-draw")

    own = _as(browser, live_server, users[Role.INSTITUTION_ADMIN])
    own.goto(f"/registry/institutions/{institution.pk}/")
    assert own.locator("#risk-score").count() == 0
