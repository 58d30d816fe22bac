"""Writers of plans and public notices (INST-5, INST-6): create and edit a draft, publish, close, cancel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import Conflict, ValidationFailed
from dudao.common.transitions import transition
from dudao.common.writes import checked_text, lock_version, parse_date, require, save_fields, save_new
from dudao.registry import domain as registry_domain
from dudao.registry.models import Authority, Batch
from dudao.registry.selectors import batches_for

from ..domain import rules
from ..models import ExamPlan, QuestionSourcePolicy
from ..permissions import may_administer, may_run
from ..workflow import PLAN_TRANSITIONS

EDITABLE = (
    "title",
    "registration_opens_on",
    "registration_closes_on",
    "withdraw_deadline",
    "fees",
    "fee_basis",
    "eligibility_summary",
    "contact_name",
    "contact_phone",
    "question_source",
    "compilation_note",
    "expert_review_ref",
)


def _chain_policies(authority: Authority | None) -> list[QuestionSourcePolicy]:
    """The policies of the authority and those above it, nearest first."""
    chain, seen = [], set()
    while authority is not None and authority.pk not in seen:
        seen.add(authority.pk)
        chain.append(authority.pk)
        authority = authority.parent
    by_authority = {p.authority_id: p for p in QuestionSourcePolicy.objects.filter(authority_id__in=chain)}
    return [by_authority[pk] for pk in chain if pk in by_authority]


def question_policy_for(authority: Authority | None) -> QuestionSourcePolicy | None:
    """INST-5: the policy in force for an authority. "Provincial bank only" set anywhere up the chain binds
    every authority below (a city cannot loosen its province's rule); otherwise the nearest policy that
    allows a self-built bank; None without any regional policy."""
    policies = _chain_policies(authority)
    return next((p for p in policies if p.bank_only), policies[0] if policies else None)


def _values(raw: Mapping[str, Any], batch: Batch) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def take(name: str, fn) -> None:
        try:
            values[name] = fn()
        except ValidationFailed as exc:
            for key, messages in exc.detail.items():
                errors.setdefault(key, []).extend(messages)

    take("title", lambda: checked_text(raw.get("title"), "title", "公告标题", limit=128))
    take(
        "registration_opens_on",
        lambda: parse_date(raw.get("registration_opens_on"), "registration_opens_on", "报名开始日期"),
    )
    take(
        "registration_closes_on",
        lambda: parse_date(raw.get("registration_closes_on"), "registration_closes_on", "报名截止日期"),
    )
    take(
        "withdraw_deadline",
        lambda: parse_date(raw.get("withdraw_deadline"), "withdraw_deadline", "撤回截止日期"),
    )
    take(
        "fee_basis",
        lambda: checked_text(raw.get("fee_basis"), "fee_basis", "收费依据(收费标准文件)", limit=255),
    )
    take(
        "eligibility_summary",
        lambda: checked_text(
            raw.get("eligibility_summary"), "eligibility_summary", "申报条件摘要", limit=4000
        ),
    )
    take("contact_name", lambda: checked_text(raw.get("contact_name"), "contact_name", "联系人", limit=64))
    take(
        "contact_phone", lambda: checked_text(raw.get("contact_phone"), "contact_phone", "联系电话", limit=32)
    )
    take(
        "compilation_note",
        lambda: checked_text(
            raw.get("compilation_note"), "compilation_note", "编制说明", limit=4000, required=False
        ),
    )
    take(
        "expert_review_ref",
        lambda: checked_text(
            raw.get("expert_review_ref"), "expert_review_ref", "专家审定材料编号", limit=128, required=False
        ),
    )
    source = str(raw.get("question_source") or ExamPlan._meta.get_field("question_source").default)
    if source not in dict(ExamPlan._meta.get_field("question_source").choices):
        errors["question_source"] = ["题库来源只能是省级题库或自建题库"]
    values["question_source"] = source
    fees, fee_errors = rules.parse_fees(raw.get("fees") or {}, list(batch.levels))
    values["fees"] = fees
    for key, messages in fee_errors.items():
        errors.setdefault(key, []).extend(messages)
    dates = ("registration_opens_on", "registration_closes_on", "withdraw_deadline")
    if all(name in values for name in dates):
        exam_day = timezone.localtime(batch.starts_at).date()
        for key, messages in rules.window_problems(*(values[n] for n in dates), exam_day).items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    return values


@transaction.atomic
def plan_create(*, actor: Any, batch: Batch | int, values: Mapping[str, Any]) -> ExamPlan:
    """A draft plan for one of the institution's planned batches (one plan per batch)."""
    batch = (
        batches_for(actor)
        .select_related("institution", "filing__authority")
        .filter(pk=getattr(batch, "pk", batch))
        .first()
    )
    if batch is None:
        raise ValidationFailed("评价批次不存在或无权操作", detail={"batch": ["评价批次不存在或无权操作"]})
    require(may_run(actor, batch), "只有本机构的工作人员可以编制认定计划")
    if batch.status != Batch.Status.PLANNED:
        raise ValidationFailed(
            "只能为「已计划」的批次编制认定计划", detail={"batch": ["该批次不是「已计划」状态"]}
        )
    registry_domain.check_filing_allows_evaluation(batch.filing.number, batch.filing.status)
    if ExamPlan.objects.filter(batch=batch).exists():
        raise Conflict("该批次已有认定计划", detail={"batch": ["该批次已有认定计划"]})
    plan = ExamPlan(batch=batch, **_values(values, batch))
    save_new(plan)
    audit.record(actor=actor, action="exams.plan.create", obj=plan, after=audit.snapshot(plan))
    return plan


@transaction.atomic
def plan_update(*, actor: Any, plan: ExamPlan, row_version: Any, values: Mapping[str, Any]) -> ExamPlan:
    """Edit a draft (a published notice is not edited: cancel it and publish a new one)."""
    plan = lock_version(plan, row_version)
    require(may_run(actor, plan), "只有本机构的工作人员可以修改认定计划")
    if plan.status != ExamPlan.Status.DRAFT:
        raise ValidationFailed("已发布的公告不能修改", code="plan_published")
    before = audit.snapshot(plan)
    for name, value in _values({**{n: getattr(plan, n) for n in EDITABLE}, **values}, plan.batch).items():
        setattr(plan, name, value)
    save_fields(plan, EDITABLE)
    audit.record(actor=actor, action="exams.plan.update", obj=plan, before=before, after=audit.snapshot(plan))
    return plan


@transaction.atomic
def plan_publish(*, actor: Any, plan: ExamPlan, row_version: Any) -> ExamPlan:
    """Publish the notice (INST-6) once the question source satisfies the region's policy (INST-5)."""
    plan = lock_version(plan, row_version)
    require(may_administer(actor, plan), "只有本机构管理员可以发布认定公告")
    registry_domain.check_filing_allows_evaluation(plan.batch.filing.number, plan.batch.filing.status)
    policy = question_policy_for(plan.batch.filing.authority)
    problems = rules.question_source_problems(
        policy is not None and policy.bank_only,
        plan.question_source,
        plan.compilation_note,
        plan.expert_review_ref,
    )
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], code="question_source", detail=problems)
    return transition(
        plan,
        ExamPlan.Status.PUBLISHED,
        actor=actor,
        table=PLAN_TRANSITIONS,
        action="exams.plan.publish",
        noun="认定计划",
        changes={"published_at": timezone.now(), "published_by": actor},
    )


