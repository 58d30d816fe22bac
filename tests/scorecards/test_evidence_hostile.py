"""Hostile evidence (issue 8 §1): active PDFs and archive bombs refused; non-images only as downloads.

Repeats the tester's probes: a PDF with /JS and /OpenAction was stored and served inline; an evidence
workbook that is an archive bomb was stored; evidence was cacheable (max-age=3600).
"""

from __future__ import annotations

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.scorecards.evidence import UploadRejected, serve_stored, store_upload
from tests import hostile_files as hf
from tests.scorecards.conftest import PDF, PNG, counts

pytestmark = pytest.mark.django_db


def pdf(body: bytes) -> bytes:
    return b"%PDF-1.7\n1 0 obj\n" + body + b"\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b"<< /Type /Catalog /OpenAction 2 0 R >>", "OpenAction"),
        (b"<< /JS (app.alert(1)) >>", "JS"),
        (b"<< /S /JavaScript >>", "JavaScript"),
        (b"<< /AA << /O 3 0 R >> >>", "AA"),
        (b"<< /S /Launch /F (calc.exe) >>", "Launch"),
        (b"<< /Type /EmbeddedFile >>", "EmbeddedFile"),
    ],
)
def test_a_pdf_with_active_content_is_refused(media_root, body, found):
    before = counts()
    with pytest.raises(UploadRejected) as caught:
        store_upload(SimpleUploadedFile("制度.pdf", pdf(body)))
    assert caught.value.message == (
        f"文件「制度.pdf」未通过安全检查:PDF 文件含有脚本、自动执行的动作或嵌入文件({found}),已拒绝;"
        "请用“打印为 PDF”重新生成后上传"
    )
    assert counts() == before
    assert not (media_root / "evidence").exists()


def test_an_escaped_name_is_refused(media_root):
    with pytest.raises(UploadRejected, match="经过转义的对象名称"):
        store_upload(SimpleUploadedFile("a.pdf", pdf(b"<< /S /Java#53cript /J#53 (x) >>")))


def test_active_content_in_a_compressed_object_stream_is_refused(media_root):
    objects = zlib.compress(b"2 0 << /Type /Catalog /OpenAction 3 0 R >>")
    data = pdf(b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(objects))
    data = data.replace(b"\nendobj", objects + b"\nendstream\nendobj")
    with pytest.raises(UploadRejected, match="OpenAction"):
        store_upload(SimpleUploadedFile("a.pdf", data))


def test_binary_stream_content_that_looks_like_a_keyword_is_not_refused(media_root):
    """Image bytes may hold "/JS" by chance: only object text and object streams are searched."""
    image = b"\x89binary/JS /OpenAction\x00\xff"
    data = pdf(b"<< /Type /XObject /Subtype /Image /Length %d >>\nstream\n" % len(image))
    data = data.replace(b"\nendobj", image + b"\nendstream\nendobj")
    assert store_upload(SimpleUploadedFile("scan.pdf", data)).kind == "pdf"
    assert store_upload(SimpleUploadedFile("plain.pdf", PDF)).kind == "pdf"


@pytest.mark.parametrize(
    ("build", "message"),
    [(hf.sparse_corners, "工作表行数超过上限"), (hf.high_ratio, "压缩比异常"), (hf.many_entries, "条目过多")],
)
def test_an_evidence_workbook_that_is_a_bomb_is_refused(media_root, build, message):
    before = counts()
    with pytest.raises(UploadRejected) as caught:
        store_upload(SimpleUploadedFile("台账.xlsx", build()))
    assert message in caught.value.message and caught.value.message.startswith(
        "文件「台账.xlsx」未通过安全检查:"
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("content_type", "inline", "disposition"),
    [
        ("image/png", True, "inline"),
        ("image/jpeg", True, "inline"),
        ("image/gif", True, "inline"),
        ("image/webp", True, "inline"),
        ("image/png", False, "attachment"),
        ("application/pdf", True, "attachment"),
        ("image/heic", True, "attachment"),
        ("image/svg+xml", True, "attachment"),
        ("text/csv", True, "attachment"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True, "attachment"),
    ],
)
def test_only_images_are_served_inline_and_nothing_is_cached(media_root, content_type, inline, disposition):
    stored = store_upload(SimpleUploadedFile("cam.png", PNG))
    response = serve_stored(stored.name, content_type=content_type, filename="证据", inline=inline)
    assert response["Content-Disposition"].split(";")[0] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    response.close()


def test_a_normal_workbook_is_still_accepted(media_root):
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("证据").write(0, 0, "考场")
    book.close()
    assert store_upload(SimpleUploadedFile("台账.xlsx", buffer.getvalue())).kind == "spreadsheet"
