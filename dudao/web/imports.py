"""One view for every Excel import page: template download, upload form, all-or-nothing import, errors."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dudao.common import imports
from dudao.common.errors import NotFound, PermissionDenied
from dudao.common.excel import Column, ImportFailed, RowError, error_workbook, run_import, template_workbook

from .kit import export_response

# Above this many errors the report is not inlined into the page as a data: URL (it stays in the table).
_MAX_INLINE_REPORT_ERRORS = 5000


def _failure_context(exc: ImportFailed) -> dict[str, Any]:
    errors = exc.errors
    report = ""
    if errors and len(errors) <= _MAX_INLINE_REPORT_ERRORS:
        report = base64.b64encode(error_workbook(errors)).decode("ascii")
    return {"import_errors": errors, "import_error_message": exc.message, "import_error_report": report}


def _start_job(request: HttpRequest, kind: str, upload, success_url: str) -> HttpResponse:
    """A large file runs as a background task (django-tasks): the user follows it on its progress page."""
    from dudao.common.models import ImportJob
    from dudao.common.tasks import run_import_job

    job = ImportJob.objects.create(
        kind=kind, filename=upload.name[:255], data=upload.read(), user=request.user, success_url=success_url
    )
    run_import_job.enqueue(job.pk)
    return redirect("web:import_job", pk=job.pk)


def _job_for(request: HttpRequest, pk: int):
    from dudao.common.models import ImportJob

    job = ImportJob.objects.filter(pk=pk, user=request.user).first()  # only the importer sees it
    if job is None:
        raise Http404("导入任务不存在")
    return job


def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress page of a background import; the status part polls itself (htmx) until it has run."""
    job = _job_for(request, pk)
    template = (
        "web/partials/import_job_status.html" if request.headers.get("HX-Request") else "web/import_job.html"
    )
    return render(request, template, {"job": job, "label": imports.get_kind(job.kind).label})


def import_job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The errors of a refused background import as an .xlsx report (行, 列, 填写的值, 错误)."""
    job = _job_for(request, pk)
    errors = [RowError(int(e["row"]), e["column"], e["message"], e.get("value", "")) for e in job.errors]
    return export_response(f"导入错误报告_{job.pk}.xlsx", error_workbook(errors))


def import_view(
    request: HttpRequest,
    *,
    columns: Sequence[Column],
    row_service_factory: Callable[[Any], Callable[[dict[str, Any]], object]] | None = None,
    template_name: str,
    success_url: str,
    sheet_name: str,
    example_rows: Sequence[Mapping[str, Any]] = (),
    extra_context: Mapping[str, Any] | None = None,
    kind: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """GET: the page (with `web/partials/import_form.html`); `?template=1`: the template; POST: import.

    `kind` (dudao.common.imports): the import runs the kind's bulk service (every error of every row, all
    or nothing), the same as `dudao import KIND`; otherwise `row_service_factory` row by row. `options`: the
    kind's own (candidates: {"batch": code}); such an import runs in the request (ImportJob keeps no options).
    """
    context: dict[str, Any] = {"columns": columns, "sheet_name": sheet_name, **(extra_context or {})}
    if request.method == "GET" and request.GET.get("template"):
        data = template_workbook(columns, sheet_name=sheet_name, example_rows=example_rows)
        return export_response(f"{sheet_name}导入模板.xlsx", data)
    if request.method != "POST":
        return render(request, template_name, context)

    upload = request.FILES.get("file")
    failure: ImportFailed | None = None
    if upload is None:
        failure = ImportFailed(
            "请选择要导入的 .xlsx 文件", errors=[RowError(0, "", "请选择要导入的 .xlsx 文件")]
        )
    elif upload.size is not None and upload.size > settings.DUDAO_UPLOAD_MAX_BYTES:
        limit = settings.DUDAO_UPLOAD_MAX_BYTES / 1048576
        message = f"文件过大:{upload.size / 1048576:.1f} MB,上限为 {limit:.1f} MB"
        failure = ImportFailed(message, errors=[RowError(0, "", message)])
    if failure is None:
        try:
            background = upload.size and upload.size > settings.DUDAO_IMPORT_BACKGROUND_BYTES
            if kind is not None and background and not options:
                return _start_job(request, kind, upload, success_url)
            if kind is not None:
                count = imports.run(
                    kind, upload.read(), actor=request.user, filename=upload.name, options=options
                ).rows
            else:
                count = run_import(upload.read(), columns, row_service_factory(request.user))
        except ImportFailed as exc:
            failure = exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except NotFound as exc:
            raise Http404(exc.message) from exc
        else:
            messages.success(request, f"导入成功:共导入 {count} 条记录")
            return redirect(success_url)
    context.update(_failure_context(failure))
    return render(request, template_name, context)
