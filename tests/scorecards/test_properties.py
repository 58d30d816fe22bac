"""Hypothesis properties of the engine (issue 3 acceptance): totals, item bounds, bands, linter."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dudao.scorecards.domain import KINDS, AnswersInvalid, json_number, lint, score

from .helpers import form, shipped_text

FORM_IDS = ["QC-STATION", "CQ-RENEWAL"]
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
RAW = {fid: yaml.safe_load(shipped_text(fid)) for fid in FORM_IDS}


def _count(rule) -> st.SearchStrategy[int]:
    return st.integers(0, rule.max_count if rule.max_count is not None else 30)


def answers_for(form_id: str) -> st.SearchStrategy[dict]:
    """Random valid answers: any choice, any bonus, any count each rule allows."""
    parts = {}
    for item in form(form_id).items:
        if item.kind == "choice":
            parts[item.id] = st.sampled_from([c.key for c in item.choices])
        elif item.kind == "bonus":
            parts[item.id] = st.booleans()
        elif len(item.rules) == 1:
            parts[item.id] = _count(item.rules[0])
        else:
            parts[item.id] = st.tuples(*(_count(r) for r in item.rules)).map(list)
    return st.fixed_dictionaries(parts)


def reference_points(form_id: str, item_id: str, answer) -> Decimal:
    """Independent oracle straight from the raw YAML (floats read through str, no compiled plan)."""
    for section in RAW[form_id]["sections"]:
        for raw in section["items"]:
            if raw["id"] != item_id:
                continue
            if raw["kind"] == "choice":
                choice = raw["choices"][answer]
                return Decimal(str(choice["points"] if isinstance(choice, dict) else choice))
            if raw["kind"] == "bonus":
                return Decimal(str(raw["points"])) if answer else Decimal(0)
            counts = answer if isinstance(answer, list) else [answer]
            lost = sum(Decimal(str(r["points"])) * c for r, c in zip(raw["rules"], counts, strict=True))
            return max(Decimal(0), Decimal(str(raw["max"])) - lost)
    raise KeyError(item_id)


@pytest.mark.parametrize("form_id", FORM_IDS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_score_properties(form_id, data):
    the_form = form(form_id)
    answers = data.draw(answers_for(form_id))
    result = score(the_form, answers)
    # every item within [0, max] and equal to the oracle
    for item in the_form.items:
        assert 0 <= result.items[item.id] <= item.max
        assert result.items[item.id] == reference_points(form_id, item.id, answers[item.id])
    # sections are the sums of their items
    for section in the_form.sections:
        assert result.sections[section.id] == sum(result.items[i.id] for i in section.items)
        assert 0 <= result.sections[section.id] <= section.max
    # total = min(cap, Σ items + bonus)
    assert result.uncapped == sum(result.items.values())
    assert result.total == min(the_form.cap, result.uncapped)
    # band matches total: [min, max), the top band includes the cap
    band = next(b for b in the_form.bands if b.id == result.band)
    assert band.min <= result.total
    assert result.total < band.max or result.total == band.max == the_form.cap
    # JSON rounding keeps the value (all points have ≤ 2 decimals)
    assert Decimal(str(json_number(result.total))) == result.total


@pytest.mark.parametrize("form_id", FORM_IDS)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_a_missing_or_negative_answer_is_named(form_id, data):
    the_form = form(form_id)
    answers = data.draw(answers_for(form_id))
    item = data.draw(st.sampled_from(the_form.items))
    if item.kind == "deduction" and data.draw(st.booleans()):
        bad = data.draw(st.integers(-50, -1))
        answers[item.id] = bad if len(item.rules) == 1 else [bad] + [0] * (len(item.rules) - 1)
        expected = "扣分次数不能为负数"
    else:
        del answers[item.id]
        expected = "缺少答案"
    with pytest.raises(AnswersInvalid) as exc:
        score(the_form, answers)
    assert len(exc.value.problems) == 1
    key, message = exc.value.problems[0]
    assert key == item.id
    assert message.startswith(f"项目 {item.id}") and expected in message


# --------------------------------------------------------------------------- linter vs mutations


def _items(doc):
    return [(s, i, item) for s, sec in enumerate(doc["sections"]) for i, item in enumerate(sec["items"])]


def _lint_doc(doc):
    return lint(yaml.dump(doc, Dumper=DUMPER, allow_unicode=True, sort_keys=False))


@pytest.mark.parametrize("form_id", FORM_IDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_linter_rejects_a_changed_max(form_id, data):
    doc = copy.deepcopy(RAW[form_id])
    s, i, item = data.draw(st.sampled_from(_items(doc)))
    delta = data.draw(st.sampled_from([-1, -0.5, 0.25, 1, 3]))
    field = "points" if item["kind"] == "bonus" else "max"
    item[field] = float(Decimal(str(item[field])) + Decimal(str(delta)))
    paths = [e.path for e in _lint_doc(doc)]
    assert paths, "a changed max must be reported"
    assert all(p.startswith(f"sections[{s}]") for p in paths)
    assert f"sections[{s}]" in paths or f"sections[{s}].items[{i}]" in paths


@pytest.mark.parametrize("form_id", FORM_IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_linter_rejects_a_changed_section_max(form_id, data):
    doc = copy.deepcopy(RAW[form_id])
    s = data.draw(st.integers(0, len(doc["sections"]) - 1))
    doc["sections"][s]["max"] += data.draw(st.sampled_from([-2, -1, 1, 2]))
    messages = [f"{e.path}: {e.message}" for e in _lint_doc(doc)]
    assert len(messages) == 1
    assert messages[0].startswith(f"sections[{s}]: declared max ")


@pytest.mark.parametrize("form_id", FORM_IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_linter_rejects_a_duplicate_id(form_id, data):
    doc = copy.deepcopy(RAW[form_id])
    items = _items(doc)
    a, b = data.draw(st.lists(st.integers(0, len(items) - 1), min_size=2, max_size=2, unique=True))
    items[b][2]["id"] = items[a][2]["id"]
    errors = _lint_doc(doc)
    later = max(a, b)
    s, i, _ = items[later]
    assert [e.path for e in errors if "duplicate item id" in e.message] == [f"sections[{s}].items[{i}]"]


@pytest.mark.parametrize("form_id", FORM_IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_linter_rejects_a_band_gap(form_id, data):
    doc = copy.deepcopy(RAW[form_id])
    b = data.draw(st.integers(0, len(doc["bands"]) - 1))
    band = doc["bands"][b]
    width = band["max"] - band["min"]
    shift = Decimal(data.draw(st.integers(1, int(width * 100) - 1))) / 100
    band["min"] = float(band["min"] + shift)
    assert [e.path for e in _lint_doc(doc) if e.message.startswith("gap in bands")] == [f"bands[{b}]"]


@pytest.mark.parametrize("form_id", ["QC-STATION"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_linter_rejects_a_choice_above_max(form_id, data):
    doc = copy.deepcopy(RAW[form_id])
    choices = [(s, i, item) for s, i, item in _items(doc) if item["kind"] == "choice"]
    s, i, item = data.draw(st.sampled_from(choices))
    key = data.draw(st.sampled_from(sorted(item["choices"])))
    bump = data.draw(st.integers(1, 500)) / 100
    value = Decimal(str(item["max"])) + Decimal(str(bump))
    item["choices"][key]["points"] = float(value)
    messages = [f"{e.path}: {e.message}" for e in _lint_doc(doc)]
    assert (
        f"sections[{s}].items[{i}]: choice '{key}' ({value.normalize():f}) exceeds item max {item['max']}"
        in (messages)
    )


@pytest.mark.parametrize("form_id", FORM_IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_linter_rejects_an_unknown_kind(form_id, data):
    doc = copy.deepcopy(RAW[form_id])
    s, i, item = data.draw(st.sampled_from(_items(doc)))
    kind = data.draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in KINDS))
    item["kind"] = kind
    errors = _lint_doc(doc)
    assert [e.path for e in errors if e.message.startswith("unknown item kind")] == [
        f"sections[{s}].items[{i}]"
    ]
