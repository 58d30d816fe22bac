"""Writers of the yearly cycle (ACT-6): the annual supervision plan (draft → published; a correction is a new
version pointing to the old one, publishing it supersedes the old) and the year-end summary (generated from
the records, free text edited, finalised = immutable). Draws and tasks link to the year's published plan.

Refusals, nothing written: outside the scope → 404; not the authority's own staff → 403; stale or missing
`row_version` → 409 / 422 (ADR 0003); a published plan or a final summary changed → 409; a second plan or
summary of the same year → 409; bad input → 422.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_superuser
from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition
from dudao.common.writes import (
    check_version,
    fail,
    lock,
    require,
    save_fields,
    save_new,
    text,
    unique_or_conflict,
    visible_or_404,
)
from dudao.registry.models import Authority
from dudao.registry.selectors import authorities_for

from .. import selectors_plans as sel
from ..models import Draw, SupervisionTask
from ..models_plans import AnnualPlan, AnnualSummary

P = AnnualPlan.Status
PLAN_FIELDS = (
    "title",
    "target_institutions",
    "target_batches",
    "target_tasks",
    "draw_ratio",
    "risk_draw_ratio",
    "draws_per_year",
    "items",
    "score_forms",
    "schedule",
    "responsible",
    "notes",
)
SUMMARY_FIELDS = ("overview", "achievements", "problems", "next_year")
PLAN_EXISTS = "该委派机构本年度已有督导工作计划,如需修改请更正已发布的计划"
SUMMARY_EXISTS = "该委派机构本年度的督导工作总结已生成"
PUBLISHED_IMMUTABLE = "已发布的计划不能修改,请更正后重新发布"
FINAL_IMMUTABLE = "已定稿的总结不能修改"
MIN_YEAR, MAX_YEAR = 2000, 2100


def may_manage(actor, authority: Authority) -> bool:
    """The authority's own staff (or a superuser) make its plan and summary."""
    if is_superuser(actor):
        return True
    return bool(is_authority_user(actor) and actor.authority_id == authority.pk)


def _authority(actor, authority: Authority | int | None) -> Authority:
    if authority in (None, "") and is_authority_user(actor):
        authority = actor.authority_id
    if authority in (None, ""):
        raise fail("authority", "请选择委派机构")
    require(is_superuser(actor) or is_authority_user(actor))
    target = visible_or_404(authorities_for(actor).select_related("region"), authority)
    require(may_manage(actor, target), "只有本委派机构的工作人员可以制定年度计划和总结")
    return target


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise fail("year", "年度不正确") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise fail("year", f"年度须在 {MIN_YEAR}–{MAX_YEAR} 之间")
    return year


def _count(field: str, value: Any, label: str, limit: int = 100_000) -> int:
    if value in (None, ""):
        return 0
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise fail(field, f"{label}须为整数") from None
    if not 0 <= n <= limit:
        raise fail(field, f"{label}须在 0–{limit} 之间")
    return n


def _ratio(field: str, value: Any, label: str) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        r = Decimal(str(value))
    except InvalidOperation:
        raise fail(field, f"{label}须为 0–1 之间的小数") from None
    if not r.is_finite() or not Decimal("0") <= r <= Decimal("1"):
        raise fail(field, f"{label}须为 0–1 之间的小数")
    return r.quantize(Decimal("0.0001"))


def _codes(field: str, values: Any, allowed: dict[str, str], message: str) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        raise fail(field, message)
    out: list[str] = []
    for v in values:
        if not isinstance(v, str) or v not in allowed:
            raise fail(field, message)
        if v not in out:
            out.append(v)
    return out


def _schedule(values: Any) -> list[dict[str, Any]]:
    """[{quarter: 1..4, content}], one per quarter at most, empty contents dropped."""
    if values in (None, ""):
        return []
    if isinstance(values, dict):
        values = [{"quarter": k, "content": v} for k, v in values.items()]
    if not isinstance(values, list | tuple):
        raise fail("schedule", "进度安排格式不正确")
    out: dict[int, str] = {}
    for row in values:
        if not isinstance(row, dict):
            raise fail("schedule", "进度安排格式不正确")
        try:
            quarter = int(row.get("quarter"))
        except (TypeError, ValueError):
            raise fail("schedule", "季度须为 1–4") from None
        if quarter not in sel.QUARTERS:
            raise fail("schedule", "季度须为 1–4")
        if quarter in out:
            raise fail("schedule", "每个季度只能填写一条安排")
        content = text(row.get("content"), limit=1000)
        if content:
            out[quarter] = content
    return [{"quarter": q, "content": out[q]} for q in sorted(out)]


