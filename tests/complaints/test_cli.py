"""`dudao complaints plan` as a user runs it: a subprocess, a fresh var dir, no database (COMPL-2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DUDAO = Path(sys.executable).parent / "dudao"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DUDAO_", "DJANGO_"))}
    env["DUDAO_VAR_DIR"] = str(tmp_path / "var")
    env["PYTHONPATH"] = str(REPO)  # this checkout's code, whichever checkout the script was installed from

    def _run(*args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DUDAO), "complaints", *args],
            env={**env, **(extra_env or {})},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    yield _run
    assert not (tmp_path / "var" / "dudao.sqlite3").exists()


def test_contract_received_only(run):
    done = run("plan", "--received", "2026-12-04", "--json")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == '{"accept_by": "2026-12-09", "result_by": null, "provisional": false}\n'


def test_contract_with_acceptance_reaching_an_unloaded_year(run):
    done = run("plan", "--received", "2026-12-18", "--accepted", "2026-12-23", "--json")
    assert done.returncode == 0
    expected = {"accept_by": "2026-12-23", "result_by": "2027-01-04", "provisional": True}
    assert json.loads(done.stdout) == expected


@pytest.mark.parametrize(
    ("args", "accept_by", "result_by", "provisional"),
    [
        # 2026 Spring Festival (CAL-4: 02-15…02-23 off, Saturdays 02-14 and 02-28 worked)
        (("2026-02-11",), "2026-02-14", None, False),  # the make-up Saturday is the third day
        (("2026-02-12",), "2026-02-24", None, False),  # 02-13, Saturday 02-14, then 02-24
        (("2026-02-13",), "2026-02-25", None, False),
        (("2026-02-23",), "2026-02-26", None, False),  # received on the last day off
        (("2026-02-13", "2026-02-27"), "2026-02-25", "2026-03-09", False),  # Saturday 02-28 counted
        # 2025 National Day (10-01…10-08 off; Sunday 09-28 and Saturday 10-11 worked)
        (("2025-09-25",), "2025-09-29", None, False),
        (("2025-09-26", "2025-09-30"), "2025-09-30", "2025-10-16", False),
        (("2025-10-03",), "2025-10-11", None, False),  # received on a holiday
        # 2025 Spring Festival (01-28…02-04 off; Sunday 01-26 and Saturday 02-08 worked)
        (("2025-01-23",), "2025-01-27", None, False),
        (("2025-01-24", "2025-01-27"), "2025-02-05", "2025-02-12", False),
        # 2026 National Day (10-01…10-07 off; Saturday 10-10 worked)
        (("2026-10-01", "2026-10-08"), "2026-10-10", "2026-10-16", False),
        # before the first loaded year: provisional; the first loaded year: not
        (("2023-12-28",), "2024-01-03", None, True),
        (("2024-01-02",), "2024-01-05", None, False),
    ],
)
def test_shipped_calendar_around_festivals(run, args, accept_by, result_by, provisional):
    received, *accepted = args
    extra = ("--accepted", accepted[0]) if accepted else ()
    done = run("plan", "--received", received, *extra, "--json")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == {
        "accept_by": accept_by,
        "result_by": result_by,
        "provisional": provisional,
    }


def test_configured_counts(run):
    env = {"DUDAO_COMPLAINT_ACCEPT_WORKDAYS": "1", "DUDAO_COMPLAINT_RESULT_WORKDAYS": "2"}
    done = run("plan", "--received", "2026-12-04", "--accepted", "2026-12-07", "--json", extra_env=env)
    expected = {"accept_by": "2026-12-07", "result_by": "2026-12-09", "provisional": False}
    assert json.loads(done.stdout) == expected


def test_summary_without_json(run):
    done = run("plan", "--received", "2026-12-29")
    assert done.returncode == 0
    assert "受理决定期限:2027-01-04" in done.stdout and "2027 年节假日安排尚未确认" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "--received", "2026-13-01", "--json"), "收到日期“2026-13-01”不是有效日期"),
        (
            ("plan", "--received", "2026-12-01", "--accepted", "12/03/2026", "--json"),
            "受理日期“12/03/2026”不是有效日期",
        ),
        (("plan", "--json"), "缺少参数 --received"),
        (("plan", "--received", "2026-12-03", "--accepted", "2026-12-02"), "受理日期不能早于收到日期"),
        (("plan", "--received", "2026-12-03", "--bogus"), "无法识别的参数"),
    ],
)
def test_bad_input_exit_2_in_chinese(run, args, message):
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr


@pytest.mark.parametrize(
    ("name", "value", "refused"),
    [
        ("DUDAO_COMPLAINT_ACCEPT_WORKDAYS", "0", True),
        ("DUDAO_COMPLAINT_ACCEPT_WORKDAYS", "60", False),
        ("DUDAO_COMPLAINT_RESULT_WORKDAYS", "61", True),
    ],
)
def test_configured_counts_must_be_whole_working_days(run, name, value, refused):
    done = run(
        "plan", "--received", "2026-12-03", "--accepted", "2026-12-03", "--json", extra_env={name: value}
    )
    assert (done.returncode == 2) == refused
    assert ("1 到 60" in done.stderr) == refused
