"""List exports: a filtered, user-scoped list written as .xlsx, personal data masked unless the reader may
see it, one audit event per export (what was exported, how many rows, with which filters).

Every export of a list page goes through `export_list`; the page's view builds the same queryset as the
list (same selectors, same query-string filters) and hands over its rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

from django.db import models, transaction

from . import audit
from .domain import mask_middle
from .excel import Column, export_workbook

# A page click exports at most this many rows; larger extracts are a job for the API or analytics.
EXPORT_MAX_ROWS = 50_000
_MOBILE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])")


def mask_phone(phone: str | None) -> str:
    """`13912345678` → `139****5678`; empty stays empty."""
    return mask_middle(phone, 3, 4) if phone else ""


def mask_free_text(text: str) -> str:
    """Mobile and resident ID numbers inside free text (audit details, notes) masked in place."""
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def filters_of(query: Mapping[str, Any]) -> dict[str, str]:
    """The query string as recorded in the audit event (page and page size left out, values shortened)."""
    return {str(k): str(v)[:100] for k, v in query.items() if k not in ("page", "page_size") and str(v) != ""}


class _Counted:
    """Iterates at most `limit` rows and remembers how many it gave."""

    def __init__(self, rows: Iterable[Mapping], limit: int):
        self._rows = islice(rows, limit)
        self.count = 0

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            yield row


@transaction.atomic
def export_model_list(
    request: Any,
    model: type[models.Model],
    label: str,
    columns: Sequence[Column],
    rows: Iterable[Mapping],
    *,
    revealed: bool = False,
    max_rows: int = EXPORT_MAX_ROWS,
) -> bytes:
    """`export_list` of a model's list page: by the signed-in user, audited as `<app>.<model>.exported`
    with the page's filters."""
    object_type = model._meta.label_lower
    return export_list(
        actor=request.user,
        action=f"{object_type}.exported",
        object_type=object_type,
        label=label,
        columns=columns,
        rows=rows,
        filters=request.GET,
        revealed=revealed,
        max_rows=max_rows,
    )


def export_list(
    *,
    actor: Any,
    action: str,
    object_type: str,
    label: str,
    columns: Sequence[Column],
    rows: Iterable[Mapping],
    filters: Mapping[str, Any],
    revealed: bool,
    max_rows: int = EXPORT_MAX_ROWS,
) -> bytes:
    """The workbook of `rows` (at most `max_rows`); audited as `action` (`<app>.<entity>.exported`, on the
    model label `object_type`) with the row count, the filters and whether personal data was unmasked."""
    counted = _Counted(rows, max_rows)
    data = export_workbook(columns, counted, sheet_name=label)
    audit.record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_label=label,
        after={"rows": counted.count, "filters": filters_of(filters), "personal_data_shown": revealed},
    )
    return data
