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
