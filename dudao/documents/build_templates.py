"""Build the shipped .docx templates with python-docx (GB/T 9704-2012 layout as far as .docx allows).

    .venv/bin/python -m dudao.documents.build_templates [--out DIR]

Writes ``official_letter.docx`` and ``table_form.docx`` into ``templates_docx/`` (committed: admins edit
copies of them in Word/WPS afterwards, see docs/documents.md). The templates carry docxtpl (Jinja) tags;
every ``{%p %}`` / ``{%tr %}`` / ``{%tc %}`` tag sits alone in its paragraph, row or cell, otherwise
docxtpl leaves an empty paragraph behind (DESIGN: pitfalls).

Fonts are the names Chinese government offices have installed (方正小标宋简体, 仿宋_GB2312, 黑体,
楷体_GB2312); where they are missing, ``render.FONTCONFIG`` maps them to Debian's Noto CJK for the
PDF conversion.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor, Twips

OUT_DIR = Path(__file__).resolve().parent / "templates_docx"

# GB/T 9704-2012 7.1 / 7.3 / 7.4: fonts and sizes (号 → pt: 初号 42, 小初 36, 二号 22, 三号 16, 四号 14,
# 小四 12, 五号 10.5).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
SONG_FONT = "宋体"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xFF, 0x00, 0x00)
RED_HEX = "FF0000"

BODY_PT = 16  # 三号
# 22 lines of 28 characters in the 156 × 225 mm text area: line pitch 225 mm / 22 ≈ 28.95 pt.
BODY_LINE_PT = 28.95
TEXT_WIDTH = Mm(156)  # 版心宽 = 210 − 28 − 26
TEXT_WIDTH_TWIPS = round(156 / 25.4 * 1440)
# Title (alt text) of a table whose column widths/alignment render.py sets from its description.
LAYOUT_MARKER = "dudao:columns"


# ---------------------------------------------------------------------------------------------------
# low-level helpers

# Child order of the OOXML property elements we touch (ECMA-376): Word rejects a file whose children
# are out of order, so every element goes in through `_add_ordered`.
_CHILD_ORDER = {
    qn("w:pPr"): (
        "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
        "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
        "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
        "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ),
    qn("w:tblPr"): (
        "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
        "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription"
    ),
    qn("w:tcPr"): "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText "
    "vAlign hideMark",
}


def _add_ordered(parent, child):
    """Insert `child` into a pPr/tblPr/tcPr at its schema position, replacing an existing one."""
    order = [qn(f"w:{name}") for name in _CHILD_ORDER[parent.tag].split()]
    existing = parent.find(child.tag)
    if existing is not None:
        parent.replace(existing, child)
        return child
    later = set(order[order.index(child.tag) + 1 :])
    for i, sibling in enumerate(parent):
        if sibling.tag in later:
            parent.insert(i, child)
            return child
    parent.append(child)
    return child


def _set_fonts(rpr_owner, *, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Set explicit fonts on a run / style rPr (no theme fonts: they would override eastAsia)."""
    fonts = rpr_owner.get_or_add_rPr().get_or_add_rFonts()
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def _chars_indent(
    ppr,
    *,
    first_line_chars: int = 0,
    left_chars: int = 0,
    right_chars: int = 0,
    hanging_chars: int = 0,
    pt=BODY_PT,
):
    """Indents in characters (Word's firstLineChars) with a twips fallback for readers that ignore them."""
    ind = ppr.get_or_add_ind()
    for name, chars in (
        ("firstLine", first_line_chars),
        ("left", left_chars),
        ("right", right_chars),
        ("hanging", hanging_chars),
    ):
        if chars:
            ind.set(qn(f"w:{name}Chars"), str(chars * 100))
            ind.set(qn(f"w:{name}"), str(round(chars * pt * 20)))


