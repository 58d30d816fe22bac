"""Helpers shared by the supervision pages: errors as HTTP, service calls with messages, deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dudao.accounts.permissions import (
    is_authority_user,
    is_institution_admin,
    is_institution_user,
    is_superuser,
)

# Who may open which group of pages (objects are then scoped by selectors: outside the scope → 404).
authority_pages = is_superuser | is_authority_user
office_pages = is_superuser | is_authority_user | is_institution_user
draw_pages = is_superuser | is_authority_user | is_institution_user
draw_creators = is_superuser | is_authority_user | is_institution_admin


def require(allowed: bool, message: str = "没有访问此页面的权限") -> None:
    if not allowed:
        raise DjangoPermissionDenied(message)


def optional_url(name: str, *args: Any) -> str | None:
    """The URL or None when the route does not exist (document downloads come from another module)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def int_or_none(value: Any) -> int | None:
    """An id or number from a query string; None when it is not one or lies outside a database integer
    (?institution=10**30 raised OverflowError in the query: a 500, issue 8 §1)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**63) <= number < 2**63 else None


def row_version(request: HttpRequest) -> int | None:
    return int_or_none(request.POST.get("row_version"))


def days_left(due: dt.date | None, today: dt.date | None = None) -> dict[str, Any] | None:
    """Calendar-day deadline (SUP-7 report, rectification): 剩余 N 日 / 今日到期 / 已逾期 N 日."""
    if not due:
        return None
    today = today or timezone.localdate()
    delta = (due - today).days
    if delta > 0:
        label = f"剩余 {delta} 日"
    elif delta == 0:
        label = "今日到期"
    else:
        label = f"已逾期 {-delta} 日"
    return {"due": due, "days": abs(delta), "overdue": delta < 0, "label": label, "soon": 0 <= delta <= 1}


def workdays_left(due: dt.date | None) -> dict[str, Any] | None:
    """Working-day deadline (ACT-4 defence): 剩余/已逾期 N 个工作日 (CAL-2; provisional per CAL-3)."""
    if not due:
        return None
    from dudao.workdays.selectors import calendar

    status = calendar().deadline_status(timezone.localdate(), due)
    return {
        "due": due,
        "days": status.days,
        "overdue": status.overdue,
        "label": status.label,
        "soon": not status.overdue and status.days <= 1,
    }
