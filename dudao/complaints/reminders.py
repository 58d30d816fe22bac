"""Deadline reminders of complaints (COMPL-2; found by dudao.notifications.tasks autodiscovery, run by
`dudao notify-due`). The keys carry the deadline, so a rerun sends nothing. No reminder names the filer.

- complaints.acceptance: a received complaint whose decision is due today or on the next working day →
  the authority's users of the institution's region; overdue → the same, as an overdue notice.
- complaints.result: a complaint in handling (accepted … disposed) whose result is due within two working
  days → its handlers (the region's authority admins when none is assigned); overdue → the handlers and
  the region's authority admins (escalation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from dudao.accounts.models import Role
from dudao.notifications.recipients import authority_staff_for_region
from dudao.notifications.tasks import Reminder, register_reminder_provider
from dudao.workdays import selectors as workdays_selectors

from .models import Complaint

ACCEPT_DUE_SOON_WORKDAYS = 1
RESULT_DUE_SOON_WORKDAYS = 2
IN_HANDLING = [
    Complaint.Status.ACCEPTED,
    Complaint.Status.INVESTIGATING,
    Complaint.Status.FOUND,
    Complaint.Status.DISPOSED,
]


PRIVATE = ("contact_name", "contact_phone", "content")  # never read here


def _link(complaint: Complaint) -> str:
    return f"/complaints/{complaint.pk}/"


@register_reminder_provider("complaints.acceptance")
def acceptance_deadlines(*, today: dt.date) -> Iterator[Reminder]:
    """Received complaints whose acceptance decision is due within one working day, or overdue."""
    calendar = workdays_selectors.calendar()
    rows = Complaint.objects.filter(status=Complaint.Status.RECEIVED).select_related("institution")
    for complaint in rows.defer(*PRIVATE):
        status = calendar.deadline_status(today, complaint.accept_by)
        if not status.overdue and status.days > ACCEPT_DUE_SOON_WORKDAYS:
            continue
        kind = "complaint.accept_overdue" if status.overdue else "complaint.accept_due_soon"
        state = "已逾期" if status.overdue else "即将到期"
        yield Reminder(
            recipients=authority_staff_for_region(complaint.institution.region_id),
            kind=kind,
            title=f"投诉受理决定{state}:查询码 {complaint.code}(期限 {complaint.accept_by:%Y-%m-%d})",
            body=f"被投诉机构:{complaint.institution.name}。{status.label}。",
            link=_link(complaint),
            obj=complaint,
            dedupe_key=f"{kind}:{complaint.pk}:{complaint.accept_by.isoformat()}",
        )


@register_reminder_provider("complaints.result")
def result_deadlines(*, today: dt.date) -> Iterator[Reminder]:
    """Complaints in handling whose result is due within two working days, or overdue."""
    calendar = workdays_selectors.calendar()
    rows = Complaint.objects.filter(status__in=IN_HANDLING, result_by__isnull=False).select_related(
        "institution"
    )
    for complaint in rows.defer(*PRIVATE):
        status = calendar.deadline_status(today, complaint.result_by)
        if not status.overdue and status.days > RESULT_DUE_SOON_WORKDAYS:
            continue
        handlers = list(complaint.handlers.filter(user__is_active=True).values_list("user_id", flat=True))
        admins = list(
            authority_staff_for_region(
                complaint.institution.region_id, roles={Role.AUTHORITY_ADMIN}
            ).values_list("pk", flat=True)
        )
        if status.overdue:
            kind, state, users = "complaint.result_overdue", "已逾期", [*handlers, *admins]
        else:
            kind, state, users = "complaint.result_due_soon", "即将到期", handlers or admins
        yield Reminder(
            recipients=sorted(set(users)),
            kind=kind,
            title=f"投诉办结{state}:查询码 {complaint.code}(期限 {complaint.result_by:%Y-%m-%d})",
            body=f"被投诉机构:{complaint.institution.name}。当前状态:{complaint.get_status_display()},{status.label}。",
            link=_link(complaint),
            obj=complaint,
            dedupe_key=f"{kind}:{complaint.pk}:{complaint.result_by.isoformat()}",
        )
