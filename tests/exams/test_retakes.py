"""补考 in the product (EXAM-11): a candidate who failed a single subject registers once for that subject in a
later batch of the same occupation and level (original 报名号 + ID number), sits only that subject's session,
and his new result carries the subjects he passed — whether the retaken mark comes from a form or from a
signed score book. The pure rule's boundaries are in test_retake_rules.py; here they meet the records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from dudao.accounts.models import Role
from dudao.common.audit import verify_chain
from dudao.common.errors import Conflict, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.exams import services
from dudao.exams.models import CheckIn, ExamResult, Registration, RegistrationFile, RoomStaff, Seat
from tests.conftest import client_for
from tests.factories import exams as fx
from tests.factories.rows import OccupationFactory, make_resident_id

from .marking_support import examiner_user

pytestmark = pytest.mark.django_db

AFTER_EXAM = fx.EXAM_DAY + dt.timedelta(days=1)  # 2026-12-21
LATER_EXAM = dt.date(2027, 3, 21)  # the later batch's exam day
RETAKE_DAY = dt.date(2027, 1, 5)  # registration for the later batch is open

PASSING = [{"subject": "theory", "marks": [70, 74]}, {"subject": "practical", "panel": [80, 82, 78]}]
FAILED_THEORY = [{"subject": "theory", "mark": 59.5}, {"subject": "practical", "panel": [80, 82, 78]}]
FAILED_BOTH = [{"subject": "theory", "mark": 50}, {"subject": "practical", "panel": [50, 55, 52]}]


def later_batch(institution, occupation, exam_day=LATER_EXAM, code="PC-EXAM-2"):
    batch = fx.exam_batch(institution, code=code, occupation=occupation)
    batch.starts_at, batch.ends_at = fx.at(exam_day, 8), fx.at(exam_day, 18)
    batch.save(update_fields=["starts_at", "ends_at"])
    return batch


def later_plan(batch, admin):
    return fx.exam_plan(
        batch,
        admin,
        registration_opens_on=RETAKE_DAY - dt.timedelta(days=1),
        registration_closes_on=RETAKE_DAY + dt.timedelta(days=10),
        withdraw_deadline=RETAKE_DAY + dt.timedelta(days=12),
    )


@pytest.fixture
def original(plan, inst_admin, auth_staff, time_machine):
    """The first batch's published results: candidate 1 passed, 2 failed theory only, 3 failed both."""
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2, 3)]
    time_machine.move_to(fx.at(AFTER_EXAM, 10))
    services.results_record(
        actor=inst_admin,
        plan=plan,
        entries=[
            {"registration": r.number, "subjects": s}
            for r, s in zip(regs, (PASSING, FAILED_THEORY, FAILED_BOTH), strict=True)
        ],
    )
    services.results_publish(actor=inst_admin, plan=plan)
    return dict(zip(("passed", "failed", "failed_both"), regs, strict=True))


@pytest.fixture
def plan2(original, batch, institution, inst_admin, time_machine):
    time_machine.move_to(fx.at(RETAKE_DAY, 10))
    return later_plan(later_batch(institution, batch.occupation), inst_admin)


def retake(plan, registration, n, **over):
    values = {
        "actor": None,
        "plan": plan,
        "original_number": registration.number,
        "id_number": make_resident_id(n, birth="19900101"),
        "phone": "13900000000",
        **over,
    }
    return services.registration_retake(**values)


# ------------------------------------------------------------------------------------------- registering


def test_retake_registers_the_single_failed_subject(original, plan2):
    reg = retake(plan2, original["failed"], 2)
    assert (reg.retake_of_id, reg.retake_subject) == (original["failed"].pk, "theory")
    assert reg.person_id == original["failed"].person_id and reg.level == 4
    assert reg.status == Registration.Status.SUBMITTED and reg.source == Registration.Source.ONLINE
    # the eligibility reviewed for the original is carried; the photo is the original's when none is given
    assert reg.precheck == original["failed"].precheck and reg.work_years == original["failed"].work_years
    photo = RegistrationFile.objects.get(registration=reg, material="photo")
    assert photo.sha256 == original["failed"].files.get(material="photo").sha256
    event = AuditEvent.objects.filter(action="exams.registration.retake").get()
    assert event.after["retake_of"] == original["failed"].number and event.after["retake_subject"] == "theory"
    assert "13900000000" not in str(event.after)
    assert verify_chain().ok


