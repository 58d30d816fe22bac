"""Rectification (ACT-6): order, the institution's submission with evidence, the review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from dudao.common.files import ACCEPT
from dudao.web.kit import application_errors_as_http, error_of, is_partial_request

from .. import forms as f
from .. import presenters, selectors, services
from ..models import Rectification
from ..permissions import (
    can_answer_for_institution,
    can_manage_task,
    can_reverify,
)
from .common import (
    days_left,
    require,
    row_version,
)
from .steps import _step_form


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def rectification_order(request: HttpRequest, pk: int) -> HttpResponse:
    """Order rectification after a daily supervision's report (ACT-6)."""
    task = selectors.task_get(request.user, pk)
    policy = selectors.policy_for(task.authority_id)
    return _step_form(
        request,
        pk,
        f.RectificationOrderForm,
        lambda t, data: services.rectification_order(
            actor=request.user,
            task=t,
            requirements=data["requirements"],
            due_on=data.get("due_on"),
            row_version=row_version(request),
        ),
        success="已下达整改要求",
        allowed=lambda user, t: can_manage_task(user, t),
        denied="只有委派机构可以下达整改要求",
        initial={"due_on": f.default_due(policy.rectification_days)},
        title="下达整改要求",
        confirm=f"向 {task.institution.name} 下达整改要求:机构将收到通知,整改期限自今日起算。确认下达?",
        button="下达整改要求",
        show=("report", "findings"),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    """The institution's rectification: evidence uploaded one by one, then the report, by the deadline."""
    task = selectors.task_get(request.user, pk)
    require(bool(can_answer_for_institution(request.user, task)), "只有被督导机构可以提交整改材料")
    open_round = (
        Rectification.objects.filter(task=task, status=Rectification.Status.ORDERED)
        .order_by("-round_no")
        .first()
    )
    return _step_form(
        request,
        pk,
        f.RectificationSubmitForm,
        lambda t, data: services.rectification_submit(actor=request.user, task=t, plan=data["plan"]),
        success="整改材料已提交,等待复核",
        allowed=lambda user, t: can_answer_for_institution(user, t),
        denied="只有被督导机构可以提交整改材料",
        title="提交整改材料",
        button="提交整改",
        confirm=(
            f"提交第 {open_round.round_no if open_round else 1} 轮整改材料(已上传的材料以页面列表为准):"
            "提交后等待复核,不能再上传或删除材料。确认提交?"
        ),
        show=("final", "rectification_upload"),
        extra={
            "open_round": open_round,
            "rectification_deadline": days_left(open_round.due_on) if open_round else None,
            "rect_evidence": _round_evidence(pk, open_round),
            "accept": ACCEPT,
        },
    )


def _round_evidence(pk: int, row: Rectification | None) -> list[dict[str, Any]]:
    if row is None:
        return []
    return [
        presenters._evidence_row(pk, e, "supervision_rectification_evidence")
        for e in row.evidence.order_by("id")
    ]


@login_required
@require_POST
@application_errors_as_http
def rectification_evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    error = error_of(
        lambda: services.rectification_attach_evidence(
            actor=request.user, task=task, file=request.FILES.get("file")
        )
    )
    if not is_partial_request(request):
        if error:
            messages.error(request, error)
        return redirect("supervision:rectification", pk)
    open_round = (
        Rectification.objects.filter(task=task, status=Rectification.Status.ORDERED)
        .order_by("-round_no")
        .first()
    )
    return render(
        request,
        "supervision/partials/rectification_evidence.html",
        {
            "task": task,
            "rect_evidence": _round_evidence(pk, open_round),
            "evidence_error": error,
            "accept": ACCEPT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def rectification_review(request: HttpRequest, pk: int) -> HttpResponse:
    """复核 (ACT-6): passed → reverified; not passed → a new round with requirements and a deadline."""
    task = selectors.task_get(request.user, pk)
    policy = selectors.policy_for(task.authority_id)
    return _step_form(
        request,
        pk,
        f.RectificationReviewForm,
        lambda t, data: services.rectification_review(
            actor=request.user,
            task=t,
            passed=data["passed"],
            note=data["note"],
            requirements=data["requirements"],
            due_on=data.get("due_on"),
            row_version=row_version(request),
        ),
        success="已记录复核结论",
        allowed=lambda user, t: can_reverify(user, t),
        denied="只有委派机构或督导组组长可以复核",
        initial={"due_on": f.default_due(policy.rectification_days)},
        title="整改复核",
        confirm="保存复核结论:通过则整改完成;不通过则开始新一轮整改并通知机构。结论不可更改,确认保存?",
        button="保存复核结论",
        show=("rectification",),
    )
