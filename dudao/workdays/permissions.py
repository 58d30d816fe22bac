"""Who may maintain the official holiday arrangements (CAL-3): superusers, authority admins and the
system administrator (reference data, SEC-2 三权分立)."""

from __future__ import annotations

import rules

from dudao.accounts.permissions import is_authority_admin, is_superuser, is_system_admin

can_change_arrangement = is_superuser | is_authority_admin | is_system_admin

rules.add_perm("workdays.change_officialarrangement", can_change_arrangement)
rules.add_perm("workdays.add_officialarrangement", can_change_arrangement)
