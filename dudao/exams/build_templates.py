"""Build the exam papers' .docx templates with the documents app's building blocks.

    .venv/bin/python -m dudao.exams.build_templates [--out DIR]

Writes ``exam_ticket.docx`` (准考证, one A4 page per candidate), ``exam_seat_list.docx`` (考场座位表暨考生
签到表) and ``exam_room_record.docx`` (考场记录) into ``dudao/documents/templates_docx/``, where
``dudao.documents.render`` finds them and admins may override them like any other template
(docs/documents.md). Page set-up, styles and table helpers are ``dudao.documents.build_templates``'s
(imported, not edited). Every ``{%p %}`` / ``{%tr %}`` tag sits alone in its paragraph or row (DESIGN:
pitfalls).

Context keys: ``dudao/exams/documents.py`` (one context builder per paper).
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.shared import Mm, Twips

from dudao.documents import build_templates as b

OUT_DIR = b.OUT_DIR
NAMES = ("exam_ticket", "exam_seat_list", "exam_room_record")

# Column widths in mm of the 156 mm text area (scaled to the exact text width by _widths).
TICKET_INFO_COLUMNS = (("项目", 30), ("内容", 76), ("照片", 50))
TICKET_SESSION_COLUMNS = (("科目", 29), ("考试时间", 36), ("考场", 22), ("座位号", 17), ("考试地点", 52))
SEAT_COLUMNS = (("座位号", 16), ("姓名", 24), ("身份证号", 46), ("准考证号", 32), ("考生签名", 38))
STAFF_COLUMNS = (("序号", 14), ("姓名", 34), ("类别", 34), ("本人签名", 74))
SWAP_COLUMNS = (("时间", 16), ("考生", 20), ("原座位", 30), ("新座位", 30), ("原因", 40), ("登记人", 20))
VIOLATION_COLUMNS = (("序号", 13), ("时间", 16), ("考生", 22), ("违纪事实", 45), ("处理", 24), ("审批", 36))
CHECK_COLUMNS = (("考评员", 26), ("结论", 34), ("拒绝原因", 74), ("时间", 22))
NOTE_COLUMNS = (("时间", 20), ("记录", 106), ("记录人", 30))


def _widths(columns) -> list[int]:
    total = sum(w for _, w in columns)
    widths = [round(b.TEXT_WIDTH_TWIPS * w / total) for _, w in columns]
    widths[-1] += b.TEXT_WIDTH_TWIPS - sum(widths)
    return widths


def _styles(doc) -> None:
    """The styles these papers add to the documents app's set (12 pt forms, not 三号 letters)."""
    b._para_style(doc, "DudaoExamTitle", "考务文书标题", font=b.TITLE_FONT, size=22, line_pt=None,
                  align=WD_ALIGN_PARAGRAPH.CENTER, after_pt=4)  # fmt: skip
    b._para_style(doc, "DudaoExamSubtitle", "考务文书副标题", font=b.KAI_FONT, size=14, line_pt=None,
                  align=WD_ALIGN_PARAGRAPH.CENTER, after_pt=8)  # fmt: skip
    b._para_style(doc, "DudaoExamHeading", "考务文书小标题", font=b.HEI_FONT, size=14, line_pt=None,
                  align=WD_ALIGN_PARAGRAPH.LEFT, before_pt=10, after_pt=4, keep_next=True)  # fmt: skip
    b._para_style(doc, "DudaoExamText", "考务文书正文", size=12, line_pt=20, align=WD_ALIGN_PARAGRAPH.LEFT,
                  first_line_chars=2)  # fmt: skip
    b._para_style(doc, "DudaoExamNote", "考生须知条目", size=12, line_pt=20, align=WD_ALIGN_PARAGRAPH.LEFT,
                  left_chars=2, hanging_chars=2)  # fmt: skip
    b._para_style(doc, "DudaoExamSign", "考务签字栏", size=12, line_pt=None, before_pt=16,
                  align=WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip


def _no_page_numbers(doc) -> None:
    """A ticket is one sheet per candidate: no 「— 1 —」 footer (the first section links to none)."""
    section = doc.sections[0]
    section.footer.is_linked_to_previous = True
    section.even_page_footer.is_linked_to_previous = True


def _row_height(row, mm: float) -> None:
    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def _rows_table(doc, columns, cells, loop: str, *, row_mm: float | None = None, left: tuple[int, ...] = ()):
    """A fixed-column table: a header row (repeated on each page), then one row per item of `loop`;
    the columns in `left` read left-aligned (long text), the others centred."""
    table = b._table(doc, 4, _widths(columns))
    header, start, body, end = table.rows
    for cell, (title, _) in zip(header.cells, columns, strict=True):
        b._cell_text(cell, title, "DudaoTableHead")
    b._repeat_header(header)
    b._cell_text(start.cells[0], f"{{%tr for r in {loop} %}}", "DudaoTableText")
    for i, (cell, text) in enumerate(zip(body.cells, cells, strict=True)):
        p = b._cell_text(cell, text, "DudaoTableText")
        if i in left:
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    b._cant_split(body)
    if row_mm:
        _row_height(body, row_mm)
    b._cell_text(end.cells[0], "{%tr endfor %}", "DudaoTableText")
    return table


def _section_table(doc, heading: str, loop: str, columns, cells, *, left: tuple[int, ...] = ()) -> None:
    """A titled section: the table of `loop`'s rows, or 「无。」 when there are none."""
    b._para(doc, heading, "DudaoExamHeading")
    b._tag(doc, f"{{%p if {loop} %}}")
    _rows_table(doc, columns, cells, loop, left=left)
    b._tag(doc, "{%p else %}")
    b._para(doc, "无。", "DudaoExamText")
    b._tag(doc, "{%p endif %}")


def _fields_table(doc) -> None:
    """Header block: two label/value pairs per row from `fields` ([{label, value}]), then one row per
    item of `wide_fields` whose value spans the table (times, addresses)."""
    label_w, value_w = round(b.TEXT_WIDTH_TWIPS * 0.19), round(b.TEXT_WIDTH_TWIPS * 0.31)
    table = b._table(doc, 6, [label_w, value_w, label_w, b.TEXT_WIDTH_TWIPS - 2 * label_w - value_w])
    start, row, end, wide_start, wide, wide_end = table.rows
    b._cell_text(start.cells[0], "{%tr for pair in fields|batch(2) %}", "DudaoFormField")
    b._cell_text(
        row.cells[0], "{{ pair[0].label }}", "DudaoFormField", font=b.HEI_FONT
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    b._cell_text(row.cells[1], "{{ pair[0].value }}", "DudaoFormField")
    b._cell_text(
        row.cells[2], "{{ pair[1].label if pair|length > 1 else '' }}", "DudaoFormField", font=b.HEI_FONT
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    b._cell_text(row.cells[3], "{{ pair[1].value if pair|length > 1 else '' }}", "DudaoFormField")
    b._cant_split(row)
    b._cell_text(end.cells[0], "{%tr endfor %}", "DudaoFormField")
    b._cell_text(wide_start.cells[0], "{%tr for f in wide_fields %}", "DudaoFormField")
    b._cell_text(
        wide.cells[0], "{{ f.label }}", "DudaoFormField", font=b.HEI_FONT
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    b._cell_text(wide.cells[1].merge(wide.cells[3]), "{{ f.value }}", "DudaoFormField")
    b._cant_split(wide)
    b._cell_text(wide_end.cells[0], "{%tr endfor %}", "DudaoFormField")


def _sign_line(doc, text: str) -> None:
    """「<who>签名：______  日期：____年__月__日」 with the date flush right."""
    p = b._para(doc, text + "\t日期：______年____月____日", "DudaoExamSign")
    p.paragraph_format.tab_stops.add_tab_stop(Twips(b.TEXT_WIDTH_TWIPS), WD_TAB_ALIGNMENT.RIGHT)
    p.paragraph_format.keep_with_next = True


def _page_break_before(paragraph) -> None:
    b._add_ordered(paragraph._p.get_or_add_pPr(), OxmlElement("w:pageBreakBefore"))


def build_exam_ticket(path: Path) -> None:
    """准考证: one page per item of `tickets`: who, what, photo, QR, the sessions, 考生须知."""
    doc = b.new_document(title_property="准考证")
    _styles(doc)
    _no_page_numbers(doc)
    b._tag(doc, "{%p for t in tickets %}")
    # Each ticket starts a page (LibreOffice and Word ignore the break on the document's first paragraph).
    _page_break_before(b._para(doc, "{{ t.plan_title }}", "DudaoExamSubtitle"))
    b._para(doc, "准　考　证", "DudaoExamTitle")

    info = b._table(doc, 7, _widths(TICKET_INFO_COLUMNS))
    labels = (
        ("准考证号", "{{ t.ticket_number }}"),
        ("姓　　名", "{{ t.name }}"),
        ("身份证号", "{{ t.id_number_masked }}"),
        ("报 名 号", "{{ t.registration_number }}"),
        ("职业（工种）", "{{ t.occupation }}"),
        ("申报等级", "{{ t.level }}"),
        ("评价机构", "{{ t.institution_name }}"),
    )
    for row, (label, value) in zip(info.rows, labels, strict=True):
        b._cell_text(
            row.cells[0], label, "DudaoFormField", font=b.HEI_FONT
        ).alignment = WD_ALIGN_PARAGRAPH.CENTER
        b._cell_text(row.cells[1], value, "DudaoFormField")
        _row_height(row, 9)
        b._cant_split(row)
    photo = info.cell(0, 2).merge(info.cell(3, 2))
    b._cell_text(photo, "{{ t.photo or '（贴照片处）' }}", "DudaoTableText")
    qr = info.cell(4, 2).merge(info.cell(6, 2))
    b._cell_text(qr, "{{ t.qr }}", "DudaoTableText")
    qr.add_paragraph(style=b._s("DudaoTableText")).add_run("签到二维码")

    b._para(doc, "考试安排", "DudaoExamHeading")
    _rows_table(
        doc,
        TICKET_SESSION_COLUMNS,
        ("{{ r.subject }}", "{{ r.time }}", "{{ r.room }}", "{{ r.seat }}", "{{ r.venue }}"),
        "t.sessions",
        left=(4,),
    )
    b._para(doc, "考生须知", "DudaoExamHeading")
    b._tag(doc, "{%p for n in instructions %}")
    b._para(doc, "{{ loop.index }}．{{ n }}", "DudaoExamNote")
    b._tag(doc, "{%p endfor %}")
    b._tag(doc, "{%p endfor %}")
    doc.save(path)


def build_exam_seat_list(path: Path) -> None:
    """考场座位表暨考生签到表: the room's header block, one row per seat with a signature cell."""
    doc = b.new_document(title_property="考场座位表暨考生签到表")
    _styles(doc)
    b._para(doc, "{{ plan_title }}", "DudaoExamSubtitle")
    b._para(doc, "考场座位表暨考生签到表", "DudaoExamTitle")
    _fields_table(doc)
    b._para(doc, "", "DudaoSpacer")
    _rows_table(
        doc,
        SEAT_COLUMNS,
        ("{{ r.seat }}", "{{ r.name }}", "{{ r.id_number_masked }}", "{{ r.ticket_number }}", ""),
        "seats",
        row_mm=10,
    )
    b._para(doc, "应到{{ seats|length }}人，实到______人，缺考______人。", "DudaoExamSign")
    _sign_line(doc, "{{ staff_label }}签名：________________________")
    doc.save(path)


def build_exam_room_record(path: Path) -> None:
    """考场记录: staff, attendance, swaps, violations (EXAM-8), venue checks (EXAM-19), notes, signatures."""
    doc = b.new_document(title_property="考场记录")
    _styles(doc)
    b._para(doc, "{{ plan_title }}", "DudaoExamSubtitle")
    b._para(doc, "考场记录", "DudaoExamTitle")
    _fields_table(doc)

    b._para(doc, "一、{{ staff_label }}", "DudaoExamHeading")
    b._tag(doc, "{%p if staff %}")
    _rows_table(doc, STAFF_COLUMNS, ("{{ r.no }}", "{{ r.name }}", "{{ r.kind }}", ""), "staff", row_mm=9)
    b._tag(doc, "{%p else %}")
    b._para(doc, "未安排。", "DudaoExamText")
    b._tag(doc, "{%p endif %}")
    b._tag(doc, "{%p for r in replacements %}")
    b._para(doc, "人员替换：{{ r.old }}替换为{{ r.new }}，原因：{{ r.reason }}。", "DudaoExamText")
    b._tag(doc, "{%p endfor %}")

    b._para(doc, "二、考生出勤", "DudaoExamHeading")
    b._para(
        doc,
        "应到{{ attendance.expected }}人，实到{{ attendance.attended }}人"
        "（其中按时签到{{ attendance.present }}人、迟到{{ attendance.late }}人），"
        "缺考{{ attendance.absent }}人"
        "{% if attendance.unrecorded %}，未登记{{ attendance.unrecorded }}人{% endif %}。",
        "DudaoExamText",
    )
    b._tag(doc, "{%p if late_names %}")
    b._para(doc, "迟到考生：{{ late_names }}。", "DudaoExamText")
    b._tag(doc, "{%p endif %}")
    b._tag(doc, "{%p if absent_names %}")
    b._para(doc, "缺考考生：{{ absent_names }}。", "DudaoExamText")
    b._tag(doc, "{%p endif %}")
    b._tag(doc, "{%p if unrecorded_names %}")
    b._para(doc, "未登记考生：{{ unrecorded_names }}。", "DudaoExamText")
    b._tag(doc, "{%p endif %}")

    _section_table(
        doc,
        "三、换座记录",
        "swaps",
        SWAP_COLUMNS,
        (
            "{{ r.at }}",
            "{{ r.name }}",
            "{{ r.from_label }}",
            "{{ r.to_label }}",
            "{{ r.reason }}",
            "{{ r.by }}",
        ),
        left=(4,),
    )
    _section_table(
        doc,
        "四、违纪情况",
        "violations",
        VIOLATION_COLUMNS,
        ("{{ r.no }}", "{{ r.at }}", "{{ r.who }}", "{{ r.facts }}", "{{ r.measure }}", "{{ r.approval }}"),
        left=(3, 5),
    )
    _section_table(
        doc,
        "五、场地确认",
        "venue_checks",
        CHECK_COLUMNS,
        ("{{ r.examiner }}", "{{ r.result }}", "{{ r.reason }}", "{{ r.at }}"),
        left=(2,),
    )
    _section_table(
        doc,
        "六、考场情况记录",
        "notes",
        NOTE_COLUMNS,
        ("{{ r.at }}", "{{ r.text }}", "{{ r.by }}"),
        left=(1,),
    )

    b._para(doc, "", "DudaoSpacer").paragraph_format.keep_with_next = True
    _sign_line(doc, "{{ staff_label }}签名：________________________")
    _sign_line(doc, "质量督导员签名：________________________")
    doc.save(path)


BUILDERS = {
    "exam_ticket": build_exam_ticket,
    "exam_seat_list": build_exam_seat_list,
    "exam_room_record": build_exam_room_record,
}


def build_all(out_dir: Path = OUT_DIR) -> list[Path]:
    return b.write_templates(BUILDERS, out_dir)


def main(argv: list[str] | None = None) -> None:
    b.command_line(BUILDERS, "生成准考证、考场座位表暨考生签到表、考场记录的 .docx 模板", argv)


if __name__ == "__main__":
    main()
