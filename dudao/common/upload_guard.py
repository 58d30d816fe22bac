"""Guards run on uploaded files before any parser sees them (issue 8 §1: hostile files).

- ``check_zip(data)``: an Office/zip archive is inspected with the standard library before calamine (or
  anything else) opens it: entry count, compression methods, every entry really decompressed and counted
  (declared sizes are attacker-controlled), total uncompressed size, per-entry compression ratio, nested
  archives, and, for worksheets, the extent of the cell grid a reader would allocate and the length of
  text runs. Refusals raise ``UnsafeFile`` (Chinese message, 422).
- ``check_pdf(data)``: a PDF that carries active content (JavaScript, auto-actions, launch actions,
  embedded files) is refused.
- ``excerpt(value)``: at most a short excerpt of a bad value, for error messages.
"""

from __future__ import annotations

import copy
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

from .errors import ValidationFailed

# Limits: see docs/security.md for how long the largest file they let through takes to read.
MAX_ENTRIES = 1_000  # an .xlsx from Excel/WPS has 10-40 parts
MAX_TOTAL_UNCOMPRESSED = 64 * 1024 * 1024
MAX_RATIO = 200  # deflated XML of real workbooks stays under ~100:1
RATIO_FLOOR = 1024 * 1024  # the ratio is only judged for entries that expand beyond this
MAX_SHEET_ROWS = 50_001  # header + 50,000 data rows (a province has ~30,000 examiners)
MAX_SHEET_COLUMNS = 200
MAX_SHEET_CELLS = 800_000  # rows × columns of the grid a reader allocates (blank cells included)
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
# A run of text without markup longer than this cannot be one legitimate cell (4 bytes per character at most).
_MAX_TEXT_RUN_BYTES = 4 * MAX_CELL_CHARS + 1024


@dataclass(frozen=True)
class SheetLimits:
    """What one read may take. Pages use the module's limits (None); `dudao import` (an operator at the
    console, one file at a time) raises the size limits for province-scale files but keeps the ratio,
    entry and cell-length checks."""

    rows: int  # header included
    columns: int
    cells: int
    uncompressed: int


def sheet_limits(limits: SheetLimits | None = None) -> SheetLimits:
    """`limits`, or the module's (pages)."""
    if limits is not None:
        return limits
    return SheetLimits(MAX_SHEET_ROWS, MAX_SHEET_COLUMNS, MAX_SHEET_CELLS, MAX_TOTAL_UNCOMPRESSED)


_ALLOWED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_ARCHIVE_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"\xd0\xcf\x11\xe0")
_ARCHIVE_NAMES = (".zip", ".xlsx", ".xlsm", ".docx", ".pptx", ".7z", ".rar", ".gz", ".tar", ".jar", ".bin")
_CHUNK = 256 * 1024
_EXCERPT_CHARS = 50

# Worksheet markup: <row …>, <c …> (cell with content) and <c …/> (an empty, styled cell no reader keeps).
_SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*?)(/?)>")
_REF_ATTR = re.compile(rb'\br\s*=\s*["\']([A-Za-z]{0,3})(\d*)["\']')
# A cell with content and, when present, its reference: ("", "") marks a cell without r="…".
_VALUED_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\b(?:[^>]*?\br\s*=\s*[\"']([A-Za-z]{1,3})(\d+)[\"'])?[^>]*(?<!/)>"
)
_WORKSHEET_NAME = re.compile(r"^xl/(worksheets|dialogsheets|macrosheets)/[^/]+\.xml$", re.IGNORECASE)

_PDF_ACTIVE = re.compile(rb"/(JS|JavaScript|OpenAction|AA|Launch|EmbeddedFile|EmbeddedFiles|RichMedia|XFA)\b")
_PDF_NAME_ESCAPE = re.compile(rb"/[A-Za-z]*#[0-9A-Fa-f]{2}")


class UnsafeFile(ValidationFailed):
    """A file refused before parsing: it is, or may be, a decompression bomb, or it carries active content."""

    code = "unsafe_file"
    default_message = "文件不安全,已拒绝"


class DamagedArchive(UnsafeFile):
    """The archive cannot be read at all (truncated, no directory, not a zip)."""

    code = "damaged_file"
    default_message = "文件不是有效的压缩文档,可能已损坏"


def excerpt(value: object, limit: int = _EXCERPT_CHARS) -> str:
    """The first `limit` characters of `value` (and "…" when cut): error messages never echo a whole value."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


# ------------------------------------------------------------------------------------------------- zip


def _declared_entry_count(data: bytes) -> int | None:
    """Entry count from the end-of-central-directory record (zip64 aware); None if there is no record."""
    tail = data[-(65536 + 22) :]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    count = struct.unpack("<H", tail[at + 10 : at + 12])[0]
    if count == 0xFFFF:  # zip64: the real count is in the zip64 end record
        at64 = tail.rfind(b"PK\x06\x06", 0, at)
        if at64 < 0 or len(tail) - at64 < 40:
            return None
        count = struct.unpack("<Q", tail[at64 + 32 : at64 + 40])[0]
    return count


@dataclass
class _Grid:
    """Running extent of a worksheet's cell grid, as a reader numbering unlabeled rows/cells sees it."""

    row: int = 0
    col: int = 0
    max_row: int = 0
    max_col: int = 0

    def cells(self) -> int:
        return self.max_row * self.max_col


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ch - 64)
    return number


