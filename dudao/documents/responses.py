"""HTTP downloads of rendered documents (DESIGN: every official paper has a DOCX and a PDF button)."""

from __future__ import annotations

import io

from django.http import FileResponse

from dudao.documents.render import DocumentError

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
