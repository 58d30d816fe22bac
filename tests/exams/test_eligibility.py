"""EXAM-15 申报条件: every route of the template on both sides of its bounds, the lint of rules and facts,
and the `dudao eligibility check` contract (pure: no database)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dudao.exams.domain.eligibility import (
    EligibilityError,
    check,
    default_rules,
    load_rules,
    parse_facts,
    rules_for,
)

RULES = default_rules()


def cert(level=None, years=0, related=True, prep=False):
    item = {"related": related, "preparatory_technician": prep, "work_years_after": years}
    if level is not None:
        item["level"] = level
    return item


def result(level, *, years=0, apprentice=False, education=None, certificates=()):
    facts = {"level": level, "work_years": years, "apprenticeship_completed": apprentice}
    if education is not None:
        facts["education"] = {"kind": education[0], "related": education[1]}
    facts["certificates"] = list(certificates)
    return check(parse_facts(facts), RULES)


def met(level, **kwargs) -> set[str]:
    return {r["route"] for r in result(level, **kwargs)["routes"] if r["met"]}


def test_the_template_lists_every_level_and_route_in_order():
    assert {lvl: [r.route for r in routes] for lvl, routes in RULES.levels.items()} == {
        5: ["5a", "5b"],
        4: ["4a", "4b", "4c"],
        3: ["3a", "3b", "3c"],
        2: ["2a", "2b", "2c"],
        1: ["1a"],
    }


def test_5a_one_year_inclusive():
    assert met(5, years=1) == {"5a"}
    assert met(5, years=0.99) == set()
    out = result(5, years=0.5)
    assert out == {
        "eligible": False,
        "route": None,
        "routes": [
            {
                "route": "5a",
                "met": False,
                "missing": ["累计从事本职业或相关职业工作 1 年(含)以上(现为 0.5 年)"],
            },
            {"route": "5b", "met": False, "missing": ["本职业或相关职业学徒期满"]},
        ],
    }


def test_5b_apprenticeship():
    assert met(5, apprentice=True) == {"5b"}
    assert result(5, years=3, apprentice=True)["route"] == "5a"  # the first route met is named


def test_4a_level5_certificate_and_four_years_after():
    assert met(4, certificates=[cert(5, 4)]) == {"4a"}
    assert met(4, certificates=[cert(5, 3.9)]) == set()
    assert met(4, certificates=[cert(5, 4, related=False)]) == set()  # another occupation's certificate
    assert met(4, certificates=[cert(3, 4)]) == {"4a"}  # a higher level counts for a lower one
    assert met(4, certificates=[cert(4, 4)]) == {"4a"}
    missing = result(4, certificates=[cert(5, 3)])["routes"][0]["missing"]
    assert missing == [
        "取得本职业或相关职业五级/初级工(或更高等级)职业资格证书或职业技能等级证书后"
        "累计从事本职业或相关职业工作 4 年(含)以上(现为 3 年)"
    ]


def test_4b_six_years():
    assert met(4, years=6) == {"4b"}
    assert met(4, years=5.99) == set()


def test_4c_tech_school_or_secondary_vocational_in_a_related_major():
    assert met(4, education=("tech_school", True)) == {"4c"}
    assert met(4, education=("secondary_vocational", True)) == {"4c"}
    assert met(4, education=("tech_school", False)) == set()
    assert met(4, education=("senior_tech_school", True)) == set()


def test_3a_level4_certificate_and_five_years_after():
    assert met(3, certificates=[cert(4, 5)]) == {"3a"}
    assert met(3, certificates=[cert(4, 4.9)]) == set()
    assert met(3, certificates=[cert(5, 10)]) == set()  # a lower level does not count


def test_3b_level4_certificate_and_a_school():
    assert met(3, certificates=[cert(4)], education=("senior_tech_school", False)) == {"3b"}
    assert met(3, certificates=[cert(4)], education=("technician_college", False)) == {"3b"}
    assert met(3, certificates=[cert(4)], education=("higher_vocational", True)) == {"3b"}
    assert met(3, certificates=[cert(4)], education=("higher_vocational", False)) == set()
    assert met(3, education=("technician_college", True)) == set()  # no certificate
    missing = result(3, certificates=[cert(4)], education=("tech_school", True))["routes"][1]["missing"]
    assert missing == [
        "以下之一:高级技工学校或技师学院毕业证书(含尚未取得毕业证书的应届毕业生);"
        "或以高级技能为培养目标的高等职业学校本专业或相关专业毕业证书(含尚未取得毕业证书的应届毕业生)"
    ]


def test_3c_college_level4_certificate_and_two_years_after():
    assert met(3, education=("college", True), certificates=[cert(4, 2)]) == {"3c"}
    assert met(3, education=("college", True), certificates=[cert(4, 1.9)]) == set()
    assert met(3, education=("college", False), certificates=[cert(4, 2)]) == set()


def test_2a_2b_2c():
    assert met(2, certificates=[cert(3, 4)]) == {"2a"}
    assert met(2, certificates=[cert(3, 3.9)]) == set()
    assert met(2, certificates=[cert(3)], education=("technician_college", False), years=3) == {"2b"}
    assert met(2, certificates=[cert(3)], education=("technician_college", False), years=2.9) == set()
    assert met(2, certificates=[cert(prep=True)], education=("technician_college", False), years=2) == {"2c"}
    assert met(2, certificates=[cert(prep=True)], education=("technician_college", False), years=1.9) == set()
    assert met(2, certificates=[cert(prep=True)], education=("senior_tech_school", False), years=5) == set()


def test_a_preparatory_technician_certificate_has_no_level():
    """Its `level` is ignored: it never counts as a level-3 certificate (2a), whatever level it carries."""
    prep = {"level": 1, "related": True, "preparatory_technician": True, "work_years_after": 9}
    assert met(2, certificates=[prep]) == set()
    assert met(1, certificates=[prep]) == set()


def test_1a_level2_certificate_and_four_years_after():
    assert met(1, certificates=[cert(2, 4)]) == {"1a"}
    assert met(1, certificates=[cert(2, 3.99)]) == set()
    assert met(1, certificates=[cert(3, 10)]) == set()


@pytest.mark.parametrize(
    ("facts", "fragment"),
    [
        ({}, "缺少申报等级"),
        ({"level": 0}, "1 到 5 的整数"),
        ({"level": 6}, "1 到 5 的整数"),
        ({"level": True}, "1 到 5 的整数"),
        ({"level": 4, "work_years": -1}, "不小于 0"),
        ({"level": 4, "work_years": "3"}, "不小于 0"),
        ({"level": 4, "education": {"kind": "phd", "related": True}}, "education.kind「phd」无效"),
        ({"level": 4, "certificates": [{"related": True}]}, "第 1 个证书缺少等级"),
        ({"level": 4, "certificates": {}}, "应为列表"),
        ({"level": 4, "extra": 1}, "未知字段「extra」"),
        ([], "JSON 对象"),
    ],
)
def test_malformed_facts_are_named_in_chinese(facts, fragment):
    with pytest.raises(EligibilityError) as refused:
        parse_facts(facts)
    assert fragment in str(refused.value)


def test_facts_at_the_edges_are_accepted():
    assert parse_facts({"level": 1}).level == 1
    assert parse_facts({"level": 5, "work_years": 0}).work_years == 0


def test_rules_lint_lists_every_problem():
    text = """
