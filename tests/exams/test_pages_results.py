"""Issue 11 pages: the plan's 成绩与证书 tab for each role that can reach it, publication and issuing from
buttons, objections handled on the page, the candidate's own result and objection, and the public check
page (any two of three, the QR check)."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import Certificate, Objection, ResultPublication
from dudao.exams.reminders import objection_due_on
from dudao.notifications.models import Message
from dudao.workdays.selectors import calendar
from tests.conftest import client_for
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

from .test_results_certificates import failing_theory, passing

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(plan, inst_admin, auth_staff, institution, time_machine):
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2)]
    time_machine.move_to(fx.at(fx.EXAM_DAY + dt.timedelta(days=1), 10))
    services.results_record(
        actor=inst_admin,
        plan=plan,
        entries=[
            {"registration": regs[0].number, "subjects": passing()},
            {"registration": regs[1].number, "subjects": failing_theory()},
        ],
    )
    services.certificate_issuer_set(actor=auth_staff, institution=institution, serial="000123")
    return regs


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.INSTITUTION_ADMIN, 200),
        (Role.INSTITUTION_STAFF, 200),
        (Role.AUTHORITY_STAFF, 200),
        (Role.AUTHORITY_ADMIN, 200),
        (Role.EXAMINER, 404),
    ],
)
def test_the_results_tab_per_role(plan, recorded, users, role, status):
    answer = client_for(users[role]).get(f"/exams/{plan.pk}/results/")
    assert answer.status_code == status
    if status == 200:
        page = answer.content.decode()
        assert recorded[0].number in page and "未公示" in page
        assert ("公示成绩</button>" in page) == (role == Role.INSTITUTION_ADMIN)


def test_anonymous_is_sent_to_login(plan, recorded):
    answer = client_for(None).get(f"/exams/{plan.pk}/results/")
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_publish_and_issue_from_the_page(plan, recorded, inst_admin, users, time_machine):
    staff = client_for(users[Role.INSTITUTION_STAFF])
    staff.post(f"/exams/{plan.pk}/results/publish/")
    assert not ResultPublication.objects.exists()  # only the admin publishes
    admin = client_for(inst_admin)
    assert admin.post(f"/exams/{plan.pk}/results/publish/").status_code == 302
    publication = ResultPublication.objects.get()
    answer = admin.post(f"/exams/{plan.pk}/certificates/issue/", follow=True)
    assert "公示期满后方可发证" in answer.content.decode() and not Certificate.objects.exists()
    time_machine.move_to(fx.at(publication.objections_close_on + dt.timedelta(days=1), 9))
    admin = client_for(inst_admin)  # a new login: sessions last 8 hours
    admin.post(f"/exams/{plan.pk}/certificates/issue/")
    cert = Certificate.objects.get()
    page = admin.get(f"/exams/{plan.pk}/results/").content.decode()
    assert cert.number in page
    pdf = admin.get(f"/exams/certificate/{cert.number}/pdf/")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    admin.post(
        f"/exams/certificate/{cert.number}/void/", {"reason": "信息有误", "row_version": cert.row_version}
    )
    cert.refresh_from_db()
    assert cert.status == "voided"


def test_candidate_sees_the_result_and_objects_then_the_institution_answers(plan, recorded, inst_admin):
    services.results_publish(actor=inst_admin, plan=plan)
    anon = client_for(None)
    body = {"number": recorded[1].number, "id_number": make_resident_id(2, birth="19900101")}
    page = anon.post("/exams/my/", body).content.decode()
    assert "认定成绩" in page and "不合格" in page and "申请复核" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    anon.post("/exams/my/", {"token": token, "action": "objection", "subject": "theory", "reason": "请复核"})
    objection = Objection.objects.get()
    # the institution's users hear of it at once (no one else)
    told = Message.objects.filter(kind="exam.objection_filed", object_id=str(objection.pk))
    assert {m.recipient.institution_id for m in told} == {plan.batch.institution_id} and told.exists()
    assert recorded[1].number in told.first().title
    admin = client_for(inst_admin)
    due = objection_due_on(objection.filed_at, calendar()).date  # EXAM-17: 5 working days by default
    assert f"处理期限 {due:%Y-%m-%d}(含)" in admin.get(f"/exams/{plan.pk}/results/").content.decode()
    admin.post(f"/exams/{plan.pk}/objections/{objection.pk}/", {"outcome": "漏计分数", "mark": "61"})
    objection.refresh_from_db()
    assert objection.status == Objection.Status.UPHELD
    assert "处理期限" not in admin.get(f"/exams/{plan.pk}/results/").content.decode()
    assert "复核后更正成绩" in anon.post("/exams/my/", body).content.decode()


def test_no_result_on_the_own_page_before_publication(plan, recorded):
    body = {"number": recorded[0].number, "id_number": make_resident_id(1, birth="19900101")}
    page = client_for(None).post("/exams/my/", body).content.decode()
    assert recorded[0].number in page  # the registration is shown ...
    for word in ("认定成绩", "合格", "71.0", "72.0"):  # ... and nothing of the result (EXAM-9)
        assert word not in page


def test_public_check_page(plan, recorded, inst_admin, time_machine):
    publication = services.results_publish(actor=inst_admin, plan=plan)
    time_machine.move_to(fx.at(publication.objections_close_on + dt.timedelta(days=1), 9))
    (cert,) = services.certificates_issue(actor=inst_admin, plan=plan)
    anon = client_for(None)
    assert anon.get("/exams/certificates/").status_code == 200
    found = anon.post("/exams/certificates/", {"name": cert.name, "number": cert.number}).content.decode()
    assert cert.number in found and "有效" in found and cert.id_number_masked in found
    one = anon.post("/exams/certificates/", {"number": cert.number}).content.decode()
    assert 'id="lookup-error"' in one and "请至少填写" in one and cert.id_number_masked not in one
    valid = anon.post("/exams/certificates/", {"action": "verify", "qr": cert.seal}).content.decode()
    assert 'id="qr-valid"' in valid
    invalid = anon.post(
        "/exams/certificates/", {"action": "verify", "qr": cert.seal[:-3] + "abc"}
    ).content.decode()
    assert 'id="qr-invalid"' in invalid
