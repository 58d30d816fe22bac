"""Downloads of the supervision papers: 督导报告, 初步督导意见 / 督导意见书, 处理决定 (DOCX and PDF).

DESIGN: every official paper has a print/download button. Reads go through `documents.report_for`,
`opinion_for`, `penalty_for` (the supervision selectors' scope): out of scope → 404, covert tasks hidden from
the institution until their report, an unsent preliminary opinion hidden from the institution. A paper that
cannot be produced (no LibreOffice for the PDF, a broken admin template) sends the user back to the page
with the reason; the DOCX stays available.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from dudao.documents.render import DocumentError
from dudao.documents.responses import document_response
from dudao.web.kit import application_errors_as_http

from .. import documents

TASK_PAGE = "/supervision/tasks/{pk}/"
PENALTY_PAGE = "/supervision/penalties/{pk}/"


def _download(request: HttpRequest, produce, back: str) -> HttpResponse:
    try:
        data, filename = produce()
    except DocumentError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    inline = filename.endswith(".pdf") and request.GET.get("inline") == "1"  # preview in the browser
    return document_response(data, filename=filename, as_attachment=not inline)


def _task_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    task, report = documents.report_for(request.user, pk, request.GET.get("version"))
    return _download(
        request, lambda: documents.render_report(task, report, fmt), TASK_PAGE.format(pk=task.pk)
    )


def _opinion(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    opinion = documents.opinion_for(request.user, pk)
    return _download(
        request, lambda: documents.render_opinion(opinion, fmt), TASK_PAGE.format(pk=opinion.task_id)
    )


def _penalty(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    penalty = documents.penalty_for(request.user, pk)
    return _download(
        request, lambda: documents.render_penalty(penalty, fmt), PENALTY_PAGE.format(pk=penalty.pk)
    )


@require_GET
@login_required
@application_errors_as_http
def task_report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """督导报告 (latest version; `?version=N` for an earlier one) as DOCX."""
    return _task_report(request, pk, "docx")


@require_GET
@login_required
@application_errors_as_http
def task_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """督导报告 as PDF (`?inline=1` opens it in the browser)."""
    return _task_report(request, pk, "pdf")


@require_GET
@login_required
@application_errors_as_http
def opinion_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """初步督导意见 or 督导意见书 as DOCX."""
    return _opinion(request, pk, "docx")


@require_GET
@login_required
@application_errors_as_http
def opinion_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """初步督导意见 or 督导意见书 as PDF."""
    return _opinion(request, pk, "pdf")


@require_GET
@login_required
@application_errors_as_http
def penalty_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """处理决定 (INST-4) as DOCX."""
    return _penalty(request, pk, "docx")


@require_GET
@login_required
@application_errors_as_http
def penalty_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """处理决定 (INST-4) as PDF."""
    return _penalty(request, pk, "pdf")
