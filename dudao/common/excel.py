"""Excel kit: templates, exports and all-or-nothing imports (python-calamine reads, xlsxwriter writes).

Imports are validated cell by cell against a list of `Column`s; every problem is reported with the
row number the user sees in Excel (header = row 1) and the column header, in Chinese. Nothing is
written unless every row passes (DESIGN: Excel import, all or nothing).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import python_calamine
import xlsxwriter
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from .domain import mask_middle
from .errors import ApplicationError, ValidationFailed, validation_error_from_django
from .request_limits import has_control_character
from .upload_guard import (
    MAX_CELL_CHARS,
    DamagedArchive,
    SheetLimits,
    UnsafeFile,
    check_zip,
    excerpt,
    sheet_limits,
)

KINDS = ("text", "int", "decimal", "date", "datetime", "bool", "choice", "list_int")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc (OLE2 compound file)
# Excel keeps 15 significant digits: a longer number typed into a numeric cell has already lost digits.
_EXCEL_MAX_EXACT = 10**15
_TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "对"}
_FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "✗", "错"}
_LIST_SPLIT = re.compile(r"[,，、;；\s]+")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_DATETIME_PATTERN = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: its dict key, Chinese header and how its cells are cast."""

    key: str
    header: str
    required: bool = False
    kind: str = "text"  # text | int | decimal | date | datetime | bool | choice | list_int
    choices: Mapping[str, str] | None = None  # label → value, for kind="choice"
    help: str = ""
    max_length: int | None = None
    # Personal data (ID numbers): an error report shows the value masked, never whole (SEC-3).
    secret: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"column {self.key!r} of kind 'choice' needs choices")


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded sheet, located as the user sees it in Excel."""

    row: int  # Excel row number (header is row 1); 0 for problems with the file itself
    column: str  # header text ("" for whole-row or whole-file errors)
    message: str  # Chinese
    # The bad value, shortened (never more than a short excerpt, issue 8 §1); not part of equality: an
    # error is the same error whatever was typed.
    value: str = field(default="", compare=False)


class ImportFailed(ValidationFailed):
    """The upload was refused; `detail` lists every problem as {"row", "column", "message"}."""

    code = "import_failed"
    default_message = "导入失败,未导入任何数据"

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: Sequence[RowError] = (),
        code: str | None = None,
        detail: Any = None,
    ):
        if detail is None:
            detail = [asdict(e) for e in _capped(errors)]
        super().__init__(message, code=code, detail=detail)

    @property
    def errors(self) -> list[RowError]:
        return [
            RowError(int(d["row"]), str(d["column"]), str(d["message"]), str(d.get("value") or ""))
            for d in (self.detail or [])
        ]


# A hostile sheet can hold a bad value in every one of its cells: the report lists this many (issue 8 §1).
MAX_REPORTED_ERRORS = 1000


class _ErrorList(list):
    """Keeps the first MAX_REPORTED_ERRORS errors and counts the others (memory stays bounded)."""

    def __init__(self, items: Iterable[RowError] = (), dropped: int = 0):
        super().__init__()
        self.dropped = dropped
        self.extend(items)

    def append(self, error: RowError) -> None:
        if len(self) < MAX_REPORTED_ERRORS:
            super().append(error)
        else:
            self.dropped += 1

    def extend(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.append(error)


def _count(errors: Sequence[RowError]) -> int:
    return len(errors) + getattr(errors, "dropped", 0)


def _capped(errors: Sequence[RowError]) -> list[RowError]:
    kept = _ErrorList(errors, dropped=getattr(errors, "dropped", 0))
    if not kept.dropped:
        return list(kept)
    note = f"错误过多:仅列出前 {MAX_REPORTED_ERRORS:,} 处,另有 {kept.dropped:,} 处未列出"
    return [*kept, RowError(0, "", note)]


def _file_error(message: str) -> ImportFailed:
    return ImportFailed(message, errors=[RowError(0, "", message)])


# ---------------------------------------------------------------------------------------------- reading


class _CellError(Exception):
    """A cell could not be cast; the message is Chinese and names what was expected."""


def _whole_number_text(value: float) -> str:
    if abs(value) >= _EXCEL_MAX_EXACT:
        raise _CellError("数字超过 15 位,Excel 已丢失末尾数字;请将该列设为“文本”格式后重新填写")
    if value == int(value):
        return str(int(value))
    return repr(value)


def _cast_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return _whole_number_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M")
            if (value.hour, value.minute) != (0, 0)
            else value.date().isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _cast_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _CellError("应为整数")
    if isinstance(value, float):
        if value != int(value):
            raise _CellError(f"应为整数,实际为 {value:g}")
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise _CellError(f"应为整数,实际为「{excerpt(text)}」") from None
    if not number.is_finite() or number.adjusted() > 18 or number != number.to_integral_value():
        # adjusted() first: int(Decimal("1e999999999")) would build a billion-digit number
        raise _CellError(f"应为整数,实际为「{excerpt(text)}」")
    return int(number)


def _cast_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, bool):
        raise _CellError("应为数字")
    if isinstance(value, int | float):
        # repr of a float is the shortest text that round-trips: 0.1 → "0.1", not 0.1000000000000000055…
        return decimal.Decimal(repr(value) if isinstance(value, float) else value)
    text = str(value).strip().replace(",", "")
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise _CellError(f"应为数字,实际为「{excerpt(text)}」") from None
    if not number.is_finite():
        raise _CellError(f"应为数字,实际为「{excerpt(text)}」")
    return number


def _parse_date_text(text: str) -> dt.date:
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise _CellError(f"日期「{excerpt(text)}」不存在") from None
    raise _CellError(f"应为日期(格式 YYYY-MM-DD),实际为「{excerpt(text)}」")


def _cast_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        # 20240927 typed as a number
        return _parse_date_text(_whole_number_text(float(value)))
    return _parse_date_text(str(value).strip())


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _cast_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return _aware(value)
    if isinstance(value, dt.date):
        return _aware(dt.datetime.combine(value, dt.time()))
    text = str(value).strip()
    match = _DATETIME_PATTERN.match(text)
    if not match:
        raise _CellError(f"应为日期时间(格式 YYYY-MM-DD HH:MM),实际为「{excerpt(text)}」")
    parts = [int(g) if g is not None else 0 for g in match.groups()]
    try:
        return _aware(dt.datetime(*parts))
    except ValueError:
        raise _CellError(f"日期时间「{excerpt(text)}」不存在") from None


def _cast_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise _CellError(f"应填“是”或“否”,实际为「{excerpt(value)}」")


def _cast_choice(value: Any, column: Column) -> str:
    choices = column.choices or {}
    text = _cast_text(value) or ""
    if text in choices:
        return choices[text]
    # A value code (as stored) is accepted too, so that machine-made files import.
    if text in set(choices.values()):
        return text
    allowed = "、".join(choices)
    raise _CellError(f"「{excerpt(text)}」不是有效的选项,可选值:{excerpt(allowed, 200)}")


def _cast_list_int(value: Any) -> list[int]:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return [_cast_int(value)]
    text = str(value).strip()
    parts = [p for p in _LIST_SPLIT.split(text) if p]
    result = []
    for part in parts:
        try:
            result.append(_cast_int(part))
        except _CellError:
            raise _CellError(f"应为以逗号或顿号分隔的整数(如 5,4,3),实际为「{excerpt(text)}」") from None
    return result


def shown(value: Any) -> str:
    """A cell value as an error report shows it: text, at most a short excerpt ("" for a blank cell)."""
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value) and abs(value) < _EXCEL_MAX_EXACT:
        value = int(value)
    elif isinstance(value, dt.datetime | dt.date):
        value = _cast_text(value)
    elif isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    return excerpt(str(value).strip())


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cast_cell(value: Any, column: Column) -> Any:
    """Cast one raw calamine value for `column`; None for a blank cell; raises _CellError."""
    if type(value) is str and column.kind == "text":  # most cells: the same checks, fewer steps
        result = value.strip()
        if not result:
            return None
        if len(value) > MAX_CELL_CHARS or has_control_character(value):
            return _cast_checked(value, column)  # the slow path names the problem
        if column.max_length is not None and len(result) > column.max_length:
            raise _CellError(f"长度不能超过 {column.max_length} 个字符(当前 {len(result)} 个)")
        return result
    return _cast_checked(value, column)


def _cast_checked(value: Any, column: Column) -> Any:
    if _is_blank(value):
        return None
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise _CellError(f"内容过长({len(value):,} 个字符,上限 {MAX_CELL_CHARS:,}):「{excerpt(value)}」")
    if isinstance(value, str) and has_control_character(value):
        raise _CellError("含有不允许的控制字符(如从其他系统复制来的不可见字符),请删除后重试")
    kind = column.kind
    if kind == "text":
        result: Any = _cast_text(value)
        if result is not None and column.max_length is not None and len(result) > column.max_length:
            raise _CellError(f"长度不能超过 {column.max_length} 个字符(当前 {len(result)} 个)")
        return result
    if kind == "int":
        return _cast_int(value)
    if kind == "decimal":
        return _cast_decimal(value)
    if kind == "date":
        return _cast_date(value)
    if kind == "datetime":
        return _cast_datetime(value)
    if kind == "bool":
        return _cast_bool(value)
    if kind == "choice":
        return _cast_choice(value, column)
    result = _cast_list_int(value)
    return result or None


EXAMPLE_SHEET_NAME = "填写示例"
GUIDE_SHEET_NAME = "填写说明"


def _load_sheet(
    data: bytes,
    *,
    name: str | None = None,
    limits: SheetLimits | None = None,
    max_bytes: int | None = None,
) -> list[list[Any]]:
    """Raw rows of the first sheet (or of the sheet called `name`); file problems raise ImportFailed."""
    if max_bytes is None:
        max_bytes = int(getattr(settings, "DUDAO_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    if len(data) > max_bytes:
        raise _file_error(f"文件过大:{len(data) / 1048576:.1f} MB,上限为 {max_bytes / 1048576:.1f} MB")
    if not data:
        raise _file_error("文件为空,请选择填写好的 .xlsx 文件")
    if data.startswith(_OLE_MAGIC):
        raise _file_error("这是旧版 Excel(.xls)文件,请在 Excel/WPS 中“另存为” .xlsx 格式后再导入")
    if not data.startswith(_ZIP_MAGIC):
        raise _file_error("文件不是有效的 Excel(.xlsx)文件,请使用下载的模板填写")
    limits = sheet_limits(limits)
    try:
        # Before calamine sees a byte: it would allocate whatever the archive claims (issue 8 §1).
        check_zip(data, limits=limits)
    except DamagedArchive:
        raise _file_error("文件不是有效的 Excel(.xlsx)文件或已损坏,请使用下载的模板填写") from None
    except UnsafeFile as exc:
        raise _file_error(exc.message) from None
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise _file_error("文件中没有工作表")
        if name is not None and name not in workbook.sheet_names:
            raise _file_error(f"文件中没有工作表「{excerpt(name)}」")
        sheet = workbook.get_sheet_by_name(name) if name is not None else workbook.get_sheet_by_index(0)
        if sheet.height > limits.rows or sheet.width > limits.columns:  # the guard's scan saw less
            raise _file_error(f"工作表过大:上限 {limits.rows - 1:,} 行、{limits.columns} 列")
        # skip_empty_area=False keeps row 1 at index 0, so reported row numbers match Excel's.
        rows = sheet.to_python(skip_empty_area=False)
    except ImportFailed:
        raise
    except Exception:  # calamine raises several unrelated types for damaged or foreign zip files
        raise _file_error("文件不是有效的 Excel(.xlsx)文件或已损坏,请使用下载的模板填写") from None
    return rows


@dataclass
class ParsedRow:
    row: int  # Excel row number
    record: dict[str, Any]
    ok: bool  # False when a cell could not be cast or a required cell is empty
    raw: dict[str, Any] | None = None  # the cells as read (for the value shown beside an error)


_ParsedRow = ParsedRow


def _parse_sheet(rows: list[list[Any]], columns: Sequence[Column]) -> tuple[list[_ParsedRow], list[RowError]]:
    """Header check (raises ImportFailed), then every data row cast cell by cell; cell errors are returned."""
    if not rows or all(_is_blank(v) for v in rows[0]):
        raise _file_error("工作表为空:第 1 行应为表头(请使用下载的模板)")

    by_header = {c.header.strip(): c for c in columns}
    errors: list[RowError] = _ErrorList()
    positions: dict[str, int] = {}  # column key → index in the sheet row
    for index, raw in enumerate(rows[0]):
        if _is_blank(raw):
            continue
        header = str(raw).strip()
        column = by_header.get(header)
        if column is None:
            errors.append(RowError(1, excerpt(header), f"未知的列「{excerpt(header)}」,请使用下载的模板"))
        elif column.key in positions:
            errors.append(RowError(1, excerpt(header), f"列「{excerpt(header)}」重复出现"))
        else:
            positions[column.key] = index
    for column in columns:
        if column.required and column.key not in positions:
            errors.append(RowError(1, column.header, f"缺少必填列「{column.header}」"))
    if errors:
        raise ImportFailed(f"表头有误:共 {_count(errors)} 处问题,未导入任何数据", errors=errors)

    parsed: list[_ParsedRow] = []
    for index, raw_row in enumerate(rows[1:], start=2):
        cells = {key: raw_row[pos] if pos < len(raw_row) else None for key, pos in positions.items()}
        if all(_is_blank(v) for v in cells.values()):
            continue
        record: dict[str, Any] = {}
        ok = True
        for column in columns:
            if column.key not in positions:
                record[column.key] = None
                continue
            try:
                value = cast_cell(cells[column.key], column)
            except _CellError as exc:
                errors.append(RowError(index, column.header, str(exc), shown(cells[column.key])))
                record[column.key] = None
                ok = False
                continue
            if value is None and column.required:
                errors.append(RowError(index, column.header, "必填项不能为空"))
                ok = False
            record[column.key] = value
        parsed.append(ParsedRow(index, record, ok, cells))
    return parsed, errors


_NO_DATA_MESSAGE = "第一个工作表没有数据行:请在第一个工作表第 2 行起填写(“填写示例”工作表仅供参考,不会导入)"


def read_rows(data: bytes, columns: Sequence[Column]) -> list[tuple[int, dict[str, Any]]]:
    """Parse the first sheet into `(excel_row_number, {key: value})`; ImportFailed lists every problem.

    Only the first sheet is read: the template's example rows live on the 填写示例 sheet and are never
    imported.
    """
    parsed, errors = _parse_sheet(_load_sheet(data), columns)
    if errors:
        raise ImportFailed(f"导入失败:共 {_count(errors)} 处错误,未导入任何数据", errors=errors)
    if not parsed:
        raise _file_error(_NO_DATA_MESSAGE)
    return [(p.row, p.record) for p in parsed]


def read_example_rows(data: bytes, columns: Sequence[Column]) -> list[tuple[int, dict[str, Any]]]:
    """The template's example rows (sheet 填写示例), parsed like an import: tests prove examples are valid."""
    parsed, errors = _parse_sheet(_load_sheet(data, name=EXAMPLE_SHEET_NAME), columns)
    if errors:
        raise ImportFailed(f"示例有误:共 {_count(errors)} 处错误", errors=errors)
    return [(p.row, p.record) for p in parsed]


