"""Who may read and act on score forms and evaluations (matrix in docs/manual/evaluations.md).

Reads: superusers all; authority users the evaluations of institutions in their region (and below);
group members the evaluations they are in; institution admins/staff their own institution's evaluations
once signed (read-only); everyone else nothing. Out of scope → 404; in scope but not allowed → 403.
"""

from __future__ import annotations

from typing import Any

import rules

from dudao.accounts.models import Role
from dudao.accounts.permissions import (
    is_authority_admin,
    is_authority_user,
    is_institution_user,
    is_superuser,
    is_system_admin,
    region_prefix,
)

# Roles that may sit in an evaluation group (authority side; never the evaluated institution's people).
EVALUATOR_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF, Role.EXTERNAL_SUPERVISOR})
PUBLISHED_STATUSES = frozenset({"signed", "superseded"})  # what the evaluated institution may read


def user_region_prefix(user: Any) -> str | None:
    """region_prefix(user), cached on the user object for the request (it costs queries)."""
    if not hasattr(user, "_scorecards_region_prefix"):
        try:
            user._scorecards_region_prefix = region_prefix(user)
        except AttributeError:  # AnonymousUser
            user._scorecards_region_prefix = None
    return user._scorecards_region_prefix


def _authority_prefix(user: Any) -> str | None:
    """Region prefix of the user's authority for any role that carries one (external supervisors too)."""
    if not hasattr(user, "_scorecards_authority_prefix"):
        prefix = None
        if getattr(user, "authority_id", None):
            prefix = user.authority.region.prefix
        user._scorecards_authority_prefix = prefix
    return user._scorecards_authority_prefix


def covers_institution(user: Any, institution: Any) -> bool:
    """An authority user whose region contains the institution's region."""
    if institution is None or not is_authority_user(user):
        return False
    prefix = user_region_prefix(user)
    return bool(prefix and institution.region_id and institution.region_id.startswith(prefix))


def member_ids(evaluation: Any) -> set[int]:
    """User ids of the evaluation group (uses prefetched memberships when present)."""
    cache = getattr(evaluation, "_prefetched_objects_cache", {})
    if "memberships" in cache:
        return {m.user_id for m in cache["memberships"]}
    if not hasattr(evaluation, "_scorecards_member_ids"):
        evaluation._scorecards_member_ids = set(evaluation.memberships.values_list("user_id", flat=True))
    return evaluation._scorecards_member_ids


def eligible_evaluator(user: Any, institution: Any) -> bool:
    """May sit in an evaluation group of `institution`: active authority-side user of a covering region."""
    if user is None or not getattr(user, "is_active", False) or user.role not in EVALUATOR_ROLES:
        return False
    prefix = _authority_prefix(user)
    return bool(prefix and institution.region_id and institution.region_id.startswith(prefix))


@rules.predicate
def is_member(user, evaluation) -> bool:
    return bool(evaluation is not None and getattr(user, "pk", None) in member_ids(evaluation))


@rules.predicate
def is_leader(user, evaluation) -> bool:
    return bool(evaluation is not None and user.pk is not None and evaluation.leader_id == user.pk)


@rules.predicate
def covers_evaluation(user, evaluation) -> bool:
    return evaluation is not None and covers_institution(user, evaluation.institution)


@rules.predicate
def is_own_published(user, evaluation) -> bool:
    """The evaluated institution's admin/staff, once the evaluation is signed."""
    return bool(
        evaluation is not None
        and is_institution_user(user)
        and evaluation.institution_id == user.institution_id
        and evaluation.status in PUBLISHED_STATUSES
    )


@rules.predicate
def can_open_for(user, institution) -> bool:
    return is_superuser(user) or covers_institution(user, institution)


can_view_evaluation = is_superuser | covers_evaluation | is_member | is_own_published
can_fill_evaluation = is_member  # answers, notes, evidence (draft only: services check the status)
can_submit_evaluation = is_leader
can_reopen_evaluation = is_leader
can_sign_evaluation = is_member
can_correct_evaluation = is_superuser | covers_evaluation
can_cancel_evaluation = is_superuser | covers_evaluation | is_leader
can_load_form = is_superuser | is_authority_admin | is_system_admin  # reference data (SEC-2)
can_open_evaluation = is_superuser | is_authority_user  # without an institution: may use the open page

rules.add_perm("scorecards.load_scoreformversion", can_load_form)
rules.add_perm("scorecards.add_evaluation", can_open_for)
rules.add_perm("scorecards.view_evaluation", can_view_evaluation)
rules.add_perm("scorecards.fill_evaluation", can_fill_evaluation)
rules.add_perm("scorecards.submit_evaluation", can_submit_evaluation)
rules.add_perm("scorecards.sign_evaluation", can_sign_evaluation)
rules.add_perm("scorecards.correct_evaluation", can_correct_evaluation)
rules.add_perm("scorecards.cancel_evaluation", can_cancel_evaluation)
