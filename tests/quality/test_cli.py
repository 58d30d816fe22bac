"""`dudao quality report` (QUAL-1) and `dudao quality sample` (QUAL-3): the ranking as JSON and text, the
sample recomputed from its seed, and bad input as a Chinese message with exit status 2, nothing on stdout."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from dudao.quality import domain

from . import support as s


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("quality", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_report_as_json(institution, second_institution, other_institution, province):
    s.batch(institution, dt.date(2026, 6, 1))
    out, _ = run("report", "--region", province.code, "--from", "2026-01-01", "--to", "2026-11-30", "--json")
    rows = json.loads(out)
    assert [(r["name"], r["rank"], r["batches"], r["score"]) for r in rows] == [
        (institution.name, 1, 1, "100.00"),
        (second_institution.name, None, 0, "100.00"),
    ]


def test_report_as_text(institution, province):
    s.batch(institution, dt.date(2026, 6, 1))
    out, _ = run("report", "--region", province.code, "--from", "2026-01-01", "--to", "2026-11-30")
    assert out.splitlines()[1] == f"1\t{institution.name}\t批次 1\t得分 100.00(优秀)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--from", "2026-01-01", "--to", "2026-02-01"], "缺少参数 --region"),
        (["report", "--region", "999999", "--from", "2026-01-01", "--to", "2026-02-01"], "不存在"),
        (["report", "--region", "360000", "--from", "2026-13-01", "--to", "2026-02-01"], "不是有效日期"),
        (["report", "--region", "360000", "--from", "2026-03-01", "--to", "2026-02-01"], "不能早于开始日期"),
        (["sample", "--ids", "1,x", "--seed", "a"], "应为整数"),
        (["sample", "--ids", "1,2", "--size", "0", "--seed", "a"], "应大于 0"),
    ],
)
def test_bad_input(province, args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("quality", *args, stdout=out, stderr=err)
        finally:
            assert out.getvalue() == ""
            assert message in err.getvalue()
    assert exc.value.code == 2


def test_sample_recomputes_the_draw():
    out, _ = run("sample", "--ids", "4,8,15,16,23,42", "--size", "2", "--seed", "2026-QC", "--json")
    assert json.loads(out) == domain.sample([4, 8, 15, 16, 23, 42], 2, "2026-QC")
    assert len(json.loads(out)) == 2
    out, _ = run("sample", "--ids", "3,1,2", "--seed", "")
    assert out.strip() == "抽中机构编号:1、2、3"
