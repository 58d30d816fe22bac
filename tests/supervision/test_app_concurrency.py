"""Two connections at once (PostgreSQL row locks): locking the same draw or accepting the same task leaves
exactly one result (issue 4 acceptance). SQLite serialises writers itself, so these run on PostgreSQL only."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from dudao.common import audit
from dudao.common.errors import ApplicationError, Conflict, IllegalTransition
from dudao.common.models import AuditEvent
from dudao.supervision import services
from dudao.supervision.models import Draw, SupervisionTask, TaskMember
from tests.factories import current_version
from tests.supervision.app_support import TODAY, publish_draw, run_draw

pytestmark = pytest.mark.django_db(transaction=True)


def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself")


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; each result is a return value or the exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except BaseException as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_concurrent_locks_of_one_draw_leave_one_result(world):
    _needs_postgres()
    import datetime as dt

    draw = services.draw_define(
        actor=world.auth_staff,
        title="并发锁定",
        period_start=TODAY + dt.timedelta(days=1),
        period_end=TODAY + dt.timedelta(days=30),
        group_size=1,
    )
    draw = run_draw(
        world, actor=world.auth_staff, draw=publish_draw(world, actor=world.auth_staff, draw=draw)
    )
    staff, admin = world.auth_staff, world.auth_admin
    results = race(
        lambda: services.draw_lock(actor=staff, draw=draw.pk, row_version=current_version(draw.pk, Draw)),
        lambda: services.draw_lock(actor=admin, draw=draw.pk, row_version=current_version(draw.pk, Draw)),
    )
    winners = [r for r in results if isinstance(r, Draw)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1 and len(losers) == 1, results
    # The loser read the version before the winner committed (stale: 409) or after (already locked).
    assert isinstance(losers[0], Conflict | IllegalTransition)
    draw.refresh_from_db()
    assert (draw.status, draw.row_version) == ("locked", winners[0].row_version)
    assert SupervisionTask.objects.filter(draw=draw).count() == 3  # one per target, created once
    assert AuditEvent.objects.filter(action="supervision.draw.lock").count() == 1
    assert AuditEvent.objects.filter(action="supervision.task.dispatch").count() == 3
    assert audit.verify_chain().ok


def test_two_concurrent_accepts_of_one_dispatch_leave_one_answer(world):
    _needs_postgres()
    task = services.task_create(
        actor=world.auth_staff, institution=world.institution, supervisors=[world.s1], batch=world.b1
    )
    user = world.s1.user
    results = race(
        lambda: services.task_accept(actor=user, task=task.pk),
        lambda: services.task_accept(actor=user, task=task.pk),
    )
    accepted = [r for r in results if isinstance(r, TaskMember)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(accepted) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], IllegalTransition)
    task.refresh_from_db()
    assert task.status == "accepted"
    member = TaskMember.objects.get(task=task)
    assert (member.response, member.row_version) == ("accepted", 2)
    assert AuditEvent.objects.filter(action="supervision.member.accept").count() == 1
    assert AuditEvent.objects.filter(action="supervision.task.accepted").count() == 1
    assert audit.verify_chain().ok


def test_two_members_accepting_at_once_both_count(world):
    _needs_postgres()
    task = services.task_create(
        actor=world.auth_staff,
        institution=world.institution,
        supervisors=[world.s1, world.s2],
        batch=world.b1,
    )
    u1, u2 = world.s1.user, world.s2.user
    results = race(
        lambda: services.task_accept(actor=u1, task=task.pk),
        lambda: services.task_accept(actor=u2, task=task.pk),
    )
    assert all(isinstance(r, TaskMember) for r in results), results
    task.refresh_from_db()
    # Without the row lock each would see the other still pending and the task would stay dispatched.
    assert task.status == "accepted"
    assert AuditEvent.objects.filter(action="supervision.task.accepted").count() == 1
