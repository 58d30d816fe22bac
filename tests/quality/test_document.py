"""The 质量通报 paper: the best and the failing named in the body, every institution in the ranking table,
unranked ones without a score; the PDF from the same DOCX shows them in Chinese."""

from __future__ import annotations

import datetime as dt
import subprocess
from types import SimpleNamespace

import pytest

from dudao.documents.render import soffice_available
from dudao.quality import documents, domain
from dudao.quality.domain import Inputs

ROWS = domain.report(
    [
        Inputs(1, "南昌市职业技能鉴定所", batches=12, candidates=480, results=470, passed=410),
        Inputs(2, "九江职业培训学校", batches=5, candidates=150, findings={"serious": 5}),
        Inputs(3, "上饶市家政服务评价站", batches=0),
    ]
)


def report(rows=ROWS):
    return SimpleNamespace(
        authority=SimpleNamespace(name="江西省职业技能鉴定指导中心", code="JX-HRSS"),
        number="质通〔2026〕1号",
        figures=[r.as_json() for r in rows],
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 11, 30),
        published_at=dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC),
        computed_at=dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC),
    )


def test_context_names_the_best_and_the_failing():
    ctx = documents.context(report())
    body = [p for p in ctx["paragraphs"] if isinstance(p, str)]
    assert ctx["title"] == "关于2026年1月1日至2026年11月30日职业技能等级认定质量指标情况的通报"
    assert any(p.startswith("南昌市职业技能鉴定所(得分100.00") for p in body)
    assert any(p.startswith("九江职业培训学校(得分50.00") for p in body)
    assert ctx["date"] == dt.date(2026, 12, 3)
    table = ctx["table"]
    assert [r[:3] for r in table["rows"]] == [
        ["1", "南昌市职业技能鉴定所", "12"],
        ["2", "九江职业培训学校", "5"],
        ["—", "上饶市家政服务评价站", "0"],
    ]
    assert table["rows"][0][3] == "87.2%" and table["rows"][2][-1] == "—"
    assert table["headers"][7] == "投诉(收到/受理)"  # no verified column while complaints record none


def test_when_nobody_is_best_or_failing_the_paper_says_so():
    rows = domain.report([Inputs(1, "甲机构", batches=1, findings={"minor": 20})])  # 80: neither
    body = [p for p in documents.context(report(rows))["paragraphs"] if isinstance(p, str)]
    assert "本期没有评价机构达到优秀标准。" in body and "本期没有评价机构被评为不合格。" in body


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is installed by `make install`")
def test_pdf_shows_the_names(tmp_path):
    data, name = documents.render(report(), "pdf")
    assert name == "质量通报_质通〔2026〕1号.pdf" and data.startswith(b"%PDF")
    path = tmp_path / "q.pdf"
    path.write_bytes(data)
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "南昌市职业技能鉴定所" in text and "九江职业培训学校" in text and "质量指标情况的通报" in text
