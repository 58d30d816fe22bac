"""HTTP downloads of rendered documents (DESIGN: every official paper has a DOCX and a PDF button)."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from dudao.documents.render import DocumentError
from dudao.web.kit import application_errors_as_http

CONTENT_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}


def document_response(data: bytes, *, filename: str, as_attachment: bool = True) -> FileResponse:
    """A download of `data` named `filename` (Chinese names are sent RFC 6266/5987-encoded by Django)."""
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    if suffix not in CONTENT_TYPES:
        raise DocumentError(f"不支持的文书文件类型:{filename}", code="document_type_invalid")
    response = FileResponse(
        io.BytesIO(data), as_attachment=as_attachment, filename=filename, content_type=CONTENT_TYPES[suffix]
    )
    response["Cache-Control"] = "private, no-store"  # official papers are personal data: never cached
    return response


def download(
    request: HttpRequest,
    produce: Callable[[], tuple[bytes, str]],
    back: str,
    *,
    inline_pdf: bool | None = None,
) -> HttpResponse:
    """The paper `produce` renders, as a download; when it cannot be produced (no LibreOffice for the PDF,
    a broken admin template) the user goes back to `back` with the reason (the DOCX stays available).
    A PDF opens in the browser when `inline_pdf` says so (None: when the link asks with `?inline=1`)."""
    try:
        data, filename = produce()
    except DocumentError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    wants_inline = request.GET.get("inline") == "1" if inline_pdf is None else inline_pdf
    inline = filename.endswith(".pdf") and wants_inline
    return document_response(data, filename=filename, as_attachment=not inline)


def document_views(
    build: Callable[[HttpRequest, int, str], HttpResponse],
) -> tuple[Callable[..., HttpResponse], Callable[..., HttpResponse]]:
    """The DOCX and the PDF view of one paper: GET, signed in, `build(request, pk, "docx" | "pdf")`."""

    def view_for(fmt: str) -> Callable[..., HttpResponse]:
        @require_GET
        @login_required
        @application_errors_as_http
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            return build(request, pk, fmt)

        view.__name__ = view.__qualname__ = f"{build.__name__.lstrip('_')}_{fmt}"
        return view

    return view_for("docx"), view_for("pdf")
