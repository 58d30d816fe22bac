"""A member's answer to a dispatch (accept / decline) and the authority's review and replacement (SUP-10)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from dudao.people.models import Supervisor
from dudao.web.kit import application_errors_as_http, run_and_flash, run_form, safe_next

from .. import forms as f
from .. import selectors, services
from ..permissions import (
    can_manage_task,
)
from .common import (
    require,
    row_version,
)
from .steps import _detail_url, _form_page, _my_member


# -------------------------------------------------------------------------------------- member answers
@login_required
@require_POST
@application_errors_as_http
def task_accept(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    nxt = safe_next(request, _detail_url(pk))  # a page of this site only (`//evil.host` is not)
    return run_and_flash(
        request, lambda: services.task_accept(actor=request.user, task=task), "已接受任务", nxt
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_decline(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    require(_my_member(request.user, task) is not None, "您不是该任务督导组的成员")
    form = f.DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _ = run_form(
            form,
            lambda: services.task_decline(
                actor=request.user,
                task=task,
                reason=form.cleaned_data["reason"],
                reason_kind=form.cleaned_data["reason_kind"],
            ),
        )
        if ok:
            messages.success(request, "已拒绝任务,委派机构将审核理由")
            return redirect("supervision:task_mine")
    return _form_page(
        request,
        task,
        form,
        title="拒绝任务",
        button="确认拒绝",
        danger=True,
        confirm="拒绝本次派遣:委派机构将审核理由,理由不成立的记入违规记录。确认拒绝?",
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def member_review(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    """The authority judges a decline's reason (SUP-10)."""
    member = selectors.member_get(request.user, pk, member_id)
    task = selectors.task_get(request.user, pk)
    require(can_manage_task(request.user, task), "没有审核的权限")
    form = f.ReviewDeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _ = run_form(
            form,
            lambda: services.member_review_decline(
                actor=request.user,
                member=member,
                justified=form.cleaned_data["justified"],
                note=form.cleaned_data["note"],
                row_version=row_version(request),
            ),
        )
        if ok:
            messages.success(request, "已审核拒绝理由")
            return redirect("supervision:task_detail", pk)
    return _form_page(
        request,
        task,
        form,
        title=f"审核拒绝理由:{member.supervisor.person.name}",
        confirm=(
            f"保存对 {member.supervisor.person.name} 拒绝理由的审核结论:理由不成立的将记入违规记录。确认保存?"
        ),
        button="保存审核结论",
        note=(
            f"拒绝理由:{member.get_decline_reason_kind_display() or '未选择类别'} "
            f"{member.decline_reason or '(未说明理由)'}"
        ),
        version=member.row_version,
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def member_replace(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    """Replace a member who declined by another eligible supervisor (the service checks every constraint)."""
    member = selectors.member_get(request.user, pk, member_id)
    task = selectors.task_get(request.user, pk)
    require(can_manage_task(request.user, task), "没有调整督导组的权限")
    current = [m.supervisor_id for m in task.members.all()]
    candidates = (
        selectors.supervisors_for(request.user)
        .filter(kind=task.supervisor_kind, status=Supervisor.Status.ACTIVE, dismissal_flag=False)
        .exclude(pk__in=current)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    form = f.ReplaceForm(request.POST or None, supervisors=candidates)
    if request.method == "POST" and form.is_valid():
        ok, _ = run_form(
            form,
            lambda: services.member_replace(
                actor=request.user, member=member, supervisor=form.cleaned_data["supervisor"]
            ),
        )
        if ok:
            messages.success(request, "已替换督导组成员并通知新成员")
            return redirect("supervision:task_detail", pk)
    return _form_page(
        request,
        task,
        form,
        title=f"替换督导组成员:{member.supervisor.person.name}",
        confirm=f"替换 {member.supervisor.person.name}:新成员将立即收到派遣通知。确认替换?",
        button="替换",
        note="新成员须满足证卡有效、回避、时间不冲突等条件,不满足时系统会说明原因。",
    )
