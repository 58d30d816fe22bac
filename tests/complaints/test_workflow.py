"""The handling after acceptance as a table (COMPL-2/3): investigating → found → disposed → replied →
closed; only assigned handlers or authority admins act; a step out of order is 409, a stale version 409;
the reply becomes visible to the filer with the code and secret, nothing else does."""

from __future__ import annotations

import json

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.complaints import handling, services
from dudao.complaints.models import Complaint
from tests import factories as f
from tests.conftest import client_for

from .support import PHONE, staff_of, version

API = "/api/v1/complaints"


@pytest.fixture
def admin(users):
    return staff_of(users, Role.AUTHORITY_ADMIN)


@pytest.fixture
def handler(users):
    return staff_of(users, Role.AUTHORITY_STAFF)


@pytest.fixture
def filed(institution):
    complaint, secret = services.complaint_file(
        institution=institution.uscc,
        category="fees",
        content="收费高于公示标准。",
        anonymous=False,
        contact_name="李四",
        contact_phone=PHONE,
    )
    return complaint, secret


@pytest.fixture
def case(filed, admin, handler):
    complaint, _ = filed
    services.complaint_decide(actor=admin, complaint=complaint, action="accept", reason="受理", row_version=1)
    handling.complaint_handler_assign(actor=admin, complaint=complaint, user=handler, row_version=2)
    complaint.refresh_from_db()
    return complaint


def to_found(case, actor, finding="verified"):
    handling.complaint_investigate(actor=actor, complaint=case, row_version=version(case))
    handling.complaint_find(
        actor=actor, complaint=case, finding=finding, text="经查属实。", row_version=version(case)
    )


