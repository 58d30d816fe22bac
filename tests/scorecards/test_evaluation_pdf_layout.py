"""The evaluation form's number columns fit their content on one line (issue 9 §3 point 7): the PDF printed
"95.⏎6" and "B10.⏎3" because 编号, 分值 and 得分 were 12 mm wide (9 mm inside the cell margins)."""

from __future__ import annotations

import re
import subprocess

import pytest
from docx import Document

from dudao.accounts.models import Role
from dudao.documents.render import soffice_available
from dudao.scorecards import build_evaluation_template
from dudao.scorecards.domain import fmt, shipped_forms
from tests.conftest import client_for
from tests.scorecards.test_evaluation_document import actors, signed  # noqa: F401

TEMPLATE = build_evaluation_template.OUT_DIR / "evaluation_form.docx"
FONT_MM = 10.5 * 25.4 / 72  # the table text (DudaoFormText, 10.5 pt)
MARGINS_MM = 1.5 + 1.5  # left and right cell margins (build_templates._cell_margins)
# Glyph advance in em of a wide fallback font, bold (DejaVu Sans Bold: digits 0.696, "." 0.38): a
# renderer without the intended font must still fit the value on one line.
WIDTH_EM = {".": 0.38}
DIGIT_EM, UPPER_EM, OTHER_EM = 0.70, 0.78, 0.70


def text_mm(text: str) -> float:
    em = sum(
        WIDTH_EM.get(c, DIGIT_EM if c.isdigit() else UPPER_EM if c.isupper() else OTHER_EM) for c in text
    )
    return em * FONT_MM


def column_widths_mm() -> dict[str, float]:
    """The items table's columns (by head title) in the committed template, in mm."""
    doc = Document(TEMPLATE)
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "编号")
    grid = table._tbl.tblGrid.gridCol_lst
    titles = [cell.text for cell in table.rows[0].cells]
    return {title: col.w.mm for title, col in zip(titles, grid, strict=True)}


def widest_contents() -> dict[str, str]:
    forms = shipped_forms().values()
    ids = [item.id for f in forms for section in f.sections for item in section.items]
    maxima = [fmt(x) for f in forms for x in (f.cap, f.base_max, *(s.max for s in f.sections))]
    maxima += [fmt(item.max) for f in forms for section in f.sections for item in section.items]
    # Points are shown as the engine formats them: a fractional total such as 95.25 is the widest.
    points = [*maxima, "95.25", "77.2"]
    return {
        "编号": max(ids, key=text_mm),
        "分值": max(maxima, key=text_mm),
        "得分": max(points, key=text_mm),
    }


def test_number_columns_fit_their_widest_content():
    widths = column_widths_mm()
    for column, content in widest_contents().items():
        assert text_mm(content) + MARGINS_MM <= widths[column], (column, content, round(widths[column], 1))


def test_the_widest_contents_are_the_ones_that_split():
    """The measure itself: the values the reviewer saw split are among the widest measured."""
    widest = widest_contents()
    assert text_mm(widest["编号"]) >= text_mm("B10.3")
    assert text_mm(widest["得分"]) >= text_mm("95.6")
    assert text_mm("B10.3") + MARGINS_MM > 12  # the old 12 mm column could not hold it


@pytest.mark.django_db
@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
def test_pdf_keeps_item_ids_and_points_whole(signed, actors, tmp_path):  # noqa: F811
    response = client_for(actors[Role.AUTHORITY_STAFF]).get(f"/scorecards/{signed.pk}/document.pdf")
    path = tmp_path / "evaluation.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert not re.search(r"(?m)^[A-D]?\d+\.$", text), "a number was split after its decimal point"
    lines = set(text.splitlines())
    assert {"B10.3", "B10.4", "A1.1", "77.2"} <= lines
