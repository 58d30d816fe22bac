"""Pure rules of the lifecycle (workflow.py) and the shape of the transition tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dudao.common.errors import ValidationFailed
from dudao.supervision import workflow
from dudao.supervision.models import Draw, SupervisionTask
from dudao.supervision.transitions import AFTER_REPORT, DRAW_TRANSITIONS, TASK_TRANSITIONS

CST = dt.timezone(dt.timedelta(hours=8))
S = SupervisionTask.Status


@given(
    st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31)),
    st.integers(min_value=0, max_value=60),
)
def test_report_due_is_n_calendar_days_after_the_last_evaluation_day(end, days):
    end = end.replace(tzinfo=CST)
    due = workflow.report_due_on(end, days)
    last_day = (end - dt.timedelta(microseconds=1)).date()
    assert due - last_day == dt.timedelta(days=days)
    assert due >= last_day


def test_report_due_examples():
    # SUP-7: an evaluation ending 2025-06-02 17:00 → report due 2025-06-04; ending at midnight → previous day.
    assert workflow.report_due_on(dt.datetime(2025, 6, 2, 17, tzinfo=CST), 2) == dt.date(2025, 6, 4)
    assert workflow.report_due_on(dt.datetime(2025, 6, 3, 0, tzinfo=CST), 2) == dt.date(2025, 6, 4)
    assert workflow.is_late(dt.date(2025, 6, 4), dt.date(2025, 6, 4)) is False
    assert workflow.is_late(dt.date(2025, 6, 5), dt.date(2025, 6, 4)) is True


@given(st.fixed_dictionaries({k: st.integers(1, 5) for k in workflow.RATING_ITEMS}))
def test_rating_total_is_the_sum_and_bands_are_monotonic(scores):
    total = workflow.rating_total(scores)
    assert total == sum(scores.values())
    assert 5 <= total <= 25
    order = ["不满意", "基本满意", "满意"]
    assert order.index(workflow.rating_band(total)) >= order.index(workflow.rating_band(max(5, total - 1)))


def test_rating_refuses_missing_out_of_range_and_unknown_items():
    with pytest.raises(ValidationFailed) as exc:
        workflow.rating_total({"punctuality": 6, "duties": 5, "objectivity": 5, "discipline": 5, "extra": 1})
    assert set(exc.value.detail) == {"scores.punctuality", "scores.conduct", "scores.extra"}
    assert workflow.rating_band(20) == "满意"
    assert workflow.rating_band(19) == "基本满意"
    assert workflow.rating_band(14) == "不满意"


def test_content_areas_and_group_rule():
    assert workflow.check_content_areas(["2.4", "1", "2.4"]) == ["1", "2.4"]
    with pytest.raises(ValidationFailed):
        workflow.check_content_areas(["9"])
    with pytest.raises(ValidationFailed):
        workflow.check_content_areas([], required=True)
    workflow.check_group("special", 3, "")
    workflow.check_group("daily", 1, "")
    workflow.check_group("special", 2, "辖区人员不足")
    with pytest.raises(ValidationFailed) as exc:
        workflow.check_group("special", 2, "  ")
    assert exc.value.code == "act4_reason"


@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4))
def test_scenario_weights_are_exact_json_numbers(weight):
    value = workflow.scenario_weight(weight, Decimal(1))
    assert Decimal(repr(value)) == weight  # the engine reads the JSON number's text exactly
    assert isinstance(value, int) == (weight == weight.to_integral_value())


def test_task_table_is_closed_and_every_status_reachable():
    assert set(TASK_TRANSITIONS) == set(S.values)
    for targets in TASK_TRANSITIONS.values():
        assert set(targets) <= set(S.values)
    assert TASK_TRANSITIONS[S.CLOSED] == {} and TASK_TRANSITIONS[S.CANCELLED] == {}
    seen, frontier = {S.DISPATCHED}, [S.DISPATCHED]
    while frontier:
        for nxt in TASK_TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(S.values)
    # Nothing before the report leads past it without the report step (the institution's visibility).
    for status in (S.DISPATCHED, S.DECLINED, S.ACCEPTED):
        assert not set(TASK_TRANSITIONS[status]) & AFTER_REPORT
    assert set(TASK_TRANSITIONS[S.ON_SITE]) == {S.REPORT_SUBMITTED}


def test_draw_table_runs_one_way():
    D = Draw.Status
    assert DRAW_TRANSITIONS[D.DEFINED].keys() == {D.PUBLISHED, D.CANCELLED}
    assert DRAW_TRANSITIONS[D.RUN].keys() == {D.LOCKED}  # a computed result is never discarded
    assert DRAW_TRANSITIONS[D.LOCKED] == {}
