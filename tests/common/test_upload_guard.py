"""Hostile xlsx files (issue 8 §1): refused before calamine parses them, with a short Chinese message.

The probes repeat the outside tester's: a ~100 KB workbook holding one 100 MB cell (1 GB and 10 s per
worker before; its cell echoed twice into a 210 MB error page), a million tiny rows, 10,000 zip entries, a
1:1000 entry, a non-zip renamed .xlsx, plus grid bombs (two far corners, unlabeled cells), a lying size
and a nested archive. Time and memory are measured by bench/hostile_files_bench.py, not asserted here.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from dudao.common import upload_guard as guard
from dudao.common.excel import Column, ImportFailed, read_rows
from dudao.common.upload_guard import UnsafeFile, check_zip, excerpt
from dudao.registry.models import Region
from tests import hostile_files as hf

COLUMNS = [Column("code", "区划代码", required=True), Column("name", "名称", kind="int")]
# Shorter than any echo of a hostile value could be; every refusal below fits easily.
MAX_MESSAGE = 200


@pytest.fixture(scope="module")
def huge_cell_file() -> bytes:
    return hf.huge_cell(100)


CASES = {
    "huge_cell_100mb": (None, "疑似压缩炸弹"),
    "huge_cell_20mb": (lambda: hf.huge_cell(20), "单元格最多 32,767 个字符"),
    "rows_1m": (hf.many_rows, "工作表行数超过上限 50,000 行"),
    "sparse_corners": (hf.sparse_corners, "工作表行数超过上限"),
    "unlabeled_wide_rows": (hf.unlabeled_wide_rows, "工作表列数超过上限 200 列"),
    "entries_10000": (hf.many_entries, "条目过多(10,006 个,上限 1,000 个)"),
    "ratio_1000": (hf.high_ratio, "压缩比异常(超过 200:1)"),
    "lying_size": (hf.lying_size, "条目大小与声明不符"),
    "nested_archive": (hf.nested_archive, "嵌入了其他压缩文件"),
    "not_a_zip": (hf.not_a_zip, "文件不是有效的 Excel(.xlsx)文件"),
    "html_renamed": (hf.html_renamed, "文件不是有效的 Excel(.xlsx)文件"),
}


def _probe(name: str, huge_cell_file: bytes) -> bytes:
    build = CASES[name][0]
    return huge_cell_file if build is None else build()


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_workbook_is_refused_with_a_short_message(name, huge_cell_file):
    data = _probe(name, huge_cell_file)
    with pytest.raises(ImportFailed) as caught:
        read_rows(data, COLUMNS)
    message = caught.value.message
    assert CASES[name][1] in message
    assert len(message) < MAX_MESSAGE
    assert [(e.row, e.column, e.message) for e in caught.value.errors] == [(0, "", message)]


def test_the_rows_cap_holds_on_both_sides(monkeypatch):
    """Header + MAX_SHEET_ROWS - 1 data rows pass; one more row is refused (≤, not <)."""
    monkeypatch.setattr(guard, "MAX_SHEET_ROWS", 11)
    fits = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 12))
    check_zip(hf.xlsx(fits))
    over = fits + '<row r="12"><c r="A12"><v>12</v></c></row>'
    with pytest.raises(UnsafeFile, match="工作表行数超过上限 10 行"):
        check_zip(hf.xlsx(over))


def test_the_columns_and_cells_caps_hold_on_both_sides(monkeypatch):
    monkeypatch.setattr(guard, "MAX_SHEET_COLUMNS", 3)
    check_zip(hf.xlsx('<row r="1"><c r="C1"><v>1</v></c></row>'))
    with pytest.raises(UnsafeFile, match="列数超过上限 3 列"):
        check_zip(hf.xlsx('<row r="1"><c r="D1"><v>1</v></c></row>'))
    monkeypatch.setattr(guard, "MAX_SHEET_CELLS", 6)  # 2 rows × 3 columns
    check_zip(hf.xlsx('<row r="2"><c r="C2"><v>1</v></c></row>'))
    with pytest.raises(UnsafeFile, match="单元格区域过大"):
        check_zip(hf.xlsx('<row r="3"><c r="C3"><v>1</v></c></row>'))


def test_unlabeled_cells_are_counted_like_a_reader_counts_them(monkeypatch):
    """Cells without r="…" take the next column: three of them reach column C (slow path)."""
    monkeypatch.setattr(guard, "MAX_SHEET_COLUMNS", 3)
    check_zip(hf.xlsx("<row><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c></row>"))
    with pytest.raises(UnsafeFile, match="列数超过上限 3 列"):
        check_zip(hf.xlsx("<row><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c></row>"))


def test_formatted_empty_cells_do_not_count():
    """<c r="XFD1048576" s="1"/> holds no value: readers skip it, so a styled sheet is not a bomb."""
    check_zip(
        hf.xlsx('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="1"/></row>')
    )


def test_the_ratio_and_entry_limits_hold_on_both_sides(monkeypatch):
    monkeypatch.setattr(guard, "RATIO_FLOOR", 0)
    data = hf.high_ratio(1)
    entry = next(i for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if "media" in i.filename)
    ratio = entry.file_size / entry.compress_size
    monkeypatch.setattr(guard, "MAX_RATIO", int(ratio) + 1)
    check_zip(data)
    monkeypatch.setattr(guard, "MAX_RATIO", int(ratio) - 1)
    with pytest.raises(UnsafeFile, match="压缩比异常"):
        check_zip(data)
    entries = len(zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(guard, "MAX_RATIO", 10_000)
    monkeypatch.setattr(guard, "MAX_ENTRIES", entries)
    check_zip(data)
    monkeypatch.setattr(guard, "MAX_ENTRIES", entries - 1)
    with pytest.raises(UnsafeFile, match="条目过多"):
        check_zip(data)


def test_the_uncompressed_budget_holds_on_both_sides(monkeypatch):
    data = hf.xlsx('<row r="1"><c r="A1"><v>1</v></c></row>')
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(guard, "MAX_TOTAL_UNCOMPRESSED", total)
    check_zip(data)
    monkeypatch.setattr(guard, "MAX_TOTAL_UNCOMPRESSED", total - 1)
    with pytest.raises(UnsafeFile, match="疑似压缩炸弹"):
        check_zip(data)


def test_a_long_cell_is_reported_with_an_excerpt_only():
    """A 40,000-character cell passes the archive check (its text run is short enough) and fails per cell."""
    long_value = "甲" * 40_000
    data = hf.xlsx(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>区划代码</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>名称</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{long_value}</t></is></c>'
        f'<c r="B2" t="inlineStr"><is><t>{"乙" * 5000}</t></is></c></row>'
    )
    with pytest.raises(ImportFailed) as caught:
        read_rows(data, COLUMNS)
    messages = {e.column: e.message for e in caught.value.errors}
    assert messages["区划代码"] == f"内容过长(40,000 个字符,上限 32,767):「{'甲' * 50}…」"
    assert messages["名称"] == f"应为整数,实际为「{'乙' * 50}…」"


def test_excerpt_boundary():
    assert excerpt("a" * 50) == "a" * 50
    assert excerpt("a" * 51) == "a" * 50 + "…"


def test_a_normal_workbook_still_imports():
    data = hf.xlsx(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>7</v></c></row>',
        strings=["区划代码", "名称", "360100"],
    )
    assert read_rows(data, COLUMNS) == [(2, {"code": "360100", "name": 7})]


# ------------------------------------------------------------------------ every import path


@pytest.fixture
def bomb() -> bytes:
    return hf.sparse_corners()  # tiny, and the worst: calamine alone would allocate ~500 GB


IMPORT_PAGES = [
    "/registry/institutions/import/",
    "/registry/occupations/import/",
    "/registry/regions/import/",
    "/people/supervisors/import/",
    "/people/examiners/import/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", IMPORT_PAGES)
def test_every_import_page_refuses_a_bomb(url, bomb, users, client_as):
    upload = io.BytesIO(bomb)
    upload.name = "bomb.xlsx"
    response = client_as(users["superuser"]).post(url, {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "工作表行数超过上限" in html
    assert len(response.content) < 200_000


@pytest.mark.django_db
def test_the_region_import_api_refuses_a_bomb(bomb, users, client_as):
    upload = io.BytesIO(bomb)
    upload.name = "bomb.xlsx"
    response = client_as(users["superuser"]).post("/api/v1/registry/regions/import", {"file": upload})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_failed" and "工作表行数超过上限" in body["message"]


@pytest.mark.django_db
def test_the_import_regions_command_refuses_a_bomb(bomb, tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    before = Region.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("import-regions", str(path))
    assert "工作表行数超过上限" in str(caught.value)
    assert Region.objects.count() == before


def test_the_error_report_is_capped_on_both_sides(monkeypatch):
    """A bad value in every cell must not become a report (and page) as large as the sheet."""
    from dudao.common import excel

    monkeypatch.setattr(excel, "MAX_REPORTED_ERRORS", 3)
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>bad</t></is></c></row>'
        for n in range(2, 6)
    )
    header = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>区划代码</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>名称</t></is></c></row>'
    )
    with pytest.raises(ImportFailed) as four:
        read_rows(hf.xlsx(header + rows), COLUMNS)
    assert [e.row for e in four.value.errors] == [2, 3, 4, 0]
    assert four.value.errors[-1].message == "错误过多:仅列出前 3 处,另有 1 处未列出"
    assert four.value.message == "导入失败:共 4 处错误,未导入任何数据"
    with pytest.raises(ImportFailed) as three:
        read_rows(hf.xlsx(header + rows.rsplit("<row", 1)[0]), COLUMNS)
    assert [e.row for e in three.value.errors] == [2, 3, 4]
