"""Browser: on the room's phone page the institution records an examiner absent three times in a row (each
absence asks first); the proposal appears in the authority's list, its detail shows the three duties and the
examiner's appeal; the authority confirms a warning after a confirmation; the examiner sees the decision."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.exams.models import ExamRoom, ExamSession, RoomStaff, SanctionProposal
from dudao.exams.services import conduct
from tests import factories as f
from tests.e2e.conftest import login, shot
from tests.factories import exams as fx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市第一技工学校")
    users = f.role_users(authority=authority, institution=institution)
    plan = fx.exam_plan(fx.exam_batch(institution), users[Role.INSTITUTION_ADMIN])
    examiner = users[Role.EXAMINER].person.examiner
    other = f.ExaminerFactory(authority=authority)
    duties = []
    for i, hour in enumerate((8, 10, 12)):
        session = ExamSession.objects.create(
            plan=plan,
            subject="theory",
            level=4,
            starts_at=fx.at(fx.EXAM_DAY, hour),
            ends_at=fx.at(fx.EXAM_DAY, hour, 50),
        )
        room = ExamRoom.objects.create(session=session, name=f"第{i + 1:02d}考场", capacity=30)
        duties.append(RoomStaff.objects.create(room=room, examiner=examiner))
        RoomStaff.objects.create(room=room, examiner=other)
    return {"users": users, "duties": duties}


def test_absences_to_a_decision(world, phone_page, page, time_machine):
    time_machine.move_to(fx.at(fx.EXAM_DAY, 17))
    duties, users = world["duties"], world["users"]
    name = users[Role.EXAMINER].person.name
    phone = phone_page
    login(phone, "inst_staff")
    asked: list[str] = []
    phone.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    for duty in duties:
        phone.goto(f"/exams/rooms/{duty.room_id}/examiners/")
        phone.locator(f"#duty-{duty.pk} button[value=absent]").click()
        phone.wait_for_selector(f"#duty-{duty.pk} .badge.bg-red-lt")
    assert len(asked) == 3 and name in asked[0]
    shot(phone, "exams-examiner-attendance-phone")
    proposal = SanctionProposal.objects.get()
    conduct.appeal_file(actor=users[Role.EXAMINER], proposal=proposal, text="第二场前已电话请假,机构未登记")

    login(page, "auth_staff")
    page.goto("/exams/conduct/")
    page.get_by_role("link", name=name).first.click()
    page.wait_for_selector("#evidence")
    assert page.locator("#evidence .list-group-item").count() == 3
    assert "机构未登记" in page.locator("#appeal").inner_text()
    page.select_option("#decide select[name=sanction]", "warning")
    page.fill("#decide textarea[name=reason]", "情况属实,予以警告")
    shot(page, "exams-conduct-detail")
    page.once("dialog", lambda d: d.accept())
    page.locator("#decide button[type=submit]").click()
    page.wait_for_selector("text=已作出处理决定")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.sanction) == ("confirmed", "warning")

    phone.context.clear_cookies()
    login(phone, "examiner")
    phone.goto("/exams/conduct/mine/")
    assert "已决定处理" in phone.content()
    shot(phone, "exams-conduct-mine-phone")
