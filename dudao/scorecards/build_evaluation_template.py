"""Build the filled-evaluation-form template ``evaluation_form.docx`` (issue 3 item 6) with python-docx.

    .venv/bin/python -m dudao.scorecards.build_evaluation_template [--out DIR]

Writes ``dudao/documents/templates_docx/evaluation_form.docx`` (committed; admins replace it like any
other template, docs/documents.md). ``table_form`` cannot express the form: section heading rows,
a subtotal row after each section, the totals block with the band, and a signature table with each
member's signing time. Page set-up, styles and table helpers are ``dudao.documents.build_templates``'s
(imported, not edited). Every ``{%p %}`` / ``{%tr %}`` tag sits alone in its paragraph or row.

Context (built by ``dudao.scorecards.documents.evaluation_context``; every value is text):
  title, draft_mark ("（草稿）" / "（已作废）" / ""), form_label, authority_name, institution_name, uscc,
  purpose, evaluation_date, number, status, leader, members,
  sections: [{heading, subtotal_label, max, points,
              rows: [{id, title, max, answer, points, note}]}],
  totals: [{label, max, points}], band_label,
  remarks: [text], signatures: [{duty, name, role, signed_at}],
  evidence: [{no, item, name, kind, size, uploaded_by}], content_digest, date.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from dudao.documents import build_templates as b

NAME = "evaluation_form"
OUT_DIR = b.OUT_DIR

# Column widths in mm of the 156 mm text area (scaled to the text width by _widths). The number columns fit
# their widest content on one line in a wide fallback font (DejaVu, bold for subtotals) with the 1.5 mm cell
# margins: item ids such as "B10.4", points such as "95.25" / "100"; 12 mm printed "95.⏎6" and "B10.⏎3"
# (issue 9 §3 point 7; tests/scorecards/test_evaluation_pdf_layout.py).
ITEM_COLUMNS = (("编号", 16), ("评估内容", 43), ("分值", 15), ("评估结果", 30), ("得分", 16), ("说明", 36))
SIGN_COLUMNS = (("职务", 16), ("姓名", 26), ("身份", 38), ("电子签名时间", 42), ("本人签字", 34))
EVIDENCE_COLUMNS = (("序号", 12), ("项目", 16), ("文件名", 70), ("类型", 18), ("大小", 18), ("上传人", 22))
SHADE = "F2F2F2"  # section rows and the table heads: light grey, prints well in black and white


def _widths(columns) -> list[int]:
    total = sum(w for _, w in columns)
    widths = [round(b.TEXT_WIDTH_TWIPS * w / total) for _, w in columns]
    widths[-1] += b.TEXT_WIDTH_TWIPS - sum(widths)
    return widths


def _shade(cell, fill: str = SHADE) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    b._add_ordered(cell._tc.get_or_add_tcPr(), shd)


def _text(cell, text: str, style: str, *, align=None, bold: bool = False, font: str | None = None):
    p = b._cell_text(cell, text, style, bold=bold, font=font)
    if align is not None:
        p.alignment = align
    return p


def _blank(*cells) -> None:
    """Empty cells take the table style too: the default (三号, 28.95 pt pitch) would double the row."""
    for cell in cells:
        cell.paragraphs[0].style = b._s("DudaoFormText")


def _head_row(row, columns, style: str = "DudaoFormHead") -> None:
    for cell, (title, _) in zip(row.cells, columns, strict=True):
        _text(cell, title, style)
        _shade(cell)
    b._repeat_header(row)


def _tag_row(row, tag: str) -> None:
    """A row holding only a ``{%tr %}`` tag in its first cell (docxtpl replaces the whole row)."""
    b._cell_text(row.cells[0], tag, "DudaoFormText")


CENTER = WD_ALIGN_PARAGRAPH.CENTER


def _header_block(doc) -> None:
    """Who, what, when: label/value rows; institution, authority and members span the whole width."""
    # 「统一社会信用代码」 and an 18-character code (小四) must each fit their cell on one line.
    widths = [round(b.TEXT_WIDTH_TWIPS * w) for w in (0.24, 0.30, 0.16)]
    table = b._table(doc, 7, [*widths, b.TEXT_WIDTH_TWIPS - sum(widths)])
    lines = [
        ("评价机构", "{{ institution_name }}"),
        (("统一社会信用代码", "{{ uscc }}"), ("评估目的", "{{ purpose }}")),
        ("评估机关", "{{ authority_name }}"),
        (("评估表", "{{ form_label }}"), ("评估日期", "{{ evaluation_date }}")),
        (("评估编号", "{{ number }}"), ("状态", "{{ status }}")),
        ("评估组组长", "{{ leader }}"),
        ("评估组成员", "{{ members }}"),
    ]
    for row, line in zip(table.rows, lines, strict=True):
        pairs = line if isinstance(line[0], tuple) else (line,)
        for n, (label, value) in enumerate(pairs):
            _text(row.cells[2 * n], label, "DudaoFormField", align=CENTER, font=b.HEI_FONT)
            cell = row.cells[2 * n + 1] if len(pairs) == 2 else row.cells[1].merge(row.cells[3])
            _text(cell, value, "DudaoFormField")
        row.height = Mm(8)
        b._cant_split(row)


def _items_table(doc) -> None:
    """Section heading, its items, its subtotal; then the totals and the band (the conclusion)."""
    table = b._table(doc, 12, _widths(ITEM_COLUMNS))
    rows = table.rows
    _head_row(rows[0], ITEM_COLUMNS)
    _tag_row(rows[1], "{%tr for s in sections %}")
    heading = rows[2].cells[0].merge(rows[2].cells[5])
    _text(heading, "{{ s.heading }}", "DudaoFormText", font=b.HEI_FONT)
    _shade(heading)
    b._cant_split(rows[2])
    _tag_row(rows[3], "{%tr for r in s.rows %}")
    item = rows[4].cells
    for n, (text, align) in enumerate(
        (
            ("{{ r.id }}", CENTER),
            ("{{ r.title }}", None),
            ("{{ r.max }}", CENTER),
            ("{{ r.answer }}", None),
            ("{{ r.points }}", CENTER),
            ("{{ r.note }}", None),
        )
    ):
        _text(item[n], text, "DudaoFormText", align=align)
    b._cant_split(rows[4])
    _tag_row(rows[5], "{%tr endfor %}")
    sub = rows[6].cells
    _text(sub[0].merge(sub[1]), "{{ s.subtotal_label }}", "DudaoFormText", align=CENTER, font=b.HEI_FONT)
    _text(sub[2], "{{ s.max }}", "DudaoFormText", align=CENTER, bold=True)
    _text(sub[4], "{{ s.points }}", "DudaoFormText", align=CENTER, bold=True)
    _blank(sub[3], sub[5])
    b._cant_split(rows[6])
    _tag_row(rows[7], "{%tr endfor %}")
    _tag_row(rows[8], "{%tr for t in totals %}")
    tot = rows[9].cells
    _text(tot[0].merge(tot[1]), "{{ t.label }}", "DudaoFormText", align=CENTER, font=b.HEI_FONT)
    _text(tot[2], "{{ t.max }}", "DudaoFormText", align=CENTER, bold=True)
    _text(tot[4], "{{ t.points }}", "DudaoFormText", align=CENTER, bold=True)
    _blank(tot[3], tot[5])
    b._cant_split(rows[9])
    _tag_row(rows[10], "{%tr endfor %}")
    band = rows[11].cells
    _text(band[0].merge(band[1]), "评估结论", "DudaoFormText", align=CENTER, font=b.HEI_FONT)
    _text(band[2].merge(band[5]), "{{ band_label }}", "DudaoFormText", bold=True, font=b.HEI_FONT)
    b._cant_split(rows[11])


def _signature_table(doc) -> None:
    b._para(doc, "评估组签名", "DudaoFormSign").paragraph_format.keep_with_next = True
    table = b._table(doc, 4, _widths(SIGN_COLUMNS))
    rows = table.rows
    _head_row(rows[0], SIGN_COLUMNS)
    _tag_row(rows[1], "{%tr for m in signatures %}")
    cells = rows[2].cells
    for n, text in enumerate(("{{ m.duty }}", "{{ m.name }}", "{{ m.role }}", "{{ m.signed_at }}", "")):
        _text(cells[n], text, "DudaoFormText", align=CENTER)
    rows[2].height = Mm(11)  # room for a handwritten signature on the printed form
    b._cant_split(rows[2])
    _tag_row(rows[3], "{%tr endfor %}")


def _evidence_table(doc) -> None:
    b._tag(doc, "{%p if evidence %}")
    b._para(doc, "附：证据材料清单", "DudaoFormSign").paragraph_format.keep_with_next = True
    table = b._table(doc, 4, _widths(EVIDENCE_COLUMNS))
    rows = table.rows
    _head_row(rows[0], EVIDENCE_COLUMNS)
    _tag_row(rows[1], "{%tr for e in evidence %}")
    cells = rows[2].cells
    for n, (text, align) in enumerate(
        (
            ("{{ e.no }}", CENTER),
            ("{{ e.item }}", CENTER),
            ("{{ e.name }}", None),
            ("{{ e.kind }}", CENTER),
            ("{{ e.size }}", CENTER),
            ("{{ e.uploaded_by }}", CENTER),
        )
    ):
        _text(cells[n], text, "DudaoFormText", align=align)
    b._cant_split(rows[2])
    _tag_row(rows[3], "{%tr endfor %}")
    b._tag(doc, "{%p endif %}")


def _compact_styles(doc) -> None:
    """Table text at a fixed line pitch: Noto CJK's single spacing is ~1.4 lines and a 43-item form with
    notes would need two more pages. Only this template's copies of the styles change."""
    for style_id, size, pitch in (
        ("DudaoFormText", None, 14),
        ("DudaoFormHead", None, 14),
        ("DudaoFormRemark", 12, 20),
    ):
        style = doc.styles[b._s(style_id)]
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(pitch)
        if size:
            style.font.size = Pt(size)


