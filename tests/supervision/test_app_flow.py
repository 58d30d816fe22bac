"""The task lifecycle end to end through the services and the API (issue 4 item 4; ACT-4, ACT-6, SUP-7):
a special supervision from the draw to the closed rectification, and a covert daily task."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.notifications.models import Message
from dudao.supervision import selectors, services
from dudao.supervision.models import (
    FindingEvidence,
    Opinion,
    Rectification,
    Report,
    SupervisionTask,
    SupervisorRating,
)
from dudao.workdays.selectors import calendar
from tests.factories import current_version
from tests.supervision.app_support import API, TODAY, api, locked_draw, photo
from tests.supervision.pages_support import crew as crew_of

pytestmark = pytest.mark.django_db


def test_special_supervision_from_draw_to_closed_rectification(world, media_root):
    draw = locked_draw(
        world,
        task_kind="special",
        items=["2.3", "2.4"],
        group_size=3,
        sample_count=1,
        filters={"institutions": [world.institution.pk]},
    )
    task = SupervisionTask.objects.get(draw=draw)
    assert (task.kind, task.institution_id, task.status, task.items) == (
        "special",
        world.institution.pk,
        "dispatched",
        ["2.3", "2.4"],
    )
    crew = crew_of(task)
    assert len(crew) == 3
    (leader, leader_user), (_m2, m2_user), (_m3, m3_user) = crew
    assert leader.role == "leader"

    # Three supervisors accept (one through the API); the task is accepted when the last one does.
    response = api(leader_user, "post", f"{API}/tasks/{task.pk}/accept")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dispatched"
    services.task_accept(actor=m2_user, task=task)
    services.task_accept(actor=m3_user, task=task)
    task.refresh_from_db()
    assert task.status == "accepted"
    with pytest.raises(IllegalTransition):
        services.task_accept(actor=m3_user, task=task)

    # On site: a member records a finding with a photo (API, multipart) — checklist per ACT-1 area.
    response = api(
        leader_user, "post", f"{API}/tasks/{task.pk}/on-site", {"row_version": current_version(task)}
    )
    assert response.json()["status"] == "on_site"
    with pytest.raises(ValidationFailed):  # special: only the items defined first (ACT-4)
        services.finding_add(
            actor=m2_user, task=task, content_area="2.5", method="documents", severity="none"
        )
    response = api(
        m2_user,
        "post",
        f"{API}/tasks/{task.pk}/findings",
        {"content_area": "2.4", "method": "open_visit", "severity": "major", "description": "考场未设监控"},
    )
    assert response.status_code == 201, response.content
    finding_id = response.json()["id"]
    from tests.conftest import client_for

    upload = client_for(m2_user).post(
        f"{API}/tasks/{task.pk}/findings/{finding_id}/evidence", {"file": photo("考场.jpg")}
    )
    assert upload.status_code == 201, upload.content
    evidence = FindingEvidence.objects.get()
    assert upload.json()["sha256"] == evidence.sha256
    services.finding_add(actor=m3_user, task=task, content_area="2.3", method="documents", severity="none")
    detail = api(leader_user, "get", f"{API}/tasks/{task.pk}").json()
    assert [(c["content_area"], c["checked"], c["problems"]) for c in detail["checklist"]] == [
        ("2.3", True, 0),
        ("2.4", True, 1),
    ]
    # The institution sees the task (明察) but not the group's work before the report.
    inst_view = api(world.inst_admin, "get", f"{API}/tasks/{task.pk}").json()
    assert (inst_view["findings"], inst_view["reports"]) == ([], [])
    download = client_for(world.inst_admin).get(upload.json()["url"])
    assert download.status_code == 404

    # Report: leader only; immutable; on time (due two days after the evaluation ends, SUP-7).
    with pytest.raises(PermissionDenied):
        services.report_submit(
            actor=m2_user, task=task, summary="情况", row_version=current_version(task, SupervisionTask)
        )
    response = api(
        leader_user,
        "post",
        f"{API}/tasks/{task.pk}/report",
        {
            "summary": "现场督导情况正常",
            "problems": "考场未设监控",
            "recommendations": "整改监控",
            "row_version": current_version(task),
        },
    )
    assert response.status_code == 200, response.content
    report = Report.objects.get(task=task)
    assert (report.version, report.overdue, report.due_on) == (1, False, task.report_due_on)
    assert report.findings[1]["evidence"] == [evidence.sha256]
    with pytest.raises(IllegalTransition):  # findings are frozen with the report
        services.finding_add(actor=m2_user, task=task, content_area="2.4", method="inquiry", severity="none")
    assert client_for(world.inst_admin).get(upload.json()["url"]).status_code == 200

    # Preliminary opinion → sent → defence (within N working days) → the authority's Opinion.
    with pytest.raises(PermissionDenied):
        services.preliminary_opinion_prepare(
            actor=world.auth_staff, task=task, body="x", row_version=current_version(task, SupervisionTask)
        )
    services.preliminary_opinion_prepare(
        actor=leader_user,
        task=task,
        body="考场管理不到位",
        requirements="加装监控",
        row_version=current_version(task, SupervisionTask),
    )
    assert api(world.inst_admin, "get", f"{API}/tasks/{task.pk}").json()["opinions"] == []
    opinion = services.preliminary_opinion_send(
        actor=leader_user, task=task, row_version=current_version(task, SupervisionTask)
    )
    assert opinion.defence_due_on == calendar().add_workdays(TODAY, 5).date
    with pytest.raises(IllegalTransition):  # the window is still open
        services.defence_window_close(
            actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
        )
    response = api(world.inst_admin, "post", f"{API}/tasks/{task.pk}/defence", {"text": "监控已在采购中"})
    assert response.json()["status"] == "defence_submitted"
    with pytest.raises(PermissionDenied):
        services.opinion_issue(
            actor=leader_user,
            task=task,
            body="x",
            requirements="y",
            row_version=current_version(task, SupervisionTask),
        )
    response = api(
        world.auth_staff,
        "post",
        f"{API}/tasks/{task.pk}/opinion",
        {
            "body": "经综合分析申辩意见,认定考场管理存在问题",
            "requirements": "一个月内加装监控",
            "row_version": current_version(task),
        },
    )
    assert response.status_code == 200, response.content
    final = Opinion.objects.get(task=task, kind="final")
    assert final.number == f"{world.authority.code}督〔{TODAY.year}〕1号"
    assert final.rectification_due_on == TODAY + dt.timedelta(days=30)
    assert Message.objects.filter(kind="opinion.issued", recipient=world.inst_admin).count() == 1
    with pytest.raises(IllegalTransition):  # rectification is required before closing
        services.task_close(
            actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
        )

    # Rectification with evidence; a failed 复核 orders a second round; then it passes; closed.
    upload = client_for(world.inst_admin).post(
        f"{API}/tasks/{task.pk}/rectification/evidence", {"file": photo("监控.jpg")}
    )
    assert upload.status_code == 201, upload.content
    response = api(
        world.inst_admin, "post", f"{API}/tasks/{task.pk}/rectification/submit", {"plan": "已加装"}
    )
    assert response.json()["status"] == "rectification_submitted"
    with pytest.raises(ValidationFailed):
        services.rectification_review(
            actor=world.auth_staff,
            task=task,
            passed=False,
            row_version=current_version(task, SupervisionTask),
        )
    services.rectification_review(
        actor=world.auth_staff,
        task=task,
        passed=False,
        note="只装了一个摄像头",
        row_version=current_version(task, SupervisionTask),
    )
    task.refresh_from_db()
    assert task.status == "rectification_ordered"
    assert list(Rectification.objects.filter(task=task).values_list("round_no", "status")) == [
        (1, "failed"),
        (2, "ordered"),
    ]
    services.rectification_submit(actor=world.inst_staff, task=task, plan="每考场两个摄像头")
    services.rectification_review(
        actor=leader_user,
        task=task,
        passed=True,
        note="复核通过",
        row_version=current_version(task, SupervisionTask),
    )
    body = {"note": "办结", "row_version": current_version(task)}
    response = api(world.auth_staff, "post", f"{API}/tasks/{task.pk}/close", body)
    assert response.json()["status"] == "closed"

    # SUP-11: the institution rates each supervisor once.
    for member, _user in crew:
        services.rating_submit(
            actor=world.inst_admin,
            task=task,
            supervisor=member.supervisor,
            scores={"punctuality": 5, "duties": 5, "objectivity": 4, "discipline": 5, "conduct": 4},
        )
    assert sorted(SupervisorRating.objects.values_list("total", flat=True)) == [23, 23, 23]
    with pytest.raises(Conflict):
        services.rating_submit(
            actor=world.inst_admin,
            task=task,
            supervisor=leader.supervisor,
            scores={"punctuality": 5, "duties": 5, "objectivity": 4, "discipline": 5, "conduct": 4},
        )
    stats = selectors.supervisor_stats(leader.supervisor)
    assert (stats.tasks, stats.reports, stats.reports_on_time, str(stats.rating_average)) == (
        1,
        1,
        1,
        "23.00",
    )

    # 一公开: the outcome and rectification status are public; the audit chain is intact.
    public = api(None, "get", f"{API}/public/tasks").json()
    assert [
        (t["number"], t["opinion_number"], t["rectification_status"], t["problem_count"])
        for t in public["items"]
    ] == [(task.number, final.number, "passed", 1)]
    actions = list(
        AuditEvent.objects.filter(
            object_type="supervision.supervisiontask", object_id=str(task.pk)
        ).values_list("action", flat=True)
    )
    assert actions == [
        "supervision.task.dispatch",
        "supervision.task.accepted",
        "supervision.task.on_site",
        "supervision.task.report",
        "supervision.task.preliminary_opinion",
        "supervision.task.send_preliminary",
        "supervision.task.defence",
        "supervision.task.opinion_issued",
        "supervision.task.rectification_submitted",
        "supervision.task.rectification_returned",
        "supervision.task.rectification_submitted",
        "supervision.task.reverified",
        "supervision.task.close",
    ]
    assert audit.verify_chain().ok


def test_defence_window_closes_only_after_its_last_day(world):
    task = services.task_create(
        actor=world.auth_staff,
        institution=world.institution,
        supervisors=[world.s1, world.s2, world.s3],
        kind="special",
        items=["1"],
        batch=world.b1,
    )
    crew = crew_of(task)
    for _m, user in crew:
        services.task_accept(actor=user, task=task)
    leader_user = crew[0][1]
    services.task_start_on_site(
        actor=leader_user, task=task, row_version=current_version(task, SupervisionTask)
    )
    services.report_submit(
        actor=leader_user, task=task, summary="正常", row_version=current_version(task, SupervisionTask)
    )
    services.preliminary_opinion_prepare(
        actor=leader_user, task=task, body="无重大问题", row_version=current_version(task, SupervisionTask)
    )
    opinion = services.preliminary_opinion_send(
        actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
    )
    Opinion.objects.filter(pk=opinion.pk).update(defence_due_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(IllegalTransition) as exc:
        services.defence_submit(actor=world.inst_admin, task=task, text="晚了")
    assert exc.value.code == "defence_closed"
    task = services.defence_window_close(
        actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
    )
    assert task.status == "defence_window_closed"
    services.opinion_issue(
        actor=world.auth_staff,
        task=task,
        body="无需整改",
        requires_rectification=False,
        row_version=current_version(task, SupervisionTask),
    )
    task = services.task_close(
        actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
    )
    assert task.status == "closed"


def test_covert_daily_task_is_hidden_until_its_report(world):
    draw = locked_draw(
        world, covert_policy="covert", sample_count=1, filters={"institutions": [world.institution.pk]}
    )
    task = SupervisionTask.objects.get(draw=draw)
    assert task.covert is True
    ((_member, sup_user),) = crew_of(task)
    # Hidden from the institution (list, detail, coverage of tasks) and from the public.
    assert selectors.tasks_for(world.inst_admin).count() == 0
    assert api(world.inst_admin, "get", f"{API}/tasks/{task.pk}").status_code == 404
    assert api(world.inst_staff, "get", f"{API}/tasks").json()["count"] == 0
    assert api(None, "get", f"{API}/public/tasks").json()["count"] == 0
    public_draw = api(None, "get", f"{API}/public/draws/{draw.pk}").json()
    assert (public_draw["seed"], public_draw["selected"], public_draw["covert"]) == (None, [], True)
    assert public_draw["seed_commitment"] == draw.seed_commitment
    assert api(None, "get", f"{API}/public/draws/{draw.pk}/scenario").status_code == 404
    assert api(None, "get", f"{API}/public/draws/{draw.pk}/verify").status_code == 404
    day = task.starts_at.date()
    own = selectors.coverage(world.inst_admin, start=day, end=day)
    assert [(b.code, b.supervised, b.task_count) for b in own.batches] == [(task.batch.code, False, 0)]
    authority_view = selectors.coverage(world.auth_staff, start=day, end=day)
    assert [(b.supervised, b.task_count) for b in authority_view.batches if b.pk == task.batch_id] == [
        (True, 1)
    ]
    # No advance notice to the institution of a covert visit.
    assert not Message.objects.filter(recipient=world.inst_admin, object_id=str(task.pk)).exists()
    # The institution cannot act on it either (404: it does not exist for them).
    before = Report.objects.count()
    response = api(world.inst_admin, "post", f"{API}/tasks/{task.pk}/defence", {"text": "x"})
    assert response.status_code == 404
    services.task_accept(actor=sup_user, task=task)
    services.task_start_on_site(actor=sup_user, task=task, row_version=current_version(task, SupervisionTask))
    services.finding_add(
        actor=sup_user,
        task=task,
        content_area="2.4",
        method="covert_visit",
        severity="minor",
        description="迟到",
    )
    assert selectors.tasks_for(world.inst_admin).count() == 0
    assert Report.objects.count() == before
    services.report_submit(
        actor=sup_user,
        task=task,
        summary="暗访发现考生迟到入场",
        row_version=current_version(task, SupervisionTask),
    )
    # After the report: visible to the institution and the public; the draw is disclosed and verifies.
    assert list(selectors.tasks_for(world.inst_admin)) == [task]
    assert (
        api(world.inst_admin, "get", f"{API}/tasks/{task.pk}").json()["findings"][0]["method"]
        == "covert_visit"
    )
    assert [t["number"] for t in api(None, "get", f"{API}/public/tasks").json()["items"]] == [task.number]
    public_draw = api(None, "get", f"{API}/public/draws/{draw.pk}").json()
    assert public_draw["seed"] == draw.seed
    assert public_draw["selected"][0]["target"] == task.target_key
    verify = api(None, "get", f"{API}/public/draws/{draw.pk}/verify").json()
    assert (verify["ok"], verify["failed"], verify["differences"], verify["final_seed"]) == (
        True,
        [],
        [],
        draw.final_seed,
    )
    assert (verify["scenario_digest"], verify["seed_commitment"]) == (
        draw.scenario_digest,
        draw.seed_commitment,
    )
    scenario = api(None, "get", f"{API}/public/draws/{draw.pk}/scenario")
    assert json.loads(scenario.content) == json.loads(draw.scenario)


def test_daily_task_rectification_and_escalation(world):
    task = services.task_create(
        actor=world.auth_staff, institution=world.institution, supervisors=[world.s1], batch=world.b1
    )
    ((_m, user),) = crew_of(task)
    services.task_accept(actor=user, task=task)
    services.task_start_on_site(actor=user, task=task, row_version=current_version(task, SupervisionTask))
    services.report_submit(
        actor=user, task=task, summary="发现问题", row_version=current_version(task, SupervisionTask)
    )
    with pytest.raises(PermissionDenied):  # a special-only step
        services.preliminary_opinion_prepare(
            actor=user, task=task, body="x", row_version=current_version(task, SupervisionTask)
        )
    services.rectification_order(
        actor=world.auth_staff,
        task=task,
        requirements="补齐考场记录",
        row_version=current_version(task, SupervisionTask),
    )
    task = services.task_escalate(
        actor=world.auth_staff,
        task=task,
        reason="拒不整改",
        row_version=current_version(task, SupervisionTask),
    )
    with pytest.raises(IllegalTransition):  # INST-4: a penalty must be decided first
        services.task_close(
            actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
        )
    services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        task=task,
        kind="public_criticism",
        ground="refused_improvement",
        description="拒不整改",
    )
    assert (
        services.task_close(
            actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
        ).status
        == "closed"
    )


def test_late_report_is_flagged(world):
    day = TODAY - dt.timedelta(days=5)
    from tests.supervision.app_support import local

    task = services.task_create(
        actor=world.auth_staff,
        institution=world.institution,
        supervisors=[world.s2],
        starts_at=local(day, 9),
        ends_at=local(day, 17),
    )
    assert task.report_due_on == day + dt.timedelta(days=2)
    ((_m, user),) = crew_of(task)
    services.task_accept(actor=user, task=task)
    services.task_start_on_site(actor=user, task=task, row_version=current_version(task, SupervisionTask))
    overdue = selectors.task_list(world.auth_staff, overdue=True)
    assert list(overdue) == [task]
    report = services.report_submit(
        actor=user, task=task, summary="补交", row_version=current_version(task, SupervisionTask)
    )
    assert report.overdue is True
    assert selectors.supervisor_stats(world.s2).reports_on_time == 0
