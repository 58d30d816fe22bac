"""Termination of a filing after a missed rectification, in the browser: the authority starts it from the
task (confirmation dialog), the institution states its case, the authority decides; screenshots for review."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.registry.models import Filing
from dudao.supervision.models import FilingTermination, Rectification
from tests.clock import TODAY
from tests.e2e.conftest import login, shot
from tests.supervision.conftest import world_fixture  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_termination_journey(page, world, browser, live_server):
    task = world.task("rectification_ordered")
    Rectification.objects.filter(task=task).update(due_on=TODAY - dt.timedelta(days=1))
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "auth_staff")
    page.goto(f"/supervision/tasks/{task.pk}/")
    page.get_by_role("link", name="整改逾期,启动终止备案").click()
    page.wait_for_url(f"**/tasks/{task.pk}/terminate/")
    page.fill("textarea[name=notice]", "你单位未在整改期限内提交整改材料,拟终止备案。")
    page.check("input[name=confirm]")
    shot(page, "termination-start")
    page.get_by_role("button", name="送达告知").click()
    page.wait_for_url("**/supervision/terminations/*/")
    t = FilingTermination.objects.get()
    assert "已送达拟终止备案告知" in page.locator("body").inner_text()

    institution = browser.new_context(base_url=live_server.url, locale="zh-CN")
    other = institution.new_page()
    other.on("dialog", lambda dialog: dialog.accept())
    login(other, "inst_admin")
    other.goto(f"/supervision/terminations/{t.pk}/")
    other.fill("textarea[name=statement]", "因系统故障延误,请求宽限。")
    other.get_by_role("button", name="提交陈述申辩").click()
    other.wait_for_load_state()
    assert "陈述申辩意见已提交" in other.locator("body").inner_text()
    shot(other, "termination-statement")
    institution.close()

    page.goto(f"/supervision/terminations/{t.pk}/")
    page.check("input[name=decision][value=terminate]")
    page.fill("textarea[name=note]", "陈述申辩理由不成立,逾期未整改。")
    page.get_by_role("button", name="作出决定").click()
    page.wait_for_load_state()
    assert "已作出终止备案决定,备案已终止" in page.locator("body").inner_text()
    shot(page, "termination-decided")
    assert Filing.objects.get(pk=world.filing.pk).status == "terminated"
