"""Marking rules (EXAM-7, 14, 16, 18) on exact numbers: reconciling double marks, panel means, the review
panel's two-thirds rule, the pass mark and the one-decimal display.

Every mark is a `Fraction` here, so a boundary never depends on binary floating point (0.1 + 0.2 is not
0.3 in a float; here it is). `exact()` turns a JSON number (int, Decimal from a parser with
`parse_float=Decimal`, or a float taken as the decimal it prints as) into a Fraction. Decisions compare
the exact values; only the display is rounded (`display`: one decimal, half up), so a mark of 59.95 shows
as 60.0 and still fails.

EXAM-16 [interpretation, configurable per subject]: two independent marks a, b; |a − b| ≤ tolerance → the
mark is their mean (a difference exactly equal to the tolerance is within); otherwise a third mark c is
needed, and the mark is the mean of the closest pair among (a, b, c) — a tie between pairs goes to the pair
with the higher mean; if that pair still differs by more than the tolerance the team leader (考评组长) sets
the mark. The default tolerance is 10 % of the full marks.

EXAM-14: a subject passes at 60 % of its full marks (60 of 100). EXAM-7: the comprehensive review of levels
2 and 1 passes iff at least two thirds of the panel give at least the pass mark and the panel mean reaches
it. EXAM-18 [interpretation, configurable]: a panel's subject mark is the mean of its members' marks.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

PASS_RATIO = Fraction(3, 5)  # EXAM-14: 60 of 100
DEFAULT_TOLERANCE_RATIO = Fraction(1, 10)  # EXAM-16 [interpretation]: 10 % of the full marks
REVIEW_QUORUM = Fraction(2, 3)  # EXAM-7: at least two thirds of the panel

MAX_EXPONENT = 50  # a decimal mark has at most 50 digits before or after the point

FINAL = "final"
NEEDS_THIRD = "needs_third"
NEEDS_LEADER = "needs_leader"
ABSENT = "absent"


def exact(value: int | float | Decimal | Fraction) -> Fraction:
    """The exact value of a finite JSON number; a float counts as the decimal it prints as (0.1 is 1/10).
    ValueError for NaN, Infinity or more than MAX_EXPONENT digits before or after the point."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise TypeError(f"not a number: {type(value).__name__}")
    return _exact(type(value), value)


@functools.lru_cache(maxsize=1 << 16)  # marks repeat (0.0–100.0 in tenths): convert each value once
def _exact(kind: type, value: int | float | Decimal | Fraction) -> Fraction:
    if kind is float:
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("not a finite number")
        if value and (value.adjusted() > MAX_EXPONENT or value.as_tuple().exponent < -MAX_EXPONENT):
            raise ValueError("too many digits")  # 1e-999999999 would need a billion-digit denominator
    return Fraction(value)


def display(value: Fraction, places: int = 1) -> Decimal:
    """`value` to `places` decimals, half up (away from zero at exactly half; marks are never negative)."""
    numerator, denominator = abs(value.numerator), value.denominator
    # floor(|value| * 10**places + 1/2) in integers
    rounded = (2 * numerator * 10**places + denominator) // (2 * denominator)
    return Decimal(-rounded if value < 0 else rounded).scaleb(-places)


def pass_mark(full: Fraction, ratio: Fraction = PASS_RATIO) -> Fraction:
    """The lowest passing mark of a subject out of `full` (EXAM-14: 60 of 100)."""
    return full * ratio


def default_tolerance(full: Fraction, ratio: Fraction = DEFAULT_TOLERANCE_RATIO) -> Fraction:
    """EXAM-16's default tolerance between two markers: 10 % of the full marks [interpretation]."""
    return full * ratio


def mean(marks: Sequence[Fraction]) -> Fraction:
    """The exact mean of one or more marks (EXAM-16 pairs, EXAM-18 panels)."""
    if not marks:
        raise ValueError("no marks")
    return Fraction(sum(marks, Fraction(0)), len(marks))


def closest_pair(a: Fraction, b: Fraction, c: Fraction) -> tuple[Fraction, Fraction]:
    """EXAM-16: the pair of (a, b, c) with the smallest difference; a tie goes to the pair with the higher
    mean (pairs tied on both are the same two values). Returned low, high."""
    pairs = [(min(x, y), max(x, y)) for x, y in ((a, b), (a, c), (b, c))]
    return min(pairs, key=lambda pair: (pair[1] - pair[0], -(pair[0] + pair[1])))


class UnneededMark(ValueError):
    """A third or leader mark given where EXAM-16 does not call for one: `field` says which, `reason` why
    (PAIR_AGREES: a and b agree; NO_THIRD: the leader came before a third mark; CLOSEST_PAIR_AGREES)."""

    PAIR_AGREES = "pair_agrees"
    NO_THIRD = "no_third"
    CLOSEST_PAIR_AGREES = "closest_pair_agrees"

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class Reconciliation:
    """Where a double-marked paper stands: `status` and, once final, its exact `mark`."""

    status: str  # FINAL, NEEDS_THIRD or NEEDS_LEADER
    mark: Fraction | None


def reconcile(
    a: Fraction,
    b: Fraction,
    *,
    tolerance: Fraction,
    third: Fraction | None = None,
    leader: Fraction | None = None,
) -> Reconciliation:
    """EXAM-16 double marking. Raises UnneededMark for a third mark while a and b agree within the
    tolerance, or a leader's mark before a third mark or while the closest pair agrees."""
    if abs(a - b) <= tolerance:
        if third is not None:
            raise UnneededMark("third", UnneededMark.PAIR_AGREES)
        if leader is not None:
            raise UnneededMark("leader", UnneededMark.PAIR_AGREES)
        return Reconciliation(FINAL, mean((a, b)))
    if third is None:
        if leader is not None:
            raise UnneededMark("leader", UnneededMark.NO_THIRD)
        return Reconciliation(NEEDS_THIRD, None)
    low, high = closest_pair(a, b, third)
    if high - low <= tolerance:
        if leader is not None:
            raise UnneededMark("leader", UnneededMark.CLOSEST_PAIR_AGREES)
        return Reconciliation(FINAL, mean((low, high)))
    if leader is None:
        return Reconciliation(NEEDS_LEADER, None)
    return Reconciliation(FINAL, leader)


def reaches_quorum(marks: Sequence[Fraction], threshold: Fraction, quorum: Fraction = REVIEW_QUORUM) -> bool:
    """EXAM-7: at least `quorum` (two thirds) of the members give `threshold` or more (2 of 3 and 4 of 6
    reach two thirds; 3 of 5 does not)."""
    if not marks:
        return False
    return Fraction(sum(1 for mark in marks if mark >= threshold), len(marks)) >= quorum


def review_passes(marks: Sequence[Fraction], threshold: Fraction, quorum: Fraction = REVIEW_QUORUM) -> bool:
    """EXAM-7: the comprehensive review passes iff two thirds of the panel reach the pass mark and the
    panel mean reaches it too."""
    return reaches_quorum(marks, threshold, quorum) and mean(marks) >= threshold
