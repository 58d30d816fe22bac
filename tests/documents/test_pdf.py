"""PDF by LibreOffice headless: Chinese text renders (CJK fonts embedded, not tofu), layout checks."""

from __future__ import annotations

import re
import shutil
import threading

import pytest

from dudao.documents.render import PdfUnavailable, render_docx, soffice_available, to_pdf

from .helpers import (
    FORM,
    LETTER,
    LETTER_MINIMAL,
    page_pixels,
    pdf_fonts,
    pdf_info,
    pdf_text,
    red_rows,
    squash,
)

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed: `make system-packages` installs libreoffice-writer-nogui",
)


@pytest.fixture(scope="module")
def letter_pdf():
    if not soffice_available():
        pytest.skip("LibreOffice (soffice) is not installed")
    return to_pdf(render_docx("official_letter", LETTER))


def _body_text(pdf: bytes, tmp_path) -> str:
    """All text without whitespace and without the page numbers pdftotext interleaves."""
    return re.sub(r"—\d+—", "", squash(pdf_text(pdf, tmp_path)))


@needs_soffice
def test_letter_pdf_contains_the_chinese_text(letter_pdf, tmp_path):
    text = _body_text(letter_pdf, tmp_path)
    expected = [
        LETTER["authority_name"],
        LETTER["doc_number"],
        LETTER["title"],
        LETTER["recipient"] + "：",
        *[p if isinstance(p, str) else p["heading"] for p in LETTER["paragraphs"]],
        "序号问题整改期限1考评员未回避2024年10月25日",
        "附件：1．督导发现问题清单2．整改报告模板",
        "江西省职业技能鉴定指导中心2024年9月30日",
        "抄送：江西省人力资源和社会保障厅，南昌市人力资源和社会保障局。",
    ]
    for fragment in expected:
        assert squash(fragment) in text
    # Page numbers 「— 1 —」 and 「— 2 —」 in the footers.
    assert re.findall(r"—\d+—", squash(pdf_text(letter_pdf, tmp_path))) == ["—1—", "—2—"]


@needs_soffice
def test_letter_pdf_is_a4_and_embeds_cjk_fonts(letter_pdf, tmp_path):
    info = pdf_info(letter_pdf, tmp_path)
    assert info["Page size"].strip().endswith("(A4)")
    assert (info["Pages"].strip(), info["Title"].strip(), info["Author"].strip()) == (
        "2",
        LETTER["title"],
        LETTER["authority_name"],
    )
    fonts = pdf_fonts(letter_pdf, tmp_path)
    # Body 仿宋_GB2312 → Noto Serif CJK, title 方正小标宋简体 → its bold face, headings 黑体 → Noto Sans CJK.
    assert {f.split("-")[0] for f in fonts} >= {"NotoSerifCJKjp", "NotoSansCJKjp"}
    assert {"NotoSerifCJKjp-Regular-VKana", "NotoSerifCJKjp-Bold-VKana"} <= set(fonts)
    assert not [f for f in fonts if f.startswith("DejaVu")]  # DejaVu would mean a CJK font was missing


@needs_soffice
def test_letter_pdf_red_letterhead_and_separator_on_page_one(letter_pdf, tmp_path):
    width, height, pixels = page_pixels(letter_pdf, tmp_path, page=1, dpi=30)
    rows = red_rows(width, height, pixels)
    # Two red bands: the authority name (版头), then the thin separator line under the number.
    bands = []
    for y in rows:
        if bands and y == bands[-1][-1] + 1:
            bands[-1].append(y)
        else:
            bands.append([y])
    assert len(bands) == 2
    head, line = bands
    assert len(head) >= 8 and len(line) <= 2
    assert head[0] > height * 0.2 and line[-1] < height * 0.45  # upper part of the page only


