"""Reviewing flags (issue 13 item 1; ACT-3, RAND-1): list, detail, confirm into a special supervision task
or a complaint, dismiss with a reason; the API and the pages use the same services; only authority users of
the region see flags (institutions, supervisors, examiners and the public never do)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.accounts.models import Role
from dudao.analytics import services
from dudao.analytics.models import Flag
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.supervision.models import SupervisionTask
from tests import factories as f
from tests.complaints.support import accepted
from tests.conftest import client_for
from tests.supervision.app_support import local, make_supervisor

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/flags"
DAY = dt.date(2026, 12, 10)


def candidate(institution, **over):
    values = {
        "kind": "certificate_without_pass",
        "source": "database",
        "authority_id": institution.authority_id,
        "institution_id": institution.pk,
        "batch_id": None,
        "examiner_id": None,
        "subject_key": "PC-TEST",
        "period_start": DAY,
        "period_end": DAY,
        "statistic": 2.0,
        "p_value": None,
        "evidence": {
            "count": 2,
            "threshold": 1,
            "rows": [
                {"certificate": "S000036000001400002", "candidate": "BM1", "result": "不合格"},
                {"certificate": "S000036000001400003", "candidate": "BM2", "result": "无成绩记录"},
            ],
        },
        "basis": [["certificate", "S000036000001400002"], ["certificate", "S000036000001400003"]],
    }
    values.update(over)
    return values


@pytest.fixture
def flag(institution):
    [created], known = services.record_flags([candidate(institution)])
    assert known == 0
    return created


@pytest.fixture
def staff(users):
    return users[Role.AUTHORITY_STAFF]


@pytest.fixture
def crew(authority):
    return [make_supervisor(authority, name, 950 + n) for n, name in enumerate(("赵一", "钱二", "孙三"))]


# ----------------------------------------------------------------------------------------- services
def test_recording_the_same_candidate_twice_keeps_one_flag(institution, flag):
    created, known = services.record_flags([candidate(institution), candidate(institution)])
    assert (created, known) == ([], 1)
    changed = candidate(institution, basis=[["certificate", "S000036000001400002"]])
    [new], known = services.record_flags([changed])
    assert new.fingerprint != flag.fingerprint and known == 0
    assert AuditEvent.objects.filter(action="analytics.flag.raise").count() == 2


def test_dismiss_needs_a_reason_and_is_audited(flag, staff):
    with pytest.raises(ValidationFailed) as exc:
        services.flag_dismiss(actor=staff, flag=flag, reason="  ", row_version=1)
    assert exc.value.message == "请填写核查结论"
    flag.refresh_from_db()
    assert (flag.status, flag.row_version) == ("open", 1)
    done = services.flag_dismiss(
        actor=staff, flag=flag, reason="证书已注销重发,系数据迁移遗留", row_version=1
    )
    assert (done.status, done.reason, done.reviewer, done.row_version) == (
        "dismissed",
        "证书已注销重发,系数据迁移遗留",
        staff,
        2,
    )
    event = AuditEvent.objects.get(action="analytics.flag.dismiss")
    assert event.after["status"] == "dismissed" and event.before["status"] == "open"
    with pytest.raises(IllegalTransition):
        services.flag_dismiss(actor=staff, flag=done, reason="再次", row_version=2)


def test_a_stale_version_is_refused(flag, staff):
    with pytest.raises(Conflict):
        services.flag_dismiss(actor=staff, flag=flag, reason="理由", row_version=2)


def test_a_reason_of_1000_characters_is_taken_1001_refused(institution, flag, staff):
    with pytest.raises(ValidationFailed):
        services.flag_dismiss(actor=staff, flag=flag, reason="理" * 1001, row_version=1)
    assert (
        services.flag_dismiss(actor=staff, flag=flag, reason="理" * 1000, row_version=1).status == "dismissed"
    )


def test_confirm_dispatches_a_special_supervision_task(flag, staff, crew, institution):
    done = services.flag_confirm(
        actor=staff,
        flag=flag,
        row_version=1,
        reason="与证书上报数据核对后属实",
        supervisors=[s.pk for s in crew],
        starts_at=local(DAY, 9),
        ends_at=local(DAY, 12),
        items=["2.5"],
    )
    task = SupervisionTask.objects.get()
    assert (task.kind, task.institution_id, task.items, task.note) == (
        "special",
        institution.pk,
        ["2.5"],
        "数据比对疑点:无合格成绩而发证",
    )
    assert (done.status, done.task, done.reviewer) == ("confirmed", task, staff)
    assert AuditEvent.objects.filter(action="analytics.flag.confirm", object_id=str(flag.pk)).count() == 1


def test_a_refused_task_leaves_the_flag_open(flag, staff, crew):
    with pytest.raises(ValidationFailed):
        services.flag_confirm(
            actor=staff,
            flag=flag,
            row_version=1,
            supervisors=[s.pk for s in crew],
            starts_at=local(DAY, 9),
            ends_at=local(DAY, 12),
            items=[],  # special supervision names its items (ACT-4)
        )
    flag.refresh_from_db()
    assert (flag.status, flag.task_id) == ("open", None)
    assert not SupervisionTask.objects.exists()


def test_confirm_into_a_complaint_of_the_region(flag, staff, institution, users):
    complaint = accepted(institution, users[Role.AUTHORITY_ADMIN])
    done = services.flag_confirm(actor=staff, flag=flag, row_version=1, complaint=complaint.pk)
    assert (done.status, done.complaint, done.task) == ("confirmed", complaint, None)


def test_other_regions_and_institutions_may_not_review(flag, users, other_authority):
    outsider = f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_authority)
    for user in (outsider, users[Role.INSTITUTION_ADMIN]):
        with pytest.raises(PermissionDenied):
            services.flag_dismiss(actor=user, flag=flag, reason="理由", row_version=1)


# ---------------------------------------------------------------------------------------------- API
def test_api_list_filters_and_detail(flag, staff, institution):
    client = client_for(staff)
    body = client.get(API, {"kind": "certificate_without_pass", "status": "open"}).json()
    assert body["count"] == 1
    [row] = body["items"]
    assert (row["id"], row["kind_label"], row["institution_name"], row["summary"]) == (
        flag.pk,
        "无合格成绩而发证",
        institution.name,
        "2 本证书对应的考生没有合格成绩",
    )
    assert client.get(API, {"status": "dismissed"}).json()["count"] == 0
    assert client.get(API, {"institution": str(institution.pk + 1)}).json()["count"] == 0
    assert client.get(API, {"institution": "99999999999999999999"}).json()["count"] == 0
    detail = client.get(f"{API}/{flag.pk}").json()
    assert detail["evidence"]["count"] == 2 and detail["fingerprint"] == flag.fingerprint


def test_api_dismiss_and_confirm(flag, staff, institution, crew):
    client = client_for(staff)
    missing = client.post(f"{API}/{flag.pk}/dismiss", {"reason": "", "row_version": 1}, "application/json")
    assert missing.status_code == 422
    ok = client.post(
        f"{API}/{flag.pk}/dismiss", {"reason": "已核实无误", "row_version": 1}, "application/json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "dismissed"
    again = client.post(
        f"{API}/{flag.pk}/dismiss", {"reason": "已核实无误", "row_version": 2}, "application/json"
    )
    assert again.status_code == 409
    [other], _ = services.record_flags([candidate(institution, subject_key="PC-OTHER")])
    payload = {
        "row_version": 1,
        "supervisors": [s.pk for s in crew],
        "starts_at": "2026-12-10T09:00",
        "ends_at": "2026-12-10T12:00",
        "items": ["2.5"],
    }
    confirmed = client.post(f"{API}/{other.pk}/confirm", payload, "application/json")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["task_number"] == SupervisionTask.objects.get().number


def test_api_denies_everyone_but_the_regions_authority(flag, users, other_authority):
    outsider = f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_authority)
    assert client_for(outsider).get(API).json()["count"] == 0
    assert client_for(outsider).get(f"{API}/{flag.pk}").status_code == 404
    for role in (Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER):
        client = client_for(users[role])
        assert client.get(API).status_code == 403, role
        assert client.get(f"{API}/{flag.pk}").status_code == 404, role
        denied = client.post(
            f"{API}/{flag.pk}/dismiss", {"reason": "x", "row_version": 1}, "application/json"
        )
        assert denied.status_code == 404, role
    assert client_for(None).get(API).status_code == 401
    flag.refresh_from_db()
    assert flag.status == "open"
    assert client_for(users["superuser"]).get(API).json()["count"] == 1


# -------------------------------------------------------------------------------------------- pages
def test_pages_for_the_authority(flag, staff):
    client = client_for(staff)
    page = client.get("/analytics/flags/", {"kind": "certificate_without_pass"}).content.decode()
    assert "2 本证书对应的考生没有合格成绩" in page and "无合格成绩而发证" in page
    detail = client.get(f"/analytics/flags/{flag.pk}/").content.decode()
    assert "S000036000001400003" in detail and "无成绩记录" in detail and "排除理由" in detail
    export = client.get("/analytics/flags/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="analytics.flag.exported").count() == 1
    response = client.post(f"/analytics/flags/{flag.pk}/dismiss/", {"reason": "已核实", "row_version": 1})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.reason) == ("dismissed", "已核实")
    after = client.get(f"/analytics/flags/{flag.pk}/").content.decode()
    assert "已核实" in after and "排除理由" not in after


def test_pages_deny_institutions_and_the_public(flag, users):
    for role in (Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF, Role.EXAMINER):
        client = client_for(users[role])
        assert client.get("/analytics/flags/").status_code == 403, role
        assert client.get("/analytics/flags/export.xlsx").status_code == 403, role
        assert client.get(f"/analytics/flags/{flag.pk}/").status_code == 404, role
    assert client_for(None).get("/analytics/flags/").status_code == 302


def test_json_evidence_survives_a_round_trip(flag):
    assert json.loads(json.dumps(Flag.objects.get(pk=flag.pk).evidence))["rows"][0]["result"] == "不合格"
