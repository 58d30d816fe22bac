"""Masked marking of one session's papers (EXAM-6, 16, 18): where each paper stands, which mark it needs
next, what the team leader must look at, and the score book's content and digest that markers and the
tallier sign.

A paper is known to its markers by a random code only; identities are joined back after the book is
signed (the services do that). Modes, configurable per session (EXAM-16 [interpretation, configurable per
subject]):
- `double`: two independent initial marks; a third mark where they differ by more than the tolerance; the
  team leader's mark (with a reason) where the closest pair still differs (`marking.reconcile`);
- `panel`: every member of the room's panel marks alone (EXAM-18); the subject mark is the panel mean;
- `single`: one mark (a machine-marked paper or a sole examiner).
A paper whose candidate was absent, or whose subject was stopped or voided (EXAM-8), is not marked: it
enters the result as absent and fails.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import marking

DOUBLE, PANEL, SINGLE = "double", "panel", "single"
MODES = (DOUBLE, PANEL, SINGLE)
MODES_BY_SUBJECT = {  # which marking fits which subject (the judge's FORMS_BY_SUBJECT, as modes)
    "theory": (DOUBLE, SINGLE),
    "practical": (PANEL, DOUBLE, SINGLE),
    "review": (PANEL,),
}
INITIAL, THIRD, LEADER = "initial", "third", "leader"
DONE = "done"
ABSENT = "absent"

# What a paper waits for, in the words markers read.
STEP_NAMES = {
    INITIAL: "待评分",
    THIRD: "待第三评",
    LEADER: "待组长评定",
    DONE: "已评定",
    ABSENT: "缺考或成绩无效",
}


@dataclass(frozen=True)
class PaperState:
    """One paper's marks as the rules read them. `initial` holds the initial marks in the order given
    (two for double marking, every member's for a panel, one for single marking)."""

    mode: str
    full: Fraction
    tolerance: Fraction
    initial: tuple[Fraction, ...] = ()
    third: Fraction | None = None
    leader: Fraction | None = None
    panel_size: int = 1
    absent: bool = False


@dataclass(frozen=True)
class Anomaly:
    """What the team leader sees (EXAM-6): a paper waiting for marks or with a large disagreement."""

    kind: str  # missing | third | leader | spread
    detail: str


@dataclass(frozen=True)
class Standing:
    step: str  # INITIAL, THIRD, LEADER, DONE or ABSENT
    mark: Fraction | None = None
    anomalies: tuple[Anomaly, ...] = field(default=())


def needed_initial(state: PaperState) -> int:
    """How many initial marks the paper takes in its mode."""
    if state.mode == DOUBLE:
        return 2
    if state.mode == PANEL:
        return state.panel_size
    return 1


def standing(state: PaperState) -> Standing:
    """Where a paper stands: the step it waits for (or DONE with its exact mark) and its anomalies."""
    if state.absent:
        return Standing(ABSENT)
    need = needed_initial(state)
    if len(state.initial) < need:
        missing = need - len(state.initial)
        return Standing(INITIAL, anomalies=(Anomaly("missing", f"缺 {missing} 个评分"),))
    if state.mode == SINGLE:
        return Standing(DONE, state.initial[0])
    if state.mode == PANEL:
        spread = max(state.initial) - min(state.initial)
        anomalies = ()
        if spread > state.tolerance:
            anomalies = (Anomaly("spread", f"评分组最高与最低分相差 {_shown(spread)} 分,超过允许误差"),)
        return Standing(DONE, marking.mean(state.initial), anomalies)
    a, b = state.initial[0], state.initial[1]
    outcome = marking.reconcile(a, b, tolerance=state.tolerance, third=state.third, leader=state.leader)
    gap = abs(a - b)
    if outcome.status == marking.NEEDS_THIRD:
        return Standing(THIRD, anomalies=(Anomaly("third", f"两评相差 {_shown(gap)} 分,超过允许误差"),))
    if outcome.status == marking.NEEDS_LEADER:
        return Standing(LEADER, anomalies=(Anomaly("leader", "第三评后最接近的两个评分仍超过允许误差"),))
    anomalies = ()
    if gap > state.tolerance:  # settled by a third mark or the leader: still worth the leader's eye
        anomalies = (Anomaly("spread", f"两评相差 {_shown(gap)} 分,已经第三评或组长评定"),)
    return Standing(DONE, outcome.mark, anomalies)


def next_role(state: PaperState) -> str | None:
    """The role the next mark on this paper takes (INITIAL, THIRD, LEADER) or None when it takes none."""
    step = standing(state).step
    return step if step in (INITIAL, THIRD, LEADER) else None


def subject_entry(subject: str, state: PaperState) -> dict[str, Any]:
    """The paper as the results judge takes one subject (`dudao results judge` FILE's subject entry)."""
    entry: dict[str, Any] = {"subject": subject, "full": _number(state.full)}
    if state.absent:
        entry["absent"] = True
    elif state.mode == SINGLE:
        entry["mark"] = _number(state.initial[0])
    elif state.mode == PANEL:
        entry["panel"] = [_number(m) for m in state.initial]
    else:
        entry["marks"] = [_number(m) for m in state.initial[:2]]
        entry["tolerance"] = _number(state.tolerance)
        if state.third is not None:
            entry["third"] = _number(state.third)
        if state.leader is not None:
            entry["leader"] = _number(state.leader)
    return entry


def book_content(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The score book: one row per paper code, ordered by code, with every mark (examiner id, role, value)
    and the final mark; no candidate identity (EXAM-6)."""
    return sorted(
        (
            {
                "code": row["code"],
                "absent": bool(row.get("absent")),
                "marks": sorted(
                    (
                        {"examiner": m["examiner"], "role": m["role"], "value": m["value"]}
                        for m in row["marks"]
                    ),
                    key=lambda m: (m["role"], m["examiner"]),
                ),
                "mark": row.get("mark"),
            }
            for row in rows
        ),
        key=lambda r: r["code"],
    )


def book_digest(content: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """(algorithm, hex digest) of a score book's canonical JSON: SM3 where OpenSSL has it, else SHA-256."""
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    try:
        return "sm3", hashlib.new("sm3", data).hexdigest()
    except ValueError:  # an OpenSSL built without SM3
        return "sha256", hashlib.sha256(data).hexdigest()


def _number(value: Fraction) -> int | float:
    """An entered mark (at most two decimals) as JSON: an int when whole, else the float that prints as its
    decimal, which the judge reads back exactly (`marking.exact`)."""
    if value.denominator == 1:
        return value.numerator
    return float(marking.display(value, 2))


def _shown(value: Fraction) -> str:
    return str(marking.display(value))
