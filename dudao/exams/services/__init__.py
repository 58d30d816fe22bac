"""Writers of evaluation operations (the only code that writes exams rows; each audits in its transaction)."""

from .arrangement import room_create, seats_assign, session_create
from .assignment import (
    assignment_generate,
    assignment_lock,
    assignment_publish,
    build_scenario,
    staff_replace,
)
from .certificates import (
    certificate_issuer_set,
    certificate_void,
    certificates_issue,
    reserve_serials,
)
from .certificates import (
    signing_key as certificate_signing_key,
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
from .marking import mark_correct, mark_submit, marking_open, scorebook_sign
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
from .result_confirmation import results_confirm, results_policy_set, results_submit
from .results import (
    objection_file,
    objection_handle,
    published_result,
    results_publish,
    results_record,
    windows_provisional,
)
from .retakes import registration_retake, retake_check
from .uploads import (
    certificate_upload_confirm,
    certificate_upload_export,
    certificate_upload_file,
    certificate_upload_reject,
)

__all__ = [
    "absences_mark",
    "assignment_generate",
    "assignment_lock",
    "assignment_publish",
    "build_scenario",
    "candidate_may_act",
    "certificate_issuer_set",
    "certificate_signing_key",
    "certificate_upload_confirm",
    "certificate_upload_export",
    "certificate_upload_file",
    "certificate_upload_reject",
    "certificate_void",
    "certificates_issue",
    "checkin_record",
    "eligibility_rules_load",
    "find_own_registration",
    "mark_correct",
    "mark_submit",
    "marking_open",
    "objection_file",
    "objection_handle",
    "own_registration_token",
    "plan_cancel",
    "plan_close",
    "plan_create",
    "plan_publish",
    "plan_update",
    "precheck",
    "published_result",
    "question_policy_for",
    "question_policy_set",
    "registration_from_token",
    "registration_record_fee",
    "registration_retake",
    "registration_review",
    "registration_submit",
    "registration_withdraw",
    "reserve_serials",
    "results_confirm",
    "results_policy_set",
    "results_publish",
    "results_record",
    "results_submit",
    "retake_check",
    "room_create",
    "room_note_add",
    "rules_for_occupation",
    "scorebook_sign",
    "seat_for_code",
    "seat_swap",
    "seats_assign",
    "session_create",
    "staff_replace",
    "venue_check",
    "violation_decide",
    "violation_record",
    "windows_provisional",
]
