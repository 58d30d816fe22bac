"""The certificate paper (EXAM-12, CERT-2): its public facts and a QR code carrying the signed payload that
anyone verifies offline with the published public key (`dudao certificates verify-qr`) or on the check page.

Built with python-docx in code (one page, no template to override yet) and converted by LibreOffice like
every other paper (dudao.documents.render.to_pdf)."""

from __future__ import annotations

import io

import segno
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from dudao.documents.render import cn_date, to_pdf

from .domain.results import LEVEL_NAMES
from .models import Certificate

QR_MM = 38
FONT = "Noto Serif CJK SC"


def certificate_qr_png(cert: Certificate, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(cert.seal, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def _run(paragraph, text: str, size: int, bold: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, FONT
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def certificate_docx(cert: Certificate) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, "职业技能等级证书", 26, bold=True)
    if cert.status == Certificate.Status.VOIDED:
        mark = doc.add_paragraph()
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(mark, f"(已注销:{cert.void_reason})", 14, bold=True)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    rows = (
        ("姓名", cert.name),
        ("身份证件号码", cert.id_number_masked),
        ("职业(工种)", f"{cert.occupation_name}({cert.occupation_code})"),
        ("等级", LEVEL_NAMES.get(cert.level, str(cert.level))),
        ("证书编号", cert.number),
        ("发证机构", cert.institution_name),
        ("发证日期", cn_date(cert.issued_on)),
    )
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Mm(40), Mm(120)
        _run(cells[0].paragraphs[0], label, 14, bold=True)
        _run(cells[1].paragraphs[0], value, 14)
    qr = doc.add_paragraph()
    qr.alignment = WD_ALIGN_PARAGRAPH.CENTER
    qr.add_run().add_picture(io.BytesIO(certificate_qr_png(cert)), width=Mm(QR_MM))
    note = doc.add_paragraph()
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(note, "扫描二维码,用发证平台公布的公钥核验签名;也可在平台“证书查询”页面核验", 10)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def certificate_pdf(cert: Certificate) -> bytes:
    return to_pdf(certificate_docx(cert))
