"""Helpers shared by the supervision writers: number sequences, recipients, links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model

from dudao.common.transitions import transition
from dudao.common.writes import (
    check_version,
    lock,
    visible_or_404,
)
from dudao.notifications import recipients

from .. import selectors
from ..models import (
    NumberSequence,
    SupervisionPolicy,
    SupervisionTask,
)
from ..transitions import TASK_TRANSITIONS

S = SupervisionTask.Status


# ---------------------------------------------------------------------------------------- helpers


def _next_seq(key: str) -> int:
    """Next number of a sequence, serialised by a row lock (concurrent issuers never share a number)."""
    NumberSequence.objects.bulk_create([NumberSequence(key=key, last=0)], ignore_conflicts=True)
    seq = NumberSequence.objects.select_for_update().get(key=key)
    seq.last += 1
    seq.save(update_fields=["last"])
    return seq.last


def _users_of_supervisors(supervisor_ids: Iterable[int]):
    return (
        get_user_model()
        .objects.filter(is_active=True, person__supervisor_roles__in=list(supervisor_ids))
        .distinct()
    )


def _authority_staff(task_or_institution) -> Any:
    institution = getattr(task_or_institution, "institution", task_or_institution)
    return recipients.authority_staff_for_region(institution.region_id)


def _task_link(task: SupervisionTask) -> str:
    return f"/supervision/tasks/{task.pk}/"


def _visible_task(actor, task: SupervisionTask | int) -> SupervisionTask:
    return visible_or_404(selectors.tasks_for(actor), task)


def _lock_task(actor, task: SupervisionTask | int) -> SupervisionTask:
    """The task in the actor's scope (else 404), re-read under a row lock."""
    return lock(SupervisionTask, _visible_task(actor, task).pk)


def _locked_task(actor, task: SupervisionTask | int, row_version: Any) -> SupervisionTask:
    """The task in the actor's scope (else 404), re-read under a row lock, the writer's version checked."""
    obj = _lock_task(actor, task)
    check_version(obj, row_version)
    return obj


def _move(
    task: SupervisionTask, to: str, actor, *, action: str, fields: Sequence[str] = (), extra: Any = None
) -> None:
    """One step of TASK_TRANSITIONS on a locked task (the shared transition helper)."""
    transition(
        task, to, actor=actor, table=TASK_TRANSITIONS, action=action, noun="任务", fields=fields, extra=extra
    )


def _policy(task: SupervisionTask) -> SupervisionPolicy:
    return selectors.policy_for(task.authority_id)
