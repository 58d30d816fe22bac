"""A special supervision task dispatched from a complaint (ACT-1 (3)) through supervision's task_create,
and the penalty decided on a complaint's proposal (INST-4) through penalty_impose: linked, audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.complaints import follow_up, handling
from dudao.complaints.models import Complaint
from dudao.supervision.models import Penalty, SupervisionTask
from dudao.supervision.services import penalties as supervision_penalties
from tests import factories as f
from tests.conftest import client_for
from tests.supervision.app_support import local, make_supervisor

from .support import accepted, staff_of, version

API = "/api/v1/complaints"
DAY = dt.date(2026, 12, 10)


@pytest.fixture
def admin(users):
    return staff_of(users, Role.AUTHORITY_ADMIN)


@pytest.fixture
def handler(users):
    return staff_of(users, Role.AUTHORITY_STAFF)


@pytest.fixture
def crew(authority):
    return [make_supervisor(authority, name, 900 + n) for n, name in enumerate(("赵一", "钱二", "孙三"))]


@pytest.fixture
def case(institution, admin, handler):
    complaint = accepted(institution, admin)
    handling.complaint_handler_assign(actor=admin, complaint=complaint, user=handler, row_version=2)
    handling.complaint_investigate(actor=handler, complaint=complaint, row_version=3)
    complaint.refresh_from_db()
    return complaint


def dispatch(actor, case, crew, **extra):
    return follow_up.complaint_dispatch_special(
        actor=actor,
        complaint=case,
        supervisors=[s.pk for s in crew],
        starts_at=local(DAY, 9),
        ends_at=local(DAY, 12),
        row_version=version(case),
        **extra,
    )


def test_a_handler_dispatches_a_special_task_linked_and_audited(case, handler, crew, institution):
    task = dispatch(handler, case, crew, items=["2.4"])
    task.refresh_from_db()
    assert (task.kind, task.institution_id, task.status) == ("special", institution.pk, "dispatched")
    assert task.items == ["2.4", "3"] and case.code in task.note
    assert set(task.members.values_list("supervisor_id", flat=True)) == {s.pk for s in crew}
    case.refresh_from_db()
    assert (case.task_id, case.row_version) == (task.pk, 5)
    event = AuditEvent.objects.get(action="complaints.complaint.dispatch_task")
    assert (event.actor_id, event.after["task_id"], event.after["task_number"]) == (
        handler.pk,
        task.pk,
        task.number,
    )
    assert AuditEvent.objects.filter(action="supervision.task.create", object_id=str(task.pk)).exists()
    with pytest.raises(Conflict):  # one task per complaint
        dispatch(handler, case, crew)
    page = client_for(handler).get(f"/complaints/{case.pk}/").content.decode()
    assert f'href="/supervision/tasks/{task.pk}/"' in page and task.number in page
    assert 'id="dispatch"' not in page


def test_only_while_investigating_and_only_by_who_acts(admin, institution, crew, authority, case):
    fresh = accepted(institution, admin)
    with pytest.raises(IllegalTransition):
        dispatch(admin, fresh, crew)
    bystander = f.UserFactory(username="bystander", role=Role.AUTHORITY_STAFF, authority=authority)
    with pytest.raises(PermissionDenied):
        dispatch(bystander, case, crew)
    assert SupervisionTask.objects.count() == 0 and Complaint.objects.get(pk=case.pk).task_id is None


def test_the_supervision_rules_apply_and_nothing_is_written(case, handler, crew, admin):
    with pytest.raises(ValidationFailed, match="3 名以上"):  # ACT-4 group size, from the supervision service
        dispatch(handler, case, crew[:2])
    handling.complaint_set_concerned(actor=admin, complaint=case, supervisors=[crew[0].pk], row_version=4)
    with pytest.raises(ValidationFailed, match="被投诉人员"):
        dispatch(handler, case, crew)
    assert SupervisionTask.objects.count() == 0 and version(case) == 5
    assert not AuditEvent.objects.filter(action="complaints.complaint.dispatch_task").exists()
    dispatch(handler, case, crew[1:], group_reason="投诉事项单一")  # the other side: two with a reason


def test_dispatch_through_the_api_and_the_page(case, handler, crew):
    body = {
        "supervisors": [s.pk for s in crew],
        "starts_at": "2026-12-10T09:00",
        "ends_at": "2026-12-10T12:00",
        "row_version": 4,
    }
    client = client_for(handler)
    page = client.get(f"/complaints/{case.pk}/").content.decode()
    assert 'id="dispatch"' in page and "赵一" in page
    url = f"{API}/{case.pk}/special-task"
    done = client.post(url, json.dumps(body), content_type="application/json")
    assert done.status_code == 200 and done.json()["task_number"]
    again = client.post(url, json.dumps(body | {"row_version": 5}), content_type="application/json")
    assert again.status_code == 409


def test_dispatch_from_the_page(case, handler, crew):
    form = {
        "supervisors": [str(s.pk) for s in crew],
        "starts_at": "2026-12-10T09:00",
        "ends_at": "2026-12-10T12:00",
        "items": ["2.4"],
        "row_version": "4",
    }
    done = client_for(handler).post(f"/complaints/{case.pk}/handle/special/", form)
    assert done.status_code == 302
    assert Complaint.objects.get(pk=case.pk).task.kind == "special"


# ------------------------------------------------------------------------------------------- INST-4
def to_found(case, handler, finding="verified"):
    handling.complaint_find(
        actor=handler, complaint=case, finding=finding, text="属实。", row_version=version(case)
    )


def propose(case, handler, **extra):
    body = {
        "disposition": "penalty_proposal",
        "note": "多次违规收费。",
        "measure": "criticism_and_correction",
    }
    body |= {"ground": "other"} | extra
    return handling.complaint_dispose(actor=handler, complaint=case, row_version=version(case), **body)


@pytest.mark.parametrize(
    ("extra", "message"), [({"measure": ""}, "建议的处理方式"), ({"ground": "x"}, "处理事由")]
)
def test_a_penalty_proposal_names_the_measure_and_ground(case, handler, extra, message):
    to_found(case, handler)
    with pytest.raises(ValidationFailed, match=message):
        propose(case, handler, **extra)
    assert Complaint.objects.get(pk=case.pk).status == "found"


def test_the_authority_imposes_the_proposal_linked_to_the_complaint(case, handler, admin, crew, institution):
    task = dispatch(handler, case, crew)
    to_found(case, handler)
    propose(case, handler, ground="retaliation")
    case.refresh_from_db()
    assert (case.penalty_measure, case.penalty_ground, case.penalty_id) == (
        "criticism_and_correction",
        "retaliation",
        None,
    )
    page = client_for(handler).get(f"/complaints/{case.pk}/").content.decode()
    assert "通报批评并责令改正" in page and "待人社部门决定" in page and 'id="impose"' not in page
    assert 'id="impose"' in client_for(admin).get(f"/complaints/{case.pk}/").content.decode()
    with pytest.raises(PermissionDenied):  # a handler proposes, the authority's admin decides
        follow_up.complaint_impose_penalty(actor=handler, complaint=case, row_version=version(case))
    penalty = follow_up.complaint_impose_penalty(actor=admin, complaint=case, row_version=version(case))
    assert (penalty.kind, penalty.ground, penalty.institution_id, penalty.task_id) == (
        "public_criticism",
        "retaliation",
        institution.pk,
        task.pk,
    )
    assert case.code in penalty.description
    case.refresh_from_db()
    assert case.penalty_id == penalty.pk
    assert AuditEvent.objects.filter(action="complaints.complaint.impose_penalty").count() == 1
    assert AuditEvent.objects.filter(action="supervision.penalty.impose").count() == 1
    with pytest.raises(Conflict):
        follow_up.complaint_impose_penalty(actor=admin, complaint=case, row_version=version(case))
    assert Penalty.objects.count() == 1
    page = client_for(admin).get(f"/complaints/{case.pk}/").content.decode()
    assert f'href="/supervision/penalties/{penalty.pk}/"' in page and 'id="impose"' not in page


def test_impose_through_the_api(case, handler, admin):
    to_found(case, handler)
    propose(case, handler, measure="disciplinary_proposal")
    url = f"{API}/{case.pk}/penalty"

    def post(**extra):
        body = json.dumps({"row_version": 6, **extra})
        return client_for(admin).post(url, body, content_type="application/json")

    # INST-4: a disciplinary proposal needs the rung below (or a serious matter) and named persons
    skipped = post(responsible_persons="王主任")
    assert skipped.status_code == 422 and "情节严重" in skipped.json()["message"]
    unnamed = post(serious=True, serious_reason="多次收取高额费用")
    assert unnamed.status_code == 422 and "责任人员" in unnamed.json()["message"]
    assert not Penalty.objects.exists()
    done = post(serious=True, serious_reason="多次收取高额费用", responsible_persons="王主任")
    assert done.status_code == 200 and done.json()["penalty"]
    penalty = Penalty.objects.get()
    assert (penalty.kind, penalty.serious, penalty.responsible_persons) == (
        "disciplinary_proposal",
        True,
        ["王主任"],
    )


def test_impose_builds_on_the_rung_below_from_the_page(case, handler, admin, institution):
    to_found(case, handler)
    propose(case, handler, measure="disciplinary_proposal")
    earlier = supervision_penalties.penalty_impose(
        actor=admin,
        institution=institution,
        kind="public_criticism",
        ground="retaliation",
        description="此前通报批评",
    )
    page = client_for(admin).get(f"/complaints/{case.pk}/").content.decode()
    assert f'<option value="{earlier.pk}">' in page
    done = client_for(admin).post(
        f"/complaints/{case.pk}/handle/penalty/",
        {"row_version": 6, "escalated_from": earlier.pk, "responsible_persons": "王主任"},
    )
    assert done.status_code == 302
    penalty = Penalty.objects.exclude(pk=earlier.pk).get()
    assert (penalty.kind, penalty.escalated_from_id, penalty.serious) == (
        "disciplinary_proposal",
        earlier.pk,
        False,
    )


def test_no_penalty_without_a_proposal(case, handler, admin):
    to_found(case, handler)
    handling.complaint_dispose(
        actor=handler, complaint=case, disposition="no_action", note="x", row_version=5
    )
    with pytest.raises(IllegalTransition):
        follow_up.complaint_impose_penalty(actor=admin, complaint=case, row_version=6)
    assert Penalty.objects.count() == 0
