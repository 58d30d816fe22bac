"""Staff pages of results and certificates (issue 11): the plan's results, publication (EXAM-9, 17), the
objections and their handling, issuing certificates after the window (EXAM-12), the certificate list with
its PDF and voiding by the issuer (CERT-4)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.common.errors import NotFound
from dudao.web.kit import application_errors_as_http, list_page, run_and_flash
from dudao.workdays.selectors import calendar

from .. import selectors, services
from ..documents_certificate import certificate_pdf
from ..domain.results import SUBJECT_NAMES
from ..models import ExamResult, Marking, Objection, ResultConfirmation, ResultPublication
from ..permissions import may_administer, may_confirm
from ..reminders import objection_due_on
from ..selectors_certificates import certificate_get, certificates_for
from ..services.result_confirmation import confirmation_required, publication_confirmation_refusal
from ..services.results import windows_provisional
from .staff import _plan_context
from .uploads import upload_context

PAGE_SIZE = 50


@login_required
@application_errors_as_http
def results(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    if not selectors.oversees(request.user, plan):  # an examiner reads only his rooms' candidates
        raise NotFound()
    context = _plan_context(request, plan, "results")
    rows = ExamResult.objects.filter(registration__plan=plan).select_related("registration__person")
    q = request.GET.get("q", "").strip()[:64]
    if q:
        rows = rows.filter(registration__number__startswith=q.upper()) | rows.filter(
            registration__person__name__startswith=q
        )
    page = list_page(request, rows.order_by("registration__level", "registration__number"))
    publication = ResultPublication.objects.filter(plan=plan).first()
    context.update(
        page=page,
        q=q,
        subject_names=SUBJECT_NAMES,
        publication=publication,
        windows_provisional=bool(publication and windows_provisional(publication)),
        objections=_objections(plan),
        certificates=list(
            certificates_for(request.user).filter(registration__plan=plan).order_by("number")[:PAGE_SIZE]
        ),
        certificate_count=certificates_for(request.user).filter(registration__plan=plan).count(),
        may_administer=may_administer(request.user, plan),
        may_confirm=may_confirm(request.user, plan),
        confirmation=ResultConfirmation.objects.filter(plan=plan).first(),
        confirmation_policy=confirmation_required(plan.batch.filing.authority),
        confirmation_refusal=publication_confirmation_refusal(plan),
        passed=ExamResult.objects.filter(registration__plan=plan, passed=True).count(),
        failed=ExamResult.objects.filter(registration__plan=plan, passed=False).count(),
        **upload_context(request, plan),
    )
    return render(request, "exams/staff/results.html", context)


def _objections(plan) -> list[Objection]:
    """The plan's objections; `marking_pk` on those whose subject was marked online (corrected on the
    marking page and signed again, not typed here)."""
    online = {
        (subject, level): pk
        for pk, subject, level in Marking.objects.filter(session__plan=plan).values_list(
            "pk", "session__subject", "session__level"
        )
    }
    rows = list(Objection.objects.filter(registration__plan=plan).select_related("registration__person"))
    days = calendar()
    for row in rows:
        row.marking_pk = online.get((row.subject, row.registration.level))
        if row.status == Objection.Status.OPEN:  # EXAM-17: handled within the configured working days
            row.due_on = objection_due_on(row.filed_at, days).date
    return rows


def _done(request: HttpRequest, pk: int, call, success: str) -> HttpResponse:
    return run_and_flash(request, call, success, reverse("exams:results", args=[pk]))


@login_required
@require_POST
@application_errors_as_http
def results_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    return _done(request, pk, lambda: services.results_publish(actor=request.user, plan=plan), "成绩已公示")


@login_required
@require_POST
@application_errors_as_http
def results_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    return _done(
        request, pk, lambda: services.results_submit(actor=request.user, plan=plan), "成绩已提交认定中心确认"
    )


@login_required
@require_POST
@application_errors_as_http
def results_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    approve = request.POST.get("decision") == "confirm"
    return _done(
        request,
        pk,
        lambda: services.results_confirm(
            actor=request.user, plan=plan, approve=approve, reason=request.POST.get("reason", "")
        ),
        "已确认成绩" if approve else "已退回成绩",
    )


@login_required
@require_POST
@application_errors_as_http
def certificates_issue(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    return _done(
        request, pk, lambda: services.certificates_issue(actor=request.user, plan=plan), "证书已发放"
    )


@login_required
@require_POST
@application_errors_as_http
def objection_handle(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    objection = Objection.objects.filter(pk=objection_pk, registration__plan=plan).first()
    if objection is None:
        raise NotFound()
    marks = None
    corrected = request.POST.get("mark", "").strip()
    if corrected:
        try:
            marks = {"subject": objection.subject, "mark": float(corrected)}
        except ValueError:
            messages.error(request, "更正后的分数应为数字")
            return redirect("exams:results", pk)
    return _done(
        request,
        pk,
        lambda: services.objection_handle(
            actor=request.user, objection=objection, outcome=request.POST.get("outcome"), subject_marks=marks
        ),
        "复核申请已处理",
    )


@login_required
@application_errors_as_http
def certificate_download(request: HttpRequest, number: str) -> HttpResponse:
    cert = certificate_get(request.user, number)
    response = HttpResponse(certificate_pdf(cert), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.pdf"'
    return response


@login_required
@require_POST
@application_errors_as_http
def certificate_void(request: HttpRequest, number: str) -> HttpResponse:
    cert = certificate_get(request.user, number)
    return _done(
        request,
        cert.registration.plan_id,
        lambda: services.certificate_void(
            actor=request.user,
            certificate=cert,
            reason=request.POST.get("reason"),
            row_version=request.POST.get("row_version"),
        ),
        f"证书 {cert.number} 已注销",
    )
