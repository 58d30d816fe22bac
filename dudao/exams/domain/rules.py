"""Pure rules of evaluation operations (考务): registration windows, fees, question sources, sessions,
violations. No Django; the services call these with plain values.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

LEVELS = (1, 2, 3, 4, 5)
REVIEW_LEVELS = (1, 2)  # EXAM-7/14: the comprehensive review is for 二级 and 一级 only
SUBJECTS = ("theory", "practical", "review")
MEASURES = ("advice", "warning", "stop", "void")
COLLECTIVE_NEEDS_APPROVAL = ("stop", "void")  # EXAM-8
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
assert len(NUMBER_ALPHABET) == 32  # new_number picks with 5 random bits
MONEY = Decimal("0.01")


def registration_open(opens_on: dt.date, closes_on: dt.date, today: dt.date) -> bool:
    """INST-6: registration is open from the first day to the last day of the window, both included."""
    return opens_on <= today <= closes_on


def may_withdraw(deadline: dt.date, today: dt.date) -> bool:
    """A registration may be withdrawn up to and including the published withdrawal deadline."""
    return today <= deadline


def window_problems(
    opens_on: dt.date, closes_on: dt.date, withdraw_deadline: dt.date, exam_day: dt.date
) -> dict:
    """The published dates must follow each other: open ≤ close ≤ … < exam day; withdrawal ≤ exam day."""
    problems: dict[str, list[str]] = {}
    if closes_on < opens_on:
        problems["registration_closes_on"] = ["报名截止日期不能早于报名开始日期"]
    if closes_on >= exam_day:
        problems.setdefault("registration_closes_on", []).append("报名截止日期须早于考试开始日期")
    if withdraw_deadline < opens_on:
        problems["withdraw_deadline"] = ["撤回截止日期不能早于报名开始日期"]
    elif withdraw_deadline >= exam_day:
        problems["withdraw_deadline"] = ["撤回截止日期须早于考试开始日期"]
    return problems


def parse_fees(raw: Mapping, levels: list[int]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """INST-6: a fee per level of the batch, from the official standard: a non-negative amount in yuan with
    at most two decimals. Returns ({"4": "300.00"}, errors)."""
    fees: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for level in levels:
        value = raw.get(str(level), raw.get(level)) if isinstance(raw, Mapping) else None
        if value in (None, ""):
            errors.setdefault("fees", []).append(f"缺少{level}级的收费标准")
            continue
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            errors.setdefault("fees", []).append(f"{level}级的收费标准不是金额:{value}")
            continue
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(MONEY) or amount >= 100000:
            errors.setdefault("fees", []).append(f"{level}级的收费标准应为 0 至 99999.99 元、最多两位小数")
            continue
        fees[str(level)] = str(amount.quantize(MONEY, rounding=ROUND_HALF_UP))
    extra = sorted(str(k) for k in (raw or {}) if str(k) not in {str(level) for level in levels})
    if extra:
        errors.setdefault("fees", []).append(f"本批次没有这些等级:{'、'.join(extra)}")
    return fees, errors


def question_source_problems(
    bank_only: bool, source: str, compilation_note: str, expert_review_ref: str
) -> dict:
    """INST-5: where the authority allows only the provincial bank, a self-built bank is refused; a
    self-built bank needs its compilation explanation and the expert review on file."""
    if source == "self_built":
        if bank_only:
            return {"question_source": ["本地区规定只能使用省级题库,不能使用自建题库"]}
        problems: dict[str, list[str]] = {}
        if not compilation_note.strip():
            problems["compilation_note"] = ["使用自建题库须填写编制说明"]
        if not expert_review_ref.strip():
            problems["expert_review_ref"] = ["使用自建题库须登记专家审定材料编号"]
        return problems
    if source != "provincial_bank":
        return {"question_source": ["题库来源只能是省级题库或自建题库"]}
    return {}


def session_problems(subject: str, level: int, batch_levels: list[int]) -> dict:
    """A session is for one subject and one level of the batch; the review only for levels 2 and 1."""
    if subject not in SUBJECTS:
        return {"subject": ["科目只能是理论知识考试、操作技能考核或综合评审"]}
    if level not in batch_levels:
        return {"level": [f"本批次不含{level}级"]}
    if subject == "review" and level not in REVIEW_LEVELS:
        return {"subject": ["综合评审只适用于二级(技师)和一级(高级技师)"]}
    return {}


def admission_cutoff(starts_at: dt.datetime, late_minutes: int) -> dt.datetime:
    """The moment after which a candidate is no longer admitted and the absent may be recorded."""
    return starts_at + dt.timedelta(minutes=late_minutes)


def attendance_status(
    starts_at: dt.datetime, at: dt.datetime, late_minutes: int, opens_minutes: int
) -> tuple[str | None, str]:
    """Which attendance a scan at `at` records for a session starting at `starts_at`: ("present", "") up to
    the start, ("late", "") after it and before the admission cut-off; (None, reason) outside that (check-in
    opens `opens_minutes` before the start; from the cut-off on nobody is admitted and the seat is absent)."""
    opens = starts_at - dt.timedelta(minutes=opens_minutes)
    if at < opens:
        return None, "签到尚未开始"
    if at <= starts_at:
        return "present", ""
    if at < admission_cutoff(starts_at, late_minutes):
        return "late", ""
    return None, "已过入场截止时间,不能再签到入场"


def violation_approval(collective: bool, measure: str) -> str:
    """EXAM-8: an individual's measure needs nobody's approval; a collective violation is stopped or voided
    only with the centre's approval (advice and warning stand at once)."""
    if measure not in MEASURES:
        raise ValueError(measure)
    return "pending" if collective and measure in COLLECTIVE_NEEDS_APPROVAL else "not_needed"


def new_number(prefix: str, length: int = 8) -> str:
    """A registration or ticket number: the prefix and random characters nobody can guess or count.

    The alphabet has 32 characters: the low 5 bits of each random byte pick one uniformly (one system call
    per number instead of two per character: a roster import draws 100,000)."""
    return prefix + "".join(NUMBER_ALPHABET[b & 31] for b in secrets.token_bytes(length))


def seat_plan(capacities: list[int], candidates: list[str]) -> list[list[str]]:
    """Fill rooms in order, seat by seat (candidates of one occupation and level together — the caller
    passes one session's candidates). Raises ValueError when the rooms hold fewer than the candidates."""
    if sum(capacities) < len(candidates):
        raise ValueError("capacity")
    rooms: list[list[str]] = []
    start = 0
    for cap in capacities:
        rooms.append(candidates[start : start + cap])
        start += cap
    return rooms