@needs_soffice
def test_seal_placeholder_is_drawn_and_can_be_left_out(tmp_path):
    with_seal = to_pdf(render_docx("official_letter", LETTER_MINIMAL))
    without = to_pdf(render_docx("official_letter", dict(LETTER_MINIMAL, seal_placeholder=False)))
    width, height, pixels = page_pixels(with_seal, tmp_path, dpi=60)
    seal_rows = [y for y in red_rows(width, height, pixels) if y > height * 0.45]
    assert len(seal_rows) > 40  # a 42 mm circle is ~100 px tall at 60 dpi; thin dashes miss some rows
    width, height, pixels = page_pixels(without, tmp_path, dpi=60)
    assert [y for y in red_rows(width, height, pixels) if y > height * 0.45] == []
    assert "（印章）" in squash(pdf_text(with_seal, tmp_path))
    assert "（印章）" not in squash(pdf_text(without, tmp_path))


@needs_soffice
def test_table_form_pdf(tmp_path):
    pdf = to_pdf(render_docx("table_form", FORM))
    text = _body_text(pdf, tmp_path)
    for fragment in [
        FORM["title"],
        "机构名称重庆某职业培训学校评估日期2024年9月27日",
        "编号评估内容分值得分备注",
        "一、内部管理（10分）",
        "A1.1设立机构负责人等岗位并配备人员43.6缺证书管理员",
        "合计1110.6结论：符合",
        "评估组成员（签字）：李四、王五日期：2024年9月27日",
    ]:
        assert squash(fragment) in text
    assert pdf_info(pdf, tmp_path)["Pages"].strip() == "1"


@needs_soffice
def test_concurrent_conversions_do_not_collide(tmp_path):
    docx = render_docx("official_letter", LETTER_MINIMAL)
    results: list[bytes | BaseException] = [b"", b"", b""]

    def convert(i: int) -> None:
        try:
            results[i] = to_pdf(docx)
        except BaseException as exc:  # reported below with the others
            results[i] = exc

    threads = [threading.Thread(target=convert, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for result in results:
        assert isinstance(result, bytes) and result.startswith(b"%PDF-")
        assert "延续备案回执" in squash(pdf_text(result, tmp_path))


@needs_soffice
def test_timeout_kills_soffice_and_reports():
    with pytest.raises(PdfUnavailable) as exc:
        to_pdf(render_docx("official_letter", LETTER_MINIMAL), timeout=0.05)
    assert (exc.value.code, exc.value.status) == ("pdf_unavailable", 503)
    assert exc.value.message == "生成 PDF 超时(超过 0.05 秒),请稍后重试或下载 DOCX 版本"


def test_missing_soffice(settings, tmp_path):
    settings.DUDAO_SOFFICE = str(tmp_path / "no-soffice-here")
    assert soffice_available() is False
    with pytest.raises(PdfUnavailable) as exc:
        to_pdf(b"irrelevant")
    assert exc.value.message == (
        "服务器未安装 LibreOffice(soffice),无法生成 PDF;"
        "请下载 DOCX 版本,或请管理员安装 libreoffice-writer-nogui"
    )


def test_failing_soffice_reports_exit_code_and_stderr(settings, tmp_path):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    fake.chmod(0o755)
    settings.DUDAO_SOFFICE = str(fake)
    assert soffice_available() is True
    with pytest.raises(PdfUnavailable) as exc:
        to_pdf(b"PK not really a docx")
    assert exc.value.message == "LibreOffice 未能生成 PDF(退出码 1),请下载 DOCX 版本"
    assert exc.value.detail == {"stderr": ["Error: source file could not be loaded"]}


def test_soffice_exiting_0_without_output_is_a_failure(settings, tmp_path):
    # soffice reports some load errors on stderr and still exits 0: the missing PDF decides.
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    settings.DUDAO_SOFFICE = str(fake)
    with pytest.raises(PdfUnavailable) as exc:
        to_pdf(b"x")
    assert exc.value.message == "LibreOffice 未能生成 PDF(退出码 0),请下载 DOCX 版本"
