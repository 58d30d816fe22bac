"""The handling of a complaint as a table (DESIGN: workflows are tables): status → {next status: who may
take the step}. Only an assigned handler or an authority admin of the region acts (COMPL-2)."""

from __future__ import annotations

from dudao.common.transitions import TransitionTable

from .domain import HANDLING_STEPS
from .permissions import may_act

HANDLING: TransitionTable = {
    source.value: {target.value: may_act} for source, target in HANDLING_STEPS.values()
}