@transaction.atomic
def plan_close(*, actor: Any, plan: ExamPlan, row_version: Any) -> ExamPlan:
    """Close registration (after the window, before arranging the exam)."""
    plan = lock_version(plan, row_version)
    return transition(
        plan,
        ExamPlan.Status.CLOSED,
        actor=actor,
        table=PLAN_TRANSITIONS,
        action="exams.plan.close",
        noun="认定计划",
    )


@transaction.atomic
def plan_cancel(*, actor: Any, plan: ExamPlan, row_version: Any) -> ExamPlan:
    """Withdraw the notice (registrations stay on record)."""
    plan = lock_version(plan, row_version)
    return transition(
        plan,
        ExamPlan.Status.CANCELLED,
        actor=actor,
        table=PLAN_TRANSITIONS,
        action="exams.plan.cancel",
        noun="认定计划",
    )


@transaction.atomic
def question_policy_set(
    *, actor: Any, authority: Authority, bank_only: bool, note: str = ""
) -> QuestionSourcePolicy:
    """INST-5: record the region's question-source policy (the authority's or the province's admin)."""
    from dudao.accounts.permissions import is_authority_admin, is_superuser

    require(
        is_superuser(actor) or (is_authority_admin(actor) and actor.authority_id == authority.pk),
        "只有该委派机构的管理员可以设置题库政策",
    )
    note = checked_text(note, "note", "政策依据", limit=255, required=False)
    binding = next((p for p in _chain_policies(authority.parent) if p.bank_only), None)
    if binding is not None and not bank_only:
        raise ValidationFailed(
            f"上级「{binding.authority.name}」规定只能使用省级题库,本级不能放宽",
            detail={"bank_only": ["上级规定只能使用省级题库"]},
        )
    policy = QuestionSourcePolicy.objects.select_for_update().filter(authority=authority).first()
    before = audit.snapshot(policy) if policy else None
    if policy is None:
        policy = QuestionSourcePolicy(authority=authority, bank_only=bank_only, note=note)
        save_new(policy)
    else:
        policy.bank_only, policy.note = bank_only, note
        save_fields(policy, ["bank_only", "note"])
    audit.record(
        actor=actor,
        action="exams.question_policy.set",
        obj=policy,
        before=before,
        after=audit.snapshot(policy),
    )
    return policy
