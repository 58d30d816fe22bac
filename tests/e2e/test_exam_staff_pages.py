"""Issue 10 staff pages in the browser: the institution drafts and publishes a notice, reviews a
registration, the authority confirms it, the institution arranges a session and seats, and attendance
shows per room. Screenshots for the manual."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import ExamPlan, Registration
from tests import factories as f
from tests.e2e.conftest import login, shot
from tests.factories import exams as fx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    inst = f.InstitutionFactory(authority=authority, region=province, name="南昌高级技工学校")
    batch = fx.exam_batch(inst)
    f.UserFactory(username="inst1", role=Role.INSTITUTION_ADMIN, institution=inst, display_name="机构管理员")
    f.UserFactory(username="staff1", role=Role.AUTHORITY_STAFF, authority=authority, display_name="李科员")
    return {"batch": batch, "institution": inst}


def _as(browser, live_server, username, viewport=None):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=viewport or {"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, username)
    return page


def test_staff_journey_in_the_browser(browser, live_server, world, time_machine):
    batch = world["batch"]
    page = _as(browser, live_server, "inst1")
    page.goto("/exams/")
    shot(page, "exams-plan-list-empty")
    page.get_by_role("link", name="编制认定计划").first.click()
    page.get_by_text(batch.code).click()
    values = fx.plan_values(batch)
    page.fill("input[name=title]", values["title"])
    for name in ("registration_opens_on", "registration_closes_on", "withdraw_deadline"):
        page.fill(f"input[name={name}]", values[name].isoformat())
    page.fill("input[name=fee_basis]", values["fee_basis"])
    page.fill("textarea[name=eligibility_summary]", values["eligibility_summary"])
    page.fill("input[name=contact_name]", values["contact_name"])
    page.fill("input[name=contact_phone]", values["contact_phone"])
    page.fill("input[name=fee_4]", "300")
    page.fill("input[name=fee_2]", "500")
    shot(page, "exams-plan-form")
    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    with page.expect_navigation():
        page.get_by_role("button", name="发布公告").click()
    shot(page, "exams-plan-detail")
    plan = ExamPlan.objects.get()
    assert plan.status == "published"

    admin = plan.batch.institution.users.get(username="inst1")
    fx.register(plan, 1)
    fx.register(plan, 2, work_years="2")
    page.goto(f"/exams/{plan.pk}/registrations/")
    shot(page, "exams-registration-list")
    first = Registration.objects.get(precheck_route="4b")
    page.goto(f"/exams/registrations/{first.pk}/")
    page.check("input[name=decision][value=approve]")
    with page.expect_navigation():
        page.get_by_role("button", name="提交审核结论").click()
    first.refresh_from_db()
    assert first.status == "institution_approved"

    authority_page = _as(browser, live_server, "staff1")
    for path, name in (
        ("/exams/question-policy/", "exams-question-policy"),
        ("/exams/eligibility-rules/", "exams-rules"),
    ):
        authority_page.goto(path)
        shot(authority_page, name)
    authority_page.goto(f"/exams/registrations/{first.pk}/")
    shot(authority_page, "exams-registration-confirm")
    authority_page.check("input[name=decision][value=approve]")
    with authority_page.expect_navigation():
        authority_page.get_by_role("button", name="提交审核结论").click()
    first.refresh_from_db()
    assert first.status == "approved" and first.ticket_number

    page.goto(f"/exams/{plan.pk}/arrangement/")
    page.select_option("select[name=subject]", "theory")
    page.select_option("select[name=level]", "4")
    page.fill("input[name=starts_at]", f"{fx.EXAM_DAY.isoformat()}T09:00")
    page.fill("input[name=ends_at]", f"{fx.EXAM_DAY.isoformat()}T11:00")
    with page.expect_navigation():
        page.get_by_role("button", name="添加场次").click()
    page.locator("input[name$=-name]").fill("第01考场")
    page.locator("input[name$=-capacity]").fill("30")
    with page.expect_navigation():
        page.get_by_role("button", name="添加考场").click()
    with page.expect_navigation():
        page.get_by_role("button", name="编排座位").click()
    assert "座位已编排" in page.content()
    shot(page, "exams-arrangement")

    room = plan.sessions.get().rooms.get()
    # the exam morning (check-in opens an hour before the 09:00 start); the 8-hour login does not
    # last until then, so the institution signs in again
    time_machine.move_to(fx.at(fx.EXAM_DAY, 8, 50))
    services.checkin_record(actor=admin, room=room, code=first.ticket_number, identity_checked=True)
    page = _as(browser, live_server, "inst1")
    page.goto(f"/exams/{plan.pk}/attendance/")
    assert page.locator("#attendance tfoot").inner_text().split()[1:4] == ["1", "1", "0"]
    shot(page, "exams-attendance")
    phone = _as(browser, live_server, "inst1", {"width": 390, "height": 844})
    phone.goto(f"/exams/{plan.pk}/registrations/")
    shot(phone, "exams-registration-list-phone")