def _scan_sheet_markup(chunk: bytes, grid: _Grid) -> None:
    for match in _SHEET_TAG.finditer(chunk):
        tag, attrs, empty = match.groups()
        ref = _REF_ATTR.search(attrs)
        if tag == b"row":
            grid.row = int(ref.group(2)) if ref and ref.group(2) else grid.row + 1
            grid.col = 0
            continue
        if ref and ref.group(1):
            grid.col = _column_number(ref.group(1))
            if ref.group(2):
                grid.row = int(ref.group(2))
        else:
            grid.col += 1
        if empty:
            continue  # <c r="XFD1048576" s="1"/>: formatting only, no reader allocates for it
        grid.max_row = max(grid.max_row, grid.row)
        grid.max_col = max(grid.max_col, grid.col)


def _refuse_grid(grid: _Grid, limits: SheetLimits) -> None:
    if grid.max_row > limits.rows:
        raise UnsafeFile(f"工作表行数超过上限 {limits.rows - 1:,} 行(不含表头),请分成多个文件导入")
    if grid.max_col > limits.columns:
        raise UnsafeFile(f"工作表列数超过上限 {limits.columns} 列,请删除多余的列后重试")
    if grid.cells() > limits.cells:
        raise UnsafeFile(
            f"工作表的单元格区域过大(超过 {limits.cells:,} 个单元格),请删除空白区域中多余的内容后重试"
        )


class _Unlabeled(Exception):
    """A worksheet has cells without r="…": their positions must be counted, with the slower scanner."""


def _scan_labeled_cells(window: bytes, grid: _Grid) -> None:
    """Fast path (C-speed regex) for sheets whose every cell carries its reference, as Excel/WPS write."""
    refs = _VALUED_CELL.findall(window)
    if not refs:
        return
    letters = {letters for letters, _digits in refs}
    if b"" in letters:
        raise _Unlabeled
    grid.max_col = max(grid.max_col, max(_column_number(x) for x in letters))
    grid.max_row = max(grid.max_row, max(int(digits) for digits in {d for _l, d in refs}))


def _has_long_run(window: bytes) -> bool:
    """Whether `window` holds a run of at least _MAX_TEXT_RUN_BYTES bytes without "<".

    Such a run contains a whole aligned block of half that length, so only blocks with no "<" at all
    (memchr speed) are measured exactly.
    """
    step = _MAX_TEXT_RUN_BYTES // 2
    for start in range(0, len(window) - step + 1, step):
        if window.find(b"<", start, start + step) >= 0:
            continue
        begin = window.rfind(b"<", 0, start) + 1
        end = window.find(b"<", start + step)
        if (len(window) if end < 0 else end) - begin >= _MAX_TEXT_RUN_BYTES:
            return True
    return False


def _read_entry(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    budget: int,
    *,
    counted: bool = False,
    limits: SheetLimits,
) -> tuple[int, bytes]:
    """Decompress one entry for real, counting bytes (stopping past `budget`); returns (size, head bytes).

    The declared size is replaced by the budget so that a lying entry is read to its true end: Python's
    reader would otherwise stop at the declared size, while another reader may not. `counted`: scan a
    worksheet by counting unlabeled rows and cells (slower; used when the fast path meets one).
    """
    probe = copy.copy(info)
    probe.file_size = budget + 1
    worksheet = _WORKSHEET_NAME.match(info.filename) is not None
    markup = info.filename.lower().endswith((".xml", ".rels", ".vml"))
    grid = _Grid()
    size = 0
    head = b""
    carry = b""  # the end of the previous chunk, so that a tag or a text run cut in two is still seen whole
    with archive.open(probe) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > budget:
                raise UnsafeFile(f"文件解压后超过 {limits.uncompressed // 1048576} MB,疑似压缩炸弹,已拒绝")
            if len(head) < 8:
                head += chunk[: 8 - len(head)]
            window = carry + chunk
            if markup and _has_long_run(window):
                raise UnsafeFile(f"文件中有超长的内容(单元格最多 {MAX_CELL_CHARS:,} 个字符),已拒绝")
            if worksheet:
                cut = window.rfind(b"<")
                whole = window[:cut] if cut > 0 else b""
                if counted:
                    _scan_sheet_markup(whole, grid)
                else:
                    try:
                        _scan_labeled_cells(whole, grid)
                    except _Unlabeled:
                        return _read_entry(archive, info, budget, counted=True, limits=limits)
                _refuse_grid(grid, limits)
                carry = window[cut:] if cut > 0 else window[-_MAX_TEXT_RUN_BYTES:]
            else:
                carry = window[-_MAX_TEXT_RUN_BYTES:]
        if worksheet and carry:
            if counted:
                _scan_sheet_markup(carry, grid)
            else:
                try:
                    _scan_labeled_cells(carry, grid)
                except _Unlabeled:
                    return _read_entry(archive, info, budget, counted=True, limits=limits)
            _refuse_grid(grid, limits)
    if size != info.file_size:
        raise UnsafeFile("压缩文件中的条目大小与声明不符,文件已损坏或被篡改,已拒绝")
    return size, head