def _plan_values(changes: dict[str, Any]) -> dict[str, Any]:
    """Validated values of the given plan fields (RAND-1: risky targets drawn at no lower a ratio)."""
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise fail(sorted(unknown)[0], "不能修改该字段")
    v: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "title":
            v[name] = text(value, limit=128)  # empty: the default name on creation
        elif name == "responsible":
            v[name] = text(value, limit=64)
            if not v[name]:
                raise fail("responsible", "请填写责任人")
        elif name == "notes":
            v[name] = text(value, limit=5000)
        elif name == "target_institutions":
            v[name] = _count(name, value, "计划覆盖评价机构数")
        elif name == "target_batches":
            v[name] = _count(name, value, "计划督导评价批次数")
        elif name == "target_tasks":
            v[name] = _count(name, value, "计划督导任务数")
        elif name == "draws_per_year":
            v[name] = _count(name, value, "全年抽取次数", 366)
        elif name == "draw_ratio":
            v[name] = _ratio(name, value, "一般对象抽取比例")
        elif name == "risk_draw_ratio":
            v[name] = _ratio(name, value, "重点对象抽取比例")
        elif name == "items":
            v[name] = _codes(name, value, sel.PLAN_ITEMS, "督导事项不正确")
        elif name == "score_forms":
            v[name] = _codes(name, value, sel.score_form_titles(), "评估表不存在")
        elif name == "schedule":
            v[name] = _schedule(value)
    return v


def _check_ratios(plan: AnnualPlan) -> None:
    if plan.risk_draw_ratio < plan.draw_ratio:  # RAND-1: raised for risky targets, never lowered
        raise fail("risk_draw_ratio", "重点对象抽取比例不得低于一般对象抽取比例")


def _open_plan_exists(authority: Authority, year: int) -> bool:
    """A draft or published plan of the year (a correction draft always has a published one)."""
    return AnnualPlan.objects.filter(
        authority=authority, year=year, status__in=[P.DRAFT, P.PUBLISHED]
    ).exists()


@transaction.atomic
def annual_plan_create(
    *, actor, year: Any, authority: Authority | int | None = None, **fields: Any
) -> AnnualPlan:
    """Draft the authority's plan of `year` (ACT-6); refused when the year already has one (409)."""
    target = _authority(actor, authority)
    the_year = _year(year)
    values = _plan_values(fields)
    lock(Authority, target.pk)  # serialises two creators of the same authority's plan
    if _open_plan_exists(target, the_year):
        raise Conflict(PLAN_EXISTS, code="plan_exists", detail={"year": [PLAN_EXISTS]})
    plan = AnnualPlan(authority=target, year=the_year, created_by=actor, **values)
    if not plan.title:
        plan.title = f"{target.name}{the_year}年度督导工作计划"
    if not plan.responsible:
        raise fail("responsible", "请填写责任人")
    _check_ratios(plan)
    with unique_or_conflict(PLAN_EXISTS, "year"):
        save_new(plan)
    audit.record(actor=actor, action="supervision.annual_plan.create", obj=plan, after=audit.snapshot(plan))
    return plan


def _locked_plan(actor, plan: AnnualPlan | int, row_version: Any) -> AnnualPlan:
    found = visible_or_404(sel.plans_for(actor), plan)
    require(may_manage(actor, found.authority), "只有本委派机构的工作人员可以修改年度计划")
    obj = lock(AnnualPlan, found.pk)
    check_version(obj, row_version)
    return obj


