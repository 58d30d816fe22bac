"""Evidence uploads: stored by content hash, size and type checked by magic bytes (DESIGN)."""

from __future__ import annotations

import hashlib
import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.common.errors import IllegalTransition, PermissionDenied
from dudao.scorecards import services
from dudao.scorecards.evidence import UploadRejected, clean_name, human_size, sniff, store_upload
from dudao.scorecards.models import Evidence
from tests.factories import current_version
from tests.scorecards.conftest import JPEG, PDF, PNG, counts

pytestmark = pytest.mark.django_db

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
    assert not media_root.exists() or not any(media_root.rglob("*"))


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
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 1


def test_helpers():
    assert clean_name("C:\\Users\\张三\\照片.jpg") == "照片.jpg"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("") == "file"
    assert clean_name("a" * 300 + ".pdf") == "a" * 196 + ".pdf"
    assert (human_size(512), human_size(1536), human_size(10 * 1024 * 1024)) == ("512 B", "1.5 KB", "10 MB")
    assert sniff(b"\xff\xd8\xff\xdb").key == "jpeg"
    assert sniff(b"PK\x03\x04rest") is None  # a ZIP is an .xlsx only when its parts say so
    assert sniff(b"") is None


def test_attach_and_remove_evidence_through_services(opened, evaluators, media_root, users):
    leader, member = evaluators["leader"], evaluators["member"]
    evidence = services.evaluation_attach_evidence(
        actor=member, evaluation=opened, item_id="B4.5", file=upload("考场.jpg", JPEG)
    )
    assert (evidence.item_id, evidence.kind, evidence.uploaded_by, evidence.size) == (
        "B4.5",
        "photo",
        member,
        len(JPEG),
    )
    general = services.evaluation_attach_evidence(
        actor=leader, evaluation=opened, item_id="", file=upload("报告.pdf", PDF)
    )
    assert general.item_id == ""
    before = counts()
    for item_id, file, error in [
        ("Z1", upload("x.png", PNG), "项目 Z1:评估表 CQ-RENEWAL 中没有此项目"),
        (
            "B4.5",
            upload("fake.jpg", b"hello"),
            "文件「fake.jpg」的内容与扩展名不符:扩展名为 .jpg(JPEG 图片),实际是文本(CSV)",
        ),
        ("B4.5", None, "请选择要上传的文件"),
    ]:
        with pytest.raises(Exception) as exc:
            services.evaluation_attach_evidence(actor=member, evaluation=opened, item_id=item_id, file=file)
        assert (exc.value.status, exc.value.message) == (422, error)
    assert counts() == before
    # The uploader or the leader removes a file; another member may not.
    with pytest.raises(PermissionDenied):
        services.evaluation_remove_evidence(actor=member, evidence=general)
    services.evaluation_remove_evidence(actor=leader, evidence=evidence)
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["报告.pdf"]
    assert (media_root / evidence.file).exists()  # content store keeps bytes (other records may share them)


def test_evidence_frozen_after_submission(opened, evaluators, media_root):
    from tests.scorecards.conftest import fill
    from tests.scorecards.helpers import clean_answers

    leader = evaluators["leader"]
    evidence = services.evaluation_attach_evidence(
        actor=leader, evaluation=opened, item_id="A1.1", file=upload("a.png", PNG)
    )
    ev = services.evaluation_submit(
        actor=leader,
        evaluation=(filled := fill(opened, leader, clean_answers("CQ-RENEWAL"))),
        row_version=current_version(filled),
    )
    before = counts()
    with pytest.raises(IllegalTransition):
        services.evaluation_attach_evidence(
            actor=leader, evaluation=ev, item_id="A1.1", file=upload("b.png", PNG)
        )
    with pytest.raises(IllegalTransition):
        services.evaluation_remove_evidence(actor=leader, evidence=evidence)
    assert counts() == before
