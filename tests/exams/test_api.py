"""/api/v1/exams: public notices and registration, scoped plans, review, arrangement and exam day; a role ×
endpoint check that refusals change nothing."""

from __future__ import annotations

import json

import pytest

from dudao.accounts.models import Role
from dudao.exams.models import CheckIn, ExamPlan, Registration
from dudao.exams.tickets import ticket_qr_payload
from tests.conftest import client_for
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = pytest.mark.django_db
API = "/api/v1/exams"


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_public_notices_and_online_registration(plan):
    anon = client_for(None)
    listing = anon.get(f"{API}/notices").json()
    assert [item["id"] for item in listing["items"]] == [plan.pk]
    assert anon.get(f"{API}/notices?region=44").json()["count"] == 0
    assert anon.get(f"{API}/notices?region=36&occupation=焊工").json()["count"] == 1
    answer = anon.post(
        f"{API}/notices/{plan.pk}/registrations",
        data={
            "name": "张三",
            "id_number": make_resident_id(1),
            "phone": "13800000000",
            "level": "4",
            "work_years": "6",
            "photo": fx.photo(),
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "submitted" and body["precheck"]["route"] == "4b"
    own = post(anon, f"{API}/my-registration", {"number": body["number"], "id_number": make_resident_id(1)})
    assert own.status_code == 200 and own.json()["status_label"] == "待机构审核"
    wrong = post(anon, f"{API}/my-registration", {"number": body["number"], "id_number": make_resident_id(2)})
    assert wrong.status_code == 404
    gone = post(
        anon, f"{API}/my-registration/withdraw", {"number": body["number"], "id_number": make_resident_id(1)}
    )
    assert gone.json()["status"] == "withdrawn"


def test_bad_registration_is_a_chinese_422_and_writes_nothing(plan):
    answer = client_for(None).post(
        f"{API}/notices/{plan.pk}/registrations",
        data={
            "name": "张三",
            "id_number": "360102199001010000",
            "phone": "13800000000",
            "level": "4",
            "photo": fx.photo(),
        },
    )
    assert answer.status_code == 422 and "id_number" in answer.json()["detail"]
    assert not Registration.objects.exists()


def test_draft_plan_is_not_public(batch, inst_admin):
    plan = fx.exam_plan(batch, inst_admin, publish=False)
    assert client_for(None).get(f"{API}/notices/{plan.pk}").status_code == 404


def test_plan_create_publish_and_scope(batch, users, inst_admin):
    values = fx.plan_values(batch)
    payload = {**values, "batch": batch.pk}
    for key in ("registration_opens_on", "registration_closes_on", "withdraw_deadline"):
        payload[key] = payload[key].isoformat()
    staff = client_for(users[Role.INSTITUTION_STAFF])
    created = post(staff, f"{API}/plans", payload)
    assert created.status_code == 201, created.content
    pk, version = created.json()["id"], created.json()["row_version"]
    assert post(staff, f"{API}/plans/{pk}/publish", {"row_version": version}).status_code == 403
    answer = post(client_for(inst_admin), f"{API}/plans/{pk}/publish", {"row_version": version})
    assert answer.json()["status"] == "published"
    # outside the scope: another province's authority sees nothing
    assert client_for(users[Role.AUTHORITY_STAFF]).get(f"{API}/plans/{pk}").status_code == 200
    assert client_for(users[Role.EXAMINER]).get(f"{API}/plans/{pk}").status_code == 404
    assert client_for(users[Role.EXTERNAL_SUPERVISOR]).get(f"{API}/plans").json()["count"] == 0


def test_review_roles_matrix_changes_nothing_on_refusal(plan, users, inst_admin, auth_staff):
    reg = fx.register(plan, 5)
    url = f"{API}/registrations/{reg.pk}/review"
    for role in (Role.INSTITUTION_STAFF, Role.AUTHORITY_STAFF, Role.AUTHORITY_ADMIN):
        answer = post(client_for(users[role]), url, {"row_version": reg.row_version, "approve": True})
        assert answer.status_code == 403, role
    for role in (Role.EXAMINER, Role.EXTERNAL_SUPERVISOR, Role.INTERNAL_SUPERVISOR):
        answer = post(client_for(users[role]), url, {"row_version": reg.row_version, "approve": True})
        assert answer.status_code == 404, role
    reg.refresh_from_db()
    assert reg.status == "submitted"
    first = post(client_for(inst_admin), url, {"row_version": reg.row_version, "approve": True})
    assert first.json()["status"] == "institution_approved"
    second = post(client_for(auth_staff), url, {"row_version": first.json()["row_version"], "approve": True})
    assert second.json()["status"] == "approved" and second.json()["ticket_number"].startswith("ZK")
    assert second.json()["id_number_masked"].count("*") >= 8


def test_arrangement_and_checkin_over_the_api(plan, inst_admin, auth_staff, time_machine):
    reg = fx.approve(fx.register(plan, 7), inst_admin, auth_staff)
    time_machine.move_to(fx.at(fx.EXAM_DAY, 8, 30))  # the exam morning: arranged at the last minute
    admin = client_for(inst_admin)
    session = post(
        admin,
        f"{API}/plans/{plan.pk}/sessions",
        {
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9).isoformat(),
            "ends_at": fx.at(fx.EXAM_DAY, 11).isoformat(),
        },
    ).json()
    room = post(admin, f"{API}/sessions/{session['id']}/rooms", {"name": "第01考场", "capacity": 30}).json()
    assert post(admin, f"{API}/plans/{plan.pk}/seats", {}).json() == {"seats": 1}
    seats = admin.get(f"{API}/rooms/{room['id']}/seats").json()
    assert seats[0]["ticket_number"] == reg.ticket_number and "*" in seats[0]["id_number_masked"]
    scan = {"code": ticket_qr_payload(reg.ticket_number), "identity_checked": True, "client_id": "d1-1"}
    first = post(admin, f"{API}/rooms/{room['id']}/checkins", scan)
    again = post(admin, f"{API}/rooms/{room['id']}/checkins", scan)
    assert (first.status_code, again.status_code, CheckIn.objects.count()) == (201, 200, 1)
    violation = post(
        admin, f"{API}/rooms/{room['id']}/violations", {"measure": "warning", "facts": "看手机", "seat": 1}
    )
    assert violation.status_code == 201 and violation.json()["approval"] == "not_needed"
    rows = admin.get(f"{API}/plans/{plan.pk}/attendance").json()
    assert [(r["present"], r["violations"]) for r in rows] == [(1, 1)]
    assert ExamPlan.objects.get().status == "published"


def test_a_check_in_over_the_api_stays_cheap(
    time_machine, plan, inst_admin, auth_staff, django_assert_max_num_queries
):
    """Issue 10 performance: one scan is a handful of queries (token, budget, room, seat, insert, audit)."""
    from dudao.accounts import services as account_services
    from dudao.exams import services as exam_services

    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2)]
    session = exam_services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    room = exam_services.room_create(actor=inst_admin, session=session, values={"name": "R1", "capacity": 30})
    exam_services.seats_assign(actor=inst_admin, plan=plan)
    _, key = account_services.token_create(
        actor=inst_admin, name="签到平板", user=inst_admin, scope="read_write"
    )
    time_machine.move_to(fx.at(fx.EXAM_DAY, 8, 50))  # the exam morning: check-in is open
    client = client_for(None)
    url = f"{API}/rooms/{room.pk}/checkins"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    first = {"code": ticket_qr_payload(regs[0].ticket_number), "identity_checked": True, "client_id": "p-1"}
    client.post(url, json.dumps(first), content_type="application/json", **headers)
    second = {"code": ticket_qr_payload(regs[1].ticket_number), "identity_checked": True, "client_id": "p-2"}
    with django_assert_max_num_queries(16):
        answer = client.post(url, json.dumps(second), content_type="application/json", **headers)
    assert answer.status_code == 201 and answer.json()["name"] == regs[1].person.name


