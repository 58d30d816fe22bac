"""Supervision writers: draws, tasks and their groups, findings, reports, opinions, rectification,
penalties, ratings, assessments and misconduct records. Every mutation goes through these functions.

Order of refusals (nothing is written in any case): object outside the actor's scope → NotFound; in scope
but the role may not take the step → PermissionDenied; stale `row_version` → Conflict; a step the
workflow table does not allow → IllegalTransition; bad input → ValidationFailed.

The package splits the writers by aggregate; importing `dudao.supervision.services` gives all of them."""

from .draws import (
    DRAW_FIELDS,
    draw_cancel,
    draw_define,
    draw_lock,
    draw_publish,
    draw_run,
    draw_update,
    draw_witness_add,
    draw_witness_remove,
    draw_witness_reveal,
)
from .findings import (
    finding_add,
    finding_attach_evidence,
    finding_delete,
    finding_remove_evidence,
    finding_update,
)
from .penalties import (
    penalty_impose,
    penalty_lift,
)
from .performance import (
    assessment_decide,
    misconduct_record,
    misconduct_withdraw,
    rating_submit,
    supervisor_renew,
)
from .policy import (
    POLICY_FIELDS,
    policy_update,
)
from .rectification import (
    rectification_attach_evidence,
    rectification_order,
    rectification_review,
    rectification_submit,
    task_close,
    task_escalate,
)
from .reports_opinions import (
    defence_submit,
    defence_window_close,
    opinion_issue,
    preliminary_opinion_prepare,
    preliminary_opinion_send,
    report_correct,
    report_submit,
)
from .self_evaluation import (
    self_evaluation_request,
    self_evaluation_review,
    self_evaluation_submit,
    self_evaluation_upload,
)
from .surveys import (
    survey_answer,
    survey_issue_codes,
    survey_open,
)
from .tasks import (
    eligibility_problems,
    member_replace,
    member_review_decline,
    task_accept,
    task_cancel,
    task_create,
    task_decline,
    task_start_on_site,
)
from .terminations import (
    termination_decide,
    termination_start,
    termination_statement,
)

__all__ = [
    "DRAW_FIELDS",
    "POLICY_FIELDS",
    "assessment_decide",
    "defence_submit",
    "defence_window_close",
    "draw_cancel",
    "draw_define",
    "draw_lock",
    "draw_publish",
    "draw_run",
    "draw_update",
    "draw_witness_add",
    "draw_witness_remove",
    "draw_witness_reveal",
    "eligibility_problems",
    "finding_add",
    "finding_attach_evidence",
    "finding_delete",
    "finding_remove_evidence",
    "finding_update",
    "member_replace",
    "member_review_decline",
    "misconduct_record",
    "misconduct_withdraw",
    "opinion_issue",
    "penalty_impose",
    "penalty_lift",
    "policy_update",
    "preliminary_opinion_prepare",
    "preliminary_opinion_send",
    "rating_submit",
    "rectification_attach_evidence",
    "rectification_order",
    "rectification_review",
    "rectification_submit",
    "report_correct",
    "report_submit",
    "self_evaluation_request",
    "self_evaluation_review",
    "self_evaluation_submit",
    "self_evaluation_upload",
    "supervisor_renew",
    "survey_answer",
    "survey_issue_codes",
    "survey_open",
    "task_accept",
    "task_cancel",
    "task_close",
    "task_create",
    "task_decline",
    "task_escalate",
    "task_start_on_site",
    "termination_decide",
    "termination_start",
    "termination_statement",
]
