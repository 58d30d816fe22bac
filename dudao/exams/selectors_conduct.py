"""Reads of examiner conduct, scoped by user (permissions_conduct for who may act).

Proposals: superusers all; authority users those of institutions in their region (or below); institution
users their own institution's; an examiner his own; a supervisor those he raised by hand. Anyone else:
none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import NotFound
from dudao.registry.permissions import user_region_prefix

from .models import RoomStaff
from .models_conduct import SanctionProposal

_NONE = Q(pk__in=[])


def proposals_for(user: Any) -> QuerySet[SanctionProposal]:
    qs = SanctionProposal.objects.select_related("examiner__person", "institution", "batch")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if is_superuser(user):
        return qs
    q = _NONE
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        if prefix:
            q |= Q(institution__region__code__startswith=prefix)
    elif is_institution_user(user):
        q |= Q(institution_id=user.institution_id)
    person_id = getattr(user, "person_id", None)
    if person_id:
        # his own; and what he raised by hand (a team leader recording attendance does not see the
        # proposals it raises about colleagues)
        q |= Q(examiner__person_id=person_id)
        q |= Q(proposed_by=user) & ~Q(source=SanctionProposal.Source.ATTENDANCE)
    return qs.filter(q)


def own_proposals(user: Any) -> QuerySet[SanctionProposal]:
    """The examiner's own proposals and decisions (the "my conduct" page)."""
    person_id = getattr(user, "person_id", None)
    if not (getattr(user, "is_authenticated", False) and person_id):
        return SanctionProposal.objects.none()
    return proposals_for(user).filter(examiner__person_id=person_id)


def proposal_get(user: Any, pk: Any) -> SanctionProposal:
    try:
        return proposals_for(user).get(pk=int(pk))
    except (SanctionProposal.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def search_proposals(
    qs: QuerySet[SanctionProposal], *, status: str = "", ground: str = "", q: str = ""
) -> QuerySet[SanctionProposal]:
    if status in SanctionProposal.Status.values:
        qs = qs.filter(status=status)
    if ground in SanctionProposal.Ground.values:
        qs = qs.filter(ground=ground)
    q = (q or "").strip()[:64]
    if q:
        qs = qs.filter(Q(examiner__person__name__contains=q) | Q(institution__name__contains=q))
    return qs


def evidence(proposal: SanctionProposal) -> list[RoomStaff]:
    """The duties behind a proposal, with their attendance, by session start."""
    return list(
        proposal.duties.select_related("room__session__plan", "attendance", "examiner__person").order_by(
            "room__session__starts_at", "id"
        )
    )


def room_duties(room: Any) -> list[RoomStaff]:
    """Every examiner assigned to the room (replaced ones too), with attendance."""
    return list(
        RoomStaff.objects.filter(room=room)
        .select_related("examiner__person", "attendance", "replaced_by__examiner__person")
        .order_by("id")
    )


def _led_rooms(user: Any) -> QuerySet:
    from .models import ExamRoom

    person_id = getattr(user, "person_id", None)
    if not (getattr(user, "is_authenticated", False) and person_id):
        return ExamRoom.objects.none()
    return ExamRoom.objects.filter(session__plan__batch__team_leader__person_id=person_id)


def attendance_room_get(user: Any, pk: Any):
    """A room whose examiners' attendance the user reads: the rooms in his scope, and for the batch's
    考评组长 every room of the batch. 404 otherwise."""
    from .selectors import rooms_for

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    room = rooms_for(user).filter(pk=pk).first() or _led_rooms(user).filter(pk=pk).first()
    if room is None:
        raise NotFound("考场不存在或无权查看")
    return room


def duty_get(user: Any, pk: Any) -> RoomStaff:
    """A room duty in a room the user reads attendance of (404 otherwise)."""
    try:
        duty = RoomStaff.objects.select_related("room").get(pk=int(pk))
    except (RoomStaff.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    attendance_room_get(user, duty.room_id)
    return duty