def read_sheet(
    data: bytes,
    columns: Sequence[Column],
    *,
    limits: SheetLimits | None = None,
    max_bytes: int | None = None,
) -> tuple[list[ParsedRow], list[RowError]]:
    """Every data row of the first sheet, cast; cell errors are returned (header or file errors raise).

    The archive guard (upload_guard.check_zip) runs before any reader sees a byte. Bulk imports use this:
    rows with `ok=False` already carry their cell errors; the bulk service checks the others.
    """
    parsed, errors = _parse_sheet(_load_sheet(data, limits=limits, max_bytes=max_bytes), columns)
    if not parsed:
        raise _file_error(_NO_DATA_MESSAGE)
    return parsed, errors


def refuse(errors: Sequence[RowError], columns: Sequence[Column]) -> ImportFailed:
    """The ImportFailed of an all-or-nothing import: every error, sorted by row and column."""
    return ImportFailed(
        f"导入失败:{len({e.row for e in errors})} 行有错误,未导入任何数据"
        if not getattr(errors, "dropped", 0)
        else f"导入失败:共 {_count(errors)} 处错误,未导入任何数据",
        errors=_sorted_errors(errors, columns),
    )


def error_list() -> list[RowError]:
    """A list for RowErrors that keeps the first MAX_REPORTED_ERRORS and counts the rest."""
    return _ErrorList()


