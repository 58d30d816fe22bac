"""Issue 12 journey in the browser: a yearly quality inspection (QUAL-3, ACT-5) from the authority opening
it, through the institution's self-inspection with QC-STATION (FORM-A) and the authority's external
inspection filled and signed on the evaluation pages, to the results and the 通报 (QUAL-1) whose DOCX and
PDF carry the campaign's scores."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.test import Client
from docx import Document

from dudao.accounts.models import Role
from dudao.documents.render import soffice_available
from dudao.quality.models import CampaignEntry, QualityCampaign, QualityReport
from tests import factories as f
from tests.e2e.conftest import shot
from tests.factories.scorecards import best_answers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROGRESS_IS = "(text) => document.querySelector('[data-live-progress]').textContent.trim() === text"
PROGRESS_DONE = "() => document.querySelector('[data-live-progress]').textContent.includes('22/22')"


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
    page.set_default_timeout(20000)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_yearly_inspection_from_self_inspection_to_the_report_pdf(browser, live_server):
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市高级技工学校")
    admin = f.UserFactory(
        username="auth_admin", display_name="王处长", role=Role.AUTHORITY_ADMIN, authority=authority
    )
    staff = f.UserFactory(
        username="inst_admin", display_name="刘主任", role=Role.INSTITUTION_ADMIN, institution=institution
    )

    # the authority creates and opens the 2026 campaign
    boss = _as(browser, live_server, admin)
    boss.goto("/quality/campaigns/")
    boss.fill("#year", "2026")
    boss.click("#create-campaign")
    boss.wait_for_selector("#open")
    boss.click("#open")
    boss.wait_for_selector("text=年度质量检查已启动")
    assert boss.inner_text("#status") == "自查中"
    assert "2026-12-17" in boss.inner_text("#self-due")
    shot(boss, "quality-campaign-opened")
    campaign = QualityCampaign.objects.get()

    # the institution self-inspects with QC-STATION: 1.1 partly met, the bonus earned → 100 (capped)
    mine = _as(browser, live_server, staff)
    mine.goto("/quality/campaigns/self/")
    mine.click("#tasks a.btn")
    for item_id, value in best_answers("QC-STATION").items():
        mine.select_option(f"select[name='item-{item_id}']", "no" if value is False else value)
    mine.select_option("select[name='item-1.1']", "partial")
    mine.select_option("select[name='item-3.8']", "partial")
    shot(mine, "quality-campaign-self-form")
    mine.click("#submit")
    mine.wait_for_selector("text=自查已提交")
    assert "94.00 分(优秀)" in mine.inner_text("#self-result")  # 100 − 3 − 3
    shot(mine, "quality-campaign-self-submitted")

    # every institution has self-inspected: the authority draws (all) and starts the external inspection
    boss.reload()
    boss.click("#sample")
    boss.wait_for_selector("text=已抽取外查机构")
    assert boss.inner_text("#status") == "外查中"
    shot(boss, "quality-campaign-sampled")
    boss.click(f"[data-inspect='{institution.pk}']")
    boss.wait_for_selector("[data-live-progress]")
    entry = CampaignEntry.objects.get(campaign=campaign)
    evaluation = entry.evaluation
    assert boss.url.endswith(f"/scorecards/{evaluation.pk}/")

    # the external inspection on the evaluation pages: 1.1, 2.1 and 3.2 not met, 4.2 partly
    external = best_answers("QC-STATION") | {"1.1": "none", "2.1": "none", "3.2": "none", "4.2": "partial"}
    for n, (item_id, value) in enumerate(external.items(), start=1):
        key = str(value).lower()
        boss.locator(f"label[for='item-{item_id.replace('.', '_')}-{key}']").click()
        boss.wait_for_function(PROGRESS_IS, arg=f"已评 {n}/22 项")  # one save at a time
    boss.wait_for_function(PROGRESS_DONE)
    boss.reload()  # the submit form carries the version read with the page
    boss.click("#submit-btn")
    boss.wait_for_selector("text=评估已提交,请评估组成员逐一签名确认")
    boss.goto(f"/scorecards/{evaluation.pk}/sign/")
    boss.check("input[name=confirm]")
    boss.click("button:has-text('签名确认')")
    boss.wait_for_selector("text=评估组全部成员已签名,评估已签署")

    # results: self 94, external 84 (100 − 5 − 4 − 5 − 2, 良), gap −10; then the campaign is closed
    boss.goto(f"/quality/campaigns/{campaign.pk}/")
    row = boss.inner_text(f"#results tr[data-institution='{institution.pk}']")
    assert "94.00" in row and "84.00" in row and "-10.00" in row and "良" in row
    boss.click("#close")
    boss.wait_for_selector("text=年度质量检查已结束")
    assert boss.inner_text("#status") == "已结束"
    shot(boss, "quality-campaign-results")

    # the 通报 of 2026 carries the campaign
    boss.click("#to-reports")
    boss.fill("#period-start", "2026-01-01")
    boss.click("#create button.btn-primary")
    boss.wait_for_selector("text=质量通报草稿已生成")
    report = QualityReport.objects.get()
    assert report.row_of(institution.pk)["campaign"]["external_total"] == "84.00"
    boss.click("#publish")
    boss.wait_for_selector("text=通报已发布")
    docx = boss.request.get(f"/quality/{report.pk}/document.docx")
    assert docx.ok
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.body())).paragraphs)
    assert "三、年度质量检查情况" in text
    assert "南昌市高级技工学校:外查84.00分(良),自查94.00分,外查比自查低10.00分。" in text
    if not soffice_available():
        pytest.skip("LibreOffice (soffice) is installed by `make install`: the PDF needs it")
    pdf = boss.request.get(f"/quality/{report.pk}/document.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    plain = "".join(
        subprocess.run(["pdftotext", "-", "-"], input=pdf.body(), capture_output=True).stdout.decode().split()
    )
    assert "年度质量检查情况" in plain and "外查84.00分(良),自查94.00分,外查比自查低10.00分" in plain
