"""API shapes of the public complaint channel (issue 12 contract)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import ConfigDict, StrictBool

from dudao.common.pagination import PageParams


class ComplaintContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    phone: str = ""


class ComplaintIn(Schema):
    """The issue 12 body exactly: a field it does not name (attachments…) is refused rather than dropped
    unseen, and `anonymous` is a JSON boolean the filer states (no "yes" or 1 read as anonymity)."""

    model_config = ConfigDict(extra="forbid")

    institution: str
    category: str
    content: str
    anonymous: StrictBool
    contact: ComplaintContactIn | None = None


class ComplaintFiledOut(Schema):
    code: str
    secret: str


class ComplaintPublicOut(Schema):
    code: str
    status: str
    status_label: str
    reply: str | None


class ComplaintCountsOut(Schema):
    received: int
    handled_on_time: int
    verified: int


class ComplaintStatisticsRowOut(ComplaintCountsOut):
    region: str
    region_name: str
    year: int
    month: int


class ComplaintStatisticsOut(Schema):
    region: str | None
    region_name: str
    year: int
    month: int | None
    rows: list[ComplaintStatisticsRowOut]
    totals: ComplaintCountsOut


# ----------------------------------------------------------------------------------- the authority
class ComplaintFilters(PageParams):
    status: str = ""


class ComplaintOut(Schema):
    id: int
    code: str
    institution: int
    institution_name: str
    category: str
    category_label: str
    anonymous: bool
    status: str
    status_label: str
    received_at: dt.datetime
    accept_by: dt.date
    accept_by_provisional: bool
    result_by: dt.date | None
    result_by_provisional: bool
    row_version: int


class ComplaintHandlerOut(Schema):
    user: int
    name: str
    assigned_at: dt.datetime


class ComplaintDetailOut(ComplaintOut):
    content: str
    decision_reason: str
    public_reply: str
    handlers: list[ComplaintHandlerOut]
    persons_concerned: list[int]
    finding: str
    finding_text: str
    disposition: str
    disposition_note: str
    penalty_measure: str
    penalty_ground: str
    penalty: int | None
    task: int | None
    task_number: str | None


class ComplaintPage(Schema):
    items: list[ComplaintOut]
    count: int
    page: int
    page_size: int


class ComplaintDecisionIn(Schema):
    action: str
    reason: str = ""
    row_version: int


class ComplaintFilerOut(Schema):
    name: str
    phone: str


class ComplaintHandlerIn(Schema):
    user: int
    row_version: int


class ComplaintConcernedIn(Schema):
    examiners: list[int] = []
    supervisors: list[int] = []
    row_version: int


class ComplaintVersionIn(Schema):
    row_version: int


class ComplaintImposeIn(Schema):
    """INST-4's ladder: the earlier penalty of the rung below, or a serious matter with its reason; a
    disciplinary proposal names the responsible persons (one per line or comma-separated)."""

    row_version: int
    escalated_from: int | None = None
    serious: bool = False
    serious_reason: str = ""
    responsible_persons: str = ""


class ComplaintFindingIn(Schema):
    finding: str
    text: str = ""
    row_version: int


class ComplaintDispositionIn(Schema):
    disposition: str
    note: str = ""
    measure: str = ""
    ground: str = ""
    row_version: int


class ComplaintReplyIn(Schema):
    reply: str = ""
    row_version: int


class ComplaintSpecialTaskIn(Schema):
    supervisors: list[int]
    starts_at: str
    ends_at: str
    items: list[str] = []
    group_reason: str = ""
    leader: int | None = None
    row_version: int
