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