def _border(ppr_or_tcpr, tag: str, edges: dict[str, tuple[int, str, int]]) -> None:
    """Set a `pBdr`/`tblBorders` element; edges: name → (size in 1/8 pt, colour, space in pt); 0 = none."""
    box = OxmlElement(tag)
    for edge, (size, color, space) in edges.items():
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), str(space))
            el.set(qn("w:color"), color)
        box.append(el)
    _add_ordered(ppr_or_tcpr, box)


STYLE_NAMES: dict[str, str] = {}  # styleId → the Chinese name python-docx looks styles up by


def _s(style_id: str | None) -> str | None:
    return STYLE_NAMES.get(style_id, style_id) if style_id else None


def _style(doc, name_id: str, name_zh: str, *, base: str | None = "Normal"):
    style = doc.styles.add_style(name_id, WD_STYLE_TYPE.PARAGRAPH)
    STYLE_NAMES[name_id] = name_zh
    style.name = name_zh  # styleId stays ASCII, Word/WPS show the Chinese name
    if base:
        style.base_style = doc.styles[base]
    style.quick_style = True
    return style


def _para_style(
    doc,
    name_id: str,
    name_zh: str,
    *,
    font: str = BODY_FONT,
    size: float = BODY_PT,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    line_pt: float | None = BODY_LINE_PT,
    bold: bool = False,
    color: RGBColor | None = None,
    before_pt: float = 0,
    after_pt: float = 0,
    first_line_chars: int = 0,
    left_chars: int = 0,
    right_chars: int = 0,
    hanging_chars: int = 0,
    keep_next: bool = False,
):
    style = _style(doc, name_id, name_zh)
    pf = style.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(before_pt)
    pf.space_after = Pt(after_pt)
    if line_pt is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line_pt)
    pf.keep_with_next = keep_next
    if first_line_chars or left_chars or right_chars or hanging_chars:
        _chars_indent(
            style.element.get_or_add_pPr(),
            first_line_chars=first_line_chars,
            left_chars=left_chars,
            right_chars=right_chars,
            hanging_chars=hanging_chars,
            pt=size,
        )
    style.font.size = Pt(size)
    style.font.bold = bold
    if color is not None:
        style.font.color.rgb = color
    _set_fonts(style.element, east_asia=font)
    return style


def _para(container, text: str = "", style: str | None = None):
    """A paragraph holding `text` (a docxtpl tag or plain text) in one run."""
    p = container.add_paragraph(style=_s(style))
    if text:
        p.add_run(text)
    return p


def _tag(container, tag: str, style: str | None = None):
    """A paragraph that holds only a docxtpl paragraph-level tag (`{%p ... %}`): docxtpl drops it."""
    return _para(container, tag, style)


def _cell_text(cell, text: str, style: str, *, bold: bool = False, font: str | None = None):
    """Replace a cell's content with one paragraph of `style`."""
    p = cell.paragraphs[0]
    p.style = _s(style)
    run = p.add_run(text)
    if bold:
        run.bold = True
    if font:
        _set_fonts(run._r, east_asia=font)
    return p


