"""QUAL-1 indicators and the region ranking: pure functions, boundaries on both sides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dudao.quality import domain
from dudao.quality.domain import Inputs

D = Decimal


def row(pk, name, score_points_lost=0, batches=1, **kw):
    """An institution whose score is 100 minus `score_points_lost` (lost through minor findings)."""
    return domain.indicators(Inputs(pk, name, batches=batches, findings={"minor": score_points_lost}, **kw))


def test_indicators_rates_and_score():
    r = domain.indicators(
        Inputs(
            1,
            "甲",
            batches=4,
            candidates=120,
            results=90,
            passed=60,
            supervised_batches=1,
            findings={"minor": 2, "major": 1, "serious": 1},
            rectifications_due=3,
            rectifications_on_time=2,
            complaints_received=5,
            complaints_accepted=2,
            complaints_verified=1,
            certificates_due=8,
            certificates_on_time=6,
        )
    )
    assert r.pass_rate == D("66.67")
    assert r.supervision_coverage == D("25.00")
    assert r.rectification_rate == D("66.67")
    assert r.certificate_rate == D("75.00")
    assert (r.findings_minor, r.findings_major, r.findings_serious) == (2, 1, 1)
    # 100 - (2*1 + 3 + 10) - 5 (one late rectification) - 5 (one verified complaint) - 20*2/8
    assert r.score == D("70.00")
    assert r.as_json()["score"] == "70.00" and r.as_json()["pass_rate"] == "66.67"


def test_rates_are_none_without_a_denominator_and_unknown_verified_costs_nothing():
    r = domain.indicators(
        Inputs(1, "甲", complaints_received=3, complaints_accepted=3, complaints_verified=None)
    )
    assert (r.pass_rate, r.supervision_coverage, r.rectification_rate, r.certificate_rate) == (None,) * 4
    assert r.complaints_verified is None and r.score == D("100.00")
    assert r.as_json()["pass_rate"] is None


def test_score_never_below_zero():
    assert domain.indicators(Inputs(1, "甲", findings={"serious": 11})).score == D("0.00")


@pytest.mark.parametrize(
    "inputs",
    [
        Inputs(1, "甲", results=1, passed=2),
        Inputs(1, "甲", batches=1, supervised_batches=2),
        Inputs(1, "甲", rectifications_due=1, rectifications_on_time=2),
        Inputs(1, "甲", complaints_received=1, complaints_accepted=2),
        Inputs(1, "甲", complaints_received=1, complaints_verified=2),
        Inputs(1, "甲", certificates_due=0, certificates_on_time=1),
        Inputs(1, "甲", findings={"minor": -1}),
        Inputs(1, "甲", findings={"other": 1}),
        Inputs(1, "甲", batches=-1),
    ],
)
def test_inconsistent_inputs_are_refused(inputs):
    with pytest.raises(ValueError):
        domain.indicators(inputs)


def test_ties_share_a_rank_and_the_next_rank_skips():
    ranked = domain.rank(
        [row(1, "甲", 5), row(2, "乙", 10), row(3, "丙", 10), row(4, "丁", 20), row(5, "戊", 0)]
    )
    assert [(r.name, r.rank) for r in ranked] == [("戊", 1), ("甲", 2), ("丙", 3), ("乙", 3), ("丁", 5)]


def test_institutions_without_an_evaluation_are_listed_but_not_ranked():
    ranked = domain.rank([row(1, "乙", 30), row(2, "甲", 0, batches=0)])
    assert [(r.name, r.rank, r.best, r.failing) for r in ranked] == [
        ("乙", 1, False, False),
        ("甲", None, False, False),
    ]


def test_failing_is_strictly_below_sixty():
    at_60 = row(1, "甲", 40)
    assert at_60.score == D("60.00")
    just_below = domain.indicators(
        Inputs(3, "丙", batches=1, findings={"minor": 40}, certificates_due=10000, certificates_on_time=9995)
    )
    assert just_below.score == D("59.99")
    ranked = {r.name: r for r in domain.rank([at_60, just_below])}
    assert ranked["甲"].failing is False and ranked["丙"].failing is True


def test_best_needs_ninety_and_a_top_rank():
    at_90 = row(1, "甲", 10)
    below_90 = domain.indicators(
        Inputs(2, "乙", batches=1, findings={"minor": 10}, certificates_due=10000, certificates_on_time=9995)
    )
    assert below_90.score == D("89.99")
    ranked = {r.name: r for r in domain.rank([at_90, below_90])}
    assert ranked["甲"].best is True and ranked["乙"].best is False


def test_best_count_includes_ties_at_the_last_place_and_stops_after_it():
    rows = [row(1, "甲", 0), row(2, "乙", 1), row(3, "丙", 2), row(4, "丁", 2), row(5, "戊", 3)]
    ranked = {r.name: (r.rank, r.best) for r in domain.rank(rows)}
    assert ranked == {"甲": (1, True), "乙": (2, True), "丙": (3, True), "丁": (3, True), "戊": (5, False)}


def test_report_ranks_the_whole_region():
    out = domain.report([Inputs(1, "甲", batches=1), Inputs(2, "乙", batches=1, findings={"serious": 5})])
    assert [(r.name, r.rank, r.best, r.failing) for r in out] == [
        ("甲", 1, True, False),
        ("乙", 2, False, True),
    ]


# ---------------------------------------------------------------- certificates uploaded on time (EXAM-12)
START, END = dt.date(2026, 7, 1), dt.date(2026, 9, 30)


def test_certificate_due_when_its_deadline_falls_in_the_period_both_edges():
    # issued 2026-01-01 → deadline 07-01 (first day, in); issued 2026-03-31 → deadline 09-30 (last day, in)
    # issued 2025-12-31 → deadline 06-30 (out); issued 2026-04-01 → deadline 10-01 (out)
    rows = [(dt.date(2026, 1, 1), dt.date(2026, 5, 1)), (dt.date(2026, 3, 31), dt.date(2026, 5, 1))]
    rows += [(dt.date(2025, 12, 31), None), (dt.date(2026, 4, 1), None)]
    assert domain.certificate_counts(rows, START, END, dt.date(2026, 12, 3)) == (2, 2)


def test_uploaded_on_the_deadline_is_on_time_the_next_day_late():
    rows = [(dt.date(2026, 2, 10), dt.date(2026, 8, 10)), (dt.date(2026, 2, 11), dt.date(2026, 8, 12))]
    assert domain.certificate_counts(rows, START, END, dt.date(2026, 12, 3)) == (2, 1)


def test_a_certificate_not_uploaded_is_judged_only_after_its_deadline():
    rows = [(dt.date(2026, 3, 31), None)]  # deadline 09-30
    assert domain.certificate_counts(rows, START, END, dt.date(2026, 9, 30)) == (0, 0)
    assert domain.certificate_counts(rows, START, END, dt.date(2026, 10, 1)) == (1, 0)


def test_period_checks():
    assert domain.check_period(START, START) is None
    assert domain.check_period(START, START - dt.timedelta(days=1)) == "统计截止日期不能早于开始日期"
    assert domain.check_period(dt.date(2024, 1, 1), dt.date(2025, 1, 1)) is None  # 366 days
    assert domain.check_period(dt.date(2024, 1, 1), dt.date(2025, 1, 2)) == "统计期间不能超过一年"
    assert domain.check_period(dt.date(2000, 1, 1), dt.date(2000, 1, 1)) is None
    assert domain.check_period(dt.date(1999, 12, 31), dt.date(2000, 1, 1)) == "统计开始日期不能早于 2000 年"
