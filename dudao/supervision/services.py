"""Supervision writers: draws, tasks and their groups, findings, reports, opinions, rectification,
penalties, ratings, assessments and misconduct records. Every mutation goes through these functions.

Order of refusals (nothing is written in any case): object outside the actor's scope → NotFound; in scope
but the role may not take the step → PermissionDenied; stale `row_version` → Conflict; a step the
workflow table does not allow → IllegalTransition; bad input → ValidationFailed.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_admin, is_superuser
from dudao.common import audit
from dudao.common.domain import canonical_json, digest, preferred_hash_algorithm
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from dudao.common.transitions import check_transition, transition
from dudao.common.writes import (
    check_fields,
    check_version,
    clean,
    fail,
    lock,
    parse_date,
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
from dudao.people.models import CardStatus, Supervisor, SupervisorContract
from dudao.people.permissions import can_change_supervisor
from dudao.people.selectors import active_relations
from dudao.registry.models import Authority, Batch, Filing, Institution
from dudao.registry.selectors import authorities_for, batches_for, institutions_for

from . import selectors, snapshot, workflow
from .domain import (
    MAX_WITNESSES,
    MIN_WITNESSES,
    check_commitment,
    check_witness_value,
    final_seed,
    solve_draw,
    witness_commitment,
)
from .models import (
    Draw,
    DrawWitness,
    Finding,
    FindingEvidence,
    MisconductRecord,
    NumberSequence,
    Opinion,
    Penalty,
    Rectification,
    RectificationEvidence,
    Report,
    SupervisionPolicy,
    SupervisionTask,
    SupervisorAssessment,
    SupervisorKind,
    SupervisorRating,
    TaskKind,
    TaskMember,
)
from .permissions import (
    can_answer_for_institution,
    can_manage_draw,
    can_manage_institution,
    can_manage_policy,
    can_manage_task,
    can_reverify,
    is_accepted_member,
    is_task_leader,
)
from .transitions import AFTER_REPORT, DRAW_TRANSITIONS, TASK_TRANSITIONS

S = SupervisionTask.Status
D = Draw.Status
M = TaskMember.Response

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


# ---------------------------------------------------------------------------------------- policy
POLICY_FIELDS = (
    "report_days",
    "defence_workdays",
    "rectification_days",
    "disclose_supervisors_as",
    "coverage_required",
    "opinion_number_prefix",
)


@transaction.atomic
def policy_update(
    *, actor, authority: Authority | int | None = None, row_version: int | None = None, **changes: Any
) -> SupervisionPolicy:
    """Set an authority's supervision policy (SUP-7 days, defence working days, disclosure, 逢考必督)."""
    if authority is None and is_authority_user(actor):
        authority = actor.authority
    if authority is None:
        raise fail("authority", "请选择委派机构")
    target = visible_or_404(authorities_for(actor), authority)
    require(can_manage_policy(actor, target))
    check_fields(changes, POLICY_FIELDS)
    policy = SupervisionPolicy.objects.select_for_update().filter(authority=target).first()
    created = policy is None
    if created:
        policy = SupervisionPolicy(authority=target)
    else:
        check_version(policy, row_version)
    before = None if created else audit.snapshot(policy)
    for name, value in changes.items():
        setattr(policy, name, value)
    if policy.report_days > 60:
        raise fail("report_days", "报告提交期限不能超过 60 日")
    if not 1 <= policy.defence_workdays <= 60:
        raise fail("defence_workdays", "申辩期限须为 1–60 个工作日")
    if not 1 <= policy.rectification_days <= 730:
        raise fail("rectification_days", "整改期限须为 1–730 日")
    if created:
        save_new(policy)
    else:
        save_fields(policy, list(changes))
    audit.record(
        actor=actor,
        action="supervision.policy.update",
        obj=policy,
        before=before,
        after=audit.snapshot(policy),
    )
    return policy


# ----------------------------------------------------------------------------------------- draws
DRAW_FIELDS = (
    "title",
    "period_start",
    "period_end",
    "population",
    "filters",
    "sample_count",
    "sample_ratio",
    "risk_weights",
    "task_kind",
    "items",
    "group_size",
    "group_reason",
    "max_tasks",
    "pool",
    "covert_policy",
)


def _int_list(value: Any, field: str) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise fail(field, "应为编号列表")
    try:
        return sorted({int(v) for v in value})
    except (TypeError, ValueError):
        raise fail(field, "应为编号列表") from None


def _draw_values(values: dict[str, Any], draw: Draw) -> None:
    """Validate and normalise draw parameters onto `draw` (RAND-1, ACT-2/4)."""
    if "title" in values:
        draw.title = required_text(values["title"], "title", "名称", 128)
    if "period_start" in values:
        draw.period_start = parse_date(values["period_start"], "period_start", "期间起")
    if "period_end" in values:
        draw.period_end = parse_date(values["period_end"], "period_end", "期间止")
    if draw.period_end < draw.period_start:
        raise fail("period_end", "期间止不能早于期间起")
    if draw.period_end - draw.period_start > dt.timedelta(days=366):
        raise fail("period_end", "抽取期间不能超过一年")
    if "population" in values:
        draw.population = values["population"]
    if draw.population not in Draw.Population.values:
        raise fail("population", "抽取对象应为评价批次或评价机构")
    if draw.kind == SupervisorKind.INTERNAL and draw.population != Draw.Population.BATCHES:
        raise fail("population", "内部督导抽取的对象只能是本机构的评价批次")
    if "filters" in values:
        raw = values["filters"] or {}
        if not isinstance(raw, Mapping):
            raise fail("filters", "对象范围格式不正确")
        unknown = sorted(set(raw) - {"occupations", "institution_kinds", "institutions", "region"})
        if unknown:
            raise fail("filters", f"未知的范围条件:{'、'.join(unknown)}")
        kinds = raw.get("institution_kinds") or []
        if not isinstance(kinds, list | tuple) or any(k not in Institution.Kind.values for k in kinds):
            raise fail("filters", "机构类型不正确")
        region = text(raw.get("region"))
        if region and (not region.isdigit() or not region.startswith(draw.authority.region.prefix)):
            raise fail("filters", "区划须在本机构管辖范围内")
        clean = {
            "occupations": _int_list(raw.get("occupations"), "filters"),
            "institution_kinds": sorted(set(kinds)),
            "institutions": _int_list(raw.get("institutions"), "filters"),
            "region": region,
        }
        draw.filters = {k: v for k, v in clean.items() if v}
    if "sample_count" in values or "sample_ratio" in values:
        count = values.get("sample_count", draw.sample_count)
        ratio = values.get("sample_ratio", draw.sample_ratio)
        if count not in (None, "") and ratio not in (None, ""):
            raise fail("sample_count", "抽取数量与抽取比例只能填写一项")
        draw.sample_count, draw.sample_ratio = None, None
        if count not in (None, ""):
            try:
                draw.sample_count = int(count)
            except (TypeError, ValueError):
                raise fail("sample_count", "抽取数量应为正整数") from None
            if draw.sample_count < 1:
                raise fail("sample_count", "抽取数量应为正整数")
        elif ratio not in (None, ""):
            try:
                draw.sample_ratio = Decimal(str(ratio))
            except InvalidOperation:
                raise fail("sample_ratio", "抽取比例应为 0 到 1 之间的小数") from None
            if not (0 < draw.sample_ratio <= 1) or draw.sample_ratio != draw.sample_ratio.quantize(
                Decimal("0.0001")
            ):
                raise fail("sample_ratio", "抽取比例应为 0 到 1 之间、最多四位小数")
    if "risk_weights" in values:
        raw = values["risk_weights"] or {}
        if not isinstance(raw, Mapping) or set(raw) - {"institutions", "prior_violation"}:
            raise fail(
                "risk_weights", '风险权重格式应为 {"institutions": {机构ID: 权重}, "prior_violation": 系数}'
            )
        per = raw.get("institutions") or {}
        if not isinstance(per, Mapping):
            raise fail("risk_weights", "机构权重格式不正确")
        clean_per = {}
        for key, value in per.items():
            if not str(key).isdigit():
                raise fail("risk_weights", f"机构编号不正确:{key}")
            clean_per[str(int(key))] = float(workflow.weight_value(value))
        clean: dict[str, Any] = {}
        if clean_per:
            clean["institutions"] = dict(sorted(clean_per.items(), key=lambda kv: int(kv[0])))
        if raw.get("prior_violation") not in (None, ""):
            clean["prior_violation"] = float(workflow.weight_value(raw["prior_violation"]))
        draw.risk_weights = clean
    if "task_kind" in values:
        draw.task_kind = values["task_kind"]
    if draw.task_kind not in TaskKind.values:
        raise fail("task_kind", "督导类型应为日常督导或专项督导")
    if "items" in values:
        draw.items = workflow.check_content_areas(values["items"] or [])
    if draw.task_kind == TaskKind.SPECIAL:
        workflow.check_content_areas(draw.items, required=True)
    if "group_size" in values:
        draw.group_size = values["group_size"]
    if "group_reason" in values:
        draw.group_reason = text(values["group_reason"], limit=255)
    try:
        draw.group_size = int(draw.group_size)
    except (TypeError, ValueError):
        raise fail("group_size", "督导组人数应为正整数") from None
    if draw.group_size > 15:
        raise fail("group_size", "督导组人数不能超过 15 人")
    workflow.check_group(draw.task_kind, draw.group_size, draw.group_reason)
    if "max_tasks" in values:
        try:
            draw.max_tasks = int(values["max_tasks"])
        except (TypeError, ValueError):
            raise fail("max_tasks", "每名督导员最多任务数应为正整数") from None
        if not 1 <= draw.max_tasks <= 100:
            raise fail("max_tasks", "每名督导员最多任务数应为 1–100")
    if "pool" in values:
        raw = values["pool"] or {}
        if not isinstance(raw, Mapping) or set(raw) - {"supervisors", "include_flagged"}:
            raise fail("pool", '督导员库格式应为 {"supervisors": [编号], "include_flagged": false}')
        clean = {"supervisors": _int_list(raw.get("supervisors"), "pool")}
        if raw.get("include_flagged"):
            clean["include_flagged"] = True
        draw.pool = {k: v for k, v in clean.items() if v}
    if "covert_policy" in values:
        draw.covert_policy = values["covert_policy"]
    if draw.covert_policy not in Draw.CovertPolicy.values:
        raise fail("covert_policy", "督导方式应为明察或暗访")
    if draw.kind == SupervisorKind.INTERNAL and draw.covert_policy == Draw.CovertPolicy.COVERT:
        raise fail("covert_policy", "内部督导抽取不能设为暗访")


