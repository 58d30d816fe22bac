"""Reads of masked marking (EXAM-6, 18), shaped by who reads.

- A marker (an examiner on the session's current staff) sees codes only, his own marks, and a paper's
  other marks only once he has given his own (EXAM-18); the team leader also sees every mark of a paper
  that waits for his decision, and the anomalies.
- Those who oversee the plan (its institution, authority, supervisors) see the progress by code; the
  candidates behind the codes only after the tallier's signature joined them (EXAM-6).
Anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dudao.common.errors import NotFound

from .domain import marking as mark_rules
from .domain import score_book as book_rules
from .models import Marking, ScoreBook
from .selectors import oversees, sessions_for
from .services.marking import current_staff, examiner_of, paper_rows


def markings_for(user: Any) -> QuerySet[Marking]:
    return Marking.objects.filter(session__in=sessions_for(user))


def marking_get(user: Any, pk: Any) -> Marking:
    try:
        return markings_for(user).select_related("session__plan__batch", "leader__person").get(pk=int(pk))
    except (ValueError, TypeError, Marking.DoesNotExist):
        raise NotFound("阅卷记录不存在或无权查看") from None


def oversees_marking(user: Any, marking: Marking) -> bool:
    return oversees(user, marking.session.plan)


def _mark(m: Any) -> dict[str, Any]:
    return {"role": m.role, "role_label": m.get_role_display(), "value": m.value, "reason": m.reason}


def marking_view(user: Any, marking: Marking) -> dict[str, Any]:
    """What the user may see of the marking: the papers (by code) and, for overseers after the join, the
    candidates behind them."""
    examiner = examiner_of(user, marking)
    overseer = oversees_marking(user, marking)
    if examiner is None and not overseer:
        raise NotFound("阅卷记录不存在或无权查看")
    joined = marking.status == Marking.Status.SIGNED
    is_leader = examiner is not None and examiner.pk == marking.leader_id
    my_rooms = _rooms_of(marking, examiner) if examiner is not None else set()
    papers = []
    for row in paper_rows(marking):
        standing, marks = row["standing"], row["marks"]
        mine = [m for m in marks if examiner is not None and m.examiner_id == examiner.pk]
        item: dict[str, Any] = {
            "code": row["paper"].code,
            "step": standing.step,
            "step_label": book_rules.STEP_NAMES[standing.step],
            "marks_given": len(marks),
            "anomalies": [a.detail for a in standing.anomalies],
        }
        if examiner is not None:
            sees_all = bool(mine) or (is_leader and standing.step == book_rules.LEADER)
            item["mine"] = [_mark(m) for m in mine]
            item["others"] = [_mark(m) for m in marks if m not in mine] if sees_all else None
            item["may_mark"] = _may_mark(marking, examiner, row, is_leader, my_rooms)
        if overseer or (standing.step == book_rules.DONE and (bool(mine) or is_leader)):
            item["mark"] = None if standing.mark is None else mark_rules.display(standing.mark)
        if overseer and joined:
            registration = row["paper"].seat.registration
            item["registration"] = registration.number
            item["name"] = registration.person.name
        papers.append(item)
    return {
        "marking": marking,
        "examiner": examiner,
        "is_leader": is_leader,
        "overseer": overseer,
        "joined": joined,
        "papers": papers,
        "waiting": sum(
            p["step"] in (book_rules.INITIAL, book_rules.THIRD, book_rules.LEADER) for p in papers
        ),
        "anomalies": [p for p in papers if p["anomalies"]] if (overseer or is_leader) else [],
        "book": current_book(marking),
    }


def _may_mark(
    marking: Marking, examiner: Any, row: dict[str, Any], is_leader: bool, my_rooms: set[int]
) -> bool:
    step = row["standing"].step
    if step == book_rules.LEADER:
        return is_leader
    if step not in (book_rules.INITIAL, book_rules.THIRD):
        return False
    if any(m.examiner_id == examiner.pk for m in row["marks"]):
        return False
    if marking.mode == Marking.Mode.PANEL:
        return row["paper"].seat.room_id in my_rooms
    return True


def _rooms_of(marking: Marking, examiner: Any) -> set[int]:
    return set(current_staff(marking.session).filter(examiner=examiner).values_list("room_id", flat=True))


def current_book(marking: Marking) -> ScoreBook | None:
    """The latest score book version with its signatures (None before the first signature)."""
    return (
        marking.books.order_by("-version")
        .prefetch_related("signatures__user", "signatures__examiner__person")
        .first()
    )
