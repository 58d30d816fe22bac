"""Writers of evaluation operations (the only code that writes exams rows; each audits in its transaction)."""

from .arrangement import room_create, seats_assign, session_create
from .assignment import (
    assignment_generate,
    assignment_lock,
    assignment_publish,
    build_scenario,
    staff_replace,
)
from .eligibility_rules import eligibility_rules_load, rules_for_occupation
from .examday import (
    absences_mark,
    checkin_record,
    room_note_add,
    seat_for_code,
    seat_swap,
    venue_check,
    violation_decide,
    violation_record,
)
from .plans import (
    plan_cancel,
    plan_close,
    plan_create,
    plan_publish,
    plan_update,
    question_policy_for,
    question_policy_set,
)
from .registrations import (
    candidate_may_act,
    find_own_registration,
    own_registration_token,
    precheck,
    registration_from_token,
    registration_record_fee,
    registration_review,
    registration_submit,
    registration_withdraw,
)

__all__ = [
    "absences_mark",
    "assignment_generate",
    "assignment_lock",
    "assignment_publish",
    "build_scenario",
    "candidate_may_act",
    "checkin_record",
    "eligibility_rules_load",
    "find_own_registration",
    "own_registration_token",
    "plan_cancel",
    "plan_close",
    "plan_create",
    "plan_publish",
    "plan_update",
    "precheck",
    "question_policy_for",
    "question_policy_set",
    "registration_from_token",
    "registration_record_fee",
    "registration_review",
    "registration_submit",
    "registration_withdraw",
    "room_create",
    "room_note_add",
    "rules_for_occupation",
    "seat_for_code",
    "seat_swap",
    "seats_assign",
    "session_create",
    "staff_replace",
    "venue_check",
    "violation_decide",
    "violation_record",
]
