"""Publication of results, objections and when certificates may be issued (EXAM-9, EXAM-17, EXAM-12).
Pure: dates in, verdicts out; the working-day counting is the caller's calendar (CAL-1..4)."""

from __future__ import annotations

import datetime as dt


def results_visible(published: bool) -> bool:
    """EXAM-9: nothing about a result reaches a candidate before the organising unit publishes."""
    return published


def objection_open(closes_on: dt.date, today: dt.date) -> bool:
    """EXAM-17: a re-check may be asked for up to and including the window's last working day."""
    return today <= closes_on


def certificate_refusal(
    publicity_ends_on: dt.date | None,
    objections_close_on: dt.date | None,
    today: dt.date,
    open_objections: int,
) -> str | None:
    """EXAM-17: certificates only after the 公示 window has closed (its last day over) without an open
    objection. The objection window may be longer than the 公示 (10 against 5 working days by default):
    issuing waits for its last day too, so no re-check can still change a result a certificate was issued
    on. The reason in Chinese, or None when issuing may go ahead."""
    if publicity_ends_on is None or objections_close_on is None:
        return "成绩尚未公示,不能发证"
    if today <= publicity_ends_on:
        return f"公示期至 {publicity_ends_on:%Y-%m-%d},公示期满后方可发证"
    if today <= objections_close_on:
        return f"复核申请截止 {objections_close_on:%Y-%m-%d},截止后方可发证"
    if open_objections:
        return f"尚有 {open_objections} 件复核申请未处理,处理完毕后方可发证"
    return None


def certificate_kind(institution_kind: str) -> str | None:
    """EXAM-12's kind letter from the institution kind: Y employer, S social evaluation organisation; a
    technical school's letter is not documented (None: the filing authority sets it)."""
    return {"employer": "Y", "social_org": "S"}.get(institution_kind)


def publicity_live(publicity_ends_on: dt.date, today: dt.date) -> bool:
    """EXAM-9: the masked list of who passed is public up to and including the 公示 window's last day."""
    return today <= publicity_ends_on


def mask_name(name: str) -> str:
    """A name on the public 公示 list: the first and last characters kept, the middle starred (王*明);
    two characters keep the first (王*); one character stays."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