@transaction.atomic
def annual_plan_update(*, actor, plan: AnnualPlan | int, row_version: Any, **changes: Any) -> AnnualPlan:
    """Edit a draft plan; a published one is immutable (409)."""
    obj = _locked_plan(actor, plan, row_version)
    if obj.status != P.DRAFT:
        raise IllegalTransition(PUBLISHED_IMMUTABLE)
    values = _plan_values(changes)
    before = audit.snapshot(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    if not obj.title:
        raise fail("title", "请填写计划名称")
    _check_ratios(obj)
    save_fields(obj, list(values))
    audit.record(
        actor=actor,
        action="supervision.annual_plan.update",
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
    )
    return obj


def _link_records(plan: AnnualPlan) -> tuple[int, int]:
    """Draws and tasks of the plan's year (draw: its period start; task: its start) now point to it."""
    start, end = sel.year_window(plan.year)
    jan1, dec31 = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31)
    ids = [plan.pk] + ([plan.previous_id] if plan.previous_id else [])
    draws = Draw.objects.filter(
        authority_id=plan.authority_id, period_start__gte=jan1, period_start__lte=dec31
    ).filter(annual_plan__isnull=True) | Draw.objects.filter(annual_plan_id__in=ids[1:])
    tasks = SupervisionTask.objects.filter(
        authority_id=plan.authority_id, starts_at__gte=start, starts_at__lt=end, annual_plan__isnull=True
    ) | SupervisionTask.objects.filter(annual_plan_id__in=ids[1:])
    return draws.update(annual_plan=plan), tasks.update(annual_plan=plan)


@transaction.atomic
def annual_plan_publish(*, actor, plan: AnnualPlan | int, row_version: Any) -> AnnualPlan:
    """Publish a draft (it becomes immutable); a correction supersedes the version it corrects. The year's
    draws and tasks not yet linked to a plan are linked to it."""
    obj = _locked_plan(actor, plan, row_version)
    if obj.status != P.DRAFT:
        raise IllegalTransition("该计划已发布")
    if not obj.responsible:
        raise fail("responsible", "请填写责任人")
    before = audit.snapshot(obj)
    if obj.previous_id:
        old = lock(AnnualPlan, obj.previous_id)
        old_before = audit.snapshot(old)
        old.status = P.SUPERSEDED
        save_fields(old, ["status"])
        audit.record(
            actor=actor,
            action="supervision.annual_plan.supersede",
            obj=old,
            before=old_before,
            after=audit.snapshot(old),
        )
    elif AnnualPlan.objects.filter(authority_id=obj.authority_id, year=obj.year, status=P.PUBLISHED).exists():
        raise Conflict(PLAN_EXISTS, code="plan_exists", detail={"year": [PLAN_EXISTS]})
    obj.status = P.PUBLISHED
    obj.published_at = timezone.now()
    obj.published_by = actor
    with unique_or_conflict(PLAN_EXISTS, "year"):
        save_fields(obj, ["status", "published_at", "published_by"])
    draws, tasks = _link_records(obj)
    audit.record(
        actor=actor,
        action="supervision.annual_plan.publish",
        obj=obj,
        before=before,
        after={**audit.snapshot(obj), "linked_draws": draws, "linked_tasks": tasks},
    )
    return obj


@transaction.atomic
def annual_plan_correct(*, actor, plan: AnnualPlan | int, reason: str, row_version: Any) -> AnnualPlan:
    """A new draft version of a published plan, pointing to it; the old one stays in force until the new one
    is published. One correction at a time (409)."""
    obj = _locked_plan(actor, plan, row_version)
    if obj.status != P.PUBLISHED:
        raise IllegalTransition("只能更正已发布的计划")
    the_reason = text(reason, limit=255)
    if not the_reason:
        raise fail("reason", "请填写更正原因")
    if AnnualPlan.objects.filter(previous=obj).exists():
        raise Conflict("该计划已有待发布的更正版本", code="correction_exists")
    new = AnnualPlan(
        authority_id=obj.authority_id,
        year=obj.year,
        version=obj.version + 1,
        previous=obj,
        correction_reason=the_reason,
        created_by=actor,
        **{name: getattr(obj, name) for name in PLAN_FIELDS},
    )
    with unique_or_conflict("该计划已有待发布的更正版本", "reason"):
        save_new(new)
    audit.record(actor=actor, action="supervision.annual_plan.correct", obj=new, after=audit.snapshot(new))
    return new


