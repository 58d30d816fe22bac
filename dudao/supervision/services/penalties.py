"""Penalties on institutions (INST-4): impose and lift, with the filing status they imply."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user
from dudao.common import audit
from dudao.common.errors import (
    IllegalTransition,
)
from dudao.common.writes import (
    check_version,
    fail,
    lock,
    require,
    required_text,
    save_fields,
    save_new,
    text,
    visible_or_404,
)
from dudao.notifications import recipients
from dudao.notifications.services import notify
from dudao.registry.models import Filing, Institution
from dudao.registry.selectors import institutions_for

from .. import domain, selectors, workflow
from ..models import (
    Penalty,
    SupervisionTask,
)
from ..permissions import (
    can_manage_institution,
)


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
    escalated_from: Penalty | int | None = None,
    serious: bool = False,
    serious_reason: str = "",
    responsible_persons: Sequence[str] | str | None = None,
) -> Penalty:
    """Decide an INST-4 penalty. The ladder (domain.check_ladder_step): criticism / order to correct, then
    a disciplinary proposal naming the responsible persons, up to revocation; a rung builds on the one
    below (`escalated_from`) unless the matter is serious. Suspension and revocation move the filing
    (registry service) to suspended / terminated, which refuses new batches (INST-3)."""
    inst = visible_or_404(institutions_for(actor), institution)
    require(can_manage_institution(actor, inst), "只有委派机构可以作出处理决定")
    if kind not in Penalty.Kind.values:
        raise fail("kind", "处理方式不正确")
    if ground not in workflow.PENALTY_GROUNDS:
        raise fail("ground", "处理事由不正确")  # INST-4
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
    previous = None
    if escalated_from not in (None, ""):
        previous = visible_or_404(selectors.penalties_for(actor).filter(institution=inst), escalated_from)
    serious = bool(serious)
    serious_reason = text(serious_reason) if serious else ""
    persons = domain.clean_responsible_persons(responsible_persons)
    if kind != Penalty.Kind.DISCIPLINARY_PROPOSAL:
        persons = ()  # only a disciplinary proposal names persons (001 art. 18)
    domain.check_ladder_step(  # INST-4
        domain.LadderStep(
            kind=kind,
            previous_kind=previous.kind if previous else None,
            serious=serious,
            serious_reason=serious_reason,
            responsible_persons=persons,
        )
    )
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
        escalated_from=previous,
        serious=serious,
        serious_reason=serious_reason,
        responsible_persons=list(persons),
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
