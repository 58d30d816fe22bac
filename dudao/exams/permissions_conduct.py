"""Who may record, raise, decide and appeal in examiner conduct (EXAM-10, EXAM-19; matrix in
docs/manual/exams.md).

- Attendance of a room duty: the institution's users of the batch, or the batch's 考评组长 (team leader,
  "the chief examiner") for the other examiners — never for his own duty. Excusing: the institution's admin.
- Raising a proposal by hand: the institution's users of the batch (any ground but the supervisor's);
  supervisors who are live members of a supervision task on the batch (refused supervision, scoring rules,
  disqualification).
- Deciding: users of an authority whose region covers the institution's region (superusers too).
- Appealing: the examiner himself.
"""

from __future__ import annotations

from typing import Any

from dudao.accounts.permissions import is_authority_user, is_examiner, is_superuser, region_prefix_covers
from dudao.supervision.selectors import live_memberships

from .permissions import may_administer, may_run


def leads_batch(user: Any, batch: Any) -> bool:
    """An examiner account whose examiner is the batch's 考评组长."""
    person_id = getattr(user, "person_id", None)
    leader = getattr(batch, "team_leader", None)
    return bool(is_examiner(user) and person_id and leader is not None and leader.person_id == person_id)


def own_duty(user: Any, duty: Any) -> bool:
    person_id = getattr(user, "person_id", None)
    return bool(person_id and duty.examiner.person_id == person_id)


def may_record_attendance(user: Any, duty: Any) -> bool:
    room = duty.room
    if own_duty(user, duty) and not is_superuser(user):
        return False
    return may_run(user, room) or leads_batch(user, room.session.plan.batch)


def may_excuse(user: Any, duty: Any) -> bool:
    return may_administer(user, duty.room)


def supervises_batch(user: Any, batch: Any) -> bool:
    """A supervisor who is a live member of a supervision task on the batch (not replaced, not declined,
    task not cancelled)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return False
    return live_memberships().filter(task__batch=batch, supervisor__person_id=person_id).exists()


def oversees_institution(user: Any, institution: Any) -> bool:
    """Authority staff whose region covers the institution's region (superusers too)."""
    if is_superuser(user):
        return True
    return bool(is_authority_user(user) and region_prefix_covers(user, institution.region_id))


def may_decide(user: Any, proposal: Any) -> bool:
    return oversees_institution(user, proposal.institution)


def is_subject(user: Any, proposal: Any) -> bool:
    person_id = getattr(user, "person_id", None)
    return bool(is_examiner(user) and person_id and proposal.examiner.person_id == person_id)