def test_the_whole_handling_by_the_handler(case, handler, filed, client):
    _, secret = filed
    follow = f"/api/v1/public/complaints/{case.code}"
    to_found(case, handler)
    handling.complaint_dispose(
        actor=handler, complaint=case, disposition="no_action", note="已整改。", row_version=version(case)
    )
    assert client.get(follow, {"secret": secret}).json()["reply"] is None  # nothing before the reply
    handling.complaint_reply(
        actor=handler, complaint=case, reply="经查属实,已责令退费。", row_version=version(case)
    )
    public = client.get(follow, {"secret": secret}).json()
    assert public == {
        "code": case.code,
        "status": "replied",
        "status_label": "已答复",
        "reply": "经查属实,已责令退费。",
    }
    handling.complaint_close(actor=handler, complaint=case, row_version=version(case))
    case.refresh_from_db()
    assert (case.status, case.finding, case.disposition) == ("closed", "verified", "no_action")
    assert case.investigating_at and case.found_at and case.disposed_at and case.replied_at and case.closed_at
    actions = list(
        AuditEvent.objects.filter(action__startswith="complaints.complaint.", actor_id=handler.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        f"complaints.complaint.{a}" for a in ("investigate", "find", "dispose", "reply", "close")
    ]
    trail = json.dumps([e.after for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert "李四" not in trail and PHONE not in trail
    assert client.get(follow, {"secret": "WRONGSECRET1"}).status_code == 404


def test_an_admin_acts_without_being_assigned(case, admin):
    handling.complaint_investigate(actor=admin, complaint=case, row_version=3)
    assert Complaint.objects.get(pk=case.pk).status == "investigating"


def test_an_unassigned_staff_member_may_not_act(case, authority):
    other = f.UserFactory(username="bystander", role=Role.AUTHORITY_STAFF, authority=authority)
    with pytest.raises(PermissionDenied):
        handling.complaint_investigate(actor=other, complaint=case, row_version=3)
    assert version(case) == 3


def test_investigation_needs_a_handler(filed, admin):
    complaint, _ = filed
    services.complaint_decide(actor=admin, complaint=complaint, action="accept", reason="受理", row_version=1)
    with pytest.raises(ValidationFailed, match="请先指定办理人员"):
        handling.complaint_investigate(actor=admin, complaint=complaint, row_version=2)


def test_steps_out_of_order_are_409_and_stale_versions_too(case, handler):
    with pytest.raises(IllegalTransition):
        handling.complaint_find(actor=handler, complaint=case, finding="verified", text="x", row_version=3)
    with pytest.raises(IllegalTransition):
        handling.complaint_reply(actor=handler, complaint=case, reply="x", row_version=3)
    handling.complaint_investigate(actor=handler, complaint=case, row_version=3)
    with pytest.raises(Conflict):
        handling.complaint_find(actor=handler, complaint=case, finding="verified", text="x", row_version=3)
    with pytest.raises(IllegalTransition):
        handling.complaint_investigate(actor=handler, complaint=case, row_version=4)
    with pytest.raises(IllegalTransition):
        handling.complaint_close(actor=handler, complaint=case, row_version=4)
    assert (version(case), Complaint.objects.get(pk=case.pk).status) == (4, "investigating")


@pytest.mark.parametrize(
    ("finding", "text", "message"), [("maybe", "x", "请选择调查结论"), ("verified", " ", "请填写调查情况")]
)
def test_finding_input_is_checked(case, handler, finding, text, message):
    handling.complaint_investigate(actor=handler, complaint=case, row_version=3)
    with pytest.raises(ValidationFailed, match=message):
        handling.complaint_find(actor=handler, complaint=case, finding=finding, text=text, row_version=4)
    assert version(case) == 4


def test_not_verified_only_leads_to_no_action(case, handler):
    to_found(case, handler, finding="not_verified")
    for disposition in ("penalty_proposal", "voided_result", "voided_certificate"):
        with pytest.raises(ValidationFailed, match="未查实"):
            handling.complaint_dispose(
                actor=handler,
                complaint=case,
                disposition=disposition,
                note="x",
                measure="revocation",
                ground="other",
                row_version=5,
            )
    handling.complaint_dispose(
        actor=handler, complaint=case, disposition="no_action", note="未查实。", row_version=5
    )


def test_verified_may_void_a_result(case, handler):
    to_found(case, handler)
    handling.complaint_dispose(
        actor=handler, complaint=case, disposition="voided_result", note="撤销成绩。", row_version=5
    )
    assert Complaint.objects.get(pk=case.pk).disposition == "voided_result"


def test_reply_text_is_required_and_bounded(case, handler):
    to_found(case, handler)
    handling.complaint_dispose(
        actor=handler, complaint=case, disposition="no_action", note="x", row_version=5
    )
    with pytest.raises(ValidationFailed, match="请填写答复内容"):
        handling.complaint_reply(actor=handler, complaint=case, reply="", row_version=6)
    with pytest.raises(ValidationFailed, match="不能超过 1000 个字"):
        handling.complaint_reply(actor=handler, complaint=case, reply="答" * 1001, row_version=6)
    handling.complaint_reply(actor=handler, complaint=case, reply="答" * 1000, row_version=6)


def test_steps_through_the_api(case, handler):
    client = client_for(handler)

    def post(step, body):
        return client.post(f"{API}/{case.pk}/{step}", json.dumps(body), content_type="application/json")

    assert post("finding", {"finding": "verified", "text": "x", "row_version": 3}).status_code == 409
    assert post("investigate", {"row_version": 3}).json()["status"] == "investigating"
    assert post("investigate", {"row_version": 3}).status_code == 409
    assert post("finding", {"finding": "", "text": "x", "row_version": 4}).status_code == 422
    assert (
        post("finding", {"finding": "verified", "text": "属实", "row_version": 4}).json()["finding"]
        == "verified"
    )
    done = post("disposition", {"disposition": "no_action", "note": "x", "row_version": 5})
    assert done.json()["status"] == "disposed"
    assert post("reply", {"reply": "已处理", "row_version": 6}).json()["public_reply"] == "已处理"
    assert post("close", {"row_version": 7}).json()["status"] == "closed"
