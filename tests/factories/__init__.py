"""Test factories (`from tests import factories as f`).

`rows`: registry, people and user rows written directly (reference data a test stands on). The workflow
factories (`supervision`, `scorecards`, `renewals`) make rows in a chosen state through the services, so
their audit events, notifications and rules hold as in production.
"""

from .renewals import (
    RECTIFY_DEDUCTIONS,
    RECTIFY_NOTES,
    REFUSE_DEDUCTIONS,
    pdf,
    renewal_application,
    renewal_attachments,
    renewal_materials,
    renewal_scope_rows,
)
from .rows import (
    AuthorityFactory,
    ExaminerFactory,
    FilingFactory,
    FilingScopeFactory,
    InstitutionFactory,
    OccupationFactory,
    PersonFactory,
    RegionFactory,
    SupervisorFactory,
    UserFactory,
    VenueFactory,
    current_version,
    make_resident_id,
    make_uscc,
    restart_id_sequences,
    role_users,
)
from .scorecards import best_answers, evaluation, evaluation_advance
from .supervision import TASK_BRANCHES, TASK_PATHS, supervision_task, task_crew

__all__ = [
    "RECTIFY_DEDUCTIONS",
    "RECTIFY_NOTES",
    "REFUSE_DEDUCTIONS",
    "TASK_BRANCHES",
    "TASK_PATHS",
    "AuthorityFactory",
    "ExaminerFactory",
    "FilingFactory",
    "FilingScopeFactory",
    "InstitutionFactory",
    "OccupationFactory",
    "PersonFactory",
    "RegionFactory",
    "SupervisorFactory",
    "UserFactory",
    "VenueFactory",
    "best_answers",
    "current_version",
    "evaluation",
    "evaluation_advance",
    "make_resident_id",
    "make_uscc",
    "pdf",
    "renewal_application",
    "renewal_attachments",
    "renewal_materials",
    "renewal_scope_rows",
    "restart_id_sequences",
    "role_users",
    "supervision_task",
    "task_crew",
]
