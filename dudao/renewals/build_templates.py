"""Build the renewal papers' .docx templates with the documents app's building blocks (GB/T 9704 layout).

    .venv/bin/python -m dudao.renewals.build_templates [--out DIR]

Writes ``renewal_receipt.docx`` (延续备案回执) and ``rectification_notice.docx`` (整改通知书, text of seed 004
attachment 6) into ``dudao/documents/templates_docx/``, where ``dudao.documents.render`` finds them and
admins may override them like any other template (docs/documents.md). The styles, page set-up, seal
placeholder and table helpers are those of ``dudao.documents.build_templates`` (imported, not edited).
Context keys: ``dudao/renewals/documents.py`` and docs/manual/renewals.md.
"""

from __future__ import annotations

from pathlib import Path

from docx.oxml import parse_xml
from docx.shared import Pt

from dudao.documents import build_templates as b

OUT_DIR = b.OUT_DIR
NAMES = ("renewal_receipt", "rectification_notice", "filing_receipt")


def _letterhead(doc, title: str) -> None:
    """版头 (red authority name), document number over the red line, the paper's title."""
    b._para(doc, "{{ authority_name }}", "DudaoAuthority")
    b._para(doc, "{{ doc_number }}", "DudaoDocNumber")
    b._para(doc, title, "DudaoTitle")
    b._para(doc, "{{ institution_name }}：", "DudaoRecipient")


def _rows_table(doc, headers: list[tuple[str, float]], cells: list[str], loop: str) -> None:
    """A fixed-column table: header row, then one row per item of `loop` (``{%tr for … %}`` rows)."""
    total = sum(w for _, w in headers)
    widths = [round(b.TEXT_WIDTH_TWIPS * w / total) for _, w in headers]
    widths[-1] += b.TEXT_WIDTH_TWIPS - sum(widths)
    table = b._table(doc, 4, widths)
    head, start, body, end = table.rows
    for cell, (title, _) in zip(head.cells, headers, strict=True):
        b._cell_text(cell, title, "DudaoTableHead")
    b._repeat_header(head)
    b._cell_text(start.cells[0], f"{{%tr for r in {loop} %}}", "DudaoTableText")
    for cell, text in zip(body.cells, cells, strict=True):
        b._cell_text(cell, text, "DudaoTableText")
    b._cant_split(body)
    b._cell_text(end.cells[0], "{%tr endfor %}", "DudaoTableText")
    b._para(doc, "", "DudaoSpacer")


def _signature(doc, *, seal_suffix: str = "") -> None:
    """Issuer and date centred on the date four characters from the right, seal circle over both."""
    b._para(doc, "", "DudaoSignatureSpace")
    b._para(doc, "", "DudaoSignatureSpace")
    sig = b._table(doc, 1, [round(Pt(232).twips)], borders=b.NO_BORDERS, align="right")
    cell = sig.cell(0, 0)
    p_signer = b._cell_text(cell, "", "DudaoSignature")
    p_signer._p.append(parse_xml(b._seal_placeholder_xml()))
    p_signer.add_run("{{ signer }}" + seal_suffix)
    cell.add_paragraph(style=b._s("DudaoSignature")).add_run("{{ date|cn_date }}")


def build_renewal_receipt(path: Path) -> None:
    """延续备案回执 (REN-3, REN-4): institution, filing number, renewed period, scope table, seal."""
    doc = b.new_document(title_property="职业技能等级认定机构延续备案回执")
    _letterhead(doc, "职业技能等级认定机构延续备案回执")
    b._para(
        doc,
        "你单位报送的职业技能等级认定机构延续备案申请材料收悉。{{ basis }}，符合延续备案条件，"
        "准予延续备案。现将有关事项回执如下：",
        "DudaoBody",
    )
    b._para(doc, "一、机构名称：{{ institution_name }}（统一社会信用代码：{{ uscc }}）", "DudaoBody")
    b._para(doc, "二、备案编号：{{ filing_number }}", "DudaoBody")
    b._para(doc, "三、延续备案有效期：{{ renewed_from|cn_date }}至{{ renewed_until|cn_date }}", "DudaoBody")
    b._para(doc, "四、续期备案的职业技能等级认定范围：", "DudaoBody")
    _rows_table(
        doc,
        [("序号", 1.2), ("职业编码", 2.2), ("职业名称", 3), ("工种", 2.2), ("认定等级", 4.4)],
        ["{{ r.no }}", "{{ r.code }}", "{{ r.name }}", "{{ r.work_type }}", "{{ r.levels }}"],
        "scope_rows",
    )
    b._tag(doc, "{%p if dropped_rows %}")
    b._para(doc, "以下职业（工种）不列入续期备案范围：", "DudaoBody")
    b._tag(doc, "{%p for r in dropped_rows %}")
    b._para(doc, "{{ loop.index }}．{{ r.name }}（{{ r.reason }}）", "DudaoBody")
    b._tag(doc, "{%p endfor %}")
    b._tag(doc, "{%p endif %}")
    b._para(
        doc,
        "请你单位严格在续期备案的认定范围内开展职业技能等级认定工作，接受人力资源社会保障部门的质量督导。",
        "DudaoBody",
    )
    _signature(doc)
    doc.save(path)


