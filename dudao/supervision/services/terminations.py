"""Termination of a filing after a missed rectification (seed 004: "若逾期未整改或未按要求完成整改,将视情况
对你单位采取终止…备案等措施"): notice with the right to be heard, the institution's statement, the decision.

A terminated filing refuses new batches (INST-3) and renewal (REN-6: the institution applies again as a new
filing). The statement window is counted in working days (CAL-2) from the notice day.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition
from dudao.common.transitions import check_transition, transition
from dudao.common.writes import (
    check_version,
    fail,
    lock,
    require,
    required_text,
    save_new,
    visible_or_404,
)
from dudao.notifications import recipients
from dudao.notifications.services import notify
from dudao.registry.models import Filing

from .. import domain, selectors
from ..models import FilingTermination, Rectification, SupervisionTask
from ..permissions import can_decide_termination, can_manage_institution, is_termination_institution
from ..transitions import OPEN_TERMINATION_STATUSES, TERMINATION_TRANSITIONS
from .base import _authority_staff

T = FilingTermination.Status
# Filings a termination can still act on (expired and terminated ones are final, INST-2).
OPEN_FILING_STATUSES = (Filing.Status.ACTIVE, Filing.Status.SUSPENDED, Filing.Status.RECTIFYING)
DECISIONS = {"terminate": T.TERMINATED, "withdraw": T.WITHDRAWN}
# Started from a renewal whose rectification deadline passed (REN-4): dudao.renewals.services.
RENEWAL_GROUND = "renewal_rectification_overdue"


def termination_link(termination: FilingTermination) -> str:
    return f"/supervision/terminations/{termination.pk}/"


def _filing_for(institution_id: int, filing: Filing | int | None) -> Filing:
    qs = Filing.objects.filter(institution_id=institution_id)
    if filing not in (None, ""):
        target = visible_or_404(qs, filing)
    else:
        target = qs.filter(status__in=OPEN_FILING_STATUSES).order_by("-valid_from", "-id").first()
        if target is None:
            raise fail("filing", "该机构没有可终止的备案")
    if target.status not in OPEN_FILING_STATUSES:
        raise fail("filing", f"备案 {target.number} 当前状态为「{target.get_status_display()}」,不能终止")
    return target


@transaction.atomic
def termination_start(
    *,
    actor,
    task: SupervisionTask | int,
    ground: str,
    notice: str,
    filing: Filing | int | None = None,
) -> FilingTermination:
    """Notify the institution that its filing is to be terminated for a missed rectification; the
    statement window (policy, working days) starts today."""
    visible = visible_or_404(selectors.tasks_for(actor).select_related("institution"), task)
    require(can_manage_institution(actor, visible.institution), "只有委派机构可以启动终止备案程序")
    obj = lock(SupervisionTask, visible.pk)
    latest = Rectification.objects.select_for_update().filter(task=obj).order_by("-round_no").first()
    if latest is None:
        raise IllegalTransition("该任务没有下达整改,不能启动终止备案程序")
    today = timezone.localdate()
    domain.check_termination_may_start(
        round_status=latest.status, due_on=latest.due_on, submitted_late=latest.overdue, today=today
    )
    if ground not in domain.TERMINATION_GROUNDS or ground == RENEWAL_GROUND:
        raise fail("ground", "终止事由不正确")
    notice = required_text(notice, "notice", "告知内容")
    the_filing = _filing_for(obj.institution_id, filing)
    Filing.objects.select_for_update().filter(pk=the_filing.pk).first()  # one procedure at a time
    if FilingTermination.objects.filter(filing=the_filing, status__in=OPEN_TERMINATION_STATUSES).exists():
        raise Conflict("该备案已有正在办理的终止备案程序", code="duplicate")
    from dudao.workdays.selectors import calendar

    days = selectors.policy_for(obj.authority_id).termination_statement_workdays
    due = calendar().add_workdays(today, days)
    row = FilingTermination(
        authority_id=obj.authority_id,
        institution_id=obj.institution_id,
        filing=the_filing,
        task=obj,
        rectification=latest,
        ground=ground,
        notice=notice,
        notified_by=actor,
        notified_at=timezone.now(),
        statement_due_on=due.date,
        statement_due_provisional=due.provisional,
    )
    save_new(row)
    audit.record(actor=actor, action="supervision.termination.start", obj=row, after=audit.snapshot(row))
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind="termination.notified",
        title=f"拟终止备案告知:备案 {the_filing.number},请于 {due.date.isoformat()} 前陈述申辩",
        body=notice,
        link=termination_link(row),
        obj=row,
        dedupe_key=f"termination.notified:{row.pk}",
    )
    return row


def _locked(actor, termination: FilingTermination | int) -> FilingTermination:
    """The procedure in the actor's scope (else 404), re-read under a row lock."""
    target = visible_or_404(selectors.terminations_for(actor), termination)
    return lock(FilingTermination, target.pk)


