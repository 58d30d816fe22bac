"""Pure rules of the survey after a supervision task (QUAL-4) and its aggregation (no Django).

Candidates and examiners of the supervised batch rate the supervision anonymously with a few 1–5
questions; results are shown only as aggregates and only from MIN_RESPONSES answers on, so that nobody
can be identified from a small group. The survey closes after CLOSE_WORKDAYS working days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

# The questions (1 = 很不满意 … 5 = 很满意); the keys are stored with each response.
QUESTIONS: dict[str, str] = {
    "fairness": "督导员对评价过程的监督是否公正、客观",
    "conduct": "督导员是否遵守纪律、文明督导、不干扰考试",
    "discipline": "督导后考场纪律和评价秩序是否明显改善",
    "overall": "总体上您对本次督导工作是否满意",
}
SCALE = (1, 2, 3, 4, 5)
SCALE_LABELS = {1: "很不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "很满意"}
ROLES: dict[str, str] = {"candidate": "考生", "examiner": "考评人员"}
MIN_RESPONSES = 5  # QUAL-4: aggregates hidden below this number (n = 4 hidden, n = 5 shown)
CLOSE_WORKDAYS = 10  # default: the survey accepts answers up to the 10th working day after it opens
MAX_CODES = 500  # codes issued per survey at one time
COMMENT_MAX = 500


def check_scores(scores: Any) -> dict[str, int] | dict[str, str]:
    """The errors by question (Chinese), or {} when every question has an integer 1–5."""
    errors: dict[str, str] = {}
    if not isinstance(scores, Mapping):
        return {"scores": "请为每个问题打分"}
    for key, label in QUESTIONS.items():
        value = scores.get(key)
        if isinstance(value, bool) or not isinstance(value, int | str):
            errors[key] = f"请为「{label}」打分"
            continue
        try:
            number = int(value)
        except ValueError:
            errors[key] = f"请为「{label}」打分"
            continue
        if number not in SCALE:
            errors[key] = f"「{label}」的分值须为 1–5"
    unknown = sorted(set(scores) - set(QUESTIONS))
    if unknown:
        errors["scores"] = "含有不存在的问题"
    return errors


def _mean(total: int, n: int) -> Decimal:
    return (Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Aggregate:
    """What may be shown of a survey: the number of answers always; the rest only when `shown`."""

    responses: int
    by_role: dict[str, int]
    shown: bool
    questions: list[dict[str, Any]]  # key, label, counts {1..5: n}, mean
    overall_mean: Decimal | None
    comments: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "responses": self.responses,
            "by_role": self.by_role,
            "shown": self.shown,
            "minimum": MIN_RESPONSES,
            "questions": self.questions,
            "overall_mean": self.overall_mean,
            "comments": self.comments,
        }


def aggregate(rows: Iterable[tuple[str, Mapping[str, int], str]], minimum: int = MIN_RESPONSES) -> Aggregate:
    """Counts and means per question of (role, scores, comment) rows; nothing but the count below
    `minimum` (QUAL-4 anonymity). Comments are sorted, so their order says nothing about who wrote them."""
    rows = list(rows)
    n = len(rows)
    by_role = {role: sum(1 for r in rows if r[0] == role) for role in ROLES}
    if n < minimum:
        return Aggregate(n, by_role, False, [], None, [])
    questions = []
    grand = 0
    for key, label in QUESTIONS.items():
        values = [int(r[1][key]) for r in rows]
        grand += sum(values)
        questions.append(
            {
                "key": key,
                "label": label,
                "counts": {str(v): values.count(v) for v in SCALE},
                "mean": _mean(sum(values), n),
            }
        )
    comments = sorted(c for _, _, c in rows if c)
    return Aggregate(n, by_role, True, questions, _mean(grand, n * len(QUESTIONS)), comments)


def pooled_mean(parts: Iterable[tuple[int, Decimal | None]]) -> tuple[int, Decimal | None]:
    """(answers, mean) over surveys that were shown, weighted by their answers (SUP-9 figure)."""
    total = Decimal(0)
    n = 0
    for count, mean in parts:
        if mean is None or count <= 0:
            continue
        total += Decimal(mean) * count
        n += count
    if n == 0:
        return 0, None
    return n, (total / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