def build_evaluation_form(path: Path) -> None:
    """评估表 (filled): title (+ red 草稿 mark), header block, items, totals, band, signatures, evidence."""
    doc = b.new_document(title_property="{{ title }}")
    _compact_styles(doc)
    title = b._para(doc, "{{ title }}", "DudaoTitle")
    title.paragraph_format.space_before = Pt(0)
    title.paragraph_format.space_after = Pt(0)
    mark = title.add_run("{{ draft_mark }}")
    mark.font.color.rgb = b.RED
    b._para(doc, "{{ form_label }}", "DudaoFormSubtitle")
    b._para(doc, "", "DudaoSpacer")
    _header_block(doc)
    b._para(doc, "", "DudaoSpacer")
    _items_table(doc)
    b._tag(doc, "{%p for r in remarks %}")
    b._para(doc, "{{ r }}", "DudaoFormRemark")
    b._tag(doc, "{%p endfor %}")
    _signature_table(doc)
    b._tag(doc, "{%p if content_digest %}")
    digest = b._para(doc, "签名内容摘要：{{ content_digest }}", "DudaoFormText")
    digest.paragraph_format.space_before = Pt(4)
    b._tag(doc, "{%p endif %}")
    _evidence_table(doc)
    b._para(doc, "", "DudaoSpacer")
    sig = b._table(doc, 1, [round(Pt(232).twips)], borders=b.NO_BORDERS, align="right")
    cell = sig.cell(0, 0)
    _text(cell, "{{ authority_name }}", "DudaoFormSign", align=CENTER)
    cell.add_paragraph(style=b._s("DudaoFormField")).add_run("{{ date }}")
    cell.paragraphs[-1].alignment = CENTER
    doc.save(path)


def build_all(out_dir: Path = OUT_DIR) -> list[Path]:
    return b.write_templates({NAME: build_evaluation_form}, out_dir)


def main(argv: list[str] | None = None) -> None:
    b.command_line({NAME: build_evaluation_form}, "生成评估表(已填写)的 .docx 模板", argv)


if __name__ == "__main__":
    main()
