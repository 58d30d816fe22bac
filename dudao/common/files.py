"""The one stored-file kind: uploads stored by content hash, type checked by magic bytes, served only
after a permission check (DESIGN: uploaded evidence). Every evidence or attachment model of every app
inherits ``StoredFileFields``; every upload goes through ``store_upload`` and every download through
``serve_stored``::

    stored = store_upload(request.FILES["file"])          # raises UploadRejected (422) on bad input
    stored.name      -> "evidence/3f/3f9a…"  (storage name; MEDIA_ROOT/evidence/<sha256[:2]>/<sha256>)
    stored.sha256, stored.size, stored.content_type, stored.kind, stored.original_name
    FindingEvidence(finding=..., uploaded_by=actor, **stored.fields())   # a StoredFileFields row
    open_stored(stored.name) -> binary file object (serve it only from a permission-checked view)
    serve_stored(stored.name, content_type=..., filename=...) -> FileResponse (images inline, else attachment)

The type is decided from the content (magic bytes), and the file name's extension must agree with it:
a ``.jpg`` that is really a text file is refused. Identical content is stored once.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse

from dudao.common.errors import NotFound, ValidationFailed
from dudao.common.upload_guard import UnsafeFile, check_pdf, check_zip, excerpt

CHUNK = 64 * 1024
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    """One accepted file type: canonical content type, the extensions that may carry it, its family."""

    key: str
    content_type: str
    extensions: tuple[str, ...]
    kind: str  # photo | pdf | spreadsheet
    label_zh: str


TYPES: dict[str, FileType] = {
    t.key: t
    for t in (
        FileType("jpeg", "image/jpeg", (".jpg", ".jpeg"), "photo", "JPEG 图片"),
        FileType("png", "image/png", (".png",), "photo", "PNG 图片"),
        FileType("webp", "image/webp", (".webp",), "photo", "WebP 图片"),
        FileType("heic", "image/heic", (".heic", ".heif"), "photo", "HEIC 图片"),
        FileType("pdf", "application/pdf", (".pdf",), "pdf", "PDF 文件"),
        FileType(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            (".xlsx",),
            "spreadsheet",
            "Excel 工作簿(.xlsx)",
        ),
        FileType("xls", "application/vnd.ms-excel", (".xls",), "spreadsheet", "Excel 97-2003 工作簿(.xls)"),
        FileType("csv", "text/csv", (".csv",), "spreadsheet", "文本(CSV)"),
    )
}
EVIDENCE_KINDS = frozenset({"photo", "pdf", "spreadsheet"})
PAPER_KINDS = frozenset({"photo", "pdf"})  # scanned, stamped papers (renewal attachments): PDF or a photo
KIND_LABELS = {"photo": "照片", "pdf": "PDF", "spreadsheet": "表格"}
_BY_EXTENSION = {ext: t for t in TYPES.values() for ext in t.extensions}
# `accept` attribute for <input type=file>: camera photos, PDFs, spreadsheets.
ACCEPT = "image/*,application/pdf,.pdf," + ",".join(
    sorted({ext for t in TYPES.values() for ext in t.extensions} | {"text/csv"})
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The only types a browser may render inline from an evidence view (all others are downloads).
INLINE_CONTENT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class UploadRejected(ValidationFailed):
    """An upload refused for its size or type; nothing was stored."""

    code = "upload_rejected"
    default_message = "上传的文件不符合要求"

    def __init__(self, message: str):
        super().__init__(message, detail={"file": [message]})


class StoredFileFields(models.Model):
    """The columns of a stored upload (content address, digest, checked type, size, who and when), shared
    by every evidence and attachment model; ``StoredFile.fields()`` gives their values for a new row."""

    file = models.CharField("存储名", max_length=255)  # evidence/<sha256[:2]>/<sha256>
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    original_name = models.CharField("文件名", max_length=255)
    content_type = models.CharField("类型", max_length=128)
    kind = models.CharField("类别", max_length=16)  # photo | pdf | spreadsheet (FileType.kind)
    size = models.PositiveBigIntegerField("大小(字节)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    def serve(self, *, inline: bool = True) -> FileResponse:
        """This file as a response (`serve_stored`); only for a row a scoped selector returned."""
        return serve_stored(
            self.file, content_type=self.content_type, filename=self.original_name, inline=inline
        )

    def stored_file(self) -> StoredFile:
        """The upload this row records (to record it again, e.g. on a corrected copy)."""
        return StoredFile(
            name=self.file,
            sha256=self.sha256,
            size=self.size,
            content_type=self.content_type,
            kind=self.kind,
            original_name=self.original_name,
        )


@dataclass(frozen=True)
class StoredFile:
    """A stored upload: storage name (content address), digest, size, checked type, the user's file name."""

    name: str
    sha256: str
    size: int
    content_type: str
    kind: str
    original_name: str

    def fields(self) -> dict[str, Any]:
        """The ``StoredFileFields`` values of this upload (for ``Model(**stored.fields(), ...)``)."""
        return {
            "file": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "content_type": self.content_type,
            "kind": self.kind,
            "original_name": self.original_name,
        }


def human_size(size: int) -> str:
    """1536 → "1.5 KB"; 10485760 → "10 MB"."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            text = f"{value:.1f}".rstrip("0").rstrip(".") if unit != "B" else str(int(value))
            return f"{text} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def clean_name(name: str | None) -> str:
    """The last path component of a client file name, without control characters, ≤ 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if len(base) > 200:
        stem, ext = os.path.splitext(base)
        base = stem[: 200 - len(ext)] + ext
    return base or "file"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the sniff window is still text.
            if exc.start >= len(head) - 4 and encoding == "utf-8":
                return True
            continue
        return True
    return False


