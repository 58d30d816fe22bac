"""Who may see which dashboard."""

from __future__ import annotations

from typing import Any

from dudao.accounts.permissions import (
    is_authority_user,
    is_institution_user,
    is_superuser,
    region_prefix_covers,
)


def can_view_authority_dashboard(user: Any) -> bool:
    return bool(is_superuser(user) or is_authority_user(user))


def can_view_institution_dashboard(user: Any, institution: Any) -> bool:
    """The institution's own users; authority users whose region covers it; superusers."""
    if institution is None:
        return False
    if is_institution_user(user):
        return user.institution_id == institution.pk
    return bool(
        (is_superuser(user) or is_authority_user(user)) and region_prefix_covers(user, institution.region_id)
    )
