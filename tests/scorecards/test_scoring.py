"""Hand-computed scores for FORM-A and FORM-B: floors (扣完为止), multi-rule items, bonus, cap, bands."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from dudao.scorecards.domain import AnswersInvalid, load_form, score

from .helpers import clean_answers, form

# --------------------------------------------------------------------------- FORM-A QC-STATION


def test_qc_all_full_with_bonus_is_capped_at_100():
    result = score(form("QC-STATION"), clean_answers("QC-STATION", bonus=True))
    assert result.sections == {"1": 30, "2": 16, "B": 5, "3": 40, "4": 14}
    assert result.uncapped == 105
    assert result.total == 100
    assert result.band == "excellent"


def test_qc_all_full_without_bonus_is_100():
    result = score(form("QC-STATION"), clean_answers("QC-STATION"))
    assert (result.total, result.uncapped, result.band) == (100, 100, "excellent")


QC_MIXED = {
    # section 1: 5 + 2 + 0 + 5 + 2 + 5 = 19
    "1.1": "full", "1.2": "partial", "1.3": "none", "1.4": "full", "1.5": "partial", "1.6": "full",
    # section 2: 2 + 4 + 0 + 4 = 10
    "2.1": "partial", "2.2": "full", "2.3": "none", "2.4": "full",
    "B1": False,
    # section 3: 0 + 5 + 5 + 2 + 5 + 5 + 2 + 0 = 24
    "3.1": "none", "3.2": "full", "3.3": "full", "3.4": "partial",
    "3.5": "full", "3.6": "full", "3.7": "partial", "3.8": "none",
    # section 4: 5 + 2 + 5 = 12
    "4.1": "full", "4.2": "partial", "4.3": "full",
}  # fmt: skip


def test_qc_mixed_hand_computed():
    result = score(form("QC-STATION"), QC_MIXED)
    assert result.sections == {"1": 19, "2": 10, "B": 0, "3": 24, "4": 12}
    assert result.total == 65
    assert result.band == "fair"
    assert result.items["1.2"] == 2 and result.items["3.1"] == 0


def test_qc_bonus_lifts_65_to_exactly_70_good():
    result = score(form("QC-STATION"), {**QC_MIXED, "B1": True})
    assert (result.total, result.band) == (70, "good")


def test_qc_nothing_but_bonus_is_poor():
    answers = {k: ("none" if isinstance(v, str) else True) for k, v in QC_MIXED.items()}
    result = score(form("QC-STATION"), answers)
    assert (result.total, result.band) == (5, "poor")


def test_qc_31_has_no_partial_choice():
    with pytest.raises(AnswersInvalid) as exc:
        score(form("QC-STATION"), {**QC_MIXED, "3.1": "partial"})
    assert exc.value.problems == [("3.1", '项目 3.1:答案应为选项 full、none 之一,收到 "partial"')]


# --------------------------------------------------------------------------- FORM-B CQ-RENEWAL

CQ_MIXED = {
    "A1.1": 2,  # 4 − 2 × 0.4 = 3.2
    "A1.2": [2, 1],  # 2 − 2 × 0.5 − 0.5 = 0.5
    "A2.1": 0,  # 1
    "A3.1": 1,  # 0
    "A3.2": 0, "A3.3": 0, "A3.4": 0, "A3.5": 0,  # 0.5 + 0.5 + 0.5 + 1
    "B1.1": 1,  # 2
    "B2.1": 3,  # 3 − 1.5 = 1.5
    "B3.1": 0,  # 2
    "B4.1": 0,  # 4
    "B4.2": 1,  # 8
    "B4.3": 0, "B4.4": 0,  # 4 + 4
    "B4.5": 3,  # 3 missing cameras: 4 − 6 → 0, not −2
    "B5.1": [0, 1],  # 10 − 3 = 7
    "B6.1": 0, "B6.2": 0,  # 3 + 3
    "B7.1": 3,  # 2 − 1.8 = 0.2 exactly
    "B7.2": 1,  # 1.4
    "B7.3": 0,  # 2
    "B8.1": 0, "B8.2": 0, "B8.3": 0,  # 1 + 1 + 0.5
    "B8.4": [1, 1],  # 0.5 − 0.25 − 0.25 = 0
    "B9.1": 0,  # 1
    "B10.1": 0,  # 2
    "B10.2": [1, 0],  # 2 − 2 = 0
    "B10.3": 0, "B10.4": 0,  # 2 + 1
    "C1.1": 1,  # 1.4
    "C1.2": 0, "C1.3": 0, "C2.1": 0,  # 2 + 2 + 2
    "C2.2": [0, 1],  # 1
    "C2.3": 0, "C3.1": 0, "C4.1": 0,  # 2 + 1 + 2
    "C4.2": 1,  # 1
    "C4.3": 0,  # 2
    "D1": True, "D2": False,  # 2
}  # fmt: skip


def test_cq_mixed_hand_computed():
    result = score(form("CQ-RENEWAL"), CQ_MIXED)
    assert result.items["A1.1"] == D("3.2")
    assert result.items["A1.2"] == D("0.5")
    assert result.items["B4.5"] == 0
    assert result.items["B5.1"] == 7
    assert result.items["B7.1"] == D("0.2")
    assert result.items["B7.2"] == D("1.4")
    assert result.items["B8.4"] == 0
    assert result.items["B10.2"] == 0
    assert result.items["C2.2"] == 1
    assert result.sections == {"A": D("7.2"), "B": D("50.6"), "C": D("16.4"), "D": 2}
    assert result.total == D("76.2")
    assert result.band == "rectify"
    assert result.as_json()["total"] == 76.2


def test_cq_clean_is_96_and_bonus_reaches_100():
    assert score(form("CQ-RENEWAL"), clean_answers("CQ-RENEWAL")).total == 96
    result = score(form("CQ-RENEWAL"), clean_answers("CQ-RENEWAL", bonus=True))
    assert (result.total, result.uncapped, result.band) == (100, 100, "renew")


@pytest.mark.parametrize(
    ("item", "answer", "points"),
    [
        ("B4.5", 3, D(0)),  # floor: 4 − 6 → 0
        ("B4.5", 1, D(2)),
        ("A1.2", [2, 1], D("0.5")),
        ("A1.2", [5, 1], D(0)),  # floor on a multi-rule item
        ("B8.4", [1, 1], D(0)),
        ("B8.4", [0, 1], D("0.25")),
        ("B10.2", [1, 0], D(0)),
        ("B10.2", [1, 1], D(0)),  # −4 on a 2-point item → 0
        ("C2.2", [0, 1], D(1)),
        ("B5.1", [1, 0], D(0)),
        ("B5.1", [0, 3], D(1)),
        ("B7.1", 3, D("0.2")),  # 2 − 3 × 0.6 exactly, not 0.19999999999999996
        ("B7.1", 4, D(0)),
        ("A1.1", 10, D(0)),
        ("A1.1", 3, D("2.8")),
    ],
)
def test_cq_item_points(item, answer, points):
    result = score(form("CQ-RENEWAL"), {**clean_answers("CQ-RENEWAL"), item: answer})
    assert result.items[item] == points
    assert result.total == 96 - D(form("CQ-RENEWAL").item(item).max) + points


def test_decimal_arithmetic_ten_minus_three_times_point_six():
    text = """