# ------------------------------------------------------------------------------------------ summary
def _figures(authority: Authority, year: int, plan: AnnualPlan | None) -> dict[str, Any]:
    figures = sel.year_figures(authority, year)
    if plan is not None:
        figures["plan"] = {
            "id": plan.pk,
            "version": plan.version,
            "target_institutions": plan.target_institutions,
            "target_batches": plan.target_batches,
            "target_tasks": plan.target_tasks,
            "draws_per_year": plan.draws_per_year,
        }
    return figures


@transaction.atomic
def annual_summary_generate(*, actor, year: Any, authority: Authority | int | None = None) -> AnnualSummary:
    """Generate the year-end summary's figures from the records (ACT-6); one per authority and year."""
    target = _authority(actor, authority)
    the_year = _year(year)
    lock(Authority, target.pk)
    if AnnualSummary.objects.filter(authority=target, year=the_year).exists():
        raise Conflict(SUMMARY_EXISTS, code="summary_exists", detail={"year": [SUMMARY_EXISTS]})
    plan = sel.published_plan(target, the_year)
    summary = AnnualSummary(
        authority=target,
        year=the_year,
        plan=plan,
        figures=_figures(target, the_year, plan),
        figures_at=timezone.now(),
        created_by=actor,
    )
    with unique_or_conflict(SUMMARY_EXISTS, "year"):
        save_new(summary)
    audit.record(
        actor=actor, action="supervision.annual_summary.generate", obj=summary, after=audit.snapshot(summary)
    )
    return summary


def _locked_summary(actor, summary: AnnualSummary | int, row_version: Any) -> AnnualSummary:
    found = visible_or_404(sel.summaries_for(actor), summary)
    require(may_manage(actor, found.authority), "只有本委派机构的工作人员可以修改年度总结")
    obj = lock(AnnualSummary, found.pk)
    check_version(obj, row_version)
    if obj.status != AnnualSummary.Status.DRAFT:
        raise IllegalTransition(FINAL_IMMUTABLE)
    return obj


@transaction.atomic
def annual_summary_update(
    *, actor, summary: AnnualSummary | int, row_version: Any, **changes: Any
) -> AnnualSummary:
    """Edit the free-text sections of a draft summary."""
    obj = _locked_summary(actor, summary, row_version)
    unknown = set(changes) - set(SUMMARY_FIELDS)
    if unknown:
        raise fail(sorted(unknown)[0], "不能修改该字段")
    before = audit.snapshot(obj)
    for name, value in changes.items():
        setattr(obj, name, text(value, limit=20000))
    save_fields(obj, list(changes))
    audit.record(
        actor=actor,
        action="supervision.annual_summary.update",
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
    )
    return obj


@transaction.atomic
def annual_summary_refresh(*, actor, summary: AnnualSummary | int, row_version: Any) -> AnnualSummary:
    """Recompute a draft summary's figures (and its plan: the year's published one) from the records."""
    obj = _locked_summary(actor, summary, row_version)
    before = audit.snapshot(obj)
    obj.plan = sel.published_plan(obj.authority_id, obj.year)
    obj.figures = _figures(obj.authority, obj.year, obj.plan)
    obj.figures_at = timezone.now()
    save_fields(obj, ["plan", "figures", "figures_at"])
    audit.record(
        actor=actor,
        action="supervision.annual_summary.refresh",
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
    )
    return obj


@transaction.atomic
def annual_summary_finalise(*, actor, summary: AnnualSummary | int, row_version: Any) -> AnnualSummary:
    """Finalise: the figures are recomputed one last time and the summary becomes immutable."""
    obj = _locked_summary(actor, summary, row_version)
    if not obj.overview.strip():
        raise fail("overview", "请先填写工作概述")
    before = audit.snapshot(obj)
    obj.plan = sel.published_plan(obj.authority_id, obj.year)
    obj.figures = _figures(obj.authority, obj.year, obj.plan)
    obj.figures_at = timezone.now()
    obj.status = AnnualSummary.Status.FINAL
    obj.finalised_at = timezone.now()
    obj.finalised_by = actor
    save_fields(obj, ["plan", "figures", "figures_at", "status", "finalised_at", "finalised_by"])
    audit.record(
        actor=actor,
        action="supervision.annual_summary.finalise",
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
    )
    return obj
