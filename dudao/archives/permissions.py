"""Who may read and act on batch archives (ARCH-1, ARCH-2; matrix in docs/archives.md).

Reads: the users who oversee the batch as a whole (`dudao.exams.selectors.batch_scope`): superusers, the
authority by region, the institution's own users, the batch's supervisors. Downloading the ZIP (personal
data, masked) is narrower: the institution's users, the authority's users of the region, superusers — not
the supervisors, who see the manifest and may verify it.
Writes: sealing is the institution admin's (`dudao.exams.permissions.may_administer`, superusers too);
destruction plans, their approval and the receipt are the institution admin's only (irreversible; the unit
that keeps the records answers for destroying them — no superuser).
"""

from __future__ import annotations

from typing import Any

from dudao.accounts.permissions import (
    is_institution_admin,
    is_institution_user,
    is_superuser,
    region_prefix_covers,
)
from dudao.exams.permissions import may_administer


def may_seal(user: Any, plan: Any) -> bool:
    return may_administer(user, plan)


def may_download(user: Any, package: Any) -> bool:
    if is_superuser(user):
        return True
    if is_institution_user(user):
        return user.institution_id == package.institution_id
    return region_prefix_covers(user, package.institution.region_id)


def may_destroy(user: Any, institution: Any) -> bool:
    """Destruction plans, approval and receipts: the institution's own admin."""
    institution_id = getattr(institution, "pk", institution)
    return bool(is_institution_admin(user) and user.institution_id == institution_id)
