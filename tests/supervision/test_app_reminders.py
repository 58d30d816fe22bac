"""Deadline reminders (dudao notify-due): SUP-7 late reports, ACT-6 rectification deadlines, ACT-4 windows."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.notifications.models import Message
from dudao.notifications.tasks import run_due_reminders
from dudao.supervision import services
from dudao.supervision.models import (
    Opinion,
    SupervisionTask,
)
from tests.factories import current_version
from tests.supervision.app_support import TODAY

pytestmark = pytest.mark.django_db


def test_overdue_report_reminds_the_group_and_the_authority_once(world):
    task = services.task_create(
        actor=world.auth_staff,
        institution=world.institution,
        supervisors=[world.s1],
        batch=world.b1,
        covert=True,
    )
    services.task_accept(actor=world.s1.user, task=task)
    due = task.report_due_on
    run = run_due_reminders(today=due, only=["supervision.deadlines"])
    assert run.sent == {"supervision.deadlines": 0}  # due today: not yet late
    run = run_due_reminders(today=due + dt.timedelta(days=1), only=["supervision.deadlines"])
    recipients = set(
        Message.objects.filter(kind="task.report_overdue").values_list("recipient_id", flat=True)
    )
    assert recipients == {world.s1.user.pk, world.auth_admin.pk, world.auth_staff.pk}  # never the institution
    assert run.sent == {"supervision.deadlines": 3}
    again = run_due_reminders(today=due + dt.timedelta(days=2), only=["supervision.deadlines"])
    assert again.sent == {"supervision.deadlines": 0}


def test_rectification_due_soon_and_passed_defence_window(world):
    task = services.task_create(
        actor=world.auth_staff,
        institution=world.institution,
        supervisors=[world.s1, world.s2, world.s3],
        kind="special",
        items=["1"],
        batch=world.b1,
    )
    for s in (world.s1, world.s2, world.s3):
        services.task_accept(actor=s.user, task=task)
    services.task_start_on_site(
        actor=world.s1.user, task=task, row_version=current_version(task, SupervisionTask)
    )
    services.report_submit(
        actor=world.s1.user, task=task, summary="情况", row_version=current_version(task, SupervisionTask)
    )
    services.preliminary_opinion_prepare(
        actor=world.s1.user, task=task, body="意见", row_version=current_version(task, SupervisionTask)
    )
    opinion = services.preliminary_opinion_send(
        actor=world.s1.user, task=task, row_version=current_version(task, SupervisionTask)
    )
    run_due_reminders(today=opinion.defence_due_on + dt.timedelta(days=1), only=["supervision.deadlines"])
    passed = Message.objects.filter(kind="opinion.defence_window_passed")
    assert set(passed.values_list("recipient_id", flat=True)) == {world.auth_admin.pk, world.auth_staff.pk}
    Opinion.objects.filter(pk=opinion.pk).update(defence_due_on=TODAY - dt.timedelta(days=1))
    services.defence_window_close(
        actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
    )
    services.opinion_issue(
        actor=world.auth_staff,
        task=task,
        body="须整改",
        requirements="完善制度",
        rectification_due_on=TODAY + dt.timedelta(days=10),
        row_version=current_version(task, SupervisionTask),
    )
    run_due_reminders(today=TODAY + dt.timedelta(days=6), only=["supervision.deadlines"])
    assert not Message.objects.filter(kind__startswith="rectification.d").exists()
    run_due_reminders(today=TODAY + dt.timedelta(days=7), only=["supervision.deadlines"])
    soon = Message.objects.filter(kind="rectification.due_soon")
    assert set(soon.values_list("recipient_id", flat=True)) == {world.inst_admin.pk, world.inst_staff.pk}
    run_due_reminders(today=TODAY + dt.timedelta(days=11), only=["supervision.deadlines"])
    assert Message.objects.filter(kind="rectification.overdue").count() == 2
