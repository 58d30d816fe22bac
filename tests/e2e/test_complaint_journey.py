"""Issue 12 journey in the browser: a complaint filed on a phone → accepted → a handler assigned → special
supervision dispatched from it (ACT-1 (3)) → verified → penalty proposal (INST-4) decided by the authority →
reply visible to the filer with the code and secret (COMPL-1…3). The handler never sees the filer."""

from __future__ import annotations

import pytest
from django.test import Client

from dudao.accounts.models import Role
from dudao.complaints.models import Complaint
from tests import factories as f
from tests.e2e.conftest import shot
from tests.supervision.app_support import make_supervisor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _as(browser, live_server, user):
    """A desktop page logged in as `user` (the session cookie of a forced login: no second factor here)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def test_complaint_from_phone_to_reply(browser, live_server, phone_page):
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市高级技工学校")
    admin = f.UserFactory(
        username="auth_admin", display_name="王处长", role=Role.AUTHORITY_ADMIN, authority=authority
    )
    handler = f.UserFactory(
        username="handler", display_name="张办理", role=Role.AUTHORITY_STAFF, authority=authority
    )
    crew = [make_supervisor(authority, name, 700 + n) for n, name in enumerate(("赵一", "钱二", "孙三"))]

    # the public files on a phone
    phone = phone_page
    phone.goto("/complaints/public/")
    phone.fill("input[name=institution]", institution.name)
    phone.select_option("select[name=category]", "fees")
    phone.fill("textarea[name=content]", "报名时收取的培训费高于公示标准。")
    phone.fill("input[name=contact_name]", "李四")
    phone.fill("input[name=contact_phone]", "13912345678")
    phone.click("#complaint-form button[type=submit]")
    code, secret = phone.inner_text("#filed-code"), phone.inner_text("#filed-secret")
    complaint = Complaint.objects.get(code=code)
    url = f"/complaints/{complaint.pk}/"

    # the authority accepts and assigns a handler
    boss = _as(browser, live_server, admin)
    boss.goto(url)
    boss.fill("#decide-reason", "属于受理范围")
    boss.click("#decide button[value=accept]")
    boss.select_option("#assign select[name=user]", str(handler.pk))
    boss.click("#assign button")
    assert "张办理" in boss.inner_text("#handlers")

    # the handler investigates and dispatches a special supervision
    work = _as(browser, live_server, handler)
    work.goto(url)
    assert "李四" not in work.content() and work.locator("#show-filer").count() == 0
    work.click("#next-step button")
    work.select_option("#dispatch-supervisors", [str(s.pk) for s in crew])
    work.fill("#dispatch-start", "2026-12-10T09:00")
    work.fill("#dispatch-end", "2026-12-10T12:00")
    work.click("#dispatch button")
    complaint.refresh_from_db()
    assert complaint.task.kind == "special"
    assert complaint.task.number in work.inner_text("#task")
    shot(work, "complaints-investigating-with-task")
    work.check("input[name=finding][value=verified]")
    work.fill("#finding-text", "经查,培训费每人多收 300 元。")
    work.click("#next-step button")
    work.select_option("#disposition", "penalty_proposal")
    work.fill("#note", "机构违规收费,建议通报批评并责令退费。")
    work.select_option("select[name=measure]", "criticism_and_correction")
    work.select_option("select[name=ground]", "other")
    work.click("#next-step button")
    assert "待人社部门决定" in work.inner_text("#penalty")

    # the authority decides the proposed penalty
    boss.goto(url)
    boss.click("#impose button")
    assert "通报批评" in boss.inner_text("#penalty")
    shot(boss, "complaints-penalty-decided")

    # the handler replies; the filer reads it on the phone
    work.goto(url)
    work.fill("#reply-text", "经查属实,已责令该机构退还多收费用并通报批评。")
    work.click("#next-step button")
    phone.goto("/complaints/public/follow/")
    phone.fill("input[name=code]", code)
    phone.fill("input[name=secret]", secret)
    phone.click("form button[type=submit]")
    assert "已责令该机构退还多收费用" in phone.content() and "已答复" in phone.content()
    assert "300 元" not in phone.content()  # the investigation stays internal
    shot(phone, "complaints-reply-on-phone")
