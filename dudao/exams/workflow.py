"""The workflows of evaluation operations as tables (DESIGN: workflows are tables; common.transitions).

Plan:          draft ──publish──▶ published ──close──▶ closed;  draft | published ──cancel──▶ cancelled
Registration:  submitted ──institution review──▶ institution_approved ──authority confirms──▶ approved
               submitted | institution_approved ──reject──▶ rejected   (seed 003: two levels, a reason)
               submitted | institution_approved | approved ──withdraw (until the deadline)──▶ withdrawn
Assignment:    frozen ──publish──▶ published ──lock──▶ locked
Sanction:      proposed ──authority confirms (a sanction) | dismisses (a reason)──▶ confirmed | dismissed
"""

from __future__ import annotations

from dudao.common.transitions import anyone

from .models import ExamPlan, Registration, RoomAssignment, SanctionProposal
from .permissions import may_administer, may_confirm, may_run
from .permissions_conduct import may_decide

P = ExamPlan.Status
R = Registration.Status
A = RoomAssignment.Status

PLAN_TRANSITIONS = {
    P.DRAFT: {P.PUBLISHED: may_administer, P.CANCELLED: may_administer},
    P.PUBLISHED: {P.CLOSED: may_run, P.CANCELLED: may_administer},
    P.CLOSED: {},
    P.CANCELLED: {},
}

REGISTRATION_TRANSITIONS = {
    # The withdrawal's permission (the candidate or the institution) is checked by the service.
    R.SUBMITTED: {R.INSTITUTION_APPROVED: may_administer, R.REJECTED: may_administer, R.WITHDRAWN: anyone},
    R.INSTITUTION_APPROVED: {R.APPROVED: may_confirm, R.REJECTED: may_confirm, R.WITHDRAWN: anyone},
    R.APPROVED: {R.WITHDRAWN: anyone},
    R.REJECTED: {},
    R.WITHDRAWN: {},
}

ASSIGNMENT_TRANSITIONS = {
    A.FROZEN: {A.PUBLISHED: may_administer},
    A.PUBLISHED: {A.LOCKED: may_administer},
    A.LOCKED: {},
}


# Examiner conduct (EXAM-10): proposed ──authority confirms with a sanction──▶ confirmed
#                            proposed ──authority dismisses with a reason──▶ dismissed   (both final)
S = SanctionProposal.Status

SANCTION_TRANSITIONS = {
    S.PROPOSED: {S.CONFIRMED: may_decide, S.DISMISSED: may_decide},
    S.CONFIRMED: {},
    S.DISMISSED: {},
}
