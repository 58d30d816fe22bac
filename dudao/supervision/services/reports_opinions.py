"""Reports (SUP-7), preliminary opinions, defences and the issued opinion (ACT-4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.domain import canonical_json, digest, preferred_hash_algorithm
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

from .. import selectors, workflow
from ..models import (
    Draw,
    Opinion,
    Report,
    SupervisionTask,
    SupervisorKind,
)
from ..permissions import (
    can_answer_for_institution,
    can_manage_task,
    is_task_leader,
)
from ..transitions import AFTER_REPORT, TASK_TRANSITIONS
from .base import _authority_staff, _lock_task, _locked_task, _move, _next_seq, _policy, _task_link
from .rectification import _new_round
from .self_evaluation import check_ready_for_preliminary

S = SupervisionTask.Status
D = Draw.Status


# --------------------------------------------------------------------------------------- reports
def _findings_snapshot(task: SupervisionTask) -> list[dict[str, Any]]:
    return [
        {
            "id": f.pk,
            "content_area": f.content_area,
            "method": f.method,
            "severity": f.severity,
            "description": f.description,
            "evidence": [e.sha256 for e in f.evidence.all()],
        }
        for f in selectors.task_findings(task)
    ]


def _report_row(task, *, actor, summary, problems, recommendations, version=1, previous=None, reason=""):
    algorithm = preferred_hash_algorithm()
    findings = _findings_snapshot(task)
    content = {
        "task": task.number,
        "version": version,
        "summary": summary,
        "problems": problems,
        "recommendations": recommendations,
        "findings": findings,
    }
    now = timezone.now()
    report = Report(
        task=task,
        version=version,
        previous=previous,
        summary=summary,
        problems=problems,
        recommendations=recommendations,
        findings=findings,
        content_digest=digest(canonical_json(content), algorithm),
        hash_algorithm=algorithm,
        correction_reason=reason,
        submitted_by=actor,
        submitted_at=now,
        due_on=task.report_due_on,
        overdue=workflow.is_late(timezone.localtime(now).date(), task.report_due_on)
        if version == 1
        else False,
    )
    save_new(report)
    return report


@transaction.atomic
def report_submit(
    *,
    actor,
    task: SupervisionTask | int,
    summary: str,
    problems: str = "",
    recommendations: str = "",
    row_version: int | None = None,
) -> Report:
    """The leader files the group's written report (SUP-7); late ones are flagged; it is immutable."""
    obj = _locked_task(actor, task, row_version)
    summary = required_text(summary, "summary", "督导情况")
    report = _report_row(
        obj, actor=actor, summary=summary, problems=text(problems), recommendations=text(recommendations)
    )
    obj.report_submitted_at = report.submitted_at
    _move(
        obj,
        S.REPORT_SUBMITTED,
        actor,
        action="supervision.task.report",
        fields=["report_submitted_at"],
        extra={"report": report.pk, "content_digest": report.content_digest, "overdue": report.overdue},
    )
    notify(
        recipients=_authority_staff(obj)
        if obj.supervisor_kind == SupervisorKind.EXTERNAL
        else recipients.institution_admins(obj.institution_id),
        kind="task.report_submitted",
        title=f"督导报告已提交:{obj.number} {obj.institution.name}" + ("(逾期)" if report.overdue else ""),
        link=_task_link(obj),
        obj=obj,
    )
    return report


@transaction.atomic
def report_correct(
    *,
    actor,
    task: SupervisionTask | int,
    reason: str,
    summary: str,
    problems: str = "",
    recommendations: str = "",
) -> Report:
    """A correction is a new version pointing to the old one (DESIGN: submitted reports are immutable)."""
    obj = _lock_task(actor, task)
    require(is_task_leader(actor, obj) or can_manage_task(actor, obj))
    if obj.status not in AFTER_REPORT or obj.status == S.CLOSED:
        raise IllegalTransition("只有已提交且未办结的报告可以更正")
    last = Report.objects.filter(task=obj).order_by("-version").first()
    report = _report_row(
        obj,
        actor=actor,
        summary=required_text(summary, "summary", "督导情况"),
        problems=text(problems),
        recommendations=text(recommendations),
        version=last.version + 1,
        previous=last,
        reason=required_text(reason, "reason", "更正原因", 255),
    )
    audit.record(actor=actor, action="supervision.report.correct", obj=report, after=audit.snapshot(report))
    return report


