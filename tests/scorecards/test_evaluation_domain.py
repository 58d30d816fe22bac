"""Live scoring while filling: check_answer and partial_score agree with score (FORM-A, FORM-B)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dudao.scorecards.domain import AnswersInvalid, ScoreForm, check_answer, partial_score, score
from tests.scorecards.helpers import clean_answers, form

FORMS = ("QC-STATION", "CQ-RENEWAL")


def _value(item) -> st.SearchStrategy[Any]:
    if item.kind == "choice":
        return st.sampled_from([c.key for c in item.choices])
    if item.kind == "bonus":
        return st.booleans()
    counts = [st.integers(0, r.max_count if r.max_count is not None else 12) for r in item.rules]
    return counts[0] if len(counts) == 1 else st.tuples(*counts).map(list)


@st.composite
def answer_sets(draw, form_id: str) -> tuple[ScoreForm, dict[str, Any], set[str]]:
    """A complete valid answer set and a random subset of item ids treated as answered."""
    f = form(form_id)
    answers = {item.id: draw(_value(item)) for item in f.items}
    answered = draw(st.sets(st.sampled_from([i.id for i in f.items])))
    return f, answers, answered


@pytest.mark.parametrize("form_id", FORMS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_partial_score_brackets_the_final_score_and_equals_it_when_complete(form_id, data):
    f, answers, answered = data.draw(answer_sets(form_id))
    final = score(f, answers)
    partial = partial_score(f, {k: v for k, v in answers.items() if k in answered})
    assert partial.answered == len(answered) and partial.item_count == len(f.items)
    # Unanswered items can only add points (each ≥ 0) up to their max: total ≤ final ≤ ceiling.
    assert partial.total <= final.total <= partial.ceiling <= f.cap
    assert partial.items == {k: final.items[k] for k in answered}
    assert {b.id for b in f.bands}.issuperset({partial.band_low, partial.band_high})
    for item_id in answered:
        assert check_answer(f, item_id, answers[item_id]) == final.items[item_id]
    complete = partial_score(f, answers)
    assert complete.complete
    assert (complete.total, complete.ceiling, complete.items, complete.sections) == (
        final.total,
        final.total,
        final.items,
        final.sections,
    )
    assert complete.band_low == complete.band_high == final.band


def test_partial_score_of_nothing_spans_every_band():
    f = form("CQ-RENEWAL")
    empty = partial_score(f, {})
    assert (empty.total, empty.ceiling, empty.answered, empty.item_count) == (Decimal(0), Decimal(100), 0, 43)
    assert (empty.band_low, empty.band_high, empty.complete) == ("refuse", "renew", False)
    # All deductions answered with none found, bonus unanswered: 96 reached, 100 still possible.
    no_bonus = {k: v for k, v in clean_answers("CQ-RENEWAL").items() if not k.startswith("D")}
    live = partial_score(f, no_bonus)
    assert (live.total, live.ceiling, live.band_low, live.band_high) == (96, 100, "renew", "renew")
    assert live.sections == {"A": 10, "B": 67, "C": 19, "D": 0}


def test_check_answer_uses_the_engine_messages():
    f = form("QC-STATION")
    assert check_answer(f, "1.1", "partial") == 2
    assert check_answer(f, "B1", True) == 5
    with pytest.raises(AnswersInvalid) as exc:
        check_answer(f, "3.1", "partial")
    assert exc.value.problems == [("3.1", '项目 3.1:答案应为选项 full、none 之一,收到 "partial"')]
    with pytest.raises(AnswersInvalid) as exc:
        check_answer(f, "9.9", "full")
    assert exc.value.problems == [("9.9", "项目 9.9:评估表 QC-STATION 中没有此项目")]
    with pytest.raises(AnswersInvalid) as exc:
        partial_score(f, {"1.1": "best"})
    assert exc.value.problems == [("1.1", '项目 1.1:答案应为选项 full、partial、none 之一,收到 "best"')]
