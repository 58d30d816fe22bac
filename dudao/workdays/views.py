"""Pages of the workdays app: the calendar with its calculator, and the arrangement editor (CAL-1…4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dudao.common.errors import ApplicationError, Conflict
from dudao.web.kit import application_errors_as_http, htmx_or_full, is_partial_request, place_errors

from . import selectors, services
from .domain import MAX_YEAR, MIN_YEAR, Calendar, DayKind
from .forms import ArrangementForm, CalculatorForm, format_dates
from .permissions import can_change_arrangement

WEEKDAY_NAMES = ["一", "二", "三", "四", "五", "六", "日"]


def _chosen_year(request, default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except (TypeError, ValueError):
        return default
    return year if MIN_YEAR <= year <= MAX_YEAR else default


def month_grids(cal: Calendar, year: int) -> list[dict[str, Any]]:
    """Twelve months as weeks of 7 cells (Monday first); a cell is None or {date, kind, mark}."""
    marks = {DayKind.HOLIDAY: "休", DayKind.ADJUSTED_WORKDAY: "班"}
    grids = []
    for month in range(1, 13):
        days = cal.month_days(year, month)
        cells: list[dict[str, Any] | None] = [None] * days[0][0].weekday()
        cells += [{"date": d, "kind": str(kind), "mark": marks.get(kind, "")} for d, kind in days]
        cells += [None] * (-len(cells) % 7)
        grids.append(
            {
                "month": month,
                "weeks": [cells[i : i + 7] for i in range(0, len(cells), 7)],
                "workdays": sum(1 for _, kind in days if kind in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)),
            }
        )
    return grids


def _year_rows(cal: Calendar, rows, today: dt.date) -> list[dict[str, Any]]:
    """Loaded years plus this and next year (shown as not loaded when missing, CAL-3)."""
    by_year = {row.year: row for row in rows}
    years = sorted(set(by_year) | {today.year, today.year + 1})
    return [{"year": y, "row": by_year.get(y), "confirmed": cal.is_confirmed(y)} for y in years]


def _calculator_context(request, cal: Calendar, today: dt.date) -> dict[str, Any]:
    asked = "date" in request.GET or "n" in request.GET  # the year navigation alone is not a calculation
    form = CalculatorForm(request.GET if asked else None, initial={"date": today, "n": 10})
    result = status = None
    if form.is_bound and form.is_valid():
        try:
            result = cal.add_workdays(form.cleaned_data["date"], form.cleaned_data["n"])
            status = cal.deadline_status(today, result.date)
        except ApplicationError as exc:
            place_errors(form, exc)
    return {"calc_form": form, "calc_result": result, "calc_status": status, "today": today}


def _page_context(request, *, year: int | None = None) -> dict[str, Any]:
    cal, rows = selectors.calendar_and_arrangements()
    today = timezone.localdate()
    year = year or _chosen_year(request, today.year)
    return {
        "workday_calendar": cal,
        "today": today,
        "year": year,
        "prev_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
        "year_rows": _year_rows(cal, rows, today),
        "arrangement": next((r for r in rows if r.year == year), None),
        "year_confirmed": cal.is_confirmed(year),
        "months": month_grids(cal, year),
        "weekday_names": WEEKDAY_NAMES,
        "can_edit": can_change_arrangement(request.user),
    }


@require_GET
@login_required
def calendar_page(request):
    """Years and their state, the month grid of one year, the calculator (CAL-1…4)."""
    context = _page_context(request)
    context.update(_calculator_context(request, context["workday_calendar"], context["today"]))
    return render(request, "workdays/calendar.html", context)


@require_GET
@login_required
def calculate(request):
    """The calculator: date + N working days; htmx gets the result fragment only."""
    if is_partial_request(request):
        context = _calculator_context(request, selectors.calendar(), timezone.localdate())
    else:
        context = _page_context(request)
        context.update(_calculator_context(request, context["workday_calendar"], context["today"]))
    return htmx_or_full(request, "workdays/calendar.html", "workdays/partials/calc_result.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@application_errors_as_http
def arrangement_edit(request, year: int):
    """Add or correct one year's arrangement (superusers, authority admins); the row overrides the file."""
    if not can_change_arrangement(request.user):
        raise DjangoPermissionDenied("只有超级管理员或委派机构管理员可以维护节假日安排")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404("年度超出范围")
    current = selectors.arrangement_get(year)
    if request.method == "POST":
        form = ArrangementForm(request.POST, year=year)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.arrangement_save(
                    actor=request.user,
                    year=year,
                    days_off=data["days_off_list"],
                    workdays=data["workdays_list"],
                    confirmed=data["confirmed"],
                    source=data["source"],
                    row_version=data.get("row_version"),
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
            except ApplicationError as exc:
                place_errors(form, exc)
            else:
                messages.success(request, f"{year} 年节假日安排已保存")
                return redirect(f"{reverse('workdays:calendar')}?year={year}")
    else:
        initial: dict[str, Any] = {"confirmed": True}
        if current is not None:
            initial.update(
                days_off=format_dates(current.days_off),
                workdays=format_dates(current.workdays),
                confirmed=current.confirmed,
                source=current.source,
                row_version=current.row_version if current.origin == "db" else None,
            )
        else:
            initial["source"] = f"国务院办公厅关于{year}年部分节假日安排的通知"
        form = ArrangementForm(initial=initial, year=year)
    return render(
        request,
        "workdays/arrangement_form.html",
        {"form": form, "year": year, "current": current, "weekday_names": WEEKDAY_NAMES},
    )
