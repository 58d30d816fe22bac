"""Who reads what beyond the institution and the authority (an examiner his rooms' candidates only; a
supervisor while a live member of a task for the batch), receipt numbers unique in the database, the
provincial bank-only rule binding the cities below (INST-5), and the own-registration page carrying a
signed short-lived token instead of the ID number (ADR 0004)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.errors import ValidationFailed
from dudao.exams import selectors, services
from dudao.exams.models import QuestionSourcePolicy, Registration, RoomStaff, Seat
from dudao.supervision.models import TaskMember
from tests.conftest import client_for
from tests.exams.test_staffing_rechecks import supervise
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(plan, inst_admin, auth_staff):
    """Three candidates: two in room A (2 seats), one in room B."""
    for n in (1, 2, 3):
        fx.approve(fx.register(plan, n), inst_admin, auth_staff)
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
    a = services.room_create(actor=inst_admin, session=session, values={"name": "A", "capacity": 2})
    b = services.room_create(actor=inst_admin, session=session, values={"name": "B", "capacity": 30})
    services.seats_assign(actor=inst_admin, plan=plan)
    return a, b


def regs_in(room):
    return sorted(Seat.objects.filter(room=room).values_list("registration_id", flat=True))


# ------------------------------------------------------------------------------------------ scope


def test_an_examiner_reads_only_his_rooms_candidates(plan, rooms, users):
    a, b = rooms
    user = users[Role.EXAMINER]
    RoomStaff.objects.create(room=b, examiner=user.person.examiner)
    assert sorted(selectors.registrations_for(user).values_list("pk", flat=True)) == regs_in(b)
    assert list(selectors.rooms_for(user)) == [b]
    assert list(selectors.plans_for(user)) == [plan]  # the plan page (counts, duties)
    client = client_for(user)
    mine, theirs = regs_in(b)[0], regs_in(a)[0]
    assert client.get(reverse("exams:registration_detail", args=[mine])).status_code == 200
    assert client.get(reverse("exams:registration_detail", args=[theirs])).status_code == 404
    page = client.get(reverse("exams:registration_list", args=[plan.pk])).content.decode()
    names = {r.pk: r.person.name for r in Registration.objects.select_related("person")}
    assert names[mine] in page and names[theirs] not in page
    assert "收费台账" not in page
    assert client.get(reverse("exams:fee_ledger_export", args=[plan.pk])).status_code == 403
    # results of the whole plan are not his to read (issue 11): no tab, 404 on the page and the API
    assert "成绩与证书" not in page
    assert client.get(reverse("exams:results", args=[plan.pk])).status_code == 404
    assert client.get(f"/api/v1/exams/plans/{plan.pk}/results").status_code == 404
    assert client.get(f"/api/v1/exams/plans/{plan.pk}/objections").status_code == 404
    # replaced: he no longer reads the room's candidates
    RoomStaff.objects.filter(room=b).update(
        replaced_by=RoomStaff.objects.create(room=b, examiner=fx_other(user))
    )
    assert not selectors.registrations_for(user).exists()


def fx_other(user):
    from tests import factories as f

    return f.ExaminerFactory(authority=user.person.examiner.authority)


def test_the_institution_reads_the_fee_ledger(plan, rooms, inst_admin):
    page = client_for(inst_admin).get(reverse("exams:registration_list", args=[plan.pk])).content.decode()
    assert "收费台账" in page
    assert client_for(inst_admin).get(reverse("exams:fee_ledger_export", args=[plan.pk])).status_code == 200


@pytest.mark.parametrize(
    ("response", "active", "sees"),
    [
        (TaskMember.Response.PENDING, True, True),
        (TaskMember.Response.ACCEPTED, True, True),
        (TaskMember.Response.DECLINED, True, False),
        (TaskMember.Response.ACCEPTED, False, False),
    ],
)
def test_a_supervisor_sees_the_batch_while_a_live_member(plan, rooms, users, response, active, sees):
    user = users[Role.EXTERNAL_SUPERVISOR]
    supervise(plan, user.person, response=response, active=active)
    assert selectors.plans_for(user).exists() is sees
    assert (selectors.registrations_for(user).count() == 3) is sees


# ------------------------------------------------------------------------------------ integrity


def test_a_receipt_number_is_unique_per_batch_in_the_database_inst6(plan):
    first, second = fx.register(plan, 1), fx.register(plan, 2)
    Registration.objects.filter(pk=first.pk).update(fee_receipt_no="SJ-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=second.pk).update(fee_receipt_no="SJ-001")
    Registration.objects.filter(pk=second.pk).update(fee_receipt_no="SJ-002")
    Registration.objects.filter(pk__in=[first.pk, second.pk]).update(fee_receipt_no="")  # empty: many


def test_a_second_venue_check_is_a_conflict_exam19(plan, rooms, users, time_machine):
    from dudao.common.errors import Conflict

    a, _ = rooms
    user = users[Role.EXAMINER]
    RoomStaff.objects.create(room=a, examiner=user.person.examiner)
    services.venue_check(actor=user, room=a, confirmed=True)
    with pytest.raises(Conflict):
        services.venue_check(actor=user, room=a, confirmed=False, reason="设备故障")


# ------------------------------------------------------------------------------------------ INST-5


@pytest.fixture
def parent_authority(authority):
    from tests.factories import AuthorityFactory

    parent = AuthorityFactory(region=authority.region, code="PROVINCE")
    authority.parent = parent
    authority.save()
    return parent


def test_a_provincial_bank_only_rule_binds_the_city_below_inst5(authority, parent_authority):
    QuestionSourcePolicy.objects.create(authority=parent_authority, bank_only=True)
    QuestionSourcePolicy.objects.create(authority=authority, bank_only=False)  # on file before the rule
    assert services.question_policy_for(authority).authority == parent_authority


def test_a_city_may_tighten_its_provinces_rule_inst5(authority, parent_authority):
    QuestionSourcePolicy.objects.create(authority=parent_authority, bank_only=False)
    QuestionSourcePolicy.objects.create(authority=authority, bank_only=True)
    assert services.question_policy_for(authority).authority == authority
    assert services.question_policy_for(parent_authority).authority == parent_authority


def test_a_city_cannot_loosen_its_provinces_rule_inst5(authority, parent_authority, users):
    QuestionSourcePolicy.objects.create(authority=parent_authority, bank_only=True)
    admin = users[Role.AUTHORITY_ADMIN]
    with pytest.raises(ValidationFailed) as exc:
        services.question_policy_set(actor=admin, authority=authority, bank_only=False)
    assert "不能放宽" in exc.value.message
    assert not QuestionSourcePolicy.objects.filter(authority=authority).exists()
    services.question_policy_set(actor=admin, authority=authority, bank_only=True)


# --------------------------------------------------------------------------- own-registration token


def test_the_own_registration_page_never_echoes_the_id_number(client, plan, time_machine):
    reg = fx.register(plan, 1)
    id_number = make_resident_id(1, birth="19900101")
    page = client.post(
        reverse("exams:my_registration"), {"number": reg.number, "id_number": id_number}
    ).content.decode()
    assert id_number not in page and 'name="token"' in page
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    # the token alone withdraws while it is fresh …
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=29))
    page = client.post(
        reverse("exams:my_registration"), {"token": token, "action": "withdraw"}
    ).content.decode()
    assert "报名已撤回" in page
    reg.refresh_from_db()
    assert reg.status == "withdrawn"


@pytest.mark.parametrize("minutes", [31])
def test_an_expired_or_altered_token_is_refused(client, plan, time_machine, minutes):
    reg = fx.register(plan, 1)
    token = services.own_registration_token(reg)
    forged = token.replace(f"{reg.pk}:", f"{reg.pk + 1}:", 1)
    for bad in (forged, "nonsense"):
        page = client.post(
            reverse("exams:my_registration"), {"token": bad, "action": "withdraw"}
        ).content.decode()
        assert "页面已过期,请重新输入报名号和身份证号" in page
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes))
    page = client.post(
        reverse("exams:my_registration"), {"token": token, "action": "withdraw"}
    ).content.decode()
    assert "页面已过期,请重新输入报名号和身份证号" in page
    reg.refresh_from_db()
    assert reg.status == "submitted"
    assert client.post(reverse("exams:my_ticket"), {"token": token}).status_code == 404
