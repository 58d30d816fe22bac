"""Who may maintain the official holiday arrangements (CAL-3): superusers and authority admins."""

from __future__ import annotations

import rules

from dudao.accounts.permissions import is_authority_admin, is_superuser

can_change_arrangement = is_superuser | is_authority_admin

rules.add_perm("workdays.change_officialarrangement", can_change_arrangement)
rules.add_perm("workdays.add_officialarrangement", can_change_arrangement)
