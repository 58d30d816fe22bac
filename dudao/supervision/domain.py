"""Pure supervision rules (no Django). The draw engine lives in `dudao.supervision.draw`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from dudao.common.errors import ValidationFailed
from dudao.supervision.draw.assign import ACT4_REASON, REASON_ORDER, AssignmentOutcome
from dudao.supervision.draw.engine import (
    HASH_ALGORITHMS,
    DrawResult,
    Verification,
    scenario_digest,
    seed_commitment,
    solve_draw,
    solve_parsed,
    verify_draw,
)
from dudao.supervision.draw.protocol import (
    LEGACY_WARNING,
    MAX_WITNESSES,
    MIN_WITNESSES,
    SCHEME_SERVER,
    SCHEME_WITNESS,
    PublicVerification,
    check_commitment,
    check_witness_value,
    final_seed,
    record_for_seed,
    verify_public_draw,
    witness_commitment,
)
from dudao.supervision.draw.scenario import (
    Sample,
    Scenario,
    Supervisor,
    Target,
    load_scenario_json,
    parse_scenario,
)
from dudao.supervision.draw.select import draw_key, select_targets

__all__ = [
    "ACT4_REASON",
    "HASH_ALGORITHMS",
    "LADDER_RUNGS",
    "LEGACY_WARNING",
    "MAX_RESPONSIBLE_PERSONS",
    "MAX_WITNESSES",
    "MIN_WITNESSES",
    "REASON_ORDER",
    "SCHEME_SERVER",
    "SCHEME_WITNESS",
    "TERMINATION_GROUNDS",
    "AssignmentOutcome",
    "DrawResult",
    "LadderStep",
    "PublicVerification",
    "Sample",
    "Scenario",
    "Supervisor",
    "Target",
    "Verification",
    "check_commitment",
    "check_ladder_step",
    "check_termination_may_start",
    "check_witness_value",
    "clean_responsible_persons",
    "draw_key",
    "final_seed",
    "ladder_rung",
    "load_scenario_json",
    "parse_scenario",
    "record_for_seed",
    "scenario_digest",
    "seed_commitment",
    "select_targets",
    "solve_draw",
    "solve_parsed",
    "verify_draw",
    "verify_public_draw",
    "witness_commitment",
]


# ------------------------------------------------------------------------- INST-4 escalation ladder
# 001 art. 18: "通报批评并责令其改正;拒不改正或情节严重的,对直接负责的主管人员和其他责任人员,向其主管
# 部门提出给予处分的建议;直至取消其技能人才评价工作资格". Three rungs; suspension (暂停) is an interim
# measure from the filing rules (seed 004), outside the ladder.
LADDER_RUNGS: dict[str, int] = {
    "public_criticism": 1,
    "order_to_correct": 1,
    "disciplinary_proposal": 2,
    "revocation": 3,
}
MAX_RESPONSIBLE_PERSONS = 20
RUNG_LABELS = {1: "通报批评或责令改正", 2: "建议给予处分", 3: "取消评价工作资格"}


def ladder_rung(kind: str) -> int | None:
    """The rung of a penalty kind on INST-4's ladder (None: outside it, e.g. suspension)."""
    return LADDER_RUNGS.get(kind)


@dataclass(frozen=True)
class LadderStep:
    """One proposed step: its kind, the rung of the earlier penalty it builds on, and the seriousness."""

    kind: str
    previous_kind: str | None = None
    serious: bool = False
    serious_reason: str = ""
    responsible_persons: tuple[str, ...] = ()


def _refuse(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, detail={field: [message]})


def clean_responsible_persons(values: Sequence[object] | str | None) -> tuple[str, ...]:
    """The named responsible persons: one per entry (or line), stripped, empty ones dropped, no repeats."""
    if values is None:
        return ()
    items = values.splitlines() if isinstance(values, str) else [str(v) for v in values]
    seen: list[str] = []
    for item in items:
        name = " ".join(str(item).split())
        if name and name not in seen:
            seen.append(name)
    for name in seen:
        if len(name) > 64:
            raise _refuse("responsible_persons", "每名责任人员不超过 64 个字符", "responsible_persons")
    if len(seen) > MAX_RESPONSIBLE_PERSONS:
        raise _refuse(
            "responsible_persons", f"责任人员最多 {MAX_RESPONSIBLE_PERSONS} 名", "responsible_persons"
        )
    return tuple(seen)


def check_ladder_step(step: LadderStep) -> None:
    """INST-4: a rung may follow only the rung below it (an earlier penalty recorded against the
    institution: the 拒不改正 case), unless the matter is serious (情节严重, with a written reason), which
    may go straight to a disciplinary proposal or to revocation. A disciplinary proposal names at least
    one responsible person (直接负责的主管人员和其他责任人员)."""
    rung = ladder_rung(step.kind)
    if step.serious and not step.serious_reason.strip():
        raise _refuse("serious_reason", "认定情节严重须写明理由", "serious_reason")
    if rung == 2 and not step.responsible_persons:
        raise _refuse(
            "responsible_persons",
            "建议给予处分须写明直接负责的主管人员和其他责任人员(至少一名)",
            "responsible_persons",
        )
    if rung is None or rung == 1 or step.serious:
        return
    previous = ladder_rung(step.previous_kind) if step.previous_kind else None
    if previous is None or previous < rung - 1:
        below = RUNG_LABELS[rung - 1]
        raise _refuse(
            "escalated_from",
            f"须先作出「{below}」的处理且拒不改正,才能{RUNG_LABELS[rung]};情节严重的,请勾选并写明理由",
            "ladder_skip",
        )


# ----------------------------------------------------------- termination after a missed rectification
# Seed 004 (整改通知书): "若逾期未整改或未按要求完成整改,将视情况对你单位采取终止…备案等措施".
TERMINATION_GROUNDS: dict[str, str] = {
    "rectification_overdue": "逾期未整改",
    "rectification_incomplete": "未按要求完成整改",
    "renewal_rectification_overdue": "延续备案整改期满未完成整改",  # REN-4, started from the renewal
}


def check_termination_may_start(
    *, round_status: str, due_on: dt.date, submitted_late: bool, today: dt.date
) -> None:
    """The latest rectification round must have missed its deadline: the due date itself is still open
    (termination from the next day), and no submission made in time is accepted or awaiting review."""
    if today <= due_on:
        raise _refuse(
            "rectification",
            f"整改期限至 {due_on.isoformat()},尚未届满,不能启动终止备案程序",
            "rectification_open",
        )
    if round_status == "passed":
        raise _refuse("rectification", "整改已复核通过,不能启动终止备案程序", "rectification_passed")
    if round_status == "submitted" and not submitted_late:
        raise _refuse(
            "rectification",
            "整改材料已按期提交,请先复核;复核未通过的再按新的期限办理",
            "rectification_pending",
        )