@transaction.atomic
def draw_define(
    *,
    actor,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    kind: str = SupervisorKind.EXTERNAL,
    population: str = Draw.Population.BATCHES,
    filters: Mapping[str, Any] | None = None,
    sample_count: int | None = None,
    sample_ratio: Decimal | float | str | None = None,
    risk_weights: Mapping[str, Any] | None = None,
    task_kind: str = TaskKind.DAILY,
    items: Sequence[str] = (),
    group_size: int = 1,
    group_reason: str = "",
    max_tasks: int = 3,
    pool: Mapping[str, Any] | None = None,
    covert_policy: str = Draw.CovertPolicy.OPEN,
    authority: Authority | int | None = None,
    institution: Institution | int | None = None,
) -> Draw:
    """Define a draw (RAND-1): an authority's external draw, or an institution's internal one."""
    if kind not in SupervisorKind.values:
        raise fail("kind", "督导员类型应为外部或内部")
    if kind == SupervisorKind.INTERNAL:
        require(is_superuser(actor) or is_institution_admin(actor), "内部督导抽取由评价机构管理员进行")
        if institution is None and is_institution_admin(actor):
            institution = actor.institution
        if institution is None:
            raise fail("institution", "内部督导抽取须指定评价机构")
        inst = visible_or_404(institutions_for(actor), institution)
        require(is_superuser(actor) or (is_institution_admin(actor) and actor.institution_id == inst.pk))
        owner = inst.authority
    else:
        require(is_superuser(actor) or is_authority_user(actor), "外部督导抽取由委派机构进行")
        if authority is None and is_authority_user(actor):
            authority = actor.authority
        if authority is None:
            raise fail("authority", "请选择委派机构")
        owner = visible_or_404(authorities_for(actor).select_related("region"), authority)
        inst = None
        require(
            is_superuser(actor)
            or (is_authority_user(actor) and owner.region_id.startswith(actor.authority.region.prefix))
        )
    draw = Draw(
        authority=owner,
        institution=inst,
        kind=kind,
        created_by=actor,
        title="",
        period_start=period_start if isinstance(period_start, dt.date) else dt.date.min,
        period_end=period_end if isinstance(period_end, dt.date) else dt.date.min,
        # Fixed at definition: witnesses compute their commitments with it before publication.
        hash_algorithm=preferred_hash_algorithm(),
    )
    _draw_values(
        {
            "title": title,
            "period_start": period_start,
            "period_end": period_end,
            "population": population,
            "filters": filters or {},
            "sample_count": sample_count,
            "sample_ratio": sample_ratio,
            "risk_weights": risk_weights or {},
            "task_kind": task_kind,
            "items": list(items or []),
            "group_size": group_size,
            "group_reason": group_reason,
            "max_tasks": max_tasks,
            "pool": pool or {},
            "covert_policy": covert_policy,
        },
        draw,
    )
    year = draw.period_start.year
    draw.number = f"{owner.code}-CQ{year}-{_next_seq(f'draw:{owner.pk}:{year}'):04d}"
    save_new(draw)
    audit.record(actor=actor, action="supervision.draw.define", obj=draw, after=audit.snapshot(draw))
    return draw


def _locked_draw(actor, draw: Draw | int, row_version: int | None) -> Draw:
    target = visible_or_404(selectors.draws_for(actor), draw)
    obj = lock(Draw, target.pk)
    check_version(obj, row_version)
    return obj


def _draw_move(
    draw: Draw, to: str, actor, *, action: str, fields: Sequence[str] = (), extra: Any = None
) -> None:
    """One step of DRAW_TRANSITIONS on a locked draw (the shared transition helper)."""
    transition(
        draw, to, actor=actor, table=DRAW_TRANSITIONS, action=action, noun="抽取", fields=fields, extra=extra
    )


@transaction.atomic
def draw_update(*, actor, draw: Draw | int, row_version: int, **changes: Any) -> Draw:
    """Change a draw's parameters while it is only defined (the published scenario is frozen)."""
    obj = _locked_draw(actor, draw, row_version)
    require(can_manage_draw(actor, obj))
    unknown = sorted(set(changes) - set(DRAW_FIELDS))
    if unknown:
        raise ValidationFailed(
            f"不能修改字段:{'、'.join(unknown)}", detail={f: ["不可修改"] for f in unknown}
        )
    if obj.status != D.DEFINED:
        raise IllegalTransition("抽取已公布,参数不能再修改", detail={"from": obj.status})
    before = audit.snapshot(obj)
    _draw_values(dict(changes), obj)
    save_fields(obj, list(changes))
    audit.record(
        actor=actor, action="supervision.draw.update", obj=obj, before=before, after=audit.snapshot(obj)
    )
    return obj


@transaction.atomic
def draw_publish(*, actor, draw: Draw | int, row_version: int | None = None) -> Draw:
    """Freeze the registers into the scenario and publish its digest, the seed commitment and the witness
    commitments (RAND-2, issue 8 §7).

    The server seed is generated here with `secrets` and kept hidden (not in audit snapshots, not in any
    read) until the draw is locked or cancelled; the commitment lets anyone check afterwards that it was
    not changed. At least two witnesses must have committed: the final seed also depends on their values.
    """
    obj = _locked_draw(actor, draw, row_version)
    require(can_manage_draw(actor, obj))
    if obj.status != D.DEFINED:
        raise IllegalTransition(f"抽取当前状态为「{obj.get_status_display()}」,不能公布")
    witnesses = list(obj.witnesses.order_by("position"))
    if len(witnesses) < MIN_WITNESSES:
        raise ValidationFailed(
            f"公布前须登记至少 {MIN_WITNESSES} 名见证人(纪检监察、公证等)及其承诺值,目前 {len(witnesses)} 名",
            code="witnesses_required",
            detail={"witnesses": [f"至少 {MIN_WITNESSES} 名见证人"]},
        )
    raw = snapshot.build_scenario(obj)
    from .domain import parse_scenario, scenario_digest, seed_commitment

    parse_scenario(raw)  # the engine's own validation: a scenario it would refuse is never published
    algorithm = obj.hash_algorithm or preferred_hash_algorithm()
    seed = secrets.token_hex(16)
    obj.scenario = canonical_json(raw)
    obj.scenario_digest = scenario_digest(raw, algorithm)
    obj.hash_algorithm = algorithm
    obj.seed = seed
    obj.seed_commitment = seed_commitment(seed, algorithm)
    obj.seed_scheme = Draw.SeedScheme.WITNESS
    obj.target_count = len(raw["targets"])
    obj.supervisor_count = len(raw["supervisors"])
    obj.published_at = timezone.now()
    obj.published_by = actor
    _draw_move(
        obj,
        D.PUBLISHED,
        actor,
        action="supervision.draw.publish",
        fields=[
            "scenario",
            "scenario_digest",
            "hash_algorithm",
            "seed",
            "seed_commitment",
            "seed_scheme",
            "target_count",
            "supervisor_count",
            "published_at",
            "published_by",
        ],
        extra={"witness_commitments": [w.commitment for w in witnesses]},
    )
    return obj