# -------------------------------------------------------------------------------------- opinions
@transaction.atomic
def preliminary_opinion_prepare(
    *, actor, task: SupervisionTask | int, body: str, requirements: str = "", row_version: int | None = None
) -> Opinion:
    """The group's preliminary opinion on the self-evaluation and on-site findings (ACT-4 step 2)."""
    obj = _locked_task(actor, task, row_version)
    opinion = Opinion(
        task=obj,
        kind=Opinion.Kind.PRELIMINARY,
        body=required_text(body, "body", "初步督导意见"),
        requirements=text(requirements),
        prepared_by=actor,
    )
    check_transition(
        TASK_TRANSITIONS,
        obj,
        S.PRELIMINARY_OPINION,
        actor,
        message=f"任务当前状态为「{obj.get_status_display()}」,不能形成初步意见",
        denied="只有专项督导组组长可以形成初步意见",
    )
    check_ready_for_preliminary(obj)  # ACT-4: a requested self-evaluation is received and reviewed first
    save_new(opinion)
    _move(
        obj,
        S.PRELIMINARY_OPINION,
        actor,
        action="supervision.task.preliminary_opinion",
        extra={"opinion": opinion.pk},
    )
    return opinion


@transaction.atomic
def preliminary_opinion_send(
    *, actor, task: SupervisionTask | int, row_version: int | None = None
) -> Opinion:
    """Send the preliminary opinion to the institution; the defence window (working days) starts (ACT-4)."""
    obj = _locked_task(actor, task, row_version)
    from dudao.workdays.selectors import calendar

    now = timezone.now()
    due = calendar().add_workdays(timezone.localtime(now).date(), _policy(obj).defence_workdays)
    # The transition is checked first: a task in another state has no preliminary opinion to send.
    _move(obj, S.SENT_TO_INSTITUTION, actor, action="supervision.task.send_preliminary")
    opinion = Opinion.objects.select_for_update().filter(task=obj, kind=Opinion.Kind.PRELIMINARY).first()
    if opinion is None:
        raise IllegalTransition("尚未形成初步督导意见,不能送达")
    before = audit.snapshot(opinion)
    opinion.sent_at = now
    opinion.defence_due_on = due.date
    save_fields(opinion, ["sent_at", "defence_due_on"])
    audit.record(
        actor=actor,
        action="supervision.opinion.send",
        obj=opinion,
        before=before,
        after={**audit.snapshot(opinion), "defence_due_provisional": due.provisional},
    )
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind="opinion.preliminary",
        title=f"初步督导意见:{obj.number},请于 {due.date.isoformat()} 前提出申辩意见",
        link=_task_link(obj),
        obj=opinion,
        dedupe_key=f"opinion.preliminary:{opinion.pk}",
    )
    return opinion


@transaction.atomic
def defence_submit(*, actor, task: SupervisionTask | int, text: str) -> Opinion:
    """The institution's defence (申辩) against the preliminary opinion, within the window (ACT-4 step 3)."""
    obj = _lock_task(actor, task)
    require(can_answer_for_institution(actor, obj), "只有被督导机构可以提出申辩")
    opinion = Opinion.objects.select_for_update().filter(task=obj, kind=Opinion.Kind.PRELIMINARY).first()
    if obj.status != S.SENT_TO_INSTITUTION or opinion is None:
        raise IllegalTransition(f"任务当前状态为「{obj.get_status_display()}」,不能提出申辩")
    today = timezone.localdate()
    if opinion.defence_due_on and today > opinion.defence_due_on:
        raise IllegalTransition(
            f"申辩期限已于 {opinion.defence_due_on.isoformat()} 届满", code="defence_closed"
        )
    before = audit.snapshot(opinion)
    opinion.defence_text = required_text(text, "text", "申辩意见")
    opinion.defence_submitted_at = timezone.now()
    opinion.defence_by = actor
    save_fields(opinion, ["defence_text", "defence_submitted_at", "defence_by"])
    audit.record(
        actor=actor,
        action="supervision.opinion.defence",
        obj=opinion,
        before=before,
        after=audit.snapshot(opinion),
    )
    _move(obj, S.DEFENCE_SUBMITTED, actor, action="supervision.task.defence")
    notify(
        recipients=_authority_staff(obj),
        kind="opinion.defence",
        title=f"机构已提交申辩:{obj.number} {obj.institution.name}",
        link=_task_link(obj),
        obj=obj,
    )
    return opinion