def test_retake_only_once(original, plan2, inst_admin, auth_staff):
    first = retake(plan2, original["failed"], 2)
    with pytest.raises(ValidationFailed, match="已补考过一次"):
        retake(plan2, original["failed"], 2)
    # a withdrawn retake was never taken: the candidate may register it again
    services.registration_withdraw(
        actor=None, registration=first, row_version=first.row_version, by_candidate=True
    )
    again = retake(plan2, original["failed"], 2)
    # and a retake is not itself retaken
    fx.approve(again, inst_admin, auth_staff)
    assert "已补考过一次" in services.retake_check(original=again, plan=plan2)[1]
    assert Registration.objects.filter(retake_of=original["failed"]).count() == 2


def test_one_live_retake_is_a_database_constraint(original, plan2):
    first = retake(plan2, original["failed"], 2)
    with pytest.raises(IntegrityError, match="retake"), transaction.atomic():
        Registration.objects.create(
            number="BMDUPLICATE",
            plan=plan2,
            person=first.person,
            level=2,
            retake_of=original["failed"],
            retake_subject="theory",
        )


@pytest.mark.parametrize(
    ("who", "n", "over", "message"),
    [
        ("passed", 1, {}, "各科均已合格"),
        ("failed_both", 3, {}, "只有一个科目不合格"),
        ("failed", 2, {"subject": "practical"}, "补考科目应为不合格的理论知识考试"),
        ("failed", 2, {"subject": "drawing"}, "补考科目无效"),
        ("failed", 3, {}, "不匹配"),  # someone else's ID number
        ("failed", 2, {"phone": "12345"}, "手机号"),
    ],
)
def test_retake_refusals_change_nothing(original, plan2, who, n, over, message):
    before = Registration.objects.count()
    with pytest.raises(ValidationFailed, match=message):
        retake(plan2, original[who], n, **over)
    assert Registration.objects.count() == before


def test_retake_needs_published_results(plan, inst_admin, auth_staff, batch, institution, time_machine):
    reg = fx.approve(fx.register(plan, 2), inst_admin, auth_staff)
    time_machine.move_to(fx.at(AFTER_EXAM, 10))
    services.results_record(
        actor=inst_admin, plan=plan, entries=[{"registration": reg.number, "subjects": FAILED_THEORY}]
    )
    time_machine.move_to(fx.at(RETAKE_DAY, 10))
    plan2 = later_plan(later_batch(institution, batch.occupation), inst_admin)
    with pytest.raises(ValidationFailed, match="尚未公示"):
        retake(plan2, reg, 2)


def test_retake_needs_the_same_occupation(original, institution, inst_admin, time_machine):
    time_machine.move_to(fx.at(RETAKE_DAY, 10))
    other = later_batch(institution, OccupationFactory(code="4-01-02-01", name="其他职业"))
    with pytest.raises(ValidationFailed, match="同一职业"):
        retake(later_plan(other, inst_admin), original["failed"], 2)


@pytest.mark.parametrize(
    ("exam_day", "allowed"), [(dt.date(2027, 1, 20), True), (dt.date(2027, 1, 21), False)]
)
def test_retake_window_last_day(
    original, batch, institution, inst_admin, time_machine, settings, exam_day, allowed
):
    """Original exam 2026-12-20; a one-month window ends 2027-01-20 (included), not the 21st."""
    settings.DUDAO_RETAKE_WINDOW_MONTHS = 1
    time_machine.move_to(fx.at(RETAKE_DAY, 10))
    plan2 = later_plan(later_batch(institution, batch.occupation, exam_day=exam_day), inst_admin)
    if allowed:
        assert retake(plan2, original["failed"], 2).retake_subject == "theory"
    else:
        with pytest.raises(ValidationFailed, match="补考期限至 2027-01-20"):
            retake(plan2, original["failed"], 2)


