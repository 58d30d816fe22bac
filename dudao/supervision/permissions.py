"""Who may act in supervision (rules predicates). Reads are scoped by `selectors`; these decide writes on
objects the user can already see (outside the scope → 404 first, then 403 here).

- Authority users manage draws, tasks, opinions, rectification review and penalties for institutions in
  their region; the institution admin manages internal draws and internal tasks of its own institution.
- Supervisors act on their own memberships; the group leader files the report and preliminary opinion.
- Institution users answer (defence, rectification) and rate supervisors for their own institution.
"""

from __future__ import annotations

import rules

from dudao.accounts.permissions import (
    is_authority_admin,
    is_authority_user,
    is_institution_admin,
    is_institution_user,
    is_superuser,
    region_prefix,
)


def user_prefix(user) -> str | None:
    """The authority user's region prefix, cached on the user object for the request."""
    if not hasattr(user, "_supervision_prefix"):
        try:
            user._supervision_prefix = region_prefix(user)
        except AttributeError:  # AnonymousUser
            user._supervision_prefix = None
    return user._supervision_prefix


def _covers(user, region_code: str | None) -> bool:
    prefix = user_prefix(user)
    return bool(prefix and region_code and region_code.startswith(prefix))


@rules.predicate
def authority_covers_draw(user, draw) -> bool:
    return bool(draw is not None and is_authority_user(user) and _covers(user, draw.authority.region_id))


@rules.predicate
def owns_internal_draw(user, draw) -> bool:
    return bool(
        draw is not None
        and draw.kind == "internal"
        and is_institution_admin(user)
        and draw.institution_id == user.institution_id
    )


@rules.predicate
def authority_covers_task(user, task) -> bool:
    return bool(task is not None and is_authority_user(user) and _covers(user, task.institution.region_id))


@rules.predicate
def owns_internal_task(user, task) -> bool:
    return bool(
        task is not None
        and task.supervisor_kind == "internal"
        and is_institution_admin(user)
        and task.institution_id == user.institution_id
    )


def _member(user, task):
    person_id = getattr(user, "person_id", None)
    if task is None or not person_id:
        return None
    cache = getattr(task, "_member_cache", None)
    if cache is None:
        cache = {}
        task._member_cache = cache
    if person_id not in cache:
        cache[person_id] = (
            task.members.filter(active=True, supervisor__person_id=person_id)
            .select_related("supervisor")
            .first()
        )
    return cache[person_id]


@rules.predicate
def is_task_member(user, task) -> bool:
    """An active member of the task's group (any answer)."""
    return bool(getattr(user, "is_authenticated", False) and _member(user, task) is not None)


@rules.predicate
def is_accepted_member(user, task) -> bool:
    member = _member(user, task) if getattr(user, "is_authenticated", False) else None
    return bool(member is not None and member.response == "accepted")


@rules.predicate
def is_task_leader(user, task) -> bool:
    member = _member(user, task) if getattr(user, "is_authenticated", False) else None
    return bool(member is not None and member.role == "leader" and member.response == "accepted")


@rules.predicate
def is_task_institution(user, task) -> bool:
    """A user of the supervised institution (covert tasks are not visible to them before the report)."""
    return bool(task is not None and is_institution_user(user) and task.institution_id == user.institution_id)


@rules.predicate
def is_special(user, task) -> bool:
    return bool(task is not None and task.kind == "special")


@rules.predicate
def is_daily(user, task) -> bool:
    return bool(task is not None and task.kind == "daily")


can_manage_draw = is_superuser | authority_covers_draw | owns_internal_draw
can_manage_task = is_superuser | authority_covers_task | owns_internal_task
# Opinions (督导意见书) and penalties are the HRSS authority's decisions (ACT-4, INST-4).
can_decide_for_authority = is_superuser | authority_covers_task
can_reverify = can_manage_task | is_task_leader
can_answer_for_institution = is_task_institution


@rules.predicate
def can_manage_institution(user, institution) -> bool:
    """Penalties on an institution: authority users of its region."""
    if is_superuser(user):
        return True
    return bool(institution is not None and is_authority_user(user) and _covers(user, institution.region_id))


@rules.predicate
def can_manage_policy(user, authority) -> bool:
    """An authority's own admins set its supervision policy (or a superuser)."""
    if is_superuser(user):
        return True
    return bool(authority is not None and is_authority_admin(user) and user.authority_id == authority.pk)


can_create_draw = is_superuser | is_authority_user | is_institution_admin

rules.add_perm("supervision.add_draw", can_create_draw)
rules.add_perm("supervision.change_draw", can_manage_draw)
rules.add_perm("supervision.change_task", can_manage_task)
rules.add_perm("supervision.issue_opinion", can_decide_for_authority)
rules.add_perm("supervision.add_penalty", can_manage_institution)
rules.add_perm("supervision.change_policy", can_manage_policy)
rules.add_perm("supervision.view_supervision", is_superuser | is_authority_user | is_institution_user)


# ----------------------------------------------------------------------- termination of a filing
@rules.predicate
def can_decide_termination(user, termination) -> bool:
    """Termination of a filing is the decision of the authority that started it (for a renewal's missed
    rectification: the authority holding the filing, seed 004), not of another authority of the region
    such as a two-step renewal's evaluation centre."""
    if is_superuser(user):
        return True
    return bool(
        termination is not None
        and can_manage_institution(user, termination.institution)
        and user.authority_id
        in {termination.authority_id, getattr(termination.notified_by, "authority_id", None)}
    )


@rules.predicate
def is_termination_institution(user, termination) -> bool:
    """A user of the institution the termination notice is addressed to (its right to be heard)."""
    return bool(
        termination is not None
        and is_institution_user(user)
        and termination.institution_id == user.institution_id
    )
