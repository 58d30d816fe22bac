"""The committed .docx templates: in sync with build_templates.py, documented context, GB/T 9704 layout."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx.oxml.ns import qn
from lxml import etree

from dudao.documents import build_templates
from dudao.documents.render import PACKAGE_DIR, render_docx, shipped_templates, template_variables

from .helpers import FORM, FORM_MINIMAL, LETTER, open_docx

# The context keys docs/documents.md documents for each template.
DOCUMENTED = {
    "official_letter": {
        "authority_name", "doc_number", "title", "recipient", "paragraphs", "table", "attachments",
        "signer", "date", "seal_placeholder", "cc", "printed_by", "printed_on",
    },
    "table_form": {
        "authority_name", "title", "subtitle", "number", "fields", "columns", "rows", "totals",
        "remarks", "signatures", "issuer", "date",
    },
}  # fmt: skip


def test_shipped_templates():
    """The generic templates ship; apps add their own (renewals, evaluations, supervision)."""
    assert set(build_templates.BUILDERS) == {"official_letter", "table_form"}
    assert set(build_templates.BUILDERS) <= set(shipped_templates())


@pytest.mark.parametrize("name", ["official_letter", "table_form"])
def test_template_variables_are_the_documented_context(name):
    assert set(template_variables(name)) == DOCUMENTED[name]


def test_committed_templates_match_the_build_script(tmp_path):
    """Run `python -m dudao.documents.build_templates` after changing the script, and commit the result."""
    build_templates.build_all(tmp_path)
    for name in build_templates.BUILDERS:
        with (
            zipfile.ZipFile(PACKAGE_DIR / f"{name}.docx") as old,
            zipfile.ZipFile(tmp_path / f"{name}.docx") as new,
        ):
            parts = sorted(n for n in new.namelist() if n.endswith(".xml") or n.endswith(".rels"))
            assert sorted(n for n in old.namelist() if n.endswith(".xml") or n.endswith(".rels")) == parts
            for part in parts:
                assert old.read(part) == new.read(part), f"{name}.docx:{part} differs from build_templates.py"


def test_loop_tags_own_their_paragraph_or_row():
    """DESIGN pitfall: a {%p %}/{%tr %}/{%tc %} tag sharing a paragraph/row/cell leaves empty ones behind."""
    for name in shipped_templates():
        doc = open_docx((PACKAGE_DIR / f"{name}.docx").read_bytes())
        for p in doc.element.body.iter(qn("w:p")):
            text = "".join(t.text or "" for t in p.iter(qn("w:t")))
            for kind in ("{%p", "{%tr", "{%tc"):
                if kind in text:
                    assert text.startswith(kind) and text.endswith("%}") and text.count("{%") == 1, text
        for tr in doc.element.body.iter(qn("w:tr")):
            cells = ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.tc_lst]
            if any("{%tr" in c for c in cells):
                assert cells[0].startswith("{%tr") and all(c == "" for c in cells[1:]), cells


def test_styles_use_the_official_fonts():
    doc = open_docx((PACKAGE_DIR / "official_letter.docx").read_bytes())
    fonts = {}
    for style in doc.styles:
        rpr = style.element.rPr
        if rpr is not None and rpr.rFonts is not None and style.style_id.startswith("Dudao"):
            fonts[style.name] = (
                rpr.rFonts.get(qn("w:eastAsia")),
                style.font.size.pt if style.font.size else None,
            )
    assert fonts["发文机关标志"] == ("方正小标宋简体", 30)
    assert fonts["公文标题"] == ("方正小标宋简体", 22)  # 二号小标宋
    assert fonts["公文正文"] == ("仿宋_GB2312", 16)  # 三号仿宋
    assert fonts["公文一级标题"] == ("黑体", 16)
    assert fonts["公文二级标题"] == ("楷体_GB2312", 16)
    body = doc.styles["公文正文"].element.pPr
    assert (body.ind.get(qn("w:firstLineChars")), body.ind.get(qn("w:firstLine"))) == ("200", "640")
    red = doc.styles["发文字号"].element.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (red.get(qn("w:color")), red.get(qn("w:val"))) == ("FF0000", "single")
    assert doc.styles["发文机关标志"].font.color.rgb == build_templates.RED


_RPR_ORDER = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
    "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText "
    "vertAlign rtl cs em lang eastAsianLayout specVanish oMath"
)


def _misordered(data: bytes) -> list[str]:
    """Property elements whose children break the ECMA-376 sequence (Word calls such a file corrupt)."""
    orders = {
        tag: [qn(f"w:{t}") for t in names.split()] for tag, names in build_templates._CHILD_ORDER.items()
    }
    orders[qn("w:rPr")] = [qn(f"w:{t}") for t in _RPR_ORDER.split()]
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for part in (n for n in z.namelist() if n.endswith(".xml")):
            root = etree.fromstring(z.read(part))
            for tag, order in orders.items():
                for el in root.iter(tag):
                    positions = [order.index(c.tag) if c.tag in order else -1 for c in el]
                    if -1 in positions or positions != sorted(positions):
                        problems.append(f"{part}: {[etree.QName(c).localname for c in el]}")
    return problems


@pytest.mark.parametrize(
    ("name", "context"), [("official_letter", LETTER), ("table_form", FORM), ("table_form", FORM_MINIMAL)]
)
def test_property_elements_follow_the_schema_order(name, context):
    assert _misordered((PACKAGE_DIR / f"{name}.docx").read_bytes()) == []
    assert _misordered(render_docx(name, context)) == []
