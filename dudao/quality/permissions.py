"""Who may do what with quality reports (QUAL-1).

The authority's users manage the reports of their own authority and read those of authorities in their
region; an institution's users see only published reports that include it, and only their own row; they
confirm or request a correction for their institution.
"""

from __future__ import annotations

from typing import Any

from dudao.accounts.permissions import (
    is_authority_user,
    is_institution_user,
    is_superuser,
    region_prefix_covers,
)


def may_create(user: Any) -> bool:
    return bool(is_authority_user(user))


def may_manage(user: Any, report: Any) -> bool:
    """Recompute, publish, close, decide corrections: the report's own authority."""
    return bool(is_authority_user(user) and report.authority_id == user.authority_id)


def sees_all_rows(user: Any, report: Any) -> bool:
    """The whole ranking: superusers and authority users whose region covers the report's authority."""
    if is_superuser(user):
        return True
    return bool(is_authority_user(user) and region_prefix_covers(user, report.authority.region_id))


def may_respond(user: Any, report: Any) -> bool:
    """Confirm or request a correction: a user of an institution that is in the published report."""
    return bool(
        is_institution_user(user)
        and report.status != "draft"
        and report.row_of(user.institution_id) is not None
    )


# ------------------------------------------------------------------ yearly inspection campaign (QUAL-3)


def may_create_campaign(user: Any) -> bool:
    return bool(is_authority_user(user))


def may_manage_campaign(user: Any, campaign: Any) -> bool:
    """Open, draw the sample, inspect, close: the campaign's own authority."""
    return bool(is_authority_user(user) and campaign.authority_id == user.authority_id)


def may_self_inspect(user: Any, entry: Any) -> bool:
    """Fill and submit the self-inspection: a user of the institution of the entry."""
    return bool(is_institution_user(user) and entry.institution_id == user.institution_id)
