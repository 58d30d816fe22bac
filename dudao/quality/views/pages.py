"""Pages of quality reports (QUAL-1). The authority: create a report for a period, see the ranking,
publish, download the 通报, decide correction requests, close. An institution: its own row of the
published reports, confirm or request a correction until the deadline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.common.errors import ApplicationError
from dudao.documents.responses import document_views, download
from dudao.web.kit import application_errors_as_http, list_page, raise_http, run_and_flash

from .. import documents, permissions, selectors, services
from ..models import QualityReport


@login_required
@application_errors_as_http
def report_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = selectors.reports_for(request.user)
    if status in QualityReport.Status.values:
        qs = qs.filter(status=status)
    today = timezone.localdate()
    return render(
        request,
        "quality/report_list.html",
        {
            "page": list_page(request, qs),
            "status": status,
            "statuses": QualityReport.Status.choices,
            "may_create": permissions.may_create(request.user),
            "default_start": today.replace(month=1, day=1),
            "default_end": today,
        },
    )


@login_required
@require_POST
@application_errors_as_http
def report_create(request: HttpRequest) -> HttpResponse:
    back = reverse("quality:list")
    try:
        report = services.report_create(
            actor=request.user,
            period_start=request.POST.get("period_start", ""),
            period_end=request.POST.get("period_end", ""),
        )
    except ApplicationError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, "质量通报草稿已生成,请核对指标后发布")
    return redirect("quality:detail", pk=report.pk)


@login_required
@application_errors_as_http
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(request.user, pk)
    answers = selectors.responses_of(report)
    all_rows = permissions.sees_all_rows(request.user, report)
    today = timezone.localdate()
    open_for_answers = report.status == QualityReport.Status.PUBLISHED and not services.deadline_passed(
        report
    )
    if all_rows:
        rows = [r | {"answer": answers.get(r["institution_id"])} for r in report.figures]
        own_answer = None
    else:
        own = report.row_of(request.user.institution_id)
        rows = [own | {"answer": answers.get(own["institution_id"])}]
        own_answer = answers.get(request.user.institution_id)
    manage = permissions.may_manage(request.user, report)
    return render(
        request,
        "quality/report_detail.html",
        {
            "report": report,
            "rows": rows,
            "all_rows": all_rows,
            "ranked": sum(1 for r in report.figures if r["rank"] is not None),
            "best": [r for r in report.figures if r["best"]] if all_rows else [],
            "failing": [r for r in report.figures if r["failing"]] if all_rows else [],
            "verified_known": any(r["complaints_verified"] is not None for r in report.figures),
            "manage": manage,
            "pending": [a for a in answers.values() if a.status == "requested"] if manage else [],
            "may_respond": permissions.may_respond(request.user, report)
            and open_for_answers
            and own_answer is None,
            "own_answer": own_answer,
            "open_for_answers": open_for_answers,
            "deadline_passed": services.deadline_passed(report, today),
            "names": {r["institution_id"]: r["name"] for r in report.figures},
        },
    )


def _post(request: HttpRequest, pk: int, call, done: str) -> HttpResponse:
    report = selectors.report_get(request.user, pk)
    url = reverse("quality:detail", args=[report.pk])
    return run_and_flash(request, lambda: call(report), done, url)


@login_required
@require_POST
@application_errors_as_http
def report_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    version = request.POST.get("row_version", "")
    return _post(
        request,
        pk,
        lambda r: services.report_recompute(actor=request.user, report=r, row_version=version),
        "已按最新数据重新统计",
    )


@login_required
@require_POST
@application_errors_as_http
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = request.POST.get("row_version", "")
    return _post(
        request,
        pk,
        lambda r: services.report_publish(actor=request.user, report=r, row_version=version),
        "通报已发布,各机构可在确认期限内确认或申请更正",
    )


@login_required
@require_POST
@application_errors_as_http
def report_close(request: HttpRequest, pk: int) -> HttpResponse:
    version = request.POST.get("row_version", "")
    return _post(
        request,
        pk,
        lambda r: services.report_close(actor=request.user, report=r, row_version=version),
        "通报已办结",
    )


@login_required
@require_POST
@application_errors_as_http
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    previous = selectors.report_get(request.user, pk)
    url = reverse("quality:detail", args=[previous.pk])
    return run_and_flash(
        request,
        lambda: services.report_create(
            actor=request.user,
            period_start=previous.period_start,
            period_end=previous.period_end,
            previous=previous,
        ),
        "更正版通报草稿已生成",
        url,
        then=lambda report: reverse("quality:detail", args=[report.pk]),
    )


@login_required
@require_POST
@application_errors_as_http
def response_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request, pk, lambda r: services.response_confirm(actor=request.user, report=r), "已确认本机构数据"
    )


@login_required
@require_POST
@application_errors_as_http
def response_correction(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _post(
        request,
        pk,
        lambda r: services.response_request_correction(actor=request.user, report=r, reason=reason),
        "更正申请已提交,等待委派机构审核",
    )


@login_required
@require_POST
@application_errors_as_http
def response_decide(request: HttpRequest, pk: int, response_id: int) -> HttpResponse:
    action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
    done = "已采纳更正申请,可生成更正版通报" if action == "accept" else "已决定不采纳更正申请"
    return _post(
        request,
        pk,
        lambda r: services.response_decide(
            actor=request.user, report=r, response=response_id, action=action, reason=reason
        ),
        done,
    )


def _document(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = selectors.report_get(request.user, pk)
    if not permissions.sees_all_rows(request.user, report):
        raise Http404("文书不存在")
    return download(request, lambda: documents.render(report, fmt), reverse("quality:detail", args=[pk]))


document_docx, document_pdf = document_views(_document)