def _engine_seed(draw: Draw) -> str:
    """The seed the engine runs on: H(server seed | witness values) (issue 8 §7), the server seed alone
    for draws published before witnesses existed."""
    if draw.seed_scheme == Draw.SeedScheme.SERVER:
        return draw.seed
    witnesses = list(draw.witnesses.order_by("position"))
    missing = [w.name for w in witnesses if not w.value]
    if len(witnesses) < MIN_WITNESSES or missing:
        raise IllegalTransition(
            f"见证人随机值尚未全部录入(缺:{'、'.join(missing) or '见证人'}),不能执行抽取",
            code="witness_values_missing",
        )
    for witness in witnesses:  # entered values were checked; a row changed since is caught here
        if witness_commitment(witness.value, draw.hash_algorithm) != witness.commitment:
            raise Conflict(f"见证人{witness.name}的随机值与承诺值不符,已停止抽取", code="witness_mismatch")
    return final_seed(draw.seed, [w.value for w in witnesses], draw.hash_algorithm)


@transaction.atomic
def draw_run(*, actor, draw: Draw | int, row_version: int | None = None) -> Draw:
    """Run the pure engine on the frozen scenario with the final seed; stored, not yet final.

    Refused until every witness value is in and matches its commitment (issue 8 §7).
    """
    obj = _locked_draw(actor, draw, row_version)
    require(can_manage_draw(actor, obj))
    if obj.status != D.PUBLISHED:
        raise IllegalTransition(f"抽取当前状态为「{obj.get_status_display()}」,不能执行抽取")
    seed = _engine_seed(obj)
    result = solve_draw(json.loads(obj.scenario), seed, algorithm=obj.hash_algorithm)
    if result.payload["scenario_digest"] != obj.scenario_digest:  # pragma: no cover - stored text was altered
        raise Conflict("抽取情景与公布的摘要不一致,已停止抽取")
    obj.final_seed = seed
    obj.result = result.to_json()
    obj.run_at = timezone.now()
    _draw_move(
        obj,
        D.RUN,
        actor,
        action="supervision.draw.run",
        fields=["final_seed", "result", "run_at"],
        extra={"result_digest": digest(obj.result, obj.hash_algorithm)},
    )
    return obj


@transaction.atomic
def draw_lock(*, actor, draw: Draw | int, row_version: int | None = None) -> Draw:
    """Lock the result: reveal the seed, create one task per staffed target, notify the supervisors.

    Two concurrent locks queue on the row lock; the second finds the draw locked and is refused, so
    the tasks are created exactly once.
    """
    obj = _locked_draw(actor, draw, row_version)
    require(can_manage_draw(actor, obj))
    if obj.status != D.RUN:
        raise IllegalTransition(f"抽取当前状态为「{obj.get_status_display()}」,不能锁定")
    obj.locked_at = timezone.now()
    obj.locked_by = actor
    _draw_move(
        obj,
        D.LOCKED,
        actor,
        action="supervision.draw.lock",
        fields=["locked_at", "locked_by"],
        extra={
            "seed": obj.seed,
            "final_seed": obj.final_seed,
            "result_digest": digest(obj.result, obj.hash_algorithm),
        },
    )
    _create_tasks_from_result(actor, obj)
    return obj


@transaction.atomic
def draw_cancel(*, actor, draw: Draw | int, reason: str, row_version: int | None = None) -> Draw:
    """Cancel a draw before it runs (a run draw is locked, never discarded: its result is committed).

    A published draw stays public once cancelled, with the reason, the time and its server seed revealed,
    so "publish, peek, cancel, publish again" shows (issue 8 §7).
    """
    obj = _locked_draw(actor, draw, row_version)
    require(can_manage_draw(actor, obj))
    obj.cancel_reason = required_text(reason, "reason", "取消原因", 255)
    obj.cancelled_at = timezone.now()
    _draw_move(
        obj,
        D.CANCELLED,
        actor,
        action="supervision.draw.cancel",
        fields=["cancel_reason", "cancelled_at"],
        extra={"seed": obj.seed} if obj.published_at else None,
    )
    return obj


# ---------------------------------------------------------------------------------- draw witnesses
def _witness_of(draw: Draw, witness: DrawWitness | int) -> DrawWitness:
    try:
        return DrawWitness.objects.select_for_update().get(draw=draw, pk=pk_of(witness))
    except (DrawWitness.DoesNotExist, TypeError, ValueError):
        raise NotFound("见证人不存在") from None


@transaction.atomic
def draw_witness_add(
    *,
    actor,
    draw: Draw | int,
    name: str,
    role: str,
    commitment: str,
    organisation: str = "",
    row_version: int | None = None,
) -> DrawWitness:
    """Register a witness and the commitment H(value) they computed themselves (before publication)."""
    obj = _locked_draw(actor, draw, row_version)
    require(can_manage_draw(actor, obj))
    if obj.status != D.DEFINED:
        raise IllegalTransition("抽取已公布,见证人及其承诺值不能再变更", detail={"from": obj.status})
    witnesses = list(obj.witnesses.order_by("position"))
    if len(witnesses) >= MAX_WITNESSES:
        raise fail("name", f"见证人最多 {MAX_WITNESSES} 名")
    name = required_text(name, "name", "见证人姓名", 64)
    if any(w.name == name for w in witnesses):
        raise fail("name", f"见证人{name}已登记")
    if role not in DrawWitness.Role.values:
        raise fail("role", "请选择见证人身份")
    commitment = check_commitment(commitment)
    reused = fail("commitment", "该承诺值已被使用过:请见证人重新生成随机值并计算承诺值", "reused_commitment")
    if DrawWitness.objects.filter(commitment=commitment).exists():
        raise reused
    if not obj.hash_algorithm:  # defined before the algorithm was fixed at definition
        obj.hash_algorithm = preferred_hash_algorithm()
        save_fields(obj, ["hash_algorithm"])
    witness = DrawWitness(
        draw=obj,
        position=len(witnesses) + 1,
        name=name,
        role=role,
        organisation=text(organisation, limit=128),
        commitment=commitment,
        created_by=actor,
    )
    try:
        with transaction.atomic():  # a concurrent registration of the same commitment loses here
            save_new(witness)
    except IntegrityError:
        raise reused from None
    audit.record(
        actor=actor, action="supervision.draw.witness_add", obj=witness, after=audit.snapshot(witness)
    )
    return witness


@transaction.atomic
def draw_witness_remove(
    *, actor, draw: Draw | int, witness: DrawWitness | int, row_version: int | None = None
) -> None:
    """Remove a witness before publication; the others keep their order."""
    obj = _locked_draw(actor, draw, row_version)
    require(can_manage_draw(actor, obj))
    target = _witness_of(obj, witness)
    if obj.status != D.DEFINED:
        raise IllegalTransition("抽取已公布,见证人及其承诺值不能再变更", detail={"from": obj.status})
    before, pk, label = audit.snapshot(target), target.pk, str(target)
    target.delete()
    for rest in obj.witnesses.filter(position__gt=before["position"]).order_by("position"):
        rest.position -= 1
        save_fields(rest, ["position"])
    audit.record(
        actor=actor,
        action="supervision.draw.witness_remove",
        object_type=DrawWitness._meta.label_lower,
        object_id=pk,
        object_label=label,
        before=before,
    )


@transaction.atomic
def draw_witness_reveal(
    *, actor, draw: Draw | int, witness: DrawWitness | int, value: str, row_version: int | None = None
) -> DrawWitness:
    """Enter a witness's value at the draw meeting (after publication); it must hash to the commitment."""
    obj = _locked_draw(actor, draw, row_version)
    require(can_manage_draw(actor, obj))
    target = _witness_of(obj, witness)
    if obj.status != D.PUBLISHED:
        raise IllegalTransition(
            f"抽取当前状态为「{obj.get_status_display()}」,不能录入见证人随机值", detail={"from": obj.status}
        )
    if target.value:
        raise IllegalTransition(f"见证人{target.name}的随机值已录入", code="witness_revealed")
    value = check_witness_value(value.strip() if isinstance(value, str) else value)
    if witness_commitment(value, obj.hash_algorithm) != target.commitment:
        raise fail(
            "value", f"随机值与见证人{target.name}公布的承诺值不符,请核对后重新输入", "witness_mismatch"
        )
    before = audit.snapshot(target)
    target.value = value
    target.revealed_at = timezone.now()
    target.revealed_by = actor
    save_fields(target, ["value", "revealed_at", "revealed_by"])
    audit.record(
        actor=actor,
        action="supervision.draw.witness_reveal",
        obj=target,
        before=before,
        after=audit.snapshot(target),
    )
    return target


