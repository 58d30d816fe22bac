"""Browser: a candidate registers on a phone (errors inline, 报名号 and pre-check), looks the registration up;
an institution user checks candidates in on the room's phone page, through a dropped connection (the
record waits in the queue, is synced once when the connection returns, and a resend does not duplicate)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import CheckIn, Registration, Seat
from tests import factories as f
from tests.e2e.conftest import login, shot
from tests.e2e.test_evaluation_phone import png_bytes
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SYNCED = "() => document.getElementById('sync-state').textContent.includes('已全部同步')"
ONE_PENDING = "() => document.getElementById('sync-state').textContent.includes('待同步 1 条')"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    f.RegionFactory(code="360100", name="南昌市", kind="city", parent=province)
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市第一技工学校")
    users = f.role_users(authority=authority, institution=institution)
    batch = fx.exam_batch(institution)
    plan = fx.exam_plan(batch, users[Role.INSTITUTION_ADMIN])
    photo = tmp_path / "me.png"
    photo.write_bytes(png_bytes(90, 120))
    return {"plan": plan, "users": users, "photo": photo}


def test_candidate_registers_on_a_phone(world, phone_page, page):
    plan = world["plan"]
    page.goto("/exams/notices/")
    page.wait_for_selector(f"text={plan.title}")
    shot(page, "exams-notices-desktop")
    phone = phone_page
    phone.goto("/exams/notices/")
    shot(phone, "exams-notices-phone")
    phone.click(f"text={plan.title}")
    phone.wait_for_selector("text=收费标准")
    shot(phone, "exams-notice-phone")
    phone.click("text=我要报名")
    phone.fill("input[name=name]", "李小明")
    phone.fill("input[name=id_number]", "36010219900101001")  # 17 characters
    phone.fill("input[name=phone]", "13912345678")
    phone.select_option("select[name=level]", "4")
    phone.fill("input[name=work_years]", "6")
    phone.fill("textarea[name=work_history]", "2018-2024 南昌某机械厂 焊工")
    phone.click("button:has-text('提交报名')")
    phone.wait_for_selector("text=身份证号应为 18 位(当前 17 位)")
    phone.wait_for_selector("text=请上传本人近期免冠照片(现场核验身份用)")
    assert phone.input_value("input[name=name]") == "李小明"
    assert phone.input_value("textarea[name=work_history]") == "2018-2024 南昌某机械厂 焊工"
    shot(phone, "exams-register-errors-phone")
    assert Registration.objects.count() == 0

    id_number = make_resident_id(7, birth="19900101")
    phone.fill("input[name=id_number]", id_number)
    phone.select_option("select[name=cert1_level]", "5")
    phone.check("input[name=cert1_related]")
    phone.fill("input[name=cert1_years]", "4")
    phone.locator("input[name=photo][capture=user]").set_input_files(str(world["photo"]))
    shot(phone, "exams-register-phone")
    phone.click("button:has-text('提交报名')")
    phone.wait_for_selector("text=请牢记报名号")
    reg = Registration.objects.get()
    assert phone.locator("#reg-number").inner_text() == reg.number
    assert reg.precheck_route == "4a"
    phone.wait_for_selector("text=满足申报条件(1)")
    shot(phone, "exams-register-done-phone")

    phone.click("text=查询我的报名")
    phone.fill("input[name=number]", reg.number)
    phone.fill("input[name=id_number]", id_number)
    phone.click("button:has-text('查询')")
    phone.wait_for_selector("#own-registration")
    assert phone.locator("#own-status").inner_text() == "待机构审核"
    assert reg.number not in phone.url
    shot(phone, "exams-my-registration-phone")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("button:has-text('撤回报名')")
    phone.wait_for_selector("text=报名已撤回")
    reg.refresh_from_db()
    assert reg.status == Registration.Status.WITHDRAWN


@pytest.fixture
def room(world, monkeypatch):
    plan, users = world["plan"], world["users"]
    # registration photos a person can see on the check-in page (the factory's is one pixel)
    monkeypatch.setattr(
        fx,
        "photo",
        lambda name="照片.png": SimpleUploadedFile(name, png_bytes(90, 120), content_type="image/png"),
    )
    admin, confirmer = users[Role.INSTITUTION_ADMIN], users[Role.AUTHORITY_STAFF]
    for n in (1, 2, 3):
        fx.approve(fx.register(plan, n), admin, confirmer)
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
    room = services.room_create(actor=admin, session=session, values={"name": "第01考场", "capacity": 30})
    services.seats_assign(actor=admin, plan=plan)
    return room


def ticket(room, number: int) -> str:
    return (
        Seat.objects.select_related("registration").get(room=room, number=number).registration.ticket_number
    )


def test_checkin_on_a_phone_through_a_dropped_connection(world, room, phone_page, time_machine):
    phone = phone_page
    # the exam morning, on the server and in the phone: 08:50 before the 09:00 start
    time_machine.move_to(fx.at(fx.EXAM_DAY, 8, 50))
    phone.clock.install(time=fx.at(fx.EXAM_DAY, 8, 50))
    login(phone, "inst_staff")
    phone.goto(f"/exams/rooms/{room.pk}/checkin/")
    phone.wait_for_function(SYNCED)
    shot(phone, "exams-checkin-phone")

    # Online: the lookup shows the registration photo; 核验无误·签到 syncs at once.
    phone.fill("#code", ticket(room, 1))
    phone.click("#lookup-btn")
    phone.wait_for_selector("#cand-photo:visible")
    phone.wait_for_function("() => document.getElementById('cand-photo').naturalWidth === 90")
    assert phone.locator("#cand-seat").inner_text() == "1 号座位"
    shot(phone, "exams-checkin-candidate-phone")
    phone.click("button[data-checkin=present]")
    phone.wait_for_function(SYNCED)
    phone.wait_for_function("() => !!document.querySelector('.dudao-seat.is-present[data-seat=\"1\"]')")
    assert list(CheckIn.objects.values_list("seat__number", "status", "identity_checked")) == [
        (1, "present", True)
    ]

    # Offline after the start (09:05): typed code, no photo (warning), queued as 待同步 1 条, nothing on the
    # server yet; the scan's own time makes it a late arrival when it syncs.
    time_machine.move_to(fx.at(fx.EXAM_DAY, 9, 5))
    phone.clock.set_system_time(fx.at(fx.EXAM_DAY, 9, 5))
    phone.context.set_offline(True)
    phone.fill("#code", ticket(room, 2))
    phone.click("#lookup-btn")
    phone.wait_for_selector("#cand-offline:visible")
    phone.click("button[data-checkin=late]")
    phone.wait_for_function(ONE_PENDING)
    shot(phone, "exams-checkin-offline-phone")
    assert CheckIn.objects.count() == 1

    # Back online: synced once.
    phone.context.set_offline(False)
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    phone.wait_for_function(SYNCED)
    rows = list(CheckIn.objects.order_by("seat__number").values_list("seat__number", "status", "client_id"))
    assert [(n, s) for n, s, _ in rows] == [(1, "present"), (2, "late")]
    client_ids = [c for _, _, c in rows]
    assert all(c.startswith("dev-") for c in client_ids) and client_ids[0] != client_ids[1]

    # A resend of the same record (the answer was lost on the way back) does not duplicate.
    phone.evaluate(
        """([key, record]) => {
            localStorage.setItem(key, JSON.stringify([record]));
            document.getElementById('sync-now').click();
        }""",
        [
            f"dudao-checkin-queue:{room.pk}",
            {
                "code": ticket(room, 2),
                "status": "late",
                "identity_checked": True,
                "client_id": client_ids[1],
                "at": "2026-12-20T09:10:00+08:00",
                "label": "重发",
            },
        ],
    )
    phone.wait_for_function(SYNCED)
    assert CheckIn.objects.count() == 2
    assert phone.locator("#failed").is_hidden()
    phone.wait_for_function("() => !!document.querySelector('.dudao-seat.is-late[data-seat=\"2\"]')")
    shot(phone, "exams-checkin-synced-phone")

    # A candidate of no seat here: refused for good, listed, not retried.
    phone.fill("#code", make_resident_id(99, birth="19900101"))
    phone.click("#lookup-btn")
    phone.wait_for_selector("text=本考场没有这名考生,请核对考场")

    phone.goto(f"/exams/rooms/{room.pk}/record/")
    phone.fill("textarea[name=note-text]", "09:00 开考,实到 2 人")
    phone.click("button:has-text('添加记录')")
    phone.wait_for_selector("text=09:00 开考,实到 2 人")
    phone.select_option("select[name=violation-seat]", str(Seat.objects.get(room=room, number=1).pk))
    phone.select_option("select[name=violation-measure]", "warning")
    phone.fill("textarea[name=violation-facts]", "考试中查看手机,经劝阻后停止")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("button:has-text('记录违纪')")
    phone.wait_for_selector("text=违纪情况已记录")
    shot(phone, "exams-room-record-phone")
