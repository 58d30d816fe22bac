"""Issue 11 in the browser: a double-marked theory paper with a third marker → results → publication → the
candidate's objection on a phone → the institution's answer → certificates after the 公示 window → the PDF's
QR verifies with the published key → lookup by name + number on a phone. Screenshots for the manual.

The theory papers are marked on the masked-marking pages by three examiners on phones (codes only), the
score book signed by the markers and the tallier; the practical panel's marks enter through the service."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.domain.certificate_seal import load_public_key, verify_seal
from dudao.exams.models import Certificate, CheckIn, ExamResult, Marking, Objection, Paper, RoomStaff, Seat
from tests import factories as f
from tests.e2e.conftest import login, shot
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    inst = f.InstitutionFactory(authority=authority, region=province, name="南昌职业技能评价中心")
    admin = f.UserFactory(
        username="inst1", role=Role.INSTITUTION_ADMIN, institution=inst, display_name="机构管理员"
    )
    staff = f.UserFactory(
        username="staff1", role=Role.AUTHORITY_STAFF, authority=authority, display_name="李科员"
    )
    plan = fx.exam_plan(fx.exam_batch(inst), admin)
    regs = [
        fx.approve(fx.register(plan, n, name=name), admin, staff) for n, name in ((1, "王小明"), (2, "陈丽"))
    ]
    services.certificate_issuer_set(actor=staff, institution=inst, serial="000123")
    session = services.session_create(
        actor=admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    room = services.room_create(actor=admin, session=session, values={"name": "第01考场", "capacity": 2})
    services.seats_assign(actor=admin, plan=plan)
    markers = []
    for n, name in ((1, "赵考评"), (2, "钱考评"), (3, "孙考评")):
        examiner = f.ExaminerFactory(authority=authority, person__name=name)
        markers.append(
            f.UserFactory(
                username=f"marker{n}", role=Role.EXAMINER, person=examiner.person, display_name=name
            )
        )
        RoomStaff.objects.create(room=room, examiner=examiner)
    f.UserFactory(username="tally1", role=Role.INSTITUTION_STAFF, institution=inst, display_name="统分员")
    for seat in Seat.objects.filter(session=session):
        CheckIn.objects.create(seat=seat, status="present", at=fx.at(fx.EXAM_DAY, 8, 50), by=admin)
    return {"plan": plan, "admin": admin, "registrations": regs, "session": session, "markers": markers}


def _mark(page, marking, code, value, button="提交评分"):
    page.goto(f"/exams/marking/{marking.pk}/")
    item = page.locator(f"#paper-{code}")
    item.locator("input[name=value]").fill(str(value))
    with page.expect_navigation():
        item.get_by_role("button", name=button).click()


def _sign(page, marking, name):
    page.goto(f"/exams/marking/{marking.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _page(browser, live_server, username=None, phone=False):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=viewport, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda dialog: dialog.accept())
    if username:
        login(page, username)
    return page


def test_from_marks_to_a_certificate_anyone_can_check(browser, live_server, world, time_machine, tmp_path):
    plan, admin = world["plan"], world["admin"]
    first, second = world["registrations"]
    time_machine.move_to(fx.at(fx.EXAM_DAY + dt.timedelta(days=1), 10))
    e1, e2, e3 = world["markers"]

    # the institution opens the marking: codes for the papers, 孙考评 leads the team
    inst = _page(browser, live_server, "inst1")
    inst.goto(f"/exams/{plan.pk}/marking/")
    inst.select_option("select[name=leader]", label="孙考评")
    with inst.expect_navigation():
        inst.get_by_role("button", name="开启").click()
    marking = Marking.objects.get()
    code = {
        p.seat.registration_id: p.code for p in Paper.objects.filter(marking=marking).select_related("seat")
    }

    # EXAM-16 on phones: 58 and 72 differ by 14 > 10 → a third marker, 70: the closest pair 72/70 → 71
    m1, m2, m3 = (_page(browser, live_server, u.username, phone=True) for u in (e1, e2, e3))
    _mark(m1, marking, code[first.pk], 58)
    _mark(m1, marking, code[second.pk], 55)
    _mark(m2, marking, code[first.pk], 72)
    _mark(m2, marking, code[second.pk], 58)
    m3.goto(f"/exams/marking/{marking.pk}/")
    assert "58.0(" not in m3.content()  # the third marker marks blind
    assert first.person.name not in m3.content()  # codes only
    _mark(m3, marking, code[first.pk], 70, button="提交第三评")
    shot(m3, "exams-marking-phone")
    for page in (m1, m2, m3):  # every examiner who marked signs, the third marker too
        _sign(page, marking, "考评员签字")
    tally = _page(browser, live_server, "tally1")
    _sign(tally, marking, "统分员签字并合成成绩")
    assert "王小明" in tally.content()  # joined after the tallier's signature
    shot(tally, "exams-marking-signed")

    practical = {"subject": "practical", "panel": [78, 80, 76]}
    services.results_record(
        actor=admin,
        plan=plan,
        entries=[{"registration": r.number, "subjects": [practical]} for r in (first, second)],
    )
    assert ExamResult.objects.get(registration=first).judged["subjects"][0]["mark"] == 71

    inst.goto(f"/exams/{plan.pk}/results/")
    with inst.expect_navigation():
        inst.get_by_role("button", name="公示成绩").click()
    assert "已公示" in inst.content()
    shot(inst, "exams-results")

    # the failed candidate objects on a phone
    phone = _page(browser, live_server, phone=True)
    phone.goto("/exams/my/")
    phone.fill("input[name=number]", second.number)
    phone.fill("input[name=id_number]", make_resident_id(2, birth="19900101"))
    with phone.expect_navigation():
        phone.get_by_role("button", name="查询").click()
    assert "不合格" in phone.inner_text("#own-result")
    phone.fill("#objection-reason", "理论成绩与自估差距较大,申请复核")
    with phone.expect_navigation():
        phone.get_by_role("button", name="提交复核申请").click()
    shot(phone, "exams-own-result-phone")
    objection = Objection.objects.get()

    inst.goto(f"/exams/{plan.pk}/results/")
    inst.fill("input[name=outcome]", "复核无误,维持原成绩")
    with inst.expect_navigation():
        inst.locator("#objections").get_by_role("button", name="提交").click()
    objection.refresh_from_db()
    assert objection.status == Objection.Status.DISMISSED

    # after the window: certificates
    time_machine.move_to(fx.at(plan.publication.objections_close_on + dt.timedelta(days=1), 9))
    inst = _page(browser, live_server, "inst1")
    inst.goto(f"/exams/{plan.pk}/results/")
    with inst.expect_navigation():
        inst.get_by_role("button", name="向合格考生发证").click()
    cert = Certificate.objects.get()
    assert cert.registration_id == first.pk
    shot(inst, "exams-certificates")
    with inst.expect_download() as download:
        inst.get_by_role("link", name="PDF").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes()[:4] == b"%PDF"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(tmp_path / "cert")], check=True
    )
    key = load_public_key(inst.request.get(f"{live_server.url}/api/v1/public/certificates/public-key").body())
    assert verify_seal(cert.seal, key).valid

    # anyone looks it up on a phone by name + number
    public = _page(browser, live_server, phone=True)
    public.goto("/exams/certificates/")
    public.fill("#c-name", "王小明")
    public.fill("#c-number", cert.number)
    with public.expect_navigation():
        public.get_by_role("button", name="查询").click()
    card = public.locator(f"#cert-{cert.number}")
    assert "有效" in card.inner_text() and cert.id_number_masked in card.inner_text()
    shot(public, "exams-certificate-check-phone")