def _create_tasks_from_result(actor, draw: Draw) -> list[SupervisionTask]:
    payload = json.loads(draw.result)
    assignments: dict[str, list[str]] = payload["assignments"]
    if not assignments:
        return []
    policy = selectors.policy_for(draw.authority_id)
    scenario = json.loads(draw.scenario)
    windows = {t["id"]: (t["start"], t["end"]) for t in scenario["targets"]}
    if draw.population == Draw.Population.BATCHES:
        batches = {
            b.code: b for b in Batch.objects.filter(code__in=list(assignments)).select_related("institution")
        }
        places = {key: (batches[key].institution, batches[key]) for key in assignments}
    else:
        institutions = {i.uscc: i for i in Institution.objects.filter(uscc__in=list(assignments))}
        places = {key: (institutions[key], None) for key in assignments}
    supervisor_ids = {snapshot.supervisor_pk(s) for sids in assignments.values() for s in sids}
    known = set(Supervisor.objects.filter(pk__in=supervisor_ids).values_list("pk", flat=True))
    if known != supervisor_ids:  # pragma: no cover - a supervisor row deleted (PROTECT forbids it)
        raise Conflict("抽取结果中的督导员已不存在,无法派发任务")
    now = timezone.now()
    tasks = []
    for index, key in enumerate(sorted(assignments), start=1):
        institution, batch = places[key]
        start, end = (dt.datetime.fromisoformat(v) for v in windows[key])
        task = SupervisionTask(
            number=f"{draw.number}-{index:04d}",
            draw=draw,
            target_key=key,
            authority=draw.authority,
            institution=institution,
            batch=batch,
            kind=draw.task_kind,
            supervisor_kind=draw.kind,
            covert=draw.covert_policy == Draw.CovertPolicy.COVERT,
            items=list(draw.items),
            starts_at=start,
            ends_at=end,
            group_size=draw.group_size,
            group_reason=draw.group_reason,
            status=S.DISPATCHED,
            report_due_on=workflow.report_due_on(timezone.localtime(end), policy.report_days),
            created_by=actor,
            dispatched_at=now,
        )
        clean(task)
        tasks.append(task)
    SupervisionTask.objects.bulk_create(tasks)
    tasks = list(SupervisionTask.objects.filter(draw=draw).select_related("institution").order_by("number"))
    members = []
    for task in tasks:
        for position, key in enumerate(assignments[task.target_key]):
            members.append(
                TaskMember(
                    task=task,
                    supervisor_id=snapshot.supervisor_pk(key),
                    role=TaskMember.Role.LEADER if position == 0 else TaskMember.Role.MEMBER,
                )
            )
    TaskMember.objects.bulk_create(members)
    audit.record_many(actor=actor, action="supervision.task.dispatch", objects=tasks)
    for task in tasks:
        _notify_dispatch(task, [snapshot.supervisor_pk(k) for k in assignments[task.target_key]])
    return tasks


def _notify_dispatch(task: SupervisionTask, supervisor_ids: list[int]) -> None:
    when = timezone.localtime(task.starts_at).strftime("%Y-%m-%d %H:%M")
    notify(
        recipients=_users_of_supervisors(supervisor_ids),
        kind="task.dispatched",
        title=f"督导任务派发:{task.institution.name}({when})",
        body=("暗访任务,请注意保密。" if task.covert else "") + "请在任务页面确认接受或说明拒绝理由。",
        link=_task_link(task),
        obj=task,
        dedupe_key=f"task.dispatched:{task.pk}",
    )
    if not task.covert and task.supervisor_kind == SupervisorKind.EXTERNAL:
        notify(
            recipients=recipients.institution_users(task.institution_id),
            kind="task.scheduled",
            title=f"督导通知:{when} 起将派员进行{TaskKind(task.kind).label}",
            link=_task_link(task),
            obj=task,
            dedupe_key=f"task.scheduled:{task.pk}",
        )


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
        problems.append("督导员有解聘风险标记(SUP-10)")
    if supervisor.kind != supervisor_kind:
        problems.append(f"任务需要{SupervisorKind(supervisor_kind).label}督导员")
    if supervisor.kind == SupervisorKind.INTERNAL and supervisor.institution_id != institution.pk:
        problems.append("内部督导员只能督导本机构")
    if supervisor.kind == SupervisorKind.EXTERNAL and supervisor.person.employer_id == institution.pk:
        problems.append("外部督导员不能督导本人工作单位(SUP-8)")
    start_day = timezone.localtime(starts_at).date()
    end_day = timezone.localtime(ends_at - dt.timedelta(microseconds=1)).date()
    if not supervisor.cards.filter(
        status=CardStatus.VALID, issued_on__lte=start_day, valid_until__gte=end_day
    ).exists():
        problems.append("没有覆盖任务期间的有效督导员证卡(SUP-3)")
    examiner_persons = set()
    if batch is not None:
        examiner_persons = set(batch.examiners.values_list("person_id", flat=True))
        if batch.team_leader_id:
            examiner_persons.add(batch.team_leader.person_id)
        if supervisor.person_id in examiner_persons:
            problems.append("督导员是本场次考评人员,不能兼任(SUP-8)")
    employees = set(institution.employees.values_list("pk", flat=True))
    relations = active_relations(
        [supervisor.person_id],
        other_person_ids=sorted(employees | examiner_persons),
        institution_ids=[institution.pk],
    )
    if relations.exists():
        problems.append("督导员申报了与该机构或其人员的利害关系,须回避(SUP-8)")
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
        body=reason or "未说明理由(已记录,SUP-10)",
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


# -------------------------------------------------------------------------------------- findings
def _require_on_site_member(actor, task: SupervisionTask) -> None:
    require(is_accepted_member(actor, task), "只有已接受任务的督导组成员可以记录督导发现")
    if task.status != S.ON_SITE:
        raise IllegalTransition("只有现场督导中的任务可以记录或修改督导发现(报告提交后不可更改)")


def _finding_values(task: SupervisionTask, values: dict[str, Any]) -> dict[str, Any]:
    if "content_area" in values:
        area = values["content_area"]
        if area not in workflow.CONTENT_AREAS:
            raise fail("content_area", "督导内容编号不正确(ACT-1)")
        if task.kind == TaskKind.SPECIAL and task.items and area not in task.items:
            raise fail("content_area", "专项督导只记录事先明确的督导事项(ACT-4)")
    if "method" in values and values["method"] not in workflow.METHODS:
        raise fail("method", "督导方式不正确(SUP-6)")
    if values.get("method") == "covert_visit" and not task.covert:
        raise fail("method", "明察任务不能记录为暗访")
    if "severity" in values and values["severity"] not in workflow.SEVERITIES:
        raise fail("severity", "严重程度不正确")
    if "description" in values:
        values["description"] = text(values["description"])
        if values.get("severity", "none") in workflow.PROBLEM_SEVERITIES and not values["description"]:
            raise fail("description", "发现问题时须描述具体情况")
    return values


@transaction.atomic
def finding_add(
    *,
    actor,
    task: SupervisionTask | int,
    content_area: str,
    method: str,
    severity: str,
    description: str = "",
) -> Finding:
    """Record one finding on site (checklist entry per ACT-1 area; SUP-6 method; severity)."""
    obj = _lock_task(actor, task)
    _require_on_site_member(actor, obj)
    values = _finding_values(
        obj,
        {"content_area": content_area, "method": method, "severity": severity, "description": description},
    )
    finding = Finding(task=obj, recorded_by=actor, **values)
    save_new(finding)
    audit.record(actor=actor, action="supervision.finding.add", obj=finding, after=audit.snapshot(finding))
    return finding


@transaction.atomic
def finding_update(*, actor, finding: Finding | int, row_version: int, **changes: Any) -> Finding:
    """Correct a finding while the group is on site (saved per item: one request per change)."""
    target = visible_or_404(Finding.objects.filter(task__in=selectors.tasks_for(actor)), finding)
    task = lock(SupervisionTask, target.task_id)
    _require_on_site_member(actor, task)
    obj = lock(Finding, target.pk)
    check_version(obj, row_version)
    check_fields(changes, ("content_area", "method", "severity", "description"))
    merged = {
        "severity": changes.get("severity", obj.severity),
        **changes,
    }
    if "description" not in merged:
        merged["description"] = obj.description
    values = _finding_values(task, merged)
    before = audit.snapshot(obj)
    for name in changes:
        setattr(obj, name, values[name])
    if obj.severity in workflow.PROBLEM_SEVERITIES and not obj.description:
        raise fail("description", "发现问题时须描述具体情况")
    save_fields(obj, list(changes))
    audit.record(
        actor=actor, action="supervision.finding.update", obj=obj, before=before, after=audit.snapshot(obj)
    )
    return obj