def _row_errors(
    row: int, exc: ApplicationError, columns: Sequence[Column], raw: Mapping[str, Any] | None = None
) -> list[RowError]:
    headers = {c.key: c.header for c in columns}
    detail = exc.detail
    if isinstance(detail, Mapping) and detail:
        found: list[RowError] = []
        for field, messages in detail.items():
            items = messages if isinstance(messages, list | tuple) else [messages]
            header = headers.get(str(field), "")
            value = shown((raw or {}).get(str(field))) if header else ""
            for message in items:
                # Fields that are not columns (e.g. "__all__") become whole-row errors.
                found.append(RowError(row, header, str(message), value))
        if found:
            return found
    return [RowError(row, "", exc.message)]


def _masked(errors: Sequence[RowError], columns: Sequence[Column]) -> list[RowError]:
    secret = {c.header for c in columns if c.secret}
    if not secret:
        return list(errors)
    return [
        RowError(e.row, e.column, e.message, mask_middle(e.value, 6, 4))
        if e.column in secret and e.value
        else e
        for e in errors
    ]


def _sorted_errors(errors: Sequence[RowError], columns: Sequence[Column]) -> list[RowError]:
    """By row, then by the column's position in the sheet; whole-row errors last in their row (stable).
    Values of secret columns are masked."""
    position = {c.header: i for i, c in enumerate(columns)}
    ordered = sorted(_masked(errors, columns), key=lambda e: (e.row, position.get(e.column, len(columns))))
    return _ErrorList(ordered, dropped=getattr(errors, "dropped", 0))