def test_institution_registers_a_retake_for_the_candidate(original, plan2, inst_admin, users):
    reg = services.registration_retake(
        actor=inst_admin,
        on_behalf=True,
        plan=plan2,
        original_number=original["failed"].number,
        id_number=make_resident_id(2, birth="19900101"),
    )
    assert reg.source == Registration.Source.ROSTER and reg.phone == original["failed"].phone
    for role in (Role.AUTHORITY_STAFF, Role.EXAMINER):
        with pytest.raises(PermissionDenied):
            services.registration_retake(
                actor=users[role],
                on_behalf=True,
                plan=plan2,
                original_number=original["passed"].number,
                id_number=make_resident_id(1, birth="19900101"),
            )


def test_duplicate_registration_in_the_later_batch(original, plan2):
    fx.register(plan2, 2)  # the candidate already registered normally
    with pytest.raises(Conflict):
        retake(plan2, original["failed"], 2)


# ------------------------------------------------------------------------------------------- sitting


@pytest.fixture
def retake_approved(original, plan2, inst_admin, auth_staff):
    reg = fx.approve(retake(plan2, original["failed"], 2), inst_admin, auth_staff)
    newcomer = fx.approve(fx.register(plan2, 7), inst_admin, auth_staff)
    sessions = {}
    for subject, hour in (("theory", 9), ("practical", 13)):
        session = services.session_create(
            actor=inst_admin,
            plan=plan2,
            values={
                "subject": subject,
                "level": 4,
                "starts_at": fx.at(LATER_EXAM, hour),
                "ends_at": fx.at(LATER_EXAM, hour + 2),
            },
        )
        room = services.room_create(
            actor=inst_admin, session=session, values={"name": "第01考场", "capacity": 5}
        )
        sessions[subject] = (session, room)
    services.seats_assign(actor=inst_admin, plan=plan2)
    return {"retake": reg, "newcomer": newcomer, "sessions": sessions}


def test_retake_sits_only_the_retaken_subject(retake_approved):
    seated = {(seat.registration_id, seat.session.subject) for seat in Seat.objects.select_related("session")}
    reg, newcomer = retake_approved["retake"], retake_approved["newcomer"]
    assert seated == {(reg.pk, "theory"), (newcomer.pk, "theory"), (newcomer.pk, "practical")}


def test_retake_result_carries_the_passed_subjects(retake_approved, plan2, inst_admin, time_machine):
    reg = retake_approved["retake"]
    time_machine.move_to(fx.at(LATER_EXAM, 19))
    with pytest.raises(ValidationFailed) as refused:  # the carried subject is not examined again
        services.results_record(
            actor=inst_admin,
            plan=plan2,
            entries=[{"registration": reg.number, "subjects": [*PASSING]}],
        )
    assert "操作技能考核沿用原成绩" in str(refused.value.detail)
    services.results_record(
        actor=inst_admin,
        plan=plan2,
        entries=[{"registration": reg.number, "subjects": [{"subject": "theory", "mark": 60}]}],
    )
    result = ExamResult.objects.get(registration=reg)
    assert result.passed is True
    assert result.marks == [
        {"subject": "practical", "panel": [80, 82, 78]},
        {"subject": "theory", "mark": 60},
    ]
    # failing the retaken subject again fails the level (and there is no third attempt)
    services.results_record(
        actor=inst_admin,
        plan=plan2,
        entries=[{"registration": reg.number, "subjects": [{"subject": "theory", "mark": 59.9}]}],
    )
    result.refresh_from_db()
    assert result.passed is False and result.version == 2


def test_retake_marked_online_carries_the_passed_subjects(
    retake_approved, plan2, inst_admin, users, authority, time_machine
):
    session, room = retake_approved["sessions"]["theory"]
    reg, newcomer = retake_approved["retake"], retake_approved["newcomer"]
    marker = examiner_user(authority, 1)
    RoomStaff.objects.create(room=room, examiner=marker.person.examiner)
    for seat in Seat.objects.filter(session=session):
        CheckIn.objects.create(
            seat=seat, status=CheckIn.Status.PRESENT, at=fx.at(LATER_EXAM, 8, 55), by=inst_admin
        )
    time_machine.move_to(fx.at(LATER_EXAM, 12))
    marking = services.marking_open(
        actor=inst_admin, session=session, mode="single", leader=marker.person.examiner.pk
    )
    for registration, value in ((reg, 61), (newcomer, 75)):
        code = marking.papers.get(seat__registration=registration).code
        services.mark_submit(actor=marker, marking=marking, code=code, value=value)
    services.scorebook_sign(actor=marker, marking=marking)
    services.scorebook_sign(actor=users[Role.INSTITUTION_STAFF], marking=marking)
    result = ExamResult.objects.get(registration=reg)
    assert [s["subject"] for s in result.marks] == ["practical", "theory"]
    assert result.passed is True and result.judged["missing"] == []
    # the newcomer has only theory so far: practical is still missing
    assert ExamResult.objects.get(registration=newcomer).judged["missing"] == ["practical"]