@transaction.atomic
def finding_delete(*, actor, finding: Finding | int) -> None:
    """Remove a finding recorded by mistake (on site only); its evidence records go with it."""
    target = visible_or_404(Finding.objects.filter(task__in=selectors.tasks_for(actor)), finding)
    task = lock(SupervisionTask, target.task_id)
    _require_on_site_member(actor, task)
    before = audit.snapshot(target)
    audit.record(
        actor=actor,
        action="supervision.finding.delete",
        object_type="supervision.finding",
        object_id=target.pk,
        object_label=str(target),
        before=before,
    )
    target.delete()


@transaction.atomic
def finding_attach_evidence(
    *, actor, finding: Finding | int, file: Any, name: str | None = None
) -> FindingEvidence:
    """Attach a photo/PDF/spreadsheet to a finding (type checked by content; stored by SHA-256)."""
    from dudao.scorecards.evidence import store_upload

    target = visible_or_404(Finding.objects.filter(task__in=selectors.tasks_for(actor)), finding)
    task = lock(SupervisionTask, target.task_id)
    _require_on_site_member(actor, task)
    if file is None:
        raise fail("file", "请选择要上传的文件")
    if FindingEvidence.objects.filter(finding=target).count() >= 20:
        raise fail("file", "每条督导发现最多上传 20 个证据文件")
    stored = store_upload(file, name=name)
    evidence = FindingEvidence(
        finding=target,
        file=stored.name,
        sha256=stored.sha256,
        original_name=stored.original_name,
        content_type=stored.content_type,
        kind=stored.kind,
        size=stored.size,
        uploaded_by=actor,
    )
    save_new(evidence)
    audit.record(
        actor=actor, action="supervision.evidence.attach", obj=evidence, after=audit.snapshot(evidence)
    )
    return evidence


@transaction.atomic
def finding_remove_evidence(*, actor, evidence: FindingEvidence | int) -> None:
    """Remove an evidence record on site (the stored bytes stay: they may be shared by content)."""
    target = visible_or_404(
        FindingEvidence.objects.filter(finding__task__in=selectors.tasks_for(actor)), evidence
    )
    task = lock(SupervisionTask, target.finding.task_id)
    _require_on_site_member(actor, task)
    audit.record(
        actor=actor,
        action="supervision.evidence.remove",
        object_type="supervision.findingevidence",
        object_id=target.pk,
        object_label=str(target),
        before=audit.snapshot(target),
    )
    target.delete()


# --------------------------------------------------------------------------------------- reports
def _findings_snapshot(task: SupervisionTask) -> list[dict[str, Any]]:
    return [
        {
            "id": f.pk,
            "content_area": f.content_area,
            "method": f.method,
            "severity": f.severity,
            "description": f.description,
            "evidence": [e.sha256 for e in f.evidence.all()],
        }
        for f in selectors.task_findings(task)
    ]


def _report_row(task, *, actor, summary, problems, recommendations, version=1, previous=None, reason=""):
    algorithm = preferred_hash_algorithm()
    findings = _findings_snapshot(task)
    content = {
        "task": task.number,
        "version": version,
        "summary": summary,
        "problems": problems,
        "recommendations": recommendations,
        "findings": findings,
    }
    now = timezone.now()
    report = Report(
        task=task,
        version=version,
        previous=previous,
        summary=summary,
        problems=problems,
        recommendations=recommendations,
        findings=findings,
        content_digest=digest(canonical_json(content), algorithm),
        hash_algorithm=algorithm,
        correction_reason=reason,
        submitted_by=actor,
        submitted_at=now,
        due_on=task.report_due_on,
        overdue=workflow.is_late(timezone.localtime(now).date(), task.report_due_on)
        if version == 1
        else False,
    )
    save_new(report)
    return report


@transaction.atomic
def report_submit(
    *,
    actor,
    task: SupervisionTask | int,
    summary: str,
    problems: str = "",
    recommendations: str = "",
    row_version: int | None = None,
) -> Report:
    """The leader files the group's written report (SUP-7); late ones are flagged; it is immutable."""
    obj = _locked_task(actor, task, row_version)
    summary = required_text(summary, "summary", "督导情况")
    report = _report_row(
        obj, actor=actor, summary=summary, problems=text(problems), recommendations=text(recommendations)
    )
    obj.report_submitted_at = report.submitted_at
    _move(
        obj,
        S.REPORT_SUBMITTED,
        actor,
        action="supervision.task.report",
        fields=["report_submitted_at"],
        extra={"report": report.pk, "content_digest": report.content_digest, "overdue": report.overdue},
    )
    notify(
        recipients=_authority_staff(obj)
        if obj.supervisor_kind == SupervisorKind.EXTERNAL
        else recipients.institution_admins(obj.institution_id),
        kind="task.report_submitted",
        title=f"督导报告已提交:{obj.number} {obj.institution.name}" + ("(逾期)" if report.overdue else ""),
        link=_task_link(obj),
        obj=obj,
    )
    return report


@transaction.atomic
def report_correct(
    *,
    actor,
    task: SupervisionTask | int,
    reason: str,
    summary: str,
    problems: str = "",
    recommendations: str = "",
) -> Report:
    """A correction is a new version pointing to the old one (DESIGN: submitted reports are immutable)."""
    obj = _lock_task(actor, task)
    require(is_task_leader(actor, obj) or can_manage_task(actor, obj))
    if obj.status not in AFTER_REPORT or obj.status == S.CLOSED:
        raise IllegalTransition("只有已提交且未办结的报告可以更正")
    last = Report.objects.filter(task=obj).order_by("-version").first()
    report = _report_row(
        obj,
        actor=actor,
        summary=required_text(summary, "summary", "督导情况"),
        problems=text(problems),
        recommendations=text(recommendations),
        version=last.version + 1,
        previous=last,
        reason=required_text(reason, "reason", "更正原因", 255),
    )
    audit.record(actor=actor, action="supervision.report.correct", obj=report, after=audit.snapshot(report))
    return report


# -------------------------------------------------------------------------------------- opinions
@transaction.atomic
def preliminary_opinion_prepare(
    *, actor, task: SupervisionTask | int, body: str, requirements: str = "", row_version: int | None = None
) -> Opinion:
    """The group's preliminary opinion on the self-evaluation and on-site findings (ACT-4 step 2)."""
    obj = _locked_task(actor, task, row_version)
    opinion = Opinion(
        task=obj,
        kind=Opinion.Kind.PRELIMINARY,
        body=required_text(body, "body", "初步督导意见"),
        requirements=text(requirements),
        prepared_by=actor,
    )
    check_transition(
        TASK_TRANSITIONS,
        obj,
        S.PRELIMINARY_OPINION,
        actor,
        message=f"任务当前状态为「{obj.get_status_display()}」,不能形成初步意见",
        denied="只有专项督导组组长可以形成初步意见",
    )
    save_new(opinion)
    _move(
        obj,
        S.PRELIMINARY_OPINION,
        actor,
        action="supervision.task.preliminary_opinion",
        extra={"opinion": opinion.pk},
    )
    return opinion


@transaction.atomic
def preliminary_opinion_send(
    *, actor, task: SupervisionTask | int, row_version: int | None = None
) -> Opinion:
    """Send the preliminary opinion to the institution; the defence window (working days) starts (ACT-4)."""
    obj = _locked_task(actor, task, row_version)
    from dudao.workdays.selectors import calendar

    now = timezone.now()
    due = calendar().add_workdays(timezone.localtime(now).date(), _policy(obj).defence_workdays)
    # The transition is checked first: a task in another state has no preliminary opinion to send.
    _move(obj, S.SENT_TO_INSTITUTION, actor, action="supervision.task.send_preliminary")
    opinion = Opinion.objects.select_for_update().filter(task=obj, kind=Opinion.Kind.PRELIMINARY).first()
    if opinion is None:
        raise IllegalTransition("尚未形成初步督导意见,不能送达")
    before = audit.snapshot(opinion)
    opinion.sent_at = now
    opinion.defence_due_on = due.date
    save_fields(opinion, ["sent_at", "defence_due_on"])
    audit.record(
        actor=actor,
        action="supervision.opinion.send",
        obj=opinion,
        before=before,
        after={**audit.snapshot(opinion), "defence_due_provisional": due.provisional},
    )
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind="opinion.preliminary",
        title=f"初步督导意见:{obj.number},请于 {due.date.isoformat()} 前提出申辩意见",
        link=_task_link(obj),
        obj=opinion,
        dedupe_key=f"opinion.preliminary:{opinion.pk}",
    )
    return opinion


