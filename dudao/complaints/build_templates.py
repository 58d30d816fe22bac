"""Build the complaint papers' .docx templates with the documents app's building blocks (GB/T 9704 layout).

    .venv/bin/python -m dudao.complaints.build_templates [--out DIR]

Writes ``complaint_decision.docx`` (投诉受理 / 不予受理告知书, COMPL-2) and ``complaint_reply.docx`` (投诉处理
答复书, COMPL-2/3) into ``dudao/documents/templates_docx/``, where ``dudao.documents.render`` finds them and
admins may override them like any other template (docs/documents.md). Context keys:
``dudao/complaints/documents.py``. The filer's name appears only through ``recipient``, which the code
fills with the name only for a viewer with the right.
"""

from __future__ import annotations

from pathlib import Path

from docx.oxml import parse_xml
from docx.shared import Pt

from dudao.documents import build_templates as b

OUT_DIR = b.OUT_DIR
NAMES = ("complaint_decision", "complaint_reply")


def _head(doc) -> None:
    """版头 (red authority name), the paper's title, the addressee."""
    b._para(doc, "{{ authority_name }}", "DudaoAuthority")
    b._para(doc, "{{ title }}", "DudaoTitle")
    b._para(doc, "{{ recipient }}：", "DudaoRecipient")


def _signature(doc) -> None:
    """The authority and the date, right-aligned, with the seal circle over both."""
    b._para(doc, "", "DudaoSignatureSpace")
    sig = b._table(doc, 1, [round(Pt(232).twips)], borders=b.NO_BORDERS, align="right")
    b._cant_split(sig.rows[0])  # the authority and the date stay on one page
    cell = sig.cell(0, 0)
    p_signer = b._cell_text(cell, "", "DudaoSignature")
    p_signer._p.append(parse_xml(b._seal_placeholder_xml()))
    p_signer.add_run("{{ signer }}")
    cell.add_paragraph(style=b._s("DudaoSignature")).add_run("{{ date|cn_date }}")


def _received(doc) -> None:
    b._para(
        doc,
        "你于{{ received_on|cn_date }}提交的关于{{ institution_name }}（{{ category }}）的投诉举报"
        "（查询码：{{ code }}）收悉。",
        "DudaoBody",
    )


def build_decision(path: Path) -> None:
    """受理 / 不予受理告知书: the decision, the result deadline when accepted, the reason when declined."""
    doc = b.new_document(title_property="投诉受理告知书")
    _head(doc)
    _received(doc)
    b._tag(doc, "{%p if accepted %}")
    b._para(
        doc,
        "经审查，决定予以受理。我们将依法依规调查处理，于{{ result_by|cn_date }}前办结，并将处理结果告知你。",
        "DudaoBody",
    )
    b._tag(doc, "{%p else %}")
    b._para(doc, "经审查，决定不予受理。理由如下：", "DudaoBody")
    b._tag(doc, "{%p endif %}")
    b._tag(doc, "{%p for line in reason_lines %}")
    b._para(doc, "{{ line }}", "DudaoBody")
    b._tag(doc, "{%p endfor %}")
    b._para(doc, "你可凭查询码和查询密码在投诉举报页面查询办理进展。你的身份信息依法保密。", "DudaoBody")
    b._para(doc, "特此告知。", "DudaoBody")
    _signature(doc)
    doc.save(path)


def build_reply(path: Path) -> None:
    """投诉处理答复书: the outcome told to the filer (the public reply, as the filer sees it online)."""
    doc = b.new_document(title_property="投诉处理答复书")
    _head(doc)
    _received(doc)
    b._para(doc, "经调查处理，现答复如下：", "DudaoBody")
    b._tag(doc, "{%p for line in reply_lines %}")
    b._para(doc, "{{ line }}", "DudaoBody")
    b._tag(doc, "{%p endfor %}")
    b._para(doc, "感谢你对职业技能等级认定工作的监督。", "DudaoBody")
    b._para(doc, "特此答复。", "DudaoBody")
    _signature(doc)
    doc.save(path)


BUILDERS = {"complaint_decision": build_decision, "complaint_reply": build_reply}


def build_all(out_dir: Path = OUT_DIR) -> list[Path]:
    return b.write_templates(BUILDERS, out_dir)


def main(argv: list[str] | None = None) -> None:
    b.command_line(BUILDERS, "生成投诉受理告知书、投诉处理答复书的 .docx 模板", argv)


if __name__ == "__main__":
    main()
