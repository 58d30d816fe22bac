"""Examiner conduct pages: 考评员到岗 on the room's exam-day pages (who reaches it, recording, excuse), the
proposal list with filters and pages, the detail with its evidence and the decide / dismiss / appeal forms
(shown only to those who may), the examiner's own page, raising by hand; denials change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.exams.models import ExaminerAttendance, SanctionAppeal, SanctionProposal
from tests import factories as f
from tests.conftest import client_for

from .test_conduct_services import absent, duties, leader, on_exam_day, subject, supervise  # noqa: F401

pytestmark = pytest.mark.django_db


def test_who_reaches_the_attendance_page(duties, users, leader, subject, other_institution):  # noqa: F811
    url = reverse("exams:room_examiners", args=[duties[0].room_id])
    assert client_for(None).get(url).status_code == 302
    for user in (
        users["superuser"],
        users[Role.INSTITUTION_ADMIN],
        users[Role.INSTITUTION_STAFF],
        leader,
        subject,
    ):
        assert client_for(user).get(url).status_code == 200, user
    stranger = f.UserFactory(username="gd_staff", role=Role.INSTITUTION_STAFF, institution=other_institution)
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(users[Role.AUTHORITY_STAFF]).get(url).status_code == 403
    assert client_for(users[Role.EXTERNAL_SUPERVISOR]).get(url).status_code == 404


def test_record_and_excuse_on_the_phone_page(duties, users, inst_admin, subject, on_exam_day):  # noqa: F811
    staff = client_for(users[Role.INSTITUTION_STAFF])
    url = reverse("exams:room_examiners", args=[duties[0].room_id])
    page = staff.get(url).content.decode()
    assert subject.person.name in page and "登记迟到" in page and "认可理由" not in page
    # the examiner sees his row but no buttons for his own duty
    assert "登记迟到" not in client_for(subject).get(url).content.decode()
    done = staff.post(
        reverse("exams:duty_attendance", args=[duties[0].pk]), {"status": "late", "late_minutes": "7"}
    )
    assert done.status_code == 302
    assert ExaminerAttendance.objects.get().late_minutes == 7
    bad = staff.post(
        reverse("exams:duty_attendance", args=[duties[0].pk]),
        {"status": "late", "late_minutes": ""},
        follow=True,
    )
    assert "迟到分钟数" in bad.content.decode()
    assert ExaminerAttendance.objects.get().late_minutes == 7
    admin_page = client_for(inst_admin).get(url).content.decode()
    assert "认可理由" in admin_page
    staff.post(reverse("exams:duty_excuse", args=[duties[0].pk]), {"reason": "堵车"})
    assert not ExaminerAttendance.objects.get().excused  # staff may not excuse: flashed, nothing changed
    client_for(inst_admin).post(reverse("exams:duty_excuse", args=[duties[0].pk]), {"reason": "堵车"})
    assert ExaminerAttendance.objects.get().excused
    denied = client_for(subject).post(
        reverse("exams:duty_attendance", args=[duties[0].pk]), {"status": "absent"}
    )
    assert denied.status_code == 403


@pytest.fixture
def proposal(duties, inst_admin, on_exam_day):  # noqa: F811
    absent(inst_admin, *duties[:3])
    return SanctionProposal.objects.get()


def test_list_with_filters(proposal, auth_staff, other_authority, users):
    url = reverse("exams:conduct_list")
    page = client_for(auth_staff).get(url).content.decode()
    assert proposal.examiner.person.name in page and "连续三次无故不参加考评任务" in page
    assert (
        proposal.examiner.person.name
        not in client_for(auth_staff).get(url, {"status": "dismissed"}).content.decode()
    )
    assert client_for(auth_staff).get(url, {"page": "x", "status": "bogus"}).status_code == 200
    gd = f.UserFactory(username="gd_auth", role=Role.AUTHORITY_STAFF, authority=other_authority)
    assert proposal.examiner.person.name not in client_for(gd).get(url).content.decode()


def test_detail_shows_evidence_and_the_forms_only_to_those_who_may(proposal, auth_staff, inst_admin, subject):  # noqa: F811
    url = reverse("exams:conduct_detail", args=[proposal.pk])
    deciders = client_for(auth_staff).get(url).content.decode()
    assert "第01考场" in deciders and "第03考场" in deciders and "作出处理决定" in deciders
    assert "提交申诉" not in deciders
    inst = client_for(inst_admin).get(url).content.decode()
    assert "第01考场" in inst and "作出处理决定" not in inst
    own = client_for(subject).get(url).content.decode()
    assert "提交申诉" in own and "作出处理决定" not in own


def test_decide_dismiss_and_appeal_through_the_pages(proposal, auth_staff, inst_admin, subject):  # noqa: F811
    pk = proposal.pk
    client_for(inst_admin).post(
        reverse("exams:conduct_confirm", args=[pk]),
        {"sanction": "warning", "reason": "x", "row_version": proposal.row_version},
    )
    assert SanctionProposal.objects.get().status == "proposed"
    client_for(subject).post(reverse("exams:conduct_appeal", args=[pk]), {"text": "已请假"})
    assert SanctionAppeal.objects.get().text == "已请假"
    page = client_for(auth_staff).get(reverse("exams:conduct_detail", args=[pk])).content.decode()
    assert "已请假" in page
    client_for(auth_staff).post(
        reverse("exams:conduct_confirm", args=[pk]),
        {"sanction": "warning", "reason": "属实", "row_version": proposal.row_version},
    )
    assert SanctionProposal.objects.get().sanction == "warning"
    answer = client_for(auth_staff).post(
        reverse("exams:conduct_dismiss", args=[pk]),
        {"reason": "x", "row_version": proposal.row_version + 1},
        follow=True,
    )
    assert SanctionProposal.objects.get().status == "confirmed" and "不能变更" in answer.content.decode()


def test_the_examiners_own_page(proposal, subject, users):  # noqa: F811
    page = client_for(subject).get(reverse("exams:conduct_mine")).content.decode()
    assert "连续三次无故不参加考评任务" in page and "第01考场" in page and "缺席" in page
    assert client_for(users[Role.INSTITUTION_STAFF]).get(reverse("exams:conduct_mine")).status_code == 403
    assert client_for(None).get(reverse("exams:conduct_mine")).status_code == 302


def test_raise_by_hand_page(duties, users, subject, plan):  # noqa: F811
    url = reverse("exams:conduct_new")
    assert client_for(users[Role.AUTHORITY_STAFF]).get(url).status_code == 403
    sup = users[Role.EXTERNAL_SUPERVISOR]
    assert client_for(sup).get(url).status_code == 403
    supervise(plan, sup.person)
    form = client_for(sup).get(url).content.decode()
    assert 'value="disqualification"' in form and 'value="other"' not in form
    answer = client_for(sup).post(
        url,
        {
            "batch": plan.batch_id,
            "examiner": subject.person.examiner.pk,
            "ground": "disqualification",
            "facts": "暗示考生",
        },
    )
    assert answer.status_code == 302
    assert SanctionProposal.objects.get().proposed_sanction == "revocation"
    staff_form = client_for(users[Role.INSTITUTION_STAFF]).get(url).content.decode()
    assert 'value="other"' in staff_form and 'value="disqualification"' not in staff_form
    missing = client_for(users[Role.INSTITUTION_STAFF]).post(
        url, {"batch": plan.batch_id, "examiner": subject.person.examiner.pk, "ground": "other", "facts": "x"}
    )
    assert missing.status_code == 200 and "请选择建议的处理" in missing.content.decode()
    assert SanctionProposal.objects.count() == 1
