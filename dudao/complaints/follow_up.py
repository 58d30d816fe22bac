"""What a complaint leads to outside the complaints app, through the owners' services (never duplicated):
a special supervision task for the institution (ACT-1 (3), supervision.services.task_create with kind
special) and the penalty the authority decides on a proposal (INST-4, supervision.services.penalty_impose).
The complaint links to each; each link is audited in the same transaction as the task or penalty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from dudao.common.errors import Conflict, IllegalTransition
from dudao.common.writes import fail, pk_of, require
from dudao.people.models import Supervisor
from dudao.supervision import services as supervision
from dudao.supervision.models import Penalty, SupervisionTask, TaskKind

from . import domain, permissions
from .handling import bump, locked_at, record
from .models import Complaint

COMPLAINT_ITEM = "3"  # ACT-1 (3): investigation of the public's complaints


def complaint_dispatch_special(
    *,
    actor: Any,
    complaint: Complaint,
    supervisors: Sequence[Any],
    starts_at: dt.datetime | str | None,
    ends_at: dt.datetime | str | None,
    items: Sequence[str] = (),
    group_reason: str = "",
    leader: Any = None,
    row_version: Any,
) -> SupervisionTask:
    """ACT-1 (3): dispatch a special supervision task for the complained institution from the complaint,
    while it is investigated; the task covers the complaint item besides any other. The supervision
    service checks the group and every supervisor (SUP-8, ACT-4); a person complained about is refused."""
    require(permissions.may_act(actor, complaint), "只有本投诉的办理人员或人社部门管理员可以派出专项督导")
    with transaction.atomic():
        locked = locked_at(complaint, row_version)
        if locked.status != Complaint.Status.INVESTIGATING:
            raise IllegalTransition(f"投诉当前状态为「{locked.get_status_display()}」,调查中才能派出专项督导")
        if locked.task_id is not None:
            raise Conflict("本投诉已派出专项督导任务", detail={"task": [str(locked.task_id)]})
        concerned = set(locked.persons_concerned.values_list("pk", flat=True))
        ids = [pk_of(s) for s in supervisors or []]
        numeric = [i for i in ids if str(i).isdigit()]
        named = Supervisor.objects.filter(pk__in=numeric, person_id__in=concerned)
        if named.exists():
            names = "、".join(s.person.name for s in named.select_related("person"))
            raise fail("supervisors", f"{names} 是被投诉人员,不能参加本次专项督导")
        task = supervision.task_create(
            actor=actor,
            institution=locked.institution_id,
            supervisors=ids,
            kind=TaskKind.SPECIAL,
            starts_at=starts_at,
            ends_at=ends_at,
            items=[COMPLAINT_ITEM, *[i for i in items or [] if i != COMPLAINT_ITEM]],
            group_reason=group_reason,
            leader=leader,
            note=f"根据投诉 {locked.code} 派出",
        )
        locked.task = task
        bump(locked, ["task"])
        record(actor, "dispatch_task", locked, task_id=task.pk, task_number=task.number)
    return task


def complaint_impose_penalty(
    *,
    actor: Any,
    complaint: Complaint,
    row_version: Any,
    escalated_from: Any = None,
    serious: bool = False,
    serious_reason: str = "",
    responsible_persons: Any = None,
) -> Penalty:
    """INST-4: the authority decides the proposed measure as a penalty (supervision's penalty_impose, with
    the complaint's special task if any) and the complaint links to it. The ladder's inputs go through as
    they are: the earlier penalty of the rung below, or a serious matter with its reason, and for a
    disciplinary proposal the responsible persons."""
    require(permissions.may_assign(actor, complaint), "只有人社部门管理员可以作出处理决定")
    with transaction.atomic():
        locked = locked_at(complaint, row_version)
        if locked.disposition != Complaint.Disposition.PENALTY_PROPOSAL:
            raise IllegalTransition("本投诉没有处理建议")
        if locked.penalty_id is not None:
            raise Conflict("已根据本投诉的处理建议作出处理决定")
        measure = domain.MEASURE_LABELS[locked.penalty_measure]
        penalty = supervision.penalty_impose(
            actor=actor,
            institution=locked.institution_id,
            kind=domain.MEASURE_PENALTY_KIND[locked.penalty_measure],
            ground=locked.penalty_ground,
            description=f"根据投诉 {locked.code} 的处理建议({measure}):{locked.disposition_note}",
            task=locked.task_id,
            escalated_from=escalated_from,
            serious=serious,
            serious_reason=serious_reason,
            responsible_persons=responsible_persons,
        )
        locked.penalty = penalty
        bump(locked, ["penalty"])
        record(actor, "impose_penalty", locked, penalty_id=penalty.pk, kind=penalty.kind)
    return penalty
