"""Public exams pages (no login): notices by region/occupation (INST-6), the phone registration with its
EXAM-15 pre-check, the candidate's own registration by 报名号 + 身份证号 (ADR 0004) and the withdrawal
until the published deadline (both sides of every boundary)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import ExamPlan, Registration
from tests import factories as f
from tests.clock import FROZEN_NOW, TODAY
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = pytest.mark.django_db
R = Registration.Status
ID1 = make_resident_id(1, birth="19900101")


@pytest.fixture
def client():
    return Client()


def form_data(**over):
    data = {
        "name": "张三",
        "id_number": ID1,
        "phone": "13800001111",
        "level": "4",
        "education": "none",
        "work_years": "6",
        "work_history": "2018-2024 南昌某机械厂 焊工",
    }
    data.update(over)
    return data


def post_registration(client, plan, *, photo=True, **over):
    data = form_data(**over)
    if photo:
        data["photo"] = fx.photo()
    return client.post(reverse("exams:register", args=[plan.pk]), data)


def text(response) -> str:
    return response.content.decode()


# ----------------------------------------------------------------------------------------- notices


def other_plan(other_institution, *, code="GD-EXAM-1", title="电工职业技能等级认定公告"):
    admin = f.UserFactory(username="gd_admin", role=Role.INSTITUTION_ADMIN, institution=other_institution)
    batch = fx.exam_batch(
        other_institution, code=code, occupation=f.OccupationFactory(code="6-31-01-03", name="电工")
    )
    return fx.exam_plan(batch, admin, title=title)


def test_notice_list_shows_open_published_plans_only(client, plan, institution, users):
    draft_batch = fx.exam_batch(institution, code="PC-EXAM-2")
    fx.exam_plan(draft_batch, users[Role.INSTITUTION_ADMIN], publish=False, title="草稿公告")
    response = client.get(reverse("exams:notice_list"))
    assert response.status_code == 200
    assert plan.title in text(response)
    assert "草稿公告" not in text(response)
    assert "报名中" in text(response)
    assert "共 <strong>1</strong> 条" in text(response)


def test_notice_list_hides_a_plan_whose_window_closed_yesterday_not_today(client, plan):
    ExamPlan.objects.filter(pk=plan.pk).update(registration_closes_on=TODAY)
    assert plan.title in text(client.get(reverse("exams:notice_list")))
    ExamPlan.objects.filter(pk=plan.pk).update(registration_closes_on=TODAY - dt.timedelta(days=1))
    assert plan.title not in text(client.get(reverse("exams:notice_list")))


def test_notice_list_filters_by_region_occupation_and_keyword(client, plan, other_institution):
    gd = other_plan(other_institution)
    url = reverse("exams:notice_list")
    by_jx = text(client.get(url, {"region": "360000"}))
    assert plan.title in by_jx and gd.title not in by_jx
    by_gd = text(client.get(url, {"region": "440000"}))
    assert gd.title in by_gd and plan.title not in by_gd
    by_occupation = text(client.get(url, {"occupation": "电工"}))
    assert gd.title in by_occupation and plan.title not in by_occupation
    by_code = text(client.get(url, {"occupation": "6-18-02-04"}))
    assert plan.title in by_code and gd.title not in by_code
    by_keyword = text(client.get(url, {"q": "焊工"}))
    assert plan.title in by_keyword and gd.title not in by_keyword
    # the region select offers the provinces (cities grouped under theirs)
    assert '<option value="360000">江西省</option>' in by_gd
    assert '<option value="360000" selected>江西省</option>' in by_jx


def test_region_select_groups_cities_under_their_province(client, plan, province):
    f.RegionFactory(code="360100", name="南昌市", kind="city", parent=province)
    page = text(client.get(reverse("exams:notice_list"), {"region": "360100"}))
    assert '<optgroup label="江西省">' in page
    assert '<option value="360100" selected>南昌市</option>' in page
    # the plan's institution is in the province (360000), not in the city 3601
    assert plan.title not in page


def test_notice_detail_shows_the_published_plan(client, plan):
    response = client.get(reverse("exams:notice_detail", args=[plan.pk]))
    page = text(response)
    assert response.status_code == 200
    assert plan.batch.institution.name in page
    assert "四级/中级工" in page and "二级/技师" in page
    assert "300.00 元" in page and "500.00 元" in page
    assert "赣发改收费〔2020〕1号" in page
    assert "王老师" in page and "0791-88888888" in page
    assert f"{TODAY - dt.timedelta(days=2):%Y-%m-%d} 至 {TODAY + dt.timedelta(days=7):%Y-%m-%d}" in page
    assert reverse("exams:register", args=[plan.pk]) in page and "我要报名" in page


def test_notice_detail_without_the_button_before_the_window_opens(client, plan):
    ExamPlan.objects.filter(pk=plan.pk).update(registration_opens_on=TODAY + dt.timedelta(days=1))
    page = text(client.get(reverse("exams:notice_detail", args=[plan.pk])))
    assert "我要报名" not in page and "当前不在报名时间内" in page
    ExamPlan.objects.filter(pk=plan.pk).update(registration_opens_on=TODAY)
    assert "我要报名" in text(client.get(reverse("exams:notice_detail", args=[plan.pk])))


def test_draft_plan_is_not_public(client, batch, users):
    draft = fx.exam_plan(batch, users[Role.INSTITUTION_ADMIN], publish=False)
    assert client.get(reverse("exams:notice_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("exams:register", args=[draft.pk])).status_code == 404


# ----------------------------------------------------------------------------------------- registration


def test_register_form_is_phone_first(client, plan):
    page = text(client.get(reverse("exams:register", args=[plan.pk])))
    assert 'accept="image/*"' in page and 'capture="user"' in page
    assert 'type="tel"' in page
    level_select = re.search(r'<select name="level".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\d)">([^<]+)</option>', level_select) == [
        ("4", "四级/中级工"),
        ("2", "二级/技师"),
    ]  # the batch's levels only
    assert len(re.findall(r'name="cert\d_', page)) == 12  # three certificate rows of four fields


def test_register_success_shows_the_number_and_precheck(client, plan):
    response = post_registration(client, plan)
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:register_done", args=[plan.pk])
    reg = Registration.objects.get()
    assert (reg.person.name, reg.level, reg.work_years, reg.status) == (
        "张三",
        4,
        Decimal("6.0"),
        R.SUBMITTED,
    )
    assert reg.work_history == "2018-2024 南昌某机械厂 焊工"
    assert list(reg.files.values_list("material", flat=True)) == ["photo"]
    assert reg.number not in response["Location"]
    page = text(client.get(response["Location"]))
    assert reg.number in page and "请牢记报名号" in page
    assert "满足申报条件(2)" in page  # 4b: six years of work
    assert "300.00 元" in page


def test_register_with_a_certificate_row_and_papers(client, plan):
    response = post_registration(
        client,
        plan,
        work_years="1",
        cert1_level="5",
        cert1_related="on",
        cert1_years="4",
        cert2_preparatory="on",
        cert2_years="0",
        work_proof_file=fx.photo("证明.png"),
    )
    assert response.status_code == 302
    reg = Registration.objects.get()
    assert reg.certificates == [
        {"related": True, "preparatory_technician": False, "work_years_after": 4.0, "level": 5},
        {"related": False, "preparatory_technician": True, "work_years_after": 0.0},
    ]
    assert reg.precheck_route == "4a"
    assert sorted(reg.files.values_list("material", flat=True)) == ["photo", "work_proof"]
    assert "满足申报条件(1)" in text(client.get(response["Location"]))


def test_precheck_not_met_lists_what_each_route_misses(client, plan):
    post_registration(client, plan, work_years="5.9")
    page = text(client.get(reverse("exams:register_done", args=[plan.pk])))
    assert "暂未满足任何一项申报条件" in page
    assert "申报条件(2)</span>:累计从事本职业或相关职业工作 6 年(含)以上(现为 5.9 年)" in page
    assert "申报条件(1)" in page and "申报条件(3)" in page
    assert "4b" not in page


def test_register_errors_are_inline_and_keep_the_input(client, plan):
    bad_id = ID1[:-1] + ("0" if ID1[-1] != "0" else "1")
    response = post_registration(client, plan, photo=False, id_number=bad_id, phone="12345", work_years="abc")
    page = text(response)
    assert response.status_code == 200
    assert Registration.objects.count() == 0
    assert "身份证号校验码错误,请核对后重新输入" in page
    assert "手机号格式不正确" in page
    assert "工作年限应为 0 至 60 之间的数,最多一位小数" in page
    assert "请上传本人近期免冠照片(现场核验身份用)" in page
    assert 'value="张三"' in page and f'value="{bad_id}"' in page
    assert "2018-2024 南昌某机械厂 焊工" in page
    assert "照片和材料需要重新选择" in page


def test_certificate_row_without_a_level_is_refused(client, plan):
    page = text(post_registration(client, plan, cert1_years="3"))
    assert Registration.objects.count() == 0
    assert "请选择证书等级(或勾选预备技师证书)" in page
    page = text(post_registration(client, plan, cert1_level="5", cert1_years="-1"))
    assert Registration.objects.count() == 0
    assert "取证后工作年限应为 0 至 60 之间的数" in page


def test_duplicate_registration_is_refused_with_a_message(client, plan):
    post_registration(client, plan)
    page = text(post_registration(Client(), plan))
    assert Registration.objects.count() == 1
    assert "该考生已报名本批次的这一等级" in page


def test_register_outside_the_window_is_refused(client, plan):
    ExamPlan.objects.filter(pk=plan.pk).update(registration_closes_on=TODAY - dt.timedelta(days=1))
    page = text(client.get(reverse("exams:register", args=[plan.pk])))
    assert "当前不在报名时间内" in page and 'name="id_number"' not in page
    page = text(post_registration(client, plan))
    assert Registration.objects.count() == 0
    assert "当前不在报名时间内" in page and 'name="id_number"' not in page
    ExamPlan.objects.filter(pk=plan.pk).update(registration_closes_on=TODAY)
    assert post_registration(client, plan).status_code == 302
    assert Registration.objects.count() == 1


def test_done_page_needs_the_submitting_browser(client, plan):
    post_registration(client, plan)
    response = Client().get(reverse("exams:register_done", args=[plan.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:notice_detail", args=[plan.pk])


# ----------------------------------------------------------------------------------------- own registration


def lookup(client, number, id_number, **extra):
    return client.post(reverse("exams:my_registration"), {"number": number, "id_number": id_number, **extra})


def test_own_registration_form_posts_and_never_uses_the_url(client):
    page = text(client.get(reverse("exams:my_registration")))
    assert re.search(r'<form method="post" class="card mb-3" novalidate>', page)
    assert 'name="number"' in page and 'name="id_number"' in page


def test_own_registration_shows_status_and_fee(client, plan):
    reg = fx.register(plan, 1)
    response = lookup(client, reg.number.lower(), make_resident_id(1, birth="19900101"))
    page = text(response)
    assert response.status_code == 200
    assert reg.number in page and "待机构审核" in page and "300.00 元" in page and "待缴费" in page
    assert "撤回报名" in page


def test_wrong_pair_gets_one_neutral_message(client, plan):
    reg = fx.register(plan, 1)
    neutral = "报名号与身份证号不匹配,请核对后重新输入"
    other_valid_id = make_resident_id(2, birth="19900101")
    for number, id_number in (
        (reg.number, other_valid_id),  # someone else's (valid) ID number
        ("BMAAAAAAAA", make_resident_id(1, birth="19900101")),  # a wrong number
        (reg.number, "123"),  # a malformed ID number
    ):
        page = text(lookup(client, number, id_number))
        assert neutral in page
        assert 'id="own-registration"' not in page and "考生1" not in page


def test_own_registration_after_review_shows_reason_ticket_and_seats(client, plan, inst_admin, auth_staff):
    reg = fx.register(plan, 1, work_years="5")
    reg = services.registration_review(
        actor=inst_admin, registration=reg, row_version=reg.row_version, approve=True, reason="工作证明已核实"
    )
    reg = services.registration_review(
        actor=auth_staff, registration=reg, row_version=reg.row_version, approve=True, reason="同意"
    )
    session = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    services.room_create(actor=inst_admin, session=session, values={"name": "第01考场", "capacity": 30})
    services.seats_assign(actor=inst_admin, plan=plan)
    page = text(lookup(client, reg.number, make_resident_id(1, birth="19900101")))
    assert "资格审核通过" in page and "同意" in page
    assert f'id="own-ticket">{reg.ticket_number}<' in page
    assert "第01考场" in page and "1 号座位" in page
    assert f"{fx.EXAM_DAY:%Y-%m-%d} 09:00 至 11:00" in page
    assert 'id="ticket-slot"' in page


def test_rejected_registration_shows_the_reason_and_no_withdraw(client, plan, inst_admin):
    reg = fx.register(plan, 1)
    services.registration_review(
        actor=inst_admin,
        registration=reg,
        row_version=reg.row_version,
        approve=False,
        reason="工作年限证明不足",
    )
    page = text(lookup(client, reg.number, make_resident_id(1, birth="19900101")))
    assert "资格审核未通过" in page and "工作年限证明不足" in page
    assert 'value="withdraw"' not in page


def test_withdraw_on_the_deadline_day(client, plan, time_machine):
    reg = fx.register(plan, 1)
    time_machine.move_to(
        dt.datetime.combine(plan.withdraw_deadline, dt.time(23, 59), FROZEN_NOW.tzinfo), tick=False
    )
    id_number = make_resident_id(1, birth="19900101")
    assert 'value="withdraw"' in text(lookup(client, reg.number, id_number))
    page = text(lookup(client, reg.number, id_number, action="withdraw"))
    reg.refresh_from_db()
    assert reg.status == R.WITHDRAWN
    assert "报名已撤回" in page and "已撤回" in page
    assert 'value="withdraw"' not in page


def test_withdraw_refused_the_day_after_the_deadline(client, plan, time_machine):
    reg = fx.register(plan, 1)
    after = plan.withdraw_deadline + dt.timedelta(days=1)
    time_machine.move_to(dt.datetime.combine(after, dt.time(0, 0), FROZEN_NOW.tzinfo), tick=False)
    id_number = make_resident_id(1, birth="19900101")
    page = text(lookup(client, reg.number, id_number))
    assert 'value="withdraw"' not in page and "已过,不能在网上撤回" in page
    page = text(lookup(client, reg.number, id_number, action="withdraw"))
    reg.refresh_from_db()
    assert reg.status == R.SUBMITTED
    assert f"撤回截止日期为 {plan.withdraw_deadline:%Y-%m-%d},已过期,不能撤回" in page


def test_withdraw_with_a_wrong_id_changes_nothing(client, plan):
    reg = fx.register(plan, 1)
    page = text(lookup(client, reg.number, make_resident_id(2, birth="19900101"), action="withdraw"))
    reg.refresh_from_db()
    assert reg.status == R.SUBMITTED
    assert "报名号与身份证号不匹配,请核对后重新输入" in page
