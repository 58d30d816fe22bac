"""Paper downloads: tickets (staff, a plan's all, the candidate's own by POST), seat lists, room records;
scoped like the pages; the full ID number never in a paper."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document

from dudao.accounts.models import Role
from dudao.exams import services
from tests.conftest import client_for
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(plan, inst_admin, auth_staff):
    fx.approve(fx.register(plan, 1), inst_admin, auth_staff)
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
    room = services.room_create(
        actor=inst_admin, session=session, values={"name": "第01考场", "capacity": 30}
    )
    services.seats_assign(actor=inst_admin, plan=plan)
    return room


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_staff_downloads_docx(room, plan, inst_admin):
    reg = plan.registrations.get()
    client = client_for(inst_admin)
    for url in (
        reverse("exams:ticket", args=[reg.pk, "docx"]),
        reverse("exams:plan_tickets", args=[plan.pk, "docx"]),
        reverse("exams:seat_list", args=[room.pk, "docx"]),
        reverse("exams:room_record_doc", args=[room.pk, "docx"]),
    ):
        answer = client.get(url)
        assert answer.status_code == 200, url
        text = text_of(b"".join(answer.streaming_content))
        assert make_resident_id(1, birth="19900101") not in text
    assert client.get(reverse("exams:ticket", args=[reg.pk, "txt"])).status_code == 404


@pytest.mark.parametrize("role", [Role.EXAMINER, Role.EXTERNAL_SUPERVISOR])
def test_outsiders_get_404(room, plan, users, role):
    reg = plan.registrations.get()
    client = client_for(users[role])
    assert client.get(reverse("exams:ticket", args=[reg.pk, "docx"])).status_code == 404
    assert client.get(reverse("exams:seat_list", args=[room.pk, "docx"])).status_code == 404


def test_candidate_ticket_by_post_only(room, plan, settings):
    reg = plan.registrations.get()
    anon = client_for(None)
    url = reverse("exams:my_ticket")
    assert anon.get(url).status_code == 405
    wrong = anon.post(url, {"number": reg.number, "id_number": make_resident_id(2, birth="19900101")})
    assert wrong.status_code == 404
    pending = fx.register(plan, 3)
    refused = anon.post(url, {"number": pending.number, "id_number": make_resident_id(3, birth="19900101")})
    assert refused.status_code == 409


def test_candidate_prints_the_own_ticket_as_pdf(room, plan):
    reg = plan.registrations.get()
    answer = client_for(None).post(
        reverse("exams:my_ticket"), {"number": reg.number, "id_number": make_resident_id(1, birth="19900101")}
    )
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
