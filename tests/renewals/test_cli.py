"""`dudao renewals plan` as a user runs it: a subprocess, a fresh var dir, no database (issue 3 item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DUDAO = Path(sys.executable).parent / "dudao"


@pytest.fixture
def run(tmp_path):
    """Run `dudao renewals …` with DUDAO_VAR_DIR a fresh temp dir and the default (absent) SQLite file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DUDAO_", "DJANGO_"))}
    env["DUDAO_VAR_DIR"] = str(tmp_path / "var")

    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DUDAO), "renewals", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    yield _run
    # Planning reads the shipped calendar: it never creates the database file.
    assert not (tmp_path / "var" / "dudao.sqlite3").exists()


def plan_args(kind, expires, received, *extra):
    return ("plan", "--type", kind, "--expires", expires, "--received", received, *extra)


def test_issue_example_employer_json(run):
    done = run(*plan_args("employer", "2024-12-31", "2024-09-27", "--json"))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        '{"path": "renewal", "materials": ["application", "renewal_form"], "decide_by": "2024-10-16", '
        '"evaluation_form": null}\n'
    )


@pytest.mark.parametrize("kind", ["tech_school", "social_org"])
def test_twenty_working_days_across_national_day(run, kind):
    done = run(*plan_args(kind, "2024-12-31", "2024-09-27", "--self-built-questions", "--json"))
    assert done.returncode == 0
    assert json.loads(done.stdout) == {
        "path": "renewal",
        "materials": ["application", "renewal_form", "question_explanation", "expert_review"],
        "decide_by": "2024-10-30",
        "evaluation_form": "CQ-RENEWAL",
    }
    plain = json.loads(run(*plan_args(kind, "2024-12-31", "2024-09-27", "--json")).stdout)
    assert plain["materials"] == ["application", "renewal_form"]


def test_employer_ignores_self_built_questions(run):
    done = run(*plan_args("employer", "2024-12-31", "2024-09-27", "--self-built-questions", "--json"))
    data = json.loads(done.stdout)
    assert (data["materials"], data["evaluation_form"]) == (["application", "renewal_form"], None)


@pytest.mark.parametrize(
    ("received", "path"),
    [
        ("2024-11-30", "renewal"),  # 31 days before expiry
        ("2024-12-01", "renewal"),  # 30 days: the REN-1 boundary, on time
        ("2024-12-02", "new_filing"),  # 29 days: late (REN-6)
        ("2024-12-31", "new_filing"),  # the expiry day itself: still valid
        ("2025-01-01", "not_accepted"),  # the day after expiry
    ],
)
def test_boundaries_through_the_cli(run, received, path):
    data = json.loads(run(*plan_args("social_org", "2024-12-31", received, "--json")).stdout)
    assert data["path"] == path
    assert data["evaluation_form"] == ("CQ-RENEWAL" if path == "renewal" else None)
    assert (data["materials"] == []) is (path != "renewal")


def test_spring_festival_deadlines_with_the_shipped_calendar(run):
    assert json.loads(run(*plan_args("employer", "2025-12-31", "2025-01-20", "--json")).stdout)[
        "decide_by"
    ] == ("2025-02-08")
    assert json.loads(run(*plan_args("tech_school", "2025-12-31", "2025-01-20", "--json")).stdout)[
        "decide_by"
    ] == ("2025-02-21")
    assert json.loads(run(*plan_args("employer", "2026-12-31", "2026-02-09", "--json")).stdout)[
        "decide_by"
    ] == ("2026-02-28")
    assert json.loads(run(*plan_args("social_org", "2026-12-31", "2026-02-09", "--json")).stdout)[
        "decide_by"
    ] == ("2026-03-13")


def test_provisional_when_reaching_2027(run):
    """CAL-3: the JSON keeps the contract's four keys; a provisional deadline is said on stderr."""
    done = run(*plan_args("tech_school", "2027-06-30", "2026-12-15", "--json"))
    assert done.stdout == (
        '{"path": "renewal", "materials": ["application", "renewal_form"], "decide_by": "2027-01-13", '
        '"evaluation_form": "CQ-RENEWAL"}\n'
    )
    assert done.stderr.strip() == "注意:办结期限 2027-01-13 为暂定(所涉年度节假日安排尚未确认)"
    employer = run(*plan_args("employer", "2027-06-30", "2026-12-15", "--json"))
    assert json.loads(employer.stdout)["decide_by"] == "2026-12-29"
    assert employer.stderr == ""


def test_readable_chinese_summary(run):
    done = run(*plan_args("employer", "2024-12-31", "2024-12-31"))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "办理路径:按新设立评价机构受理(new_filing)\n"
        "机构类型:用人单位(employer)\n"
        "备案有效期至:2024-12-31\n"
        "材料收到日期:2024-12-31(当日为备案有效期最后一日)\n"
        "说明:未在备案有效期届满 30 日前提出申请,但在有效期届满前提出,按新设立评价机构备案受理,"
        "所需材料依新备案程序。\n"
        "答复期限:2025-01-15(收到材料后 10 个工作日内)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "--expires", "2024-12-31", "--received", "2024-09-27"), "错误:缺少参数 --type"),
        (plan_args("school", "2024-12-31", "2024-09-27"), "错误:机构类型“school”无效"),
        (("plan", "--type", "employer", "--received", "2024-09-27"), "错误:缺少参数 --expires"),
        (("plan", "--type", "employer", "--expires", "2024-12-31"), "错误:缺少参数 --received"),
        (
            plan_args("employer", "2024-12-31", "2024-02-30"),
            "错误:材料收到日期“2024-02-30”不是有效日期,应为 YYYY-MM-DD 格式",
        ),
        (
            plan_args("employer", "31/12/2024", "2024-09-27"),
            "错误:备案有效期届满日期“31/12/2024”不是有效日期,应为 YYYY-MM-DD 格式",
        ),
        (plan_args("employer", "2100-12-31", "2100-12-31"), "错误:计算结果超出支持范围(1950–2100 年)"),
        ((*plan_args("employer", "2024-12-31", "2024-09-27"), "--bogus"), "错误:无法识别的参数:--bogus"),
        (("plan", "--type"), "错误:参数 --type 缺少取值"),
        ((), "错误:缺少参数:plan"),
        (("renew",), "错误:参数 plan 的取值 'renew' 无效"),
    ],
)
def test_bad_input_exits_2_with_chinese_message_and_no_stdout(run, args, message):
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(message), done.stderr
    assert "Traceback" not in done.stderr
