"""The yearly cycle in the browser (ACT-6): the authority drafts the annual plan, publishes it (confirmation
dialog), sees the progress, generates the year-end summary, writes it and finalises it; screenshots for
review. An institution admin does not see the menu entry and is refused the page."""

from __future__ import annotations

import pytest

from dudao.supervision.models_plans import AnnualPlan, AnnualSummary
from tests.e2e.conftest import login, shot
from tests.supervision.conftest import world_fixture  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_annual_plan_journey(page, world, browser, live_server):
    world.task("closed", world.s1)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "auth_staff")
    page.goto("/supervision/annual-plans/")
    page.get_by_role("link", name="制定年度计划").click()
    page.fill("input[name=year]", "2026")
    page.fill("input[name=responsible]", "张科长")
    page.fill("input[name=target_institutions]", "4")
    page.fill("input[name=target_tasks]", "10")
    page.fill("input[name=draws_per_year]", "4")
    page.fill("input[name=draw_ratio]", "0.2")
    page.fill("input[name=risk_draw_ratio]", "0.5")
    page.check("input[name=items][value=self_inspection]")
    page.fill("textarea[name=q1]", "制定并发布年度计划")
    shot(page, "annual-plan-form")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/supervision/annual-plans/*/")
    page.get_by_role("button", name="发布计划").click()
    page.wait_for_load_state()
    assert "年度督导工作计划已发布" in page.locator("body").inner_text()
    plan = AnnualPlan.objects.get()
    assert plan.status == "published"
    progress = page.locator("#plan-progress").inner_text()
    assert "督导任务(已办结)\t10\t1\t10%" in progress
    shot(page, "annual-plan-detail")

    page.goto("/supervision/annual-plans/")
    page.fill("#id_year", "2026")
    page.get_by_role("button", name="生成年度总结").click()
    page.wait_for_url("**/supervision/annual-summaries/*/")
    page.fill("textarea[name=overview]", "全年完成督导任务一项。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="定稿").click()
    page.wait_for_load_state()
    assert "年度督导工作总结已定稿" in page.locator("body").inner_text()
    assert AnnualSummary.objects.get().status == "final"
    shot(page, "annual-summary-final")

    institution = browser.new_context(base_url=live_server.url, locale="zh-CN")
    other = institution.new_page()
    login(other, "inst_admin")
    assert "年度计划与总结" not in other.locator("body").inner_text()
    response = other.goto(f"/supervision/annual-plans/{plan.pk}/")
    assert response.status == 403
    institution.close()
