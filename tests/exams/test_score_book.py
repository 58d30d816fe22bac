"""The pure rules of masked marking (EXAM-6, 16, 18): a paper's standing, the judge's entry it becomes,
and the score book's canonical digest."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dudao.exams.domain import marking
from dudao.exams.domain import score_book as sb
from dudao.exams.domain.results import judge


def double(*initial, third=None, leader=None, tolerance=10):
    return sb.PaperState(
        mode=sb.DOUBLE,
        full=Fraction(100),
        tolerance=Fraction(tolerance),
        initial=tuple(Fraction(str(m)) for m in initial),
        third=None if third is None else Fraction(str(third)),
        leader=None if leader is None else Fraction(str(leader)),
    )


def test_double_marking_steps():
    assert sb.standing(double()).step == sb.INITIAL
    assert sb.standing(double(70)).step == sb.INITIAL
    assert sb.standing(double(70, 80)) == sb.Standing(sb.DONE, Fraction(75))  # exactly the tolerance
    assert sb.standing(double(70, "80.1")).step == sb.THIRD
    assert sb.standing(double(40, 80, third=60)).step == sb.LEADER  # tie of pairs, both 20 apart
    assert sb.standing(double(40, 80, third=60, leader=65)).mark == 65
    assert sb.next_role(double(40, 80, third=60, leader=65)) is None


def test_a_settled_disagreement_stays_an_anomaly_for_the_leader():
    standing = sb.standing(double(50, 70, third=66))
    assert standing.step == sb.DONE and standing.mark == 68
    assert [a.kind for a in standing.anomalies] == ["spread"]
    assert sb.standing(double(70, 80)).anomalies == ()


def test_panel_needs_every_member_and_flags_the_spread_only_over_the_tolerance():
    panel = sb.PaperState(
        mode=sb.PANEL,
        full=Fraction(100),
        tolerance=Fraction(10),
        initial=(Fraction(80), Fraction(70)),
        panel_size=3,
    )
    assert sb.standing(panel).step == sb.INITIAL
    done = sb.PaperState(**{**panel.__dict__, "initial": (Fraction(80), Fraction(70), Fraction(75))})
    assert sb.standing(done) == sb.Standing(sb.DONE, Fraction(75))  # spread exactly 10: no anomaly
    wide = sb.PaperState(**{**panel.__dict__, "initial": (Fraction(80), Fraction(70), Fraction("69.9"))})
    assert [a.kind for a in sb.standing(wide).anomalies] == ["spread"]


def test_absent_papers_are_not_marked_and_fail():
    absent = sb.PaperState(mode=sb.DOUBLE, full=Fraction(100), tolerance=Fraction(10), absent=True)
    assert sb.standing(absent).step == sb.ABSENT and sb.next_role(absent) is None
    entry = sb.subject_entry("theory", absent)
    verdict = judge({"level": 5, "subjects": [entry, {"subject": "practical", "mark": 90}]})
    assert verdict["pass"] is False and verdict["subjects"][0]["status"] == "absent"


marks = st.decimals(min_value=0, max_value=100, places=1).map(lambda d: Fraction(str(d)))


@given(a=marks, b=marks, c=marks)
def test_the_entry_judges_as_the_standing_says(a, b, c):
    state = double(a, b)
    standing = sb.standing(state)
    if standing.step == sb.THIRD:
        state = double(a, b, third=c)
        standing = sb.standing(state)
    verdict = judge({"level": 5, "subjects": [sb.subject_entry("theory", state)]})
    subject = verdict["subjects"][0]
    if standing.step == sb.DONE:
        assert subject["status"] == "final"
        assert Fraction(str(subject["mark"])) == Fraction(marking.display(standing.mark))
    else:
        assert subject["status"] == {"leader": "needs_leader", "third": "needs_third"}[standing.step]


def test_the_digest_is_canonical():
    rows = [
        {"code": "B", "marks": [{"examiner": 2, "role": "initial", "value": "70"}], "mark": "70"},
        {"code": "A", "marks": [{"examiner": 1, "role": "initial", "value": "60"}], "mark": "60"},
    ]
    content = sb.book_content(rows)
    assert [r["code"] for r in content] == ["A", "B"]
    algorithm, digest = sb.book_digest(content)
    assert algorithm in ("sm3", "sha256") and len(digest) == 64
    assert sb.book_digest(sb.book_content(list(reversed(rows)))) == (algorithm, digest)
    changed = [dict(rows[0], mark="71"), rows[1]]
    assert sb.book_digest(sb.book_content(changed))[1] != digest


@pytest.mark.parametrize("subject,modes", [("theory", ("double", "single")), ("review", ("panel",))])
def test_modes_by_subject(subject, modes):
    assert sb.MODES_BY_SUBJECT[subject] == modes
