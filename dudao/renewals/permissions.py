"""Who may read and act on renewal applications (REN-7 谁备案、谁负责; matrix in docs/manual/renewals.md).

Reads: superusers all; authority users the applications whose deciding authority lies in their region
(or below) — a province centre oversees its districts' renewals read-only; institution users their own
institution's applications; everyone else nothing (404).
Writes: the institution's admin applies and withdraws; only users of the authority that holds the filing
accept, decide, open evaluations and record outcomes (REN-7). In scope but not allowed → 403.
"""

from __future__ import annotations

from typing import Any

import rules

from dudao.accounts.permissions import (
    is_authority_admin,
    is_authority_user,
    is_institution_admin,
    is_institution_user,
    is_superuser,
    region_prefix,
)


def user_region_prefix(user: Any) -> str | None:
    """region_prefix(user), cached on the user object for the request (it costs queries)."""
    if not hasattr(user, "_renewals_region_prefix"):
        try:
            user._renewals_region_prefix = region_prefix(user)
        except AttributeError:  # AnonymousUser
            user._renewals_region_prefix = None
    return user._renewals_region_prefix


@rules.predicate
def oversees_application(user, application) -> bool:
    """An authority user whose region contains the deciding authority's region."""
    if application is None or not is_authority_user(user):
        return False
    prefix = user_region_prefix(user)
    return bool(prefix and application.authority.region_id.startswith(prefix))


@rules.predicate
def holds_filing(user, application) -> bool:
    """REN-7: a user of the authority that holds the filing (and so decides the renewal)."""
    return bool(
        application is not None and is_authority_user(user) and user.authority_id == application.authority_id
    )


@rules.predicate
def is_evaluation_centre(user, application) -> bool:
    """Two-step renewal (seed 004 四(一)): a user of the centre that evaluates for the filing's authority."""
    return bool(
        application is not None
        and getattr(application, "evaluation_centre_id", None)
        and is_authority_user(user)
        and user.authority_id == application.evaluation_centre_id
    )


@rules.predicate
def evaluates(user, application) -> bool:
    """Who opens the evaluation and records its result: the centre (two steps), else the filing authority."""
    if application is None:
        return False
    if getattr(application, "evaluation_centre_id", None):
        return is_evaluation_centre(user, application)
    return holds_filing(user, application)


@rules.predicate
def is_applicant(user, application) -> bool:
    """A user of the applying institution."""
    return bool(
        application is not None
        and is_institution_user(user)
        and user.institution_id == application.institution_id
    )


@rules.predicate
def is_applicant_admin(user, application) -> bool:
    return bool(
        application is not None
        and is_institution_admin(user)
        and user.institution_id == application.institution_id
    )


@rules.predicate
def may_apply_for(user, filing) -> bool:
    """The filing's institution admin applies; the filing's authority may record a paper application."""
    if filing is None:
        return False
    if is_institution_admin(user):
        return user.institution_id == filing.institution_id
    return is_authority_user(user) and user.authority_id == filing.authority_id


@rules.predicate
def may_configure(user, authority) -> bool:
    return bool(authority is not None and is_authority_admin(user) and user.authority_id == authority.pk)


can_view_application = is_superuser | oversees_application | is_applicant
can_decide = is_superuser | holds_filing
can_evaluate = is_superuser | evaluates
can_withdraw = is_superuser | is_applicant_admin
can_apply = is_superuser | may_apply_for
can_configure = is_superuser | may_configure
can_use_renewals = is_superuser | is_authority_user | is_institution_user  # page-level: the menu entry


# New filing applications (新备案申请): the institution's admin applies, withdraws and completes returned
# materials; the authority the application is addressed to reviews, evaluates and decides.
@rules.predicate
def is_filing_applicant_admin(user, application) -> bool:
    return bool(
        application is not None
        and is_institution_admin(user)
        and user.institution_id == application.institution_id
    )


@rules.predicate
def receives_filing_application(user, application) -> bool:
    return bool(
        application is not None and is_authority_user(user) and user.authority_id == application.authority_id
    )


@rules.predicate
def may_apply_for_filing(user, institution) -> bool:
    """The institution's admin applies; its authority may record a paper application."""
    if institution is None:
        return False
    if is_institution_admin(user):
        return user.institution_id == institution.pk
    return is_authority_user(user) and user.authority_id == institution.authority_id


can_apply_filing = is_superuser | may_apply_for_filing
can_handle_filing_application = is_superuser | receives_filing_application
can_amend_filing_application = is_superuser | is_filing_applicant_admin

rules.add_perm("renewals.decide_filingapplication", can_handle_filing_application)

rules.add_perm("renewals.view_renewalapplication", can_view_application)
rules.add_perm("renewals.add_renewalapplication", can_apply)
rules.add_perm("renewals.decide_renewalapplication", can_decide)
rules.add_perm("renewals.withdraw_renewalapplication", can_withdraw)
rules.add_perm("renewals.change_renewalconfig", can_configure)
