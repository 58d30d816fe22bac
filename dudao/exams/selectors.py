"""Reads of evaluation operations, scoped by user (see permissions.py for who sees what)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import NotFound
from dudao.registry.domain import region_code_prefix
from dudao.registry.permissions import user_region_prefix
from dudao.supervision.selectors import live_memberships

from .models import CheckIn, ExamPlan, ExamRoom, ExamSession, Registration, RoomStaff, Seat, Violation

_NONE = Q(pk__in=[])


def localdate() -> dt.date:
    return timezone.localdate()


def _active_member(path: str, person_id: int) -> Exists:
    """A member of a live supervision task for the batch: not replaced, not declined, task not cancelled."""
    return Exists(
        live_memberships().filter(task__batch_id=OuterRef(f"{path}id"), supervisor__person_id=person_id)
    )


def batch_scope(user: Any, path: str) -> Q | None:
    """Q over rows whose registry.Batch is at `path` (e.g. "plan__batch__") for the users who oversee the
    batch as a whole: the institution, the authority by region, the batch's supervisors (逢考必督).
    None = everything. Examiners are not in it: they see only their rooms (`_staffed`)."""
    if not getattr(user, "is_authenticated", False):
        return _NONE
    if is_superuser(user):
        return None
    q = _NONE
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        if prefix:
            q |= Q(**{f"{path}institution__region__code__startswith": prefix})
    elif is_institution_user(user):
        q |= Q(**{f"{path}institution_id": user.institution_id})
    person_id = getattr(user, "person_id", None)
    if person_id:
        q |= Q(_active_member(path, person_id))
    return q


def _staffed(user: Any, **room_lookup: Any) -> Q:
    """Rows reached from a room the user's examiner currently staffs; `room_lookup` ties RoomStaff's room
    to the outer row (e.g. room__seats__registration_id=OuterRef("id"))."""
    person_id = getattr(user, "person_id", None)
    if not (getattr(user, "is_authenticated", False) and person_id):
        return _NONE
    return Q(
        Exists(
            RoomStaff.objects.filter(examiner__person_id=person_id, replaced_by__isnull=True, **room_lookup)
        )
    )


def _scoped(qs: QuerySet, q: Q | None, staffed: Q) -> QuerySet:
    return qs if q is None else qs.filter(q | staffed)


def plans_for(user: Any) -> QuerySet[ExamPlan]:
    """Plans the user oversees, and the plans where his examiner staffs a room (plan pages show counts
    and the published duties; candidates' records stay limited to his rooms)."""
    return _scoped(
        ExamPlan.objects.all(),
        batch_scope(user, "batch__"),
        _staffed(user, room__session__plan_id=OuterRef("id")),
    )


def registrations_for(user: Any) -> QuerySet[Registration]:
    """An examiner reads only the candidates seated in the rooms he staffs."""
    return _scoped(
        Registration.objects.all(),
        batch_scope(user, "plan__batch__"),
        _staffed(user, room__seats__registration_id=OuterRef("id")),
    )


def sessions_for(user: Any) -> QuerySet[ExamSession]:
    return _scoped(
        ExamSession.objects.all(),
        batch_scope(user, "plan__batch__"),
        _staffed(user, room__session_id=OuterRef("id")),
    )


def rooms_for(user: Any) -> QuerySet[ExamRoom]:
    return _scoped(
        ExamRoom.objects.all(),
        batch_scope(user, "session__plan__batch__"),
        _staffed(user, room_id=OuterRef("id")),
    )


def oversees(user: Any, plan: ExamPlan) -> bool:
    """The plan as a whole (fee ledger, every ticket): its institution, authority or supervisors."""
    q = batch_scope(user, "batch__")
    return q is None or ExamPlan.objects.filter(q, pk=plan.pk).exists()


def _get(qs: QuerySet, pk: Any, noun: str):
    try:
        return qs.get(pk=int(pk))
    except (ValueError, TypeError, qs.model.DoesNotExist):
        raise NotFound(f"{noun}不存在或无权查看") from None


def plan_get(user: Any, pk: Any) -> ExamPlan:
    return _get(
        plans_for(user).select_related("batch__institution", "batch__occupation", "batch__filing"),
        pk,
        "认定计划",
    )


def registration_get(user: Any, pk: Any) -> Registration:
    qs = registrations_for(user).select_related(
        "plan__batch__institution", "plan__batch__occupation", "person"
    )
    return _get(qs, pk, "报名记录")


def room_get(user: Any, pk: Any) -> ExamRoom:
    return _get(rooms_for(user).select_related("session__plan__batch__institution"), pk, "考场")


def session_get(user: Any, pk: Any) -> ExamSession:
    return _get(sessions_for(user).select_related("plan__batch"), pk, "场次")


# ------------------------------------------------------------------------------------- public notices


def public_plans(*, region: str = "", occupation: str = "", q: str = "", today: dt.date | None = None):
    """Published plans whose registration window has not closed (公告, no login), newest first."""
    today = today or localdate()
    qs = (
        ExamPlan.objects.filter(status=ExamPlan.Status.PUBLISHED, registration_closes_on__gte=today)
        .select_related("batch__institution__region", "batch__occupation")
        .order_by("registration_closes_on", "id")
    )
    if region:
        # a full code means that region and all below it (500000 → "50", not every code starting with 5)
        prefix = region_code_prefix(region) if len(region) == 6 and region.isdigit() else region
        qs = qs.filter(batch__institution__region__code__startswith=prefix)
    if occupation:
        qs = qs.filter(
            Q(batch__occupation__code=occupation) | Q(batch__occupation__name__icontains=occupation)
        )
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(batch__institution__name__icontains=q))
    return qs