def build_rectification_notice(path: Path) -> None:
    """整改通知书 (REN-4, seed 004 attachment 6) with the problems found, deadline, authority, seal."""
    doc = b.new_document(title_property="整改通知书")
    _letterhead(doc, "整改通知书")
    b._para(doc, "{{ evaluated_on|cn_date }}，经对你单位开展延续备案评估，发现存在以下问题：", "DudaoBody")
    b._tag(doc, "{%p for p in problems %}")
    b._para(doc, "{{ loop.index }}．{{ p.text }}", "DudaoBody")
    b._tag(doc, "{%p endfor %}")
    b._tag(doc, "{%p if problems %}")
    _rows_table(
        doc,
        [("序号", 1.3), ("评估项目", 5.5), ("分值", 1.3), ("得分", 1.3), ("扣分", 1.3), ("问题说明", 4.5)],
        ["{{ r.no }}", "{{ r.title }}", "{{ r.max }}", "{{ r.points }}", "{{ r.lost }}", "{{ r.note }}"],
        "problems",
    )
    b._tag(doc, "{%p endif %}")
    b._para(
        doc,
        "即日起，你单位须立即对上述存在的问题进行整改，整改期为6个月，整改期内暂停职业技能等级认定工作。"
        "整改完成后，经评估合格再进行续期备案。若逾期未整改或未按要求完成整改，将视情况对你单位采取终止"
        "职业技能等级评价机构备案等措施。",
        "DudaoBody",
    )
    b._para(
        doc,
        "评估得分：{{ total }}分。整改期限：{{ issued_on|cn_date }}至{{ deadline|cn_date }}。",
        "DudaoBody",
    )
    b._para(doc, "特此通知。", "DudaoBody")
    _signature(doc, seal_suffix="（盖章）")
    doc.save(path)


def build_filing_receipt(path: Path) -> None:
    """备案回执 of a new filing application: institution, filing number, validity period, scope, seal."""
    doc = b.new_document(title_property="职业技能等级认定机构备案回执")
    _letterhead(doc, "职业技能等级认定机构备案回执")
    b._para(
        doc,
        "你单位报送的职业技能等级认定机构备案申请材料收悉。经审核和现场评估（{{ site_visit_on|cn_date }}），"
        "符合备案条件，准予备案。现将有关事项回执如下：",
        "DudaoBody",
    )
    b._para(doc, "一、机构名称：{{ institution_name }}（统一社会信用代码：{{ uscc }}）", "DudaoBody")
    b._para(doc, "二、备案编号：{{ filing_number }}", "DudaoBody")
    b._para(doc, "三、备案有效期：{{ valid_from|cn_date }}至{{ valid_until|cn_date }}", "DudaoBody")
    b._para(doc, "四、职业技能等级认定范围：", "DudaoBody")
    _rows_table(
        doc,
        [("序号", 1.2), ("职业编码", 2.2), ("职业名称", 3), ("工种", 2.2), ("认定等级", 4.4)],
        ["{{ r.no }}", "{{ r.code }}", "{{ r.name }}", "{{ r.work_type }}", "{{ r.levels }}"],
        "scope_rows",
    )
    b._para(
        doc,
        "请你单位严格在备案的认定范围内开展职业技能等级认定工作，接受人力资源社会保障部门的质量督导；"
        "备案有效期届满30日前提出延续备案申请。",
        "DudaoBody",
    )
    _signature(doc)
    doc.save(path)


BUILDERS = {
    "renewal_receipt": build_renewal_receipt,
    "rectification_notice": build_rectification_notice,
    "filing_receipt": build_filing_receipt,
}


def build_all(out_dir: Path = OUT_DIR) -> list[Path]:
    return b.write_templates(BUILDERS, out_dir)


def main(argv: list[str] | None = None) -> None:
    b.command_line(BUILDERS, "生成延续备案回执、整改通知书、备案回执的 .docx 模板", argv)


if __name__ == "__main__":
    main()
