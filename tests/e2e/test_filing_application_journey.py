"""新备案申请 in the browser: the institution applies with its materials, the authority accepts, records the
site evaluation and approves; the institution sees the filing and downloads the receipt."""

from __future__ import annotations

import pytest

from dudao.registry.models import Filing
from dudao.renewals.models import FilingApplication
from tests import factories as f
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_new_filing_journey(page, browser, live_server, users, institution, tmp_path):
    occupation = f.OccupationFactory(code="4-10-01-05", name="养老护理员")
    letter = tmp_path / "备案申请书.pdf"
    letter.write_bytes(f.pdf().read())
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "inst_admin")
    page.goto("/renewals/filings/apply/")
    page.select_option("select[name=occupation_0]", str(occupation.pk))
    page.check("input[name=levels_0][value='4']")
    page.check("input[name=levels_0][value='3']")
    page.fill("textarea[name=summary]", "理论考场 2 间,实操工位 20 个。")
    page.set_input_files("input[name=application_letter]", str(letter))
    shot(page, "filing-apply")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/renewals/filings/*/")
    app = FilingApplication.objects.get()
    assert "备案申请已提交" in page.locator("body").inner_text()

    staff_context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    staff = staff_context.new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    login(staff, "auth_staff")
    staff.goto(f"/renewals/filings/{app.pk}/")
    shot(staff, "filing-review")
    staff.check("input[name=decision][value=accept]")
    with staff.expect_navigation():
        staff.get_by_role("button", name="提交审核结论").click()
    staff.fill("input[name=evaluators]", "张三、李四")
    staff.check("input[name=passed][value='1']")
    staff.fill("textarea[name=notes]", "场地、设施设备符合国家职业技能标准要求。")
    with staff.expect_navigation():
        staff.get_by_role("button", name="记录评估结果").click()
    assert "现场评估结果已记录" in staff.locator("body").inner_text(), staff.locator(
        ".alert"
    ).all_inner_texts()
    staff.check("input[name=approve][value='1']")
    staff.fill("input[name=number]", "赣人社鉴备〔2026〕12号")
    shot(staff, "filing-decide")
    with staff.expect_navigation():
        staff.get_by_role("button", name="提交决定").click()
    assert "决定已记录" in staff.locator("body").inner_text()
    staff_context.close()

    page.goto(f"/renewals/filings/{app.pk}/")
    body = page.locator("body").inner_text()
    assert "准予备案" in body and "赣人社鉴备〔2026〕12号" in body and "备案回执〔2026〕1号" in body
    shot(page, "filing-approved")
    filing = Filing.objects.get(number="赣人社鉴备〔2026〕12号")
    assert (filing.institution_id, filing.status) == (institution.pk, "active")
    response = page.request.get(f"/renewals/filings/{app.pk}/receipt.docx")
    assert response.status == 200
