"""The defence window's last day (issue 8 §7; ACT-4 step 3): the institution may still defend on the last
day, and the authority may close the window only after it.

Repeats the mutation probes that survived before: `defence_window_close` with `<=` turned into `<` (the
window closable on its last day) and `defence_submit` with `>` turned into `>=` (a defence refused on its
last day). The day before and the day after are covered by tests/supervision/test_app_flow.py.
"""

from __future__ import annotations

import pytest

from dudao.common.errors import IllegalTransition
from dudao.supervision import services
from dudao.supervision.models import (
    Opinion,
    SupervisionTask,
)
from tests.factories import current_version
from tests.supervision.app_support import TODAY

pytestmark = pytest.mark.django_db


def _task_waiting_for_defence(world, due_on):
    """A special task whose preliminary opinion was sent; its defence window ends on `due_on`."""
    task = world.task("sent_to_institution", world.s1, world.s2, world.s3, kind="special", items=["1"])
    Opinion.objects.filter(task=task, kind="preliminary").update(defence_due_on=due_on)
    return task


def test_the_window_cannot_be_closed_on_its_last_day(world):
    """Probe: `defence_window_close` `<=` → `<` let the authority close the window on its last day."""
    task = _task_waiting_for_defence(world, TODAY)
    with pytest.raises(IllegalTransition) as exc:
        services.defence_window_close(
            actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
        )
    assert exc.value.code == "defence_open"
    assert exc.value.message == f"申辩期限至 {TODAY.isoformat()},尚未届满"
    task.refresh_from_db()
    assert task.status == "sent_to_institution"


def test_a_defence_is_accepted_on_the_last_day(world):
    """Probe: `defence_submit` `>` → `>=` refused a defence submitted on the window's last day."""
    task = _task_waiting_for_defence(world, TODAY)
    opinion = services.defence_submit(actor=world.inst_admin, task=task, text="最后一天提交的申辩")
    assert opinion.defence_text == "最后一天提交的申辩"
    task.refresh_from_db()
    assert task.status == "defence_submitted"
