"""Public statistics of complaints (issue 12 item 1; COMPL-2): per region and month, how many were
received, handled on time and verified. Only counts: no complaint's content, code, institution or filer
is read here. The region is that of the authority the institution is filed with (the body that answers
for the complaints); a region includes everything below it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dudao.common.errors import ValidationFailed
from dudao.registry.models import Region

from . import domain
from .models import Complaint

REGION_UNKNOWN = "区划代码不存在,请从列表中选择地区"

# The only columns read (never content, contact, code or institution).
_COLUMNS = (
    "institution__authority__region_id",
    "received_at",
    "status",
    "accept_by",
    "decided_at",
    "result_by",
    "replied_at",
    "finding",
)


@dataclass
class Row:
    region: str
    region_name: str
    year: int
    month: int
    received: int = 0
    handled_on_time: int = 0
    verified: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def regions_with_authorities() -> list[Region]:
    """The regions a visitor may choose: those where an authority answers for complaints."""
    return list(Region.objects.filter(authorities__is_active=True).distinct().order_by("code"))


def _region(code: object) -> Region | None:
    text = code.strip() if isinstance(code, str) else ""
    if not text:
        return None
    found = Region.objects.filter(code=text).first() if text.isdigit() and len(text) == 6 else None
    if found is None:
        raise ValidationFailed(REGION_UNKNOWN, detail={"region": [REGION_UNKNOWN]})
    return found


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def public_statistics(*, region: object = "", year: object = None, month: object = None) -> dict[str, Any]:
    """Counts per (authority's region, month of receipt) for `year` (this year when empty), optionally one
    month, optionally within one region and below. A complaint counts in the month it was received."""
    if year in (None, ""):
        year = timezone.localdate().year
    the_year, the_month = domain.check_period(year, month)
    chosen = _region(region)
    if the_month:
        start = dt.date(the_year, the_month, 1)
        end = dt.date(the_year + (the_month == 12), the_month % 12 + 1, 1)
    else:
        start, end = dt.date(the_year, 1, 1), dt.date(the_year + 1, 1, 1)
    rows = Complaint.objects.filter(received_at__gte=_local_start(start), received_at__lt=_local_start(end))
    if chosen is not None:
        rows = rows.filter(institution__authority__region__code__startswith=chosen.prefix)
    names = dict(Region.objects.values_list("code", "name"))
    table: dict[tuple[str, int], Row] = {}
    for values in rows.order_by().values(*_COLUMNS):
        code = values["institution__authority__region_id"]
        month_of = timezone.localdate(values["received_at"]).month
        row = table.get((code, month_of))
        if row is None:
            row = table[(code, month_of)] = Row(code, names.get(code, code), the_year, month_of)
        row.received += 1
        row.handled_on_time += domain.handled_on_time(
            status=values["status"],
            accept_by=values["accept_by"],
            decided_on=_local_date(values["decided_at"]),
            result_by=values["result_by"],
            replied_on=_local_date(values["replied_at"]),
        )
        row.verified += values["finding"] == Complaint.Finding.VERIFIED
    ordered = [table[key] for key in sorted(table)]
    totals: dict[str, int] = defaultdict(int)
    for row in ordered:
        for key in ("received", "handled_on_time", "verified"):
            totals[key] += getattr(row, key)
    return {
        "region": chosen.code if chosen else None,
        "region_name": chosen.name if chosen else "全部地区",
        "year": the_year,
        "month": the_month,
        "rows": [row.as_dict() for row in ordered],
        "totals": {key: totals[key] for key in ("received", "handled_on_time", "verified")},
    }
