"""Build the supervision papers' .docx templates with the documents app's building blocks (GB/T 9704 layout).

    .venv/bin/python -m dudao.supervision.build_templates [--out DIR]

Writes ``supervision_report.docx`` (督导报告, SUP-7), ``supervision_opinion.docx`` (初步督导意见 and
督导意见书, ACT-4), ``penalty_notice.docx`` (处理决定, INST-4) and ``termination_notice.docx`` (拟终止备案
告知书, seed 004) into ``dudao/documents/templates_docx/``,
where ``dudao.documents.render`` finds them and admins may override them like any other template
(docs/documents.md, docs/supervision-documents.md). Page set-up, styles, the seal placeholder and the table
helpers are ``dudao.documents.build_templates``'s (imported, not edited). Every ``{%p %}`` / ``{%tr %}`` tag
sits alone in its paragraph or row (DESIGN: pitfalls).

Context keys: ``dudao/supervision/documents.py`` (one builder per paper) and docs/supervision-documents.md.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.shared import Mm, Pt

from dudao.documents import build_templates as b

OUT_DIR = b.OUT_DIR
NAMES = ("supervision_report", "supervision_opinion", "penalty_notice", "termination_notice")

# Column widths in mm of the 156 mm text area (scaled to the exact text width by _widths).
FINDING_COLUMNS = (
    ("序号", 12.5),
    ("督导内容", 33),
    ("督导方式", 25),
    ("严重程度", 26),  # 「未发现问题」 on one line at 小四
    ("情况描述", 45.5),
    ("证据", 14),
)
FINDING_CELLS = ("{{ r.no }}", "{{ r.area }}", "{{ r.method }}", "{{ r.severity }}", "{{ r.description }}",
                 "{{ r.evidence }}")  # fmt: skip
FIELD_COLUMNS = (("项目", 42), ("内容", 114))
SIGN_COLUMNS = (("组内职务", 24), ("姓名", 32), ("督导员证卡号", 44), ("本人签字", 56))


def _widths(columns) -> list[int]:
    total = sum(w for _, w in columns)
    widths = [round(b.TEXT_WIDTH_TWIPS * w / total) for _, w in columns]
    widths[-1] += b.TEXT_WIDTH_TWIPS - sum(widths)
    return widths


def _styles(doc) -> None:
    """The few styles these papers add to the official_letter set."""
    # GB/T 9704 7.2.2/7.2.3: 密级、紧急程度 sit top-left in 黑体; our state marks (草稿, 更正件, 已解除) use
    # that place. The authority mark below keeps its 35 mm from the top of the text area.
    b._para_style(doc, "DudaoMark", "版头标注", font=b.HEI_FONT, align=WD_ALIGN_PARAGRAPH.LEFT)
    b._para_style(
        doc,
        "DudaoAuthorityMarked",
        "发文机关标志(有标注)",
        font=b.TITLE_FONT,
        size=30,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line_pt=None,
        color=b.RED,
        before_pt=Mm(35).pt - b.BODY_LINE_PT,
    )
    b._para_style(doc, "DudaoQuote", "引述", font=b.KAI_FONT, first_line_chars=2)
    b._para_style(doc, "DudaoDate", "落款日期", align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4, before_pt=8)
    b._para_style(doc, "DudaoDigest", "摘要说明", size=10.5, line_pt=None, before_pt=10,
                  align=WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip


def _letterhead(doc) -> None:
    """Optional state mark, red 版头 (`header`), document number over the red line, title, recipient."""
    b._tag(doc, "{%p if mark %}")
    b._para(doc, "{{ mark }}", "DudaoMark")
    b._para(doc, "{{ header }}", "DudaoAuthorityMarked")
    b._tag(doc, "{%p else %}")
    b._para(doc, "{{ header }}", "DudaoAuthority")
    b._tag(doc, "{%p endif %}")
    b._para(doc, "{{ doc_number }}", "DudaoDocNumber")
    b._para(doc, "{{ title }}", "DudaoTitle")
    b._tag(doc, "{%p if recipient %}")
    b._para(doc, "{{ recipient }}：", "DudaoRecipient")
    b._tag(doc, "{%p endif %}")


def _paragraphs(doc, expr: str, style: str = "DudaoBody", *, otherwise: str | None = None) -> None:
    """One paragraph per item of the list `expr`; `otherwise` when the list is empty."""
    if otherwise is not None:
        b._tag(doc, f"{{%p if {expr} %}}")
    b._tag(doc, f"{{%p for p in {expr} %}}")
    b._para(doc, "{{ p }}", style)
    b._tag(doc, "{%p endfor %}")
    if otherwise is not None:
        b._tag(doc, "{%p else %}")
        b._para(doc, otherwise, style)
        b._tag(doc, "{%p endif %}")


def _rows_table(doc, columns, cells, loop: str, *, text_style: str = "DudaoTableText", head: bool = True):
    """A fixed-column table: a header row (repeated on each page), then one row per item of `loop`."""
    table = b._table(doc, 4 if head else 3, _widths(columns))
    rows = list(table.rows)
    if head:
        header = rows.pop(0)
        for cell, (title, _) in zip(header.cells, columns, strict=True):
            b._cell_text(cell, title, "DudaoTableHead")
        b._repeat_header(header)
    start, body, end = rows
    b._cell_text(start.cells[0], f"{{%tr for r in {loop} %}}", text_style)
    for cell, text in zip(body.cells, cells, strict=True):
        b._cell_text(cell, text, text_style)
    b._cant_split(body)
    b._cell_text(end.cells[0], "{%tr endfor %}", text_style)
    b._para(doc, "", "DudaoSpacer")
    return table


def _findings_table(doc, *, otherwise: str) -> None:
    b._tag(doc, "{%p if findings %}")
    table = _rows_table(doc, FINDING_COLUMNS, FINDING_CELLS, "findings")
    # Descriptions read left-aligned; the short coded columns stay centred.
    for row in table.rows[2:3]:
        row.cells[4].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT
    b._tag(doc, "{%p else %}")
    b._para(doc, otherwise, "DudaoBody")
    b._tag(doc, "{%p endif %}")


def _fields_table(doc) -> None:
    """基本情况: one label/value row per item of `fields` ({label, value})."""
    table = _rows_table(doc, FIELD_COLUMNS, ("{{ r.label }}", "{{ r.value }}"), "fields", head=False)
    for row in table.rows[1:2]:
        row.cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT


def _group_signatures(doc) -> None:
    """The supervision group signs by hand on the printed copy (the record is the submitted report)."""
    b._tag(doc, "{%p if signatures %}")
    b._para(doc, "", "DudaoSignatureSpace").paragraph_format.keep_with_next = True
    table = _rows_table(
        doc,
        SIGN_COLUMNS,
        ("{{ r.role }}", "{{ r.name }}", "{{ r.card }}", ""),
        "signatures",
    )
    for row in table.rows:  # the group's table stays on the page of the signer and the date
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
    b._tag(doc, "{%p endif %}")
    b._para(doc, "{{ signer }}", "DudaoDate").paragraph_format.keep_with_next = True
    date = b._para(doc, "{{ date|cn_date if date else '____年__月__日' }}", "DudaoDate")
    date.paragraph_format.space_before = Pt(0)


def _authority_signature(doc) -> None:
    """Issuer and date centred on the date four characters from the right, the seal circle over both.

    GB/T 9704 7.3.5.4: the signature never stands alone on a page, and signer and date never part.
    """
    for _ in range(2):
        b._para(doc, "", "DudaoSignatureSpace").paragraph_format.keep_with_next = True
    sig = b._table(doc, 1, [round(Pt(232).twips)], borders=b.NO_BORDERS, align="right")
    b._cant_split(sig.rows[0])
    cell = sig.cell(0, 0)
    p_signer = b._cell_text(cell, "", "DudaoSignature")
    p_signer.paragraph_format.keep_with_next = True
    p_signer.add_run("{%r if seal %}")
    p_signer._p.append(parse_xml(b._seal_placeholder_xml()))
    p_signer.add_run("{%r endif %}")
    p_signer.add_run("{{ signer }}")
    cell.add_paragraph(style=b._s("DudaoSignature")).add_run("{{ date|cn_date }}")


def _digest(doc) -> None:
    b._tag(doc, "{%p if digest %}")
    b._para(doc, "{{ digest }}", "DudaoDigest")
    b._tag(doc, "{%p endif %}")


def build_supervision_report(path: Path) -> None:
    """督导报告 (SUP-7: written feedback to the authority): facts, findings table, problems, advice, group."""
    doc = b.new_document(title_property="{{ title }}")
    _styles(doc)
    _letterhead(doc)
    b._para(
        doc,
        "受{{ assigner }}委派，督导组于{{ period }}对{{ institution_name }}{{ batch_text }}开展了"
        "{{ kind_label }}（{{ mode_label }}）。现将督导情况报告如下：",
        "DudaoBody",
    )
    b._para(doc, "一、基本情况", "DudaoHeading1")
    _fields_table(doc)
    b._para(doc, "二、督导情况", "DudaoHeading1")
    _paragraphs(doc, "summary")
    b._para(doc, "三、督导发现", "DudaoHeading1")
    _findings_table(doc, otherwise="督导组未记录督导发现。")
    b._para(doc, "四、存在问题", "DudaoHeading1")
    _paragraphs(doc, "problems", otherwise="未发现问题。")
    b._para(doc, "五、意见建议", "DudaoHeading1")
    _paragraphs(doc, "recommendations", otherwise="无。")
    b._tag(doc, "{%p if correction %}")
    b._para(doc, "{{ correction }}", "DudaoBody")
    b._tag(doc, "{%p endif %}")
    b._para(doc, "{{ legal_basis }}", "DudaoBody")
    b._para(doc, "特此报告。", "DudaoBody").paragraph_format.keep_with_next = True
    _group_signatures(doc)
    _digest(doc)
    doc.save(path)


def build_supervision_opinion(path: Path) -> None:
    """初步督导意见 (the group's, ACT-4 step 2) and 督导意见书 (the authority's, step 3) in one template."""
    doc = b.new_document(title_property="{{ title }}")
    _styles(doc)
    _letterhead(doc)
    b._para(
        doc,
        "根据{{ rules }}第十五条的规定，{{ authority_name }}委派督导组于{{ period }}"
        "对你单位开展了专项督导（任务编号：{{ task_number }}），督导事项为：{{ items_text }}。"
        "{% if not preliminary %}督导组对你单位的自评报告和现场考察情况进行了评议，形成初步督导意见"
        "{% if sent_on %}，并于{{ sent_on|cn_date }}向你单位反馈{% endif %}。{% endif %}",
        "DudaoBody",
    )
    b._tag(doc, "{%p if preliminary %}")
    b._para(doc, "督导组对你单位的自评报告和现场考察情况进行了评议，形成初步督导意见如下：", "DudaoBody")
    b._tag(doc, "{%p else %}")
    b._tag(doc, "{%p if defence_text %}")
    b._para(doc, "你单位于{{ defence_on|cn_date }}提出了申辩意见，主要内容如下：", "DudaoBody")
    _paragraphs(doc, "defence_text", "DudaoQuote")
    b._tag(doc, "{%p else %}")
    b._para(
        doc,
        "你单位在申辩期限内{% if defence_due_on %}（{{ defence_due_on|cn_date }}前）{% endif %}"
        "未提出申辩意见。",
        "DudaoBody",
    )
    b._tag(doc, "{%p endif %}")
    b._para(
        doc,
        "{{ authority_name }}综合分析督导组的初步督导意见和你单位的申辩意见，现提出督导意见如下：",
        "DudaoBody",
    )
    b._tag(doc, "{%p endif %}")

    b._para(doc, "一、督导发现的问题", "DudaoHeading1")
    _findings_table(doc, otherwise="督导组未发现问题。")
    b._para(doc, "二、督导意见", "DudaoHeading1")
    _paragraphs(doc, "body")
    b._para(doc, "三、整改要求", "DudaoHeading1")
    _paragraphs(doc, "requirements")
    b._tag(doc, "{%p if preliminary %}")
    b._tag(doc, "{%p if not requirements %}")
    b._para(doc, "督导组未提出整改建议。", "DudaoBody")
    b._tag(doc, "{%p endif %}")
    b._para(doc, "四、申辩", "DudaoHeading1")
    b._tag(doc, "{%p if defence_due_on %}")
    b._para(
        doc,
        "你单位对本初步督导意见有异议的，请于{{ defence_due_on|cn_date }}前提出申辩意见；逾期未提出的，"
        "视为无申辩意见。委派机构将综合分析初步督导意见和申辩意见，出具督导意见书。",
        "DudaoBody",
    )
    b._tag(doc, "{%p else %}")
    b._para(doc, "本初步督导意见尚未反馈被督导机构，申辩期限自反馈之日起计算。", "DudaoBody")
    b._tag(doc, "{%p endif %}")
    _group_signatures(doc)
    b._tag(doc, "{%p else %}")
    b._tag(doc, "{%p if requires_rectification %}")
    b._para(
        doc,
        "请你单位于{{ rectification_due_on|cn_date }}前完成整改，并将整改报告及相关证明材料报送"
        "{{ authority_name }}。{{ authority_name }}将对整改情况进行复核。",
        "DudaoBody",
    )
    b._tag(doc, "{%p else %}")
    b._para(doc, "本次督导不要求整改。", "DudaoBody")
    b._tag(doc, "{%p endif %}")
    b._para(
        doc,
        "对督导意见拒不采取改进措施的，将依据{{ rules }}第十八条的规定，通报批评并责令改正；"
        "拒不改正或情节严重的，直至取消技能人才评价工作资格。",
        "DudaoBody",
    ).paragraph_format.keep_with_next = True
    _authority_signature(doc)
    b._tag(doc, "{%p endif %}")
    doc.save(path)


def build_penalty_notice(path: Path) -> None:
    """处理决定 (INST-4, 001 art. 18): facts, ground, the decision and its consequences, remedy, seal."""
    doc = b.new_document(title_property="{{ title }}")
    _styles(doc)
    _letterhead(doc)
    b._tag(doc, "{%p if task_number %}")
    b._para(
        doc,
        "{{ task_period }}，{{ authority_name }}委派质量督导员对你单位开展了{{ task_kind }}"
        "（任务编号：{{ task_number }}）。",
        "DudaoBody",
    )
    b._tag(doc, "{%p endif %}")
    b._para(doc, "经查，你单位存在{{ ground_label }}的情形：", "DudaoBody")
    _paragraphs(doc, "description")
    b._para(doc, "{{ legal_basis }}", "DudaoBody")
    _paragraphs(doc, "consequences")
    b._para(
        doc, "你单位如对本决定不服，可以依法申请行政复议或者提起行政诉讼。", "DudaoBody"
    ).paragraph_format.keep_with_next = True
    _authority_signature(doc)
    doc.save(path)


def build_termination_notice(path: Path) -> None:
    """拟终止备案告知书 (seed 004): facts, notice, the intended termination, the right to be heard, seal."""
    doc = b.new_document(title_property="{{ title }}")
    _styles(doc)
    _letterhead(doc)
    _paragraphs(doc, "body")
    b._para(doc, "特此告知。", "DudaoBody").paragraph_format.keep_with_next = True
    _authority_signature(doc)
    doc.save(path)


BUILDERS = {
    "supervision_report": build_supervision_report,
    "supervision_opinion": build_supervision_opinion,
    "penalty_notice": build_penalty_notice,
    "termination_notice": build_termination_notice,
}


def build_all(out_dir: Path = OUT_DIR) -> list[Path]:
    return b.write_templates(BUILDERS, out_dir)


def main(argv: list[str] | None = None) -> None:
    b.command_line(BUILDERS, "生成督导报告、督导意见书、处理决定、拟终止备案告知书的 .docx 模板", argv)


if __name__ == "__main__":
    main()
