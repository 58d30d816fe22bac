"""Review of issue 12 (ACT-4 self-evaluation): a covert (暗访) special task stays hidden from the institution
until its report, so the self-evaluation report is not requested before then (the request would tell the
institution of the visit, and the institution could not reach the task to answer it)."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.common.errors import IllegalTransition
from dudao.notifications.models import Message
from dudao.supervision import services
from dudao.supervision.models import SelfEvaluation, SupervisionTask
from tests.clock import TODAY

pytestmark = pytest.mark.django_db
TOMORROW = TODAY + dt.timedelta(days=1)


def test_covert_task_request_waits_for_the_report(special, world):
    SupervisionTask.objects.filter(pk=special.task.pk).update(covert=True)
    for user in (special.leader, special.m2, special.m3):
        services.task_accept(actor=user, task=special.task)
    messages = Message.objects.count()
    with pytest.raises(IllegalTransition) as exc:
        services.self_evaluation_request(actor=world.auth_staff, task=special.task, due_on=TOMORROW)
    assert exc.value.code == "covert_not_reported"
    assert "暗访" in str(exc.value.message)
    assert (SelfEvaluation.objects.count(), Message.objects.count()) == (0, messages)


def test_covert_task_request_after_the_report(special, world):
    SupervisionTask.objects.filter(pk=special.task.pk).update(covert=True)
    special.report()
    row = services.self_evaluation_request(actor=world.auth_staff, task=special.task, due_on=TOMORROW)
    assert row.status == "requested"


def _prepare(special):
    from tests.factories import current_version

    return services.preliminary_opinion_prepare(
        actor=special.leader,
        task=special.task,
        body="考场管理不到位。",
        row_version=current_version(special.task, SupervisionTask),
    )


def test_a_report_never_sent_holds_the_opinion_only_until_its_due_day(special, time_machine):
    """The institution cannot stall the special supervision by not sending its report: up to and including
    the due day the group waits; from the next day it forms the preliminary opinion without it."""
    special.report()
    services.self_evaluation_request(actor=special.leader, task=special.task, due_on=TOMORROW)
    time_machine.move_to(dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    with pytest.raises(IllegalTransition) as exc:
        _prepare(special)
    assert exc.value.code == "self_evaluation_missing"
    time_machine.move_to(dt.datetime(2026, 12, 5, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert _prepare(special).kind == "preliminary"
    assert SelfEvaluation.objects.get(task=special.task).status == "requested"
