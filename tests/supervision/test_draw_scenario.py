"""Scenario validation: every offending entry is named, nothing is drawn from a bad scenario (RAND-1)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from dudao.common.errors import ValidationFailed
from dudao.supervision.domain import load_scenario_json, parse_scenario, scenario_digest, solve_draw
from dudao.supervision.draw.scenario import CST
from tests.supervision.draw_support import scenario, supervisor, target


def base() -> dict:
    return scenario(
        [target("T1", "I1"), target("T2", "I2", supervisor_kind="internal")],
        [supervisor("S1", employer="I2"), supervisor("S2", "internal", institution="I2")],
        conflicts=[{"supervisor": "S1", "institution": "I3"}],
        examiners=[{"supervisor": "S2", "target": "T2"}],
    )


def errors_of(raw) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        parse_scenario(raw)
    assert caught.value.code == "invalid_scenario"
    return caught.value.detail


def edit(change) -> dict:
    raw = base()
    change(raw)
    return raw


CASES = [
    (
        "missing target field",
        lambda r: r["targets"][0].pop("start"),
        "targets[0](id=T1).start",
        "缺少必填字段",
    ),
    (
        "missing supervisor field",
        lambda r: r["supervisors"][1].pop("max_tasks"),
        "supervisors[1](id=S2).max_tasks",
        "missing field",
    ),
    (
        "bad ISO date-time",
        lambda r: r["targets"][1].update(end="2025-13-02T12:00:00"),
        "targets[1](id=T2).end",
        "不是有效的 ISO 日期时间",
    ),
    (
        "date without time",
        lambda r: r["targets"][0].update(start="2025-06-02"),
        "targets[0](id=T1).start",
        "需要带时间",
    ),
    (
        "bad card date",
        lambda r: r["supervisors"][0].update(card_valid_until="2030-02-30"),
        "supervisors[0](id=S1).card_valid_until",
        "不是有效的 ISO 日期",
    ),
    (
        "end before start",
        lambda r: r["targets"][0].update(end="2025-06-02T08:00:00+08:00"),
        "targets[0](id=T1).end",
        "结束时间必须晚于开始时间",
    ),
    (
        "end equals start",
        lambda r: r["targets"][0].update(end=r["targets"][0]["start"]),
        "targets[0](id=T1).end",
        "end must be after start",
    ),
    (
        "unknown supervisor in conflicts",
        lambda r: r["conflicts"].append({"supervisor": "S9", "target": "T1"}),
        "conflicts[1].supervisor",
        "未知的督导员 (unknown supervisor): 'S9'",
    ),
    (
        "unknown target in conflicts",
        lambda r: r["conflicts"].append({"supervisor": "S1", "target": "T9"}),
        "conflicts[1].target",
        "未知的督导对象 (unknown target): 'T9'",
    ),
    (
        "conflict without institution or target",
        lambda r: r["conflicts"].append({"supervisor": "S1"}),
        "conflicts[1]",
        "institution or target required",
    ),
    (
        "unknown key in conflict",
        lambda r: r["conflicts"].append({"supervisor": "S1", "instituton": "I1"}),
        "conflicts[1]",
        "supervisor, institution?, target?",
    ),
    (
        "unknown supervisor in examiners",
        lambda r: r["examiners"].append({"supervisor": "S9", "target": "T1"}),
        "examiners[1].supervisor",
        "unknown supervisor",
    ),
    (
        "unknown target in examiners",
        lambda r: r["examiners"].append({"supervisor": "S1", "target": "T9"}),
        "examiners[1].target",
        "unknown target",
    ),
    (
        "duplicate target id",
        lambda r: r["targets"].append(target("T1")),
        "targets[2](id=T1).id",
        "duplicate id",
    ),
    (
        "duplicate supervisor id",
        lambda r: r["supervisors"].append(supervisor("S1")),
        "supervisors[2](id=S1).id",
        "编号重复",
    ),
    (
        "group_size zero",
        lambda r: r["targets"][0].update(group_size=0),
        "targets[0](id=T1).group_size",
        ">= 1",
    ),
    (
        "group_size text",
        lambda r: r["targets"][0].update(group_size="2"),
        "targets[0](id=T1).group_size",
        ">= 1",
    ),
    (
        "group_size boolean",
        lambda r: r["targets"][0].update(group_size=True),
        "targets[0](id=T1).group_size",
        ">= 1",
    ),
    ("weight zero", lambda r: r["targets"][0].update(weight=0), "targets[0](id=T1).weight", "> 0"),
    (
        "target kind",
        lambda r: r["targets"][0].update(kind="weekly"),
        "targets[0](id=T1).kind",
        "daily or special",
    ),
    (
        "supervisor_kind",
        lambda r: r["targets"][0].update(supervisor_kind="x"),
        "targets[0](id=T1).supervisor_kind",
        "external or internal",
    ),
    (
        "supervisor kind",
        lambda r: r["supervisors"][0].update(kind="x"),
        "supervisors[0](id=S1).kind",
        "external or internal",
    ),
    (
        "internal without institution",
        lambda r: r["supervisors"][1].pop("institution"),
        "supervisors[1](id=S2).institution",
        "所属机构",  # SUP-1
    ),
    (
        "negative max_tasks",
        lambda r: r["supervisors"][0].update(max_tasks=-1),
        "supervisors[0](id=S1).max_tasks",
        ">= 0",
    ),
    (
        "unknown target field",
        lambda r: r["targets"][0].update(grup_size=2),
        "targets[0](id=T1).grup_size",
        "unknown field",
    ),
    ("unknown top-level field", lambda r: r.update(sampel={"count": 1}), "sampel", "unknown field"),
    ("empty id", lambda r: r["targets"][0].update(id=""), "targets[0].id", "non-empty string"),
    ("numeric id", lambda r: r["supervisors"][0].update(id=7), "supervisors[0].id", "non-empty string"),
    ("no targets", lambda r: r.update(targets=[]), "targets", "non-empty array"),
    ("sample with both", lambda r: r.update(sample={"count": 1, "ratio": 0.5}), "sample", "count"),
    ("sample count zero", lambda r: r.update(sample={"count": 0}), "sample.count", "1..2"),
    ("sample count too big", lambda r: r.update(sample={"count": 3}), "sample.count", "1..2"),
    ("sample ratio zero", lambda r: r.update(sample={"ratio": 0}), "sample.ratio", "(0, 1]"),
    ("sample ratio above one", lambda r: r.update(sample={"ratio": 1.5}), "sample.ratio", "(0, 1]"),
    ("sample null", lambda r: r.update(sample=None), "sample", "count"),
    ("reason not text", lambda r: r["targets"][0].update(reason=3), "targets[0](id=T1).reason", "string"),
]


@pytest.mark.parametrize(("change", "path", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_entry_is_named(change, path, text):
    detail = errors_of(edit(change))
    assert path in detail, detail
    assert any(text in message for message in detail[path]), detail[path]


def test_every_offending_entry_is_reported_at_once():
    raw = base()
    raw["targets"][0]["group_size"] = 0
    raw["targets"][1]["end"] = "tomorrow"
    raw["examiners"].append({"supervisor": "S9", "target": "T1"})
    detail = errors_of(raw)
    assert sorted(detail) == [
        "examiners[1].supervisor",
        "targets[0](id=T1).group_size",
        "targets[1](id=T2).end",
    ]


def test_relations_to_invalid_entries_are_not_reported_twice():
    raw = base()
    raw["supervisors"][0]["max_tasks"] = "many"
    raw["conflicts"].append({"supervisor": "S1", "target": "T1"})
    assert sorted(errors_of(raw)) == ["supervisors[0](id=S1).max_tasks"]


def test_not_an_object():
    assert errors_of([1, 2]) == {"$": ["抽取情景必须是 JSON 对象 (the scenario must be a JSON object)"]}


@pytest.mark.parametrize("text", ['{"targets": [', '{"targets": NaN}', b"\xff\xfe"])
def test_malformed_json(text):
    with pytest.raises(ValidationFailed) as caught:
        load_scenario_json(text)
    assert caught.value.code == "invalid_scenario"
    assert "不是有效的 JSON" in caught.value.message


def test_million_style_conflicts_take_the_fast_path_and_agree_with_the_checked_one():
    raw = base()
    raw["conflicts"] = [
        {"supervisor": "S1", "target": "T1"},
        {"supervisor": "S2", "institution": "I2"},
        {"supervisor": "S1", "institution": "I2", "target": "T2"},
    ]
    fast = parse_scenario(raw)
    slow_raw = copy.deepcopy(raw)
    slow_raw["conflicts"].append({"supervisor": "S1", "target": None, "institution": "I5"})
    slow_raw["conflicts"].append([])  # forces the checked loop, then fails
    with pytest.raises(ValidationFailed):
        parse_scenario(slow_raw)
    assert fast.conflicted(0, 0) and fast.conflicted(1, 0) and fast.conflicted(1, 1)
    assert not fast.conflicted(0, 1)
    assert fast.institution_index == {"I2": 0}


def test_parsed_values():
    raw = base()
    raw["targets"][0].update(start="2025-06-02T09:00:00", weight=0.1, reason=" 两人成组 ")
    raw["supervisors"][0]["card_valid_until"] = "2025-06-30"
    raw["sample"] = {"ratio": 0.5}
    parsed = parse_scenario(raw)
    first = parsed.targets[0]
    assert first.start == dt.datetime(2025, 6, 2, 9, 0, tzinfo=CST)  # naive = China Standard Time
    assert first.weight.numerator == 1 and first.weight.denominator == 10
    assert first.reason == "两人成组"
    assert parsed.supervisors[0].card_valid_until == dt.datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=CST)
    assert parsed.sample.size(2) == 1


def test_targets_and_supervisors_are_sorted_by_id():
    raw = base()
    raw["targets"].reverse()
    parsed = parse_scenario(raw)
    assert [t.id for t in parsed.targets] == ["T1", "T2"]


def test_scenario_digest_is_canonical():
    raw = base()
    shuffled = {key: raw[key] for key in reversed(list(raw))}
    shuffled["targets"] = [dict(reversed(list(t.items()))) for t in raw["targets"]]
    assert scenario_digest(raw, "sha256") == scenario_digest(shuffled, "sha256")
    changed = copy.deepcopy(raw)
    changed["targets"][0]["group_size"] = 2
    assert scenario_digest(raw, "sha256") != scenario_digest(changed, "sha256")


@pytest.mark.parametrize("seed", ["", None])
def test_empty_seed_is_rejected(seed):
    with pytest.raises(ValidationFailed) as caught:
        solve_draw(base(), seed)
    assert caught.value.code == "invalid_seed"


def test_unsupported_hash_is_rejected():
    with pytest.raises(ValidationFailed) as caught:
        solve_draw(base(), "s", algorithm="md5")
    assert caught.value.code == "invalid_hash"


def test_meta_is_hashed_but_does_not_change_the_draw():
    raw = base()
    with_meta = {**copy.deepcopy(raw), "meta": {"name": "2025年6月日常督导抽取", "authority": "JX-HRSS"}}
    first, second = solve_draw(raw, "meta").payload, solve_draw(with_meta, "meta").payload
    assert first["scenario_digest"] != second["scenario_digest"]
    assert parse_scenario(with_meta).targets == parse_scenario(raw).targets


def test_missing_registers_are_reported():
    assert errors_of({}) == {
        "supervisors": ["缺少必填字段 (missing field)"],
        "targets": ["必须是非空数组 (must be a non-empty array)"],
    }