@transaction.atomic
def defence_window_close(
    *, actor, task: SupervisionTask | int, row_version: int | None = None
) -> SupervisionTask:
    """Record that the defence window passed without a defence (only after its last day)."""
    obj = _locked_task(actor, task, row_version)
    opinion = Opinion.objects.filter(task=obj, kind=Opinion.Kind.PRELIMINARY).first()
    if opinion is not None and opinion.defence_due_on and timezone.localdate() <= opinion.defence_due_on:
        raise IllegalTransition(
            f"申辩期限至 {opinion.defence_due_on.isoformat()},尚未届满", code="defence_open"
        )
    _move(obj, S.DEFENCE_WINDOW_CLOSED, actor, action="supervision.task.defence_window_closed")
    return obj


def _opinion_number(task: SupervisionTask, year: int) -> str:
    policy = _policy(task)
    prefix = policy.opinion_number_prefix or f"{task.authority.code}督"
    return f"{prefix}〔{year}〕{_next_seq(f'opinion:{task.authority_id}:{year}')}号"


@transaction.atomic
def opinion_issue(
    *,
    actor,
    task: SupervisionTask | int,
    body: str,
    requirements: str = "",
    requires_rectification: bool = True,
    rectification_due_on: dt.date | None = None,
    row_version: int | None = None,
) -> Opinion:
    """The authority weighs the defence and issues the numbered 督导意见书 (ACT-4 step 3); rectification
    by the stated date follows when required (step 4)."""
    obj = _locked_task(actor, task, row_version)
    check_transition(
        TASK_TRANSITIONS,
        obj,
        S.OPINION_ISSUED,
        actor,
        message=f"任务当前状态为「{obj.get_status_display()}」,不能下达督导意见书",
        denied="只有委派机构可以下达督导意见书",
    )
    today = timezone.localdate()
    due = None
    requirements = text(requirements)
    if requires_rectification:
        if not requirements:
            raise fail("requirements", "须整改时请填写整改要求")
        due = (
            parse_date(rectification_due_on, "rectification_due_on", "整改期限")
            if rectification_due_on
            else today + dt.timedelta(days=_policy(obj).rectification_days)
        )
        if due <= today:
            raise fail("rectification_due_on", "整改期限须晚于今天")
    now = timezone.now()
    opinion = Opinion(
        task=obj,
        kind=Opinion.Kind.FINAL,
        number=_opinion_number(obj, timezone.localtime(now).year),
        body=required_text(body, "body", "督导意见"),
        requirements=requirements,
        requires_rectification=bool(requires_rectification),
        rectification_due_on=due,
        prepared_by=actor,
        issued_by=actor,
        issued_at=now,
        sent_at=now,
    )
    save_new(opinion)
    _move(
        obj,
        S.OPINION_ISSUED,
        actor,
        action="supervision.task.opinion_issued",
        extra={"opinion": opinion.number},
    )
    if requires_rectification:
        _new_round(obj, actor=actor, requirements=requirements, due_on=due)
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind="opinion.issued",
        title=f"督导意见书 {opinion.number}" + (f",请于 {due.isoformat()} 前完成整改" if due else ""),
        link=_task_link(obj),
        obj=opinion,
        dedupe_key=f"opinion.issued:{opinion.pk}",
    )
    return opinion
