"""`dudao workdays …` as a user runs it: a subprocess on a machine without a database (CAL-2, CAL-3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DUDAO = Path(sys.executable).parent / "dudao"


@pytest.fixture
def no_db_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DUDAO_", "DJANGO_"))}
    env["DUDAO_VAR_DIR"] = str(tmp_path / "var")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    return env


def run(env, *args):
    return subprocess.run(
        [str(DUDAO), "workdays", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_acceptance_examples_without_database(no_db_env, tmp_path):
    done = run(no_db_env, "add", "2024-09-27", "10")
    assert (done.returncode, done.stdout, done.stderr) == (0, "2024-10-16\n", "")
    assert run(no_db_env, "add", "2025-01-24", "1").stdout == "2025-01-26\n"
    assert run(no_db_env, "add", "2026-12-20", "10").stdout == "2027-01-04 provisional\n"
    # Reading the calendar must not create the missing database file.
    assert not (tmp_path / "none.sqlite3").exists()


def test_json_output(no_db_env):
    done = run(no_db_env, "add", "2026-12-20", "10", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"date": "2027-01-04", "provisional": True}
    assert done.stdout == '{"date": "2027-01-04", "provisional": true}\n'
    assert json.loads(run(no_db_env, "add", "2024-09-27", "10", "--json").stdout) == {
        "date": "2024-10-16",
        "provisional": False,
    }


def test_between_negative_n_and_list_years(no_db_env):
    assert run(no_db_env, "between", "2024-09-27", "2024-10-16").stdout == "10\n"
    assert run(no_db_env, "between", "2024-10-16", "2024-09-27", "--json").stdout == (
        '{"days": -10, "provisional": false}\n'
    )
    assert run(no_db_env, "add", "2024-10-16", "-10").stdout == "2024-09-27\n"
    assert run(no_db_env, "add", "2024-10-05", "0").stdout == "2024-10-05\n"
    years = json.loads(run(no_db_env, "list-years", "--json").stdout)
    assert [(y["year"], y["confirmed"], y["origin"]) for y in years] == [
        (2024, True, "file"),
        (2025, True, "file"),
        (2026, True, "file"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2024-13-01", "1"), "错误:开始日期“2024-13-01”不是有效日期,应为 YYYY-MM-DD 格式"),
        (("add", "2024/09/27", "1"), "错误:开始日期“2024/09/27”不是有效日期,应为 YYYY-MM-DD 格式"),
        (("add", "2024-09-27", "ten"), "错误:工作日数“ten”不是整数"),
        (("add", "2024-09-27", "1.5"), "错误:工作日数“1.5”不是整数"),
        (("add", "2024-09-27", "99999", "--json"), "错误:工作日数的绝对值不能超过 5000"),
        (("add", "2100-12-30", "10"), "错误:计算结果超出支持范围(1950–2100 年)"),
        (("between", "2024-09-27", "x"), "错误:结束日期“x”不是有效日期,应为 YYYY-MM-DD 格式"),
    ],
)
def test_bad_input_exit_2_nothing_on_stdout(no_db_env, args, message):
    done = run(no_db_env, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == message + "\n"


def test_missing_arguments_exit_2(no_db_env):
    done = run(no_db_env, "add", "2024-09-27")
    assert done.returncode == 2 and done.stdout == ""


def test_load_year_needs_a_database(no_db_env, tmp_path):
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"year": 2027, "days_off": ["2027-10-01"], "workdays": []}), encoding="utf-8")
    done = run(no_db_env, "load-year", str(path))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "错误:数据库尚未初始化,请先运行 dudao migrate\n"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"year": 2027, "days_off": ["2027-10-02"], "workdays": ["2027-10-02"]}))
    done = run(no_db_env, "load-year", str(bad))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "错误:节假日安排有误:2027-10-02 同时列为放假日和调休上班日\n"
    done = run(no_db_env, "load-year", str(tmp_path / "missing.json"))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("错误:无法读取文件")
