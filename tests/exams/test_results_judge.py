"""A candidate's result (EXAM-7, 8, 14, 16, 18) and the `dudao results judge --input FILE --json` contract:
every boundary on both sides, every malformed input refused in Chinese, a property against an oracle
written here in integer tenths, and the CLI's exit codes. Pure: no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dudao.exams.domain.results import Policy, ResultsInputError, evaluate, judge

ROOT = Path(__file__).resolve().parents[2]


def theory(**kw):
    return {"subject": "theory", "full": 100, **kw}


def practical(**kw):
    return {"subject": "practical", "full": 100, **kw}


def review(*panel, **kw):
    return {"subject": "review", "full": 100, "panel": list(panel), **kw}


def run(level, *subjects):
    return judge({"level": level, "subjects": list(subjects)})


def one(level, subject, *others):
    """The judged entry of `subject` (the first subject given)."""
    return run(level, subject, *others)["subjects"][0]


def problems(raw) -> list[str]:
    with pytest.raises(ResultsInputError) as caught:
        judge(raw)
    return caught.value.problems


# ------------------------------------------------------------------------------------------ contract


def test_contract_shape_for_a_passing_level_3_candidate():
    assert run(3, theory(mark=72), practical(panel=[60, 61, 61])) == {
        "pass": True,
        "subjects": [
            {"subject": "theory", "mark": 72.0, "status": "final", "pass": True},
            {"subject": "practical", "mark": 60.7, "status": "final", "pass": True},
        ],
        "missing": [],
    }


def test_contract_shape_for_a_level_2_candidate_with_everything():
    out = run(2, review(80, 70, 50), theory(marks=[58, 66]), practical(mark=61))
    assert out == {
        "pass": True,
        "subjects": [
            {"subject": "review", "mark": 66.7, "status": "final", "pass": True},
            {"subject": "theory", "mark": 62.0, "status": "final", "pass": True},
            {"subject": "practical", "mark": 61.0, "status": "final", "pass": True},
        ],
        "missing": [],
    }
    assert json.loads(json.dumps(out)) == out  # plain JSON types only


def test_marks_are_json_numbers_with_one_decimal():
    out = run(3, theory(mark=Decimal("59.95")), practical(mark=100))
    assert json.dumps(out["subjects"]) == (
        '[{"subject": "theory", "mark": 60.0, "status": "final", "pass": false}, '
        '{"subject": "practical", "mark": 100.0, "status": "final", "pass": true}]'
    )


# --------------------------------------------------------------------------------- EXAM-14 pass mark


@pytest.mark.parametrize(
    ("mark", "shown", "passed"),
    [
        (60, 60.0, True),
        (Decimal("60.0"), 60.0, True),
        (Decimal("59.95"), 60.0, False),  # shows 60.0, the exact mark fails
        (59.95, 60.0, False),  # a float is the decimal it prints as
        (Decimal("59.9"), 59.9, False),
        (Decimal("59.99999"), 60.0, False),
        (0, 0.0, False),
        (100, 100.0, True),
    ],
)
def test_exam14_single_mark_boundary(mark, shown, passed):
    assert one(3, theory(mark=mark), practical(mark=60)) == {
        "subject": "theory",
        "mark": shown,
        "status": "final",
        "pass": passed,
    }


@pytest.mark.parametrize(
    ("full", "mark", "passed"),
    [(150, 90, True), (150, Decimal("89.9"), False), (50, 30, True), (50, Decimal("29.99"), False)],
)
def test_exam14_another_full_scales_the_pass_mark_to_sixty_percent(full, mark, passed):
    assert one(3, theory(full=full, mark=mark), practical(mark=60))["pass"] is passed


def test_full_defaults_to_one_hundred():
    out = run(
        3, {"subject": "theory", "mark": 60}, {"subject": "practical", "mark": Decimal("59.9"), "full": None}
    )
    assert [s["pass"] for s in out["subjects"]] == [True, False]


# ----------------------------------------------------------------------------- EXAM-16 double marking


def test_exam16_mean_of_two_marks_exactly_sixty_passes_and_59_95_fails():
    assert one(3, theory(marks=[Decimal("59.9"), Decimal("60.1")]), practical(mark=60)) == {
        "subject": "theory",
        "mark": 60.0,
        "status": "final",
        "pass": True,
    }
    assert one(3, theory(marks=[Decimal("59.9"), 60]), practical(mark=60)) == {
        "subject": "theory",
        "mark": 60.0,  # 59.95 shown half up
        "status": "final",
        "pass": False,
    }


def test_exam16_difference_exactly_the_default_tolerance_is_within():
    assert one(3, theory(marks=[55, 65]), practical(mark=60)) == {
        "subject": "theory",
        "mark": 60.0,
        "status": "final",
        "pass": True,
    }


def test_exam16_difference_a_tenth_over_the_tolerance_waits_for_a_third_marker():
    out = run(3, theory(marks=[55, Decimal("65.1")]), practical(mark=60))
    assert out == {
        "pass": None,
        "subjects": [
            {"subject": "theory", "mark": None, "status": "needs_third", "pass": None},
            {"subject": "practical", "mark": 60.0, "status": "final", "pass": True},
        ],
        "missing": [],
    }


def test_exam16_float_decimals_do_not_flip_the_boundary():
    """60.2 and 70.2 differ by exactly 10 (in floats by 10.000000000000007)."""
    assert one(3, theory(marks=[60.2, 70.2]), practical(mark=60))["status"] == "final"
    assert one(3, theory(marks=[0.3, 0.1], tolerance=0.2), practical(mark=60))["status"] == "final"
    assert one(3, theory(marks=[60.2, 70.3]), practical(mark=60))["status"] == "needs_third"


def test_exam16_given_tolerance_on_both_sides():
    assert one(3, theory(marks=[55, 60], tolerance=5), practical(mark=60))["mark"] == 57.5
    assert (
        one(3, theory(marks=[55, Decimal("60.1")], tolerance=5), practical(mark=60))["status"]
        == "needs_third"
    )
    assert one(3, theory(marks=[60, 60], tolerance=0), practical(mark=60))["status"] == "final"
    assert (
        one(3, theory(marks=[60, Decimal("60.1")], tolerance=0), practical(mark=60))["status"]
        == "needs_third"
    )


def test_exam16_default_tolerance_scales_with_full_marks():
    # full 150: tolerance 15, pass mark 90
    assert one(3, theory(full=150, marks=[85, 100]), practical(mark=60)) == {
        "subject": "theory",
        "mark": 92.5,
        "status": "final",
        "pass": True,
    }
    assert (
        one(3, theory(full=150, marks=[85, Decimal("100.1")]), practical(mark=60))["status"] == "needs_third"
    )
    assert one(3, theory(full=150, marks=[80, 95]), practical(mark=60))["pass"] is False  # 87.5 < 90


def test_exam16_third_mark_closest_pair():
    assert one(3, theory(marks=[50, 80], third=75), practical(mark=60)) == {
        "subject": "theory",
        "mark": 77.5,
        "status": "final",
        "pass": True,
    }
    assert one(3, theory(marks=[50, 80], third=52), practical(mark=60))["pass"] is False  # 51


def test_exam16_tie_between_pairs_takes_the_higher_mean():
    """50, 70 and 60: (50, 60) and (60, 70) differ by 10 each → 65, a pass (55 would fail)."""
    assert one(3, theory(marks=[50, 70], third=60), practical(mark=60)) == {
        "subject": "theory",
        "mark": 65.0,
        "status": "final",
        "pass": True,
    }
    assert one(3, theory(marks=[70, 50], third=60), practical(mark=60))["mark"] == 65.0


def test_exam16_closest_pair_over_the_tolerance_waits_for_the_leader():
    assert one(3, theory(marks=[40, 80], third=70), practical(mark=60))["mark"] == 75.0
    out = run(3, theory(marks=[40, 80], third=Decimal("69.9")), practical(mark=60))
    assert out["pass"] is None
    assert out["subjects"][0] == {"subject": "theory", "mark": None, "status": "needs_leader", "pass": None}


def test_exam16_the_leader_mark_is_final():
    assert one(3, theory(marks=[40, 80], third=60, leader=60), practical(mark=60)) == {
        "subject": "theory",
        "mark": 60.0,
        "status": "final",
        "pass": True,
    }
    assert (
        one(3, theory(marks=[40, 80], third=60, leader=Decimal("59.9")), practical(mark=60))["pass"] is False
    )


def test_exam16_double_marking_of_the_practical_subject():
    assert one(3, practical(marks=[70, Decimal("80.1")]), theory(mark=60))["status"] == "needs_third"


# ---------------------------------------------------------------------------------- EXAM-18 panels


@pytest.mark.parametrize(
    ("panel", "mark", "passed"),
    [
        ([100, 40, 40], 60.0, True),  # mean exactly 60 passes though 1 of 3 reach 60: no two-thirds rule
        ([100, 40, Decimal("39.9")], 60.0, False),  # 59.966… shows 60.0, fails
        ([Decimal("59.9")], 59.9, False),
        ([60], 60.0, True),
        ([60, 61, 61, 62], 61.0, True),  # an even panel is accepted
    ],
)
def test_exam18_practical_panel_mean(panel, mark, passed):
    assert one(3, practical(panel=panel), theory(mark=60)) == {
        "subject": "practical",
        "mark": mark,
        "status": "final",
        "pass": passed,
    }


# --------------------------------------------------------------------------------- EXAM-7 the review


@pytest.mark.parametrize(
    ("panel", "mark", "passed"),
    [
        ((90, 90, 0), 60.0, True),  # 2 of 3, mean exactly 60
        ((90, Decimal("89.9"), 0), 60.0, False),  # 2 of 3, mean 59.966…
        ((60, 60, Decimal("59.9")), 60.0, False),  # 2 of 3 at 60, mean 59.966…
        ((100, Decimal("59.9"), Decimal("59.9")), 73.3, False),  # 1 of 3
        ((100, 100, 100, 59, 59), 83.6, False),  # 3 of 5 < two thirds
        ((100, 100, 100, 100, 59), 91.8, True),  # 4 of 5
        ((100, 100, 100, 100, 0, 0), 66.7, True),  # 4 of 6: exactly two thirds
        ((100, 100, 100, 59, 59, 59), 79.5, False),  # 3 of 6
    ],
)
def test_exam7_review_two_thirds_and_mean(panel, mark, passed):
    for level in (2, 1):
        assert one(level, review(*panel), theory(mark=60), practical(mark=60)) == {
            "subject": "review",
            "mark": mark,
            "status": "final",
            "pass": passed,
        }


def test_exam7_the_review_panel_needs_three_members():
    assert run(2, review(70, 70, 70), theory(mark=60), practical(mark=60))["pass"] is True
    assert any("至少 3 名高级考评员" in p for p in problems({"level": 2, "subjects": [review(70, 70)]}))
    assert any("至少 3 名高级考评员" in p for p in problems({"level": 1, "subjects": [review()]}))


def test_review_panel_minimum_is_a_policy():
    raw = {"level": 2, "subjects": [review(70, 70, 70, 70, 70)]}
    with pytest.raises(ResultsInputError):
        judge(raw, Policy(min_review_panel=7))
    assert judge(raw, Policy(min_review_panel=5))["subjects"][0]["pass"] is True


@pytest.mark.parametrize("level", [3, 4, 5])
def test_exam14_a_review_subject_at_levels_3_to_5_is_malformed(level):
    found = problems({"level": level, "subjects": [theory(mark=60), practical(mark=60), review(70, 70, 70)]})
    assert found == [
        "subjects[2](review).subject:综合评审只适用于二级(技师)和一级(高级技师),该等级不应有综合评审成绩"
    ]


# ------------------------------------------------------------------------------- EXAM-8 absent / void


def test_exam8_absent_subject_fails_the_candidate():
    out = run(3, theory(mark=90), practical(absent=True))
    assert out == {
        "pass": False,
        "subjects": [
            {"subject": "theory", "mark": 90.0, "status": "final", "pass": True},
            {"subject": "practical", "mark": None, "status": "absent", "pass": False},
        ],
        "missing": [],
    }


def test_absent_false_is_a_present_subject():
    assert one(3, theory(mark=60, absent=False), practical(mark=60))["status"] == "final"


# ---------------------------------------------------------------------------- EXAM-14 aggregation


@pytest.mark.parametrize(
    ("level", "subjects", "passed", "missing"),
    [
        (3, [], None, ["theory", "practical"]),
        (3, [theory(mark=60)], None, ["practical"]),
        (3, [theory(mark=Decimal("59.9"))], False, ["practical"]),  # a final failure decides at once
        (3, [theory(absent=True)], False, ["practical"]),
        (3, [theory(mark=60), practical(mark=60)], True, []),
        (3, [theory(mark=60), practical(marks=[40, 80])], None, []),  # pending
        (3, [theory(mark=59), practical(marks=[40, 80])], False, []),  # pending, but theory failed
        (3, [theory(marks=[40, 80], third=60), practical(mark=60)], None, []),  # needs the leader
        (5, [theory(mark=60), practical(mark=60)], True, []),
        (4, [practical(mark=60), theory(mark=60)], True, []),
        (2, [theory(mark=60), practical(mark=60)], None, ["review"]),  # the review is required at 2
        (1, [theory(mark=60), practical(mark=60)], None, ["review"]),
        (1, [review(60, 60, 60)], None, ["theory", "practical"]),
        (2, [review(61, 61, 59)], None, ["theory", "practical"]),  # 2 of 3, mean 60.33
        (2, [review(60, 59, 59)], False, ["theory", "practical"]),
        (2, [theory(mark=60), practical(mark=60), review(60, 60, 60)], True, []),
        (2, [theory(mark=60), practical(mark=60), review(60, 60, 59)], False, []),  # mean 59.67
        (1, [theory(mark=60), practical(absent=True), review(60, 60, 60)], False, []),
    ],
)
def test_exam14_overall_pass(level, subjects, passed, missing):
    out = run(level, *subjects)
    assert out["pass"] is passed
    assert out["missing"] == missing
    assert [s["subject"] for s in out["subjects"]] == [s["subject"] for s in subjects]  # input order


def test_evaluate_keeps_the_exact_marks():
    judged = evaluate(
        {"level": 3, "subjects": [practical(panel=[60, 61, 61]), theory(marks=[Decimal("59.9"), 60])]}
    )
    assert [s.mark for s in judged.subjects] == [Fraction(182, 3), Fraction(1199, 20)]


def test_policy_changes_the_configurable_numbers():
    raw = {"level": 3, "subjects": [theory(marks=[55, 61]), practical(mark=50)]}
    assert judge(raw)["subjects"][0]["status"] == "final"
    strict = Policy(tolerance_ratio=Fraction(1, 20), pass_ratio=Fraction(1, 2))
    out = judge(raw, strict)
    assert out["subjects"][0]["status"] == "needs_third"
    assert out["subjects"][1]["pass"] is True  # 50 of 100 at a 50 % pass mark


# ---------------------------------------------------------------------------------------- malformed

OK = {"level": 3, "subjects": [theory(mark=60), practical(mark=60)]}


def with_theory(**changes):
    entry = {**theory(), **changes}
    return {"level": 3, "subjects": [entry, practical(mark=60)]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([], "成绩数据必须是 JSON 对象"),
        ("x", "成绩数据必须是 JSON 对象"),
        ({**OK, "extra": 1}, "(顶层):未知字段「extra」"),
        ({"subjects": []}, "level:缺少申报等级"),
        ({**OK, "level": 0}, "level:必须是 1 到 5 的整数"),
        ({**OK, "level": 6}, "level:必须是 1 到 5 的整数"),
        ({**OK, "level": True}, "level:必须是 1 到 5 的整数"),
        ({**OK, "level": "3"}, "level:必须是 1 到 5 的整数"),
        ({**OK, "level": Decimal("3.0")}, "level:必须是 1 到 5 的整数"),
        ({"level": 3}, "subjects:缺少科目列表"),
        ({"level": 3, "subjects": {}}, "subjects:必须是数组"),
        ({"level": 3, "subjects": [1]}, "subjects[0]:必须是 JSON 对象"),
        ({"level": 3, "subjects": [{"mark": 60}]}, "subjects[0]:缺少科目 subject"),
        ({"level": 3, "subjects": [{"subject": "oral", "mark": 60}]}, "subjects[0].subject:必须是 theory"),
        (
            {"level": 3, "subjects": [theory(mark=60), theory(mark=70)]},
            "subjects[1](theory):科目重复(与 subjects[0](theory) 相同)",
        ),
        (with_theory(score=60, mark=60), "subjects[0](theory):未知字段「score」"),
        (with_theory(), "须给出 mark、marks、panel 之一,或 absent: true"),
        (with_theory(absent=False), "须给出 mark、marks、panel 之一,或 absent: true"),
        (with_theory(mark=60, marks=[60, 60]), "mark、marks、panel 只能给出其中一个(现有 mark、marks)"),
        (with_theory(absent=True, mark=60), "缺考(absent: true)的科目不应有评分(mark)"),
        (with_theory(absent="yes"), "subjects[0](theory).absent:必须是 true 或 false"),
        (with_theory(absent=1), "subjects[0](theory).absent:必须是 true 或 false"),
        (with_theory(mark=True), "subjects[0](theory).mark:评分必须是数字(不能是 true/false)"),
        (with_theory(mark="60"), "subjects[0](theory).mark:评分必须是数字"),
        (with_theory(mark=[60]), "subjects[0](theory).mark:评分必须是数字"),
        (with_theory(mark=float("nan")), "不能是 NaN 或 Infinity"),
        (with_theory(mark=float("inf")), "不能是 NaN 或 Infinity"),
        (with_theory(mark=Decimal("NaN")), "不能是 NaN 或 Infinity"),
        (with_theory(mark=Decimal("-Infinity")), "不能是 NaN 或 Infinity"),
        (with_theory(mark=Decimal("1E-60")), "位数过多"),
        (with_theory(mark=-1), "subjects[0](theory).mark:评分不能为负数"),
        (with_theory(mark=Decimal("-0.1")), "评分不能为负数"),
        (with_theory(mark=Decimal("100.1")), "subjects[0](theory).mark:评分不能超过满分 100"),
        (with_theory(full=Decimal("12.5"), mark=13), "评分不能超过满分 12.5"),
        (with_theory(full=0, mark=0), "subjects[0](theory).full:满分必须大于 0"),
        (with_theory(full=-100, mark=0), "subjects[0](theory).full:满分不能为负数"),
        (with_theory(full=True, mark=0), "subjects[0](theory).full:满分必须是数字(不能是 true/false)"),
        (with_theory(full="100", mark=0), "满分必须是数字"),
        (with_theory(marks=[60]), "subjects[0](theory).marks:双评须恰好有 2 个评分(现有 1 个)"),
        (with_theory(marks=[60, 60, 60]), "双评须恰好有 2 个评分(现有 3 个)"),
        (with_theory(marks=60), "subjects[0](theory).marks:必须是评分数组"),
        (with_theory(marks=[60, False]), "subjects[0](theory).marks[1]:评分必须是数字(不能是 true/false)"),
        (with_theory(marks=[60, 101]), "subjects[0](theory).marks[1]:评分不能超过满分 100"),
        (with_theory(marks=[40, 80], third=101), "subjects[0](theory).third:评分不能超过满分 100"),
        (with_theory(marks=[40, 80], third=60, leader=-1), "subjects[0](theory).leader:评分不能为负数"),
        (with_theory(mark=60, third=60), "third 只用于双评(marks)"),
        (with_theory(mark=60, tolerance=5), "tolerance 只用于双评(marks)"),
        (with_theory(marks=[60, 60], tolerance=-1), "subjects[0](theory).tolerance:允许误差不能为负数"),
        (with_theory(marks=[60, 60], tolerance=True), "允许误差必须是数字"),
        (with_theory(marks=[60, 60], tolerance=float("inf")), "不能是 NaN 或 Infinity"),
        (
            with_theory(marks=[60, 70], third=65),
            "subjects[0](theory).third:两位考评员的评分之差未超过允许误差,不应有第三评",
        ),
        (
            with_theory(marks=[60, 70], leader=65),
            "subjects[0](theory).leader:两位考评员的评分之差未超过允许误差,不需要考评组长评定",
        ),
        (with_theory(marks=[60, 80], leader=65), "应先由第三位考评员评分(third),再由考评组长评定"),
        (
            with_theory(marks=[60, 80], third=75, leader=65),
            "三个评分中最接近的两个之差未超过允许误差,不需要考评组长评定",
        ),
        (
            with_theory(panel=[60, 60, 60]),
            "subjects[0](theory).panel:理论知识考试的评分应为 mark(单一评分)、marks(双评)",
        ),
        (
            {"level": 3, "subjects": [practical(panel=[])]},
            "subjects[0](practical).panel:评分组至少要有 1 个评分",
        ),
        (
            {"level": 3, "subjects": [practical(panel=[60, None])]},
            "subjects[0](practical).panel[1]:评分必须是数字",
        ),
        ({"level": 3, "subjects": [practical(panel=[60], leader=60)]}, "leader 只用于双评(marks)"),
        (
            {"level": 2, "subjects": [{"subject": "review", "mark": 60}]},
            "subjects[0](review).mark:综合评审的评分应为 panel(评分组)",
        ),
        (
            {"level": 2, "subjects": [{"subject": "review", "marks": [60, 60]}]},
            "综合评审的评分应为 panel(评分组)",
        ),
        (
            {"level": 2, "subjects": [review(60, 60, 101)]},
            "subjects[0](review).panel[2]:评分不能超过满分 100",
        ),
    ],
)
def test_malformed_input_is_refused_in_chinese(raw, expected):
    found = problems(raw)
    assert any(expected in problem for problem in found), found


def test_null_counts_as_not_given():
    entry = {
        "subject": "theory",
        "full": None,
        "marks": [60, 60],
        "third": None,
        "leader": None,
        "tolerance": None,
        "mark": None,
        "panel": None,
        "absent": None,
    }
    assert one(3, entry, practical(mark=60))["mark"] == 60.0


def test_every_problem_is_reported_at_once():
    raw = {
        "level": 9,
        "oops": 1,
        "subjects": [theory(mark=True), practical(panel=[]), {"subject": "review", "absent": 2}],
    }
    assert problems(raw) == [
        "(顶层):未知字段「oops」(可用字段:level、subjects)",
        "level:必须是 1 到 5 的整数",
        "subjects[0](theory).mark:评分必须是数字(不能是 true/false)",
        "subjects[1](practical).panel:评分组至少要有 1 个评分",
        "subjects[2](review).absent:必须是 true 或 false",
    ]
    assert str(ResultsInputError(["a", "b"])) == "成绩数据有误:a;b"


# ------------------------------------------------------------------------------- property (oracle)

TENTHS = st.integers(min_value=0, max_value=1000)


@st.composite
def subject_specs(draw, name):
    """A random subject in integer tenths, sometimes with a third or leader mark that is not needed."""
    kind = draw(
        st.sampled_from(["absent", "mark", "marks", "panel"] if name != "review" else ["absent", "panel"])
    )
    if name == "theory" and kind == "panel":
        kind = "marks"
    spec = {"kind": kind}
    if kind == "mark":
        spec["m"] = draw(TENTHS)
    elif kind == "marks":
        spec["a"], spec["b"] = draw(TENTHS), draw(TENTHS)
        spec["tol"] = draw(st.none() | st.integers(min_value=0, max_value=300))
        spec["c"] = draw(st.none() | TENTHS)
        spec["leader"] = draw(st.none() | TENTHS)
    elif kind == "panel":
        spec["panel"] = draw(st.lists(TENTHS, min_size=3 if name == "review" else 1, max_size=7))
    return spec


def to_entry(name, spec):
    entry = {"subject": name, "full": 100}
    tenth = lambda v: Decimal(v) / 10  # noqa: E731
    if spec["kind"] == "absent":
        entry["absent"] = True
    elif spec["kind"] == "mark":
        entry["mark"] = tenth(spec["m"])
    elif spec["kind"] == "panel":
        entry["panel"] = [tenth(v) for v in spec["panel"]]
    else:
        entry["marks"] = [tenth(spec["a"]), tenth(spec["b"])]
        for key, field in (("tol", "tolerance"), ("c", "third"), ("leader", "leader")):
            if spec[key] is not None:
                entry[field] = tenth(spec[key])
    return entry


def oracle_subject(name, spec):
    """EXAM-7/8/14/16/18 in integer tenths: (status, shown tenths or None, pass) or "malformed"."""
    kind = spec["kind"]
    if kind == "absent":
        return "absent", None, False
    if kind == "mark":
        return "final", spec["m"], spec["m"] >= 600
    if kind == "panel":
        members, n = spec["panel"], len(spec["panel"])
        total = sum(members)
        shown = (2 * total + n) // (2 * n)  # half up of total / n
        ok = total >= 600 * n
        if name == "review":
            ok = ok and 3 * sum(1 for m in members if m >= 600) >= 2 * n
        return "final", shown, ok
    a, b, c, leader = spec["a"], spec["b"], spec["c"], spec["leader"]
    tol = 100 if spec["tol"] is None else spec["tol"]
    if abs(a - b) <= tol:
        if c is not None or leader is not None:
            return "malformed"
        return "final", (a + b + 1) // 2, a + b >= 1200
    if c is None:
        return "malformed" if leader is not None else ("needs_third", None, None)
    pairs = sorted([(a, b), (a, c), (b, c)], key=lambda p: (abs(p[0] - p[1]), -(p[0] + p[1])))
    x, y = pairs[0]
    if abs(x - y) <= tol:
        if leader is not None:
            return "malformed"
        return "final", (x + y + 1) // 2, x + y >= 1200
    if leader is None:
        return "needs_leader", None, None
    return "final", leader, leader >= 600


@given(
    level=st.integers(min_value=1, max_value=5),
    present=st.lists(st.sampled_from(["theory", "practical", "review"]), unique=True),
    data=st.data(),
)
def test_property_judge_matches_the_oracle(level, present, data):
    if level >= 3:
        present = [name for name in present if name != "review"]
    specs = [(name, data.draw(subject_specs(name))) for name in present]
    raw = {"level": level, "subjects": [to_entry(name, spec) for name, spec in specs]}
    expected = [oracle_subject(name, spec) for name, spec in specs]
    if "malformed" in expected:
        with pytest.raises(ResultsInputError):
            judge(raw)
        return
    out = judge(raw)
    assert out["subjects"] == [
        {"subject": name, "mark": None if shown is None else shown / 10, "status": status, "pass": ok}
        for (name, _), (status, shown, ok) in zip(specs, expected, strict=True)
    ]
    required = ["theory", "practical"] + (["review"] if level <= 2 else [])
    missing = [name for name in required if name not in present]
    assert out["missing"] == missing
    verdicts = [ok for _, _, ok in expected]
    if False in verdicts:
        assert out["pass"] is False
    elif None in verdicts or missing:
        assert out["pass"] is None
    else:
        assert out["pass"] is True


@given(st.lists(TENTHS, min_size=2, max_size=2), st.integers(min_value=0, max_value=300))
def test_property_floats_and_decimals_agree(pair, tol):
    """The CLI parses numbers as Decimal, Python callers pass floats: same result either way."""
    as_float = {"level": 3, "subjects": [theory(marks=[v / 10 for v in pair], tolerance=tol / 10)]}
    as_decimal = {
        "level": 3,
        "subjects": [theory(marks=[Decimal(v) / 10 for v in pair], tolerance=Decimal(tol) / 10)],
    }
    assert judge(as_float) == judge(as_decimal)


# --------------------------------------------------------------------------------------------- CLI


def _cli(*args, stdin=None):
    """`python -m dudao.cli` with this checkout first on the path and no database reachable."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": "sqlite:////nonexistent/none.sqlite3",
    }
    return subprocess.run(
        [sys.executable, "-m", "dudao.cli", "results", "judge", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        cwd=str(ROOT),
        check=False,
    )


def test_cli_json_exit_0_without_a_database(tmp_path):
    text = (
        '{"level": 2, "subjects": ['
        '{"subject": "theory", "full": 100, "marks": [59.9, 60]},'
        '{"subject": "practical", "full": 100, "marks": [50, 70], "third": 60},'
        '{"subject": "review", "full": 100, "panel": [90, 90, 0]}]}'
    )
    path = tmp_path / "marks.json"
    path.write_text(text, encoding="utf-8")
    done = _cli("--input", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    assert json.loads(done.stdout) == {
        "pass": False,
        "subjects": [
            {"subject": "theory", "mark": 60.0, "status": "final", "pass": False},
            {"subject": "practical", "mark": 65.0, "status": "final", "pass": True},
            {"subject": "review", "mark": 60.0, "status": "final", "pass": True},
        ],
        "missing": [],
    }
    piped = _cli(
        "--input",
        "-",
        "--json",
        stdin='{"level": 3, "subjects": [{"subject": "theory", "full": 100, "marks": [55, 65.1]}]}',
    )
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout) == {
        "pass": None,
        "subjects": [{"subject": "theory", "mark": None, "status": "needs_third", "pass": None}],
        "missing": ["practical"],
    }


def test_cli_exact_decimals_from_the_file():
    """0.1-style decimals are read as written: 60.2 and 70.2 differ by exactly the tolerance."""
    done = _cli(
        "--input",
        "-",
        "--json",
        stdin='{"level": 3, "subjects": [{"subject": "theory", "full": 100, "marks": [60.2, 70.2]}]}',
    )
    assert json.loads(done.stdout)["subjects"][0] == {
        "subject": "theory",
        "mark": 65.2,
        "status": "final",
        "pass": True,
    }


def test_cli_summary_in_chinese():
    done = _cli(
        "--input", "-", stdin=json.dumps({"level": 2, "subjects": [theory(mark=60), practical(absent=True)]})
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "申报等级:二级/技师",
        "  理论知识考试:60.0 分,已定,合格",
        "  操作技能考核:—,缺考或成绩无效,不合格",
        "  缺少科目:综合评审",
        "结论:不合格",
    ]


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["--input", "-", "--json"], "{level: 3", "不是有效的 JSON(第 1 行第 2 列)"),
        (["--input", "-", "--json"], "", "不是有效的 JSON"),
        (
            ["--input", "-", "--json"],
            '{"level": 3, "subjects": [{"subject": "theory", "mark": NaN}]}',
            "NaN 不是有效的数值",
        ),
        (
            ["--input", "-", "--json"],
            '{"level": 3, "subjects": [{"subject": "theory", "mark": Infinity}]}',
            "Infinity 不是有效的数值",
        ),
        (["--input", "-", "--json"], '{"level": 3, "level": 4, "subjects": []}', "字段「level」重复"),
        (
            ["--input", "-", "--json"],
            '{"level": 3, "subjects": [{"subject": "theory", "mark": 1' + "0" * 5000 + "}]}",
            "数值过长",
        ),
        (
            ["--input", "-", "--json"],
            '{"level": 3, "subjects": [{"subject": "theory", "mark": 1e-999999999}]}',
            "位数过多",
        ),
        (
            ["--input", "-", "--json"],
            '{"level": 4, "subjects": [{"subject": "review", "panel": [60, 60, 60]}]}',
            "综合评审只适用于二级(技师)和一级(高级技师)",
        ),
        (
            ["--input", "-", "--json"],
            '{"level": 3, "subjects": [{"subject": "theory", "marks": [60, 70], "third": 65}]}',
            "不应有第三评",
        ),
        (["--input", "-", "--json"], "[]", "成绩数据必须是 JSON 对象"),
        (["--input", "/nonexistent/marks.json", "--json"], "", "找不到文件「/nonexistent/marks.json」"),
        (["--json"], "", "缺少参数:--input"),
    ],
)
def test_cli_malformed_input_exits_2_with_chinese_on_stderr_and_nothing_on_stdout(args, stdin, expected):
    done = _cli(*args, stdin=stdin)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.startswith("错误:")
    assert expected in done.stderr


def test_cli_in_process_through_dudao_main(tmp_path, capsys):
    from dudao.cli import main

    path = tmp_path / "marks.json"
    path.write_text(
        json.dumps({"level": 5, "subjects": [theory(mark=60), practical(panel=[70, 50, 60])]}),
        encoding="utf-8",
    )
    main(["dudao", "results", "judge", "--input", str(path), "--json"])
    assert json.loads(capsys.readouterr().out) == {
        "pass": True,
        "subjects": [
            {"subject": "theory", "mark": 60.0, "status": "final", "pass": True},
            {"subject": "practical", "mark": 60.0, "status": "final", "pass": True},
        ],
        "missing": [],
    }
    path.write_text(json.dumps({"level": 5, "subjects": [theory(mark=60, panel=[60])]}), encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        main(["dudao", "results", "judge", "--input", str(path), "--json"])
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "mark、marks、panel 只能给出其中一个" in captured.err
