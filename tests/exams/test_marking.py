"""Marking rules on exact numbers (EXAM-7, 14, 16, 18): reconciliation of double marks on both sides of the
tolerance, ties between pairs, the team leader, the two-thirds rule at 2 of 3, 3 of 5 and 4 of 6, the pass
mark and the half-up display. Pure: no database. The properties are checked by an oracle written here in
integer tenths, independent of dudao/exams/domain/marking.py."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dudao.exams.domain.marking import (
    FINAL,
    NEEDS_LEADER,
    NEEDS_THIRD,
    Reconciliation,
    UnneededMark,
    closest_pair,
    default_tolerance,
    display,
    exact,
    mean,
    pass_mark,
    reaches_quorum,
    reconcile,
    review_passes,
)

TEN = F(10)


def d(text: str) -> F:
    return F(Decimal(text))


# ------------------------------------------------------------------------------------------------ exact


def test_exact_takes_floats_as_the_decimal_they_print_as():
    assert exact(0.1) == F(1, 10)
    assert exact(0.1) + exact(0.2) == exact(0.3)  # in floats 0.1 + 0.2 != 0.3
    assert exact(59.95) == F(5995, 100)
    assert exact(Decimal("59.95")) == F(5995, 100)
    assert exact(60) == F(60)
    assert exact(Decimal("1E+2")) == F(100)
    assert exact(F(1, 3)) == F(1, 3)


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity")]
)
def test_exact_refuses_non_finite_numbers(value):
    with pytest.raises(ValueError):
        exact(value)


@pytest.mark.parametrize("value", [True, False, "60", None, [60]])
def test_exact_refuses_what_is_not_a_number(value):
    with pytest.raises(TypeError):
        exact(value)


def test_exact_refuses_absurd_precision_but_takes_fifty_digits():
    assert exact(Decimal("1E-50")) == F(1, 10**50)
    assert exact(Decimal("1E+50")) == F(10**50)
    with pytest.raises(ValueError):
        exact(Decimal("1E-51"))
    with pytest.raises(ValueError):
        exact(Decimal("1E+51"))
    with pytest.raises(ValueError):
        exact(Decimal("1E-999999999"))
    assert exact(Decimal("0E-999999999")) == 0


# ---------------------------------------------------------------------------------------------- display


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (d("59.95"), "60.0"),  # exactly half: up
        (d("59.9499999"), "59.9"),
        (d("59.94"), "59.9"),
        (d("60"), "60.0"),
        (d("0"), "0.0"),
        (d("100"), "100.0"),
        (d("0.05"), "0.1"),
        (d("0.04"), "0.0"),
        (F(170, 3), "56.7"),  # 56.666…
        (F(181, 3), "60.3"),  # 60.333…
        (F(1211, 20), "60.6"),  # 60.55: half up
        (F(-1, 20), "-0.1"),  # away from zero (marks are never negative, the function is still symmetric)
    ],
)
def test_display_one_decimal_half_up(value, shown):
    assert str(display(value)) == shown


def test_display_other_places():
    assert str(display(d("59.945"), 2)) == "59.95"
    assert str(display(d("59.5"), 0)) == "60"
    assert str(display(d("59.49"), 0)) == "59"


# -------------------------------------------------------------------------------- pass mark and tolerance


def test_pass_mark_is_sixty_percent_of_full_marks():
    """EXAM-14: 60 of 100; another full scales (60 % of it)."""
    assert pass_mark(F(100)) == 60
    assert pass_mark(F(150)) == 90
    assert pass_mark(F(50)) == 30
    assert pass_mark(F(100), F(1, 2)) == 50


def test_default_tolerance_is_ten_percent_of_full_marks():
    """EXAM-16 [interpretation]: 10 % of the full marks."""
    assert default_tolerance(F(100)) == 10
    assert default_tolerance(F(150)) == 15
    assert default_tolerance(F(100), F(1, 20)) == 5


# ----------------------------------------------------------------------------------------- reconcile


def test_exam16_difference_exactly_the_tolerance_is_within():
    assert reconcile(F(60), F(70), tolerance=TEN) == Reconciliation(FINAL, F(65))
    assert reconcile(F(70), F(60), tolerance=TEN) == Reconciliation(FINAL, F(65))


def test_exam16_difference_a_tenth_over_the_tolerance_needs_a_third_marker():
    assert reconcile(F(60), d("70.1"), tolerance=TEN) == Reconciliation(NEEDS_THIRD, None)
    assert reconcile(d("70.1"), F(60), tolerance=TEN) == Reconciliation(NEEDS_THIRD, None)


def test_exam16_decimal_boundary_is_exact_not_floating_point():
    """0.1-style decimals: 70.3 − 60.2 is exactly 10.1 and 70.2 − 60.2 exactly 10, whatever floats say."""
    assert reconcile(exact(60.2), exact(70.2), tolerance=TEN).status == FINAL
    assert reconcile(exact(60.2), exact(70.3), tolerance=TEN).status == NEEDS_THIRD
    assert (
        reconcile(exact(0.1), exact(0.3), tolerance=exact(0.2)).status == FINAL
    )  # 0.3 − 0.1 > 0.2 in floats


def test_exam16_identical_marks_and_zero_tolerance():
    assert reconcile(F(55), F(55), tolerance=F(0)) == Reconciliation(FINAL, F(55))
    assert reconcile(F(55), d("55.1"), tolerance=F(0)).status == NEEDS_THIRD


def test_exam16_third_mark_closest_pair_mean():
    # a=50, b=80 differ by 30; c=75 → closest pair (75, 80), difference 5
    assert reconcile(F(50), F(80), tolerance=TEN, third=F(75)) == Reconciliation(FINAL, d("77.5"))
    # c=52 → closest pair (50, 52)
    assert reconcile(F(50), F(80), tolerance=TEN, third=F(52)) == Reconciliation(FINAL, F(51))


def test_exam16_tie_between_pairs_goes_to_the_higher_mean():
    # 50, 70, 60: (50, 60) and (60, 70) both differ by 10 → the higher mean, 65, not 55
    assert reconcile(F(50), F(70), tolerance=TEN, third=F(60)) == Reconciliation(FINAL, F(65))
    assert reconcile(F(70), F(50), tolerance=TEN, third=F(60)) == Reconciliation(FINAL, F(65))
    assert closest_pair(F(50), F(70), F(60)) == (F(60), F(70))
    assert closest_pair(F(60), F(50), F(70)) == (F(60), F(70))
    # not a tie: (60, 69.9) is closer than (50, 60) by a tenth → mean 64.95, while a tenth the other way
    # makes (50.1, 60) the closer pair
    assert closest_pair(F(50), d("69.9"), F(60)) == (F(60), d("69.9"))
    assert closest_pair(d("50.1"), F(70), F(60)) == (d("50.1"), F(60))


def test_exam16_closest_pair_exactly_the_tolerance_is_final_a_tenth_more_needs_the_leader():
    assert reconcile(F(40), F(80), tolerance=TEN, third=F(70)) == Reconciliation(FINAL, F(75))
    assert reconcile(F(40), F(80), tolerance=TEN, third=d("69.9")) == Reconciliation(NEEDS_LEADER, None)
    # the third mark in the middle: both pairs differ by 20
    assert reconcile(F(40), F(80), tolerance=TEN, third=F(60)) == Reconciliation(NEEDS_LEADER, None)


def test_exam16_leader_sets_the_mark():
    assert reconcile(F(40), F(80), tolerance=TEN, third=F(60), leader=d("58.5")) == Reconciliation(
        FINAL, d("58.5")
    )
    # the leader's mark is final even outside the range of the others
    assert reconcile(F(40), F(80), tolerance=TEN, third=F(60), leader=F(90)).mark == 90


@pytest.mark.parametrize(
    ("a", "b", "third", "leader", "field", "reason"),
    [
        (F(60), F(70), F(65), None, "third", UnneededMark.PAIR_AGREES),
        (F(60), F(70), None, F(65), "leader", UnneededMark.PAIR_AGREES),
        (F(60), F(80), None, F(65), "leader", UnneededMark.NO_THIRD),
        (F(60), F(80), F(75), F(65), "leader", UnneededMark.CLOSEST_PAIR_AGREES),
    ],
)
def test_exam16_unneeded_third_or_leader_marks_are_refused(a, b, third, leader, field, reason):
    with pytest.raises(UnneededMark) as caught:
        reconcile(a, b, tolerance=TEN, third=third, leader=leader)
    assert (caught.value.field, caught.value.reason) == (field, reason)


# -------------------------------------------------------------------------------------- panels, EXAM-7


def test_exam18_panel_mean_is_exact():
    assert mean([F(60), F(61), F(61)]) == F(182, 3)
    assert str(display(mean([F(60), F(61), F(61)]))) == "60.7"
    with pytest.raises(ValueError):
        mean([])


@pytest.mark.parametrize(
    ("marks", "reached"),
    [
        ([60, 60, 59], True),  # 2 of 3: exactly two thirds
        ([60, 59, 59], False),  # 1 of 3
        ([60, 60, 60, 59, 59], False),  # 3 of 5 = 0.6 < 2/3
        ([60, 60, 60, 60, 59], True),  # 4 of 5
        ([60, 60, 60, 60, 59, 59], True),  # 4 of 6: exactly two thirds
        ([60, 60, 60, 59, 59, 59], False),  # 3 of 6
        ([60, 60, 60, 60, 60, 59, 59], True),  # 5 of 7 > 2/3
        ([60, 60, 60, 60, 59, 59, 59], False),  # 4 of 7 < 2/3
    ],
)
def test_exam7_two_thirds_of_the_panel_at_or_above_sixty(marks, reached):
    assert reaches_quorum([F(m) for m in marks], F(60)) is reached


def test_exam7_the_member_threshold_is_inclusive():
    assert reaches_quorum([F(60), F(60), F(0)], F(60)) is True
    assert reaches_quorum([d("59.9"), F(60), F(0)], F(60)) is False
    assert reaches_quorum([], F(60)) is False


@pytest.mark.parametrize(
    ("marks", "passed"),
    [
        (["60", "60", "60"], True),  # mean exactly 60, 3 of 3
        (["60", "60", "59.9"], False),  # 2 of 3 but mean 59.966… < 60
        (["90", "90", "0"], True),  # 2 of 3, mean 60
        (["90", "89.9", "0"], False),  # 2 of 3, mean 59.966…
        (["100", "59.9", "59.9"], False),  # mean 73.27 but only 1 of 3
        (["100", "100", "100", "59", "59"], False),  # mean 83.6, 3 of 5 < two thirds
        (["100", "100", "100", "100", "0", "0"], True),  # 4 of 6, mean 66.7
        (["100", "100", "100", "59.9", "59.9", "59.9"], False),  # 3 of 6, mean 79.95
        (["61", "61", "61", "61", "55", "61"], True),  # 5 of 6, mean exactly 60
    ],
)
def test_exam7_review_needs_two_thirds_and_the_mean(marks, passed):
    assert review_passes([d(m) for m in marks], F(60)) is passed


def test_exam7_review_fails_on_the_mean_alone():
    marks = [d(m) for m in ("61", "61", "61", "61", "54.9", "61")]  # 5 of 6 at or above 60
    assert reaches_quorum(marks, F(60)) is True
    assert mean(marks) == F(3599, 60)  # 59.983…
    assert review_passes(marks, F(60)) is False


# ------------------------------------------------------------------------------- properties (oracle)

tenths = st.integers(min_value=0, max_value=1000)  # marks 0.0–100.0 as integer tenths


def oracle_reconcile(a: int, b: int, tol: int, c: int | None, leader: int | None):
    """EXAM-16 in integer tenths, written independently: returns (status, twice the mark in tenths)."""
    if abs(a - b) <= tol:
        return "final", a + b
    if c is None:
        return "needs_third", None
    best = None
    for x, y in ((a, b), (a, c), (b, c)):
        key = (abs(x - y), -(x + y))
        if best is None or key < best[0]:
            best = (key, x + y)
    assert best is not None
    if best[0][0] <= tol:
        return "final", best[1]
    if leader is None:
        return "needs_leader", None
    return "final", 2 * leader


@given(
    a=tenths,
    b=tenths,
    tol=st.integers(min_value=0, max_value=300),
    c=st.none() | tenths,
    leader=st.none() | tenths,
)
def test_property_reconcile_matches_the_oracle(a, b, tol, c, leader):
    status, twice = oracle_reconcile(a, b, tol, c, leader)
    needs_c = abs(a - b) > tol
    pair_ok = needs_c and c is not None and oracle_reconcile(a, b, tol, c, None)[0] == "final"
    unneeded = (c is not None and not needs_c) or (
        leader is not None and (not needs_c or c is None or pair_ok)
    )
    args = (F(a, 10), F(b, 10))
    kwargs = {
        "tolerance": F(tol, 10),
        "third": None if c is None else F(c, 10),
        "leader": None if leader is None else F(leader, 10),
    }
    if unneeded:
        with pytest.raises(UnneededMark):
            reconcile(*args, **kwargs)
        return
    got = reconcile(*args, **kwargs)
    assert got.status == status
    assert got.mark == (None if twice is None else F(twice, 20))


@given(a=tenths, b=tenths, c=tenths)
def test_property_closest_pair_is_symmetric_and_minimal(a, b, c):
    marks = [F(a, 10), F(b, 10), F(c, 10)]
    low, high = closest_pair(*marks)
    assert sorted([low, high]) == [low, high]
    for x, y in ((0, 1), (0, 2), (1, 2)):
        assert high - low <= abs(marks[x] - marks[y])
    for order in ((a, c, b), (b, a, c), (c, b, a)):
        assert closest_pair(*(F(m, 10) for m in order)) == (low, high)


@given(st.lists(tenths, min_size=3, max_size=9))
def test_property_review_matches_the_oracle(members):
    """EXAM-7 in integer tenths: at least two thirds at 600 or more (3·count ≥ 2·n) and sum ≥ 600·n."""
    count = sum(1 for m in members if m >= 600)
    expected = 3 * count >= 2 * len(members) and sum(members) >= 600 * len(members)
    assert review_passes([F(m, 10) for m in members], F(60)) is expected


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**4))
def test_property_display_matches_integer_half_up(numerator, denominator):
    """One decimal half up: the shown tenths t satisfy t − ½ ≤ 10·x < t + ½."""
    value = F(numerator, denominator)
    shown = display(value)
    tenths_shown = int(shown * 10)
    assert shown == Decimal(tenths_shown) / 10
    assert 2 * tenths_shown - 1 <= 20 * value < 2 * tenths_shown + 1
