"""The supervision lists as their query strings describe them: filter form + scoped queryset, shared by the
list pages and their exports (same filters, same scope, same order)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from dudao.accounts.permissions import is_institution_user, is_superuser
from dudao.web.sorting import sort_list

from . import forms as f
from . import selectors
from .models import Opinion, SupervisionTask
from .sorting import TASK_SORTS

S = SupervisionTask.Status

# What an authority user / an institution user has to do next, by status (the board's 待我处理).
AWAITING_AUTHORITY = (
    S.DECLINED,
    S.REPORT_SUBMITTED,
    S.DEFENCE_SUBMITTED,
    S.DEFENCE_WINDOW_CLOSED,
    S.RECTIFICATION_SUBMITTED,
    S.REVERIFIED,
    S.ESCALATED,
)
AWAITING_INSTITUTION = (S.SENT_TO_INSTITUTION, S.OPINION_ISSUED, S.RECTIFICATION_ORDERED)


def _values(form) -> dict[str, Any]:
    return form.cleaned_data if form.is_bound and form.is_valid() else {}


def tasks(request) -> tuple[f.TaskFilterForm, QuerySet[SupervisionTask]]:
    """The task board's filters (status, kind, deadline) and its sorted queryset."""
    user = request.user
    form = f.TaskFilterForm(request.GET or None)
    values = _values(form)
    deadline = values.get("deadline") or ""
    qs = selectors.task_list(
        user,
        q=values.get("q") or "",
        status=values.get("status") or "",
        kind=values.get("kind") or "",
        overdue=True if deadline == "overdue" else None,
        open_only=deadline == "open",
    )
    today = timezone.localdate()
    if deadline == "due3":
        qs = qs.filter(
            report_submitted_at__isnull=True,
            report_due_on__gte=today,
            report_due_on__lte=today + dt.timedelta(days=3),
        ).exclude(status=S.CANCELLED)
    elif deadline == "awaiting":
        qs = qs.filter(status__in=AWAITING_INSTITUTION if is_institution_user(user) else AWAITING_AUTHORITY)
    return form, sort_list(request, qs, TASK_SORTS)


def month_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def coverage(request) -> tuple[f.CoverageFilterForm, selectors.Coverage, dt.date, dt.date]:
    """Coverage over the asked period (this month by default): form, result, start, end."""
    start, end = month_bounds(timezone.localdate())
    form = f.CoverageFilterForm(request.GET or None, initial={"start": start, "end": end})
    values = _values(form)
    start = values.get("start") or start
    end = values.get("end") or max(end, start)
    covered = {"yes": True, "no": False}.get(values.get("covered") or "")
    result = selectors.coverage(request.user, start=start, end=end, covered=covered, q=values.get("q") or "")
    return form, result, start, end


def opinions(request) -> tuple[f.OpinionFilterForm, QuerySet[Opinion]]:
    """Opinions in scope: the authority's issued Opinions and preliminary ones; an institution's received."""
    form = f.OpinionFilterForm(request.GET or None)
    values = _values(form)
    qs = Opinion.objects.filter(task__in=selectors.tasks_for(request.user)).select_related(
        "task__institution", "task__authority"
    )
    if is_institution_user(request.user) and not is_superuser(request.user):
        qs = qs.filter(sent_at__isnull=False)  # the group's draft reaches the institution only when sent
    if values.get("kind"):
        qs = qs.filter(kind=values["kind"])
    if values.get("q"):
        q = values["q"]
        qs = qs.filter(
            Q(number__icontains=q) | Q(task__number__icontains=q) | Q(task__institution__name__icontains=q)
        )
    return form, qs.order_by("-sent_at", "-id")


def penalties(request) -> tuple[f.PenaltyFilterForm, QuerySet]:
    form = f.PenaltyFilterForm(request.GET or None)
    values = _values(form)
    qs = selectors.penalty_list(
        request.user,
        q=values.get("q") or "",
        kind=values.get("kind") or "",
        status=values.get("status") or "",
    )
    return form, qs