# ------------------------------------------------------------------------------------------- API

API = "/api/v1/exams"


def test_api_public_retake(original, plan2):
    anon = client_for(None)
    data = {
        "original_number": original["failed"].number,
        "id_number": make_resident_id(2, birth="19900101"),
        "phone": "13900000000",
    }
    wrong = anon.post(f"{API}/notices/{plan2.pk}/retakes", data={**data, "id_number": make_resident_id(3)})
    assert wrong.status_code == 422 and "original_number" in wrong.json()["detail"]
    answer = anon.post(f"{API}/notices/{plan2.pk}/retakes", data={**data, "photo": fx.photo()})
    assert answer.status_code == 201, answer.content
    assert answer.json()["retake_subject"] == "theory"
    again = anon.post(f"{API}/notices/{plan2.pk}/retakes", data=data)
    assert again.status_code == 422 and "补考过一次" in again.json()["message"]
    assert Registration.objects.filter(retake_of=original["failed"]).count() == 1


def test_api_staff_retake(original, plan2, inst_admin, users):
    payload = {
        "original_number": original["failed"].number,
        "id_number": make_resident_id(2, birth="19900101"),
    }
    url = f"{API}/plans/{plan2.pk}/retakes"
    assert client_for(None).post(url, data=payload, content_type="application/json").status_code == 401
    denied = client_for(users[Role.EXAMINER]).post(url, data=payload, content_type="application/json")
    assert denied.status_code in (403, 404)
    answer = client_for(inst_admin).post(url, data=payload, content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["retake_of_number"] == original["failed"].number and body["retake_subject"] == "theory"
    listed = client_for(inst_admin).get(f"{API}/plans/{plan2.pk}/registrations").json()["items"]
    assert [(i["retake_of_number"], i["retake_subject"]) for i in listed] == [
        (original["failed"].number, "theory")
    ]


# ------------------------------------------------------------------------------------------- pages


def test_public_retake_page(original, plan2):
    anon = client_for(None)
    notice = anon.get(f"/exams/notices/{plan2.pk}/").content.decode()
    assert f"/exams/notices/{plan2.pk}/retake/" in notice
    page = anon.get(f"/exams/notices/{plan2.pk}/retake/")
    assert page.status_code == 200 and "原报名号" in page.content.decode()
    data = {"original_number": original["passed"].number, "id_number": make_resident_id(1, birth="19900101")}
    refused = anon.post(f"/exams/notices/{plan2.pk}/retake/", data=data)
    assert refused.status_code == 200 and "各科均已合格" in refused.content.decode()
    data = {"original_number": original["failed"].number, "id_number": make_resident_id(2, birth="19900101")}
    done = anon.post(f"/exams/notices/{plan2.pk}/retake/", data=data, follow=True)
    text = done.content.decode()
    reg = Registration.objects.get(retake_of=original["failed"])
    assert reg.number in text and "补考科目" in text and "理论知识考试" in text


def test_staff_retake_page(original, plan2, inst_admin, users):
    url = f"/exams/{plan2.pk}/registrations/retake/"
    assert client_for(users[Role.AUTHORITY_STAFF]).get(url).status_code in (403, 404)
    admin = client_for(inst_admin)
    listing = admin.get(f"/exams/{plan2.pk}/registrations/").content.decode()
    assert url in listing
    assert admin.get(url).status_code == 200
    data = {"original_number": original["failed"].number, "id_number": make_resident_id(2, birth="19900101")}
    done = admin.post(url, data=data, follow=True)
    text = done.content.decode()
    assert "补考报名已登记" in text and original["failed"].number in text
    listing = admin.get(f"/exams/{plan2.pk}/registrations/").content.decode()
    assert "补考理论知识考试" in listing
