"""Registry writers: every mutation of authorities, occupations, institutions, filings, scopes, venues,
batches and regions goes through these functions (permission check, full_clean, audit, row_version).

Order of refusals: an object outside the actor's data scope → NotFound; in scope but the role may not
write → PermissionDenied; stale `row_version` → Conflict; bad input → ValidationFailed. Nothing is
written in any of these cases.

The package splits the writers by aggregate; importing `dudao.supervision.services` gives all of them."""

from .authorities import (
    AUTHORITY_FIELDS,
    authority_create,
    authority_update,
)
from .batches import (
    BATCH_FIELDS,
    EDITABLE_BATCH_STATUSES,
    _examiner_problem,
    _examiners_with_cards,
    batch_cancel,
    batch_create,
    batch_update,
    examiner_problems,
)
from .filings import (
    FILING_FIELDS,
    FILING_REASON_REQUIRED,
    FILING_TRANSITIONS,
    filing_create,
    filing_scope_add,
    filing_scope_end,
    filing_scope_update,
    filing_set_status,
    filing_update,
)
from .institutions import (
    INSTITUTION_FIELDS,
    institution_create,
    institution_update,
)
from .occupations import (
    OCCUPATION_FIELDS,
    occupation_create,
    occupation_update,
)
from .regions import (
    DATA_DIR,
    OCC1_SOURCE,
    REGION_COLUMNS,
    SHIPPED_SOURCES_BEFORE,
    reference_load,
    regions_import,
)
from .venues import (
    VENUE_FIELDS,
    venue_create,
    venue_update,
)

__all__ = [
    "AUTHORITY_FIELDS",
    "BATCH_FIELDS",
    "DATA_DIR",
    "EDITABLE_BATCH_STATUSES",
    "FILING_FIELDS",
    "FILING_REASON_REQUIRED",
    "FILING_TRANSITIONS",
    "INSTITUTION_FIELDS",
    "OCC1_SOURCE",
    "OCCUPATION_FIELDS",
    "REGION_COLUMNS",
    "SHIPPED_SOURCES_BEFORE",
    "VENUE_FIELDS",
    "authority_create",
    "authority_update",
    "batch_cancel",
    "batch_create",
    "batch_update",
    "examiner_problems",
    "filing_create",
    "filing_scope_add",
    "filing_scope_end",
    "filing_scope_update",
    "filing_set_status",
    "filing_update",
    "institution_create",
    "institution_update",
    "occupation_create",
    "occupation_update",
    "reference_load",
    "regions_import",
    "venue_create",
    "venue_update",
]

# Public names of the rules registry.bulk shares with these services: the EXAM-2/3 examiner checks.
examiners_with_cards = _examiners_with_cards
examiner_problem = _examiner_problem