@transaction.atomic
def termination_statement(
    *, actor, termination: FilingTermination | int, statement: str, row_version: int | None = None
) -> FilingTermination:
    """The institution's statement (陈述申辩), up to and including the window's last day."""
    obj = _locked(actor, termination)
    require(is_termination_institution(actor, obj), "只有被告知的评价机构可以陈述申辩")
    if row_version not in (None, ""):  # a one-off answer, like the ACT-4 defence: the version is optional
        check_version(obj, row_version)
    check_transition(
        TERMINATION_TRANSITIONS,
        obj,
        T.STATEMENT_SUBMITTED,
        actor,
        message=f"当前状态为「{obj.get_status_display()}」,不能陈述申辩",
    )
    if timezone.localdate() > obj.statement_due_on:
        raise IllegalTransition(
            f"陈述申辩期限已于 {obj.statement_due_on.isoformat()} 届满", code="statement_closed"
        )
    transition(
        obj,
        T.STATEMENT_SUBMITTED,
        actor=actor,
        table=TERMINATION_TRANSITIONS,
        action="supervision.termination.statement",
        changes={
            "statement": required_text(statement, "statement", "陈述申辩意见"),
            "statement_by": actor,
            "statement_at": timezone.now(),
        },
    )
    notify(
        recipients=_authority_staff(obj.institution),
        kind="termination.statement",
        title=f"机构已就拟终止备案陈述申辩:{obj.institution.name}",
        link=termination_link(obj),
        obj=obj,
        dedupe_key=f"termination.statement:{obj.pk}",
    )
    return obj


@transaction.atomic
def termination_decide(
    *,
    actor,
    termination: FilingTermination | int,
    decision: str,
    note: str,
    row_version: int | None = None,
) -> FilingTermination:
    """The authority's decision: terminate the filing (after the statement, or once the window has passed
    without one) or withdraw the procedure (at any time while it is open)."""
    obj = _locked(actor, termination)
    require(can_decide_termination(actor, obj), "只有委派机构可以作出终止备案决定")
    check_version(obj, row_version)
    if decision not in DECISIONS:
        raise fail("decision", "请选择终止备案或撤回")
    to = DECISIONS[decision]
    check_transition(
        TERMINATION_TRANSITIONS,
        obj,
        to,
        actor,
        message=f"当前状态为「{obj.get_status_display()}」,不能再作决定",
    )
    if to == T.TERMINATED and obj.status == T.NOTIFIED and timezone.localdate() <= obj.statement_due_on:
        raise IllegalTransition(
            f"陈述申辩期限至 {obj.statement_due_on.isoformat()},尚未届满,期满或机构陈述申辩后方可决定",
            code="statement_open",
        )
    note = required_text(note, "note", "决定理由")
    filing = Filing.objects.select_for_update().get(pk=obj.filing_id)
    if to == T.TERMINATED and filing.status not in OPEN_FILING_STATUSES:
        raise IllegalTransition(f"备案当前状态为「{filing.get_status_display()}」,不能终止")
    transition(
        obj,
        to,
        actor=actor,
        table=TERMINATION_TRANSITIONS,
        action=f"supervision.termination.{decision}",
        changes={"decision_note": note, "decided_by": actor, "decided_at": timezone.now()},
    )
    if to == T.TERMINATED:
        from dudao.registry.services import filing_set_status

        filing_set_status(
            actor=actor,
            filing=filing,
            status=Filing.Status.TERMINATED,
            reason=f"终止备案:{domain.TERMINATION_GROUNDS[obj.ground]}",
            row_version=filing.row_version,
        )
        if obj.renewal_id:  # REN-4: the renewal that ended in rectification is closed as not renewed
            from dudao.renewals.services import renewal_close_terminated

            renewal_close_terminated(actor=actor, termination=obj)
        title = f"终止备案决定:备案 {filing.number} 已终止"
    else:
        title = f"终止备案程序已撤回:备案 {filing.number}"
    notify(
        recipients=recipients.institution_users(obj.institution_id),
        kind=f"termination.{decision}",
        title=title,
        body=note,
        link=termination_link(obj),
        obj=obj,
        dedupe_key=f"termination.{decision}:{obj.pk}",
    )
    return obj
