"""The workflows as tables (DESIGN: workflows are tables): status → {next status: who may take the step}.

Draw (RAND-1/2): defined → published (scenario frozen, digests and seed commitment public) → run (the
pure engine on the frozen scenario with the hidden seed) → locked (seed revealed, tasks dispatched).

Task (issue 4, item 4; ACT-4, ACT-6): dispatched → accepted / declined → on_site → report_submitted →
special: preliminary_opinion → sent_to_institution → defence_submitted | defence_window_closed →
opinion_issued → rectification_submitted → reverified → closed; daily: report_submitted → closed or
rectification_ordered → rectification_submitted → reverified → closed; escalated (INST-4 penalty) from
the later stages; a failed re-verification orders a new rectification round.
"""

from __future__ import annotations

from .models import Draw, FilingTermination, SupervisionTask
from .permissions import (
    can_answer_for_institution,
    can_decide_for_authority,
    can_decide_termination,
    can_manage_draw,
    can_manage_task,
    can_reverify,
    is_accepted_member,
    is_daily,
    is_special,
    is_task_leader,
    is_task_member,
    is_termination_institution,
)

D = Draw.Status
S = SupervisionTask.Status

DRAW_TRANSITIONS = {
    D.DEFINED: {D.PUBLISHED: can_manage_draw, D.CANCELLED: can_manage_draw},
    D.PUBLISHED: {D.RUN: can_manage_draw, D.CANCELLED: can_manage_draw},
    D.RUN: {D.LOCKED: can_manage_draw},
    D.LOCKED: {},
    D.CANCELLED: {},
}

TASK_TRANSITIONS = {
    S.DISPATCHED: {S.ACCEPTED: is_task_member, S.DECLINED: is_task_member, S.CANCELLED: can_manage_task},
    S.DECLINED: {S.DISPATCHED: can_manage_task, S.CANCELLED: can_manage_task},
    S.ACCEPTED: {S.ON_SITE: is_accepted_member, S.CANCELLED: can_manage_task},
    S.ON_SITE: {S.REPORT_SUBMITTED: is_task_leader},
    S.REPORT_SUBMITTED: {
        S.PRELIMINARY_OPINION: is_task_leader & is_special,
        S.RECTIFICATION_ORDERED: can_manage_task & is_daily,
        S.CLOSED: can_manage_task & is_daily,
        S.ESCALATED: can_decide_for_authority,
    },
    S.PRELIMINARY_OPINION: {S.SENT_TO_INSTITUTION: is_task_leader | can_manage_task},
    S.SENT_TO_INSTITUTION: {
        S.DEFENCE_SUBMITTED: can_answer_for_institution,
        S.DEFENCE_WINDOW_CLOSED: can_manage_task,
    },
    S.DEFENCE_SUBMITTED: {S.OPINION_ISSUED: can_decide_for_authority},
    S.DEFENCE_WINDOW_CLOSED: {S.OPINION_ISSUED: can_decide_for_authority},
    S.OPINION_ISSUED: {
        S.RECTIFICATION_SUBMITTED: can_answer_for_institution,
        S.CLOSED: can_manage_task,
        S.ESCALATED: can_decide_for_authority,
    },
    S.RECTIFICATION_ORDERED: {
        S.RECTIFICATION_SUBMITTED: can_answer_for_institution,
        S.ESCALATED: can_decide_for_authority,
    },
    S.RECTIFICATION_SUBMITTED: {
        S.REVERIFIED: can_reverify,
        S.RECTIFICATION_ORDERED: can_reverify,
        S.ESCALATED: can_decide_for_authority,
    },
    S.REVERIFIED: {S.CLOSED: can_manage_task},
    S.ESCALATED: {S.CLOSED: can_decide_for_authority},
    S.CLOSED: {},
    S.CANCELLED: {},
}

# Termination of a filing after a missed rectification (seed 004): notified (the statement window runs) →
# statement_submitted → terminated | withdrawn; without a statement the authority decides once the window
# has passed (the service checks the date). Terminated and withdrawn are final.
T = FilingTermination.Status
TERMINATION_TRANSITIONS = {
    T.NOTIFIED: {
        T.STATEMENT_SUBMITTED: is_termination_institution,
        T.TERMINATED: can_decide_termination,
        T.WITHDRAWN: can_decide_termination,
    },
    T.STATEMENT_SUBMITTED: {T.TERMINATED: can_decide_termination, T.WITHDRAWN: can_decide_termination},
    T.TERMINATED: {},
    T.WITHDRAWN: {},
}
OPEN_TERMINATION_STATUSES = frozenset({T.NOTIFIED, T.STATEMENT_SUBMITTED})

# Stages after the report: the institution (and, for covert tasks, the public) may see the task.
AFTER_REPORT = frozenset(
    {
        S.REPORT_SUBMITTED,
        S.PRELIMINARY_OPINION,
        S.SENT_TO_INSTITUTION,
        S.DEFENCE_SUBMITTED,
        S.DEFENCE_WINDOW_CLOSED,
        S.OPINION_ISSUED,
        S.RECTIFICATION_ORDERED,
        S.RECTIFICATION_SUBMITTED,
        S.REVERIFIED,
        S.CLOSED,
        S.ESCALATED,
    }
)
OPEN_STATUSES = frozenset(set(S.values) - {S.CLOSED, S.CANCELLED})
ACTIVE_BEFORE_REPORT = frozenset({S.DISPATCHED, S.DECLINED, S.ACCEPTED, S.ON_SITE})


def allowed_next(status: str) -> list[str]:
    """The statuses the table allows after `status` (for pages: which buttons may exist)."""
    return list(TASK_TRANSITIONS.get(status, {}))
