"""Supervision tasks in a chosen state, made through the supervision services (permissions, rules, audit
events, notifications) acting as the users the rules name, one service call per step."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.accounts.models import Role, User
from dudao.supervision import services as sup
from dudao.supervision.models import Opinion, SupervisionTask

from .rows import current_version

TASK_PATHS = {
    "daily": (
        "dispatched",
        "accepted",
        "on_site",
        "report_submitted",
        "rectification_ordered",
        "rectification_submitted",
        "reverified",
        "closed",
    ),
    "special": (
        "dispatched",
        "accepted",
        "on_site",
        "report_submitted",
        "preliminary_opinion",
        "sent_to_institution",
        "defence_submitted",
        "opinion_issued",
        "rectification_submitted",
        "reverified",
        "closed",
    ),
}
# Side branches: (the state they leave from, the state they reach).
TASK_BRANCHES = {
    "declined": "dispatched",
    "cancelled": "dispatched",
    "escalated": "report_submitted",
    "defence_window_closed": "sent_to_institution",
}


def task_crew(task) -> list[User]:
    """The users of the task's active members, leader first, then in member order."""
    members = list(task.members.filter(active=True).select_related("supervisor").order_by("role", "id"))
    users = {
        u.person_id: u for u in User.objects.filter(person__in=[m.supervisor.person_id for m in members])
    }
    return [users[m.supervisor.person_id] for m in members]


def _task_path(state: str, kind: str) -> list[str]:
    path = TASK_PATHS["special" if kind == "special" else "daily"]
    if state in path:
        return list(path[: path.index(state) + 1])
    if state in TASK_BRANCHES:
        start = TASK_BRANCHES[state]
        if state == "defence_window_closed" and kind != "special":
            raise ValueError("only a special task has a defence window")
        return [*path[: path.index(start) + 1], state]
    raise ValueError(f"no path to task state {state!r} for a {kind} task")


def supervision_task(
    state: str = "dispatched",
    *,
    actor,
    institution,
    supervisors,
    institution_actor=None,
    kind: str = "daily",
    items=None,
    severity: str = "major",
    **extra,
):
    """A supervision task dispatched by `actor` (authority user, or the institution for an internal task)
    to `supervisors` (the first leads), taken through the services to `state` (see TASK_PATHS/BRANCHES).

    Each step is taken by whom the rules name: the members accept, the leader reports (one finding of
    `severity` on the first item) and prepares the preliminary opinion, `institution_actor` (default: the
    institution's first admin) defends and submits the rectification, `actor` decides the rest.
    `extra` goes to `task_create` (batch, starts_at/ends_at, group_reason, covert …).
    """
    path = _task_path(state, kind)
    if kind == "special" and items is None:
        items = ["2.3", "2.4"]
    task = sup.task_create(
        actor=actor,
        institution=institution,
        supervisors=list(supervisors),
        kind=kind,
        items=items or (),
        **extra,
    )
    crew = task_crew(task)
    leader = crew[0]
    answering = (
        institution_actor
        or User.objects.filter(institution=task.institution_id, role=Role.INSTITUTION_ADMIN)
        .order_by("id")
        .first()
    )

    def rv() -> int:
        return current_version(task.pk, SupervisionTask)

    steps = {
        "accepted": lambda: [sup.task_accept(actor=user, task=task) for user in crew],
        "declined": lambda: sup.task_decline(
            actor=leader, task=task, reason="当天住院", reason_kind="illness"
        ),
        "cancelled": lambda: sup.task_cancel(actor=actor, task=task, reason="评价批次取消", row_version=rv()),
        "on_site": lambda: sup.task_start_on_site(actor=leader, task=task, row_version=rv()),
        "report_submitted": lambda: (
            sup.finding_add(
                actor=leader,
                task=task,
                content_area=(items or ["2.4"])[0],
                method="open_visit",
                severity=severity,
                description="" if severity == "none" else "考场视频监控有盲区",
            ),
            sup.report_submit(
                actor=leader,
                task=task,
                summary="按督导事项逐项检查了考务组织和考场秩序。",
                problems="" if severity == "none" else "考场视频监控有盲区。",
                recommendations="补装摄像头。",
                row_version=rv(),
            ),
        ),
        "preliminary_opinion": lambda: sup.preliminary_opinion_prepare(
            actor=leader, task=task, body="考场管理不到位。", requirements="加装视频监控。", row_version=rv()
        ),
        "sent_to_institution": lambda: sup.preliminary_opinion_send(
            actor=leader, task=task, row_version=rv()
        ),
        "defence_submitted": lambda: sup.defence_submit(
            actor=answering, task=task, text="监控设备已在采购中。"
        ),
        "defence_window_closed": lambda: (
            # Time passes: the defence window ended yesterday (the only step no service takes).
            Opinion.objects.filter(task=task, kind="preliminary").update(
                defence_due_on=timezone.localdate() - dt.timedelta(days=1)
            ),
            sup.defence_window_close(actor=actor, task=task, row_version=rv()),
        ),
        "opinion_issued": lambda: sup.opinion_issue(
            actor=actor,
            task=task,
            body="认定考场管理存在问题。",
            requirements="加装视频监控。",
            row_version=rv(),
        ),
        "rectification_ordered": lambda: sup.rectification_order(
            actor=actor, task=task, requirements="补装摄像头。", row_version=rv()
        ),
        "rectification_submitted": lambda: sup.rectification_submit(
            actor=answering, task=task, plan="已补装并调试。"
        ),
        "reverified": lambda: sup.rectification_review(
            actor=actor, task=task, passed=True, note="复核通过", row_version=rv()
        ),
        "closed": lambda: sup.task_close(actor=actor, task=task, note="办结", row_version=rv()),
        "escalated": lambda: sup.task_escalate(actor=actor, task=task, reason="移送处理", row_version=rv()),
    }
    for step in path[1:]:
        steps[step]()
    task.refresh_from_db()
    assert task.status == state, (task.status, state)
    return task
