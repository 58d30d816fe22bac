"""Risk score of an evaluation institution and its draw weight (issue 13 item 2; RAND-1, ACT-3, INST-4,
COMPL-3). Pure Python, no Django: the inputs are plain counts per institution, already split by age.

The formula (docs/analytics.md, 风险评分):

    score  = Σ over items  points(item) × Σ over age bands  count(item, band) × decay(band)
    weight = min(1 + score / WEIGHT_SCALE, WEIGHT_CAP), rounded to 2 decimals

An event's age is counted in whole days from its date to the scoring day; age band k holds ages
[365k, 365(k+1)); bands 0, 1, 2 decay by 1, 1/2, 1/4 (a half-life of one year, in steps so that each
count stays a plain count anyone can check); events three years old or more no longer count (the same
three years as the draw's prior-violation look-back). RAND-1 says the draw ratio is raised for targets
with many complaints, prior violations or abnormal data; the sources set no numbers, so every point
value, the decay and the scale below are our interpretation, chosen so that one serious matter
outweighs several minor ones and a score of 10 doubles an institution's chance of being drawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

BAND_DAYS = 365
DECAY: tuple[Fraction, ...] = (Fraction(1), Fraction(1, 2), Fraction(1, 4))  # per age band
HORIZON_DAYS = BAND_DAYS * len(DECAY)  # 1095 days: older events no longer count
WEIGHT_SCALE = 10  # a score of 10 doubles the draw weight
WEIGHT_CAP = Decimal(10)  # no institution is more than ten times as likely as a clean one


@dataclass(frozen=True, slots=True)
class Item:
    """One kind of event counted towards the score."""

    key: str
    group: str
    label: str
    points: int
    basis: str  # where the count comes from, said plainly (shown in the 依据 tooltip)


# Our interpretation throughout: the sources name the grounds (RAND-1) and the penalty ladder (INST-4)
# but no points.
ITEMS: tuple[Item, ...] = (
    # ACT-3 data comparison (dudao.analytics Flag): dismissed flags never count.
    Item("flag_open", "flags", "待核查的数据比对疑点", 2, "数据比对发现、尚未核查的疑点"),
    Item("flag_confirmed", "flags", "已确认的数据比对疑点", 6, "经核查确认的疑点;已排除的不计"),
    # ACT-1/SUP-6 findings of supervision tasks, by severity ("none" counts nothing).
    Item("finding_minor", "findings", "督导发现一般问题", 1, "督导任务记录的一般问题"),
    Item("finding_major", "findings", "督导发现较重问题", 3, "督导任务记录的较重问题"),
    Item("finding_serious", "findings", "督导发现严重问题", 6, "督导任务记录的严重问题"),
    # INST-4 rungs, lifted or not (the violation happened).
    Item("penalty_public_criticism", "penalties", "通报批评", 5, "处理决定:通报批评"),
    Item("penalty_order_to_correct", "penalties", "责令改正", 5, "处理决定:责令改正"),
    Item("penalty_disciplinary_proposal", "penalties", "建议给予处分", 10, "处理决定:建议给予处分"),
    Item("penalty_suspension", "penalties", "暂停评价工作", 15, "处理决定:暂停评价工作(暂停备案)"),
    Item("penalty_revocation", "penalties", "取消评价工作资格", 25, "处理决定:取消评价工作资格"),
    # COMPL-3: a verified complaint counts against the institution; one not yet concluded counts a little;
    # declined and not-verified complaints count nothing.
    Item("complaint_pending", "complaints", "收到的投诉(尚无调查结论)", 1, "已收到或正在办理的投诉"),
    Item("complaint_verified", "complaints", "查实的投诉", 5, "调查结论为查实的投诉"),
    # ACT-6 rectification history.
    Item("rectification_late", "rectifications", "逾期提交整改", 2, "整改报告在期限后提交"),
    Item("rectification_failed", "rectifications", "整改复核未通过", 4, "整改复核结论为未通过"),
    Item("rectification_missed", "rectifications", "逾期未完成整改", 4, "整改期限已过仍未提交"),
)
ITEM_KEYS: tuple[str, ...] = tuple(item.key for item in ITEMS)
GROUP_LABELS: dict[str, str] = {
    "flags": "数据比对疑点",
    "findings": "督导发现",
    "penalties": "处理决定",
    "complaints": "投诉",
    "rectifications": "整改",
}


def age_band(event_day: dt.date, as_of: dt.date) -> int | None:
    """The age band of an event dated `event_day` on `as_of`: 0, 1, 2, or None when too old.

    A future date (a complaint received later the same day in another zone) is band 0."""
    age = (as_of - event_day).days
    if age >= HORIZON_DAYS:
        return None
    return max(age, 0) // BAND_DAYS


def band_starts(as_of: dt.date) -> tuple[dt.date, ...]:
    """The earliest day of each band: an event on day d is in band k iff starts[k] <= d and
    (k == 0 or d < starts[k-1]); days before starts[-1] no longer count."""
    return tuple(as_of - dt.timedelta(days=BAND_DAYS * (k + 1) - 1) for k in range(len(DECAY)))


@dataclass(frozen=True, slots=True)
class Part:
    """One item of the score: its counts per age band, its points and what it adds."""

    key: str
    group: str
    label: str
    points: int
    counts: tuple[int, ...]
    weighted_count: Fraction
    value: Decimal
    basis: str

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class RiskScore:
    score: Decimal
    weight: Decimal
    parts: tuple[Part, ...]  # only items with at least one counted event, in ITEMS order

    def as_dict(self) -> dict:
        return {
            "score": float(self.score),
            "weight": float(self.weight),
            "parts": [
                {
                    "key": p.key,
                    "group": p.group,
                    "label": p.label,
                    "points": p.points,
                    "counts": list(p.counts),
                    "value": float(p.value),
                    "basis": p.basis,
                }
                for p in self.parts
            ],
        }


def _two_places(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def draw_weight(score: Decimal | Fraction | int) -> Decimal:
    """RAND-1 draw weight from a score: 1 + score / WEIGHT_SCALE, at most WEIGHT_CAP, 2 decimals."""
    exact = score if isinstance(score, Fraction) else Fraction(score)
    value = _two_places(Fraction(1) + exact / WEIGHT_SCALE)
    return min(value, WEIGHT_CAP)


def risk_score(counts: Mapping[str, Sequence[int]]) -> RiskScore:
    """The score of one institution from `counts`: item key -> counts per age band (missing = 0).

    Unknown keys, negative counts or more bands than DECAY raise ValueError (a caller's mistake)."""
    unknown = sorted(set(counts) - set(ITEM_KEYS))
    if unknown:
        raise ValueError(f"unknown risk items: {', '.join(unknown)}")
    total = Fraction(0)
    parts = []
    for item in ITEMS:
        raw = tuple(counts.get(item.key, ()))
        if len(raw) > len(DECAY) or any(not isinstance(c, int) or c < 0 for c in raw):
            raise ValueError(f"{item.key}: counts must be at most {len(DECAY)} non-negative integers")
        bands = raw + (0,) * (len(DECAY) - len(raw))
        weighted = sum((c * d for c, d in zip(bands, DECAY, strict=True)), Fraction(0))
        if not any(bands):
            continue
        value = weighted * item.points
        total += value
        parts.append(
            Part(
                item.key, item.group, item.label, item.points, bands, weighted, _two_places(value), item.basis
            )
        )
    score = _two_places(total)
    return RiskScore(score=score, weight=draw_weight(total), parts=tuple(parts))


def empty_counts() -> dict[str, list[int]]:
    """Zero counts for every item, one per band (the selector fills them)."""
    return {key: [0] * len(DECAY) for key in ITEM_KEYS}