@transaction.atomic
def defence_submit(*, actor, task: SupervisionTask | int, text: str) -> Opinion:
    """The institution's defence (申辩) against the preliminary opinion, within the window (ACT-4 step 3)."""
    obj = _lock_task(actor, task)
    require(can_answer_for_institution(actor, obj), "只有被督导机构可以提出申辩")
    opinion = Opinion.objects.select_for_update().filter(task=obj, kind=Opinion.Kind.PRELIMINARY).first()
    if obj.status != S.SENT_TO_INSTITUTION or opinion is None:
        raise IllegalTransition(f"任务当前状态为「{obj.get_status_display()}」,不能提出申辩")
    today = timezone.localdate()
    if opinion.defence_due_on and today > opinion.defence_due_on:
        raise IllegalTransition(
            f"申辩期限已于 {opinion.defence_due_on.isoformat()} 届满", code="defence_closed"
        )
    before = audit.snapshot(opinion)
    opinion.defence_text = required_text(text, "text", "申辩意见")
    opinion.defence_submitted_at = timezone.now()
    opinion.defence_by = actor
    save_fields(opinion, ["defence_text", "defence_submitted_at", "defence_by"])
    audit.record(
        actor=actor,
        action="supervision.opinion.defence",
        obj=opinion,
        before=before,
        after=audit.snapshot(opinion),
    )
    _move(obj, S.DEFENCE_SUBMITTED, actor, action="supervision.task.defence")
    notify(
        recipients=_authority_staff(obj),
        kind="opinion.defence",
        title=f"机构已提交申辩:{obj.number} {obj.institution.name}",
        link=_task_link(obj),
        obj=obj,
    )
    return opinion


@transaction.atomic
def defence_window_close(
    *, actor, task: SupervisionTask | int, row_version: int | None = None
) -> SupervisionTask:
    """Record that the defence window passed without a defence (only after its last day)."""
    obj = _locked_task(actor, task, row_version)
    opinion = Opinion.objects.filter(task=obj, kind=Opinion.Kind.PRELIMINARY).first()
    if opinion is not None and opinion.defence_due_on and timezone.localdate() <= opinion.defence_due_on:
        raise IllegalTransition(
            f"申辩期限至 {opinion.defence_due_on.isoformat()},尚未届满", code="defence_open"
        )
    _move(obj, S.DEFENCE_WINDOW_CLOSED, actor, action="supervision.task.defence_window_closed")
    return obj


def _opinion_number(task: SupervisionTask, year: int) -> str:
    policy = _policy(task)
    prefix = policy.opinion_number_prefix or f"{task.authority.code}督"
    return f"{prefix}〔{year}〕{_next_seq(f'opinion:{task.authority_id}:{year}')}号"


@transaction.atomic
def opinion_issue(
    *,
    actor,
    task: SupervisionTask | int,
    body: str,
    requirements: str = "",
    requires_rectification: bool = True,
    rectification_due_on: dt.date | None = None,
    row_version: int | None = None,
) -> Opinion:
    """The authority weighs the defence and issues the numbered 督导意见书 (ACT-4 step 3); rectification
    by the stated date follows when required (step 4)."""
    obj = _locked_task(actor, task, row_version)
    check_transition(
        TASK_TRANSITIONS,
        obj,
        S.OPINION_ISSUED,
        actor,
        message=f"任务当前状态为「{obj.get_status_display()}」,不能下达督导意见书",
        denied="只有委派机构可以下达督导意见书",
    )
    today = timezone.localdate()
    due = None
    requirements = text(requirements)
    if requires_rectification:
        if not requirements:
            raise fail("requirements", "须整改时请填写整改要求")
        due = (
            parse_date(rectification_due_on, "rectification_due_on", "整改期限")
            if rectification_due_on
            else today + dt.timedelta(days=_policy(obj).rectification_days)
        )
        if due <= today:
            raise fail("rectification_due_on", "整改期限须晚于今天")
    now = timezone.now()
    opinion = Opinion(
        task=obj,
        kind=Opinion.Kind.FINAL,
        number=_opinion_number(obj, timezone.localtime(now).year),
        body=required_text(body, "body", "督导意见"),
        requirements=requirements,
        requires_rectification=bool(requires_rectification),
        rectification_due_on=due,
        prepared_by=actor,
        issued_by=actor,
        issued_at=now,
        sent_at=now,
    )
    save_new(opinion)
    _move(
        obj,
        S.OPINION_ISSUED,
        actor,
        action="supervision.task.opinion_issued",
        extra={"opinion": opinion.number},
    )
    if requires_rectification:
        _new_round(obj, actor=actor, requirements=requirements, due_on=due)
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind="opinion.issued",
        title=f"督导意见书 {opinion.number}" + (f",请于 {due.isoformat()} 前完成整改" if due else ""),
        link=_task_link(obj),
        obj=opinion,
        dedupe_key=f"opinion.issued:{opinion.pk}",
    )
    return opinion


# --------------------------------------------------------------------------------- rectification
def _new_round(task: SupervisionTask, *, actor, requirements: str, due_on: dt.date) -> Rectification:
    last = Rectification.objects.filter(task=task).order_by("-round_no").first()
    row = Rectification(
        task=task,
        round_no=(last.round_no + 1) if last else 1,
        requirements=requirements,
        due_on=due_on,
        ordered_by=actor,
    )
    save_new(row)
    audit.record(actor=actor, action="supervision.rectification.order", obj=row, after=audit.snapshot(row))
    return row


@transaction.atomic
def rectification_order(
    *,
    actor,
    task: SupervisionTask | int,
    requirements: str,
    due_on: dt.date | None = None,
    row_version: int | None = None,
) -> Rectification:
    """Order rectification after a daily supervision's report (ACT-6: rectification within a set period)."""
    obj = _locked_task(actor, task, row_version)
    today = timezone.localdate()
    due = (
        parse_date(due_on, "due_on", "整改期限")
        if due_on
        else today + dt.timedelta(days=_policy(obj).rectification_days)
    )
    if due <= today:
        raise fail("due_on", "整改期限须晚于今天")
    requirements = required_text(requirements, "requirements", "整改要求")
    _move(obj, S.RECTIFICATION_ORDERED, actor, action="supervision.task.rectification_ordered")
    row = _new_round(obj, actor=actor, requirements=requirements, due_on=due)
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind="rectification.ordered",
        title=f"整改通知:{obj.number},请于 {due.isoformat()} 前提交整改材料",
        link=_task_link(obj),
        obj=row,
        dedupe_key=f"rectification.ordered:{row.pk}",
    )
    return row


def _open_round(task: SupervisionTask) -> Rectification:
    row = Rectification.objects.select_for_update().filter(task=task).order_by("-round_no").first()
    if row is None or row.status != Rectification.Status.ORDERED:
        raise IllegalTransition("当前没有待提交的整改")
    return row


@transaction.atomic
def rectification_attach_evidence(
    *, actor, task: SupervisionTask | int, file: Any, name: str | None = None
) -> RectificationEvidence:
    """The institution attaches evidence to the open rectification round."""
    from dudao.scorecards.evidence import store_upload

    obj = _lock_task(actor, task)
    require(can_answer_for_institution(actor, obj), "只有被督导机构可以上传整改材料")
    row = _open_round(obj)
    if file is None:
        raise fail("file", "请选择要上传的文件")
    if RectificationEvidence.objects.filter(rectification=row).count() >= 50:
        raise fail("file", "每轮整改最多上传 50 个文件")
    stored = store_upload(file, name=name)
    evidence = RectificationEvidence(
        rectification=row,
        file=stored.name,
        sha256=stored.sha256,
        original_name=stored.original_name,
        content_type=stored.content_type,
        kind=stored.kind,
        size=stored.size,
        uploaded_by=actor,
    )
    save_new(evidence)
    audit.record(
        actor=actor, action="supervision.rectification.evidence", obj=evidence, after=audit.snapshot(evidence)
    )
    return evidence


