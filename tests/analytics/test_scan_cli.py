"""The contract `dudao analytics scan --marks FILE [--pass-mark 60] --json`, run as a user runs it: output
shape, CSV and Parquet, and exit 2 with a Chinese message naming the row for a malformed file."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from django.core.management import call_command

from .test_scan_flags import HEADER, heaping_rows, write

DUDAO = Path(sys.executable).parent / "dudao"


def run(*args: str) -> subprocess.CompletedProcess:
    """The command in this process (as `dudao analytics scan ARGS` parses and runs it)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("analytics", "scan", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def run_process(*args: str) -> subprocess.CompletedProcess:
    """The real `dudao` executable, for the contract itself."""
    return subprocess.run(
        [str(DUDAO), "analytics", "scan", *args], capture_output=True, text=True, timeout=300
    )


def test_json_output_has_exactly_the_contract_keys(tmp_path):
    done = run_process("--marks", str(write(tmp_path, heaping_rows(8))), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"flags", "stats"}
    assert set(out["stats"]) == {"rows", "seconds"}
    assert out["stats"]["rows"] == 68
    [flag] = out["flags"]
    assert set(flag) == {"kind", "institution", "batch", "examiner", "statistic", "p_value", "evidence"}
    assert (flag["kind"], flag["institution"], flag["batch"], flag["examiner"]) == ("heaping", "I", "B", None)
    assert isinstance(flag["statistic"], float) and 0 < flag["p_value"] < 0.05


def test_pass_mark_option(tmp_path):
    rows = heaping_rows(8)
    for r in rows:
        if r[8] == 60:
            r[8] = 70
    path = write(tmp_path, rows)
    assert json.loads(run("--marks", str(path), "--json").stdout)["flags"] == []
    flags = json.loads(run("--marks", str(path), "--pass-mark", "70", "--json").stdout)["flags"]
    assert [f["kind"] for f in flags] == ["heaping"]


def test_parquet_gives_the_same_flags_as_csv(tmp_path):
    csv_path = write(tmp_path, heaping_rows(8))
    parquet = tmp_path / "marks.parquet"
    duckdb.sql(f"COPY (FROM read_csv('{csv_path}', header = true)) TO '{parquet}' (FORMAT parquet)")
    from_csv = json.loads(run("--marks", str(csv_path), "--json").stdout)["flags"]
    from_parquet = json.loads(run("--marks", str(parquet), "--json").stdout)["flags"]
    assert from_csv == from_parquet


def test_text_output_is_chinese(tmp_path):
    done = run("--marks", str(write(tmp_path, heaping_rows(8))))
    assert done.returncode == 0
    assert "成绩堆积在及格线:1 项" in done.stdout


def refused(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stdout
    assert done.stdout == ""
    return done.stderr


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text(
        ",".join(h for h in HEADER if h != "examiner") + "\nI,B,O,3,theory,R,C,70,100\n", encoding="utf-8"
    )
    assert "缺少列:examiner(考评员)" in refused(run("--marks", str(path), "--json"))


def test_non_numeric_mark_names_the_line(tmp_path):
    rows = heaping_rows(8)
    rows[40][8] = "七十"
    message = refused(run_process("--marks", str(write(tmp_path, rows)), "--json"))
    assert "第 42 行" in message  # header is line 1, rows[0] is line 2
    assert "成绩(mark)“七十”不是数字" in message


def test_bad_row_in_a_large_file_is_found_in_file_order(tmp_path):
    rows = [["I", "B", "O", "3", "theory", "R", f"C{i}", "E", 70, 100] for i in range(200_000)]
    rows[150_000][8] = "x"
    rows[180_000][8] = "y"
    message = refused(run("--marks", str(write(tmp_path, rows)), "--json"))
    assert "第 150002 行" in message and "“x”" in message


def test_parquet_bad_record_is_numbered(tmp_path):
    parquet = tmp_path / "bad.parquet"
    duckdb.sql(
        f"""COPY (SELECT 'I' AS institution, 'B' AS batch, 'O' AS occupation, '3' AS level,
                  'theory' AS subject, 'R' AS room, 'C' || i AS candidate, 'E' AS examiner,
                  CASE WHEN i = 7 THEN 120 ELSE 70 END AS mark, 100 AS full
           FROM range(10) t(i)) TO '{parquet}' (FORMAT parquet)"""  # noqa: S608
    )
    message = refused(run("--marks", str(parquet), "--json"))
    assert "第 8 条记录" in message and "不在 0 到满分 100 之间" in message


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (8, "", "成绩(mark)为空"),
        (8, "-1", "不在 0 到满分"),
        (9, "0", "满分(full)应大于 0"),
        (9, "满分", "满分(full)“满分”不是数字"),
        (4, "oral", "科目(subject)“oral”无效"),
        (6, "", "考生(candidate)为空"),
        (0, "", "机构(institution)为空"),
    ],
)
def test_each_malformed_value_is_refused(tmp_path, column, value, expected):
    rows = heaping_rows(8)
    rows[3][column] = value
    message = refused(run("--marks", str(write(tmp_path, rows)), "--json"))
    assert "第 5 行" in message and expected in message


def test_ragged_csv_is_refused_in_chinese(tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text(
        ",".join(HEADER) + "\nI,B,O,3,theory,R,C1,E,70,100\nI,B,O,3,theory,R,C2,E,70\n", encoding="utf-8"
    )
    assert "成绩文件" in refused(run("--marks", str(path), "--json"))


def test_usage_errors(tmp_path):
    assert "缺少参数 --marks" in refused(run("--json"))
    assert "找不到成绩文件" in refused(run("--marks", str(tmp_path / "none.csv")))
    path = str(write(tmp_path, heaping_rows(8)))
    assert "及格线“abc”不是数字" in refused(run("--marks", path, "--pass-mark", "abc"))
    assert "应在 0 到 100 之间" in refused(run("--marks", path, "--pass-mark", "0"))
    assert "应在 0 到 100 之间" in refused(run("--marks", path, "--pass-mark", "100.5"))
    assert run("--marks", path, "--pass-mark", "100").returncode == 0  # the top of the range is allowed


def test_empty_file_has_no_flags(tmp_path):
    done = run("--marks", str(write(tmp_path, [])), "--json")
    assert done.returncode == 0
    out = json.loads(done.stdout)
    assert (out["flags"], out["stats"]["rows"]) == ([], 0)