def _cell_margins(table, *, left_mm: float = 1.5, right_mm: float = 1.5, top_mm: float = 0.8, bottom_mm=0.8):
    mar = OxmlElement("w:tblCellMar")
    for edge, mm in (("top", top_mm), ("left", left_mm), ("bottom", bottom_mm), ("right", right_mm)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(round(mm / 25.4 * 1440)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    _add_ordered(table._tbl.tblPr, mar)


GRID = {e: (4, "000000", 0) for e in ("top", "left", "bottom", "right", "insideH", "insideV")}
NO_BORDERS = {e: (0, "", 0) for e in GRID}


def _table(doc, rows: int, widths_twips: list[int], *, borders=None, align="center"):
    """A fixed-layout table of the given column widths (twips); black 0.5 pt grid unless `borders`."""
    table = doc.add_table(rows=rows, cols=len(widths_twips))
    table.alignment = {"center": WD_TABLE_ALIGNMENT.CENTER, "right": WD_TABLE_ALIGNMENT.RIGHT}[align]
    table.autofit = False
    tblpr = table._tbl.tblPr
    tblw = OxmlElement("w:tblW")
    tblw.set(qn("w:w"), str(sum(widths_twips)))
    tblw.set(qn("w:type"), "dxa")
    _add_ordered(tblpr, tblw)
    _border(tblpr, "w:tblBorders", GRID if borders is None else borders)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    _add_ordered(tblpr, layout)
    _cell_margins(table)
    for col, width in zip(table.columns, widths_twips, strict=True):
        for cell in col.cells:
            cell.width = Twips(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for gc, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_twips, strict=True):
        gc.set(qn("w:w"), str(width))
    return table


def _repeat_header(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # trPr children are an unordered choice


def _cant_split(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _table_layout_marker(table, description: str) -> None:
    """Mark a table for render.py's post-pass: column widths/alignment from the rendered description."""
    caption = OxmlElement("w:tblCaption")
    caption.set(qn("w:val"), LAYOUT_MARKER)
    desc = OxmlElement("w:tblDescription")
    desc.set(qn("w:val"), description)
    _add_ordered(table._tbl.tblPr, caption)
    _add_ordered(table._tbl.tblPr, desc)


def _page_number_paragraph(container, *, odd: bool) -> None:
    """GB/T 9704 7.5: 「— 1 —」, 4号 Song digits; odd pages right (one character in), even pages left."""
    p = container.paragraphs[0] if container.paragraphs else container.add_paragraph()
    p.style = _s("DudaoPageNumber")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    _chars_indent(p._p.get_or_add_pPr(), right_chars=1 if odd else 0, left_chars=0 if odd else 1, pt=14)
    p.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = p.add_run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text
    p.add_run(" —")


def _seal_placeholder_xml(shape_id: int = 501) -> str:
    """A red dashed 42 mm circle labelled 印章, floating behind the signer and date (GB/T 9704 7.3.5.1)."""
    emu = 42 * 36000  # 42 mm: the usual diameter of an authority's round seal
    # Centre the circle on the signature cell and raise it so signer and date sit below its centre.
    return f"""
<w:r {nsdecls("w", "wp", "a")}
     xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
  <w:drawing>
    <wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="251659264"
               behindDoc="1" locked="0" layoutInCell="1" allowOverlap="1">
      <wp:simplePos x="0" y="0"/>
      <wp:positionH relativeFrom="column"><wp:align>center</wp:align></wp:positionH>
      <wp:positionV relativeFrom="paragraph"><wp:posOffset>{-Pt(52).emu}</wp:posOffset></wp:positionV>
      <wp:extent cx="{emu}" cy="{emu}"/>
      <wp:effectExtent l="0" t="0" r="0" b="0"/>
      <wp:wrapNone/>
      <wp:docPr id="{shape_id}" name="印章位置" descr="盖章位置(打印后加盖印章;可删除)"/>
      <wp:cNvGraphicFramePr/>
      <a:graphic>
        <a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
          <wps:wsp>
            <wps:cNvSpPr/>
            <wps:spPr>
              <a:xfrm><a:off x="0" y="0"/><a:ext cx="{emu}" cy="{emu}"/></a:xfrm>
              <a:prstGeom prst="ellipse"><a:avLst/></a:prstGeom>
              <a:noFill/>
              <a:ln w="9525"><a:solidFill><a:srgbClr val="{RED_HEX}"/></a:solidFill>
                <a:prstDash val="dash"/></a:ln>
            </wps:spPr>
            <wps:txbx>
              <w:txbxContent>
                <w:p>
                  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>
                    <w:jc w:val="center"/></w:pPr>
                  <w:r><w:rPr><w:rFonts w:ascii="{SONG_FONT}" w:hAnsi="{SONG_FONT}" w:eastAsia="{SONG_FONT}"/>
                    <w:color w:val="{RED_HEX}"/><w:sz w:val="24"/></w:rPr><w:t>（印章）</w:t></w:r>
                </w:p>
              </w:txbxContent>
            </wps:txbx>
            <wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="{Mm(7).emu}" rIns="0" bIns="0"
                        anchor="t"/>
          </wps:wsp>
        </a:graphicData>
      </a:graphic>
    </wp:anchor>
  </w:drawing>
</w:r>"""


# ---------------------------------------------------------------------------------------------------
# document skeleton


def new_document(*, title_property: str):
    """A4 portrait, GB/T 9704 margins, explicit CJK fonts, styles, odd/even page numbers."""
    doc = Document()
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)

    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    # GB/T 9704 5.2.1: 天头 37 mm, 订口 28 mm, text area 156 × 225 mm.
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    # Page number ~7 mm below the text area (GB/T 9704 7.5).
    section.footer_distance = Mm(21)

    # Defaults: 三号仿宋, Chinese language tags so LibreOffice picks simplified-Chinese glyph forms.
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rpr_default.getparent().replace(
        rpr_default,
        parse_xml(
            f'<w:rPr {nsdecls("w")}><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" '
            f'w:eastAsia="{BODY_FONT}" w:cs="{LATIN_FONT}" w:hint="eastAsia"/>'
            f'<w:kern w:val="2"/><w:sz w:val="{BODY_PT * 2}"/><w:szCs w:val="{BODY_PT * 2}"/>'
            f'<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>'
        ),
    )
    ppr_default = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    ppr_default.getparent().replace(
        ppr_default, parse_xml(f'<w:pPr {nsdecls("w")}><w:spacing w:after="0" w:line="240"/></w:pPr>')
    )
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element, east_asia=BODY_FONT)
    npf = normal.paragraph_format
    npf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    npf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    npf.line_spacing = Pt(BODY_LINE_PT)
    npf.space_before = npf.space_after = Pt(0)
    npf.widow_control = False

    # Paragraph styles: admins restyle a whole template by editing these in Word/WPS.
    _para_style(doc, "DudaoBody", "公文正文", first_line_chars=2)
    _para_style(doc, "DudaoHeading1", "公文一级标题", font=HEI_FONT, first_line_chars=2, keep_next=True)
    _para_style(doc, "DudaoHeading2", "公文二级标题", font=KAI_FONT, first_line_chars=2, keep_next=True)
    _para_style(
        doc,
        "DudaoAuthority",
        "发文机关标志",
        font=TITLE_FONT,
        size=30,  # between 一号 and 小初: a 14-character authority name still fits on one line
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line_pt=None,
        color=RED,
        # GB/T 9704 7.2.3: the mark's top edge 35 mm below the top of the text area.
        before_pt=Mm(35).pt,
    )
    number_style = _para_style(
        doc,
        "DudaoDocNumber",
        "发文字号",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        before_pt=2 * BODY_LINE_PT,  # 7.2.4: two blank lines under the mark
    )
    # 7.2.5: red separator as wide as the text area, 4 mm under the document number.
    _border(number_style.element.get_or_add_pPr(), "w:pBdr", {"bottom": (12, RED_HEX, 11)})
    _para_style(
        doc,
        "DudaoTitle",
        "公文标题",
        font=TITLE_FONT,
        size=22,  # 二号
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line_pt=35,
        before_pt=2 * BODY_LINE_PT,  # 7.3.1: two blank lines under the separator
        after_pt=BODY_LINE_PT,  # 7.3.2: one blank line before the recipient
        keep_next=True,
    )
    _para_style(doc, "DudaoRecipient", "主送机关", align=WD_ALIGN_PARAGRAPH.LEFT)
    # 附件说明 (GB/T 9704 7.3.4): 「附件：」 two characters in, later attachment lines aligned on the first
    # name: left indent 5 characters, hanging 3 (the width of 「附件：」).
    _para_style(doc, "DudaoAttachment", "附件说明", align=WD_ALIGN_PARAGRAPH.LEFT, before_pt=BODY_LINE_PT,
                left_chars=5, hanging_chars=3)  # fmt: skip
    _para_style(doc, "DudaoSignature", "发文机关署名", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para_style(doc, "DudaoSignatureSpace", "署名前空行", line_pt=BODY_LINE_PT)
    _para_style(doc, "DudaoImprint", "版记", size=14, line_pt=None, align=WD_ALIGN_PARAGRAPH.LEFT)
    _para_style(doc, "DudaoTableText", "表格文字", size=12, line_pt=None, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para_style(doc, "DudaoTableHead", "表格标题行", font=HEI_FONT, size=12, line_pt=None,
                align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
    _para_style(doc, "DudaoFormText", "表单文字", size=10.5, line_pt=None, align=WD_ALIGN_PARAGRAPH.LEFT)
    _para_style(doc, "DudaoFormHead", "表单标题行", font=HEI_FONT, size=10.5, line_pt=None,
                align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
    _para_style(doc, "DudaoFormField", "表头项目", size=12, line_pt=None, align=WD_ALIGN_PARAGRAPH.LEFT)
    _para_style(doc, "DudaoFormSubtitle", "表单副标题", font=KAI_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para_style(doc, "DudaoFormNumber", "表单编号", size=12, line_pt=None, align=WD_ALIGN_PARAGRAPH.RIGHT,
                after_pt=4)  # fmt: skip
    _para_style(doc, "DudaoFormRemark", "表单说明", size=14, line_pt=None, before_pt=6, first_line_chars=2)
    _para_style(doc, "DudaoFormSign", "签字栏", size=14, line_pt=None, before_pt=14,
                align=WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip
    _para_style(doc, "DudaoSpacer", "表后空行", size=6, line_pt=None)
    _para_style(doc, "DudaoPageNumber", "页码", font=SONG_FONT, size=14, line_pt=None,
                align=WD_ALIGN_PARAGRAPH.RIGHT)  # fmt: skip
    _set_fonts(doc.styles[_s("DudaoPageNumber")].element, east_asia=SONG_FONT, latin=SONG_FONT)

    # Odd/even footers (GB/T 9704 7.5: 单页码居右空一字, 双页码居左空一字).
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number_paragraph(section.footer, odd=True)
    _page_number_paragraph(section.even_page_footer, odd=False)

    props = doc.core_properties
    props.title = title_property
    props.author = "{{ authority_name }}"
    props.subject = ""
    props.comments = "dudao 文书模板;编辑说明见 docs/documents.md"
    props.keywords = ""
    props.last_modified_by = "dudao"
    props.revision = 1
    props.created = props.modified = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    return doc


# ---------------------------------------------------------------------------------------------------
# official_letter.docx


def _data_table(doc, *, head_style: str, text_style: str, header: str, cells: str, widths: str, aligns: str):
    """A table whose columns come from the context: header row, one row per item (docxtpl tc/tr loops).

    `header`: expression iterated for the header cells; `cells`: the items; `widths`/`aligns`: Jinja
    expressions rendered into the layout marker that render.py applies after rendering.
    """
    third = TEXT_WIDTH_TWIPS // 3
    table = _table(doc, 4, [third, TEXT_WIDTH_TWIPS - 2 * third, third])
    _table_layout_marker(table, f"widths={{{{ {widths} }}}};align={{{{ {aligns} }}}}")
    head, loop_start, body, loop_end = table.rows
    _cell_text(head.cells[0], f"{{%tc for c in {header} %}}", head_style)
    _cell_text(head.cells[1], "{{ c.title if c is mapping else c }}", head_style)
    _cell_text(head.cells[2], "{%tc endfor %}", head_style)
    _repeat_header(head)
    _cell_text(loop_start.cells[0], f"{{%tr for row in {cells} %}}", text_style)
    _cell_text(body.cells[0], "{%tc for c in row %}", text_style)
    _cell_text(body.cells[1], "{{ c }}", text_style)
    _cell_text(body.cells[2], "{%tc endfor %}", text_style)
    _cant_split(body)
    _cell_text(loop_end.cells[0], "{%tr endfor %}", text_style)
    return table


def build_official_letter(path: Path) -> None:
    """Generic official document (通知/意见书/回执): 版头, number, red line, title, body, table, seal."""
    doc = new_document(title_property="{{ title }}")

    _para(doc, "{{ authority_name }}", "DudaoAuthority")
    _para(doc, "{{ doc_number }}", "DudaoDocNumber")
    _para(doc, "{{ title }}", "DudaoTitle")
    _tag(doc, "{%p if recipient %}")
    _para(doc, "{{ recipient }}：", "DudaoRecipient")
    _tag(doc, "{%p endif %}")

    # Body: plain strings are paragraphs; {"heading": ..., "level": 1|2} are 黑体/楷体 headings.
    _tag(doc, "{%p for p in paragraphs %}")
    _tag(doc, "{%p if p is string %}")
    _para(doc, "{{ p }}", "DudaoBody")
    _tag(doc, "{%p elif (p.level or 1) == 1 %}")
    _para(doc, "{{ p.heading }}", "DudaoHeading1")
    _tag(doc, "{%p else %}")
    _para(doc, "{{ p.heading }}", "DudaoHeading2")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")

    _tag(doc, "{%p if table %}")
    _tag(doc, "{%p if table.title %}")
    _para(doc, "{{ table.title }}", "DudaoTableHead").paragraph_format.space_before = Pt(8)
    _tag(doc, "{%p endif %}")
    _data_table(
        doc,
        head_style="DudaoTableHead",
        text_style="DudaoTableText",
        header="table.headers",
        cells="table.rows",
        widths="(table.widths or [])|join(',')",
        aligns="(table.align or [])|join(',')",
    )
    _para(doc, "", "DudaoSpacer")
    _tag(doc, "{%p endif %}")

    # 附件说明 (GB/T 9704 7.3.4): one blank line under the body, two characters in.
    _tag(doc, "{%p if attachments %}")
    _para(
        doc,
        "附件：{% for a in attachments %}{{ (loop.index ~ '．') if attachments|length > 1 else '' }}{{ a }}"
        "{{ '\\n' if not loop.last else '' }}{% endfor %}",
        "DudaoAttachment",
    )
    _tag(doc, "{%p endif %}")

    # Signer, date and seal (7.3.5.1): date four characters from the right, signer centred on the date,
    # the seal over both. A borderless right-aligned cell centres both on the date.
    _para(doc, "", "DudaoSignatureSpace")
    _para(doc, "", "DudaoSignatureSpace")
    sig = _table(doc, 1, [round(Pt(232).twips)], borders=NO_BORDERS, align="right")
    cell = sig.cell(0, 0)
    p_signer = _cell_text(cell, "", "DudaoSignature")
    # The seal placeholder floats from the signer's line; `seal_placeholder: false` leaves it out.
    p_signer.add_run("{%r if seal_placeholder is not defined or seal_placeholder %}")
    p_signer._p.append(parse_xml(_seal_placeholder_xml()))
    p_signer.add_run("{%r endif %}")
    p_signer.add_run("{{ signer }}")
    cell.add_paragraph(style=_s("DudaoSignature")).add_run("{{ date|cn_date }}")

    # 版记 (7.4): 抄送 and 印发 between separator lines, 4号仿宋, one character in on each side.
    _tag(doc, "{%p if cc or printed_by %}")
    _para(doc, "", "DudaoSignatureSpace")
    lines = dict(NO_BORDERS, top=(8, "000000", 0), bottom=(8, "000000", 0), insideH=(4, "000000", 0))
    imprint = _table(doc, 4, [TEXT_WIDTH_TWIPS], borders=lines)
    cc_if, cc_row, cc_endif, print_row = imprint.rows
    _cell_text(cc_if.cells[0], "{%tr if cc %}", "DudaoImprint")
    _cell_text(cc_row.cells[0], "抄送：{{ cc if cc is string else cc|join('，') }}。", "DudaoImprint")
    _cell_text(cc_endif.cells[0], "{%tr endif %}", "DudaoImprint")
    pr = _cell_text(
        print_row.cells[0],
        "{{ printed_by or '' }}\t{{ (printed_on|cn_date ~ '印发') if printed_on else '' }}",
        "DudaoImprint",
    )
    pr.paragraph_format.tab_stops.add_tab_stop(Twips(TEXT_WIDTH_TWIPS - 2 * 280), WD_TAB_ALIGNMENT.RIGHT)
    for row in imprint.rows:
        _cant_split(row)
        paragraph = row.cells[0].paragraphs[0]
        paragraph.paragraph_format.keep_with_next = row is not print_row  # the imprint never splits
        _chars_indent(paragraph._p.get_or_add_pPr(), left_chars=1, right_chars=1, pt=14)
    _tag(doc, "{%p endif %}")

    doc.save(path)


# ---------------------------------------------------------------------------------------------------
# table_form.docx


def build_table_form(path: Path) -> None:
    """A titled form: key/value header block, items table (columns from context), totals, signatures."""
    doc = new_document(title_property="{{ title }}")
    _tag(doc, "{%p if authority_name %}")
    _para(doc, "{{ authority_name }}", "DudaoFormSubtitle")
    _tag(doc, "{%p endif %}")
    title = _para(doc, "{{ title }}", "DudaoTitle")
    title.paragraph_format.space_before = Pt(0)
    title.paragraph_format.space_after = Pt(0)
    _tag(doc, "{%p if subtitle %}")
    _para(doc, "{{ subtitle }}", "DudaoFormSubtitle")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if number %}")
    _para(doc, "编号：{{ number }}", "DudaoFormNumber")
    _tag(doc, "{%p endif %}")

    # Header block: two label/value pairs per row.
    _tag(doc, "{%p if fields %}")
    label_w, value_w = round(TEXT_WIDTH_TWIPS * 0.2), round(TEXT_WIDTH_TWIPS * 0.3)
    value_w2 = TEXT_WIDTH_TWIPS - 2 * label_w - value_w
    fields = _table(doc, 3, [label_w, value_w, label_w, value_w2])
    start, row, end = fields.rows
    _cell_text(start.cells[0], "{%tr for pair in fields|batch(2) %}", "DudaoFormField")
    _cell_text(row.cells[0], "{{ pair[0].label }}", "DudaoFormField").alignment = WD_ALIGN_PARAGRAPH.CENTER
    _cell_text(row.cells[1], "{{ pair[0].value }}", "DudaoFormField")
    _cell_text(
        row.cells[2], "{{ pair[1].label if pair|length > 1 else '' }}", "DudaoFormField"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _cell_text(row.cells[3], "{{ pair[1].value if pair|length > 1 else '' }}", "DudaoFormField")
    _cant_split(row)
    _cell_text(end.cells[0], "{%tr endfor %}", "DudaoFormField")
    _para(doc, "", "DudaoSpacer")
    _tag(doc, "{%p endif %}")

    # Items: header from `columns`; a row is a list of cells or {"section": text} spanning the table.
    third = TEXT_WIDTH_TWIPS // 3
    items = _table(doc, 11, [third, TEXT_WIDTH_TWIPS - 2 * third, third])
    _table_layout_marker(
        items,
        "widths={{ columns|map(attribute='width', default=1)|join(',') }};"
        "align={{ columns|map(attribute='align', default='center')|join(',') }}",
    )
    rows = items.rows
    _cell_text(rows[0].cells[0], "{%tc for c in columns %}", "DudaoFormHead")
    _cell_text(rows[0].cells[1], "{{ c.title if c is mapping else c }}", "DudaoFormHead")
    _cell_text(rows[0].cells[2], "{%tc endfor %}", "DudaoFormHead")
    _repeat_header(rows[0])
    _cell_text(rows[1].cells[0], "{%tr for row in rows %}", "DudaoFormText")
    _cell_text(rows[2].cells[0], "{%tr if row is mapping %}", "DudaoFormText")
    section_cell = rows[3].cells[0].merge(rows[3].cells[2])
    _cell_text(section_cell, "{% colspan columns|length %}{{ row.section }}", "DudaoFormText", font=HEI_FONT)
    _cant_split(rows[3])
    _cell_text(rows[4].cells[0], "{%tr else %}", "DudaoFormText")
    _cell_text(rows[5].cells[0], "{%tc for c in row %}", "DudaoFormText")
    _cell_text(rows[5].cells[1], "{{ c }}", "DudaoFormText")
    _cell_text(rows[5].cells[2], "{%tc endfor %}", "DudaoFormText")
    _cant_split(rows[5])
    _cell_text(rows[6].cells[0], "{%tr endif %}", "DudaoFormText")
    _cell_text(rows[7].cells[0], "{%tr endfor %}", "DudaoFormText")
    _cell_text(rows[8].cells[0], "{%tr if totals %}", "DudaoFormText")
    _cell_text(rows[9].cells[0], "{%tc for c in totals %}", "DudaoFormText")
    _cell_text(rows[9].cells[1], "{{ c }}", "DudaoFormText", bold=True, font=HEI_FONT)
    _cell_text(rows[9].cells[2], "{%tc endfor %}", "DudaoFormText")
    _cant_split(rows[9])
    _cell_text(rows[10].cells[0], "{%tr endif %}", "DudaoFormText")

    _tag(doc, "{%p for r in remarks or [] %}")
    _para(doc, "{{ r }}", "DudaoFormRemark")
    _tag(doc, "{%p endfor %}")

    sign_tab = Twips(TEXT_WIDTH_TWIPS)
    _tag(doc, "{%p for s in signatures or [] %}")
    sp = _para(
        doc,
        "{{ s.label }}：{{ s.name or '________________' }}\t"
        "日期：{{ s.date|cn_date if s.date else '______年____月____日' }}",
        "DudaoFormSign",
    )
    sp.paragraph_format.tab_stops.add_tab_stop(sign_tab, WD_TAB_ALIGNMENT.RIGHT)
    _tag(doc, "{%p endfor %}")

    _tag(doc, "{%p if issuer or date %}")
    _para(doc, "", "DudaoSignatureSpace")
    sig = _table(doc, 1, [round(Pt(232).twips)], borders=NO_BORDERS, align="right")
    cell = sig.cell(0, 0)
    _cell_text(cell, "{{ issuer or '' }}", "DudaoSignature")
    cell.add_paragraph(style=_s("DudaoSignature")).add_run("{{ date|cn_date if date else '' }}")
    _tag(doc, "{%p endif %}")
    doc.save(path)


BUILDERS = {"official_letter": build_official_letter, "table_form": build_table_form}


def write_templates(builders: dict[str, Callable[[Path], None]], out_dir: Path = OUT_DIR) -> list[Path]:
    """Run each builder into `out_dir/<name>.docx` (every app's template script uses this)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, builder in builders.items():
        path = out_dir / f"{name}.docx"
        builder(path)
        written.append(path)
    return written


def command_line(
    builders: dict[str, Callable[[Path], None]], description: str, argv: list[str] | None
) -> None:
    """`python -m dudao.<app>.build_templates [--out DIR]`: write the templates, print their paths."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--out", type=Path, default=OUT_DIR, help="输出目录(默认 dudao/documents/templates_docx/)"
    )
    args = parser.parse_args(argv)
    for path in write_templates(builders, args.out):
        print(path)


def build_all(out_dir: Path = OUT_DIR) -> list[Path]:
    return write_templates(BUILDERS, out_dir)


def main(argv: list[str] | None = None) -> None:
    command_line(BUILDERS, "生成内置的 .docx 文书模板", argv)


if __name__ == "__main__":
    main()
