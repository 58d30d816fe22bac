"""Who may change people records (rules predicates); read scopes live in selectors.py.

Matrix and reasons: docs/permissions-people.md.
"""

from __future__ import annotations

import rules

from dudao.accounts.permissions import (
    can_reveal_pii,
    is_authority_user,
    is_institution_admin,
    is_superuser,
    region_prefix_covers,
)


def _authority_region(authority) -> str | None:
    return authority.region_id if authority is not None else None


def can_manage_supervisor_target(user, *, kind: str, authority=None, institution=None) -> bool:
    """SUP-1: external supervisors are managed by authority staff of their region (or above),
    internal ones by the admin of their institution."""
    if is_superuser(user):
        return True
    if kind == "external":
        return bool(is_authority_user(user) and region_prefix_covers(user, _authority_region(authority)))
    if kind == "internal":
        return bool(
            is_institution_admin(user) and institution is not None and institution.pk == user.institution_id
        )
    return False


def can_manage_examiner_target(user, *, authority=None) -> bool:
    """Examiners are managed by authority staff whose region covers the managing authority."""
    if is_superuser(user):
        return True
    return bool(
        is_authority_user(user) and authority is not None and region_prefix_covers(user, authority.region_id)
    )


@rules.predicate
def can_change_supervisor(user, supervisor) -> bool:
    if supervisor is None:
        return bool(is_superuser(user) or is_authority_user(user) or is_institution_admin(user))
    return can_manage_supervisor_target(
        user, kind=supervisor.kind, authority=supervisor.authority, institution=supervisor.institution
    )


@rules.predicate
def can_change_examiner(user, examiner) -> bool:
    if examiner is None:
        return bool(is_superuser(user) or is_authority_user(user))
    return can_manage_examiner_target(user, authority=examiner.authority)


@rules.predicate
def can_change_person(user, person) -> bool:
    """Authority staff: persons they registered (region) or who are external supervisors / examiners
    in their region; institution admin: their employees and internal supervisors."""
    if is_superuser(user):
        return True
    if person is None:
        return bool(is_authority_user(user) or is_institution_admin(user))
    if is_authority_user(user):
        if person.registered_by_id is not None and region_prefix_covers(user, person.registered_by.region_id):
            return True
        for sup in person.supervisor_roles.select_related("authority").filter(kind="external"):
            if region_prefix_covers(user, _authority_region(sup.authority)):
                return True
        examiner = getattr(person, "examiner", None) if _has_examiner(person) else None
        return bool(examiner is not None and can_manage_examiner_target(user, authority=examiner.authority))
    if is_institution_admin(user):
        if person.employer_id == user.institution_id:
            return True
        return person.supervisor_roles.filter(kind="internal", institution_id=user.institution_id).exists()
    return False


def _has_examiner(person) -> bool:
    from .models import Examiner

    try:
        person.examiner  # noqa: B018 - touches the reverse one-to-one
    except Examiner.DoesNotExist:
        return False
    return True


@rules.predicate
def can_declare_relation(user, person) -> bool:
    """SUP-8/EXAM-4: a person declares their own relations; their managers may record them too."""
    if person is not None and getattr(user, "person_id", None) == person.pk and user.is_authenticated:
        return True
    return bool(can_change_person(user, person))


rules.add_perm("people.change_supervisor", can_change_supervisor)
rules.add_perm("people.change_examiner", can_change_examiner)
rules.add_perm("people.change_person", can_change_person)
rules.add_perm("people.declare_relation", can_declare_relation)
rules.add_perm("people.reveal_person_id", can_reveal_pii)
