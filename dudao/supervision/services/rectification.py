"""Rectification rounds: order, submit with evidence, review (复核)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import (
    IllegalTransition,
)
from dudao.common.transitions import check_transition
from dudao.common.writes import (
    fail,
    parse_date,
    require,
    required_text,
    save_fields,
    save_new,
    text,
)
from dudao.notifications import recipients
from dudao.notifications.services import notify

from .. import workflow
from ..models import (
    Draw,
    Opinion,
    Penalty,
    Rectification,
    RectificationEvidence,
    SupervisionTask,
    SupervisorKind,
)
from ..permissions import (
    can_answer_for_institution,
    can_reverify,
)
from ..transitions import TASK_TRANSITIONS
from .base import _authority_staff, _lock_task, _locked_task, _move, _policy, _task_link

S = SupervisionTask.Status
D = Draw.Status


# --------------------------------------------------------------------------------- rectification
def _new_round(task: SupervisionTask, *, actor, requirements: str, due_on: dt.date) -> Rectification:
    last = Rectification.objects.filter(task=task).order_by("-round_no").first()
    row = Rectification(
        task=task,
        round_no=(last.round_no + 1) if last else 1,
        requirements=requirements,
        due_on=due_on,
        ordered_by=actor,
    )
    save_new(row)
    audit.record(actor=actor, action="supervision.rectification.order", obj=row, after=audit.snapshot(row))
    return row


@transaction.atomic
def rectification_order(
    *,
    actor,
    task: SupervisionTask | int,
    requirements: str,
    due_on: dt.date | None = None,
    row_version: int | None = None,
) -> Rectification:
    """Order rectification after a daily supervision's report (ACT-6: rectification within a set period)."""
    obj = _locked_task(actor, task, row_version)
    today = timezone.localdate()
    due = (
        parse_date(due_on, "due_on", "整改期限")
        if due_on
        else today + dt.timedelta(days=_policy(obj).rectification_days)
    )
    if due <= today:
        raise fail("due_on", "整改期限须晚于今天")
    requirements = required_text(requirements, "requirements", "整改要求")
    _move(obj, S.RECTIFICATION_ORDERED, actor, action="supervision.task.rectification_ordered")
    row = _new_round(obj, actor=actor, requirements=requirements, due_on=due)
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind="rectification.ordered",
        title=f"整改通知:{obj.number},请于 {due.isoformat()} 前提交整改材料",
        link=_task_link(obj),
        obj=row,
        dedupe_key=f"rectification.ordered:{row.pk}",
    )
    return row


def _open_round(task: SupervisionTask) -> Rectification:
    row = Rectification.objects.select_for_update().filter(task=task).order_by("-round_no").first()
    if row is None or row.status != Rectification.Status.ORDERED:
        raise IllegalTransition("当前没有待提交的整改")
    return row


@transaction.atomic
def rectification_attach_evidence(
    *, actor, task: SupervisionTask | int, file: Any, name: str | None = None
) -> RectificationEvidence:
    """The institution attaches evidence to the open rectification round."""
    from dudao.common.files import store_upload

    obj = _lock_task(actor, task)
    require(can_answer_for_institution(actor, obj), "只有被督导机构可以上传整改材料")
    row = _open_round(obj)
    if file is None:
        raise fail("file", "请选择要上传的文件")
    if RectificationEvidence.objects.filter(rectification=row).count() >= 50:
        raise fail("file", "每轮整改最多上传 50 个文件")
    stored = store_upload(file, name=name)
    evidence = RectificationEvidence(
        rectification=row,
        uploaded_by=actor,
        **stored.fields(),
    )
    save_new(evidence)
    audit.record(
        actor=actor, action="supervision.rectification.evidence", obj=evidence, after=audit.snapshot(evidence)
    )
    return evidence