def _is_xlsx(stream: IO[bytes]) -> bool:
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        stream.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def sniff(head: bytes, stream: IO[bytes] | None = None) -> FileType | None:
    """The accepted type whose magic bytes ``head`` starts with; None for anything else.

    CSV has no magic bytes: text without NUL bytes (UTF-8 or GB18030) counts as CSV. ``stream`` (the
    whole file, seekable) lets a ZIP be confirmed as an .xlsx workbook.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return TYPES["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return TYPES["png"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return TYPES["webp"]
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return TYPES["heic"]
    if head.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if head.startswith(b"PK\x03\x04"):
        return TYPES["xlsx"] if stream is not None and _is_xlsx(stream) else None
    if head.startswith(_OLE2):
        return TYPES["xls"]
    if head and _is_text(head):
        return TYPES["csv"]
    return None


def _chunks(file: Any) -> Iterable[bytes]:
    if hasattr(file, "chunks"):
        yield from file.chunks(CHUNK)
        return
    while True:
        block = file.read(CHUNK)
        if not block:
            return
        yield block


def storage_name(sha256: str, subdir: str = "evidence") -> str:
    """``evidence/<sha256[:2]>/<sha256>``: the content address of a file."""
    return f"{subdir}/{sha256[:2]}/{sha256}"


def store_upload(
    file: Any,
    *,
    name: str | None = None,
    max_bytes: int | None = None,
    kinds: Iterable[str] = EVIDENCE_KINDS,
    subdir: str = "evidence",
) -> StoredFile:
    """Check and store an uploaded file (Django ``UploadedFile`` or any binary file object).

    Refuses (``UploadRejected``, Chinese message) an empty file, a file over ``max_bytes`` (default
    ``settings.DUDAO_UPLOAD_MAX_BYTES``), content of no accepted type, and an extension that does not
    match the content. Stores the bytes once under their SHA-256 in the default storage.
    """
    limit = settings.DUDAO_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    original = clean_name(name if name is not None else getattr(file, "name", None))
    allowed = {t.key: t for t in TYPES.values() if t.kind in set(kinds)}
    extensions = "、".join(ext for t in allowed.values() for ext in t.extensions)
    declared_size = getattr(file, "size", None)
    if declared_size is not None and declared_size > limit:
        raise UploadRejected(
            f"文件「{original}」大小 {human_size(declared_size)},超过上限 {human_size(limit)}"
        )

    ext = os.path.splitext(original)[1].lower()
    expected = _BY_EXTENSION.get(ext)
    if expected is None or expected.key not in allowed:
        raise UploadRejected(f"不支持的文件类型「{ext or '无扩展名'}」;可上传:{extensions}")

    hasher = hashlib.sha256()
    size = 0
    head = b""
    if hasattr(file, "seek"):
        file.seek(0)
    spooled: IO[bytes] | None = None if hasattr(file, "seek") else io.BytesIO()
    for block in _chunks(file):
        size += len(block)
        if size > limit:
            raise UploadRejected(f"文件「{original}」超过大小上限 {human_size(limit)}")
        if len(head) < SNIFF_BYTES:
            head += block[: SNIFF_BYTES - len(head)]
        hasher.update(block)
        if spooled is not None:
            spooled.write(block)
    if size == 0:
        raise UploadRejected(f"文件「{original}」是空文件")
    source: Any = spooled if spooled is not None else file
    source.seek(0)
    if head.startswith((b"PK\x03\x04", b"%PDF-")):
        # Archives (an .xlsx is one) and PDFs are inspected before anything parses them (issue 8 §1).
        _refuse_unsafe(source.read(), head, original)
        source.seek(0)
    actual = sniff(head, source)
    if actual is None or actual.key != expected.key:
        found = f"实际是{actual.label_zh}" if actual is not None else "无法识别其内容"
        raise UploadRejected(
            f"文件「{original}」的内容与扩展名不符:扩展名为 {ext}({expected.label_zh}),{found}"
        )

    sha = hasher.hexdigest()
    target = storage_name(sha, subdir)
    if not default_storage.exists(target):
        source.seek(0)
        saved = default_storage.save(target, File(source, name=target))
        if saved != target:  # a concurrent upload of the same bytes won the name: keep one copy
            default_storage.delete(saved)
    return StoredFile(
        name=target,
        sha256=sha,
        size=size,
        content_type=actual.content_type,
        kind=actual.kind,
        original_name=original,
    )


def _refuse_unsafe(data: bytes, head: bytes, original: str) -> None:
    try:
        if head.startswith(b"%PDF-"):
            check_pdf(data)
        else:
            check_zip(data)
    except UnsafeFile as exc:
        raise UploadRejected(f"文件「{excerpt(original)}」未通过安全检查:{exc.message}") from None


def open_stored(name: str) -> IO[bytes]:
    """Open a stored file for reading (callers check permissions first)."""
    return default_storage.open(name, "rb")


def serve_stored(name: str, *, content_type: str, filename: str, inline: bool = True) -> FileResponse:
    """Stream a stored file (call only after a permission check); never content-sniffed by the browser.

    Only images (PNG, JPEG, GIF, WebP) may be shown inline; everything else (PDF, spreadsheets, HEIC) is a
    download whatever `inline` says, so a hostile PDF never runs in the platform's origin (issue 8 §1).
    Evidence is personal data: no shared or browser cache keeps it (SEC-3).
    """
    try:
        handle = open_stored(name)
    except OSError:
        raise NotFound("文件已丢失,请联系管理员") from None
    response = FileResponse(handle, content_type=content_type)
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").strip() or "file"
    disposition = "inline" if inline and content_type in INLINE_CONTENT_TYPES else "attachment"
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
