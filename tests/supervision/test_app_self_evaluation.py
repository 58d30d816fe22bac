"""The self-evaluation report of a special supervision (ACT-4 step 2): requested with a due date, uploaded
and submitted by the institution (checked, stored by hash, permission-checked download), reviewed by the
group's leader with the on-site findings; the preliminary opinion waits for the review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.accounts.models import Role
from dudao.common.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.supervision import services
from dudao.supervision.models import Opinion, SelfEvaluation, SelfEvaluationFile, SupervisionTask
from tests import factories as f
from tests.clock import TODAY
from tests.conftest import client_for
from tests.factories import current_version
from tests.supervision.app_support import API, api

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TOMORROW = TODAY + dt.timedelta(days=1)


def pdf(name="自评报告.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _prepare(special):
    return services.preliminary_opinion_prepare(
        actor=special.leader,
        task=special.task,
        body="考场管理不到位。",
        row_version=current_version(special.task, SupervisionTask),
    )


def _requested(special):
    special.report()
    return services.self_evaluation_request(
        actor=special.leader, task=special.task, due_on=TOMORROW, note="请对照督导事项自评"
    )


def test_preliminary_opinion_waits_for_the_requested_report_then_its_review(special):
    w = special.w
    _requested(special)
    with pytest.raises(IllegalTransition) as exc:
        _prepare(special)
    assert exc.value.message == "已要求机构提交自评报告,尚未收到,不能形成初步督导意见"
    services.self_evaluation_upload(actor=w.inst_admin, task=special.task, file=pdf())
    services.self_evaluation_submit(actor=w.inst_admin, task=special.task)
    with pytest.raises(IllegalTransition) as exc:
        _prepare(special)
    assert exc.value.message == "机构的自评报告尚未审阅,请先结合现场督导发现审阅自评报告,再形成初步督导意见"
    assert not Opinion.objects.filter(task=special.task).exists()
    assert SupervisionTask.objects.get(pk=special.task.pk).status == "report_submitted"
    services.self_evaluation_review(actor=special.leader, task=special.task, note="自评与现场发现基本一致")
    opinion = _prepare(special)
    assert opinion.kind == "preliminary"
    assert SupervisionTask.objects.get(pk=special.task.pk).status == "preliminary_opinion"
    review = AuditEvent.objects.get(action="supervision.self_evaluation.review")
    assert len(review.after["findings"]) == 2  # reviewed together with the on-site findings


def test_without_a_request_the_preliminary_opinion_is_not_held(special):
    special.report()
    assert _prepare(special).kind == "preliminary"


def test_page_refuses_the_preliminary_opinion_with_the_message(special):
    _requested(special)
    url = f"/supervision/tasks/{special.task.pk}/preliminary/"
    note = f"已要求机构于 {TOMORROW.isoformat()} 前提交自评报告,尚未收到:收到并审阅后才能形成初步督导意见。"
    assert note in client_for(special.leader).get(url).content.decode()
    page = client_for(special.leader).post(
        f"/supervision/tasks/{special.task.pk}/preliminary/",
        {"body": "意见", "requirements": "", "row_version": current_version(special.task, SupervisionTask)},
    )
    assert "已要求机构提交自评报告,尚未收到,不能形成初步督导意见" in page.content.decode()
    assert not Opinion.objects.filter(task=special.task).exists()


def test_request_rules(special, world):
    with pytest.raises(IllegalTransition):  # dispatched, not yet accepted
        services.self_evaluation_request(actor=world.auth_staff, task=special.task, due_on=TOMORROW)
    special.report()
    with pytest.raises(PermissionDenied):
        services.self_evaluation_request(actor=world.inst_admin, task=special.task, due_on=TOMORROW)
    with pytest.raises(PermissionDenied):
        services.self_evaluation_request(actor=special.m2, task=special.task, due_on=TOMORROW)
    with pytest.raises(ValidationFailed) as exc:  # the due date is after today: today is refused
        services.self_evaluation_request(actor=special.leader, task=special.task, due_on=TODAY)
    assert exc.value.message == "提交期限须晚于今天"
    assert SelfEvaluation.objects.count() == 0
    row = services.self_evaluation_request(actor=world.auth_staff, task=special.task, due_on=TOMORROW)
    assert (row.status, row.due_on) == ("requested", TOMORROW)
    daily = world.task("report_submitted", world.s4, batch=world.b2)
    with pytest.raises(IllegalTransition) as exc:
        services.self_evaluation_request(actor=world.auth_staff, task=daily, due_on=TOMORROW)
    assert exc.value.message == "只有专项督导要求机构提交自评报告"


def test_upload_checks_and_submission(special, world):
    _requested(special)
    with pytest.raises(PermissionDenied):
        services.self_evaluation_upload(actor=special.leader, task=special.task, file=pdf())
    with pytest.raises(ValidationFailed):  # a text file named .pdf
        services.self_evaluation_upload(
            actor=world.inst_admin, task=special.task, file=SimpleUploadedFile("假.pdf", b"just text here")
        )
    with pytest.raises(ValidationFailed) as exc:
        services.self_evaluation_submit(actor=world.inst_admin, task=special.task)
    assert exc.value.message == "请先上传自评报告文件"
    added = services.self_evaluation_upload(actor=world.inst_admin, task=special.task, file=pdf())
    assert added.kind == "pdf" and len(added.sha256) == 64 and added.size == len(PDF)
    row = services.self_evaluation_submit(actor=world.inst_admin, task=special.task)
    assert (row.status, row.overdue) == ("submitted", False)  # on the due date's eve
    with pytest.raises(IllegalTransition):  # submitted: no more files
        services.self_evaluation_upload(actor=world.inst_admin, task=special.task, file=pdf("补充.pdf"))
    assert SelfEvaluationFile.objects.count() == 1


@pytest.mark.parametrize(("due_delta", "overdue"), [(0, False), (-1, True)])
def test_late_submission_is_flagged(special, world, due_delta, overdue):
    _requested(special)
    SelfEvaluation.objects.update(due_on=TODAY + dt.timedelta(days=due_delta))
    services.self_evaluation_upload(actor=world.inst_admin, task=special.task, file=pdf())
    assert services.self_evaluation_submit(actor=world.inst_admin, task=special.task).overdue is overdue


def test_review_rules(special, world):
    _requested(special)
    with pytest.raises(IllegalTransition) as exc:
        services.self_evaluation_review(actor=special.leader, task=special.task, note="x")
    assert exc.value.message == "机构尚未提交自评报告"
    services.self_evaluation_upload(actor=world.inst_admin, task=special.task, file=pdf())
    services.self_evaluation_submit(actor=world.inst_admin, task=special.task)
    with pytest.raises(PermissionDenied):
        services.self_evaluation_review(actor=special.m2, task=special.task, note="x")
    with pytest.raises(PermissionDenied):
        services.self_evaluation_review(actor=world.auth_staff, task=special.task, note="x")
    with pytest.raises(ValidationFailed):
        services.self_evaluation_review(actor=special.leader, task=special.task, note="  ")
    assert SelfEvaluation.objects.get().status == "submitted"


def test_download_only_for_the_group_the_authority_and_the_institution(special, world):
    _requested(special)
    added = services.self_evaluation_upload(actor=world.inst_admin, task=special.task, file=pdf())
    url = f"/supervision/tasks/{special.task.pk}/self-evaluation/files/{added.pk}/"
    for user in (world.inst_admin, special.leader, special.m3, world.auth_staff):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
    outsider = world.user_of(world.s4)  # a supervisor not in the group
    assert client_for(outsider).get(url).status_code == 404
    other = f.UserFactory(
        username="gd_inst", role=Role.INSTITUTION_ADMIN, institution=world.other_institution
    )
    assert client_for(other).get(url).status_code == 404
    assert (
        api(
            world.inst_admin, "get", f"{API}/tasks/{special.task.pk}/self-evaluation/files/{added.pk}"
        ).status_code
        == 200
    )
    assert (
        api(outsider, "get", f"{API}/tasks/{special.task.pk}/self-evaluation/files/{added.pk}").status_code
        == 404
    )
    with pytest.raises(NotFound):
        services.self_evaluation_upload(actor=other, task=special.task, file=pdf())


def test_pages_and_api_walk_the_steps(special, world):
    special.report()
    pk = special.task.pk
    leader = client_for(special.leader)
    page = leader.get(f"/supervision/tasks/{pk}/").content.decode()
    assert "机构自评报告" in page
    r = leader.post(
        f"/supervision/tasks/{pk}/self-evaluation/", {"action": "request", "due_on": TODAY.isoformat()}
    )
    assert "提交期限须晚于今天" in r.content.decode()
    r = leader.post(
        f"/supervision/tasks/{pk}/self-evaluation/",
        {"action": "request", "due_on": TOMORROW.isoformat(), "note": ""},
    )
    assert r.status_code == 302
    inst = client_for(world.inst_admin)
    assert inst.post(f"/supervision/tasks/{pk}/self-evaluation/", {"action": "submit"}).status_code == 200
    r = inst.post(f"/supervision/tasks/{pk}/self-evaluation/", {"action": "upload", "file": pdf()})
    assert r.status_code == 302
    r = api(world.inst_admin, "post", f"{API}/tasks/{pk}/self-evaluation/submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted" and len(r.json()["files"]) == 1
    r = api(special.m2, "post", f"{API}/tasks/{pk}/self-evaluation/review", {"note": "x"})
    assert r.status_code == 403
    page = leader.get(f"/supervision/tasks/{pk}/self-evaluation/").content.decode()
    assert "第二考场未设视频监控" in page  # the findings next to the review form
    r = leader.post(
        f"/supervision/tasks/{pk}/self-evaluation/", {"action": "review", "note": "与现场发现一致"}
    )
    assert r.status_code == 302
    r = api(special.leader, "get", f"{API}/tasks/{pk}/self-evaluation")
    assert r.json()["status"] == "reviewed" and r.json()["review_note"] == "与现场发现一致"
    assert _prepare(special).kind == "preliminary"


def test_the_institution_is_told_of_the_request(special, world):
    from dudao.notifications.models import Message

    _requested(special)
    message = Message.objects.get(kind="task.self_evaluation_requested")
    assert message.recipient == world.inst_admin
    assert message.title == f"请于 {TOMORROW.isoformat()} 前提交自评报告:{special.task.number}"
