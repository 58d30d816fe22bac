"""Supervisor contract terms (SUP-5): add and renew."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from dudao.common import audit
from dudao.common.errors import (
    IllegalTransition,
)
from dudao.common.writes import (
    fail,
    lock,
    require,
    save_new,
)

from .. import domain
from ..models import (
    Supervisor,
    SupervisorContract,
)
from ..permissions import (
    can_change_supervisor,
)
from .cards import _require_supervisor_active

# --------------------------------------------------------------------------------------- contracts (SUP-5)


def _terms(supervisor: Supervisor) -> list[domain.Term]:
    return [domain.Term(c.term_no, c.starts_on, c.ends_on) for c in supervisor.contracts.order_by("term_no")]


@transaction.atomic
def supervisor_contract_add(
    *, actor, supervisor: Supervisor, starts_on: dt.date | None = None
) -> SupervisorContract:
    """Sign the next contract term (SUP-5): 3 years, at most three, never overlapping the previous one."""
    supervisor = lock(supervisor)  # serialises term numbering
    require(can_change_supervisor(actor, supervisor))
    _require_supervisor_active(supervisor)
    if starts_on is not None and not isinstance(starts_on, dt.date):
        raise fail("starts_on", "聘期起始日期格式应为 YYYY-MM-DD")
    existing = _terms(supervisor)
    term = domain.next_term(existing, starts_on)
    contract = SupervisorContract(
        supervisor=supervisor, term_no=term.term_no, starts_on=term.starts_on, ends_on=term.ends_on
    )
    save_new(contract)
    action = "people.supervisor_contract.renew" if existing else "people.supervisor_contract.add"
    audit.record(actor=actor, action=action, obj=contract, after=audit.snapshot(contract))
    return contract


@transaction.atomic
def supervisor_contract_renew(
    *, actor, supervisor: Supervisor, starts_on: dt.date | None = None
) -> SupervisorContract:
    """续聘: the next term, by default from the day after the last one ends (SUP-5)."""
    if not supervisor.contracts.exists():
        raise IllegalTransition("该督导员尚无聘任合同,请先签订首届合同")
    return supervisor_contract_add(actor=actor, supervisor=supervisor, starts_on=starts_on)