def test_absences_and_seat_swap_over_the_api(plan, inst_admin, auth_staff, time_machine):
    from dudao.exams import services as exam_services
    from dudao.exams.models import SeatSwap

    fx.approve(fx.register(plan, 1), inst_admin, auth_staff)
    session = exam_services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    a = exam_services.room_create(actor=inst_admin, session=session, values={"name": "A", "capacity": 30})
    b = exam_services.room_create(actor=inst_admin, session=session, values={"name": "B", "capacity": 30})
    exam_services.seats_assign(actor=inst_admin, plan=plan)
    admin = client_for(inst_admin)
    swap = {"seat": 1, "to_room": b.pk, "to_number": 7, "reason": "机位故障"}
    answer = post(admin, f"{API}/rooms/{a.pk}/seat-swaps", swap)
    assert answer.status_code == 201 and answer.json()["number"] == 7
    assert SeatSwap.objects.get().to_label == "B 7号"
    assert post(admin, f"{API}/rooms/{b.pk}/absences", {}).status_code == 409  # before 09:15
    time_machine.move_to(fx.at(fx.EXAM_DAY, 9, 15))
    admin = client_for(inst_admin)
    assert post(admin, f"{API}/rooms/{b.pk}/absences", {}).json() == {"absent": 1}


def test_public_writes_and_lookups_have_an_hourly_budget_per_address(plan, settings):
    settings.DUDAO_PUBLIC_LOOKUPS_PER_HOUR = 2
    settings.DUDAO_PUBLIC_REGISTRATIONS_PER_HOUR = 1
    anon = client_for(None)
    body = {"number": "BMXXXXXXXX", "id_number": make_resident_id(1)}
    assert [post(anon, f"{API}/my-registration", body).status_code for _ in range(3)] == [404, 404, 429]
    page = anon.post("/exams/my/", body)
    assert page.status_code == 429  # the page shares the address's budget
    data = {
        "name": "张三",
        "id_number": make_resident_id(2),
        "phone": "13800000000",
        "level": "4",
        "photo": fx.photo(),
    }
    assert anon.post(f"{API}/notices/{plan.pk}/registrations", data=data).status_code == 201
    data["photo"] = fx.photo()
    refused = anon.post(
        f"{API}/notices/{plan.pk}/registrations", data={**data, "id_number": make_resident_id(3)}
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Registration.objects.count() == 1


def test_notice_region_filter_takes_a_region_and_what_lies_below(plan):
    """A full code is that region and below: 360000 → 36xxxx; a city code stays inside the city."""
    anon = client_for(None)
    region = plan.batch.institution.region.code  # 360000, the province
    assert anon.get(f"{API}/notices?region={region}").json()["count"] == 1
    assert anon.get(f"{API}/notices?region=300000").json()["count"] == 0  # not every code starting with 3
    assert (
        anon.get(f"{API}/notices?region=360100").json()["count"] == 0
    )  # a city: the province's own is not in it
