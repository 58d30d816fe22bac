"""Staff pages of evaluation operations, tried as every role that can reach them (and some that cannot)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.exams.models import ExamPlan, ExamRoom, ExamSession, Registration
from tests.conftest import client_for
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db
READERS = (
    "superuser",
    Role.AUTHORITY_ADMIN,
    Role.AUTHORITY_STAFF,
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_STAFF,
)
OUTSIDERS = (Role.EXAMINER, Role.EXTERNAL_SUPERVISOR, Role.INTERNAL_SUPERVISOR)


@pytest.fixture
def arranged(plan, inst_admin, auth_staff):
    reg = fx.approve(fx.register(plan, 1), inst_admin, auth_staff)
    fx.register(plan, 2, work_years="1")
    from dudao.exams import services

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
    return reg


def pages(plan, reg):
    return [
        reverse("exams:plan_list"),
        reverse("exams:plan_detail", args=[plan.pk]),
        reverse("exams:registration_list", args=[plan.pk]),
        reverse("exams:registration_detail", args=[reg.pk]),
        reverse("exams:arrangement", args=[plan.pk]),
        reverse("exams:attendance", args=[plan.pk]),
        reverse("exams:registration_export", args=[plan.pk]),
        reverse("exams:fee_ledger_export", args=[plan.pk]),
    ]


@pytest.mark.parametrize("role", READERS)
def test_every_page_renders_for_each_reader(arranged, plan, users, role):
    client = client_for(users[role])
    for url in pages(plan, arranged):
        answer = client.get(url)
        assert answer.status_code == 200, (role, url)
        if url.endswith("/export/"):
            assert answer["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_see_no_plan(arranged, plan, users, role):
    client = client_for(users[role])
    assert client.get(reverse("exams:plan_list")).status_code == 200
    for url in pages(plan, arranged)[1:]:
        assert client.get(url).status_code == 404, (role, url)


def test_anonymous_is_sent_to_login(plan):
    answer = client_for(None).get(reverse("exams:plan_list"))
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_other_province_sees_nothing(arranged, plan, other_authority):
    from tests.factories import UserFactory

    outsider = UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_authority)
    assert client_for(outsider).get(reverse("exams:plan_detail", args=[plan.pk])).status_code == 404


def test_list_shows_masked_ids_and_precheck(arranged, plan, inst_admin):
    html = client_for(inst_admin).get(reverse("exams:registration_list", args=[plan.pk])).content.decode()
    assert arranged.person.id_number_masked in html
    assert "满足(路径 4b)" in html and "未满足" in html
    met = client_for(inst_admin).get(reverse("exams:registration_list", args=[plan.pk]) + "?precheck=unmet")
    assert arranged.number not in met.content.decode()


def test_create_plan_through_the_page(batch, inst_admin):
    client = client_for(inst_admin)
    assert "选择评价批次" in client.get(reverse("exams:plan_create")).content.decode()
    data = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in fx.plan_values(batch).items()
        if k != "fees"
    }
    data.update({"batch": batch.pk, "fee_4": "300", "fee_2": "500"})
    answer = client.post(reverse("exams:plan_create"), data)
    assert answer.status_code == 302, answer.context["form"].errors
    plan = ExamPlan.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("exams:plan_detail", args=[plan.pk])
    assert plan.fees == {"4": "300.00", "2": "500.00"}


def test_plan_form_keeps_input_on_a_service_error(batch, inst_admin):
    data = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in fx.plan_values(batch).items()
        if k != "fees"
    }
    data.update(
        {"batch": batch.pk, "fee_4": "300", "fee_2": "500", "registration_closes_on": fx.EXAM_DAY.isoformat()}
    )
    answer = client_for(inst_admin).post(reverse("exams:plan_create"), data)
    html = answer.content.decode()
    assert answer.status_code == 200 and "报名截止日期须早于考试开始日期" in html and data["title"] in html
    assert not ExamPlan.objects.exists()


def test_publish_button_and_refusal_for_staff(batch, users, inst_admin):
    plan = fx.exam_plan(batch, inst_admin, publish=False)
    staff = client_for(users[Role.INSTITUTION_STAFF])
    assert "发布公告" not in staff.get(reverse("exams:plan_detail", args=[plan.pk])).content.decode()
    answer = staff.post(
        reverse("exams:plan_step", args=[plan.pk, "published"]), {"row_version": plan.row_version}
    )
    assert answer.status_code == 403
    admin = client_for(inst_admin)
    assert "发布公告" in admin.get(reverse("exams:plan_detail", args=[plan.pk])).content.decode()
    assert admin.post(reverse("exams:plan_step", args=[plan.pk, "publish"]), {}).status_code == 404
    admin.post(reverse("exams:plan_step", args=[plan.pk, "published"]), {"row_version": plan.row_version})
    plan.refresh_from_db()
    assert plan.status == "published"


def test_review_through_the_page(plan, inst_admin, auth_staff):
    reg = fx.register(plan, 3)
    url = reverse("exams:registration_review", args=[reg.pk])
    refused = client_for(inst_admin).post(
        url, {"decision": "reject", "reason": "", "row_version": reg.row_version}
    )
    assert refused.status_code == 422 and "不予通过须填写原因" in refused.content.decode()
    client_for(inst_admin).post(url, {"decision": "approve", "reason": "", "row_version": reg.row_version})
    reg.refresh_from_db()
    assert reg.status == "institution_approved"
    page = client_for(auth_staff).get(reverse("exams:registration_detail", args=[reg.pk])).content.decode()
    assert "认定中心确认" in page and "review-form" in page


def test_room_and_session_forms(plan, inst_admin):
    client = client_for(inst_admin)
    bad = client.post(
        reverse("exams:session_add", args=[plan.pk]),
        {"subject": "review", "level": 4, "starts_at": "2026-12-20T09:00", "ends_at": "2026-12-20T11:00"},
    )
    assert bad.status_code == 422 and "综合评审只适用于二级" in bad.content.decode()
    client.post(
        reverse("exams:session_add", args=[plan.pk]),
        {"subject": "practical", "level": 4, "starts_at": "2026-12-20T09:00", "ends_at": "2026-12-20T11:00"},
    )
    session = ExamSession.objects.get()
    prefix = f"s{session.pk}"
    client.post(
        reverse("exams:room_add", args=[plan.pk, session.pk]),
        {f"{prefix}-name": "实操1", f"{prefix}-capacity": "10", f"{prefix}-ratio": "5"},
    )
    assert ExamRoom.objects.get().ratio == 5


def test_exports_are_audited_and_masked(arranged, plan, inst_admin):
    client_for(inst_admin).get(reverse("exams:registration_export", args=[plan.pk]) + "?status=approved")
    event = AuditEvent.objects.filter(action="exams.registration.exported").get()
    assert event.after["rows"] == 1 and event.after["filters"] == {"status": "approved"}
    assert Registration.objects.count() == 2


def test_roster_import_page(plan, inst_admin, users):
    import io

    import xlsxwriter
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dudao.exams.imports import CANDIDATE_COLUMNS, CANDIDATE_EXAMPLES
    from tests.factories.rows import make_resident_id

    url = reverse("exams:roster_import", args=[plan.pk])
    assert client_for(users[Role.AUTHORITY_STAFF]).get(url).status_code == 403
    client = client_for(inst_admin)
    assert "导入考生名册" in client.get(url).content.decode()
    assert client.get(url + "?template=1").status_code == 200
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("考生名册")
    for c, column in enumerate(CANDIDATE_COLUMNS):
        sheet.write(0, c, column.header)
    for r, n in enumerate((11, 12), start=1):
        row = {
            **CANDIDATE_EXAMPLES[0],
            "name": f"名册考生{n}",
            "id_number": make_resident_id(n),
            "level": "4",
            "receipt_no": f"SJ-{n}",
        }
        for c, column in enumerate(CANDIDATE_COLUMNS):
            value = row.get(column.key)
            sheet.write_string(r, c, "" if value is None else str(value))
    book.close()
    answer = client.post(url, {"file": SimpleUploadedFile("名册.xlsx", buffer.getvalue())})
    assert answer.status_code in (200, 302), answer.content[:300]
    assert Registration.objects.filter(plan=plan, source="roster").count() == 2
