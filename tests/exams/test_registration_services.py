"""Registrations (EXAM-1 step 3): online and by the institution, one per person and level, the EXAM-15
pre-check, the two-level review (seed 003), fees (INST-6) and withdrawal until the deadline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.exams import services
from dudao.exams.models import Registration, RegistrationFile
from dudao.people.models import Person
from tests.clock import FROZEN_NOW, TODAY
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = pytest.mark.django_db
R = Registration.Status


def test_online_registration_creates_the_person_fee_and_precheck(plan):
    reg = fx.register(plan, 1, work_years="6")  # 4b: 6 years of work (EXAM-15 template), the bound included
    assert reg.status == R.SUBMITTED and reg.source == "online"
    assert reg.number.startswith("BM") and len(reg.number) == 10
    assert reg.fee_amount == Decimal("300.00")
    assert (reg.precheck["eligible"], reg.precheck_route) == (True, "4b")
    assert reg.person.id_number_masked.startswith("360102") and "*" in reg.person.id_number_masked
    assert list(reg.files.values_list("material", flat=True)) == ["photo"]


def test_precheck_reports_what_is_missing(plan):
    reg = fx.register(plan, 2, work_years="5.9")  # one tenth short of 4b
    assert reg.precheck["eligible"] is False and reg.precheck_route == ""
    assert all(route["missing"] for route in reg.precheck["routes"])


def test_one_live_registration_per_person_and_level(plan):
    persons = Person.objects.count()
    fx.register(plan, 3)
    with pytest.raises(Conflict):
        fx.register(plan, 3)
    assert fx.register(plan, 3, level=2, work_years="20").level == 2  # another level is another registration
    assert Person.objects.count() == persons + 1


def test_a_withdrawn_registration_does_not_block_registering_again(plan):
    reg = fx.register(plan, 4)
    services.registration_withdraw(
        actor=None, registration=reg, row_version=reg.row_version, by_candidate=True
    )
    assert fx.register(plan, 4).status == R.SUBMITTED


def test_name_must_match_the_person_on_file(plan):
    fx.register(plan, 5, name="张三")
    with pytest.raises(ValidationFailed) as exc:
        fx.register(plan, 5, level=2, name="李四")
    assert exc.value.code == "name_mismatch"


@pytest.mark.parametrize("bad", ["360102199001010000", "12345", ""])
def test_invalid_id_numbers_are_refused(plan, bad):
    persons = Person.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.registration_submit(
            actor=None,
            plan=plan,
            name="张三",
            id_number=bad,
            phone="13800000000",
            values=fx.registration_values(),
            photo=fx.photo(),
        )
    assert "id_number" in exc.value.detail
    assert not Registration.objects.exists() and Person.objects.count() == persons


def test_level_must_belong_to_the_batch(plan):
    with pytest.raises(ValidationFailed) as exc:
        fx.register(plan, 6, level=3)
    assert exc.value.detail["level"] == ["申报等级应为本批次的等级之一:2级、4级"]


def test_online_needs_a_photo_and_a_phone(plan):
    with pytest.raises(ValidationFailed) as exc:
        services.registration_submit(
            actor=None,
            plan=plan,
            name="张三",
            id_number=make_resident_id(7),
            phone="",
            values=fx.registration_values(),
        )
    assert set(exc.value.detail) == {"phone", "photo"}


def test_window_first_and_last_day_inclusive_inst6(plan):
    opens, closes = plan.registration_opens_on, plan.registration_closes_on
    for day, ok in [
        (opens - dt.timedelta(days=1), False),
        (opens, True),
        (closes, True),
        (closes + dt.timedelta(days=1), False),
    ]:
        n = 10 + day.toordinal() % 100
        if ok:
            services.registration_submit(
                actor=None,
                plan=plan,
                name=f"考生{n}",
                id_number=make_resident_id(n),
                phone="13800000001",
                values=fx.registration_values(),
                photo=fx.photo(),
                today=day,
            )
        else:
            with pytest.raises(IllegalTransition):
                services.registration_submit(
                    actor=None,
                    plan=plan,
                    name=f"考生{n}",
                    id_number=make_resident_id(n),
                    phone="13800000001",
                    values=fx.registration_values(),
                    photo=fx.photo(),
                    today=day,
                )


def test_institution_registers_after_the_window_without_a_photo(plan, inst_admin):
    reg = services.registration_submit(
        actor=inst_admin,
        plan=plan,
        name="王五",
        id_number=make_resident_id(20),
        phone="",
        values=fx.registration_values(),
        today=plan.registration_closes_on + dt.timedelta(days=1),
    )
    assert reg.source == "roster"


def test_draft_plan_takes_no_registration(batch, inst_admin):
    plan = fx.exam_plan(batch, inst_admin, publish=False)
    with pytest.raises(IllegalTransition):
        fx.register(plan, 21)


def test_two_level_review(plan, inst_admin, auth_staff):
    reg = fx.register(plan, 30)
    with pytest.raises(PermissionDenied):  # the authority does not review first
        services.registration_review(
            actor=auth_staff, registration=reg, row_version=reg.row_version, approve=True
        )
    reg = services.registration_review(
        actor=inst_admin, registration=reg, row_version=reg.row_version, approve=True
    )
    assert reg.status == R.INSTITUTION_APPROVED and reg.ticket_number is None
    with pytest.raises(PermissionDenied):  # the institution does not confirm itself
        services.registration_review(
            actor=inst_admin, registration=reg, row_version=reg.row_version, approve=True
        )
    reg = services.registration_review(
        actor=auth_staff, registration=reg, row_version=reg.row_version, approve=True
    )
    assert reg.status == R.APPROVED and reg.ticket_number.startswith("ZK")
    assert reg.institution_reviewer == inst_admin and reg.authority_reviewer == auth_staff


def test_confirmation_belongs_to_the_authority_holding_the_filing(plan, inst_admin, other_authority):
    from tests.factories import UserFactory

    stranger = UserFactory(username="gd", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    reg = fx.register(plan, 31)
    reg = services.registration_review(
        actor=inst_admin, registration=reg, row_version=reg.row_version, approve=True
    )
    with pytest.raises(PermissionDenied):
        services.registration_review(
            actor=stranger, registration=reg, row_version=reg.row_version, approve=True
        )


def test_rejection_needs_a_reason_the_candidate_sees(plan, inst_admin):
    reg = fx.register(plan, 32)
    with pytest.raises(ValidationFailed):
        services.registration_review(
            actor=inst_admin, registration=reg, row_version=reg.row_version, approve=False
        )
    reg = services.registration_review(
        actor=inst_admin,
        registration=reg,
        row_version=reg.row_version,
        approve=False,
        reason="工作年限证明不足",
    )
    assert (reg.status, reg.review_reason) == (R.REJECTED, "工作年限证明不足")
    found = services.find_own_registration(reg.number, make_resident_id(32, birth="19900101"))
    assert found == reg


def test_approving_a_failed_precheck_needs_a_reason(plan, inst_admin):
    reg = fx.register(plan, 33, work_years="1")
    with pytest.raises(ValidationFailed):
        services.registration_review(
            actor=inst_admin, registration=reg, row_version=reg.row_version, approve=True
        )
    reg = services.registration_review(
        actor=inst_admin, registration=reg, row_version=reg.row_version, approve=True, reason="另有证明材料"
    )
    assert reg.status == R.INSTITUTION_APPROVED


def test_stale_review_is_refused(plan, inst_admin):
    reg = fx.register(plan, 34)
    with pytest.raises(Conflict):
        services.registration_review(
            actor=inst_admin, registration=reg, row_version=reg.row_version - 1 or 99, approve=True
        )


def test_withdraw_until_the_deadline_inclusive(plan):
    reg = fx.register(plan, 40)
    late = plan.withdraw_deadline + dt.timedelta(days=1)
    with pytest.raises(IllegalTransition):
        services.registration_withdraw(
            actor=None, registration=reg, row_version=reg.row_version, by_candidate=True, today=late
        )
    reg = services.registration_withdraw(
        actor=None,
        registration=reg,
        row_version=reg.row_version,
        by_candidate=True,
        today=plan.withdraw_deadline,
    )
    assert reg.status == R.WITHDRAWN


def test_fee_receipts_are_unique_in_the_batch(plan, inst_admin):
    a, b = fx.register(plan, 50), fx.register(plan, 51)
    a = services.registration_record_fee(
        actor=inst_admin, registration=a, row_version=a.row_version, receipt_no="SJ-1"
    )
    assert a.fee_receipt_no == "SJ-1" and a.fee_paid_at is not None
    with pytest.raises(Conflict):
        services.registration_record_fee(
            actor=inst_admin, registration=b, row_version=b.row_version, receipt_no="SJ-1"
        )


def test_candidate_lookup_needs_both_number_and_id(plan):
    reg = fx.register(plan, 60)
    own = make_resident_id(60, birth="19900101")
    assert services.find_own_registration(reg.number.lower(), own) == reg
    assert services.find_own_registration(reg.number, make_resident_id(61, birth="19900101")) is None
    assert services.find_own_registration("BMXXXXXXXX", own) is None


def test_oversize_photo_is_refused_and_nothing_written(plan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("p.png", fx.PNG + b"\0" * (5 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationFailed):
        services.registration_submit(
            actor=None,
            plan=plan,
            name="张三",
            id_number=make_resident_id(70),
            phone="13800000000",
            values=fx.registration_values(),
            photo=big,
        )
    assert not Registration.objects.exists() and not RegistrationFile.objects.exists()


def test_clock(plan):
    assert FROZEN_NOW.date() == TODAY
    with time_machine.travel(FROZEN_NOW + dt.timedelta(days=30)), pytest.raises(IllegalTransition):
        fx.register(plan, 80)


def test_the_phone_never_enters_the_audit_chain(plan, inst_admin, auth_staff):
    from dudao.common.models import AuditEvent

    reg = fx.register(plan, 90)  # phone 13800000090
    reg = fx.approve(reg, inst_admin, auth_staff)
    reg = services.registration_record_fee(
        actor=inst_admin, registration=reg, row_version=reg.row_version, receipt_no="SJ-90"
    )
    services.registration_withdraw(
        actor=inst_admin, registration=reg, row_version=reg.row_version, by_candidate=False
    )
    events = AuditEvent.objects.filter(object_type="exams.registration")
    assert events.count() == 5
    for event in events:
        assert "13800000090" not in f"{event.before} {event.after}", event.action
