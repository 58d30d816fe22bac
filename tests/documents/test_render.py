"""DOCX rendering: the shipped templates with Chinese contexts, read back with python-docx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from dudao.common.errors import ApplicationError
from dudao.documents import render
from dudao.documents.render import DocumentError, PdfUnavailable, cn_date, find_template, render_docx

from .helpers import FORM, FORM_MINIMAL, LETTER, LETTER_MINIMAL, all_xml, blocks, open_docx

SIGNATURE_SPACE, TABLE_SPACER = "署名前空行", "表后空行"


def test_official_letter_full_context():
    assert blocks(render_docx("official_letter", LETTER)) == [
        ("发文机关标志", "江西省职业技能鉴定指导中心"),
        ("发文字号", "赣技鉴督〔2024〕12号"),
        ("公文标题", "关于对南昌市某职业技能培训学校开展专项督导的意见书"),
        ("主送机关", "南昌市某职业技能培训学校："),
        ("公文正文", "根据《职业技能等级认定工作规程》，我中心于2024年9月27日对你单位开展了专项督导。"),
        ("公文一级标题", "一、总体情况"),
        ("公文正文", "你单位能够按照备案范围组织开展认定工作，考务管理基本规范。"),
        ("公文二级标题", "（一）考评人员管理"),
        # Autoescaping keeps & and < as text instead of breaking the document XML.
        ("公文正文", "部分考评员未按规定回避；机构名称「A&B<培训>」原样保留。"),
        ("表格标题行", "发现问题清单"),
        [
            ["序号", "问题", "整改期限"],
            ["1", "考评员未回避", "2024年10月25日"],
            ["2", "试卷保管不规范", "2024年10月25日"],
        ],
        (TABLE_SPACER, ""),
        ("附件说明", "附件：1．督导发现问题清单\n2．整改报告模板"),
        (SIGNATURE_SPACE, ""),
        (SIGNATURE_SPACE, ""),
        [["江西省职业技能鉴定指导中心\n2024年9月30日"]],
        (SIGNATURE_SPACE, ""),
        [
            ["抄送：江西省人力资源和社会保障厅，南昌市人力资源和社会保障局。"],
            ["江西省职业技能鉴定指导中心办公室\t2024年9月30日印发"],
        ],
    ]


def test_official_letter_minimal_context_leaves_no_empty_paragraph_from_tags():
    # No recipient, table, attachments, cc: every {%p %} block disappears without a trace.
    assert blocks(render_docx("official_letter", LETTER_MINIMAL)) == [
        ("发文机关标志", "重庆市职业技能鉴定指导中心"),
        ("发文字号", "渝技鉴〔2024〕3号"),
        ("公文标题", "延续备案回执"),
        ("公文正文", "你单位提交的延续备案申请材料已收到。"),
        (SIGNATURE_SPACE, ""),
        (SIGNATURE_SPACE, ""),
        [["重庆市职业技能鉴定指导中心\n2024年10月8日"]],
    ]


def test_single_attachment_has_no_number_and_newlines_become_line_breaks():
    context = dict(LETTER_MINIMAL, attachments=["整改报告模板"], paragraphs=["第一行\n第二行"])
    assert blocks(render_docx("official_letter", context))[3:5] == [
        ("公文正文", "第一行\n第二行"),
        ("附件说明", "附件：整改报告模板"),
    ]


def test_table_form_full_context():
    assert blocks(render_docx("table_form", FORM)) == [
        ("表单副标题", "重庆市职业技能鉴定指导中心"),
        ("公文标题", "重庆市职业技能等级认定机构延续备案评估表"),
        ("表单副标题", "CQ-RENEWAL 第 1 版"),
        ("表单编号", "编号：PG-2024-0031"),
        [["机构名称", "重庆某职业培训学校", "评估日期", "2024年9月27日"], ["评估组组长", "张三", "", ""]],
        (TABLE_SPACER, ""),
        [
            ["编号", "评估内容", "分值", "得分", "备注"],
            ["一、内部管理（10分）"],
            ["A1.1", "设立机构负责人等岗位并配备人员", "4", "3.6", "缺证书管理员"],
            ["A1.2", "岗位职责明确并能认真履职", "2", "2", ""],
            ["二、评价实施（67分）"],
            ["B1.1", "按备案职业（工种）范围开展评价", "5", "5", ""],
            ["合计", "", "11", "10.6", "结论：符合"],
        ],
        ("表单说明", "评估结论：总分 86.5 分，结论为「符合」。"),
        ("签字栏", "评估组组长（签字）：________________\t日期：______年____月____日"),
        ("签字栏", "评估组成员（签字）：李四、王五\t日期：2024年9月27日"),
        (SIGNATURE_SPACE, ""),
        [["重庆市职业技能鉴定指导中心\n2024年9月30日"]],
    ]


def test_table_form_minimal_context():
    # Plain column titles (no widths), no header block, totals, remarks, signatures or issuer.
    assert blocks(render_docx("table_form", FORM_MINIMAL)) == [
        ("公文标题", "检查记录表"),
        [["序号", "检查内容"], ["1", "考场布置"]],
    ]


def _grid(table) -> list[int]:
    return [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def test_column_widths_and_alignment_follow_the_context():
    doc = open_docx(render_docx("table_form", FORM))
    items = doc.tables[1]
    # Weights 1:6:1:1:3 of the 156 mm text area (8,844 twips).
    assert _grid(items) == [737, 4422, 737, 737, 2211]
    header, section, first = (items._tbl.tr_lst[i] for i in range(3))
    assert [int(tc.tcPr.tcW.get(qn("w:w"))) for tc in first.tc_lst] == [737, 4422, 737, 737, 2211]
    # A section row is one cell spanning every column.
    assert [(tc.grid_span, int(tc.tcPr.tcW.get(qn("w:w")))) for tc in section.tc_lst] == [(5, 8844)]
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    assert [tc.p_lst[0].pPr.jc_val for tc in first.tc_lst] == [center, left, center, center, left]
    # The header row keeps its style's centring (no per-column override).
    assert [(tc.p_lst[0].pPr.style, tc.p_lst[0].pPr.jc_val) for tc in header.tc_lst] == [
        ("DudaoFormHead", None)
    ] * 5
    # The layout marker is consumed: no alt text left in the output.
    assert items._tbl.tblPr.find(qn("w:tblCaption")) is None
    assert items._tbl.tblPr.find(qn("w:tblDescription")) is None
    letter = open_docx(render_docx("official_letter", LETTER))
    assert _grid(letter.tables[0]) == [1105, 5527, 2212]  # 1:5:2, rounding remainder on the last column


def test_columns_without_widths_share_the_width_equally():
    doc = open_docx(render_docx("table_form", dict(FORM_MINIMAL, columns=["甲", "乙", "丙", "丁"], rows=[])))
    assert _grid(doc.tables[0]) == [2211, 2211, 2211, 2211]
    assert blocks(render_docx("table_form", dict(FORM_MINIMAL, rows=[])))[1] == [["序号", "检查内容"]]


@pytest.mark.parametrize(
    ("template", "context"),
    [
        ("official_letter", LETTER),
        ("official_letter", LETTER_MINIMAL),
        ("table_form", FORM),
        ("table_form", FORM_MINIMAL),
    ],
)
def test_no_template_tag_survives_and_empty_paragraphs_are_only_spacers(template, context):
    data = render_docx(template, context)
    xml = all_xml(data)
    for tag in ("{%", "%}", "{{", "}}", "{#"):
        assert tag not in xml
    for entry in blocks(data):
        if isinstance(entry, tuple) and entry[1] == "":
            assert entry[0] in (SIGNATURE_SPACE, TABLE_SPACER)


def test_document_properties_carry_title_and_authority():
    props = open_docx(render_docx("official_letter", LETTER)).core_properties
    assert (props.title, props.author) == (LETTER["title"], LETTER["authority_name"])


def _anchors(data: bytes) -> int:
    return all_xml(data).count("<wp:anchor ")


def test_seal_placeholder_shown_by_default_and_can_be_left_out():
    assert _anchors(render_docx("official_letter", LETTER_MINIMAL)) == 1
    without = render_docx("official_letter", dict(LETTER_MINIMAL, seal_placeholder=False))
    assert _anchors(without) == 0
    assert blocks(without)[-1] == [["重庆市职业技能鉴定指导中心\n2024年10月8日"]]


def test_page_number_footers_odd_right_even_left():
    doc = open_docx(render_docx("official_letter", LETTER_MINIMAL))
    section = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer is True
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert (odd.alignment, even.alignment) == (WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT)
    for p in (odd, even):
        assert p._p.xpath("string(.//w:instrText)") == " PAGE "
        assert p.text == "— 1 —"  # the field's cached value between the dashes


def test_page_setup_follows_gb_t_9704():
    section = open_docx(render_docx("table_form", FORM_MINIMAL)).sections[0]
    mm = [round(v.mm, 1) for v in (section.page_width, section.page_height)]
    margins = [round(v.mm, 1) for v in (section.top_margin, section.bottom_margin)]
    sides = [round(v.mm, 1) for v in (section.left_margin, section.right_margin)]
    assert (mm, margins, sides) == ([210.0, 297.0], [37.0, 35.0], [28.0, 26.0])


def test_cn_date():
    assert cn_date(dt.date(2024, 9, 7)) == "2024年9月7日"
    assert cn_date(dt.datetime(2024, 10, 16, 9, 30)) == "2024年10月16日"
    assert cn_date("2024-01-05") == "2024年1月5日"
    assert cn_date("二〇二四年九月") == "二〇二四年九月"
    assert cn_date(None) == ""


# ---------------------------------------------------------------------------------------------------
# lookup and errors


def _write_template(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = Document()
    doc.add_paragraph(text)
    doc.save(path)
    return path


def _only_text(data: bytes) -> list[str]:
    return [text for _, text in blocks(data)]


def test_admin_override_in_media_root_takes_precedence(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    overrides = tmp_path / "templates" / "documents"
    assert render.override_dirs() == [overrides]
    assert find_template("official_letter").origin == "package"
    _write_template(overrides / "official_letter.docx", "管理员模板：{{ title }}")
    source = find_template("official_letter")
    assert (source.origin, source.path) == ("override", overrides / "official_letter.docx")
    assert _only_text(render_docx("official_letter", LETTER_MINIMAL)) == ["管理员模板：延续备案回执"]
    assert _only_text(render_docx("official_letter.docx", LETTER_MINIMAL)) == ["管理员模板：延续备案回执"]
    # Other templates still come from the package.
    assert find_template("table_form").origin == "package"
    # A variant directory (e.g. one authority's letterhead) wins over the shared override.
    _write_template(overrides / "JX-HRSS" / "official_letter.docx", "江西版：{{ title }}")
    assert _only_text(render_docx("official_letter", LETTER_MINIMAL, variant="JX-HRSS")) == [
        "江西版：延续备案回执"
    ]
    assert _only_text(render_docx("official_letter", LETTER_MINIMAL, variant="GD-HRSS")) == [
        "管理员模板：延续备案回执"
    ]
    (overrides / "official_letter.docx").unlink()
    assert find_template("official_letter").origin == "package"


def test_configured_override_dirs_are_searched_in_order(settings, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    settings.DUDAO_DOCUMENT_TEMPLATE_DIRS = [str(first), str(second)]
    _write_template(second / "table_form.docx", "第二目录：{{ title }}")
    assert _only_text(render_docx("table_form", FORM_MINIMAL)) == ["第二目录：检查记录表"]
    _write_template(first / "table_form.docx", "第一目录：{{ title }}")
    assert _only_text(render_docx("table_form", FORM_MINIMAL)) == ["第一目录：检查记录表"]


def test_explicit_path(tmp_path):
    path = _write_template(tmp_path / "draft.docx", "草稿：{{ title }}")
    assert _only_text(render_docx(path, LETTER_MINIMAL)) == ["草稿：延续备案回执"]
    assert _only_text(render_docx(str(path), LETTER_MINIMAL)) == ["草稿：延续备案回执"]


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("no_such_template", "template_not_found", "找不到文书模板「no_such_template」"),
        (
            "Official",
            "template_name_invalid",
            "文书模板名称「Official」无效:只能使用小写字母、数字、下划线和连字符",
        ),
        ("a.b", "template_name_invalid", "文书模板名称「a.b」无效:只能使用小写字母、数字、下划线和连字符"),
        ("../secrets.docx", "template_not_found", "找不到文书模板文件:../secrets.docx"),
        ("/etc/passwd", "template_not_found", "找不到文书模板文件:/etc/passwd"),
    ],
)
def test_missing_or_invalid_template_name(name, code, message):
    with pytest.raises(DocumentError) as exc:
        render_docx(name, {})
    assert (exc.value.code, exc.value.message, exc.value.status) == (code, message, 422)


def test_invalid_variant_is_refused():
    with pytest.raises(DocumentError) as exc:
        render_docx("official_letter", LETTER_MINIMAL, variant="../x")
    assert (exc.value.code, exc.value.message) == ("template_name_invalid", "模板变体「../x」无效")


def test_broken_override_template_reports_which_template(settings, tmp_path):
    settings.DUDAO_DOCUMENT_TEMPLATE_DIRS = [str(tmp_path)]
    _write_template(tmp_path / "official_letter.docx", "{{ title ")
    with pytest.raises(DocumentError) as exc:
        render_docx("official_letter", LETTER_MINIMAL)
    assert exc.value.code == "template_invalid"
    assert exc.value.message.startswith("文书模板「official_letter」(override)中的标签有误:")
    (tmp_path / "official_letter.docx").write_bytes(b"not a zip file")
    with pytest.raises(DocumentError) as exc:
        render_docx("official_letter", LETTER_MINIMAL)
    assert (exc.value.code, exc.value.message) == (
        "template_invalid",
        "文书模板「official_letter」不是有效的 Word 文档(.docx):File is not a zip file",
    )


def test_error_classes():
    assert issubclass(DocumentError, ApplicationError)
    assert issubclass(PdfUnavailable, DocumentError)
    assert (PdfUnavailable.status, PdfUnavailable.code) == (503, "pdf_unavailable")
