"""National upload in the browser (CERT-3; FORM-B C4.2): the issuing admin exports the plan's certificates,
downloads the file, confirms with the receipt; the authority's list shows the six-month warning for a batch
not uploaded. Screenshots for the manual."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import Certificate, CertificateUpload
from tests import factories as f
from tests.e2e.conftest import SHOTS, login, shot
from tests.exams.test_results_certificates import failing_theory, passing
from tests.factories import exams as fx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ISSUE_DAY = dt.date(2027, 1, 15)


@pytest.fixture
def world(time_machine):
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    inst = f.InstitutionFactory(authority=authority, region=province, name="南昌职业技能评价中心")
    admin = f.UserFactory(
        username="inst1", role=Role.INSTITUTION_ADMIN, institution=inst, display_name="机构管理员"
    )
    staff = f.UserFactory(
        username="staff1", role=Role.AUTHORITY_STAFF, authority=authority, display_name="李科员"
    )
    plans = []
    for code in ("PC-UP-1", "PC-UP-2"):
        plan = fx.exam_plan(fx.exam_batch(inst, code=code), admin)
        regs = [fx.approve(fx.register(plan, n), admin, staff) for n in (1, 2, 3)]
        plans.append((plan, regs))
    services.certificate_issuer_set(actor=staff, institution=inst, serial="000123")
    time_machine.move_to(fx.at(fx.EXAM_DAY + dt.timedelta(days=1), 10))
    for plan, regs in plans:
        services.results_record(
            actor=admin,
            plan=plan,
            entries=[
                {"registration": r.number, "subjects": s}
                for r, s in zip(regs, [passing(), passing(), failing_theory()], strict=True)
            ],
        )
        services.results_publish(actor=admin, plan=plan)
    time_machine.move_to(fx.at(ISSUE_DAY, 10))
    for plan, _ in plans:
        services.certificates_issue(actor=admin, plan=plan, today=ISSUE_DAY)
    return {"plans": [p for p, _ in plans], "authority": authority, "institution": inst, "staff": staff}


def shot_path(name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


def _page(browser, live_server, username):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 1366, "height": 900},
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, username)
    return page


def test_export_confirm_and_the_six_month_warning(browser, live_server, world, time_machine, tmp_path):
    first, second = world["plans"]
    time_machine.move_to(fx.at(dt.date(2027, 7, 16), 10))  # six months and a day after issuing
    inst = _page(browser, live_server, "inst1")
    inst.goto(f"/exams/{first.pk}/results/")
    assert "超过 6 个月未上报" in inst.inner_text("#uploads")
    inst.select_option("#uploads select[name=format]", "csv")
    with inst.expect_navigation():
        inst.get_by_role("button", name="导出上报文件").click()
    upload = CertificateUpload.objects.get()
    with inst.expect_download() as download:
        inst.locator("#uploads").get_by_role("link", name="下载文件").click()
    path = tmp_path / "upload.csv"
    download.value.save_as(path)
    assert path.read_bytes().startswith("\ufeff证书编号".encode())
    shot(inst, "exams-certificate-upload-exported")
    inst.fill("#uploads input[name=receipt_number]", "GJ-2027-0716")
    with inst.expect_navigation():
        inst.get_by_role("button", name="确认已上报").click()
    upload.refresh_from_db()
    assert upload.status == "uploaded"
    assert set(Certificate.objects.filter(registration__plan=first).values_list("upload", flat=True)) == {
        "uploaded"
    }
    assert "逾期上报" in inst.inner_text("#uploads")
    shot(inst, "exams-certificate-upload-confirmed")

    authority = _page(browser, live_server, "staff1")
    authority.goto("/exams/certificate-uploads/")
    assert authority.inner_text("#noncompliant-count") == "2"  # one overdue, one uploaded late
    assert "超过 6 个月未上报" in authority.inner_text("#upload-batches")
    assert second.batch.code in authority.inner_text("#upload-batches")
    shot(authority, "exams-certificate-upload-list")

    # FORM-B: an evaluation of the institution shows the C4.2 hint with links to the batches
    from dudao.scorecards.services import form_versions_load_shipped

    form_versions_load_shipped(actor=None)
    admin = f.UserFactory(username="auth_admin1", role=Role.AUTHORITY_ADMIN, authority=world["authority"])
    evaluation = f.evaluation("open", actor=admin, institution=world["institution"], leader=world["staff"])
    authority.goto(f"/scorecards/{evaluation.pk}/#item-C4_2")
    hint = authority.locator("[data-prefill='C4.2']")
    assert "2 个批次" in hint.inner_text()
    hint.scroll_into_view_if_needed()
    authority.screenshot(path=str(shot_path("scorecards-prefill-c42")))
