"""Who may read and handle complaints (COMPL-2).

Reads and the acceptance decision: superusers and the authority's users whose region covers the
institution complained about (the institution itself never sees the complaints about it here).
The filer's identity: only users with the right to reveal personal data (`accounts.reveal_pii`:
authority admins, superusers) in that scope, each view audited.
"""

from __future__ import annotations

from typing import Any

from dudao.accounts.permissions import (
    can_reveal_pii,
    is_authority_admin,
    is_authority_user,
    is_superuser,
    region_prefix_covers,
)

from .recusal import recusal_problems


def may_handle(user: Any, complaint: Any) -> bool:
    if is_superuser(user):
        return True
    return bool(is_authority_user(user) and region_prefix_covers(user, complaint.institution.region_id))


def is_recused(user: Any, complaint: Any) -> bool:
    """A person complained about, or related to the institution, takes no part (COMPL-2, like SUP-8)."""
    if not getattr(user, "is_authenticated", False) or is_superuser(user):
        return False
    return bool(recusal_problems(user, complaint))


def may_see_filer(user: Any, complaint: Any) -> bool:
    """Users with the right, in scope, and never one recused from the complaint (COMPL-2)."""
    if not (may_handle(user, complaint) and can_reveal_pii(user) and not complaint.anonymous):
        return False
    return not is_recused(user, complaint)


def may_assign(user: Any, complaint: Any) -> bool:
    """Handlers are assigned by the authority's admins of the institution's region (or a superuser)."""
    if is_superuser(user):
        return True
    if not (is_authority_admin(user) and region_prefix_covers(user, complaint.institution.region_id)):
        return False
    return not is_recused(user, complaint)


def is_handler(user: Any, complaint: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not may_handle(user, complaint):
        return False
    return complaint.handlers.filter(user_id=user.pk).exists()


def may_act(user: Any, complaint: Any) -> bool:
    """The handling steps: an assigned handler, or an authority admin of the region (COMPL-2)."""
    return may_assign(user, complaint) or (is_handler(user, complaint) and not is_recused(user, complaint))
