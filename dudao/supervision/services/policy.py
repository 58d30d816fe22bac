"""The authority's supervision policy (SUP-7 report days, ACT-4 defence days, disclosure)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dudao.accounts.permissions import is_authority_user
from dudao.common import audit
from dudao.common.writes import (
    check_fields,
    check_version,
    fail,
    require,
    save_fields,
    save_new,
    visible_or_404,
)
from dudao.registry.models import Authority
from dudao.registry.selectors import authorities_for

from ..models import (
    SupervisionPolicy,
)
from ..permissions import (
    can_manage_policy,
)

# ---------------------------------------------------------------------------------------- policy
POLICY_FIELDS = (
    "report_days",
    "defence_workdays",
    "rectification_days",
    "disclose_supervisors_as",
    "coverage_required",
    "opinion_number_prefix",
    "termination_statement_workdays",
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
    if not 1 <= policy.termination_statement_workdays <= 60:
        raise fail("termination_statement_workdays", "陈述申辩期限须为 1–60 个工作日")
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
