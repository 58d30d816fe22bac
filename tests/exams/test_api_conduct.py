"""Examiner conduct over the API (/api/v1/exams/conduct/...): the room's duties and recording attendance,
excuse, proposals (list with filters and pages, detail with the duties, raising by a live supervisor),
confirm / dismiss by the authority, the examiner's own list and appeal; 404 outside the scope, 403 in scope
without the right, nothing changed on denial."""

from __future__ import annotations

import json

import pytest

from dudao.accounts.models import Role
from dudao.exams.models import ExaminerAttendance, SanctionAppeal, SanctionProposal
from tests import factories as f
from tests.conftest import client_for

from .test_conduct_services import duties, leader, on_exam_day, subject, supervise  # noqa: F401

pytestmark = pytest.mark.django_db
BASE = "/api/v1/exams/conduct"


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def absent_all(client, rows):
    for row in rows:
        assert post(client, f"{BASE}/duties/{row.pk}/attendance", {"status": "absent"}).status_code == 200


def test_record_attendance_and_raise_over_the_api(duties, users, inst_admin, subject, on_exam_day):  # noqa: F811
    staff = client_for(users[Role.INSTITUTION_STAFF])
    listed = staff.get(f"{BASE}/rooms/{duties[0].room_id}/duties").json()
    assert [d["examiner_name"] for d in listed] == [subject.person.name] and listed[0]["attendance"] is None
    answer = post(staff, f"{BASE}/duties/{duties[0].pk}/attendance", {"status": "late", "late_minutes": 20})
    assert answer.status_code == 200, answer.content
    assert answer.json()["attendance"]["late_minutes"] == 20
    bad = post(staff, f"{BASE}/duties/{duties[0].pk}/attendance", {"status": "late", "late_minutes": 0})
    assert bad.status_code == 422 and "迟到分钟数" in bad.json()["message"]
    absent_all(staff, duties[1:4])
    page = staff.get(f"{BASE}/proposals").json()
    assert page["count"] == 1
    item = page["items"][0]
    assert item["ground"] == "consecutive_absences" and item["duty_ids"] == [d.pk for d in duties[1:4]]
    # excuse: the admin only
    assert post(staff, f"{BASE}/duties/{duties[0].pk}/excuse", {"reason": "堵车"}).status_code == 403
    ok = post(client_for(inst_admin), f"{BASE}/duties/{duties[0].pk}/excuse", {"reason": "堵车"})
    assert ok.status_code == 200 and ok.json()["attendance"]["excused"] is True


def test_attendance_denials_change_nothing(duties, users, subject, other_institution, on_exam_day):  # noqa: F811
    url = f"{BASE}/duties/{duties[0].pk}/attendance"
    stranger = f.UserFactory(username="gd_staff", role=Role.INSTITUTION_STAFF, institution=other_institution)
    assert post(client_for(None), url, {"status": "absent"}).status_code == 401
    assert post(client_for(stranger), url, {"status": "absent"}).status_code == 404
    assert post(client_for(subject), url, {"status": "present"}).status_code == 403  # his own duty
    assert post(client_for(users[Role.AUTHORITY_STAFF]), url, {"status": "absent"}).status_code == 403
    assert post(client_for(users[Role.EXTERNAL_SUPERVISOR]), url, {"status": "absent"}).status_code == 404
    assert not ExaminerAttendance.objects.exists()


def test_the_team_leader_reaches_every_room_of_the_batch(duties, leader, on_exam_day):  # noqa: F811
    client = client_for(leader)
    assert client.get(f"{BASE}/rooms/{duties[2].room_id}/duties").status_code == 200
    assert post(client, f"{BASE}/duties/{duties[2].pk}/attendance", {"status": "present"}).status_code == 200


@pytest.fixture
def proposal(duties, inst_admin, on_exam_day):  # noqa: F811
    absent_all(client_for(inst_admin), duties[:3])
    return SanctionProposal.objects.get()


