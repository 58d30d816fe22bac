"""Downloads of the supervision papers: 督导报告, 初步督导意见 / 督导意见书, 处理决定 (DOCX and PDF).

DESIGN: every official paper has a print/download button. Reads go through `documents.report_for`,
`opinion_for`, `penalty_for` (the supervision selectors' scope): out of scope → 404, covert tasks hidden from
the institution until their report, an unsent preliminary opinion hidden from the institution. A paper that
cannot be produced (no LibreOffice for the PDF, a broken admin template) sends the user back to the page
with the reason; the DOCX stays available.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from dudao.documents.responses import document_views, download

from .. import documents, documents_termination

TASK_PAGE = "/supervision/tasks/{pk}/"
PENALTY_PAGE = "/supervision/penalties/{pk}/"
TERMINATION_PAGE = "/supervision/terminations/{pk}/"


def _task_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    task, report = documents.report_for(request.user, pk, request.GET.get("version"))
    return download(request, lambda: documents.render_report(task, report, fmt), TASK_PAGE.format(pk=task.pk))


def _opinion(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    opinion = documents.opinion_for(request.user, pk)
    return download(
        request, lambda: documents.render_opinion(opinion, fmt), TASK_PAGE.format(pk=opinion.task_id)
    )


def _penalty(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    penalty = documents.penalty_for(request.user, pk)
    return download(
        request, lambda: documents.render_penalty(penalty, fmt), PENALTY_PAGE.format(pk=penalty.pk)
    )


# 督导报告 (latest version; `?version=N` for an earlier one), 初步督导意见 or 督导意见书, 处理决定 (INST-4).
task_report_docx, task_report_pdf = document_views(_task_report)
opinion_docx, opinion_pdf = document_views(_opinion)
penalty_docx, penalty_pdf = document_views(_penalty)


def _termination(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    t = documents_termination.termination_for(request.user, pk)
    return download(
        request, lambda: documents_termination.render_termination(t, fmt), TERMINATION_PAGE.format(pk=t.pk)
    )


# 拟终止备案告知书 (termination of a filing after a missed rectification).
termination_docx, termination_pdf = document_views(_termination)
