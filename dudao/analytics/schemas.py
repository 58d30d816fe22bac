"""API shapes of the flags (issue 13 item 1): list, detail, confirm, dismiss."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema

from dudao.common.pagination import PageParams


class FlagFilters(PageParams):
    kind: str = ""
    status: str = ""
    institution: str = ""


class FlagOut(Schema):
    id: int
    kind: str
    kind_label: str
    source: str
    institution: int | None
    institution_name: str | None
    batch: int | None
    batch_code: str | None
    examiner: int | None
    examiner_name: str | None
    subject_key: str
    period_start: dt.date | None
    period_end: dt.date | None
    statistic: float
    p_value: float | None
    summary: str
    status: str
    status_label: str
    created_at: dt.datetime
    row_version: int


class FlagDetailOut(FlagOut):
    evidence: dict[str, Any]
    fingerprint: str
    reason: str
    reviewer: int | None
    reviewed_at: dt.datetime | None
    task: int | None
    task_number: str | None
    complaint: int | None


class FlagPage(Schema):
    items: list[FlagOut]
    count: int
    page: int
    page_size: int


class FlagDismissIn(Schema):
    reason: str
    row_version: int


class FlagConfirmIn(Schema):
    """Either a special supervision task (supervisors, times, items) or an existing complaint's id."""

    row_version: int
    reason: str = ""
    supervisors: list[int] = []
    starts_at: str | None = None
    ends_at: str | None = None
    items: list[str] = []
    group_reason: str = ""
    leader: int | None = None
    complaint: int | None = None