def check_zip(data: bytes, *, allow_nested: bool = False, limits: SheetLimits | None = None) -> None:
    """Refuse (UnsafeFile) a zip/Office archive that could exhaust memory or time when parsed.

    Call before handing `data` to any zip-based reader. Every entry is decompressed once here, with the
    standard library and a byte budget, so the cost is bounded by the limits above.
    """
    limits = sheet_limits(limits)
    declared = _declared_entry_count(data)
    if declared is None:
        raise DamagedArchive()
    if declared > MAX_ENTRIES:
        raise UnsafeFile(f"压缩文档中的条目过多({declared:,} 个,上限 {MAX_ENTRIES:,} 个),已拒绝")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise DamagedArchive() from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise UnsafeFile(f"压缩文档中的条目过多({len(entries):,} 个,上限 {MAX_ENTRIES:,} 个),已拒绝")
        remaining = limits.uncompressed
        for info in entries:
            if info.is_dir():
                continue
            if info.compress_type not in _ALLOWED_METHODS:
                raise UnsafeFile("压缩文档使用了不支持的压缩方式,已拒绝")
            if info.flag_bits & 0x1:
                raise UnsafeFile("压缩文档已加密,请去除密码后重新上传")
            if info.file_size > remaining:
                raise UnsafeFile(f"文件解压后超过 {limits.uncompressed // 1048576} MB,疑似压缩炸弹,已拒绝")
            if not allow_nested and info.filename.lower().endswith(_ARCHIVE_NAMES):
                raise UnsafeFile(f"文档中嵌入了其他文件「{excerpt(info.filename)}」,请删除嵌入对象后重试")
            try:
                size, head = _read_entry(archive, info, remaining, limits=limits)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
                raise DamagedArchive() from None
            remaining -= size
            if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
                raise UnsafeFile(f"压缩文档中的条目压缩比异常(超过 {MAX_RATIO}:1),疑似压缩炸弹,已拒绝")
            if not allow_nested and head.startswith(_ARCHIVE_MAGICS):
                raise UnsafeFile(f"文档中嵌入了其他压缩文件「{excerpt(info.filename)}」,请删除嵌入对象后重试")


# ------------------------------------------------------------------------------------------------- pdf

_STREAM_START = re.compile(rb">>\s*stream\r?\n")
_MAX_OBJECT_STREAM_BYTES = 16 * 1024 * 1024


def _pdf_parts(data: bytes) -> list[bytes]:
    """The PDF's object text outside binary streams, plus the decompressed object streams (/ObjStm).

    Binary stream content (images, fonts) is skipped: random bytes there would match "/JS" by chance.
    """
    parts: list[bytes] = []
    position = 0
    budget = _MAX_OBJECT_STREAM_BYTES
    for match in _STREAM_START.finditer(data):
        if match.start() < position:
            continue  # inside a stream already skipped
        begin = match.end()
        end = data.find(b"endstream", begin)
        end = len(data) if end < 0 else end
        header_from = max(position, data.rfind(b"obj", position, match.start()))
        header = data[header_from : match.end()]
        parts.append(data[position:begin])
        if b"/ObjStm" in header:
            if b"/Filter" in header and b"/FlateDecode" not in header:
                raise UnsafeFile("PDF 文件使用了无法检查的压缩方式,已拒绝;请用“打印为 PDF”重新生成后上传")
            content = data[begin:end]
            if b"/FlateDecode" in header:
                try:
                    inflater = zlib.decompressobj()
                    content = inflater.decompress(content, budget)
                except zlib.error:
                    raise UnsafeFile("PDF 文件已损坏,已拒绝") from None
                if inflater.unconsumed_tail:
                    raise UnsafeFile("PDF 文件的对象流过大,疑似压缩炸弹,已拒绝")
            budget -= len(content)
            parts.append(content)
        position = end
    parts.append(data[position:])
    return parts


def check_pdf(data: bytes) -> None:
    """Refuse a PDF with active content: scripts, actions run on open, launch actions, embedded files.

    Object text and compressed object streams are searched; a name written with #xx escapes (/J#53 is
    /JS) is refused too, no honest PDF writer needs it. Whatever the content, evidence other than images
    is only ever served as a download (Content-Disposition: attachment), never rendered inline.
    """
    for part in _pdf_parts(data):
        match = _PDF_ACTIVE.search(part)
        if match:
            raise UnsafeFile(
                f"PDF 文件含有脚本、自动执行的动作或嵌入文件({match.group(1).decode()}),已拒绝;"
                "请用“打印为 PDF”重新生成后上传"
            )
        if _PDF_NAME_ESCAPE.search(part):
            raise UnsafeFile(
                "PDF 文件含有经过转义的对象名称,可能隐藏脚本,已拒绝;请用“打印为 PDF”重新生成后上传"
            )
