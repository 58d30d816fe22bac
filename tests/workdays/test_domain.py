"""Working-day calendar rules (CAL-1…4, REN-8): exact examples and hypothesis properties, no database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dudao.common.errors import ValidationFailed
from dudao.workdays.domain import (
    MAX_COUNT,
    Calendar,
    Count,
    DayKind,
    Result,
    YearArrangement,
    parse_date_list,
    statutory_holidays,
    validate_arrangement,
)

D = dt.date
SHIPPED = Path(__file__).resolve().parents[2] / "dudao" / "workdays" / "data" / "arrangements.json"


def _shipped_calendar() -> Calendar:
    doc = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return Calendar.from_arrangements(
        validate_arrangement(
            year=a["year"], days_off=a["days_off"], workdays=a["workdays"], confirmed=a["confirmed"]
        )
        for a in doc["arrangements"]
    )


CAL = _shipped_calendar()


def _span(a: dt.date, b: dt.date):
    d = a
    while d <= b:
        yield d
        d += dt.timedelta(days=1)


# --- CAL-2 / CAL-4 exact examples ------------------------------------------------------------------


def test_cal2_example_national_day_2024():
    # 2024-09-27 (Fri) + 10: Sep 29 (Sun) worked, Oct 1–7 off, Oct 12 (Sat) worked.
    assert CAL.add_workdays(D(2024, 9, 27), 10) == Result(D(2024, 10, 16), False)


def test_adjusted_workday_counts_2025_spring_festival():
    # 2025-01-26 is a Sunday worked before the Spring Festival (CAL-4).
    assert CAL.add_workdays(D(2025, 1, 24), 1) == Result(D(2025, 1, 26), False)
    assert CAL.day_kind(D(2025, 1, 26)) is DayKind.ADJUSTED_WORKDAY


def test_spring_festival_2025_span():
    off = list(_span(D(2025, 1, 28), D(2025, 2, 4)))
    assert all(CAL.day_kind(d) is DayKind.HOLIDAY for d in off)
    assert CAL.is_workday(D(2025, 1, 27)) and CAL.is_workday(D(2025, 2, 5))
    assert CAL.is_workday(D(2025, 2, 8))  # Saturday worked
    assert not CAL.is_workday(D(2025, 2, 9))  # ordinary Sunday
    # Friday 01-24 → Sun 01-26, Mon 01-27, then nothing until Wed 02-05.
    assert CAL.add_workdays(D(2025, 1, 24), 3).date == D(2025, 2, 5)
    assert CAL.workdays_between(D(2025, 1, 27), D(2025, 2, 5)) == 1


def test_spring_festival_2026_span():
    assert all(CAL.day_kind(d) is DayKind.HOLIDAY for d in _span(D(2026, 2, 15), D(2026, 2, 23)))
    assert CAL.day_kind(D(2026, 2, 14)) is DayKind.ADJUSTED_WORKDAY  # Saturday
    assert CAL.day_kind(D(2026, 2, 28)) is DayKind.ADJUSTED_WORKDAY  # Saturday
    assert CAL.add_workdays(D(2026, 2, 13), 1) == Result(D(2026, 2, 14), False)
    assert CAL.add_workdays(D(2026, 2, 14), 1) == Result(D(2026, 2, 24), False)


def test_mid_autumn_and_national_day_2026():
    assert all(not CAL.is_workday(d) for d in _span(D(2026, 9, 25), D(2026, 9, 27)))
    assert all(not CAL.is_workday(d) for d in _span(D(2026, 10, 1), D(2026, 10, 7)))
    assert CAL.day_kind(D(2026, 9, 20)) is DayKind.ADJUSTED_WORKDAY  # Sunday
    assert CAL.day_kind(D(2026, 10, 10)) is DayKind.ADJUSTED_WORKDAY  # Saturday
    assert CAL.add_workdays(D(2026, 9, 18), 1).date == D(2026, 9, 20)
    assert CAL.add_workdays(D(2026, 9, 24), 1).date == D(2026, 9, 28)
    # Sep 28, 29, 30, then Oct 8, 9, 10 (Sat worked), 12.
    assert CAL.add_workdays(D(2026, 9, 25), 7).date == D(2026, 10, 12)


def test_2024_all_cal4_days():
    off = [D(2024, 1, 1), *_span(D(2024, 2, 10), D(2024, 2, 17)), *_span(D(2024, 4, 4), D(2024, 4, 6))]
    off += [*_span(D(2024, 5, 1), D(2024, 5, 5)), D(2024, 6, 10), *_span(D(2024, 9, 15), D(2024, 9, 17))]
    off += [*_span(D(2024, 10, 1), D(2024, 10, 7))]
    worked = [
        D(2024, m, d) for m, d in [(2, 4), (2, 18), (4, 7), (4, 28), (5, 11), (9, 14), (9, 29), (10, 12)]
    ]
    assert all(not CAL.is_workday(d) for d in off)
    assert all(CAL.day_kind(d) is DayKind.ADJUSTED_WORKDAY for d in worked)
    # 2024 has 262 Mon–Fri days; 19 of the days off are weekdays; 8 weekend days worked.
    assert CAL.workdays_between(D(2023, 12, 31), D(2024, 12, 31)) == 262 - 19 + 8 == 251


def test_zero_and_negative_counts():
    assert CAL.add_workdays(D(2024, 10, 5), 0) == Result(D(2024, 10, 5), False)  # start even if a holiday
    assert CAL.add_workdays(D(2027, 3, 1), 0) == Result(D(2027, 3, 1), True)
    # Backwards: the 10th working day before 2024-10-16 is 2024-09-27 (mirror of CAL-2's example).
    assert CAL.add_workdays(D(2024, 10, 16), -10) == Result(D(2024, 9, 27), False)
    # Counting back from a holiday: the working day before 2024-10-05 is Sun 09-29 (worked)... then 09-30.
    assert CAL.add_workdays(D(2024, 10, 5), -1).date == D(2024, 9, 30)
    assert CAL.add_workdays(D(2024, 10, 5), -2).date == D(2024, 9, 29)


def test_between_remaining_and_overdue():
    assert CAL.workdays_between(D(2024, 9, 27), D(2024, 10, 16)) == 10
    assert CAL.workdays_between(D(2024, 10, 16), D(2024, 9, 27)) == -10
    assert CAL.workdays_between(D(2024, 10, 16), D(2024, 10, 16)) == 0
    # Deadline Friday 2025-03-07, today Monday 2025-03-10 → 已逾期 1 个工作日.
    assert CAL.workdays_between(D(2025, 3, 10), D(2025, 3, 7)) == -1
    assert CAL.between(D(2026, 12, 30), D(2027, 1, 5)) == Count(
        3, True
    )  # 12-31, 01-04, 01-05 (01-01 statutory)


# --- CAL-3: fallback and provisional ------------------------------------------------------------------


def test_count_reaching_unconfirmed_year_is_provisional():
    result = CAL.add_workdays(D(2026, 12, 20), 10)
    assert result == Result(D(2027, 1, 4), True)  # 12-21..12-25, 12-28..12-31 = 9, 01-01 statutory, 01-04
    assert CAL.add_workdays(D(2026, 12, 18), 5) == Result(D(2026, 12, 25), False)


def test_fallback_trusts_only_statutory_days_not_library_guesses():
    # holidays.CN guesses 2027-10-04 as an observed day off and knows no 2027 调休; neither is trusted.
    assert statutory_holidays(2027) >= {D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3), D(2027, 2, 5)}
    assert D(2027, 10, 4) not in statutory_holidays(2027)
    assert CAL.day_kind(D(2027, 10, 1)) is DayKind.HOLIDAY
    assert CAL.day_kind(D(2027, 10, 4)) is DayKind.WORKDAY
    assert not CAL.is_confirmed(2027)


def test_library_notice_data_is_not_confirmation():
    # Without a loaded arrangement, 2026 falls back even though holidays.CN has 2026 notice data:
    # the library's 调休 Saturday 2026-02-14 is not a workday and the result is provisional.
    empty = Calendar()
    assert not empty.is_confirmed(2026)
    assert empty.day_kind(D(2026, 2, 14)) is DayKind.WEEKEND
    assert D(2026, 2, 20) not in statutory_holidays(2026)  # the bridging day off is notice data
    assert empty.add_workdays(D(2026, 2, 13), 1) == Result(D(2026, 2, 20), True)
    assert statutory_holidays(2026) == {
        D(2026, 1, 1), D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19), D(2026, 4, 5),
        D(2026, 5, 1), D(2026, 5, 2), D(2026, 6, 19), D(2026, 9, 25), D(2026, 10, 1), D(2026, 10, 2),
        D(2026, 10, 3),
    }  # fmt: skip


def test_unconfirmed_arrangement_is_used_but_provisional():
    draft = YearArrangement(2027, frozenset({D(2027, 10, 4)}), frozenset({D(2027, 9, 26)}), confirmed=False)
    cal = Calendar.from_arrangements([draft])
    assert cal.day_kind(D(2027, 10, 4)) is DayKind.HOLIDAY
    assert cal.day_kind(D(2027, 10, 1)) is DayKind.WORKDAY  # a loaded arrangement is complete
    assert cal.add_workdays(D(2027, 9, 24), 1) == Result(D(2027, 9, 26), True)


def test_from_records():
    cal = Calendar.from_records({2030: (["2030-10-01"], ["2030-09-29"], True)})
    assert cal.is_confirmed(2030) and not cal.is_confirmed(2029)
    # Fri 09-27 → Sun 09-29 (worked), Mon 09-30, Tue 10-01 off, Wed 10-02.
    assert cal.add_workdays(D(2030, 9, 27), 1) == Result(D(2030, 9, 29), False)
    assert cal.add_workdays(D(2030, 9, 27), 3) == Result(D(2030, 10, 2), False)


def test_start_year_unconfirmed_makes_result_provisional():
    assert CAL.add_workdays(D(2023, 12, 29), 1) == Result(D(2024, 1, 2), True)


def test_limits():
    with pytest.raises(ValidationFailed, match="5000"):
        CAL.add_workdays(D(2024, 1, 1), MAX_COUNT + 1)
    with pytest.raises(ValidationFailed, match="整数"):
        CAL.add_workdays(D(2024, 1, 1), 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="支持范围"):
        CAL.add_workdays(D(2100, 12, 1), 100)
    with pytest.raises(ValidationFailed, match="支持范围"):
        CAL.workdays_between(D(1900, 1, 1), D(2024, 1, 1))
    far = CAL.add_workdays(D(2024, 1, 1), MAX_COUNT)
    assert far.provisional and far.date.year == 2043  # about 250 working days a year
    assert sum(1 for d in _span(D(2024, 1, 2), far.date) if CAL.is_workday(d)) == MAX_COUNT


def test_month_days():
    days = CAL.month_days(2024, 10)
    assert len(days) == 31
    assert days[0] == (D(2024, 10, 1), DayKind.HOLIDAY)
    assert days[11] == (D(2024, 10, 12), DayKind.ADJUSTED_WORKDAY)
    assert days[12] == (D(2024, 10, 13), DayKind.WEEKEND)
    assert days[13] == (D(2024, 10, 14), DayKind.WORKDAY)
    assert len(CAL.month_days(2024, 12)) == 31 and len(CAL.month_days(2024, 2)) == 29


# --- validation of arrangements -------------------------------------------------------------------------


def test_validate_arrangement_errors():
    with pytest.raises(ValidationFailed) as exc:
        validate_arrangement(
            year=2027,
            days_off=["2027-10-01", "2027-10-01", "2028-01-01", "2027-02-30", "2027-10-09"],
            workdays=["2027-10-08", "2027-10-09", "2027-10-09"],
        )
    detail = exc.value.detail
    assert detail["days_off"] == [
        "“2027-02-30”不是有效日期,应为 YYYY-MM-DD",
        "2028-01-01 不属于 2027 年",
        "2027-10-01 重复列出",
    ]
    assert detail["workdays"] == [
        "2027-10-08 不是周六或周日,调休上班日只能是周末",
        "2027-10-09 重复列出",
        "2027-10-09 同时列为放假日和调休上班日",
    ]
    assert exc.value.message == "节假日安排有误:“2027-02-30”不是有效日期,应为 YYYY-MM-DD"


@pytest.mark.parametrize(
    ("year", "message"),
    [("abc", "年度必须是整数"), (1949, "年度须在 1950–2100 之间"), (True, "年度必须是整数")],
)
def test_validate_arrangement_year(year, message):
    with pytest.raises(ValidationFailed, match=message):
        validate_arrangement(year=year, days_off=[], workdays=[])


def test_validate_arrangement_ok_sorted_sets():
    a = validate_arrangement(year="2027", days_off=[D(2027, 1, 1), "2027-02-05"], workdays=["2027-02-20"])
    assert a == YearArrangement(2027, frozenset({D(2027, 1, 1), D(2027, 2, 5)}), frozenset({D(2027, 2, 20)}))


def test_parse_date_list_ranges_and_separators():
    text = "2026-01-01~2026-01-03\n2026-02-15 … 2026-02-17, 2026-04-04、2026-05-01至2026-05-02；2026-10-01"
    assert parse_date_list(text) == [
        D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3), D(2026, 2, 15), D(2026, 2, 16), D(2026, 2, 17),
        D(2026, 4, 4), D(2026, 5, 1), D(2026, 5, 2), D(2026, 10, 1),
    ]  # fmt: skip
    assert parse_date_list("  \n ") == []
    with pytest.raises(ValidationFailed, match="结束日期早于开始日期"):
        parse_date_list("2026-01-03~2026-01-01")
    with pytest.raises(ValidationFailed, match="不是有效日期"):
        parse_date_list("2026-1-3")


# --- hypothesis properties ---------------------------------------------------------------------------

dates = st.dates(min_value=D(2022, 1, 1), max_value=D(2028, 12, 31))
counts = st.integers(min_value=0, max_value=400)


@st.composite
def calendars(draw):
    """Random arrangements for some of 2022–2029 (confirmed or not); the rest fall back."""
    arrangements = []
    for year in draw(st.sets(st.integers(2022, 2029), max_size=8)):
        year_dates = st.dates(min_value=D(year, 1, 1), max_value=D(year, 12, 31))
        off = draw(st.sets(year_dates, max_size=40))
        weekends = draw(st.sets(year_dates.filter(lambda d: d.weekday() >= 5), max_size=10))
        arrangements.append(
            YearArrangement(year, frozenset(off), frozenset(weekends - off), draw(st.booleans()))
        )
    return Calendar.from_arrangements(arrangements)


any_calendar = st.one_of(st.just(CAL), calendars())
hsettings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@hsettings
@given(any_calendar, dates, st.integers(min_value=1, max_value=400))
def test_result_is_a_workday(cal, start, n):
    result = cal.add_workdays(start, n)
    assert result.date > start
    assert cal.is_workday(result.date)


@hsettings
@given(any_calendar, dates, counts, counts)
def test_add_is_monotonic(cal, start, n1, n2):
    if n1 < n2:
        assert cal.add_workdays(start, n1).date < cal.add_workdays(start, n2).date


@hsettings
@given(any_calendar, dates, counts)
def test_between_inverts_add(cal, start, n):
    end = cal.add_workdays(start, n).date
    assert cal.workdays_between(start, end) == n
    assert cal.workdays_between(end, start) == -n


@hsettings
@given(any_calendar, dates, dates)
def test_between_matches_day_by_day_count(cal, a, b):
    lo, hi = min(a, b), max(a, b)
    brute = sum(1 for d in _span(lo + dt.timedelta(days=1), hi) if cal.is_workday(d))
    assert cal.workdays_between(a, b) == (brute if a <= b else -brute)


@hsettings
@given(any_calendar, dates, st.integers(min_value=1, max_value=400))
def test_backward_count_mirrors_forward(cal, start, n):
    back = cal.add_workdays(start, -n).date
    assert back < start and cal.is_workday(back)
    # |n| working days in [back, start): start is not counted, back is.
    assert sum(1 for d in _span(back, start - dt.timedelta(days=1)) if cal.is_workday(d)) == n
    if cal.is_workday(start):
        assert cal.add_workdays(cal.add_workdays(start, n).date, -n).date == start


@hsettings
@given(any_calendar, dates, st.integers(min_value=-400, max_value=400))
def test_provisional_iff_an_unconfirmed_year_is_reached(cal, start, n):
    result = cal.add_workdays(start, n)
    lo, hi = min(start, result.date), max(start, result.date)
    years = range(lo.year, hi.year + 1)
    assert result.provisional == any(not cal.is_confirmed(y) for y in years)


@hsettings
@given(dates)
def test_unlisted_weekends_are_never_workdays_in_confirmed_years(d):
    if CAL.is_confirmed(d.year) and d.weekday() >= 5:
        worked = CAL.arrangements[d.year].workdays
        assert CAL.is_workday(d) == (d in worked)


@hsettings
@given(calendars(), dates)
def test_weekends_need_a_listed_workday(cal, d):
    if d.weekday() >= 5 and cal.is_workday(d):
        assert d.year in cal.arrangements and d in cal.arrangements[d.year].workdays


@hsettings
@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 12, 31)), counts)
def test_shipped_years_are_confirmed(start, n):
    result = CAL.add_workdays(start, n)
    assert result.provisional == (result.date.year >= 2027)


# --- the shipped data ------------------------------------------------------------------------------


def test_shipped_file_is_cal4():
    doc = json.loads(SHIPPED.read_text(encoding="utf-8"))
    by_year = {a["year"]: a for a in doc["arrangements"]}
    assert sorted(by_year) == [2024, 2025, 2026]
    assert all(a["confirmed"] is True and "国务院办公厅" in a["source"] for a in by_year.values())
    assert by_year[2025]["workdays"] == ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
    assert by_year[2026]["workdays"] == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"
    ]  # fmt: skip
    assert len(by_year[2024]["days_off"]) == 1 + 8 + 3 + 5 + 1 + 3 + 7
    assert len(by_year[2025]["days_off"]) == 1 + 8 + 3 + 5 + 3 + 8
    assert len(by_year[2026]["days_off"]) == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_shipped_file_agrees_with_library_notice_data():
    # An independent transcription of the same State Council notices (holidays.CN) for 2024–2026.
    import holidays

    for year in (2024, 2025, 2026):
        lib = holidays.CN(years=year)
        for d in _span(D(year, 1, 1), D(year, 12, 31)):
            expected = (d.weekday() < 5 and d not in lib) or d in lib.weekend_workdays
            assert CAL.is_workday(d) == expected, d


def test_deadline_status_labels():
    left = CAL.deadline_status(D(2024, 9, 27), D(2024, 10, 16))
    assert (left.days, left.overdue, left.label) == (10, False, "剩余 10 个工作日")
    late = CAL.deadline_status(D(2025, 3, 10), D(2025, 3, 7))
    assert (late.days, late.overdue, late.label) == (1, True, "已逾期 1 个工作日")
    # Deadline Friday, today Saturday: overdue by 0 working days, not "remaining".
    assert CAL.deadline_status(D(2025, 3, 8), D(2025, 3, 7)).label == "已逾期 0 个工作日"
    assert CAL.deadline_status(D(2025, 3, 7), D(2025, 3, 7)).label == "剩余 0 个工作日"
    assert CAL.deadline_status(D(2026, 12, 28), D(2027, 1, 5)).label == "剩余 5 个工作日(临时)"