def test_the_authority_decides_others_may_not(proposal, users, other_authority, inst_admin):
    gd = f.UserFactory(username="gd_auth", role=Role.AUTHORITY_STAFF, authority=other_authority)
    url = f"{BASE}/proposals/{proposal.pk}/confirm"
    body = {"row_version": proposal.row_version, "sanction": "warning", "reason": "属实"}
    assert post(client_for(gd), url, body).status_code == 404  # another region: not even seen
    assert post(client_for(inst_admin), url, body).status_code == 403  # the institution sees, does not decide
    assert post(client_for(users[Role.EXAMINER]), url, body).status_code == 403
    assert SanctionProposal.objects.get().status == "proposed"
    auth = client_for(users[Role.AUTHORITY_STAFF])
    assert post(auth, url, {**body, "sanction": "fine"}).status_code == 422
    done = post(auth, url, body)
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    again = post(
        auth,
        f"{BASE}/proposals/{proposal.pk}/dismiss",
        {"row_version": done.json()["row_version"], "reason": "x"},
    )
    assert again.status_code == 409


def test_dismiss_with_a_reason(proposal, auth_staff):
    auth = client_for(auth_staff)
    url = f"{BASE}/proposals/{proposal.pk}/dismiss"
    assert post(auth, url, {"row_version": proposal.row_version, "reason": ""}).status_code == 422
    assert post(auth, url, {"row_version": proposal.row_version + 5, "reason": "x"}).status_code == 409
    done = post(auth, url, {"row_version": proposal.row_version, "reason": "已请假"})
    assert done.json()["status"] == "dismissed" and done.json()["decision_reason"] == "已请假"


def test_list_filters_and_pages(proposal, auth_staff):
    auth = client_for(auth_staff)
    assert auth.get(f"{BASE}/proposals", {"status": "proposed"}).json()["count"] == 1
    assert auth.get(f"{BASE}/proposals", {"status": "dismissed"}).json()["count"] == 0
    assert auth.get(f"{BASE}/proposals", {"ground": "scoring_rules"}).json()["count"] == 0
    assert auth.get(f"{BASE}/proposals", {"q": proposal.examiner.person.name}).json()["count"] == 1
    assert auth.get(f"{BASE}/proposals", {"page": 2, "page_size": 1}).json()["items"] == []
    assert auth.get(f"{BASE}/proposals", {"page_size": 101}).status_code == 422


def test_the_examiner_sees_his_own_and_appeals(proposal, subject, users):  # noqa: F811
    mine = client_for(subject)
    assert mine.get(f"{BASE}/mine").json()["count"] == 1
    assert client_for(users[Role.INSTITUTION_STAFF]).get(f"{BASE}/mine").json()["count"] == 0
    assert mine.get(f"{BASE}/proposals/{proposal.pk}").status_code == 200
    other = f.ExaminerFactory(authority=subject.person.examiner.authority)
    other_user = f.UserFactory(username="other_ex", role=Role.EXAMINER, person=other.person)
    assert client_for(other_user).get(f"{BASE}/proposals/{proposal.pk}").status_code == 404
    assert (
        post(client_for(other_user), f"{BASE}/proposals/{proposal.pk}/appeal", {"text": "x"}).status_code
        == 404
    )
    assert (
        post(
            client_for(users[Role.INSTITUTION_STAFF]), f"{BASE}/proposals/{proposal.pk}/appeal", {"text": "x"}
        ).status_code
        == 403
    )
    answer = post(mine, f"{BASE}/proposals/{proposal.pk}/appeal", {"text": "当天持病假条"})
    assert answer.status_code == 201
    assert post(mine, f"{BASE}/proposals/{proposal.pk}/appeal", {"text": "再次"}).status_code == 409
    detail = client_for(users[Role.AUTHORITY_STAFF]).get(f"{BASE}/proposals/{proposal.pk}").json()
    assert detail["appeal"]["text"] == "当天持病假条"  # shown to the deciders
    assert SanctionAppeal.objects.count() == 1


def test_supervisor_proposes_disqualification_over_the_api(duties, users, subject, plan):  # noqa: F811
    sup = users[Role.EXTERNAL_SUPERVISOR]
    body = {
        "examiner": subject.person.examiner.pk,
        "batch": plan.batch_id,
        "ground": "disqualification",
        "facts": "暗示考生答案",
    }
    assert post(client_for(sup), f"{BASE}/proposals", body).status_code == 404  # not on a task: batch unseen
    supervise(plan, sup.person)
    answer = post(client_for(sup), f"{BASE}/proposals", body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["proposed_sanction"] == "revocation" and answer.json()["source"] == "supervisor"
    staff = client_for(users[Role.INSTITUTION_STAFF])
    assert post(staff, f"{BASE}/proposals", body).status_code == 403
    assert post(staff, f"{BASE}/proposals", {**body, "examiner": 999999}).status_code == 404
    assert SanctionProposal.objects.count() == 1
