"""The linter names every problem with its path (issue 3 item 2): one precise message per error."""

from __future__ import annotations

import copy

import pytest
import yaml

from dudao.scorecards.domain import FormInvalid, lint, load_form

from .helpers import shipped_text

TINY = {
    "id": "TINY",
    "version": 1,
    "title": "小表",
    "cap": 20,
    "bands": [
        {"id": "pass", "label_zh": "合格", "min": 10, "max": 20},
        {"id": "fail", "label_zh": "不合格", "min": 0, "max": 10},
    ],
    "sections": [
        {
            "id": "S1",
            "title": "分区一",
            "max": 10,
            "items": [
                {
                    "id": "1.1",
                    "title": "选择",
                    "kind": "choice",
                    "max": 5,
                    "choices": {"full": 5, "partial": 2, "none": 0},
                },
                {
                    "id": "1.2",
                    "title": "扣分",
                    "kind": "deduction",
                    "max": 5,
                    "rules": [{"label_zh": "每次", "points": 0.5, "max_count": 10}],
                },
            ],
        },
        {
            "id": "S2",
            "title": "分区二",
            "max": 10,
            "items": [
                {
                    "id": "2.1",
                    "title": "选择",
                    "kind": "choice",
                    "max": 10,
                    "choices": {"full": 10, "none": 0},
                },
            ],
        },
        {
            "id": "P",
            "title": "加分",
            "max": 3,
            "bonus": True,
            "items": [{"id": "P1", "title": "加分项", "kind": "bonus", "points": 3}],
        },
    ],
}


