"""Issue 10 acceptance journey in the browser: the institution publishes the batch's notice → a candidate
registers on a phone → pre-check and two-level review → arrangement and examiner assignment → the candidate
prints the admission ticket (PDF) → check-in on a phone by the ticket's QR → room record with a warning →
the supervisor's task shows attendance and the warning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.exams.models import CheckIn, ExamPlan, Registration, RoomAssignment, Seat, Violation
from dudao.exams.tickets import ticket_qr_payload
from dudao.people.models import ExaminerCard, ExaminerCardScope
from dudao.supervision.models import SupervisionTask, TaskMember
from tests import factories as f
from tests.e2e.conftest import login, shot
from tests.e2e.test_evaluation_phone import png_bytes
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市第一技工学校")
    users = f.role_users(authority=authority, institution=institution)
    batch = fx.exam_batch(institution)
    plan = fx.exam_plan(batch, users[Role.INSTITUTION_ADMIN], publish=False)
    for n in range(1, 6):  # the examiner pool: valid cards for 焊工 levels 4 and 2
        examiner = f.ExaminerFactory(authority=authority)
        card = ExaminerCard.objects.create(
            examiner=examiner,
            number=f"KP{n:06d}",
            issued_on=dt.date(2025, 1, 1),
            valid_until=dt.date(2028, 1, 1),
        )
        ExaminerCardScope.objects.create(card=card, occupation=batch.occupation, levels=[4, 2])
    photo = tmp_path / "me.png"
    photo.write_bytes(png_bytes(90, 120))
    return {"plan": plan, "users": users, "photo": photo}


def _as(browser, live_server, username, *, phone=False):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(30000)
    page.on("dialog", lambda dialog: dialog.accept())
    if username:
        login(page, username)
    return page


def _until(page, condition, seconds: float = 15.0) -> None:
    """Wait (in the page's event loop) until `condition()` holds on the server side. SQLite's shared in-memory
    test database reports "table is locked" while the live server's thread writes that table: try again."""
    for _ in range(int(seconds * 10)):
        try:
            if condition():
                return
        except OperationalError:
            pass
        page.wait_for_timeout(100)
    raise AssertionError("the server never saw it")


def _submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def test_from_the_published_plan_to_the_supervisors_task(browser, live_server, world, time_machine):
    plan, users = world["plan"], world["users"]

    # 1. the institution publishes the notice
    inst = _as(browser, live_server, "inst_admin")
    inst.goto(f"/exams/{plan.pk}/")
    _submit(inst, "发布公告")
    plan.refresh_from_db()
    assert plan.status == ExamPlan.Status.PUBLISHED

    # 2. a candidate registers on a phone
    phone = _as(browser, live_server, None, phone=True)
    phone.goto(f"/exams/notices/{plan.pk}/")
    phone.click("text=我要报名")
    id_number = make_resident_id(7, birth="19900101")
    phone.fill("input[name=name]", "李小明")
    phone.fill("input[name=id_number]", id_number)
    phone.fill("input[name=phone]", "13912345678")
    phone.select_option("select[name=level]", "4")
    phone.fill("input[name=work_years]", "6")
    phone.locator("input[name=photo][capture=user]").set_input_files(str(world["photo"]))
    phone.click("button:has-text('提交报名')")
    phone.wait_for_selector("text=请牢记报名号")
    reg = Registration.objects.get()
    assert (reg.status, reg.precheck_route) == ("submitted", "4b")  # 3. the pre-check: six years of work

    # 3. two-level review: the institution, then the centre holding the filing
    inst.goto(f"/exams/registrations/{reg.pk}/")
    inst.check("input[name=decision][value=approve]")
    _submit(inst, "提交审核结论")
    centre = _as(browser, live_server, "auth_staff")
    centre.goto(f"/exams/registrations/{reg.pk}/")
    centre.check("input[name=decision][value=approve]")
    _submit(centre, "提交审核结论")
    reg.refresh_from_db()
    assert reg.status == "approved" and reg.ticket_number

    # 4. arrangement and assignment
    inst.goto(f"/exams/{plan.pk}/arrangement/")
    inst.select_option("select[name=subject]", "theory")
    inst.select_option("select[name=level]", "4")
    inst.fill("input[name=starts_at]", f"{fx.EXAM_DAY.isoformat()}T09:00")
    inst.fill("input[name=ends_at]", f"{fx.EXAM_DAY.isoformat()}T11:00")
    _submit(inst, "添加场次")
    inst.locator("input[name$=-name]").fill("第01考场")
    inst.locator("input[name$=-capacity]").fill("30")
    _submit(inst, "添加考场")
    _submit(inst, "编排座位")
    _submit(inst, "生成安排")
    _submit(inst, "公布")
    _submit(inst, "锁定")
    assignment = RoomAssignment.objects.get()
    assert assignment.status == "locked"
    assert "添加场次" not in inst.content() and "编排座位" not in inst.content()  # locked: no more changes
    assert len(assignment.result["assignments"][f"r{Seat.objects.get().room_id}"]) == 2  # EXAM-13 minimum
    shot(inst, "exams-journey-assignment")

    # 5. the candidate prints the admission ticket
    phone.goto("/exams/my/")
    phone.fill("input[name=number]", reg.number)
    phone.fill("input[name=id_number]", id_number)
    phone.click("button:has-text('查询')")
    phone.wait_for_selector("#ticket-pdf")
    with phone.expect_download() as download:
        phone.click("#ticket-pdf")
    with open(download.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"

    # 6. check-in on a phone by the ticket's QR
    room = Seat.objects.get().room
    # the exam morning, on the server and in the phone (check-in opens an hour before the 09:00 start)
    morning = fx.at(fx.EXAM_DAY, 8, 50)
    time_machine.move_to(morning)
    staff_phone = _as(browser, live_server, "inst_staff", phone=True)
    staff_phone.clock.install(time=morning)
    staff_phone.goto(f"/exams/rooms/{room.pk}/checkin/")
    staff_phone.fill("#code", ticket_qr_payload(reg.ticket_number))
    staff_phone.click("#lookup-btn")
    staff_phone.wait_for_selector("#cand-photo:visible")
    staff_phone.click("button[data-checkin=present]")
    # the page shows the scan at once and syncs in the background: wait for the server's record
    _until(staff_phone, lambda: CheckIn.objects.exists())
    assert list(CheckIn.objects.values_list("status", "identity_checked")) == [("present", True)]

    # 7. room record with a warning
    staff_phone.goto(f"/exams/rooms/{room.pk}/record/")
    staff_phone.select_option("select[name=violation-seat]", str(Seat.objects.get().pk))
    staff_phone.select_option("select[name=violation-measure]", "warning")
    staff_phone.fill("textarea[name=violation-facts]", "考试中查看手机,经劝阻后停止")
    staff_phone.click("button:has-text('记录违纪')")
    staff_phone.wait_for_selector("text=违纪情况已记录")
    assert Violation.objects.get().measure == "warning"

    # 8. the supervisor's task shows attendance
    sup_user = users[Role.EXTERNAL_SUPERVISOR]
    batch = plan.batch
    task = SupervisionTask.objects.create(
        number="DD-2026-001",
        authority=batch.filing.authority,
        institution=batch.institution,
        batch=batch,
        kind="daily",
        supervisor_kind="external",
        starts_at=batch.starts_at,
        ends_at=batch.ends_at,
        report_due_on=fx.EXAM_DAY + dt.timedelta(days=10),
        dispatched_at=timezone.now(),
    )
    TaskMember.objects.create(task=task, supervisor=sup_user.person.supervisor_roles.first())
    sup = _as(browser, live_server, sup_user.username)
    sup.goto(f"/supervision/tasks/{task.pk}/")
    cells = sup.locator("#exam-live-attendance tbody tr").first.locator("td").all_inner_texts()
    assert cells[0].startswith("第01考场")
    assert cells[1:7] == [
        "1",
        "1",
        "0",
        "0",
        "0",
        "1",
    ]  # expected, present, late, absent, pending, violations
    assert "考试中查看手机" in sup.locator("#exam-live").inner_text()
    shot(sup, "exams-journey-supervisor-task")
