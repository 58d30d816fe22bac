"""Exam-day room pages: who reaches them (institution users of the batch, the room's examiners, superuser;
404 outside the scope, 403 in scope without the right, and a refusal changes nothing), the candidate
lookup with the photo, 标记缺考 only after the admission cut-off (both sides), and the room record:
notes, violations (EXAM-8), seat swaps and the examiners' venue check (EXAM-19)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import CheckIn, RoomNote, RoomStaff, Seat, SeatSwap, VenueCheck, Violation
from tests import factories as f
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def arranged(plan, inst_admin, auth_staff):
    """Three approved level-4 candidates in a theory session at 09:00; rooms of 2 and 5 seats."""
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2, 3)]
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
    a = services.room_create(actor=inst_admin, session=session, values={"name": "第01考场", "capacity": 2})
    b = services.room_create(actor=inst_admin, session=session, values={"name": "第02考场", "capacity": 5})
    services.seats_assign(actor=inst_admin, plan=plan)
    return {"regs": regs, "session": session, "a": a, "b": b}


@pytest.fixture
def room(arranged):
    return arranged["a"]


def seat_of(room, number):
    return Seat.objects.select_related("registration__person").get(room=room, number=number)


def url(name, room, *args):
    return reverse(f"exams:{name}", args=[room.pk, *args])


def counts():
    return (
        CheckIn.objects.count(),
        RoomNote.objects.count(),
        Violation.objects.count(),
        SeatSwap.objects.count(),
        VenueCheck.objects.count(),
        list(Seat.objects.order_by("id").values_list("room_id", "number")),
    )


# ----------------------------------------------------------------------------------------- access


@pytest.mark.parametrize("page", ["room_checkin", "room_record", "room_seats"])
def test_who_reaches_the_room_pages(page, room, arranged, users, client_as, other_institution):
    examiner = users[Role.EXAMINER]
    target = url(page, room)
    assert client_as(None).get(target).status_code == 302  # to the login page
    for user in (users["superuser"], users[Role.INSTITUTION_ADMIN], users[Role.INSTITUTION_STAFF]):
        assert client_as(user).get(target).status_code == 200, user
    # an examiner not on any staff of the batch: outside the scope
    assert client_as(examiner).get(target).status_code == 404
    # on the staff of the other room of the batch: he sees his room only, not this one
    RoomStaff.objects.create(room=arranged["b"], examiner=examiner.person.examiner)
    assert client_as(examiner).get(target).status_code == 404
    assert client_as(examiner).get(url(page, arranged["b"])).status_code == 200
    RoomStaff.objects.create(room=room, examiner=examiner.person.examiner)
    assert client_as(examiner).get(target).status_code == 200
    # the authority (region scope) watches but does not keep the room; another institution sees nothing
    assert client_as(users[Role.AUTHORITY_STAFF]).get(target).status_code == 403
    stranger = f.UserFactory(username="gd_staff", role=Role.INSTITUTION_STAFF, institution=other_institution)
    assert client_as(stranger).get(target).status_code == 404
    assert client_as(users[Role.EXTERNAL_SUPERVISOR]).get(target).status_code == 404


def test_checkin_page_allows_the_camera_there_only(room, inst_admin, client_as):
    checkin = client_as(inst_admin).get(url("room_checkin", room))
    assert "camera=(self)" in checkin["Permissions-Policy"]
    assert "camera=()" not in checkin["Permissions-Policy"]
    record = client_as(inst_admin).get(url("room_record", room))
    assert "camera=()" in record["Permissions-Policy"]
    page = checkin.content.decode()
    assert f'data-api="/api/v1/exams/rooms/{room.pk}/checkins"' in page
    inside = [seat_of(room, n).registration.person.name for n in (1, 2)]
    outside = Seat.objects.exclude(room=room).get().registration.person.name
    assert inside[0] in page and inside[1] in page and outside not in page


def test_refused_posts_change_nothing(room, users, client_as):
    before = counts()
    for user in (users[Role.AUTHORITY_STAFF], users[Role.EXAMINER]):
        client = client_as(user)
        assert client.post(url("room_absences", room)).status_code in (403, 404)
        assert client.post(url("room_record", room), {"action": "note", "note-text": "开考"}).status_code in (
            403,
            404,
        )
        response = client.post(
            url("room_lookup", room),
            json.dumps({"code": seat_of(room, 1).registration.ticket_number}),
            "application/json",
        )
        assert response.status_code in (403, 404)
    assert (
        client_as(users[Role.AUTHORITY_STAFF]).get(url("room_photo", room, seat_of(room, 1).pk)).status_code
        == 403
    )
    assert counts() == before


# ----------------------------------------------------------------------------------------- lookup and photo


def post_lookup(client, room, code):
    return client.post(url("room_lookup", room), json.dumps({"code": code}), "application/json")


def test_lookup_by_ticket_and_id_number_shows_the_photo(room, inst_admin, client_as):
    seat = seat_of(room, 1)
    client = client_as(inst_admin)
    expected = {
        "seat": 1,
        "name": seat.registration.person.name,
        "id_number_masked": seat.registration.person.id_number_masked,
        "ticket_number": seat.registration.ticket_number,
        "photo_url": url("room_photo", room, seat.pk),
        "checkin": "",
    }
    assert post_lookup(client, room, seat.registration.ticket_number).json() == expected
    id_number = make_resident_id(int(seat.registration.person.name[-1]), birth="19900101")
    assert post_lookup(client, room, id_number).json() == expected
    photo = client.get(expected["photo_url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert photo["Cache-Control"] == "private, no-store"
    assert b"".join(photo.streaming_content) == fx.PNG


def test_lookup_of_someone_not_in_the_room_is_neutral(room, arranged, inst_admin, client_as):
    client = client_as(inst_admin)
    other_room_seat = Seat.objects.get(room=arranged["b"])
    response = post_lookup(client, room, other_room_seat.registration.ticket_number)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "本考场没有这名考生,请核对考场"}
    response = post_lookup(client, room, make_resident_id(99, birth="19900101"))  # valid, nobody's
    assert (response.status_code, response.json()["message"]) == (404, "本考场没有这名考生,请核对考场")
    response = post_lookup(client, room, "hello")
    assert response.status_code == 422
    assert response.json()["message"] == "无法识别:不是本系统的准考证二维码、准考证号或有效身份证号"


def test_photo_of_a_seat_of_another_room_is_not_served(room, arranged, inst_admin, client_as):
    other = Seat.objects.get(room=arranged["b"])
    assert client_as(inst_admin).get(url("room_photo", room, other.pk)).status_code == 404
    assert client_as(inst_admin).get(url("room_photo", arranged["b"], other.pk)).status_code == 200


def test_seat_list_shows_live_status(room, inst_admin, client_as, exam_started):
    seat = seat_of(room, 2)
    services.checkin_record(
        actor=inst_admin,
        room=room,
        code=seat.registration.ticket_number,
        identity_checked=True,
        status="late",
    )
    page = client_as(inst_admin).get(url("room_seats", room)).content.decode()
    assert 'class="dudao-seat is-late" data-seat="2"' in page
    assert 'class="dudao-seat" data-seat="1"' in page
    assert '迟到 <b class="dudao-num">1</b>' in page and '未到 <b class="dudao-num">1</b>' in page


# ----------------------------------------------------------------------------------------- absences


def test_absences_only_after_the_cutoff(room, inst_admin, client_as, time_machine):
    cutoff = fx.at(fx.EXAM_DAY, 9, 15)
    time_machine.move_to(cutoff - dt.timedelta(seconds=1), tick=False)
    client = client_as(inst_admin)  # signed in on the exam day (an old session would have expired)
    page = client.get(url("room_checkin", room)).content.decode()
    assert '<button type="submit" class="btn btn-outline-danger w-100" disabled>' in page
    response = client.post(url("room_absences", room), follow=True)
    assert CheckIn.objects.count() == 0
    assert "开考 15 分钟后(09:15)才能标记缺考" in response.content.decode()
    time_machine.move_to(cutoff, tick=False)
    response = client.post(url("room_absences", room), follow=True)
    assert sorted(CheckIn.objects.values_list("seat__number", "status")) == [(1, "absent"), (2, "absent")]
    assert "未签到的考生已标记为缺考" in response.content.decode()


# ----------------------------------------------------------------------------------------- room record


def test_note_added_and_empty_note_refused(room, inst_admin, client_as):
    client = client_as(inst_admin)
    response = client.post(url("room_record", room), {"action": "note", "note-text": "09:00 开考,实到 2 人"})
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    assert list(RoomNote.objects.values_list("text", flat=True)) == ["09:00 开考,实到 2 人"]
    response = client.post(url("room_record", room), {"action": "note", "note-text": ""})
    assert response.status_code == 200 and "请填写记录内容" in response.content.decode()
    assert RoomNote.objects.count() == 1


def test_violations_individual_and_collective(room, inst_admin, client_as):
    client = client_as(inst_admin)
    seat = seat_of(room, 1)
    response = client.post(
        url("room_record", room),
        {
            "action": "violation",
            "violation-seat": seat.pk,
            "violation-measure": "warning",
            "violation-facts": "偷看手机",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url("room_record", room),
        {
            "action": "violation",
            "violation-collective": "on",
            "violation-measure": "stop",
            "violation-facts": "多人传递纸条",
        },
    )
    assert response.status_code == 302
    assert list(
        Violation.objects.order_by("id").values_list("registration_id", "collective", "measure", "approval")
    ) == [
        (seat.registration_id, False, "warning", "not_needed"),
        (None, True, "stop", "pending"),
    ]
    page = client.get(url("room_record", room)).content.decode()
    assert (
        "待认定中心审批" in page
        and "集体违纪 · 终止考试" in page
        and f"{seat.registration.person.name} · 警告" in page
    )


def test_violation_without_a_candidate_is_refused_in_place(room, inst_admin, client_as):
    response = client_as(inst_admin).post(
        url("room_record", room),
        {"action": "violation", "violation-measure": "advice", "violation-facts": "交头接耳"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and Violation.objects.count() == 0
    assert "请选择考生" in page and "交头接耳" in page


def test_seat_swap_to_a_free_seat_and_not_to_a_taken_one(room, arranged, inst_admin, client_as):
    client = client_as(inst_admin)
    seat = seat_of(room, 1)
    data = {
        "action": "swap",
        "swap-seat": seat.pk,
        "swap-to_room": arranged["b"].pk,
        "swap-reason": "座位灯坏",
    }
    taken = Seat.objects.get(room=arranged["b"]).number
    response = client.post(url("room_record", room), {**data, "swap-to_number": taken})
    assert response.status_code == 200 and "座位已占用" in response.content.decode()
    assert SeatSwap.objects.count() == 0
    response = client.post(url("room_record", room), {**data, "swap-to_number": 5})
    assert response.status_code == 302
    seat.refresh_from_db()
    assert (seat.room_id, seat.number) == (arranged["b"].pk, 5)
    assert list(SeatSwap.objects.values_list("from_label", "to_label", "reason")) == [
        ("第01考场 1号", "第02考场 5号", "座位灯坏")
    ]


def test_venue_check_by_the_rooms_examiner_exam19(room, users, inst_admin, client_as):
    examiner = users[Role.EXAMINER]
    RoomStaff.objects.create(room=room, examiner=examiner.person.examiner)
    client = client_as(examiner)
    assert 'name="venue-confirmed"' in client.get(url("room_record", room)).content.decode()
    # the institution's staff keep the room but do not confirm the venue
    assert (
        'name="venue-confirmed"' not in client_as(inst_admin).get(url("room_record", room)).content.decode()
    )
    refused = client_as(inst_admin).post(
        url("room_record", room), {"action": "venue", "venue-confirmed": "1"}
    )
    assert refused.status_code == 403 and VenueCheck.objects.count() == 0
    response = client.post(
        url("room_record", room), {"action": "venue", "venue-confirmed": "0", "venue-reason": ""}
    )
    assert response.status_code == 200 and VenueCheck.objects.count() == 0
    assert "拒绝原因" in response.content.decode()
    response = client.post(
        url("room_record", room), {"action": "venue", "venue-confirmed": "0", "venue-reason": "焊机未接地"}
    )
    assert response.status_code == 302
    assert list(VenueCheck.objects.values_list("confirmed", "reason")) == [(False, "焊机未接地")]
    page = client.get(url("room_record", room)).content.decode()
    assert "拒绝开考" in page and "焊机未接地" in page and 'name="venue-confirmed"' not in page


def test_unknown_action_is_404(room, inst_admin, client_as):
    assert client_as(inst_admin).post(url("room_record", room), {"action": "drop"}).status_code == 404
