"""API router of the workdays app (mounted at /api/v1/workdays): counting is public information."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router

from dudao.common.errors import NotFound
from dudao.common.pagination import PageParams, paginate

from . import selectors, services
from .schemas import AddOut, ArrangementIn, ArrangementListOut, ArrangementOut, BetweenOut

router = Router(tags=["workdays"])


@router.get("/add", response=AddOut, auth=None, summary="N 个工作日后的日期")
def add(request, date: dt.date, n: int):
    """The n-th working day after `date` (not counted, CAL-2); n < 0 counts backwards."""
    result = selectors.calendar().add_workdays(date, n)
    return {"start": date, "n": n, "date": result.date, "provisional": result.provisional}


@router.get("/between", response=BetweenOut, auth=None, summary="两个日期之间的工作日数")
def between(request, start: dt.date, end: dt.date):
    """Working days after `start` up to and including `end` (剩余/已逾期 N 个工作日)."""
    count = selectors.calendar().between(start, end)
    return {"start": start, "end": end, "days": count.days, "provisional": count.provisional}


@router.get("/arrangements", response=ArrangementListOut, auth=None, summary="已载入的年度节假日安排")
def arrangement_list(request, params: Query[PageParams]):
    return paginate(selectors.arrangement_list(), params.page, params.page_size).as_dict()


@router.get("/arrangements/{year}", response=ArrangementOut, auth=None, summary="某年度节假日安排")
def arrangement_detail(request, year: int):
    row = selectors.arrangement_get(year)
    if row is None:
        raise NotFound(f"{year} 年尚未载入节假日安排")
    return row


@router.put("/arrangements/{year}", response=ArrangementOut, summary="新增或修改某年度节假日安排")
def arrangement_put(request, year: int, payload: ArrangementIn):
    """Superusers and authority admins; the row overrides the shipped arrangement for that year (CAL-3)."""
    services.arrangement_save(
        actor=request.user,
        year=year,
        days_off=payload.days_off,
        workdays=payload.workdays,
        confirmed=payload.confirmed,
        source=payload.source,
        row_version=payload.row_version,
    )
    return selectors.arrangement_get(year)
