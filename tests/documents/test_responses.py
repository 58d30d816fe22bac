"""Download responses for rendered documents."""

from __future__ import annotations

import pytest

from dudao.documents.render import DocumentError
from dudao.documents.responses import document_response


def test_docx_download_with_chinese_filename():
    response = document_response(b"PK\x03\x04data", filename="督导意见书.docx")
    assert (
        response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E7%9D%A3%E5%AF%BC%E6%84%8F%E8%A7%81%E4%B9%A6.docx"
    )
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"PK\x03\x04data"


def test_pdf_inline():
    response = document_response(b"%PDF-1.6", filename="notice.PDF", as_attachment=False)
    assert (response["Content-Type"], response["Content-Disposition"]) == (
        "application/pdf",
        'inline; filename="notice.PDF"',
    )


@pytest.mark.parametrize("filename", ["report.exe", "report"])
def test_other_types_are_refused(filename):
    with pytest.raises(DocumentError) as exc:
        document_response(b"x", filename=filename)
    assert (exc.value.code, exc.value.message) == (
        "document_type_invalid",
        f"不支持的文书文件类型:{filename}",
    )