@transaction.atomic
def rectification_submit(*, actor, task: SupervisionTask | int, plan: str) -> Rectification:
    """The institution submits its rectification report and evidence (late submissions are flagged)."""
    obj = _lock_task(actor, task)
    require(can_answer_for_institution(actor, obj), "只有被督导机构可以提交整改材料")
    check_transition(
        TASK_TRANSITIONS,
        obj,
        S.RECTIFICATION_SUBMITTED,
        actor,
        message=f"任务当前状态为「{obj.get_status_display()}」,不能提交整改",
    )
    row = _open_round(obj)
    before = audit.snapshot(row)
    row.plan = required_text(plan, "plan", "整改报告")
    row.submitted_at = timezone.now()
    row.submitted_by = actor
    row.overdue = workflow.is_late(timezone.localdate(), row.due_on)
    row.status = Rectification.Status.SUBMITTED
    save_fields(row, ["plan", "submitted_at", "submitted_by", "overdue", "status"])
    audit.record(
        actor=actor,
        action="supervision.rectification.submit",
        obj=row,
        before=before,
        after=audit.snapshot(row),
    )
    _move(obj, S.RECTIFICATION_SUBMITTED, actor, action="supervision.task.rectification_submitted")
    notify(
        recipients=_authority_staff(obj)
        if obj.supervisor_kind == SupervisorKind.EXTERNAL
        else recipients.institution_admins(obj.institution_id),
        kind="rectification.submitted",
        title=f"整改材料已提交,请复核:{obj.number} {obj.institution.name}",
        link=_task_link(obj),
        obj=row,
    )
    return row


@transaction.atomic
def rectification_review(
    *,
    actor,
    task: SupervisionTask | int,
    passed: bool,
    note: str = "",
    requirements: str = "",
    due_on: dt.date | None = None,
    row_version: int | None = None,
) -> Rectification:
    """复核 (ACT-6): pass → reverified; fail → a new round with new requirements and deadline."""
    obj = _locked_task(actor, task, row_version)
    require(can_reverify(actor, obj), "只有委派机构或督导组组长可以复核")
    if obj.status != S.RECTIFICATION_SUBMITTED:
        raise IllegalTransition(f"任务当前状态为「{obj.get_status_display()}」,不能复核")
    row = Rectification.objects.select_for_update().filter(task=obj).order_by("-round_no").first()
    before = audit.snapshot(row)
    row.status = Rectification.Status.PASSED if passed else Rectification.Status.FAILED
    row.review_note = text(note)
    if not passed and not row.review_note:
        raise fail("note", "复核未通过时请填写复核意见")
    row.reviewed_at = timezone.now()
    row.reviewed_by = actor
    save_fields(row, ["status", "review_note", "reviewed_at", "reviewed_by"])
    audit.record(
        actor=actor,
        action="supervision.rectification.review",
        obj=row,
        before=before,
        after=audit.snapshot(row),
    )
    if passed:
        _move(obj, S.REVERIFIED, actor, action="supervision.task.reverified")
        return row
    today = timezone.localdate()
    due = (
        parse_date(due_on, "due_on", "整改期限")
        if due_on
        else today + dt.timedelta(days=_policy(obj).rectification_days)
    )
    if due <= today:
        raise fail("due_on", "整改期限须晚于今天")
    _move(obj, S.RECTIFICATION_ORDERED, actor, action="supervision.task.rectification_returned")
    new = _new_round(obj, actor=actor, requirements=text(requirements) or row.requirements, due_on=due)
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind="rectification.returned",
        title=f"整改复核未通过:{obj.number},请于 {due.isoformat()} 前重新提交",
        body=row.review_note,
        link=_task_link(obj),
        obj=new,
        dedupe_key=f"rectification.returned:{new.pk}",
    )
    return new


@transaction.atomic
def task_close(
    *, actor, task: SupervisionTask | int, note: str = "", row_version: int | None = None
) -> SupervisionTask:
    """Close a task: a daily one without problems, after re-verification, or after the penalty decision."""
    obj = _locked_task(actor, task, row_version)
    if obj.status == S.OPINION_ISSUED:
        final = Opinion.objects.filter(task=obj, kind=Opinion.Kind.FINAL).first()
        if final is not None and final.requires_rectification:
            raise IllegalTransition("督导意见书要求整改,须整改复核后才能办结")
    if obj.status == S.ESCALATED and not Penalty.objects.filter(task=obj).exists():
        raise IllegalTransition("已移送处理的任务须先作出处理决定才能办结")  # INST-4
    obj.closed_at = timezone.now()
    if note:
        obj.note = text(note, limit=255)
    _move(obj, S.CLOSED, actor, action="supervision.task.close", fields=["closed_at", "note"])
    return obj


@transaction.atomic
def task_escalate(
    *, actor, task: SupervisionTask | int, reason: str, row_version: int | None = None
) -> SupervisionTask:
    """Move a task to the authority's penalty procedure (INST-4: refusing to improve, obstruction …)."""
    obj = _locked_task(actor, task, row_version)
    obj.note = required_text(reason, "reason", "移送原因", 255)
    _move(obj, S.ESCALATED, actor, action="supervision.task.escalate", fields=["note"])
    return obj
