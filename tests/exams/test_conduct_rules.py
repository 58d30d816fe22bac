"""EXAM-10 pure rules (dudao.exams.domain.conduct): three consecutive unexcused absences (2 vs 3, what breaks
the run), "often late or absent" at its threshold (N−1 vs N) and its month window (inside vs exactly M
months later), the sanction mapping, the settings check."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.exams.domain import conduct as c

RULE = c.OftenRule(times=3, months=6)


def duty(i, status, *, day=None, excused=False, hour=9):
    day = day or dt.date(2026, 1, 1) + dt.timedelta(days=i)
    return c.Duty(id=i, starts_at=dt.datetime.combine(day, dt.time(hour)), status=status, excused=excused)


def absences(n, start=1):
    return [duty(start + k, c.ABSENT) for k in range(n)]


def test_two_consecutive_absences_are_no_ground_three_are_exam10():
    assert c.consecutive_absences(absences(2)) == []
    assert c.consecutive_absences(absences(3)) == [c.Ground(c.CONSECUTIVE_ABSENCES, (1, 2, 3))]


@pytest.mark.parametrize(
    "between",
    [
        duty(3, c.ABSENT, excused=True),  # an excused absence is not 无故: breaks the run
        duty(3, c.PRESENT),
        duty(3, c.LATE),  # attended, late: a different ground
        duty(3, c.UNRECORDED),  # a missing record proves nothing
    ],
)
def test_the_run_is_broken_by_anything_but_an_unexcused_absence(between):
    duties = [duty(1, c.ABSENT), duty(2, c.ABSENT), between, duty(4, c.ABSENT), duty(5, c.ABSENT)]
    assert c.consecutive_absences(duties) == []
    # without the break the same absences are a ground
    assert c.consecutive_absences([d for d in duties if d is not between]) != []


def test_an_excused_absence_does_not_count_towards_the_three():
    duties = [duty(1, c.ABSENT), duty(2, c.ABSENT, excused=True), duty(3, c.ABSENT)]
    assert c.consecutive_absences(duties) == []


def test_a_long_run_is_cut_into_groups_of_three_without_overlap():
    assert [g.duty_ids for g in c.consecutive_absences(absences(4))] == [(1, 2, 3)]
    assert [g.duty_ids for g in c.consecutive_absences(absences(5))] == [(1, 2, 3)]
    assert [g.duty_ids for g in c.consecutive_absences(absences(6))] == [(1, 2, 3), (4, 5, 6)]


def test_often_late_or_absent_at_the_threshold_and_one_under():
    two = [duty(1, c.LATE), duty(5, c.PRESENT), duty(9, c.ABSENT)]
    assert c.often_late_absent(two, RULE) == []
    three = [*two, duty(12, c.LATE)]
    assert c.often_late_absent(three, RULE) == [c.Ground(c.OFTEN_LATE_ABSENT, (1, 9, 12))]


def test_often_excused_incidents_do_not_count():
    duties = [
        duty(1, c.LATE),
        duty(2, c.ABSENT, excused=True),
        duty(3, c.LATE, excused=True),
        duty(4, c.LATE),
    ]
    assert c.often_late_absent(duties, RULE) == []


def test_often_month_window_is_half_open():
    first = dt.date(2026, 1, 31)
    inside = [
        duty(1, c.LATE, day=first),
        duty(2, c.LATE, day=first),
        duty(3, c.LATE, day=dt.date(2026, 7, 30)),
    ]
    assert len(c.often_late_absent(inside, RULE)) == 1
    # six months after 31 January is 31 July: an incident on that day is outside the window
    outside = [*inside[:2], duty(3, c.LATE, day=dt.date(2026, 7, 31))]
    assert c.often_late_absent(outside, RULE) == []


def test_often_slides_past_an_old_incident():
    duties = [
        duty(1, c.LATE, day=dt.date(2025, 1, 1)),
        duty(2, c.LATE, day=dt.date(2026, 1, 1)),
        duty(3, c.LATE, day=dt.date(2026, 2, 1)),
        duty(4, c.ABSENT, day=dt.date(2026, 3, 1)),
    ]
    assert [g.duty_ids for g in c.often_late_absent(duties, RULE)] == [(2, 3, 4)]


def test_attendance_grounds_order_by_session_start_not_by_id():
    # ids out of order: the run is by time (ids 3, 1, 2 at 08:00, 10:00, 12:00); a present duty last
    duties = [duty(1, c.ABSENT, hour=10), duty(2, c.ABSENT, hour=12), duty(3, c.ABSENT, hour=8)]
    duties = [c.Duty(d.id, d.starts_at.replace(day=1), d.status) for d in duties]
    duties.append(c.Duty(4, dt.datetime(2026, 1, 1, 11), c.PRESENT))  # between 10:00 and 12:00
    assert c.attendance_grounds(duties, c.OftenRule(50, 1)) == []
    assert c.attendance_grounds(duties[:3], c.OftenRule(50, 1)) == [
        c.Ground(c.CONSECUTIVE_ABSENCES, (3, 1, 2))
    ]


def test_ground_keys_name_the_ground_and_its_duties():
    assert c.Ground(c.CONSECUTIVE_ABSENCES, (1, 2, 3)).key == "consecutive_absences:1,2,3"


@pytest.mark.parametrize(
    ("ground", "prior", "expected"),
    [
        (c.CONSECUTIVE_ABSENCES, (), c.WARNING),
        (c.OFTEN_LATE_ABSENT, (), c.WARNING),
        (c.CONSECUTIVE_ABSENCES, (c.WARNING,), c.PUBLIC_CRITICISM),  # 按严重程度: a repeat
        (c.OFTEN_LATE_ABSENT, (c.PUBLIC_CRITICISM,), c.PUBLIC_CRITICISM),
        (c.REFUSED_SUPERVISION, (), c.PUBLIC_CRITICISM),
        (c.SCORING_RULES, (c.WARNING,), c.PUBLIC_CRITICISM),
        (c.DISQUALIFICATION, (), c.REVOCATION),
        (c.OTHER, (), c.REVOCATION),
    ],
)
def test_sanction_mapping(ground, prior, expected):
    assert c.proposed_sanction(ground, prior_confirmed=prior) == expected


def test_add_months_clamps_to_the_month_end():
    assert c.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert c.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


@pytest.mark.parametrize(
    ("times", "months"), [("1", "12"), ("51", "12"), ("4", "0"), ("4", "61"), ("x", "3")]
)
def test_the_often_setting_is_checked(times, months):
    with pytest.raises(c.ConductConfigError):
        c.often_rule(times, months)


@pytest.mark.parametrize(("times", "months"), [("2", "1"), ("50", "60"), (4, 12)])
def test_the_often_setting_accepts_its_bounds(times, months):
    assert c.often_rule(times, months) == c.OftenRule(int(times), int(months))


def test_absences_grounding_a_run_are_not_counted_again_as_often():
    rule = c.OftenRule(times=3, months=6)
    assert c.attendance_grounds(absences(3), rule) == [c.Ground(c.CONSECUTIVE_ABSENCES, (1, 2, 3))]
    # a fourth and fifth absence plus a lateness: three more incidents, not in the run → often
    more = [*absences(5), duty(6, c.LATE)]
    grounds = c.attendance_grounds(more, rule)
    assert grounds == [c.Ground(c.CONSECUTIVE_ABSENCES, (1, 2, 3)), c.Ground(c.OFTEN_LATE_ABSENT, (4, 5, 6))]
