"""EXAM-11 retake rules (pure): one failed subject only, that subject, once, after the original exam and
within the window (its last day allowed, the next refused), carrying the passed subjects."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.exams.domain.results import judge
from dudao.exams.domain.retake import carried_subjects, retake_refusal
from dudao.exams.domain.upload import add_months

EXAM = dt.date(2026, 8, 31)
THEORY_FAILED = [{"subject": "theory", "mark": 55}, {"subject": "practical", "panel": [80, 82, 78]}]


def refusal(marks=THEORY_FAILED, *, level=4, subject="theory", day=dt.date(2027, 3, 1), **over):
    values = {
        "judged": judge({"level": level, "subjects": marks}),
        "published": True,
        "subject": subject,
        "original_exam_day": EXAM,
        "retake_exam_day": day,
        "already_retaken": False,
        **over,
    }
    return retake_refusal(**values)


def test_the_failed_subject_may_be_retaken_once():
    assert refusal() is None
    assert "补考过一次" in refusal(already_retaken=True)
    assert "补考过一次" in refusal(already_retaken=True, published=False)  # said before anything else
    assert "应为不合格的理论知识考试" in refusal(subject="practical")


def test_only_one_failed_subject():
    both = [{"subject": "theory", "mark": 55}, {"subject": "practical", "mark": 50}]
    assert "只有一个科目不合格" in refusal(both)
    passed = [{"subject": "theory", "mark": 60}, {"subject": "practical", "mark": 60}]
    assert "均已合格" in refusal(passed)
    assert "缺少科目" in refusal([{"subject": "theory", "mark": 55}])


def test_not_before_publication():
    assert "尚未公示" in refusal(published=False)
    assert "尚未公示" in retake_refusal(
        judged=None,
        published=True,
        subject="theory",
        original_exam_day=EXAM,
        retake_exam_day=dt.date(2027, 1, 1),
        already_retaken=False,
    )


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        (EXAM, False),  # not a later batch
        (EXAM + dt.timedelta(days=1), True),
        (dt.date(2027, 8, 31), True),  # the window's last day (12 months)
        (dt.date(2027, 9, 1), False),
    ],
)
def test_the_window(day, allowed):
    assert (refusal(day=day) is None) is allowed


def test_a_shorter_window_is_configurable():
    assert refusal(day=dt.date(2027, 2, 28), window_months=6) is None  # 08-31 + 6 months = 02-28
    assert "2027-02-28" in refusal(day=dt.date(2027, 3, 1), window_months=6)


def test_add_months_at_month_ends():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 1, 15), 12) == dt.date(2027, 1, 15)


def test_the_retake_carries_the_passed_subjects():
    carried = carried_subjects(THEORY_FAILED, "theory")
    assert carried == [{"subject": "practical", "panel": [80, 82, 78]}]
    verdict = judge({"level": 4, "subjects": [*carried, {"subject": "theory", "mark": 61}]})
    assert verdict["pass"] is True
