"""The authority's confirmation of results before publication, where its policy requires it (issue 11 item 2:
"review and approval by the institution, confirmation by the authority where its policy requires it").

The policy is per authority; required anywhere up the chain binds the authorities below (a city cannot
loosen its province's rule), like the question-source policy (INST-5). The institution's admin submits the
decided results (its approval); a user of the authority that holds the batch's filing (谁备案、谁负责)
confirms them or returns them with a reason. The confirmation pins the results by a digest of their
versions: any result changed afterwards needs a new confirmation before publication.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.permissions import is_authority_admin, is_superuser
from dudao.common import audit
from dudao.common.errors import IllegalTransition, ValidationFailed
from dudao.common.writes import checked_text, lock, require, save_fields, save_new
from dudao.registry.models import Authority

from ..models import ExamPlan, ExamResult, ResultConfirmation, ResultPublication, ResultsPolicy
from ..permissions import may_administer, may_confirm


def _chain(authority: Authority | None) -> list[int]:
    chain: list[int] = []
    while authority is not None and authority.pk not in chain:
        chain.append(authority.pk)
        authority = authority.parent
    return chain


def confirmation_required(authority: Authority | None) -> ResultsPolicy | None:
    """The policy that requires confirmation for `authority` (its own or one above it), or None."""
    chain = _chain(authority)
    policies = {p.authority_id: p for p in ResultsPolicy.objects.filter(authority_id__in=chain)}
    return next((policies[pk] for pk in chain if pk in policies and policies[pk].confirm_required), None)


@transaction.atomic
def results_policy_set(
    *, actor: Any, authority: Authority, confirm_required: bool, note: Any = ""
) -> ResultsPolicy:
    """Record whether the authority's institutions publish results only after its confirmation (the
    authority's admin); a requirement set above cannot be lifted below."""
    require(
        is_superuser(actor) or (is_authority_admin(actor) and actor.authority_id == authority.pk),
        "只有该委派机构的管理员可以设置成绩确认政策",
    )
    note = checked_text(note, "note", "政策依据", limit=255, required=False)
    binding = confirmation_required(authority.parent)
    if binding is not None and not confirm_required:
        raise ValidationFailed(
            f"上级「{binding.authority.name}」规定成绩须经确认后公示,本级不能取消",
            detail={"confirm_required": ["上级规定须经确认"]},
        )
    policy = ResultsPolicy.objects.select_for_update().filter(authority=authority).first()
    before = audit.snapshot(policy) if policy else None
    if policy is None:
        policy = ResultsPolicy(authority=authority, confirm_required=bool(confirm_required), note=note)
        save_new(policy)
    else:
        policy.confirm_required, policy.note = bool(confirm_required), note
        save_fields(policy, ["confirm_required", "note"])
    audit.record(
        actor=actor,
        action="exams.results_policy.set",
        obj=policy,
        before=before,
        after=audit.snapshot(policy),
    )
    return policy


def results_digest(plan: ExamPlan) -> str:
    """SHA-256 over the plan's results as (registration number, version, passed), sorted."""
    rows = ExamResult.objects.filter(registration__plan=plan).values_list(
        "registration__number", "version", "passed"
    )
    text = "\n".join(f"{n}|{v}|{p}" for n, v, p in sorted(rows))
    return hashlib.sha256(text.encode()).hexdigest()


def publication_confirmation_refusal(plan: ExamPlan) -> str | None:
    """Why the plan may not be published yet for want of the authority's confirmation (Chinese), or None."""
    if confirmation_required(plan.batch.filing.authority) is None:
        return None
    confirmation = ResultConfirmation.objects.filter(plan=plan).first()
    if confirmation is None:
        return "认定中心要求成绩经其确认后公示,请先提交确认"
    if confirmation.status == ResultConfirmation.Status.REQUESTED:
        return "成绩已提交认定中心确认,确认后方可公示"
    if confirmation.status == ResultConfirmation.Status.RETURNED:
        return f"认定中心退回了成绩:{confirmation.reason};更正后请重新提交确认"
    if confirmation.results_digest != results_digest(plan):
        return "认定中心确认后成绩有变动,请重新提交确认"
    return None


@transaction.atomic
def results_submit(*, actor: Any, plan: ExamPlan) -> ResultConfirmation:
    """The institution's admin submits the plan's decided results to the authority for confirmation."""
    from .results import results_ready

    require(may_administer(actor, plan), "只有本机构的管理员可以提交成绩确认")
    plan = lock(ExamPlan, plan.pk)
    if ResultPublication.objects.filter(plan=plan).exists():
        raise IllegalTransition("本计划的成绩已公示")
    if confirmation_required(plan.batch.filing.authority) is None:
        raise IllegalTransition("认定中心不要求确认成绩,可直接公示")
    results_ready(plan)
    digest = results_digest(plan)
    confirmation = ResultConfirmation.objects.select_for_update().filter(plan=plan).first()
    if confirmation is not None and confirmation.status == ResultConfirmation.Status.REQUESTED:
        raise IllegalTransition("成绩已提交认定中心确认,请等待确认")
    if (
        confirmation is not None
        and confirmation.status == ResultConfirmation.Status.CONFIRMED
        and confirmation.results_digest == digest
    ):
        raise IllegalTransition("认定中心已确认这些成绩,可以公示")
    now = timezone.now()
    if confirmation is None:
        confirmation = ResultConfirmation(plan=plan)
    confirmation.status, confirmation.results_digest = ResultConfirmation.Status.REQUESTED, digest
    confirmation.requested_at, confirmation.requested_by = now, actor
    confirmation.decided_at, confirmation.decided_by, confirmation.reason = None, None, ""
    confirmation.save()
    audit.record(
        actor=actor,
        action="exams.results.submit",
        obj=confirmation,
        after={"plan": plan.pk, "digest": digest},
    )
    return confirmation


@transaction.atomic
def results_confirm(*, actor: Any, plan: ExamPlan, approve: bool, reason: Any = "") -> ResultConfirmation:
    """The authority holding the batch's filing confirms the submitted results, or returns them with a
    reason (the institution corrects and submits again)."""
    require(may_confirm(actor, plan), "只有持有该批次备案的委派机构可以确认成绩")
    plan = lock(ExamPlan, plan.pk)
    confirmation = ResultConfirmation.objects.select_for_update().filter(plan=plan).first()
    if confirmation is None or confirmation.status != ResultConfirmation.Status.REQUESTED:
        raise IllegalTransition("没有待确认的成绩")
    if confirmation.results_digest != results_digest(plan):
        raise IllegalTransition("提交确认后成绩有变动,请机构重新提交")
    if approve:
        confirmation.status, confirmation.reason = ResultConfirmation.Status.CONFIRMED, ""
    else:
        confirmation.reason = checked_text(reason, "reason", "退回原因", limit=255)
        confirmation.status = ResultConfirmation.Status.RETURNED
    confirmation.decided_at, confirmation.decided_by = timezone.now(), actor
    confirmation.save()
    audit.record(
        actor=actor,
        action="exams.results.confirm" if approve else "exams.results.return",
        obj=confirmation,
        after={"plan": plan.pk, "status": confirmation.status, "reason": confirmation.reason},
    )
    return confirmation
