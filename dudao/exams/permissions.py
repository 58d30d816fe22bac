"""Who may read and act on evaluation operations (issue 10 item 8; matrix in docs/manual/exams.md).

Reads (`plans_for`, selectors): superusers all; authority users the plans of institutions in their region
(or below); institution users their own institution's plans; supervisors the plans of batches they are
members of a task for (逢考必督: they watch it live); examiners the plans where they staff a room.
Candidates read their own registrations on the public pages (number + ID number), not through accounts.

Writes: institution users of the batch's institution run the operations (plan, registrations, first-level
review, arrangement, exam day); the first-level review, publishing and locking need the institution's admin.
The second-level confirmation (seed 003) and the approval of a collective violation's stop/void (EXAM-8)
belong to users of the authority that holds the batch's filing (谁备案、谁负责). Examiners staffing a room
check in, write the room record and confirm or refuse the venue (EXAM-19).
"""

from __future__ import annotations

from typing import Any

from dudao.accounts.permissions import (
    is_authority_user,
    is_examiner,
    is_institution_admin,
    is_institution_user,
    is_superuser,
)


def _batch(obj: Any):
    """The registry.Batch behind a plan, registration, session, room or seat (or the batch itself)."""
    if hasattr(obj, "batch_id"):
        return obj.batch
    if hasattr(obj, "plan_id"):
        return obj.plan.batch
    if hasattr(obj, "session_id"):
        return obj.session.plan.batch
    if hasattr(obj, "room_id"):
        return obj.room.session.plan.batch
    return obj


def runs_batch(user: Any, obj: Any) -> bool:
    """A user of the institution that runs the batch."""
    batch = _batch(obj)
    return bool(is_institution_user(user) and user.institution_id == batch.institution_id)


def administers_batch(user: Any, obj: Any) -> bool:
    """The admin of the institution that runs the batch (publish, first-level review, lock)."""
    batch = _batch(obj)
    return bool(is_institution_admin(user) and user.institution_id == batch.institution_id)


def holds_filing(user: Any, obj: Any) -> bool:
    """A user of the authority that holds the batch's filing (second-level confirmation, EXAM-8 approval)."""
    batch = _batch(obj)
    return bool(is_authority_user(user) and user.authority_id == batch.filing.authority_id)


def staffs_room(user: Any, room: Any) -> bool:
    """An examiner account whose examiner is on the room's current staff."""
    person_id = getattr(user, "person_id", None)
    if not (is_examiner(user) and person_id):
        return False
    return room.staff.filter(examiner__person_id=person_id, replaced_by__isnull=True).exists()


def may_run(user: Any, obj: Any) -> bool:
    """Plan, sessions, rooms, seats, roster: the institution's users (and superusers)."""
    return is_superuser(user) or runs_batch(user, obj)


def may_administer(user: Any, obj: Any) -> bool:
    return is_superuser(user) or administers_batch(user, obj)


def may_confirm(user: Any, obj: Any) -> bool:
    return is_superuser(user) or holds_filing(user, obj)


def may_keep_room(user: Any, room: Any) -> bool:
    """Exam day in a room (check-in, seat swap, room record): the institution's users or its staff."""
    return may_run(user, room) or staffs_room(user, room)
