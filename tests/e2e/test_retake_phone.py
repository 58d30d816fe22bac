"""补考 on a phone (EXAM-11): a candidate who failed theory only finds the later notice, registers for the
retake with his original 报名号 and ID number, and sees the subject he retakes; his passed practical is
carried (checked in tests/exams/test_retakes.py)."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import Registration
from tests import factories as f
from tests.e2e.conftest import shot
from tests.exams.test_retakes import AFTER_EXAM, FAILED_THEORY, RETAKE_DAY, later_batch, later_plan
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市第一技工学校")
    users = f.role_users(authority=authority, institution=institution)
    admin = users[Role.INSTITUTION_ADMIN]
    batch = fx.exam_batch(institution)
    plan = fx.exam_plan(batch, admin)
    reg = fx.approve(fx.register(plan, 2), admin, users[Role.AUTHORITY_STAFF])
    time_machine.move_to(fx.at(AFTER_EXAM, 10))
    services.results_record(
        actor=admin, plan=plan, entries=[{"registration": reg.number, "subjects": FAILED_THEORY}]
    )
    services.results_publish(actor=admin, plan=plan)
    time_machine.move_to(fx.at(RETAKE_DAY, 10))
    plan2 = later_plan(later_batch(institution, batch.occupation), admin)
    return {"original": reg, "plan2": plan2}


def test_candidate_registers_a_retake_on_a_phone(world, phone_page):
    phone, plan2, original = phone_page, world["plan2"], world["original"]
    phone.goto(f"/exams/notices/{plan2.pk}/")
    phone.click("text=上次只有一科不合格?补考报名")
    phone.fill("input[name=original_number]", original.number)
    phone.fill("input[name=id_number]", make_resident_id(3, birth="19900101"))  # not his
    phone.click("button:has-text('提交补考报名')")
    phone.wait_for_selector("text=原报名号与身份证号不匹配")
    shot(phone, "exams-retake-refused-phone")
    phone.fill("input[name=id_number]", make_resident_id(2, birth="19900101"))
    phone.click("button:has-text('提交补考报名')")
    phone.wait_for_selector("text=补考科目")
    retake = Registration.objects.get(retake_of=original)
    assert phone.locator("#reg-number").inner_text().strip() == retake.number
    assert "理论知识考试" in phone.content()
    shot(phone, "exams-retake-done-phone")