def public_plan_get(pk: Any) -> ExamPlan:
    qs = ExamPlan.objects.filter(
        status__in=[ExamPlan.Status.PUBLISHED, ExamPlan.Status.CLOSED]
    ).select_related("batch__institution__region", "batch__occupation", "batch__venue")
    return _get(qs, pk, "公告")


# ------------------------------------------------------------------------------------- live views


def attendance_by_room(plan: ExamPlan) -> list[dict[str, Any]]:
    """Per room of the plan: expected seats, check-in counts (present, late, absent, not yet), violations.
    Three grouped queries (joining seats and violations in one would multiply the counts)."""
    rooms = list(
        ExamRoom.objects.filter(session__plan=plan)
        .select_related("session")
        .annotate(expected=Count("seats"))
        .order_by("session__starts_at", "name", "id")
    )
    marks: dict[tuple[int, str], int] = {}
    for row in (
        CheckIn.objects.filter(seat__room__session__plan=plan)
        .values("seat__room_id", "status")
        .annotate(n=Count("id"))
    ):
        marks[(row["seat__room_id"], row["status"])] = row["n"]
    violations = dict(
        Violation.objects.filter(room__session__plan=plan)
        .values("room_id")
        .annotate(n=Count("id"))
        .values_list("room_id", "n")
    )
    out = []
    for room in rooms:
        counts = {status: marks.get((room.pk, status), 0) for status in CheckIn.Status.values}
        out.append(
            {
                "room": room,
                "session": room.session,
                "expected": room.expected,
                **counts,
                "pending": room.expected - sum(counts.values()),
                "violations": violations.get(room.pk, 0),
            }
        )
    return out


def seat_for_ticket(room: ExamRoom, ticket_number: str) -> Seat | None:
    return (
        Seat.objects.filter(room=room, registration__ticket_number=ticket_number)
        .select_related("registration__person")
        .first()
    )


def live_for_batch(user: Any, batch: Any) -> dict[str, Any] | None:
    """What a supervisor's task shows of the batch's exam (逢考必督, issue 10 §7): roster counts, attendance
    by room, violations and notes with a citation line each, and the room duties. None without a plan."""
    if batch is None:
        return None
    plan = plans_for(user).filter(batch=batch).first()
    if plan is None:
        return None
    counts = dict(plan.registrations.values("status").annotate(n=Count("id")).values_list("status", "n"))
    rows = attendance_by_room(plan)
    violations = list(
        Violation.objects.filter(room__session__plan=plan)
        .select_related("room", "registration__person")
        .order_by("created_at", "pk")
    )
    for v in violations:
        who = f"考生 {v.registration.number} {v.registration.person.name}" if v.registration_id else "集体"
        v.citation = f"考场记录:{v.room.name} · {who} · {v.get_measure_display()} · {v.facts}"
    staff = list(
        RoomStaff.objects.filter(room__session__plan=plan, replaced_by__isnull=True)
        .select_related("room", "examiner__person")
        .order_by("room__name", "pk")
    )
    duties: dict[str, list[str]] = {}
    for row in staff:
        duties.setdefault(row.room.name, []).append(row.examiner.person.name)
    return {
        "plan": plan,
        "counts": counts,
        "approved": counts.get("approved", 0),
        "rooms": rows,
        "violations": violations,
        "duties": sorted(duties.items()),
    }