def dump(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def lint_lines(doc) -> list[str]:
    return [f"{e.path}: {e.message}" for e in lint(dump(doc))]


def mutated(change) -> dict:
    doc = copy.deepcopy(TINY)
    change(doc)
    return doc


def test_tiny_form_is_valid():
    assert lint(dump(TINY)) == []
    form = load_form(dump(TINY))
    assert (form.base_max, form.bonus_max, form.cap) == (20, 3, 20)


def test_both_shipped_forms_are_valid():
    assert lint(shipped_text("QC-STATION")) == []
    assert lint(shipped_text("CQ-RENEWAL")) == []


def test_choice_above_item_max():
    def change(doc):
        doc["sections"][0]["items"][0]["choices"]["full"] = 6

    assert lint_lines(mutated(change)) == ["sections[0].items[0]: choice 'full' (6) exceeds item max 5"]


def test_choice_long_form_above_item_max_and_chinese_message():
    def change(doc):
        doc["sections"][0]["items"][0]["choices"]["partial"] = {"points": 5.5, "label_zh": "部分"}

    errors = lint(dump(mutated(change)))
    assert [str(e) for e in errors] == [
        "sections[0].items[0]: choice 'partial' (5.5) exceeds item max 5"
        " / 选项 partial 的分值 5.5 超过项目满分 5"
    ]


def test_section_max_differs_from_sum_of_items():
    def change(doc):
        doc["sections"][0]["max"] = 11

    assert lint_lines(mutated(change)) == [
        "sections[0]: declared max 11 differs from the sum of its items' maxima (10)"
    ]


def test_item_max_changed_breaks_its_section():
    def change(doc):
        doc["sections"][0]["items"][1]["max"] = 4.5

    assert lint_lines(mutated(change)) == [
        "sections[0]: declared max 10 differs from the sum of its items' maxima (9.5)"
    ]


def test_highest_choice_below_max():
    def change(doc):
        doc["sections"][0]["items"][0]["choices"]["full"] = 4

    assert lint_lines(mutated(change)) == ["sections[0].items[0]: highest choice (4) is below item max 5"]


def test_duplicate_item_id():
    def change(doc):
        doc["sections"][1]["items"][0]["id"] = "1.2"

    assert lint_lines(mutated(change)) == [
        "sections[1].items[0]: duplicate item id '1.2' (first at sections[0].items[1])"
    ]


def test_duplicate_section_id():
    def change(doc):
        doc["sections"][1]["id"] = "S1"

    assert lint_lines(mutated(change)) == ["sections[1]: duplicate section id 'S1' (first at sections[0])"]


def test_band_gap():
    def change(doc):
        doc["bands"][0]["min"] = 12

    assert lint_lines(mutated(change)) == ["bands[0]: gap in bands: [10, 12) is in no band"]


def test_band_gap_at_zero_and_at_cap():
    def change(doc):
        doc["bands"][1]["min"] = 1
        doc["bands"][0]["max"] = 19

    assert lint_lines(mutated(change)) == [
        "bands[1]: gap in bands: [0, 1) is in no band",
        "bands[0]: gap in bands: [19, 20] is in no band (bands must reach cap 20)",
    ]


def test_band_overlap():
    def change(doc):
        doc["bands"][0]["min"] = 8

    assert lint_lines(mutated(change)) == ["bands[0]: band [8, 20) overlaps bands[1] below 10"]


def test_band_beyond_cap_and_inverted_band():
    def change(doc):
        doc["bands"][0]["max"] = 25

    assert lint_lines(mutated(change)) == ["bands[0]: bands reach 25 beyond cap 20"]

    def invert(doc):
        doc["bands"][1]["max"] = 0

    assert lint_lines(mutated(invert)) == ["bands[1]: band min 0 is not below its max 0"]


def test_duplicate_band_id():
    def change(doc):
        doc["bands"][1]["id"] = "pass"

    assert lint_lines(mutated(change)) == ["bands[1]: duplicate band id 'pass' (first at bands[0])"]


def test_unknown_item_kind():
    def change(doc):
        doc["sections"][0]["items"][1]["kind"] = "percent"

    assert lint_lines(mutated(change)) == [
        "sections[0].items[1]: unknown item kind 'percent' (expected choice, deduction or bonus)"
    ]


def test_missing_and_unknown_fields():
    def change(doc):
        del doc["cap"]
        del doc["sections"][0]["items"][1]["rules"]
        doc["sections"][1]["items"][0]["maxx"] = 1

    assert lint_lines(mutated(change)) == [
        "form: missing field 'cap'",
        "sections[0].items[1]: missing field 'rules'",
        "sections[1].items[0]: unknown field 'maxx'",
    ]


def test_negative_points():
    def change(doc):
        doc["sections"][0]["items"][0]["choices"]["none"] = -1

    assert lint_lines(mutated(change)) == [
        "sections[0].items[0].choices.none: negative points: 'points' is -1"
    ]


@pytest.mark.parametrize("points", [0, -0.5])
def test_deduction_rule_points_must_be_positive(points):
    def change(doc):
        doc["sections"][0]["items"][1]["rules"][0]["points"] = points

    shown = "0" if points == 0 else "-0.5"
    assert lint_lines(mutated(change)) == [
        f"sections[0].items[1].rules[0]: deduction rule points must be positive (got {shown})"
    ]


def test_bad_max_count_and_too_many_decimals():
    def change(doc):
        doc["sections"][0]["items"][1]["rules"][0]["max_count"] = 0
        doc["sections"][0]["items"][1]["rules"].append({"label_zh": "另一", "points": 0.125})

    assert lint_lines(mutated(change)) == [
        "sections[0].items[1].rules[0]: 'max_count' must be a positive integer",
        "sections[0].items[1].rules[1]: 'points' 0.125 has more than 2 decimal places",
    ]


def test_unknown_choice_and_missing_full():
    def change(doc):
        doc["sections"][0]["items"][0]["choices"] = {"half": 2, "none": 0}

    assert lint_lines(mutated(change)) == [
        "sections[0].items[0]: unknown choice 'half' (expected full, partial or none)",
        "sections[0].items[0]: choice 'full' is missing",
    ]


def test_bonus_placement():
    def change(doc):
        doc["sections"][1]["items"][0] = {"id": "2.1", "title": "加分", "kind": "bonus", "points": 10}
        doc["sections"][2]["items"].append(
            {"id": "P2", "title": "x", "kind": "choice", "max": 1, "choices": {"full": 1, "none": 0}}
        )
        doc["sections"][2]["max"] = 4

    assert lint_lines(mutated(change)) == [
        "sections[1].items[0]: bonus item outside a bonus section",
        "sections[2].items[1]: choice item inside a bonus section",
    ]


def test_base_above_cap():
    def change(doc):
        doc["cap"] = 19
        doc["bands"][0]["max"] = 19

    assert lint_lines(mutated(change)) == ["cap: sum of non-bonus section maxima (20) exceeds cap 19"]


def test_unquoted_numeric_id_is_explained():
    text = dump(TINY).replace("id: '1.1'", "id: 1.1")
    assert [str(e) for e in lint(text)] == [
        "sections[0].items[0]: id 1.1 must be a string (quote it: '1.1')"
        " / 编号 1.1 应为字符串(请加引号:'1.1')"
    ]


def test_bool_is_not_a_number_and_version_is_an_integer():
    def change(doc):
        doc["version"] = "v1"
        doc["sections"][0]["items"][0]["max"] = True

    assert lint_lines(mutated(change)) == [
        "version: 'version' must be a positive integer",
        "sections[0].items[0]: 'max' must be a number",
    ]


def test_yaml_problems_have_a_line():
    assert lint_lines({"a": 1})[:1] == ["form: missing field 'id'"]
    assert [f"{e.path}: {e.message}" for e in lint("id: A\nversion: 1\nid: B\n")] == [
        "line 3: YAML: duplicate key 'id'"
    ]
    assert [e.path for e in lint("id: [\n")] == ["line 2"]
    assert [f"{e.path}: {e.message}" for e in lint("")] == ["form: must be a mapping"]


def test_load_form_raises_with_every_error(tmp_path):
    def change(doc):
        doc["sections"][0]["max"] = 11
        doc["sections"][1]["items"][0]["kind"] = "nope"

    path = tmp_path / "bad.yaml"
    path.write_text(dump(mutated(change)), encoding="utf-8")
    with pytest.raises(FormInvalid) as exc:
        load_form(path)
    assert [e.path for e in exc.value.errors] == ["sections[0]", "sections[1].items[0]"]
    assert exc.value.detail == {
        "sections[0]": ["分区满分 11 与各项目满分之和 10 不一致"],
        "sections[1].items[0]": ["未知的项目类型 'nope'(应为 choice、deduction 或 bonus)"],
    }
    # A one-line "*.yaml" string is a path too.
    with pytest.raises(FormInvalid):
        load_form(str(path))


def test_yaml_numbers_are_exact_decimals():
    form = load_form(dump(TINY))
    assert str(form.item("1.2").rules[0].points) == "0.5"
    assert load_form(shipped_text("CQ-RENEWAL")).item("B7.1").rules[0].points.as_tuple().exponent == -1


def test_no_ordinary_section():
    def change(doc):
        doc["sections"] = [doc["sections"][2]]
        doc["cap"] = 3
        doc["bands"] = [{"id": "all", "label_zh": "全部", "min": 0, "max": 3}]

    assert lint_lines(mutated(change)) == ["sections: no ordinary (non-bonus) section"]


def test_documented_example_is_valid():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "scorecards-format.md").read_text(encoding="utf-8")
    example = doc.split("### 1.5", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    form = load_form(example)
    assert (form.id, form.base_max, form.bonus_max, form.cap) == ("DEMO", 15, 5, 20)