id: T
version: 1
title: 测试
cap: 10
bands:
  - {id: all, label_zh: 全部, min: 0, max: 10}
sections:
  - id: S
    title: 分区
    max: 10
    items:
      - id: X
        title: 项目
        kind: deduction
        max: 10
        rules:
          - {label_zh: 每次, points: 0.6}
"""
    result = score(load_form(text), {"X": 3})
    assert result.items["X"] == D("8.2")
    assert str(result.total) == "8.2"
    assert result.as_json()["total"] == 8.2
    assert 2 - 3 * 0.6 != 0.2  # binary floats drift here (B7.1); Decimal does not


def _cq_with(**deductions):
    return {**clean_answers("CQ-RENEWAL"), **deductions}


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        # 96 − 10 − 6 = 80 → renew (REN-4: ≥ 80)
        (_cq_with(**{"B5.1": [1, 0], "B4.2": 3}), D(80), "renew"),
        # … − 0.4 = 79.6 → rectify
        (_cq_with(**{"B5.1": [1, 0], "B4.2": 3, "A1.1": 1}), D("79.6"), "rectify"),
        # 96 − 10 − 10 − 3 − 4 − 4 − 4 − 1 = 60 → rectify (60 ≤ score < 80)
        (
            _cq_with(**{"B5.1": [1, 0], "B4.2": 5, "B4.1": 3, "B4.3": 2, "B4.4": 2, "B4.5": 2, "A2.1": 1}),
            D(60),
            "rectify",
        ),
        # … − 0.5 = 59.5 → refuse
        (
            _cq_with(
                **{
                    "B5.1": [1, 0],
                    "B4.2": 5,
                    "B4.1": 3,
                    "B4.3": 2,
                    "B4.4": 2,
                    "B4.5": 2,
                    "A2.1": 1,
                    "A3.1": 1,
                }
            ),
            D("59.5"),
            "refuse",
        ),
    ],
)
def test_cq_band_boundaries_through_scoring(answers, total, band):
    result = score(form("CQ-RENEWAL"), answers)
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("100", "renew"),
        ("80", "renew"),
        ("79.99", "rectify"),
        ("60", "rectify"),
        ("59.99", "refuse"),
        ("0", "refuse"),
    ],
)
def test_cq_band_for(total, band):
    assert form("CQ-RENEWAL").band_for(D(total)).id == band


@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("100", "excellent"),
        ("85", "excellent"),
        ("84.99", "good"),
        ("70", "good"),
        ("69.5", "fair"),
        ("60", "fair"),
        ("59.99", "poor"),
        ("0", "poor"),
    ],
)
def test_qc_band_for(total, band):
    assert form("QC-STATION").band_for(D(total)).id == band


# --------------------------------------------------------------------------- strict answers


def _problems(form_id, answers):
    with pytest.raises(AnswersInvalid) as exc:
        score(form(form_id), answers)
    return exc.value.problems


def test_missing_answer_names_the_item():
    answers = clean_answers("CQ-RENEWAL")
    del answers["B4.5"]
    assert _problems("CQ-RENEWAL", answers) == [("B4.5", "项目 B4.5:缺少答案")]


def test_unknown_answer_names_the_item():
    answers = {**clean_answers("CQ-RENEWAL"), "Z9.9": 0}
    assert _problems("CQ-RENEWAL", answers) == [("Z9.9", "项目 Z9.9:评估表 CQ-RENEWAL 中没有此项目")]


def test_negative_count_names_the_item():
    assert _problems("CQ-RENEWAL", _cq_with(**{"B7.1": -1})) == [("B7.1", "项目 B7.1:扣分次数不能为负数(-1)")]
    assert _problems("CQ-RENEWAL", _cq_with(**{"C2.2": [0, -2]})) == [
        ("C2.2", "项目 C2.2 第 2 条扣分规则:扣分次数不能为负数(-2)")
    ]


def test_count_above_the_listed_cases_floors_at_zero():
    """More occurrences than the form lists is still a valid answer: the item floors at 0 (扣完为止)."""
    result = score(form("CQ-RENEWAL"), _cq_with(**{"B8.4": [2, 0], "A1.1": 11, "B4.1": 4}))
    assert (result.items["B8.4"], result.items["A1.1"], result.items["B4.1"]) == (D("0"), D("0"), D("0"))
    assert result.total == D("87.5")  # 96 − 0.5 − 4 − 4


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        ("B7.1", True, "项目 B7.1:答案应为扣分次数(非负整数),收到 true"),  # bool is not an int
        ("B7.1", 1.0, "项目 B7.1:答案应为扣分次数(非负整数),收到 1.0"),
        ("B7.1", "1", '项目 B7.1:答案应为扣分次数(非负整数),收到 "1"'),
        ("B7.1", [1], "项目 B7.1:答案应为扣分次数(非负整数),收到 [1]"),
        (
            "A1.2",
            2,
            "项目 A1.2:答案应为 2 个非负整数组成的列表"
            "(按扣分规则顺序:1. 岗位职责有一项未尽职责;2. 无履职记录),收到 2",
        ),
        (
            "A1.2",
            [1, 0, 0],
            "项目 A1.2:答案应为 2 个非负整数组成的列表"
            "(按扣分规则顺序:1. 岗位职责有一项未尽职责;2. 无履职记录),收到 [1, 0, 0]",
        ),
        (
            "A1.2",
            [1, False],
            "项目 A1.2:答案应为 2 个非负整数组成的列表"
            "(按扣分规则顺序:1. 岗位职责有一项未尽职责;2. 无履职记录),收到 [1, false]",
        ),
        ("D1", 1, "项目 D1:加分项答案应为 true 或 false,收到 1"),
        ("D1", "true", '项目 D1:加分项答案应为 true 或 false,收到 "true"'),
    ],
)
def test_ill_typed_answers_name_the_item(item, value, message):
    assert _problems("CQ-RENEWAL", _cq_with(**{item: value})) == [(item, message)]


def test_ill_typed_choice_names_the_item():
    assert _problems("QC-STATION", {**QC_MIXED, "1.1": 5}) == [
        ("1.1", "项目 1.1:答案应为选项 full、partial、none 之一,收到 5")
    ]


def test_every_problem_is_reported_at_once():
    answers = _cq_with(**{"B7.1": -1, "D2": None})
    del answers["A1.1"]
    answers["X"] = 1
    with pytest.raises(AnswersInvalid) as exc:
        score(form("CQ-RENEWAL"), answers)
    assert [key for key, _ in exc.value.problems] == ["A1.1", "B7.1", "D2", "X"]
    assert exc.value.message == "项目 A1.1:缺少答案(共 4 处错误)"
    assert exc.value.detail["D2"] == ["项目 D2:加分项答案应为 true 或 false,收到 null"]


def test_answers_must_be_a_mapping():
    with pytest.raises(AnswersInvalid, match="答案应为以项目编号为键的对象"):
        score(form("CQ-RENEWAL"), [1, 2])  # type: ignore[arg-type]
