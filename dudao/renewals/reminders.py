"""Deadline reminders of the renewal procedure (found by dudao.notifications.tasks autodiscovery).

- REN-3/REN-4 decision due within 3 working days → `renewal.due_soon` to the deciding authority's users;
- decision overdue → `renewal.overdue` (once per application and deadline);
- rectification period over and no re-evaluation opened → `renewal.rectification_due`;
- the linked CQ-RENEWAL evaluation is signed and the outcome not yet recorded → `renewal.evaluation_signed`
  (until the evaluations app offers an "on signed" hook, this daily check tells the authority).
Dedupe keys carry the deadline, so a deadline moved by an admin reminds again; a rerun sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse

from dudao.notifications.tasks import Reminder, register_reminder_provider
from dudao.workdays import selectors as workdays_selectors

from . import selectors
from .models import RenewalApplication

DUE_SOON_WORKDAYS = 3


def _link(app: RenewalApplication) -> str:
    return reverse("renewals:application_detail", args=[app.pk])


@register_reminder_provider("renewals.deadlines")
def renewal_deadlines(*, today: dt.date) -> Iterator[Reminder]:
    """Applications whose decision is due within 3 working days or overdue; rectifications over."""
    calendar = workdays_selectors.calendar()
    horizon = calendar.add_workdays(today, DUE_SOON_WORKDAYS).date
    due = (
        RenewalApplication.objects.filter(
            status__in=RenewalApplication.AWAITING_DECISION, decide_by__lte=horizon
        )
        .select_related("institution", "filing")
        .order_by("decide_by", "id")
    )
    for app in due:
        recipients = selectors.authority_users(app.authority_id)
        status = calendar.deadline_status(today, app.decide_by)
        name = f"{app.institution.name}(备案 {app.filing.number})"
        if status.overdue:
            yield Reminder(
                recipients=recipients,
                kind="renewal.overdue",
                title=f"延续备案申请已逾期:{name}",
                body=f"办结期限 {app.decide_by:%Y-%m-%d},{status.label}。",
                link=_link(app),
                obj=app,
                dedupe_key=f"renewal.overdue:{app.pk}:{app.decide_by.isoformat()}",
            )
        else:
            yield Reminder(
                recipients=recipients,
                kind="renewal.due_soon",
                title=f"延续备案申请即将到期办结:{name}",
                body=f"办结期限 {app.decide_by:%Y-%m-%d},{status.label}。",
                link=_link(app),
                obj=app,
                dedupe_key=f"renewal.due_soon:{app.pk}:{app.decide_by.isoformat()}",
            )
    ended = RenewalApplication.objects.filter(
        status=RenewalApplication.Status.RECTIFYING, rectification_deadline__lt=today
    ).select_related("institution", "filing")
    for app in ended.order_by("rectification_deadline", "id"):
        yield Reminder(
            recipients=selectors.authority_users(app.authority_id),
            kind="renewal.rectification_due",
            title=f"整改期已满,请组织整改后评估:{app.institution.name}(备案 {app.filing.number})",
            body=f"整改期限 {app.rectification_deadline:%Y-%m-%d}。",
            link=_link(app),
            obj=app,
            dedupe_key=f"renewal.rectification_due:{app.pk}:{app.rectification_deadline.isoformat()}",
        )
    signed = (
        RenewalApplication.objects.filter(
            Q(status=RenewalApplication.Status.EVALUATING, evaluation__status="signed")
            | Q(status=RenewalApplication.Status.RE_EVALUATING, re_evaluation__status="signed")
        )
        .select_related("institution", "filing")
        .order_by("id")
    )
    for app in signed:
        evaluation_id = (
            app.re_evaluation_id
            if app.status == RenewalApplication.Status.RE_EVALUATING
            else app.evaluation_id
        )
        yield Reminder(
            recipients=selectors.authority_users(app.authority_id),
            kind="renewal.evaluation_signed",
            title=f"延续备案评估已签署,请记录结果:{app.institution.name}(备案 {app.filing.number})",
            link=_link(app),
            obj=app,
            dedupe_key=f"renewal.evaluation_signed:{app.pk}:{evaluation_id}",
        )