standard: 测试
levels:
  4:
    - route: x
      all: [{work_years: -1}]
    - route: x
      all: [{certificate: {years_after: 2}}]
  7:
    - route: y
      all: [{colour: red}]
"""
    with pytest.raises(EligibilityError) as refused:
        load_rules(text)
    problems = refused.value.problems
    assert any("work_years 应为不小于 0" in p for p in problems)
    assert any("路径编号「x」重复" in p for p in problems)
    assert any("缺少 level" in p for p in problems)
    assert any("等级「7」" in p for p in problems)
    assert any("条件「colour」未知" in p for p in problems)
    with pytest.raises(EligibilityError, match="不是有效的 YAML"):
        load_rules("levels: [")


def test_an_occupation_without_its_own_rules_uses_the_template():
    assert rules_for("6-99-99-99") == RULES
    assert rules_for(None) == RULES


def _cli(*args, stdin=None):
    return subprocess.run(
        [str(Path(sys.executable).with_name("dudao")), "eligibility", "check", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:////nonexistent/none.sqlite3"},
        check=False,
    )


def test_cli_contract_json_exit_0_either_way_without_a_database(tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"level": 4, "work_years": 6}), encoding="utf-8")
    done = _cli("--facts", str(facts), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "eligible": True,
        "route": "4b",
        "routes": [
            {
                "route": "4a",
                "met": False,
                "missing": ["本职业或相关职业五级/初级工(或更高等级)职业资格证书或职业技能等级证书"],
            },
            {"route": "4b", "met": True, "missing": []},
            {
                "route": "4c",
                "met": False,
                "missing": [
                    "技工学校或以中级技能为培养目标的中等及以上职业学校本专业或相关专业毕业证书"
                    "(含尚未取得毕业证书的应届毕业生)"
                ],
            },
        ],
    }
    not_yet = _cli(
        "--facts", "-", "--json", "--occupation", "4-03-02-01", stdin='{"level": 4, "work_years": 5}'
    )
    assert not_yet.returncode == 0 and json.loads(not_yet.stdout)["eligible"] is False


def test_cli_refuses_malformed_facts_with_exit_2_in_chinese(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{level: 4", encoding="utf-8")
    for args in (["--facts", str(bad)], ["--facts", str(tmp_path / "none.json")], []):
        done = _cli(*args, "--json")
        assert done.returncode == 2
        assert done.stdout == ""
        assert "错误" in done.stderr
    wrong = _cli("--facts", "-", "--json", stdin='{"level": 9}')
    assert wrong.returncode == 2 and "1 到 5 的整数" in wrong.stderr


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_years_are_malformed_facts(value):
    """JSON has no NaN or Infinity (Python's parser reads them): refused as malformed, exit 2 in the CLI."""
    facts = {
        "level": 4,
        "work_years": 0,
        "apprenticeship_completed": False,
        "education": {"kind": "none", "related": False},
        "certificates": [
            {"level": 5, "related": True, "preparatory_technician": False, "work_years_after": value}
        ],
    }
    with pytest.raises(EligibilityError):
        parse_facts(facts)
    with pytest.raises(EligibilityError):
        parse_facts({**facts, "certificates": [], "work_years": value})
