"""Issue 3 journey: a social organisation's renewal (延续备案) driven through the pages.

The institution applies with the renewal form; the authority accepts and opens a CQ-RENEWAL evaluation;
the evaluation group fills it on the scorecards pages (77 points: rectify band), submits and signs; the
authority records the outcome: the rectification notice PDF is downloaded and its text checked with
pdftotext; the filing is `rectifying`. After the re-evaluation (96 points) the application is renewed
with the reduced scope (电工 had no evaluation in the period, REN-5).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.registry.models import Batch, Filing, FilingScope, Institution
from dudao.renewals.models import RenewalApplication
from tests import factories as f
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
# FORM-B answers that score 77 (rectify): B4.2 three conditions unmet (−6), B4.5 two cameras missing (−4),
# B5.1 two documents missing (−6), B6.1 an examiner card expired (−3).
DEDUCTIONS = {"B4.2": [3], "B4.5": [2], "B5.1": [0, 2], "B6.1": [1]}
NOTES = {"B4.2": "技能考核场地与备案不一致,无候考区"}


@pytest.fixture
def world():
    today = timezone.localdate()
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    inst = f.InstitutionFactory(
        authority=authority,
        region=province,
        kind=Institution.Kind.SOCIAL_ORG,
        name="南昌市家政服务职业培训学校",
        legal_representative="张法人",
        contact_name="李联系",
        contact_phone="0791-88123456",
        address="南昌市红谷滩区丰和中大道 1 号",
    )
    filing = f.FilingFactory(
        institution=inst,
        authority=authority,
        number="赣人社鉴备〔2022〕18号",
        valid_from=today - dt.timedelta(days=4 * 365),
        valid_until=today + dt.timedelta(days=90),
    )
    occ = {
        "A": f.OccupationFactory(code="4-10-01-05", name="养老护理员"),
        "B": f.OccupationFactory(code="4-10-01-06", name="家政服务员"),
        "C": f.OccupationFactory(code="6-18-02-04", name="电工"),
    }
    for key, levels in (("A", [5, 4, 3]), ("B", [5, 4]), ("C", [4, 3])):
        f.FilingScopeFactory(filing=filing, occupation=occ[key], levels=levels)
    venue = f.VenueFactory(institution=inst)
    for key, days_ago in (("A", 300), ("B", 500)):  # 电工 never evaluated in the period (REN-5)
        start = timezone.now() - dt.timedelta(days=days_ago)
        Batch.objects.create(
            code=f"PC{start:%Y%m%d}{days_ago:04d}",
            institution=inst,
            filing=filing,
            occupation=occ[key],
            levels=[4],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=4),
            venue=venue,
            status="completed",
        )
    f.UserFactory(username="inst1", role=Role.INSTITUTION_ADMIN, institution=inst, display_name="机构管理员")
    f.UserFactory(username="staff1", role=Role.AUTHORITY_STAFF, authority=authority, display_name="李科员")
    sup = f.SupervisorFactory(authority=authority)
    f.UserFactory(
        username="sup1",
        role=Role.EXTERNAL_SUPERVISOR,
        authority=authority,
        person=sup.person,
        display_name="王督导",
    )
    return {"filing": filing, "institution": inst, "today": today}


def _as(browser, live_server, username):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 1366, "height": 900},
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations of irreversible steps
    login(page, username)
    return page


def _fill_evaluation(page, deductions: dict[str, list[int]], notes: dict[str, str]) -> None:
    """Answer every item on the scorecards fill page, one htmx save at a time."""
    forms = page.locator("form.dudao-item-form")
    for i in range(forms.count()):
        form = forms.nth(i)
        item_id = form.get_attribute("data-item")
        with page.expect_response(re.compile(r"/scorecards/\d+/items/")):
            if form.locator("[data-zero]").count():
                form.locator("[data-zero]").click()
            else:
                form.get_by_text("不加分").click()
        for rule, count in enumerate(deductions.get(item_id, [])):
            plus = form.locator(".dudao-counter").nth(rule).locator("[data-step='1']")
            for _ in range(count):
                with page.expect_response(re.compile(r"/scorecards/\d+/items/")):
                    plus.click()
        if item_id in notes:
            with page.expect_response(re.compile(r"/scorecards/\d+/items/")):
                form.locator("textarea[name=note]").fill(notes[item_id])
                form.locator("textarea[name=note]").blur()


def _submit_and_sign(staff, browser, live_server, evaluation_url: str, total: str) -> None:
    staff.goto(evaluation_url)
    staff.locator("#submit-btn").click()
    staff.wait_for_load_state()
    assert total in staff.locator("body").inner_text()
    for page in (staff, _as(browser, live_server, "sup1")):
        page.goto(evaluation_url.rstrip("/") + "/sign/")
        page.locator("input[name=confirm]").check()
        page.get_by_role("button", name="签名确认").click()
        page.wait_for_load_state()


def _evaluation_url(staff) -> str:
    href = staff.locator("#evaluation-card a.btn").get_attribute("href")
    return href


def test_social_org_renewal_with_rectification(browser, live_server, world, tmp_path):
    filing, today = world["filing"], world["today"]

    # 1. The institution applies: the renewal form, scope table prefilled from the filing.
    inst = _as(browser, live_server, "inst1")
    inst.goto("/renewals/")
    inst.get_by_role("link", name="申请延续备案").first.click()
    inst.get_by_role("link", name="填写申报表").click()
    inst.wait_for_url(f"**/renewals/apply/{filing.pk}/")
    assert inst.locator("input[name=basic-name]").input_value() == "南昌市家政服务职业培训学校"
    assert inst.locator(".dudao-scope-table tbody tr").count() == 3
    inst.fill("input[name=managers-0-name]", "王主任")
    inst.fill("input[name=managers-0-post]", "机构负责人")
    inst.fill("textarea[name=summary-text]", "备案期间累计开展 2 个职业 260 人次职业技能等级认定。")
    inst.check("input[name=commitment-accepted]")
    upload = tmp_path / "关于延续开展职业技能等级认定工作的申请.pdf"
    upload.write_bytes(PDF)
    inst.set_input_files("input[name=application_letter]", str(upload))
    shot(inst, "renewal-apply-form")
    inst.get_by_role("button", name="提交申请").click()
    inst.wait_for_url(re.compile(r"/renewals/\d+/$"))
    app = RenewalApplication.objects.get()
    assert "延续备案申请已提交" in inst.locator("body").inner_text()
    assert app.status == "submitted"

    # 2. The authority's queue shows the deadline; it accepts and opens the CQ-RENEWAL evaluation.
    staff = _as(browser, live_server, "staff1")
    staff.goto("/renewals/")
    row = staff.locator("table tbody tr").first
    assert "南昌市家政服务职业培训学校" in row.inner_text()
    assert "剩余 20 个工作日" in row.inner_text() or "剩余 19 个工作日" in row.inner_text()
    shot(staff, "renewal-queue")
    row.get_by_role("link", name="办理").click()
    staff.get_by_role("button", name="受理并开始审核").click()
    staff.wait_for_load_state()
    staff.locator("#action-evaluation label", has_text="王督导").locator("input").check()  # joins the group
    staff.get_by_role("button", name="发起评估").click()
    staff.wait_for_load_state()
    assert "已发起延续备案评估" in staff.locator("body").inner_text()
    evaluation_url = _evaluation_url(staff)

    # 3. The group fills the form on the scorecards pages: 77 points → rectify band.
    staff.goto(evaluation_url)
    _fill_evaluation(staff, DEDUCTIONS, NOTES)
    shot(staff, "renewal-evaluation-filled")
    _submit_and_sign(staff, browser, live_server, evaluation_url, "77.00")

    # 4. The authority records the outcome: rectification notice, filing rectifying.
    staff.goto(f"/renewals/{app.pk}/")
    assert "下发整改通知书,整改后再评估" in staff.locator("#action-outcome").inner_text()
    staff.get_by_role("button", name="记录结果").click()
    staff.wait_for_load_state()
    app.refresh_from_db()
    assert app.status == "rectifying"
    assert Filing.objects.get(pk=filing.pk).status == "rectifying"
    deadline = app.rectification_deadline
    body = staff.locator("body").inner_text()
    assert f"至 {deadline:%Y-%m-%d}" in body and "技能考核场地与备案不一致,无候考区" in body
    shot(staff, "renewal-rectifying")
    with staff.expect_download() as info:
        staff.locator("#notice-pdf").click()
    pdf_path = tmp_path / "整改通知书.pdf"
    info.value.save_as(pdf_path)
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert "整改通知书" in flat and "南昌市家政服务职业培训学校：" in flat
    assert "经对你单位开展延续备案评估，发现存在以下问题：" in flat
    assert "技能考核场地与备案不一致,无候考区" in flat
    assert "整改期为6个月，整改期内暂停职业技能等级认定工作。整改完成后，经评估合格再进行续期备案。" in flat
    assert f"评估得分：77分。整改期限：{today.year}年{today.month}月{today.day}日至" in flat
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in flat
    assert "江西省职业技能鉴定指导中心（盖章）" in flat

    # The institution sees the notice too.
    inst.goto(f"/renewals/{app.pk}/")
    assert "整改通知书 " + app.notice_number in inst.locator("body").inner_text()

    # 5. Re-evaluation after rectification: 96 points → renewed with the reduced scope.
    staff.goto(f"/renewals/{app.pk}/")
    staff.locator("#action-evaluation label", has_text="王督导").locator("input").check()
    staff.get_by_role("button", name="发起评估").click()
    staff.wait_for_load_state()
    evaluation_url = _evaluation_url(staff)
    staff.goto(evaluation_url)
    _fill_evaluation(staff, {}, {})
    _submit_and_sign(staff, browser, live_server, evaluation_url, "96.00")
    staff.goto(f"/renewals/{app.pk}/")
    assert "予以延续备案" in staff.locator("#action-outcome").inner_text()
    staff.get_by_role("button", name="记录结果").click()
    staff.wait_for_load_state()
    app.refresh_from_db()
    assert app.status == "renewed"
    kept = staff.locator("#kept-scope tbody").inner_text()
    dropped = staff.locator("#dropped-scope tbody").inner_text()
    assert "养老护理员" in kept and "家政服务员" in kept and "电工" not in kept
    assert "电工" in dropped and "备案有效期内未开展认定" in dropped
    shot(staff, "renewal-renewed")
    filing.refresh_from_db()
    assert filing.status == "active"
    assert filing.valid_until == app.renewed_until
    assert sorted(
        FilingScope.objects.filter(filing=filing, ended_on=None).values_list("occupation__name", flat=True)
    ) == ["养老护理员", "家政服务员"]
