"""Masked marking on the pages and the API (EXAM-6, 18): who reaches which page, markers see codes and the
other marks only after their own, the leader sees the anomalies, overseers see candidates only after the
tallier's signature; the API drives the same flow."""

from __future__ import annotations

import json

import pytest

from dudao.accounts.models import Role
from dudao.exams.models import ExamResult, Mark, Marking
from tests.conftest import client_for

from .marking_support import code_of, give, mark_all, marking_setup, open_double

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(plan, inst_admin, auth_staff, authority, time_machine):
    data = marking_setup(plan, inst_admin, auth_staff, authority)
    from tests.factories import exams as fx

    time_machine.move_to(fx.at(fx.EXAM_DAY, 14))
    return data


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.INSTITUTION_ADMIN, 200),
        (Role.INSTITUTION_STAFF, 200),
        (Role.AUTHORITY_STAFF, 200),
        (Role.EXAMINER, 404),  # an examiner of no room of this plan
    ],
)
def test_the_marking_tab_per_role(plan, setup, users, role, status):
    answer = client_for(users[role]).get(f"/exams/{plan.pk}/marking/")
    assert answer.status_code == status
    if status == 200:
        page = answer.content.decode()
        assert "未开启阅卷" in page
        assert ("开启</button>" in page) == (role in (Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF))


def test_opening_from_the_page_leads_to_the_marking(plan, setup, inst_admin):
    session = setup["session"]
    leader = setup["markers"][3].person.examiner.pk
    answer = client_for(inst_admin).post(
        f"/exams/{plan.pk}/marking/open/{session.pk}/", {"mode": "double", "leader": leader}
    )
    marking = Marking.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/exams/marking/{marking.pk}/"
    bad = client_for(inst_admin).post(
        f"/exams/{plan.pk}/marking/open/{session.pk}/", {"mode": "double", "leader": leader}
    )
    assert bad.status_code == 302 and Marking.objects.count() == 1  # flashed 已开启, nothing more


def test_a_marker_sees_codes_and_others_only_after_his_own(setup, inst_admin):
    e1, e2, e3, _ = setup["markers"]
    marking = open_double(setup, inst_admin)
    first = setup["regs"][0]
    give(marking, e1, first, 70)
    page = client_for(e2).get(f"/exams/marking/{marking.pk}/").content.decode()
    assert code_of(marking, first) in page
    assert first.person.name not in page and first.number not in page
    assert "其他评分" not in page  # e2 has not marked: the 70 stays hidden
    give(marking, e2, first, 74)
    page = client_for(e2).get(f"/exams/marking/{marking.pk}/").content.decode()
    assert "其他评分:70.0" in page
    page = client_for(e3).get(f"/exams/marking/{marking.pk}/").content.decode()
    assert "70.0(" not in page and "74.0(" not in page


def test_marking_from_the_phone_form(setup, inst_admin):
    e1 = setup["markers"][0]
    marking = open_double(setup, inst_admin)
    code = code_of(marking, setup["regs"][0])
    answer = client_for(e1).post(f"/exams/marking/{marking.pk}/mark/", {"code": code, "value": "88.5"})
    assert answer.status_code == 302
    assert Mark.objects.get().value == 88.5
    client_for(e1).post(f"/exams/marking/{marking.pk}/mark/", {"code": code, "value": "abc"})
    assert Mark.objects.count() == 1


def test_overseers_see_candidates_only_after_the_join(setup, inst_admin, users):
    marking = open_double(setup, inst_admin)
    mark_all(marking, setup)
    first = setup["regs"][0]
    staff = client_for(users[Role.AUTHORITY_STAFF])
    assert first.number not in staff.get(f"/exams/marking/{marking.pk}/").content.decode()
    for user in setup["markers"][:2]:
        assert client_for(user).post(f"/exams/marking/{marking.pk}/sign/").status_code == 302
    client_for(users[Role.INSTITUTION_STAFF]).post(f"/exams/marking/{marking.pk}/sign/")
    assert ExamResult.objects.count() == 3
    page = staff.get(f"/exams/marking/{marking.pk}/").content.decode()
    assert first.number in page and "已签字" in page


