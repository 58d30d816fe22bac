"""The on-site page: checklist per ACT-1 area, findings saved per item with htmx, camera evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dudao.common.files import ACCEPT
from dudao.exams import selectors as exam_selectors
from dudao.web.kit import application_errors_as_http, error_of, is_partial_request, run_and_flash

from .. import presenters, selectors, services, workflow
from ..models import SupervisionTask
from ..permissions import (
    is_accepted_member,
    is_task_leader,
)
from .common import (
    require,
    row_version,
)
from .steps import S


# ------------------------------------------------------------------------------------------------ on site
@login_required
@require_POST
@application_errors_as_http
def task_start(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.task_start_on_site(actor=request.user, task=task, row_version=row_version(request)),
        "已开始现场督导,请逐项记录督导发现",
        reverse("supervision:task_detail", args=[pk]),
        then=lambda _: reverse("supervision:onsite", args=[pk]),
    )


def _onsite_context(request: HttpRequest, task: SupervisionTask, **extra: Any) -> dict[str, Any]:
    d = presenters.task_detail(request.user, task)
    by_area: dict[str, list[dict[str, Any]]] = {}
    for finding in d["findings"]:
        by_area.setdefault(finding["content_area"], []).append(finding)
    areas = [
        {**a, "dom": _area_dom(a["content_area"]), "findings": by_area.get(a["content_area"], [])}
        for a in d["checklist"]
    ]
    checked = sum(1 for a in areas if a["checked"])
    return {
        "task": task,
        "d": d,
        "areas": areas,
        "checked": checked,
        "total": len(areas),
        "percent": int(checked * 100 / len(areas)) if areas else 0,
        "editable": task.status == S.ON_SITE and bool(is_accepted_member(request.user, task)),
        "leader": bool(is_task_leader(request.user, task)),
        "methods": workflow.METHODS,
        "severities": workflow.SEVERITIES,
        "default_method": "covert_visit" if task.covert else "open_visit",
        "accept": ACCEPT,
        "me": request.user.pk,
        # the exam's attendance and room records, for findings to cite (issue 10 §7)
        "exam_live": exam_selectors.live_for_batch(request.user, task.batch),
        **extra,
    }


def _area_dom(code: str) -> str:
    return "area-" + code.replace(".", "_")


@login_required
@require_GET
@application_errors_as_http
def onsite(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page on site: checklist per ACT-1 area with progress; findings saved per item."""
    task = selectors.task_get(request.user, pk)
    require(bool(is_accepted_member(request.user, task)), "只有已接受任务的督导组成员可以进行现场督导")
    return render(request, "supervision/onsite.html", _onsite_context(request, task))


def _area_response(request: HttpRequest, pk: int, code: str, **extra: Any) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    context = _onsite_context(request, task, **extra)
    area = next((a for a in context["areas"] if a["content_area"] == code), None)
    if area is None or not is_partial_request(request):
        if extra.get("add_error"):
            messages.error(request, extra["add_error"])
        return redirect(reverse("supervision:onsite", args=[pk]) + (f"#{_area_dom(code)}" if area else ""))
    context["area"] = area
    return render(request, "supervision/partials/onsite_area_swap.html", context)


@login_required
@require_POST
@application_errors_as_http
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    code = request.POST.get("content_area", "")
    error = error_of(
        lambda: services.finding_add(
            actor=request.user,
            task=task,
            content_area=code,
            method=request.POST.get("method", ""),
            severity=request.POST.get("severity", ""),
            description=request.POST.get("description", ""),
        )
    )
    return _area_response(
        request,
        pk,
        code,
        add_error=error,
        add_values=request.POST if error else None,
    )


@login_required
@require_POST
@application_errors_as_http
def finding_update(request: HttpRequest, pk: int, finding_id: int) -> HttpResponse:
    """htmx: save one finding (method, severity, description); answers with its status and the progress."""
    finding = selectors.finding_get(request.user, pk, finding_id)
    changes = {k: request.POST[k] for k in ("method", "severity", "description") if k in request.POST}
    error = error_of(
        lambda: services.finding_update(
            actor=request.user, finding=finding, row_version=row_version(request), **changes
        )
    )
    task = selectors.task_get(request.user, pk)
    if not is_partial_request(request):
        if error:
            messages.error(request, error)
        return redirect("supervision:onsite", pk)
    context = _onsite_context(request, task, error=error)
    finding_data = presenters.finding_row(selectors.finding_get(request.user, pk, finding_id))
    context["finding"] = finding_data
    context["area"] = next(a for a in context["areas"] if a["content_area"] == finding_data["content_area"])
    context["saved_at"] = timezone.localtime()
    return render(request, "supervision/partials/finding_saved.html", context)


@login_required
@require_POST
@application_errors_as_http
def finding_delete(request: HttpRequest, pk: int, finding_id: int) -> HttpResponse:
    finding = selectors.finding_get(request.user, pk, finding_id)
    code = finding.content_area
    error = error_of(lambda: services.finding_delete(actor=request.user, finding=finding))
    return _area_response(request, pk, code, add_error=error)


def _evidence_response(request: HttpRequest, pk: int, finding_id: int, error: str = "") -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    if not is_partial_request(request):
        if error:
            messages.error(request, error)
        return redirect("supervision:onsite", pk)
    context = _onsite_context(request, task)
    context["finding"] = presenters.finding_row(selectors.finding_get(request.user, pk, finding_id))
    context["evidence_error"] = error
    return render(request, "supervision/partials/finding_evidence.html", context)


@login_required
@require_POST
@application_errors_as_http
def evidence_upload(request: HttpRequest, pk: int, finding_id: int) -> HttpResponse:
    """htmx: a photo from the camera (or a file) for one finding; type checked by content, stored by hash."""
    finding = selectors.finding_get(request.user, pk, finding_id)
    error = error_of(
        lambda: services.finding_attach_evidence(
            actor=request.user, finding=finding, file=request.FILES.get("file")
        )
    )
    return _evidence_response(request, pk, finding_id, error)


@login_required
@require_POST
@application_errors_as_http
def evidence_delete(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    evidence = selectors.finding_evidence_get(request.user, pk, evidence_id)
    finding_id = evidence.finding_id
    error = error_of(lambda: services.finding_remove_evidence(actor=request.user, evidence=evidence))
    return _evidence_response(request, pk, finding_id, error)
