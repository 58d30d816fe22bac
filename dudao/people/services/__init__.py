"""The only writers of people records: persons (encrypted IDs), supervisors, cards, contract terms,
examiners, examiner cards and declared relations. Each is atomic, permission-checked and audited.

The package splits the writers by aggregate; importing `dudao.supervision.services` gives all of them."""

from .base import (
    UNSET,
)
from .cards import (
    _card_dates,
    _resolve_issuer,
    card_issuer_for,
    card_pattern_create,
    card_pattern_update,
    supervisor_card_issue,
    supervisor_card_replace,
    supervisor_card_set_status,
    validate_card_number,
)
from .contracts import (
    supervisor_contract_add,
    supervisor_contract_renew,
)
from .examiners import (
    _scopes_snapshot,
    examiner_card_issue,
    examiner_card_renew_training,
    examiner_card_replace,
    examiner_card_set_scopes,
    examiner_card_set_status,
    examiner_create,
    examiner_set_status,
    examiner_update,
)
from .persons import (
    may_create_examiners,
    may_create_persons,
    may_create_supervisors,
    person_create,
    person_find_by_id_number,
    person_for_candidate,
    person_reveal_id,
    person_update,
    resolve_person_input,
)
from .relations import (
    relation_declare,
    relation_withdraw,
)
from .supervisors import (
    QUALIFICATION_BASIS,
    QUALIFICATION_KEYS,
    SUPERVISOR_TRANSITIONS,
    _clean_qualification,
    _supervisor_owner,
    qualification_gaps,
    supervisor_create,
    supervisor_set_status,
    supervisor_update,
)

__all__ = [
    "QUALIFICATION_BASIS",
    "QUALIFICATION_KEYS",
    "SUPERVISOR_TRANSITIONS",
    "UNSET",
    "card_issuer_for",
    "card_pattern_create",
    "card_pattern_update",
    "examiner_card_issue",
    "examiner_card_renew_training",
    "examiner_card_replace",
    "examiner_card_set_scopes",
    "examiner_card_set_status",
    "examiner_create",
    "examiner_set_status",
    "examiner_update",
    "may_create_examiners",
    "may_create_persons",
    "may_create_supervisors",
    "person_create",
    "person_find_by_id_number",
    "person_for_candidate",
    "person_reveal_id",
    "person_update",
    "qualification_gaps",
    "relation_declare",
    "relation_withdraw",
    "resolve_person_input",
    "supervisor_card_issue",
    "supervisor_card_replace",
    "supervisor_card_set_status",
    "supervisor_contract_add",
    "supervisor_contract_renew",
    "supervisor_create",
    "supervisor_set_status",
    "supervisor_update",
    "validate_card_number",
]

# Public names of the rules people.bulk shares with these services.
card_dates = _card_dates  # EXAM-2 / SUP-3 issue and validity dates
resolve_card_issuer = _resolve_issuer  # SUP-3
supervisor_owner = _supervisor_owner  # SUP-1
clean_qualification = _clean_qualification  # SUP-2
scopes_snapshot = _scopes_snapshot
