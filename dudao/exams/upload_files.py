"""The national-upload export file (CERT-3) in the configured format: xlsx (Chinese headers, every cell
text so ID numbers and codes keep their leading zeros and final X), csv (UTF-8 with BOM so Excel/WPS read
the Chinese) or json ({"columns": field → header, "certificates": [...]}); columns: domain.upload."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence

from dudao.common.excel import XLSX_CONTENT_TYPE, Column, export_workbook

from .domain.upload import COLUMNS

CONTENT_TYPES = {
    "xlsx": XLSX_CONTENT_TYPE,
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
SHEET_NAME = "证书信息"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def render(rows: Sequence[Mapping[str, object]], file_format: str) -> bytes:
    """The export of `rows` (dicts keyed by the COLUMNS fields) as bytes of `file_format`."""
    if file_format == "xlsx":
        columns = [Column(field, header) for field, header in COLUMNS]
        return export_workbook(
            columns, ({k: _text(v) for k, v in r.items()} for r in rows), sheet_name=SHEET_NAME
        )
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([header for _, header in COLUMNS])
        for row in rows:
            writer.writerow([_text(row.get(field)) for field, _ in COLUMNS])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if file_format == "json":
        items = [{field: _text(row.get(field)) for field, _ in COLUMNS} for row in rows]
        headers = dict(COLUMNS)
        return json.dumps({"columns": headers, "certificates": items}, ensure_ascii=False, indent=1).encode(
            "utf-8"
        )
    raise ValueError(f"unknown export format {file_format!r}")
