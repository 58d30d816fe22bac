"""Tasks and their groups: eligibility, create, accept/decline, on site, cancel, close, escalate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.permissions import is_institution_admin, is_superuser
from dudao.common import audit
from dudao.common.errors import (
    IllegalTransition,
    PermissionDenied,
)
from dudao.common.writes import (
    check_version,
    fail,
    lock,
    parse_datetime,
    pk_of,
    require,
    required_text,
    save_fields,
    save_new,
    text,
    visible_or_404,
)
from dudao.notifications import recipients
from dudao.notifications.services import notify
from dudao.people.models import CardStatus, Supervisor
from dudao.people.selectors import active_relations
from dudao.registry.models import Batch, Institution
from dudao.registry.selectors import batches_for, institutions_for

from .. import selectors, workflow
from ..models import (
    Draw,
    SupervisionTask,
    SupervisorKind,
    TaskKind,
    TaskMember,
)
from ..permissions import (
    can_manage_institution,
    can_manage_task,
)
from ..selectors_plans import published_plan_id
from .base import _authority_staff, _lock_task, _locked_task, _move, _next_seq, _task_link
from .draws import _int_list, _notify_dispatch
from .performance import _record_misconduct

S = SupervisionTask.Status
D = Draw.Status
M = TaskMember.Response


# ----------------------------------------------------------------------------------- eligibility
def eligibility_problems(
    supervisor: Supervisor,
    *,
    institution: Institution,
    batch: Batch | None,
    supervisor_kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    exclude_task: int | None = None,
) -> list[str]:
    """Why `supervisor` may not serve at this target (the draw's hard constraints, for ad hoc staffing)."""
    problems = []
    if supervisor.status != Supervisor.Status.ACTIVE:
        problems.append(f"督导员状态为「{supervisor.get_status_display()}」")
    if supervisor.dismissal_flag:
        problems.append("督导员有解聘风险标记")  # SUP-10
    if supervisor.kind != supervisor_kind:
        problems.append(f"任务需要{SupervisorKind(supervisor_kind).label}督导员")
    if supervisor.kind == SupervisorKind.INTERNAL and supervisor.institution_id != institution.pk:
        problems.append("内部督导员只能督导本机构")
    if supervisor.kind == SupervisorKind.EXTERNAL and supervisor.person.employer_id == institution.pk:
        problems.append("外部督导员不能督导本人工作单位")  # SUP-8
    start_day = timezone.localtime(starts_at).date()
    end_day = timezone.localtime(ends_at - dt.timedelta(microseconds=1)).date()
    if not supervisor.cards.filter(
        status=CardStatus.VALID, issued_on__lte=start_day, valid_until__gte=end_day
    ).exists():
        problems.append("没有覆盖任务期间的有效督导员证卡")  # SUP-3
    examiner_persons = set()
    if batch is not None:
        examiner_persons = set(batch.examiners.values_list("person_id", flat=True))
        if batch.team_leader_id:
            examiner_persons.add(batch.team_leader.person_id)
        if supervisor.person_id in examiner_persons:
            problems.append("督导员是本场次考评人员,不能兼任")  # SUP-8
    employees = set(institution.employees.values_list("pk", flat=True))
    relations = active_relations(
        [supervisor.person_id],
        other_person_ids=sorted(employees | examiner_persons),
        institution_ids=[institution.pk],
    )
    if relations.exists():
        problems.append("督导员申报了与该机构或其人员的利害关系,须回避")  # SUP-8
    busy = selectors.committed_memberships([supervisor.pk], starts_at, ends_at)
    if exclude_task is not None:
        busy = busy.exclude(task_id=exclude_task)
    if busy.exists():
        problems.append("督导员在该时段已有其他督导任务")
    return problems


def _check_eligible(supervisor: Supervisor, field: str, **target: Any) -> None:
    problems = eligibility_problems(supervisor, **target)
    if problems:
        message = f"{supervisor.person.name}:{';'.join(problems)}"
        raise fail(field, message, code="not_eligible")


# ----------------------------------------------------------------------------------------- tasks


@transaction.atomic
def task_create(
    *,
    actor,
    institution: Institution | int,
    supervisors: Sequence[Any],
    kind: str = TaskKind.DAILY,
    batch: Batch | int | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    covert: bool = False,
    items: Sequence[str] = (),
    group_reason: str = "",
    supervisor_kind: str = SupervisorKind.EXTERNAL,
    leader: Any = None,
    note: str = "",
) -> SupervisionTask:
    """Dispatch an ad hoc task (e.g. a complaint, ACT-1 (3), or an uncovered batch) with named supervisors;
    every supervisor must pass the draw's hard constraints."""
    inst = visible_or_404(institutions_for(actor).select_related("authority", "region"), institution)
    if supervisor_kind == SupervisorKind.INTERNAL:
        require(is_superuser(actor) or (is_institution_admin(actor) and actor.institution_id == inst.pk))
    else:
        require(can_manage_institution(actor, inst))
    if kind not in TaskKind.values:
        raise fail("kind", "督导类型应为日常督导或专项督导")
    if supervisor_kind not in SupervisorKind.values:
        raise fail("supervisor_kind", "督导员类型应为外部或内部")
    if covert and supervisor_kind == SupervisorKind.INTERNAL:
        raise fail("covert", "内部督导任务不能设为暗访")
    clean_items = workflow.check_content_areas(list(items or []), required=kind == TaskKind.SPECIAL)
    the_batch = None
    if batch is not None:
        the_batch = visible_or_404(
            batches_for(actor).filter(institution=inst).select_related("team_leader"), batch
        )
        if the_batch.status == Batch.Status.CANCELLED:
            raise fail("batch", "该评价批次已取消")
        starts_at, ends_at = starts_at or the_batch.starts_at, ends_at or the_batch.ends_at
    if starts_at is None or ends_at is None:
        raise fail("starts_at", "请填写督导开始和结束时间")
    starts_at, ends_at = parse_datetime(starts_at, "starts_at"), parse_datetime(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise fail("ends_at", "结束时间必须晚于开始时间")
    ids = _int_list([pk_of(s) for s in supervisors or []], "supervisors")
    ordered = list(dict.fromkeys(int(pk_of(s)) for s in supervisors or []))
    if not ids:
        raise fail("supervisors", "请选择督导员")
    group_reason = text(group_reason, limit=255)
    workflow.check_group(kind, len(ids), group_reason)
    found = {s.pk: s for s in Supervisor.objects.filter(pk__in=ids).select_related("person")}
    pool = set(selectors.supervisors_for(actor).filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ordered if i not in found or i not in pool]
    if missing:
        raise fail("supervisors", f"督导员不存在或不在管辖范围内:{'、'.join(map(str, missing))}")
    target = {
        "institution": inst,
        "batch": the_batch,
        "supervisor_kind": supervisor_kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    for pk in ordered:
        _check_eligible(found[pk], "supervisors", **target)
    leader_pk = int(pk_of(leader)) if leader not in (None, "") else ordered[0]
    if leader_pk not in found:
        raise fail("leader", "组长须是所选督导员之一")
    authority = inst.authority
    year = timezone.localtime(starts_at).year
    task = SupervisionTask(
        number=f"{authority.code}-RW{year}-{_next_seq(f'task:{authority.pk}:{year}'):05d}",
        authority=authority,
        institution=inst,
        batch=the_batch,
        kind=kind,
        supervisor_kind=supervisor_kind,
        covert=bool(covert),
        items=clean_items,
        starts_at=starts_at,
        ends_at=ends_at,
        group_size=len(ordered),
        group_reason=group_reason,
        status=S.DISPATCHED,
        report_due_on=workflow.report_due_on(
            timezone.localtime(ends_at), selectors.policy_for(authority).report_days
        ),
        created_by=actor,
        dispatched_at=timezone.now(),
        note=text(note, limit=255),
        annual_plan_id=published_plan_id(authority, year),  # ACT-6
    )
    save_new(task)
    for pk in ordered:
        role = TaskMember.Role.LEADER if pk == leader_pk else TaskMember.Role.MEMBER
        save_new(TaskMember(task=task, supervisor=found[pk], role=role))
    audit.record(
        actor=actor,
        action="supervision.task.create",
        obj=task,
        after={**audit.snapshot(task), "members": ordered, "leader": leader_pk},
    )
    _notify_dispatch(task, ordered)
    return task


def _own_member(actor, task: SupervisionTask) -> TaskMember:
    member = (
        TaskMember.objects.select_for_update(of=("self",))
        .filter(task=task, active=True, supervisor__person_id=getattr(actor, "person_id", None))
        .first()
    )
    if member is None:
        raise PermissionDenied("您不是该任务督导组的成员")
    return member


def _refresh_group_status(actor, task: SupervisionTask, action: str) -> None:
    """dispatched/declined → accepted when every active member has accepted."""
    responses = list(TaskMember.objects.filter(task=task, active=True).values_list("response", flat=True))
    if responses and all(r == M.ACCEPTED for r in responses) and task.status in (S.DISPATCHED, S.DECLINED):
        _move(task, S.ACCEPTED, actor, action=action)


@transaction.atomic
def task_accept(*, actor, task: SupervisionTask | int) -> TaskMember:
    """A supervisor accepts their dispatch (SUP-4); the task is accepted once the whole group has."""
    obj = _lock_task(actor, task)
    member = _own_member(actor, obj)
    if member.response != M.PENDING:
        raise IllegalTransition(
            f"您已{member.get_response_display()}该任务", detail={"response": member.response}
        )
    if obj.status not in (S.DISPATCHED, S.DECLINED):
        raise IllegalTransition(f"任务当前状态为「{obj.get_status_display()}」,不能接受")
    before = audit.snapshot(member)
    member.response = M.ACCEPTED
    member.responded_at = timezone.now()
    save_fields(member, ["response", "responded_at"])
    audit.record(
        actor=actor,
        action="supervision.member.accept",
        obj=member,
        before=before,
        after=audit.snapshot(member),
    )
    _refresh_group_status(actor, obj, "supervision.task.accepted")
    return member


@transaction.atomic
def task_decline(
    *, actor, task: SupervisionTask | int, reason: str = "", reason_kind: str = ""
) -> TaskMember:
    """A supervisor declines with a reason; without one it is 无故拒绝 and recorded at once (SUP-10).
    A reason is judged by the authority (`member_review_decline`)."""
    obj = _lock_task(actor, task)
    member = _own_member(actor, obj)
    if member.response != M.PENDING:
        raise IllegalTransition(
            f"您已{member.get_response_display()}该任务", detail={"response": member.response}
        )
    if reason_kind and reason_kind not in workflow.DECLINE_REASON_KINDS:
        raise fail("reason_kind", "拒绝理由类别不正确")
    reason = text(reason)
    if len(reason) > 255:
        raise fail("reason", "拒绝理由不能超过 255 个字")
    before = audit.snapshot(member)
    member.response = M.DECLINED
    member.responded_at = timezone.now()
    member.decline_reason = reason
    member.decline_reason_kind = reason_kind
    fields = ["response", "responded_at", "decline_reason", "decline_reason_kind"]
    if not reason:
        member.justified = False
        fields.append("justified")
    save_fields(member, fields)
    audit.record(
        actor=actor,
        action="supervision.member.decline",
        obj=member,
        before=before,
        after=audit.snapshot(member),
    )
    if obj.status == S.DISPATCHED:
        _move(obj, S.DECLINED, actor, action="supervision.task.declined")
    if not reason:
        _record_misconduct(
            actor=None,
            supervisor=member.supervisor,
            kind="unjustified_refusal",
            description=f"任务 {obj.number}:拒绝派遣且未说明理由",
            occurred_on=timezone.localdate(),
            task=obj,
            member=member,
        )
    notify(
        recipients=_authority_staff(obj)
        if obj.supervisor_kind == SupervisorKind.EXTERNAL
        else recipients.institution_admins(obj.institution_id),
        kind="task.declined",
        title=f"督导员拒绝任务 {obj.number}",
        body=reason or "未说明理由(已记录)",  # SUP-10
        link=_task_link(obj),
        obj=obj,
    )
    return member


@transaction.atomic
def member_review_decline(
    *, actor, member: TaskMember | int, justified: bool, note: str = "", row_version: int | None = None
) -> TaskMember:
    """The authority judges a decline's reason; an unjustified one is recorded under SUP-10."""
    target = visible_or_404(TaskMember.objects.filter(task__in=selectors.tasks_for(actor)), member)
    obj = lock(TaskMember, target.pk)
    task = SupervisionTask.objects.get(pk=obj.task_id)
    require(can_manage_task(actor, task))
    check_version(obj, row_version)
    if obj.response != M.DECLINED:
        raise IllegalTransition("该成员没有拒绝任务")
    if obj.justified is not None:
        raise IllegalTransition("该拒绝理由已审核")
    before = audit.snapshot(obj)
    obj.justified = bool(justified)
    obj.reviewed_by = actor
    obj.reviewed_at = timezone.now()
    obj.review_note = text(note, limit=255)
    save_fields(obj, ["justified", "reviewed_by", "reviewed_at", "review_note"])
    audit.record(
        actor=actor,
        action="supervision.member.review_decline",
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
    )
    if not obj.justified:
        _record_misconduct(
            actor=actor,
            supervisor=obj.supervisor,
            kind="unjustified_refusal",
            description=f"任务 {task.number}:拒绝理由不成立({obj.decline_reason}){obj.review_note}",
            occurred_on=timezone.localtime(obj.responded_at).date(),
            task=task,
            member=obj,
        )
    return obj


@transaction.atomic
def member_replace(*, actor, member: TaskMember | int, supervisor: Supervisor | int) -> TaskMember:
    """Replace a member who declined by another eligible supervisor; the leader role passes on."""
    target = visible_or_404(TaskMember.objects.filter(task__in=selectors.tasks_for(actor)), member)
    task = lock(SupervisionTask, target.task_id)
    require(can_manage_task(actor, task))
    old = lock(TaskMember, target.pk)
    if old.response != M.DECLINED or not old.active:
        raise IllegalTransition("只能替换已拒绝任务的成员")
    if task.status not in (S.DISPATCHED, S.DECLINED):
        raise IllegalTransition(f"任务当前状态为「{task.get_status_display()}」,不能调整督导组")
    new_supervisor = visible_or_404(selectors.supervisors_for(actor).select_related("person"), supervisor)
    if TaskMember.objects.filter(task=task, supervisor=new_supervisor).exists():
        raise fail("supervisor", "该督导员已在本任务督导组中")
    batch = Batch.objects.filter(pk=task.batch_id).select_related("team_leader").first()
    _check_eligible(
        new_supervisor,
        "supervisor",
        institution=task.institution,
        batch=batch,
        supervisor_kind=task.supervisor_kind,
        starts_at=task.starts_at,
        ends_at=task.ends_at,
        exclude_task=task.pk,
    )
    new = TaskMember(task=task, supervisor=new_supervisor, role=old.role)
    save_new(new)
    before = audit.snapshot(old)
    old.active = False
    old.replaced_by = new
    old.role = TaskMember.Role.MEMBER
    save_fields(old, ["active", "replaced_by", "role"])
    audit.record(
        actor=actor,
        action="supervision.member.replace",
        obj=old,
        before=before,
        after={**audit.snapshot(old), "new_member": audit.snapshot(new)},
    )
    open_declines = TaskMember.objects.filter(task=task, active=True, response=M.DECLINED).exists()
    if task.status == S.DECLINED and not open_declines:
        _move(task, S.DISPATCHED, actor, action="supervision.task.redispatch")
    _notify_dispatch(task, [new_supervisor.pk])
    return new


@transaction.atomic
def task_start_on_site(
    *, actor, task: SupervisionTask | int, row_version: int | None = None
) -> SupervisionTask:
    """The group arrives on site (ACT-4 step 1): the checklist and findings open."""
    obj = _locked_task(actor, task, row_version)
    obj.on_site_at = timezone.now()
    _move(obj, S.ON_SITE, actor, action="supervision.task.on_site", fields=["on_site_at"])
    return obj


@transaction.atomic
def task_cancel(
    *, actor, task: SupervisionTask | int, reason: str, row_version: int | None = None
) -> SupervisionTask:
    """Cancel a task before anyone is on site (e.g. the batch was cancelled)."""
    obj = _locked_task(actor, task, row_version)
    obj.note = required_text(reason, "reason", "取消原因", 255)
    _move(obj, S.CANCELLED, actor, action="supervision.task.cancel", fields=["note"])
    return obj
