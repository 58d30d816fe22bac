"""Who sees and reviews flags (issue 13): authority users of the flag's region (their region or below)
and superusers. Institutions, supervisors, examiners and the public never see flags."""

from __future__ import annotations

from typing import Any

from dudao.accounts.permissions import is_authority_user, is_superuser, region_prefix_covers


def may_see_flags(user: Any) -> bool:
    return bool(is_superuser(user) or is_authority_user(user))


def flag_region(flag: Any) -> str | None:
    if flag.institution_id is not None:
        return flag.institution.region_id
    if flag.authority_id is not None:
        return flag.authority.region_id
    return None


def may_review(user: Any, flag: Any) -> bool:
    if is_superuser(user):
        return True
    return bool(is_authority_user(user) and region_prefix_covers(user, flag_region(flag)))
