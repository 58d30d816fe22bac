"""Hostile upload probes (issue 8 §1), generated in code: nothing large is kept in the repository.

Each builder returns the file's bytes; writers stream, so building a probe never holds its expanded
content in memory. `bench/hostile_files.py` runs them through the import path and measures time and memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"
_SST_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">'
)


def _skeleton(archive: zipfile.ZipFile, *, strings: list[str] | None = None) -> None:
    archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
    archive.writestr("_rels/.rels", _RELS)
    archive.writestr("xl/workbook.xml", _WORKBOOK)
    archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
    items = "".join(f"<si><t>{s}</t></si>" for s in strings or [])
    archive.writestr("xl/sharedStrings.xml", _SST_HEAD.format(n=len(strings or [])) + items + "</sst>")


def _new() -> tuple[io.BytesIO, zipfile.ZipFile]:
    buffer = io.BytesIO()
    return buffer, zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def xlsx(rows_xml: str, *, strings: list[str] | None = None) -> bytes:
    """A minimal valid workbook whose first sheet's <sheetData> holds `rows_xml`."""
    buffer, archive = _new()
    with archive:
        _skeleton(archive, strings=strings)
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET_HEAD + rows_xml + _SHEET_TAIL)
    return buffer.getvalue()


def huge_cell(megabytes: int = 100) -> bytes:
    """≈100 KB workbook whose one cell holds `megabytes` MB of text (the issue's 101 KB probe at 100)."""
    buffer, archive = _new()
    with archive:
        _skeleton(archive)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write((_SHEET_HEAD + '<row r="1"><c r="A1" t="inlineStr"><is><t>').encode())
            block = b"A" * (1024 * 1024)
            for _ in range(megabytes):
                sheet.write(block)
            sheet.write(("</t></is></c></row>" + _SHEET_TAIL).encode())
    return buffer.getvalue()


def many_rows(count: int = 1_000_000) -> bytes:
    """A sheet of `count` tiny rows (one number each)."""
    buffer, archive = _new()
    with archive:
        _skeleton(archive)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.encode())
            batch = []
            for n in range(1, count + 1):
                batch.append(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>')
                if len(batch) == 10_000:
                    sheet.write("".join(batch).encode())
                    batch.clear()
            sheet.write(("".join(batch) + _SHEET_TAIL).encode())
    return buffer.getvalue()


def sparse_corners() -> bytes:
    """Two cells, A1 and XFD1048576: a reader that allocates the grid between them needs ~500 GB."""
    return xlsx(
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )


def unlabeled_wide_rows(rows: int = 2_000, width: int = 3_000) -> bytes:
    """Cells without r="…" labels: position comes from counting, so a small file can claim a wide grid."""
    row = "<row>" + "<c><v>1</v></c>" * width + "</row>"
    return xlsx(row * 2 + "<row><c><v>1</v></c></row>" * rows)


def many_entries(count: int = 10_000) -> bytes:
    """A workbook plus `count` tiny extra entries."""
    buffer, archive = _new()
    with archive:
        _skeleton(archive)
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET_HEAD + _SHEET_TAIL)
        for n in range(count):
            archive.writestr(f"xl/media/x{n}.bin", b"")
    return buffer.getvalue()


def high_ratio(megabytes: int = 10) -> bytes:
    """A workbook with one entry of zeros compressed about 1:1000."""
    buffer, archive = _new()
    with archive:
        _skeleton(archive)
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET_HEAD + _SHEET_TAIL)
        with archive.open("xl/media/image1.png", "w") as entry:
            block = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                entry.write(block)
    return buffer.getvalue()


def lying_size() -> bytes:
    """A sheet entry whose central directory claims 100 bytes but which inflates to about 5 MB."""
    buffer, archive = _new()
    with archive:
        _skeleton(archive)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            _SHEET_HEAD + '<row r="1"><c r="A1"><v>1</v></c></row>' + "<x/>" * 1_250_000 + _SHEET_TAIL,
        )
    data = bytearray(buffer.getvalue())
    # Patch the uncompressed size in the central directory entry of the sheet.
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02", 0)
    while at >= 0:
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_len] == name:
            data[at + 24 : at + 28] = (100).to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def nested_archive() -> bytes:
    """A workbook that carries another zip inside (an archive in an archive)."""
    inner_buffer, inner = _new()
    with inner:
        inner.writestr("a.txt", "x")
    buffer, archive = _new()
    with archive:
        _skeleton(archive)
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET_HEAD + _SHEET_TAIL)
        archive.writestr("xl/embeddings/oleObject1.dat", inner_buffer.getvalue())
    return buffer.getvalue()


def not_a_zip(size: int = 200_000) -> bytes:
    """Random bytes, to be uploaded with an .xlsx name."""
    return os.urandom(size)


def html_renamed() -> bytes:
    return b"<html><script>alert(1)</script></html>" * 100


def large_legitimate(rows: int = 39_999, columns: int = 20, text=lambda r, c: f"名称{r}-{c}") -> bytes:
    """The largest grid the guard lets through (header + 39,999 rows × 20 columns = 800,000 cells)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["A"] + [f"C{c}" for c in range(1, columns)])
    for r in range(1, rows + 1):
        sheet.write_row(r, 0, [text(r, c) for c in range(columns)])
    book.close()
    return buffer.getvalue()


def long_strings() -> bytes:
    """Fewer cells, each long and distinct, so that the shared strings fill the uncompressed budget."""

    def text(r: int, c: int) -> str:
        return hashlib.sha256(f"{r}-{c}".encode()).hexdigest() + "测试内容" * 36

    return large_legitimate(rows=24_000, columns=5, text=text)


PROBES = {
    "huge_cell_100mb": huge_cell,
    "huge_cell_20mb": lambda: huge_cell(20),
    "rows_1m": many_rows,
    "sparse_corners": sparse_corners,
    "unlabeled_wide_rows": unlabeled_wide_rows,
    "entries_10000": many_entries,
    "ratio_1000": high_ratio,
    "lying_size": lying_size,
    "nested_archive": nested_archive,
    "not_a_zip": not_a_zip,
    "html_renamed": html_renamed,
}
