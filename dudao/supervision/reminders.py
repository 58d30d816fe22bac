"""Deadline reminders of supervision (run by `dudao notify-due`; each sent once per dedupe key).

- SUP-7: a report not submitted by its due date → the group and the authority's staff;
- ACT-6: a rectification due within three days, or overdue → the institution;
- ACT-4: a defence window that has passed without a defence → the authority's staff (close it, issue).
Covert tasks never remind the institution: a rectification exists only after the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.db.models import Q

from dudao.notifications import recipients
from dudao.notifications.tasks import Reminder, register_reminder_provider

from .models import Opinion, Rectification, SupervisionTask, TaskMember

DUE_SOON_DAYS = 3


def _link(task_id: int) -> str:
    return f"/supervision/tasks/{task_id}/"


@register_reminder_provider("supervision.deadlines")
def supervision_deadlines(*, today: dt.date) -> Iterator[Reminder]:
    """Overdue reports, rectification deadlines, passed defence windows."""
    User = get_user_model()
    late = SupervisionTask.objects.filter(
        status__in=[SupervisionTask.Status.ACCEPTED, SupervisionTask.Status.ON_SITE], report_due_on__lt=today
    ).select_related("institution")
    for task in late:
        members = TaskMember.objects.filter(task=task, active=True).values("supervisor__person_id")
        group = User.objects.filter(is_active=True, person_id__in=members)
        staff = recipients.authority_staff_for_region(task.institution.region_id)
        yield Reminder(
            recipients=[*group.values_list("pk", flat=True), *staff.values_list("pk", flat=True)],
            kind="task.report_overdue",
            title=f"督导报告逾期:{task.number}(截止 {task.report_due_on.isoformat()})",  # SUP-7
            link=_link(task.pk),
            obj=task,
            dedupe_key=f"task.report_overdue:{task.pk}",
        )
    rounds = Rectification.objects.filter(
        status=Rectification.Status.ORDERED, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
    ).select_related("task")
    for row in rounds:
        overdue = row.due_on < today
        kind = "rectification.overdue" if overdue else "rectification.due_soon"
        yield Reminder(
            recipients=recipients.institution_users(row.task.institution_id),
            kind=kind,
            title=f"整改{'已逾期' if overdue else '即将到期'}:{row.task.number}(期限 {row.due_on})",
            link=_link(row.task_id),
            obj=row,
            dedupe_key=f"{kind}:{row.pk}",
        )
    windows = Opinion.objects.filter(
        Q(kind=Opinion.Kind.PRELIMINARY),
        task__status=SupervisionTask.Status.SENT_TO_INSTITUTION,
        defence_due_on__lt=today,
    ).select_related("task__institution")
    for opinion in windows:
        yield Reminder(
            recipients=recipients.authority_staff_for_region(opinion.task.institution.region_id),
            kind="opinion.defence_window_passed",
            title=f"申辩期已届满:{opinion.task.number},可下达督导意见书",
            link=_link(opinion.task_id),
            obj=opinion.task,
            dedupe_key=f"opinion.defence_window_passed:{opinion.pk}",
        )
