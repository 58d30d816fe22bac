"""Downloads of the exam papers (DOCX and PDF from the same template): admission tickets (one, a plan's
all, or the candidate's own), seat lists and room records. Reads are scoped like the pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dudao.common.errors import IllegalTransition, NotFound
from dudao.documents.responses import download
from dudao.web.kit import application_errors_as_http

from .. import documents, public_limits, selectors, services
from ..models import Registration

FORMATS = ("docx", "pdf")


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound()
    return fmt


def _ticket(registration: Registration, fmt: str) -> tuple[bytes, str]:
    render = documents.ticket_pdf if fmt == "pdf" else documents.ticket_docx
    return render(registration), f"准考证-{registration.ticket_number}.{fmt}"


@require_GET
@application_errors_as_http
def ticket(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    registration = selectors.registration_get(request.user, pk)
    back = reverse("exams:registration_detail", args=[pk])
    return download(request, lambda: _ticket(registration, _fmt(fmt)), back)


@require_GET
@application_errors_as_http
def plan_tickets(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Every approved candidate's ticket of the plan, one page each, in ticket-number order (to print)."""
    plan = selectors.plan_get(request.user, pk)
    registrations = list(
        selectors.registrations_for(request.user)
        .filter(plan=plan, status=Registration.Status.APPROVED)
        .order_by("ticket_number")
    )
    if not registrations:
        raise IllegalTransition("还没有资格审核通过的考生")
    render = documents.tickets_pdf if _fmt(fmt) == "pdf" else documents.tickets_docx
    back = reverse("exams:arrangement", args=[pk])
    return download(request, lambda: (render(registrations), f"准考证-{plan.batch.code}.{fmt}"), back)


@require_GET
@application_errors_as_http
def seat_list(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    room = selectors.room_get(request.user, pk)
    render = documents.seat_list_pdf if _fmt(fmt) == "pdf" else documents.seat_list_docx
    back = reverse("exams:arrangement", args=[room.session.plan_id])
    return download(request, lambda: (render(room), f"座位表-{room.name}.{fmt}"), back)


@require_GET
@application_errors_as_http
def room_record(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    room = selectors.room_get(request.user, pk)
    render = documents.room_record_pdf if _fmt(fmt) == "pdf" else documents.room_record_docx
    back = reverse("exams:arrangement", args=[room.session.plan_id])
    return download(request, lambda: (render(room), f"考场记录-{room.name}.{fmt}"), back)


@require_POST
@application_errors_as_http
def my_ticket(request: HttpRequest) -> HttpResponse:
    """The candidate's own ticket (PDF): the own-registration page's signed token (or 报名号 + ID number) in
    the POST body, never in the URL (ADR 0004)."""
    public_limits.lookup(request)
    if "token" in request.POST:
        registration = services.registration_from_token(request.POST.get("token"))
        if registration is None:
            raise NotFound("页面已过期,请重新输入报名号和身份证号")
    else:
        registration = services.find_own_registration(
            request.POST.get("number"), request.POST.get("id_number")
        )
        if registration is None:
            raise NotFound("报名号与身份证号不匹配,请核对")
    if not registration.ticket_number or registration.status != Registration.Status.APPROVED:
        raise IllegalTransition("资格审核通过后才能打印准考证")
    return download(
        request, lambda: _ticket(registration, "pdf"), reverse("exams:my_registration"), inline_pdf=False
    )
