"""Pure rules of the national upload (EXAM-12, CERT-3, FORM-B C4.2): calendar months, the six-month boundary
on both sides, the cadence's next due day, the export's settings and columns."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.exams.domain import upload as rules
from dudao.exams.domain.upload import CertificateState as C

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2027, 1, 15), 6, D(2027, 7, 15)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),  # February lacks the 31st: its last day
        (D(2027, 8, 31), 6, D(2028, 2, 29)),  # leap year
        (D(2026, 12, 31), 6, D(2027, 6, 30)),
        (D(2026, 7, 1), 6, D(2027, 1, 1)),  # across the year
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 1, 31), 0, D(2026, 1, 31)),
    ],
)
def test_add_months_is_calendar_months(day, months, expected):
    assert rules.add_months(day, months) == expected


def test_the_deadline_day_itself_is_compliant_the_next_day_is_not():
    issued = D(2027, 1, 15)
    assert rules.upload_deadline(issued) == D(2027, 7, 15)
    assert rules.is_overdue(issued, D(2027, 7, 14)) is False
    assert rules.is_overdue(issued, D(2027, 7, 15)) is False  # exactly six months: not "more than"
    assert rules.is_overdue(issued, D(2027, 7, 16)) is True


def test_month_end_boundary():
    issued = D(2026, 8, 31)
    assert rules.is_overdue(issued, D(2027, 2, 28)) is False
    assert rules.is_overdue(issued, D(2027, 3, 1)) is True


def test_batch_compliance_states():
    issued = D(2027, 1, 15)
    on_deadline, after = D(2027, 7, 15), D(2027, 7, 16)
    assert rules.batch_compliance([], after).status == "none"
    assert rules.batch_compliance([], after).compliant is True
    pending = [C(issued, None), C(issued, D(2027, 2, 1))]
    state = rules.batch_compliance(pending, on_deadline)
    assert (state.status, state.compliant, state.pending, state.overdue, state.deadline) == (
        "pending",
        True,
        1,
        0,
        D(2027, 7, 15),
    )
    state = rules.batch_compliance(pending, after)
    assert (state.status, state.compliant, state.pending, state.overdue, state.total) == (
        "overdue",
        False,
        1,
        1,
        2,
    )
    assert state.label == "超过 6 个月未上报"
    in_time = [C(issued, D(2027, 7, 15))]
    assert rules.batch_compliance(in_time, D(2028, 1, 1)).status == "uploaded"
    late = [C(issued, D(2027, 7, 16)), C(issued, D(2027, 2, 1))]
    state = rules.batch_compliance(late, D(2028, 1, 1))
    assert (state.status, state.compliant, state.late, state.deadline) == ("late", False, 1, None)


def test_a_late_upload_is_non_compliant_even_with_others_pending_in_time():
    issued = D(2027, 1, 15)
    state = rules.batch_compliance([C(issued, D(2027, 7, 16)), C(D(2027, 6, 1), None)], D(2027, 7, 20))
    assert (state.status, state.compliant, state.pending, state.late) == ("late", False, 1, 1)


def test_the_overdue_cutoff_agrees_with_the_rule_every_day():
    start = D(2026, 1, 1)
    issue_days = [start + dt.timedelta(days=n) for n in range(0, 800)]
    for today in (start + dt.timedelta(days=n) for n in range(180, 800, 1)):
        cutoff = rules.overdue_cutoff(today)
        near = [d for d in issue_days if abs((d - cutoff).days) <= 40]
        assert all(rules.is_overdue(d, today) == (d < cutoff) for d in near), today


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        (D(2027, 7, 16), D(2027, 1, 16)),
        (D(2027, 7, 15), D(2027, 1, 15)),
        (D(2027, 3, 31), D(2026, 10, 1)),  # 09-30 is due 03-30: overdue on 03-31
        (D(2027, 3, 1), D(2026, 9, 1)),  # 08-29..08-31 are due 02-28
        (D(2027, 2, 28), D(2026, 8, 28)),
    ],
)
def test_overdue_cutoff_examples(today, cutoff):
    assert rules.overdue_cutoff(today) == cutoff


def test_the_earliest_pending_deadline_is_the_batchs():
    state = rules.batch_compliance([C(D(2027, 3, 1), None), C(D(2027, 1, 15), None)], D(2027, 2, 1))
    assert state.deadline == D(2027, 7, 15)


@pytest.mark.parametrize(
    ("today", "days", "expected"),
    [
        (D(2027, 1, 9), (10, 25), D(2027, 1, 10)),
        (D(2027, 1, 10), (10, 25), D(2027, 1, 10)),  # the day itself
        (D(2027, 1, 11), (10, 25), D(2027, 1, 25)),
        (D(2027, 1, 25), (10, 25), D(2027, 1, 25)),
        (D(2027, 1, 26), (10, 25), D(2027, 2, 10)),
        (D(2027, 12, 26), (10, 25), D(2028, 1, 10)),
        (D(2027, 2, 1), (31,), D(2027, 2, 28)),  # a day the month lacks: its last day
        (D(2027, 3, 1), (15,), D(2027, 3, 15)),
    ],
)
def test_next_due(today, days, expected):
    assert rules.next_due(today, days) == expected


def test_settings_parsers():
    assert rules.parse_format(" CSV ") == "csv"
    assert rules.parse_days("25,10") == (10, 25)
    assert rules.parse_days("10,10,25") == (10, 25)
    assert rules.parse_days("1,31") == (1, 31)
    for bad in ("pdf", "", None):
        with pytest.raises(rules.UploadSettingError, match="无效"):
            rules.parse_format(bad)
    for bad in ("0", "32", "x", "10,", ""):
        if bad == "10,":
            assert rules.parse_days(bad) == (10,)
            continue
        with pytest.raises(rules.UploadSettingError):
            rules.parse_days(bad)


def test_columns_are_defined_once_with_chinese_headers():
    fields = [f for f, _ in rules.COLUMNS]
    assert len(fields) == len(set(fields))
    assert dict(rules.COLUMNS)["id_number"] == "证件号码"
    assert fields[0] == "number" and "status" in fields
