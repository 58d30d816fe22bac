"""The one stored-file kind (dudao.common.files): uploads stored by content hash, size and type checked by
magic bytes, hostile PDFs and archive bombs refused (issue 8 §1), served without sniffing or caching and
inline only for images; every evidence and attachment model has the same columns (StoredFileFields)."""

from __future__ import annotations

import hashlib
import io
import zlib

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.common.files import (
    StoredFile,
    StoredFileFields,
    UploadRejected,
    clean_name,
    human_size,
    serve_stored,
    sniff,
    store_upload,
)
from dudao.renewals.models import RenewalAttachment
from dudao.scorecards.models import Evidence
from dudao.supervision.models import FindingEvidence, RectificationEvidence
from tests import hostile_files as hf

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(200))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(40)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40)
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("证据").write(0, 0, "考场")
    book.close()
    return buffer.getvalue()


def zip_bytes() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "data", "content_type", "kind"),
    [
        ("现场.JPG", JPEG, "image/jpeg", "photo"),
        ("cam.png", PNG, "image/png", "photo"),
        ("a.webp", WEBP, "image/webp", "photo"),
        ("IMG_0001.HEIC", HEIC, "image/heic", "photo"),
        ("制度.pdf", PDF, "application/pdf", "pdf"),
        (
            "台账.xlsx",
            None,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "spreadsheet",
        ),
        ("旧台账.xls", XLS, "application/vnd.ms-excel", "spreadsheet"),
        ("名单.csv", "姓名,证书编号\n张三,S0001\n".encode("gb18030"), "text/csv", "spreadsheet"),
    ],
)
def test_accepted_types_are_stored_by_content_hash(media_root, name, data, content_type, kind):
    data = data if data is not None else xlsx_bytes()
    stored = store_upload(upload(name, data))
    sha = hashlib.sha256(data).hexdigest()
    assert (stored.name, stored.sha256, stored.size) == (f"evidence/{sha[:2]}/{sha}", sha, len(data))
    assert (stored.content_type, stored.kind, stored.original_name) == (content_type, kind, name)
    assert (media_root / "evidence" / sha[:2] / sha).read_bytes() == data


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "现场.jpg",
            "这不是图片,只是一段文字\n".encode(),
            "文件「现场.jpg」的内容与扩展名不符:扩展名为 .jpg(JPEG 图片),实际是文本(CSV)",
        ),
        ("cam.png", PDF, "文件「cam.png」的内容与扩展名不符:扩展名为 .png(PNG 图片),实际是PDF 文件"),
        (
            "制度.pdf",
            b"\x00\x01\x02\x03binary",
            "文件「制度.pdf」的内容与扩展名不符:扩展名为 .pdf(PDF 文件),无法识别其内容",
        ),
        (
            "台账.xlsx",
            zip_bytes(),
            "文件「台账.xlsx」的内容与扩展名不符:扩展名为 .xlsx(Excel 工作簿(.xlsx)),无法识别其内容",
        ),
        (
            "tool.exe",
            b"MZ\x90\x00",
            "不支持的文件类型「.exe」;可上传:.jpg、.jpeg、.png、.webp、.heic、.heif、.pdf、.xlsx、.xls、.csv",
        ),
        (
            "noext",
            PNG,
            "不支持的文件类型「无扩展名」;可上传:.jpg、.jpeg、.png、.webp、.heic、.heif、.pdf、.xlsx、.xls、.csv",
        ),
        ("empty.png", b"", "文件「empty.png」是空文件"),
    ],
)
def test_refused_uploads_store_nothing(media_root, name, data, message):
    with pytest.raises(UploadRejected) as exc:
        store_upload(upload(name, data))
    assert (exc.value.status, exc.value.code, exc.value.message) == (422, "upload_rejected", message)
    assert exc.value.detail == {"file": [message]}
    assert stored_files(media_root) == []


def test_size_limit_from_settings(media_root, settings):
    settings.DUDAO_UPLOAD_MAX_BYTES = 100
    assert store_upload(upload("ok.png", PNG + bytes(20))).size == 100
    with pytest.raises(UploadRejected) as exc:
        store_upload(upload("big.png", PNG + bytes(30)))
    assert exc.value.message == "文件「big.png」大小 110 B,超过上限 100 B"
    # A stream without a declared size is cut off while reading.
    with pytest.raises(UploadRejected) as exc:
        store_upload(io.BytesIO(PNG + bytes(30)), name="stream.png")
    assert exc.value.message == "文件「stream.png」超过大小上限 100 B"


def test_same_bytes_are_stored_once(media_root):
    first = store_upload(upload("a.png", PNG))
    second = store_upload(upload("b.png", PNG))
    assert first.name == second.name and first.original_name == "a.png" and second.original_name == "b.png"
    assert len(stored_files(media_root)) == 1


def test_helpers():
    assert clean_name("C:\\Users\\张三\\照片.jpg") == "照片.jpg"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("") == "file"
    assert clean_name("a" * 300 + ".pdf") == "a" * 196 + ".pdf"
    assert (human_size(512), human_size(1536), human_size(10 * 1024 * 1024)) == ("512 B", "1.5 KB", "10 MB")
    assert sniff(b"\xff\xd8\xff\xdb").key == "jpeg"
    assert sniff(b"PK\x03\x04rest") is None  # a ZIP is an .xlsx only when its parts say so
    assert sniff(b"") is None


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
    with pytest.raises(UploadRejected) as caught:
        store_upload(SimpleUploadedFile("制度.pdf", pdf(body)))
    assert caught.value.message == (
        f"文件「制度.pdf」未通过安全检查:PDF 文件含有脚本、自动执行的动作或嵌入文件({found}),已拒绝;"
        "请用“打印为 PDF”重新生成后上传"
    )
    assert stored_files(media_root) == []


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
    with pytest.raises(UploadRejected) as caught:
        store_upload(SimpleUploadedFile("台账.xlsx", build()))
    assert message in caught.value.message and caught.value.message.startswith(
        "文件「台账.xlsx」未通过安全检查:"
    )
    assert stored_files(media_root) == []


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
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("证据").write(0, 0, "考场")
    book.close()
    assert store_upload(SimpleUploadedFile("台账.xlsx", buffer.getvalue())).kind == "spreadsheet"


@pytest.fixture
def media_root(settings, tmp_path):
    """Stored files go to a fresh MEDIA_ROOT per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


STORED_COLUMNS = [
    "file",
    "sha256",
    "original_name",
    "content_type",
    "kind",
    "size",
    "uploaded_by",
    "uploaded_at",
]


@pytest.mark.parametrize("model", [Evidence, FindingEvidence, RectificationEvidence, RenewalAttachment])
def test_every_evidence_model_is_one_stored_file_kind(model):
    assert issubclass(model, StoredFileFields)
    own = {f.name: f for f in model._meta.concrete_fields}
    for name in STORED_COLUMNS:
        assert own[name].model is model and own[name].name == name
    assert own["sha256"].db_index is True
    assert (own["kind"].max_length, own["kind"].choices) == (16, None)


def test_a_stored_file_gives_the_model_its_columns(media_root):
    stored = store_upload(SimpleUploadedFile("cam.png", PNG))
    assert isinstance(stored, StoredFile)
    sha = hashlib.sha256(PNG).hexdigest()
    assert stored.fields() == {
        "file": f"evidence/{sha[:2]}/{sha}",
        "sha256": sha,
        "size": len(PNG),
        "content_type": "image/png",
        "kind": "photo",
        "original_name": "cam.png",
    }
    assert str(Evidence(**stored.fields())) == "cam.png"
