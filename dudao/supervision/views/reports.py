"""Report, preliminary opinion, defence and the 督导意见书 (SUP-7, ACT-4)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from dudao.web.kit import application_errors_as_http, run_and_flash

from .. import forms as f
from .. import selectors, services, workflow
from ..models import Opinion, SupervisionTask, TaskKind
from ..permissions import (
    can_answer_for_institution,
    can_decide_for_authority,
    can_manage_task,
    is_task_leader,
)
from ..transitions import AFTER_REPORT, TASK_TRANSITIONS
from .common import (
    days_left,
    row_version,
    workdays_left,
)
from .steps import S, _detail_url, _step_form
from .surveys import preliminary_note


def _problems_text(task: SupervisionTask) -> str:
    lines = []
    for finding in selectors.task_findings(task):
        if finding.severity in workflow.PROBLEM_SEVERITIES:
            area = workflow.CONTENT_AREAS.get(finding.content_area, finding.content_area)
            severity = workflow.SEVERITIES[finding.severity]
            lines.append(f"{finding.content_area} {area}:{finding.description}({severity})")
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1))


def _report_summary(task: SupervisionTask, unchecked: int) -> str:
    """The confirmation before the report: what is filed, and that it is then final."""
    findings = list(selectors.task_findings(task))
    problems = sum(1 for x in findings if x.severity in workflow.PROBLEM_SEVERITIES)
    gaps = f";尚有 {unchecked} 项督导内容未检查" if unchecked else ""
    return (
        f"提交 {task.institution.name} 的督导报告:{len(findings)} 项督导发现,其中问题 {problems} 项{gaps}。"
        "提交后报告不可修改(更正须生成新版本)。确认提交?"
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader files the group's written report (SUP-7), after a confirmation; it is then immutable."""
    task = selectors.task_get(request.user, pk)
    unchecked = [c for c in selectors.checklist(task) if not c["checked"]]
    return _step_form(
        request,
        pk,
        f.ReportForm,
        lambda t, data: services.report_submit(
            actor=request.user,
            task=t,
            summary=data["summary"],
            problems=data["problems"],
            recommendations=data["recommendations"],
            row_version=row_version(request),
        ),
        success="督导报告已提交",
        allowed=lambda user, t: is_task_leader(user, t) and t.status == S.ON_SITE,
        denied="只有督导组组长可以在现场督导中提交报告",
        initial={"problems": _problems_text(task)},
        title="提交督导报告",
        button="提交报告",
        confirm=_report_summary(task, len(unchecked)),
        show=("findings",),
        extra={
            "unchecked": unchecked,
            "report_deadline": days_left(task.report_due_on),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction is a new version of the report pointing to the old one."""
    task = selectors.task_get(request.user, pk)
    last = selectors.task_reports(task)
    latest = last[-1] if last else None
    return _step_form(
        request,
        pk,
        f.ReportCorrectForm,
        lambda t, data: services.report_correct(
            actor=request.user,
            task=t,
            reason=data["reason"],
            summary=data["summary"],
            problems=data["problems"],
            recommendations=data["recommendations"],
        ),
        success="已生成报告的更正版本",
        allowed=lambda user, t: (
            t.status in AFTER_REPORT and (is_task_leader(user, t) or can_manage_task(user, t))
        ),
        denied="只有督导组组长或委派机构可以更正报告",
        initial={
            "summary": latest.summary if latest else "",
            "problems": latest.problems if latest else "",
            "recommendations": latest.recommendations if latest else "",
        },
        title="更正督导报告",
        button="生成更正版本",
        confirm="生成报告的更正版本:原报告保留并标注已更正,新版本不可再修改。确认生成?",
        show=("report",),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def preliminary(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's preliminary opinion on the self-evaluation and the findings (ACT-4 step 2)."""
    return _step_form(
        request,
        pk,
        f.PreliminaryForm,
        lambda t, data: services.preliminary_opinion_prepare(
            actor=request.user,
            task=t,
            body=data["body"],
            requirements=data["requirements"],
            row_version=row_version(request),
        ),
        success="已形成初步督导意见,请反馈评价机构",
        allowed=lambda user, t: is_task_leader(user, t) and t.kind == TaskKind.SPECIAL,
        denied="只有专项督导组组长可以形成初步意见",
        title="形成初步督导意见",
        button="保存初步意见",
        show=("report", "findings"),
        note=preliminary_note(selectors.task_get(request.user, pk)),  # ACT-4: the self-evaluation
    )


@login_required
@require_POST
@application_errors_as_http
def preliminary_send(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    if S.SENT_TO_INSTITUTION not in TASK_TRANSITIONS.get(task.status, {}):
        # Checked here because the service looks the draft up before its own state check.
        messages.error(request, f"任务当前状态为「{task.get_status_display()}」,不能反馈初步意见")
        return redirect("supervision:task_detail", pk)
    return run_and_flash(
        request,
        lambda: services.preliminary_opinion_send(
            actor=request.user, task=task, row_version=row_version(request)
        ),
        "已将初步督导意见反馈评价机构,申辩期开始计算",
        _detail_url(pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def defence(request: HttpRequest, pk: int) -> HttpResponse:
    """The institution's defence against the preliminary opinion, within the working-day window (ACT-4)."""
    task = selectors.task_get(request.user, pk)
    prelim = Opinion.objects.filter(task=task, kind=Opinion.Kind.PRELIMINARY, sent_at__isnull=False).first()
    return _step_form(
        request,
        pk,
        f.DefenceForm,
        lambda t, data: services.defence_submit(actor=request.user, task=t, text=data["text"]),
        success="申辩意见已提交,委派机构将据此作出督导意见书",
        allowed=lambda user, t: can_answer_for_institution(user, t),
        denied="只有被督导机构可以提出申辩",
        title="提交申辩意见",
        button="提交申辩",
        confirm="提交申辩意见:委派机构将据此作出督导意见书,提交后不可修改。确认提交?",
        show=("preliminary",),
        extra={"defence_deadline": workdays_left(prelim.defence_due_on) if prelim else None},
    )


@login_required
@require_POST
@application_errors_as_http
def defence_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.defence_window_close(
            actor=request.user, task=task, row_version=row_version(request)
        ),
        "已记录申辩期届满",
        _detail_url(pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def opinion_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """The authority weighs the defence and issues the numbered 督导意见书 (ACT-4 step 3)."""
    task = selectors.task_get(request.user, pk)
    prelim = Opinion.objects.filter(task=task, kind=Opinion.Kind.PRELIMINARY).first()
    policy = selectors.policy_for(task.authority_id)
    initial = {
        "body": prelim.body if prelim else "",
        "requirements": prelim.requirements if prelim else "",
        "requires_rectification": True,
        "rectification_due_on": f.default_due(policy.rectification_days),
    }
    return _step_form(
        request,
        pk,
        f.OpinionForm,
        lambda t, data: services.opinion_issue(
            actor=request.user,
            task=t,
            body=data["body"],
            requirements=data["requirements"],
            requires_rectification=data["requires_rectification"],
            rectification_due_on=data.get("rectification_due_on"),
            row_version=row_version(request),
        ),
        success="督导意见书已下达",
        allowed=lambda user, t: can_decide_for_authority(user, t),
        denied="只有委派机构可以下达督导意见书",
        initial=initial,
        title="下达督导意见书",
        button="下达",
        confirm=(
            f"向 {task.institution.name} 下达督导意见书:下达后编号生效、不可修改,机构将收到通知。确认下达?"
        ),
        show=("report", "preliminary"),
    )
