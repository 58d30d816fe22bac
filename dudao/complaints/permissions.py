"""Who may read and handle complaints (COMPL-2).

Reads and the acceptance decision: superusers and the authority's users whose region covers the
institution complained about (the institution itself never sees the complaints about it here).
The filer's identity: only users with the right to reveal personal data (`accounts.reveal_pii`:
authority admins, superusers) in that scope, each view audited.
"""

from __future__ import annotations

from typing import Any

from dudao.accounts.permissions import can_reveal_pii, is_authority_user, is_superuser, region_prefix_covers


def may_handle(user: Any, complaint: Any) -> bool:
    if is_superuser(user):
        return True
    return bool(is_authority_user(user) and region_prefix_covers(user, complaint.institution.region_id))


def may_see_filer(user: Any, complaint: Any) -> bool:
    return bool(may_handle(user, complaint) and can_reveal_pii(user) and not complaint.anonymous)
