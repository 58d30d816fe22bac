"""Retakes (EXAM-11): a candidate who failed a single subject may retake that subject once, in a later batch
of the same occupation and level, carrying the subjects he passed. [interpretation, configurable: "within
the next unified round" is read as a window of months after the original exam, default 12.]

Pure: the original result's judge output and dates in, the refusal (Chinese) or the carried subjects out.
The services will use it when a retake registration is made and when its result is judged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .results import SUBJECT_NAMES
from .upload import add_months

DEFAULT_WINDOW_MONTHS = 12


def retake_refusal(
    *,
    judged: Mapping[str, Any] | None,
    published: bool,
    subject: str,
    original_exam_day: dt.date,
    retake_exam_day: dt.date,
    already_retaken: bool,
    window_months: int = DEFAULT_WINDOW_MONTHS,
) -> str | None:
    """Why this retake is refused (Chinese), or None. `judged` is the original result's judge output
    (`{"pass", "subjects": [{"subject", "pass", ...}], "missing": [...]}`)."""
    if already_retaken:  # first: whatever the result says, a second retake is never allowed
        return "该科目已补考过一次,不能再次补考"
    if not published or judged is None:
        return "原批次成绩尚未公示,不能报名补考"
    if judged.get("missing"):
        return "原成绩缺少科目,不能按补考报名"
    failed = [s["subject"] for s in judged.get("subjects", ()) if s.get("pass") is False]
    if len(failed) != 1:
        return "只有一个科目不合格的考生可以补考该科目" if failed else "原成绩各科均已合格,无需补考"
    if subject != failed[0]:
        return f"补考科目应为不合格的{SUBJECT_NAMES.get(failed[0], failed[0])}"
    if retake_exam_day <= original_exam_day:
        return "补考须在原考试之后的批次进行"
    last = add_months(original_exam_day, window_months)
    if retake_exam_day > last:
        return f"补考期限至 {last:%Y-%m-%d},已超过"
    return None


def carried_subjects(marks: Sequence[Mapping[str, Any]], retaken: str) -> list[dict[str, Any]]:
    """The original result's subject entries (as the judge takes them) that a retake carries: every subject
    but the one retaken."""
    return [dict(entry) for entry in marks if entry.get("subject") != retaken]