def test_the_leader_sees_the_anomalies(setup, inst_admin):
    e1, e2, _, leader = setup["markers"]
    marking = open_double(setup, inst_admin)
    give(marking, e1, setup["regs"][0], 40)
    give(marking, e2, setup["regs"][0], 80)
    page = client_for(leader).get(f"/exams/marking/{marking.pk}/").content.decode()
    assert "需组长关注" in page and "超过允许误差" in page
    assert "需组长关注" not in client_for(e1).get(f"/exams/marking/{marking.pk}/").content.decode()


def test_a_stranger_gets_404(setup, inst_admin, users):
    marking = open_double(setup, inst_admin)
    assert client_for(users[Role.EXAMINER]).get(f"/exams/marking/{marking.pk}/").status_code == 404
    answer = client_for(users[Role.EXAMINER]).post(
        f"/exams/marking/{marking.pk}/mark/", {"code": code_of(marking, setup["regs"][0]), "value": 50}
    )
    assert answer.status_code == 404 and not Mark.objects.exists()


# ------------------------------------------------------------------------------------------------ API


def test_the_api_drives_the_whole_flow(setup, inst_admin, users):
    e1, e2, *_ = setup["markers"]
    session = setup["session"]
    leader = setup["markers"][3].person.examiner.pk
    opened = post(
        client_for(inst_admin),
        f"/api/v1/exams/sessions/{session.pk}/marking",
        {"mode": "double", "leader": leader},
    )
    assert opened.status_code == 201, opened.content
    pk = opened.json()["id"]
    first, second, _ = setup["regs"]
    for user, reg, value in ((e1, first, 70), (e2, first, 74), (e1, second, 50), (e2, second, 56)):
        answer = post(
            client_for(user),
            f"/api/v1/exams/markings/{pk}/marks",
            {"code": code_of(Marking.objects.get(), reg), "value": value},
        )
        assert answer.status_code == 201, answer.content
    view = client_for(e1).get(f"/api/v1/exams/markings/{pk}").json()
    assert view["waiting"] == 0 and all(p.get("registration") is None for p in view["papers"])
    premature = post(client_for(users[Role.INSTITUTION_STAFF]), f"/api/v1/exams/markings/{pk}/sign")
    assert premature.status_code == 409  # the markers sign first
    for user in (e1, e2, users[Role.INSTITUTION_STAFF]):
        answer = post(client_for(user), f"/api/v1/exams/markings/{pk}/sign")
        assert answer.status_code == 201, answer.content
    assert answer.json()["marking_status"] == "signed"
    staff_view = client_for(inst_admin).get(f"/api/v1/exams/markings/{pk}").json()
    assert {p["registration"] for p in staff_view["papers"]} == {r.number for r in setup["regs"]}
    assert staff_view["book"]["status"] == "signed" and len(staff_view["book"]["signatures"]) == 3


def test_api_refusals(setup, inst_admin, users):
    marking = open_double(setup, inst_admin)
    e1 = setup["markers"][0]
    url = f"/api/v1/exams/markings/{marking.pk}/marks"
    code = code_of(marking, setup["regs"][0])
    assert post(client_for(e1), url, {"code": code, "value": 101}).status_code == 422
    assert post(client_for(e1), url, {"code": "NOPE", "value": 50}).status_code == 422
    assert post(client_for(users[Role.EXAMINER]), url, {"code": code, "value": 50}).status_code == 404
    assert post(client_for(inst_admin), url, {"code": code, "value": 50}).status_code == 403
    assert (
        post(
            client_for(e1),
            f"/api/v1/exams/markings/{marking.pk}/corrections",
            {"code": code, "value": 50, "reason": "x"},
        ).status_code
        == 422
    )
    assert not Mark.objects.exists()
