"""Examiner conduct (EXAM-10, EXAM-19): which sanction grounds an examiner's recorded duties meet, and which
sanction each ground proposes. Pure: no Django.

Seed 003 art. 8: grounds (一)–(五) → 警告 or 通报批评 "按严重程度"; (六)–(十) → 取消考评人员资格.
The seed text is cut after (四); the grounds kept here:
  (一) three consecutive unexcused absences from dispatched tasks  → CONSECUTIVE_ABSENCES
  (二) refusing the supervision of HRSS / the guidance centre       → REFUSED_SUPERVISION (a recorded fact)
  (三) often late, leaving early or absent without cause            → OFTEN_LATE_ABSENT
  (四) not following the scoring rules                              → SCORING_RULES (a recorded fact)
Seed 000 art. 8(3): a supervisor may propose disqualifying an examiner "情节严重者" → DISQUALIFICATION.

[interpretation] "连续三次无故不参加": the three must be consecutive dispatched duties, each missed without an
accepted excuse. An excused absence, an attended duty (present or late) and a duty without a record all
break the run (a missing record proves nothing; the run is of consecutive duties). A run longer than three
is cut into non-overlapping groups of three from its start (four in a row: one ground; six: two), so the
same duties never ground two proposals.

[interpretation, configurable] "经常": at least N unexcused incidents (late or absent) whose dates all lie in
a window of M calendar months (the last incident strictly before the first's date + M months); settings
DUDAO_EXAMINER_OFTEN_LATE_ABSENT_TIMES (N, default 4) and DUDAO_EXAMINER_OFTEN_LATE_ABSENT_MONTHS (M,
default 12). Incidents are grouped greedily from the oldest, without overlap; absences already grounding
(一) are not counted again for (三) (one proposal per set of facts).

[interpretation] Sanction mapping: (一) and (三) → warning, (二) and (四) → public criticism; an examiner
who already has a confirmed warning or public criticism gets public criticism proposed for a further
warning-level ground ("按严重程度"); the supervisor's proposal and staff's "other grave case" →
revocation (staff may also propose a lighter sanction for "other"). The authority may confirm any sanction.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PRESENT, LATE, ABSENT, UNRECORDED = "present", "late", "absent", "unrecorded"

CONSECUTIVE_ABSENCES = "consecutive_absences"
REFUSED_SUPERVISION = "refused_supervision"
OFTEN_LATE_ABSENT = "often_late_absent"
SCORING_RULES = "scoring_rules"
DISQUALIFICATION = "disqualification"
OTHER = "other"

WARNING, PUBLIC_CRITICISM, REVOCATION = "warning", "public_criticism", "revocation"
SANCTIONS = (WARNING, PUBLIC_CRITICISM, REVOCATION)

RUN_LENGTH = 3  # (一) "连续三次"

BASE_SANCTION = {
    CONSECUTIVE_ABSENCES: WARNING,
    OFTEN_LATE_ABSENT: WARNING,
    REFUSED_SUPERVISION: PUBLIC_CRITICISM,
    SCORING_RULES: PUBLIC_CRITICISM,
    DISQUALIFICATION: REVOCATION,
    OTHER: REVOCATION,
}
# Grounds recorded by people (a report with its facts) rather than derived from attendance.
REPORTED_GROUNDS = (REFUSED_SUPERVISION, SCORING_RULES)


@dataclass(frozen=True)
class Duty:
    """One room duty of an examiner as recorded: `status` one of PRESENT, LATE, ABSENT, UNRECORDED."""

    id: int
    starts_at: dt.datetime  # the session's start, local time
    status: str
    excused: bool = False

    @property
    def on(self) -> dt.date:
        return self.starts_at.date()


@dataclass(frozen=True)
class Ground:
    ground: str
    duty_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        """The same ground on the same duties has the same key (raising is idempotent)."""
        return f"{self.ground}:" + ",".join(str(i) for i in self.duty_ids)


@dataclass(frozen=True)
class OftenRule:
    times: int
    months: int


class ConductConfigError(ValueError):
    pass


def often_rule(times: object, months: object) -> OftenRule:
    """The configured "often" threshold, checked (2–50 times within 1–60 months)."""
    try:
        n, m = int(str(times)), int(str(months))
    except ValueError:
        raise ConductConfigError("次数和月数应为整数") from None
    if not (2 <= n <= 50 and 1 <= m <= 60):
        raise ConductConfigError("次数应在 2 到 50 之间,月数应在 1 到 60 之间")
    return OftenRule(n, m)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _unexcused_absence(duty: Duty) -> bool:
    return duty.status == ABSENT and not duty.excused


def consecutive_absences(duties: Sequence[Duty], run: int = RUN_LENGTH) -> list[Ground]:
    """(一): groups of `run` consecutive unexcused absences among duties ordered by session start."""
    found: list[Ground] = []
    current: list[int] = []
    for duty in duties:
        if _unexcused_absence(duty):
            current.append(duty.id)
            if len(current) == run:
                found.append(Ground(CONSECUTIVE_ABSENCES, tuple(current)))
                current = []
        else:
            current = []
    return found


def often_late_absent(duties: Sequence[Duty], rule: OftenRule) -> list[Ground]:
    """(三): groups of `rule.times` unexcused lateness/absences within `rule.months` months."""
    incidents = [d for d in duties if d.status in (LATE, ABSENT) and not d.excused]
    found: list[Ground] = []
    i = 0
    while i + rule.times <= len(incidents):
        group = incidents[i : i + rule.times]
        if group[-1].on < add_months(group[0].on, rule.months):
            found.append(Ground(OFTEN_LATE_ABSENT, tuple(d.id for d in group)))
            i += rule.times
        else:
            i += 1
    return found


def attendance_grounds(duties: Iterable[Duty], rule: OftenRule) -> list[Ground]:
    """Every attendance ground of one examiner's duties (ordered by session start here)."""
    ordered = sorted(duties, key=lambda d: (d.starts_at, d.id))
    runs = consecutive_absences(ordered)
    used = {i for ground in runs for i in ground.duty_ids}
    return runs + often_late_absent([d for d in ordered if d.id not in used], rule)


def proposed_sanction(ground: str, *, prior_confirmed: Iterable[str] = ()) -> str:
    """The sanction a ground proposes; a warning-level ground after a confirmed warning → public criticism."""
    base = BASE_SANCTION[ground]
    if base == WARNING and any(s in (WARNING, PUBLIC_CRITICISM) for s in prior_confirmed):
        return PUBLIC_CRITICISM
    return base
