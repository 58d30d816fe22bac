"""The authority's complaint pages (COMPL-2): the list in its region with the acceptance deadlines, a
complaint's detail, accept or decline with a reason, and the filer's identity for users with the right
(shown on the answer to a POST, each view audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.common.errors import ApplicationError
from dudao.common.transitions import allowed_next
from dudao.documents.responses import document_response
from dudao.people.selectors import examiners_for, supervisors_for
from dudao.supervision.selectors import penalties_for
from dudao.supervision.workflow import CONTENT_AREAS, PENALTY_GROUNDS
from dudao.web.kit import application_errors_as_http, list_page, raise_http, run_and_flash

from .. import documents, domain, handling, selectors, services
from ..models import Complaint
from ..permissions import may_act, may_assign, may_handle, may_see_filer
from ..transitions import HANDLING


@login_required
@application_errors_as_http
def complaint_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = selectors.complaints_for(request.user)
    if status in Complaint.Status.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "complaints/complaint_list.html",
        {
            "page": list_page(request, qs.order_by("status", "accept_by", "-id")),
            "status": status,
            "statuses": Complaint.Status.choices,
        },
    )


def _handling_context(user: Any, complaint: Complaint) -> dict[str, Any]:
    """What the handling cards show: the handlers, the persons concerned and the next step `user` may take."""
    open_for_handlers = complaint.status in domain.OPEN_FOR_HANDLERS
    assign = may_assign(user, complaint) and open_for_handlers
    act = may_act(user, complaint)
    concerned = list(complaint.persons_concerned.order_by("name"))
    context: dict[str, Any] = {
        "handlers": list(complaint.handlers.select_related("user").order_by("assigned_at", "id")),
        "concerned": concerned,
        "may_assign": assign,
        "candidates": handling.handler_candidates(complaint) if assign else [],
        "may_record_concerned": act and open_for_handlers,
        "next_step": next(iter(allowed_next(HANDLING, complaint, user)), None),
        "findings": Complaint.Finding.choices,
        "dispositions": Complaint.Disposition.choices,
        "measures": Complaint.Measure.choices,
        "grounds": list(PENALTY_GROUNDS.items()),
        "ground_label": PENALTY_GROUNDS.get(complaint.penalty_ground, ""),
    }
    context["may_dispatch"] = (
        act and complaint.status == Complaint.Status.INVESTIGATING and not complaint.task_id
    )
    context["may_impose"] = (
        may_assign(user, complaint)
        and complaint.disposition == Complaint.Disposition.PENALTY_PROPOSAL
        and not complaint.penalty_id
    )
    if context["may_impose"]:  # INST-4: the rung below that this decision may build on
        context["earlier_penalties"] = (
            penalties_for(user).filter(institution_id=complaint.institution_id).order_by("-decided_at")[:50]
        )
    if context["may_dispatch"]:
        context["task_supervisors"] = (
            supervisors_for(user)
            .filter(status="active")
            .select_related("person")
            .order_by("person__name")[:300]
        )
        context["content_areas"] = [(k, v) for k, v in CONTENT_AREAS.items() if k != "3"]
    if context["may_record_concerned"]:
        chosen = {p.pk for p in concerned}
        context["examiners"] = examiners_for(user).select_related("person").order_by("person__name")[:300]
        context["supervisors"] = supervisors_for(user).select_related("person").order_by("person__name")[:300]
        context["chosen"] = chosen
    return context


def _detail(request: HttpRequest, complaint: Complaint, filer: dict | None = None) -> HttpResponse:
    return render(
        request,
        "complaints/complaint_detail.html",
        {
            "complaint": complaint,
            "may_decide": may_handle(request.user, complaint)
            and complaint.status == Complaint.Status.RECEIVED,
            "may_see_filer": may_see_filer(request.user, complaint),
            "filer": filer,
            **_handling_context(request.user, complaint),
        },
    )


@login_required
@application_errors_as_http
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.complaint_get(request.user, pk))


@login_required
@require_POST
@application_errors_as_http
def complaint_decide(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get(request.user, pk)
    action = request.POST.get("action", "")
    action = action if action in ("accept", "decline") else "accept_or_decline"
    done = "已受理,办结期限已确定" if action == "accept" else "已决定不予受理,理由已作为答复告知投诉人"
    url = reverse("complaints:detail", args=[complaint.pk])
    return run_and_flash(
        request,
        lambda: services.complaint_decide(
            actor=request.user,
            complaint=complaint,
            action=action,
            reason=request.POST.get("reason", ""),
            row_version=request.POST.get("row_version", ""),
        ),
        done,
        url,
    )


@login_required
@require_POST
@application_errors_as_http
def complaint_filer(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get(request.user, pk)
    return _detail(request, complaint, services.complaint_filer(actor=request.user, complaint=complaint))


@login_required
@application_errors_as_http
def complaint_document(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    """The acceptance / decline notice or the reply as DOCX or PDF, for those who may see the complaint; the
    filer is named only for a viewer with the right (documents.recipient, audited)."""
    if kind not in documents.KINDS or fmt not in documents.FORMATS:
        raise Http404("文书不存在")
    complaint = selectors.complaint_get(request.user, pk)
    try:
        data, filename = documents.render(request.user, complaint, kind, fmt)
    except ApplicationError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
        return redirect("complaints:detail", pk=pk)
    return document_response(data, filename=filename)