@transaction.atomic
def rectification_submit(*, actor, task: SupervisionTask | int, plan: str) -> Rectification:
    """The institution submits its rectification report and evidence (late submissions are flagged)."""
    obj = _lock_task(actor, task)
    require(can_answer_for_institution(actor, obj), "只有被督导机构可以提交整改材料")
    check_transition(
        TASK_TRANSITIONS,
        obj,
        S.RECTIFICATION_SUBMITTED,
        actor,
        message=f"任务当前状态为「{obj.get_status_display()}」,不能提交整改",
    )
    row = _open_round(obj)
    before = audit.snapshot(row)
    row.plan = required_text(plan, "plan", "整改报告")
    row.submitted_at = timezone.now()
    row.submitted_by = actor
    row.overdue = workflow.is_late(timezone.localdate(), row.due_on)
    row.status = Rectification.Status.SUBMITTED
    save_fields(row, ["plan", "submitted_at", "submitted_by", "overdue", "status"])
    audit.record(
        actor=actor,
        action="supervision.rectification.submit",
        obj=row,
        before=before,
        after=audit.snapshot(row),
    )
    _move(obj, S.RECTIFICATION_SUBMITTED, actor, action="supervision.task.rectification_submitted")
    notify(
        recipients=_authority_staff(obj)
        if obj.supervisor_kind == SupervisorKind.EXTERNAL
        else recipients.institution_admins(obj.institution_id),
        kind="rectification.submitted",
        title=f"整改材料已提交,请复核:{obj.number} {obj.institution.name}",
        link=_task_link(obj),
        obj=row,
    )
    return row


@transaction.atomic
def rectification_review(
    *,
    actor,
    task: SupervisionTask | int,
    passed: bool,
    note: str = "",
    requirements: str = "",
    due_on: dt.date | None = None,
    row_version: int | None = None,
) -> Rectification:
    """复核 (ACT-6): pass → reverified; fail → a new round with new requirements and deadline."""
    obj = _locked_task(actor, task, row_version)
    require(can_reverify(actor, obj), "只有委派机构或督导组组长可以复核")
    if obj.status != S.RECTIFICATION_SUBMITTED:
        raise IllegalTransition(f"任务当前状态为「{obj.get_status_display()}」,不能复核")
    row = Rectification.objects.select_for_update().filter(task=obj).order_by("-round_no").first()
    before = audit.snapshot(row)
    row.status = Rectification.Status.PASSED if passed else Rectification.Status.FAILED
    row.review_note = text(note)
    if not passed and not row.review_note:
        raise fail("note", "复核未通过时请填写复核意见")
    row.reviewed_at = timezone.now()
    row.reviewed_by = actor
    save_fields(row, ["status", "review_note", "reviewed_at", "reviewed_by"])
    audit.record(
        actor=actor,
        action="supervision.rectification.review",
        obj=row,
        before=before,
        after=audit.snapshot(row),
    )
    if passed:
        _move(obj, S.REVERIFIED, actor, action="supervision.task.reverified")
        return row
    today = timezone.localdate()
    due = (
        parse_date(due_on, "due_on", "整改期限")
        if due_on
        else today + dt.timedelta(days=_policy(obj).rectification_days)
    )
    if due <= today:
        raise fail("due_on", "整改期限须晚于今天")
    _move(obj, S.RECTIFICATION_ORDERED, actor, action="supervision.task.rectification_returned")
    new = _new_round(obj, actor=actor, requirements=text(requirements) or row.requirements, due_on=due)
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind="rectification.returned",
        title=f"整改复核未通过:{obj.number},请于 {due.isoformat()} 前重新提交",
        body=row.review_note,
        link=_task_link(obj),
        obj=new,
        dedupe_key=f"rectification.returned:{new.pk}",
    )
    return new


@transaction.atomic
def task_close(
    *, actor, task: SupervisionTask | int, note: str = "", row_version: int | None = None
) -> SupervisionTask:
    """Close a task: a daily one without problems, after re-verification, or after the penalty decision."""
    obj = _locked_task(actor, task, row_version)
    if obj.status == S.OPINION_ISSUED:
        final = Opinion.objects.filter(task=obj, kind=Opinion.Kind.FINAL).first()
        if final is not None and final.requires_rectification:
            raise IllegalTransition("督导意见书要求整改,须整改复核后才能办结")
    if obj.status == S.ESCALATED and not Penalty.objects.filter(task=obj).exists():
        raise IllegalTransition("已移送处理的任务须先作出处理决定(INST-4)才能办结")
    obj.closed_at = timezone.now()
    if note:
        obj.note = text(note, limit=255)
    _move(obj, S.CLOSED, actor, action="supervision.task.close", fields=["closed_at", "note"])
    return obj


@transaction.atomic
def task_escalate(
    *, actor, task: SupervisionTask | int, reason: str, row_version: int | None = None
) -> SupervisionTask:
    """Move a task to the authority's penalty procedure (INST-4: refusing to improve, obstruction …)."""
    obj = _locked_task(actor, task, row_version)
    obj.note = required_text(reason, "reason", "移送原因", 255)
    _move(obj, S.ESCALATED, actor, action="supervision.task.escalate", fields=["note"])
    return obj


# ------------------------------------------------------------------------------------- penalties
def _current_filing(institution: Institution) -> Filing | None:
    return (
        Filing.objects.filter(
            institution=institution, status__in=[Filing.Status.ACTIVE, Filing.Status.RECTIFYING]
        )
        .order_by("-valid_from", "-id")
        .first()
    )


