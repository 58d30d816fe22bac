"""Draws (RAND-1/2): define, publish, witnesses, run, lock, cancel; tasks dispatched from the result."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_admin, is_superuser
from dudao.common import audit
from dudao.common.domain import canonical_json, digest, preferred_hash_algorithm
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from dudao.common.transitions import transition
from dudao.common.writes import (
    check_version,
    clean,
    fail,
    lock,
    parse_date,
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
from dudao.people.models import Supervisor
from dudao.registry.models import Authority, Batch, Institution
from dudao.registry.selectors import authorities_for, institutions_for

from .. import selectors, snapshot, workflow
from ..domain import (
    MAX_WITNESSES,
    MIN_WITNESSES,
    check_commitment,
    check_witness_value,
    final_seed,
    solve_draw,
    witness_commitment,
)
from ..models import (
    Draw,
    DrawWitness,
    SupervisionTask,
    SupervisorKind,
    TaskKind,
    TaskMember,
)
from ..permissions import (
    can_manage_draw,
)
from ..selectors_plans import published_plan_id
from ..transitions import DRAW_TRANSITIONS
from .base import _next_seq, _task_link, _users_of_supervisors

S = SupervisionTask.Status
D = Draw.Status

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
        if not isinstance(raw, Mapping) or set(raw) - {"institutions", "prior_violation", "risk_score"}:
            raise fail(
                "risk_weights",
                '风险权重格式应为 {"institutions": {机构ID: 权重}, "prior_violation": 系数, '
                '"risk_score": true}',
            )
        if raw.get("risk_score") not in (None, False, True):
            raise fail("risk_weights", "按风险加权应为是或否")
        if raw.get("risk_score") and draw.kind == SupervisorKind.INTERNAL:
            raise fail("risk_weights", "内部督导抽取不能按风险加权")
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
        if raw.get("risk_score"):  # RAND-1: weights from the risk score, frozen at publication
            clean["risk_score"] = True
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
    draw.annual_plan_id = published_plan_id(owner, year)  # ACT-6
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
    risk: dict[str, Any] = {}
    raw = snapshot.build_scenario(obj, risk)
    from ..domain import parse_scenario, scenario_digest, seed_commitment

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
    if risk:
        _audit_risk_weights(actor, obj, raw, risk)
    return obj


def _audit_risk_weights(actor, draw: Draw, raw: dict[str, Any], risk: dict[str, Any]) -> None:
    """Record the risk scores behind a risk-weighted draw's frozen weights (RAND-1), per institution."""
    scores = risk["scores"]
    codes = dict(Institution.objects.filter(pk__in=list(scores)).values_list("pk", "uscc"))
    weights = {t["institution"]: t.get("weight", 1) for t in raw["targets"]}
    audit.record(
        actor=actor,
        action="supervision.draw.risk_weighted",
        obj=draw,
        after={
            "as_of": risk["as_of"],
            "scenario_digest": draw.scenario_digest,
            "institutions": {
                codes[pk]: {
                    "score": float(score.score),
                    "risk_weight": float(score.weight),
                    "weight": weights.get(codes[pk], 1),
                    "parts": {p.key: list(p.counts) for p in score.parts},
                }
                for pk, score in sorted(scores.items(), key=lambda kv: codes[kv[0]])
            },
        },
    )


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
    plan_of_year: dict[int, int | None] = {}  # ACT-6: each task links to the plan of its own year
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
        year = timezone.localtime(start).year
        if year not in plan_of_year:
            plan_of_year[year] = published_plan_id(draw.authority_id, year)
        task.annual_plan_id = plan_of_year[year]
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