def run_import(
    data: bytes, columns: Sequence[Column], row_service: Callable[[dict[str, Any]], object]
) -> int:
    """Parse, then call `row_service(row)` for each row in one transaction; any failure rolls back all.

    One upload reports every problem: rows whose cells could not be parsed are reported and skipped,
    the row service still runs for all the other rows (inside the transaction that is rolled back),
    and both kinds of errors come back together, sorted by row and column.
    """
    parsed, errors = _parse_sheet(_load_sheet(data), columns)
    if not parsed:
        raise _file_error(_NO_DATA_MESSAGE)
    with transaction.atomic():
        for item in parsed:
            if not item.ok:
                continue  # its cell errors are already listed; the service would only repeat them
            try:
                with transaction.atomic():  # savepoint: a failed row leaves the connection usable
                    row_service(item.record)
            except ApplicationError as exc:
                errors.extend(_row_errors(item.row, exc, columns, item.raw))
            except DjangoValidationError as exc:
                errors.extend(_row_errors(item.row, validation_error_from_django(exc), columns, item.raw))
        if errors:
            # Raising inside atomic() rolls back every row that did succeed: all or nothing.
            raise refuse(errors, columns)
    return len(parsed)


# ---------------------------------------------------------------------------------------------- writing

_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def _safe_sheet_name(name: str) -> str:
    cleaned = _SHEET_NAME_BAD.sub("_", name).strip("'") or "Sheet1"
    return cleaned[:31]


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook):
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#E8EEF7", "border": 1, "valign": "vcenter"}
        )
        self.header_required = workbook.add_format(
            {"bold": True, "bg_color": "#E8EEF7", "border": 1, "font_color": "#C00000", "valign": "vcenter"}
        )
        self.text = workbook.add_format({"num_format": "@"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.decimal = workbook.add_format({"num_format": "0.00"})


def _column_format(column: Column, formats: _Formats):
    return {
        "text": formats.text,
        "date": formats.date,
        "datetime": formats.datetime,
        "choice": formats.text,
        "list_int": formats.text,
    }.get(column.kind)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _write_value(sheet, row: int, col: int, column: Column, value: Any, formats: _Formats) -> str:
    """Write one cell typed by the column; returns its text (for column width)."""
    if value is None or value == "":
        sheet.write_blank(row, col, None, _column_format(column, formats))
        return ""
    kind = column.kind
    if kind == "date" and isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        sheet.write_datetime(row, col, dt.datetime.combine(day, dt.time()), formats.date)
        return "0000-00-00"
    if kind == "datetime" and isinstance(value, dt.datetime):
        local = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        sheet.write_datetime(row, col, local, formats.datetime)
        return "0000-00-00 00:00"
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
        return str(value)
    if kind == "decimal" and isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        sheet.write_number(row, col, float(value))
        return str(value)
    if kind == "bool":
        text = "是" if value else "否"
    elif kind == "choice":
        labels = {v: k for k, v in (column.choices or {}).items()}
        text = labels.get(value, str(value))
    elif kind == "list_int" and isinstance(value, list | tuple):
        text = ",".join(str(v) for v in value)
    else:
        text = str(value)
    # Strings stay strings: IDs and codes keep their leading zeros and final X.
    sheet.write_string(row, col, text, formats.text)
    return text


def _write_header(sheet, columns: Sequence[Column], formats: _Formats, *, comments: bool) -> list[int]:
    widths = []
    sheet.set_row(0, 22)
    for col, column in enumerate(columns):
        sheet.write_string(
            0, col, column.header, formats.header_required if column.required else formats.header
        )
        widths.append(max(8, _display_width(column.header) + 2))
        if comments:
            note = _column_note(column)
            if note:
                sheet.write_comment(0, col, note, {"x_scale": 2, "y_scale": 1.5})
    sheet.freeze_panes(1, 0)
    return widths


def _column_note(column: Column) -> str:
    parts = ["必填" if column.required else "选填"]
    hint = {
        "int": "整数",
        "decimal": "数字",
        "date": "日期,格式 YYYY-MM-DD",
        "datetime": "日期时间,格式 YYYY-MM-DD HH:MM",
        "bool": "填“是”或“否”",
        "list_int": "多个整数用逗号或顿号分隔,如 5,4,3",
    }.get(column.kind)
    if hint:
        parts.append(hint)
    if column.kind == "choice" and column.choices:
        parts.append("可选值:" + "、".join(column.choices))
    if column.max_length:
        parts.append(f"不超过 {column.max_length} 个字符")
    if column.help:
        parts.append(column.help)
    return ";".join(parts)


def _add_validations(workbook, sheet, columns: Sequence[Column], last_row: int) -> None:
    options_sheet = None
    options_col = 0
    for col, column in enumerate(columns):
        labels: list[str] = []
        if column.kind == "choice" and column.choices:
            labels = list(column.choices)
        elif column.kind == "bool":
            labels = ["是", "否"]
        if not labels:
            continue
        validation: dict[str, Any] = {
            "validate": "list",
            "error_title": "无效的选项",
            "error_message": "请从下拉列表中选择",
        }
        if len(",".join(labels)) <= 250:
            validation["source"] = labels
        else:  # Excel caps inline list sources at 255 characters: put long lists on a hidden sheet.
            if options_sheet is None:
                options_sheet = workbook.add_worksheet("_选项")
                options_sheet.hide()
            for i, label in enumerate(labels):
                options_sheet.write_string(i, options_col, label)
            letter = xlsxwriter.utility.xl_col_to_name(options_col)
            validation["source"] = f"='_选项'!${letter}$1:${letter}${len(labels)}"
            options_col += 1
        sheet.data_validation(1, col, last_row, col, validation)


def _finish(workbook: xlsxwriter.Workbook, buffer: io.BytesIO) -> bytes:
    workbook.close()
    return buffer.getvalue()


def _new_workbook() -> tuple[xlsxwriter.Workbook, io.BytesIO]:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    return workbook, buffer


def template_workbook(
    columns: Sequence[Column], *, sheet_name: str, example_rows: Sequence[Mapping] = ()
) -> bytes:
    """Import template: an empty data sheet (headers, required in red, with notes; typed columns;
    dropdowns), the example rows on a second sheet 填写示例 (never imported) and the column guide 填写说明."""
    workbook, buffer = _new_workbook()
    formats = _Formats(workbook)
    sheet = workbook.add_worksheet(_safe_sheet_name(sheet_name))
    widths = _write_header(sheet, columns, formats, comments=True)

    if example_rows:
        examples = workbook.add_worksheet(EXAMPLE_SHEET_NAME)
        examples.set_tab_color("#F59F00")
        example_widths = _write_header(examples, columns, formats, comments=False)
        examples.write_comment(
            0, 0, "本工作表仅为填写示例,不会被导入;请在第一个工作表中填写。", {"x_scale": 2, "visible": False}
        )
        for r, example in enumerate(example_rows, start=1):
            for c, column in enumerate(columns):
                text = _write_value(examples, r, c, column, example.get(column.key), formats)
                example_widths[c] = max(example_widths[c], min(40, _display_width(text) + 2))
        for c in range(len(columns)):
            widths[c] = max(widths[c], example_widths[c])
            examples.set_column(c, c, example_widths[c])
    for c, column in enumerate(columns):
        # Column-wide formats make typed-in IDs stay text and dates show as dates.
        sheet.set_column(c, c, widths[c], _column_format(column, formats))

    guide = workbook.add_worksheet(GUIDE_SHEET_NAME)
    guide.write_row(0, 0, ["列名", "是否必填", "填写要求"], formats.header)
    for r, column in enumerate(columns, start=1):
        guide.write_string(r, 0, column.header)
        guide.write_string(r, 1, "必填" if column.required else "选填")
        guide.write_string(
            r, 2, _column_note(column).split(";", 1)[-1] if ";" in _column_note(column) else ""
        )
    last = len(columns) + 2
    guide.write_string(
        last,
        0,
        f"说明:请在第一个工作表「{sheet.name}」中第 2 行起填写,表头不要修改;"
        f"只导入第一个工作表,“{EXAMPLE_SHEET_NAME}”工作表仅供参考,不会导入。",
    )
    guide.write_string(
        last + 1, 0, "导入为“全部成功或全部不导入”:任一行有错时不会导入任何数据,请按错误报告修改后重新导入。"
    )
    guide.set_column(0, 0, 24)
    guide.set_column(1, 1, 10)
    guide.set_column(2, 2, 70)
    # Last: long option lists go to a hidden sheet added after the visible ones.
    _add_validations(workbook, sheet, columns, 5000)
    sheet.activate()  # the file opens on the data sheet
    return _finish(workbook, buffer)


def export_workbook(columns: Sequence[Column], rows: Iterable[Mapping], *, sheet_name: str) -> bytes:
    """Export rows (dicts keyed by column key) as a typed sheet; choices are written as their labels."""
    workbook, buffer = _new_workbook()
    formats = _Formats(workbook)
    sheet = workbook.add_worksheet(_safe_sheet_name(sheet_name))
    widths = _write_header(sheet, columns, formats, comments=False)
    count = 0
    for r, row in enumerate(rows, start=1):
        count = r
        for c, column in enumerate(columns):
            text = _write_value(sheet, r, c, column, row.get(column.key), formats)
            widths[c] = max(widths[c], min(50, _display_width(text) + 2))
    for c in range(len(columns)):
        sheet.set_column(c, c, widths[c])
    if count:
        sheet.autofilter(0, 0, count, max(0, len(columns) - 1))
    return _finish(workbook, buffer)


ERROR_COLUMNS = (
    Column("row", "行", kind="int"),
    Column("column", "列"),
    Column("value", "填写的值"),
    Column("message", "错误"),
)


def error_workbook(errors: Sequence[RowError], *, sheet_name: str = "错误报告") -> bytes:
    """The row-by-row error report of a refused import (行, 列, 填写的值, 错误)."""
    rows = [
        {"row": e.row or None, "column": e.column, "value": e.value, "message": e.message} for e in errors
    ]
    return export_workbook(ERROR_COLUMNS, rows, sheet_name=sheet_name)