@transaction.atomic
def penalty_impose(
    *,
    actor,
    institution: Institution | int,
    kind: str,
    ground: str,
    description: str,
    task: SupervisionTask | int | None = None,
    filing: Filing | int | None = None,
) -> Penalty:
    """Decide an INST-4 penalty. Suspension and revocation move the filing (registry service) to
    suspended / terminated, which refuses new batches (INST-3)."""
    inst = visible_or_404(institutions_for(actor), institution)
    require(can_manage_institution(actor, inst), "只有委派机构可以作出处理决定")
    if kind not in Penalty.Kind.values:
        raise fail("kind", "处理方式不正确")
    if ground not in workflow.PENALTY_GROUNDS:
        raise fail("ground", "处理事由不正确(INST-4)")
    the_task = None
    if task not in (None, ""):
        the_task = visible_or_404(selectors.tasks_for(actor).filter(institution=inst), task)
    the_filing = None
    if kind in (Penalty.Kind.SUSPENSION, Penalty.Kind.REVOCATION):
        if filing not in (None, ""):
            the_filing = visible_or_404(Filing.objects.filter(institution=inst), filing)
        else:
            the_filing = _current_filing(inst)
        if the_filing is None:
            raise fail("filing", "该机构没有有效的备案,无法暂停或取消")
    elif filing not in (None, ""):
        the_filing = visible_or_404(Filing.objects.filter(institution=inst), filing)
    description = required_text(description, "description", "情况说明")
    authority = actor.authority if is_authority_user(actor) else inst.authority
    penalty = Penalty(
        authority=authority,
        institution=inst,
        filing=the_filing,
        task=the_task,
        kind=kind,
        ground=ground,
        description=description,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    save_new(penalty)
    audit.record(actor=actor, action="supervision.penalty.impose", obj=penalty, after=audit.snapshot(penalty))
    if kind in (Penalty.Kind.SUSPENSION, Penalty.Kind.REVOCATION):
        from dudao.registry.services import filing_set_status

        status = Filing.Status.SUSPENDED if kind == Penalty.Kind.SUSPENSION else Filing.Status.TERMINATED
        reason = f"{Penalty.Kind(kind).label}(INST-4):{workflow.PENALTY_GROUNDS[ground]}"
        filing_set_status(
            actor=actor, filing=the_filing, status=status, reason=reason, row_version=the_filing.row_version
        )
    notify(
        recipients=recipients.institution_users(inst.pk),
        kind="penalty.decided",
        title=f"处理决定:{Penalty.Kind(kind).label}",
        body=description,
        link=f"/supervision/penalties/{penalty.pk}/",
        obj=penalty,
        dedupe_key=f"penalty.decided:{penalty.pk}",
    )
    return penalty


@transaction.atomic
def penalty_lift(*, actor, penalty: Penalty | int, reason: str, row_version: int | None = None) -> Penalty:
    """Lift a suspension: the filing returns to active (registry service); batches are possible again."""
    target = visible_or_404(selectors.penalties_for(actor), penalty)
    obj = lock(Penalty, target.pk)
    require(can_manage_institution(actor, obj.institution), "只有委派机构可以解除处理")
    check_version(obj, row_version)
    if obj.kind != Penalty.Kind.SUSPENSION:
        raise IllegalTransition("只有暂停评价工作的处理可以解除")
    if obj.status != Penalty.Status.IN_FORCE:
        raise IllegalTransition("该处理已解除")
    reason = required_text(reason, "reason", "解除原因", 255)
    filing = Filing.objects.get(pk=obj.filing_id)
    if filing.status != Filing.Status.SUSPENDED:
        raise IllegalTransition(f"备案当前状态为「{filing.get_status_display()}」,不能恢复")
    before = audit.snapshot(obj)
    obj.status = Penalty.Status.LIFTED
    obj.lifted_by = actor
    obj.lifted_at = timezone.now()
    obj.lift_reason = reason
    save_fields(obj, ["status", "lifted_by", "lifted_at", "lift_reason"])
    audit.record(
        actor=actor, action="supervision.penalty.lift", obj=obj, before=before, after=audit.snapshot(obj)
    )
    from dudao.registry.services import filing_set_status

    filing_set_status(
        actor=actor,
        filing=filing,
        status=Filing.Status.ACTIVE,
        reason=f"解除暂停:{reason}",
        row_version=filing.row_version,
    )
    return obj


# ------------------------------------------------------------------------------ ratings (SUP-11)
@transaction.atomic
def rating_submit(
    *,
    actor,
    task: SupervisionTask | int,
    supervisor: Supervisor | int,
    scores: Mapping[str, Any],
    comment: str = "",
) -> SupervisorRating:
    """The institution rates one supervisor of a task after the report (SUP-11, 000 评价表)."""
    obj = _lock_task(actor, task)
    require(can_answer_for_institution(actor, obj), "只有被督导机构可以评价督导员")
    if obj.status not in AFTER_REPORT:
        raise IllegalTransition("督导报告提交后才能评价督导员")
    member = (
        TaskMember.objects.filter(task=obj, supervisor_id=pk_of(supervisor), active=True, response=M.ACCEPTED)
        .select_related("supervisor")
        .first()
    )
    if member is None:
        raise fail("supervisor", "该督导员不是本任务督导组成员")
    if SupervisorRating.objects.filter(task=obj, supervisor=member.supervisor).exists():
        raise Conflict("已评价过该督导员", code="duplicate_rating")
    total = workflow.rating_total(scores)
    rating = SupervisorRating(
        task=obj,
        supervisor=member.supervisor,
        institution_id=obj.institution_id,
        scores={k: int(scores[k]) for k in workflow.RATING_ITEMS},
        total=total,
        comment=text(comment),
        rated_by=actor,
        rated_at=timezone.now(),
    )
    save_new(rating)
    audit.record(actor=actor, action="supervision.rating.submit", obj=rating, after=audit.snapshot(rating))
    return rating


# --------------------------------------------------------------------------- misconduct (SUP-10)
def _sync_dismissal_flag(actor, supervisor_pk: int) -> None:
    """Supervisor.dismissal_flag ⇔ a misconduct record that was not withdrawn (SUP-10)."""
    supervisor = lock(Supervisor, supervisor_pk)
    flagged = MisconductRecord.objects.filter(supervisor_id=supervisor_pk, withdrawn_at__isnull=True).exists()
    if supervisor.dismissal_flag == flagged:
        return
    before = audit.snapshot(supervisor)
    supervisor.dismissal_flag = flagged
    save_fields(supervisor, ["dismissal_flag"])
    audit.record(
        actor=actor,
        action="supervisor.dismissal_flag",
        obj=supervisor,
        before=before,
        after=audit.snapshot(supervisor),
    )


def _record_misconduct(
    *,
    actor,
    supervisor: Supervisor,
    kind: str,
    description: str,
    occurred_on: dt.date,
    task=None,
    member=None,
) -> MisconductRecord:
    record = MisconductRecord(
        supervisor=supervisor,
        kind=kind,
        task=task,
        member=member,
        description=description,
        occurred_on=occurred_on,
        recorded_by=actor,
    )
    save_new(record)
    audit.record(
        actor=actor, action="supervision.misconduct.record", obj=record, after=audit.snapshot(record)
    )
    _sync_dismissal_flag(actor, supervisor.pk)
    return record


@transaction.atomic
def misconduct_record(
    *,
    actor,
    supervisor: Supervisor | int,
    kind: str,
    description: str,
    occurred_on: dt.date | None = None,
    task: SupervisionTask | int | None = None,
) -> MisconductRecord:
    """Record a SUP-10 event (e.g. taking part without dispatch); the supervisor is flagged for dismissal."""
    target = visible_or_404(
        selectors.supervisors_for(actor).select_related("authority", "institution"), supervisor
    )
    require(can_change_supervisor(actor, target), "只有督导员的聘任机构可以记录违规")
    if kind not in workflow.MISCONDUCT_KINDS:
        raise fail("kind", "违规情形不正确(SUP-10)")
    the_task = visible_or_404(selectors.tasks_for(actor), task) if task not in (None, "") else None
    day = parse_date(occurred_on, "occurred_on", "发生日期") if occurred_on else timezone.localdate()
    if day > timezone.localdate():
        raise fail("occurred_on", "发生日期不能晚于今天")
    return _record_misconduct(
        actor=actor,
        supervisor=target,
        kind=kind,
        description=required_text(description, "description", "情况说明"),
        occurred_on=day,
        task=the_task,
    )


@transaction.atomic
def misconduct_withdraw(
    *, actor, record: MisconductRecord | int, reason: str, row_version: int | None = None
) -> MisconductRecord:
    """Withdraw a record found to be wrong; the flag clears when no record remains."""
    target = visible_or_404(
        MisconductRecord.objects.filter(supervisor__in=selectors.supervisors_for(actor)), record
    )
    obj = lock(MisconductRecord, target.pk)
    require(
        can_change_supervisor(actor, Supervisor.objects.get(pk=obj.supervisor_id)), "只有聘任机构可以撤销记录"
    )
    check_version(obj, row_version)
    if obj.withdrawn_at is not None:
        raise IllegalTransition("该记录已撤销")
    before = audit.snapshot(obj)
    obj.withdrawn_at = timezone.now()
    obj.withdrawn_by = actor
    obj.withdraw_reason = required_text(reason, "reason", "撤销原因", 255)
    save_fields(obj, ["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit.record(
        actor=actor,
        action="supervision.misconduct.withdraw",
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
    )
    _sync_dismissal_flag(actor, obj.supervisor_id)
    return obj


# -------------------------------------------------------------------------- assessment (SUP-9/5)
@transaction.atomic
def assessment_decide(
    *, actor, supervisor: Supervisor | int, year: int, decision: str, note: str = ""
) -> SupervisorAssessment:
    """Annual assessment (SUP-9) archived with the figures it used; `revoke_card` revokes the supervisor
    and voids the cards (people service); `not_renew` blocks the next contract term."""
    target = visible_or_404(
        selectors.supervisors_for(actor).select_related("authority", "institution"), supervisor
    )
    require(can_change_supervisor(actor, target), "只有督导员的聘任机构可以考核")
    if decision not in SupervisorAssessment.Decision.values:
        raise fail("decision", "考核结论不正确")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise fail("year", "考核年度不正确") from None
    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year:
        raise fail("year", f"考核年度须在 2000–{this_year} 之间")
    if SupervisorAssessment.objects.filter(supervisor=target, year=year).exists():
        raise Conflict(f"{year} 年度已考核", code="duplicate_assessment")
    note = text(note)
    if decision != SupervisorAssessment.Decision.KEEP and not note:
        raise fail("note", "不予续聘或取消资格时须填写考核意见")
    stats = selectors.supervisor_stats(target, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    assessment = SupervisorAssessment(
        supervisor=target,
        authority=actor.authority if is_authority_user(actor) else target.authority,
        year=year,
        metrics=stats.as_dict(),
        decision=decision,
        note=note,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    save_new(assessment)
    audit.record(
        actor=actor, action="supervision.assessment.decide", obj=assessment, after=audit.snapshot(assessment)
    )
    if decision == SupervisorAssessment.Decision.REVOKE_CARD and target.status != Supervisor.Status.REVOKED:
        from dudao.people.services import supervisor_set_status

        supervisor_set_status(
            actor=actor,
            supervisor=target,
            to=Supervisor.Status.REVOKED,
            reason=f"{year} 年度考核不合格(SUP-9):{note}",
            row_version=target.row_version,  # the row this assessment was decided on
        )
    return assessment


@transaction.atomic
def supervisor_renew(
    *, actor, supervisor: Supervisor | int, starts_on: dt.date | None = None
) -> SupervisorContract:
    """续聘 after a passing assessment (SUP-9); the people service enforces at most three terms (SUP-5)."""
    target = visible_or_404(selectors.supervisors_for(actor), supervisor)
    require(can_change_supervisor(actor, target), "只有督导员的聘任机构可以续聘")
    latest = SupervisorAssessment.objects.filter(supervisor=target).order_by("-year").first()
    if latest is None:
        raise IllegalTransition("续聘前须完成年度考核(SUP-9)", code="assessment_required")
    if latest.decision != SupervisorAssessment.Decision.KEEP:
        raise IllegalTransition(
            f"{latest.year} 年度考核结论为「{latest.get_decision_display()}」,不能续聘(SUP-9)",
            code="not_renewable",
        )
    from dudao.people.services import supervisor_contract_renew

    return supervisor_contract_renew(actor=actor, supervisor=target, starts_on=starts_on)
