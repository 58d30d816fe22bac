"""Complaint deadlines (COMPL-2) counted with the CAL-4 calendar (CAL-1…3), and the status table."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.common.errors import ValidationFailed
from dudao.complaints import domain
from dudao.complaints.domain import Status, plan, summary_zh, transition
from tests.renewals.cal4 import cal4_calendar

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def cal():
    return cal4_calendar()


@pytest.mark.parametrize(
    ("received", "accept_by"),
    [
        ("2026-12-03", "2026-12-08"),  # Thursday: Fri, Mon, Tue (CAL-2: the day itself not counted)
        ("2026-12-04", "2026-12-09"),  # Friday: the weekend is skipped
        ("2026-12-05", "2026-12-09"),  # Saturday: counts from Monday as for Friday
        ("2026-12-07", "2026-12-10"),  # Monday
        ("2026-09-30", "2026-10-10"),  # before National Day: 10-08, 10-09, Saturday 10-10 worked (CAL-4)
        ("2026-09-29", "2026-10-09"),  # one day earlier: 09-30, 10-08, 10-09
        ("2024-09-27", "2024-10-08"),  # Sunday 2024-09-29 worked, then 09-30, 10-08
        ("2026-12-28", "2026-12-31"),  # the last deadline inside the confirmed year
    ],
)
def test_accept_by_three_working_days(cal, received, accept_by):
    p = plan(D(received), None, cal)
    assert p.as_json() == {"accept_by": accept_by, "result_by": None, "provisional": False}


def test_deadline_reaching_an_unloaded_year_is_provisional(cal):
    p = plan(D("2026-12-29"), None, cal)  # 12-30, 12-31, then 2027 (not loaded; 01-01 a festival)
    assert p.as_json() == {"accept_by": "2027-01-04", "result_by": None, "provisional": True}
    assert p.unconfirmed_years == (2027,)
    assert "2027 年节假日安排尚未确认" in summary_zh(p, 3, 7)
    assert plan(D("2027-03-01"), None, cal).provisional is True
    assert "临时" not in summary_zh(plan(D("2026-12-28"), None, cal), 3, 7)


@pytest.mark.parametrize(
    ("accepted", "result_by", "provisional"),
    [
        ("2026-12-21", "2026-12-30", False),
        ("2026-12-22", "2026-12-31", False),  # last result inside 2026
        ("2026-12-23", "2027-01-04", True),  # reaches 2027: provisional although accept_by is not
        ("2026-09-28", "2026-10-13", False),  # across National Day: 09-29, 09-30, 10-08…10-10, 10-12, 10-13
    ],
)
def test_result_by_counts_from_acceptance(cal, accepted, result_by, provisional):
    p = plan(D("2026-09-01") if accepted < "2026-12" else D("2026-12-18"), D(accepted), cal)
    assert (p.result_by, p.provisional) == (D(result_by), provisional)
    assert p.as_json()["result_by"] == result_by


def test_result_by_null_without_acceptance_and_configurable_counts(cal):
    assert plan(D("2026-12-03"), None, cal).result_by is None
    p = plan(D("2026-12-03"), D("2026-12-03"), cal, accept_workdays=1, result_workdays=2)
    assert (p.accept_by, p.result_by) == (D("2026-12-04"), D("2026-12-07"))
    assert domain.DEFAULT_ACCEPT_WORKDAYS == 3 and domain.DEFAULT_RESULT_WORKDAYS == 7


def test_acceptance_on_the_receipt_day_is_allowed_but_not_before(cal):
    assert plan(D("2026-12-03"), D("2026-12-03"), cal).result_by == D("2026-12-14")
    with pytest.raises(ValidationFailed) as err:
        plan(D("2026-12-03"), D("2026-12-02"), cal)
    assert err.value.message == "受理日期不能早于收到日期"


@pytest.mark.parametrize("days", [0, 61, True, "3"])
def test_bad_day_counts_refused(cal, days):
    with pytest.raises(ValidationFailed):
        plan(D("2026-12-03"), None, cal, accept_workdays=days)
    with pytest.raises(ValidationFailed):
        plan(D("2026-12-03"), None, cal, result_workdays=days)


def test_limits_of_day_counts_accepted(cal):
    assert plan(D("2026-12-03"), None, cal, accept_workdays=60).accept_by > D("2027-01-01")
    assert plan(D("2026-12-03"), None, cal, accept_workdays=1).accept_by == D("2026-12-04")


@pytest.mark.parametrize("value", ["2026-12-03", dt.datetime(2026, 12, 3, 10, 0), None])
def test_received_must_be_a_date(cal, value):
    with pytest.raises(ValidationFailed, match="收到日期必须是日期"):
        plan(value, None, cal)


def test_out_of_range_dates_refused(cal):
    with pytest.raises(ValidationFailed, match="超出支持范围"):
        plan(D("1899-12-31"), None, cal)


def test_transitions():
    assert transition("received", "accept") is Status.ACCEPTED
    assert transition(Status.RECEIVED, "decline") is Status.DECLINED
    for status in (Status.ACCEPTED, Status.DECLINED):
        for action in ("accept", "decline"):
            with pytest.raises(ValidationFailed, match="不能执行此操作"):
                transition(status, action)
    with pytest.raises(ValidationFailed):
        transition(Status.RECEIVED, "reply")


def test_model_choices_follow_the_domain():
    from dudao.complaints.models import Complaint

    assert dict(Complaint.Category.choices) == {c.value: label for c, label in domain.CATEGORY_LABELS.items()}
    assert dict(Complaint.Status.choices) == {s.value: label for s, label in domain.STATUS_LABELS.items()}
