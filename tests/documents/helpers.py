"""Sample contexts and readers for the documents tests (python-docx for DOCX, poppler for PDF)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn

DUDAO = Path(sys.executable).parent / "dudao"

LETTER = {
    "authority_name": "江西省职业技能鉴定指导中心",
    "doc_number": "赣技鉴督〔2024〕12号",
    "title": "关于对南昌市某职业技能培训学校开展专项督导的意见书",
    "recipient": "南昌市某职业技能培训学校",
    "paragraphs": [
        "根据《职业技能等级认定工作规程》，我中心于2024年9月27日对你单位开展了专项督导。",
        {"heading": "一、总体情况"},
        "你单位能够按照备案范围组织开展认定工作，考务管理基本规范。",
        {"heading": "（一）考评人员管理", "level": 2},
        "部分考评员未按规定回避；机构名称「A&B<培训>」原样保留。",
    ],
    "table": {
        "title": "发现问题清单",
        "headers": ["序号", "问题", "整改期限"],
        "rows": [["1", "考评员未回避", "2024年10月25日"], ["2", "试卷保管不规范", "2024年10月25日"]],
        "widths": [1, 5, 2],
        "align": ["center", "left", "center"],
    },
    "attachments": ["督导发现问题清单", "整改报告模板"],
    "signer": "江西省职业技能鉴定指导中心",
    "date": "2024-09-30",
    "cc": ["江西省人力资源和社会保障厅", "南昌市人力资源和社会保障局"],
    "printed_by": "江西省职业技能鉴定指导中心办公室",
    "printed_on": "2024-09-30",
}

# Only what the template cannot do without: every optional block is absent.
LETTER_MINIMAL = {
    "authority_name": "重庆市职业技能鉴定指导中心",
    "doc_number": "渝技鉴〔2024〕3号",
    "title": "延续备案回执",
    "paragraphs": ["你单位提交的延续备案申请材料已收到。"],
    "signer": "重庆市职业技能鉴定指导中心",
    "date": "2024-10-08",
}

FORM = {
    "authority_name": "重庆市职业技能鉴定指导中心",
    "title": "重庆市职业技能等级认定机构延续备案评估表",
    "subtitle": "CQ-RENEWAL 第 1 版",
    "number": "PG-2024-0031",
    "fields": [
        {"label": "机构名称", "value": "重庆某职业培训学校"},
        {"label": "评估日期", "value": "2024年9月27日"},
        {"label": "评估组组长", "value": "张三"},
    ],
    "columns": [
        {"title": "编号", "width": 1},
        {"title": "评估内容", "width": 6, "align": "left"},
        {"title": "分值", "width": 1},
        {"title": "得分", "width": 1},
        {"title": "备注", "width": 3, "align": "left"},
    ],
    "rows": [
        {"section": "一、内部管理（10分）"},
        ["A1.1", "设立机构负责人等岗位并配备人员", "4", "3.6", "缺证书管理员"],
        ["A1.2", "岗位职责明确并能认真履职", "2", "2", ""],
        {"section": "二、评价实施（67分）"},
        ["B1.1", "按备案职业（工种）范围开展评价", "5", "5", ""],
    ],
    "totals": ["合计", "", "11", "10.6", "结论：符合"],
    "remarks": ["评估结论：总分 86.5 分，结论为「符合」。"],
    "signatures": [
        {"label": "评估组组长（签字）"},
        {"label": "评估组成员（签字）", "name": "李四、王五", "date": "2024-09-27"},
    ],
    "issuer": "重庆市职业技能鉴定指导中心",
    "date": "2024-09-30",
}

FORM_MINIMAL = {"title": "检查记录表", "columns": ["序号", "检查内容"], "rows": [["1", "考场布置"]]}


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def blocks(data: bytes) -> list[Any]:
    """The body in order: (style name, text) per paragraph, [[cell text]] per table."""
    doc = open_docx(data)
    styles = {s.style_id: s.name for s in doc.styles}
    out: list[Any] = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            style = child.pPr.style if child.pPr is not None else None
            out.append((styles.get(style, style), _text(child)))
        elif child.tag == qn("w:tbl"):
            out.append([[_text(tc) for tc in tr.tc_lst] for tr in child.tr_lst])
    return out


def _text(element) -> str:
    """Paragraph text with <w:br/> as newline and <w:tab/> as tab; text boxes (the seal) excluded."""
    parts = []
    for node in element.iter(qn("w:t"), qn("w:br"), qn("w:tab"), qn("w:p")):
        if any(a.tag == qn("w:txbxContent") for a in node.iterancestors()):
            continue
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:br"):
            parts.append("\n")
        elif node.tag == qn("w:tab") and node.getparent().tag == qn("w:r"):  # not a tab stop
            parts.append("\t")
        elif node.tag == qn("w:p") and node is not element and parts:
            parts.append("\n")
    return "".join(parts).strip("\n") if element.tag == qn("w:tc") else "".join(parts)


def all_xml(data: bytes) -> str:
    """Every XML part of the package (body, headers, footers, properties) as one string."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return run.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Drop all whitespace: pdftotext breaks long CJK lines wherever the layout wrapped them."""
    return re.sub(r"\s+", "", text)


def pdf_info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    return dict(line.split(":", 1) for line in run.stdout.splitlines() if ":" in line)


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    return [line.split()[0].split("+", 1)[-1] for line in run.stdout.splitlines()[2:]]


def page_pixels(pdf: bytes, tmp_path: Path, *, page: int = 1, dpi: int = 30) -> tuple[int, int, bytes]:
    """Rasterise one page to raw RGB (binary PPM from pdftoppm): (width, height, pixels)."""
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), str(path)],
        capture_output=True,
        check=True,
    )
    data = run.stdout
    # P6 header: magic, width, height, maxval separated by whitespace, then width*height*3 bytes.
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P6"
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[len(data) - width * height * 3 :]


def red_rows(width: int, height: int, pixels: bytes) -> list[int]:
    """Row indexes that hold at least one clearly red pixel."""
    rows = []
    for y in range(height):
        row = pixels[y * width * 3 : (y + 1) * width * 3]
        if any(row[i] > 180 and row[i + 1] < 90 and row[i + 2] < 90 for i in range(0, len(row), 3)):
            rows.append(y)
    return rows


def run_dudao(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console script in a fresh DUDAO_VAR_DIR (no database is ever opened)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DUDAO_TEST_DB_NAME")}
    env["DUDAO_VAR_DIR"] = str(tmp_path / "var")
    return subprocess.run(
        [str(DUDAO), *args],
        env=env,
        cwd=tmp_path,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
