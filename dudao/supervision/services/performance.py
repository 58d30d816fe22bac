"""Supervisors' performance: ratings (SUP-11), misconduct (SUP-10), assessment and renewal (SUP-9/5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user
from dudao.common import audit
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
)
from dudao.common.writes import (
    check_version,
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
from dudao.people.models import Supervisor, SupervisorContract
from dudao.people.permissions import can_change_supervisor

from .. import selectors, workflow
from ..models import (
    Draw,
    MisconductRecord,
    SupervisionTask,
    SupervisorAssessment,
    SupervisorRating,
    TaskMember,
)
from ..permissions import (
    can_answer_for_institution,
)
from ..transitions import AFTER_REPORT
from .base import _lock_task

D = Draw.Status
M = TaskMember.Response


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
        action="people.supervisor.dismissal_flag",
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
        raise fail("kind", "违规情形不正确")  # SUP-10
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
def _survey_metrics(supervisor: Supervisor, year: int) -> dict[str, Any]:
    """QUAL-4 feeds SUP-9: the candidates' and examiners' survey of the year's tasks (shown surveys only)."""
    from ..selectors_survey import supervisor_survey_figures

    figures = supervisor_survey_figures(supervisor, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    mean = figures["mean"]
    return {
        "surveys": figures["surveys"],
        "survey_answers": figures["answers"],
        "survey_average": None if mean is None else str(mean),
    }


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
        metrics={**stats.as_dict(), **_survey_metrics(target, year)},
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
            reason=f"{year} 年度考核不合格:{note}",  # SUP-9
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
        raise IllegalTransition("续聘前须完成年度考核", code="assessment_required")  # SUP-9
    if latest.decision != SupervisorAssessment.Decision.KEEP:
        raise IllegalTransition(
            f"{latest.year} 年度考核结论为「{latest.get_decision_display()}」,不能续聘",  # SUP-9
            code="not_renewable",
        )
    from dudao.people.services import supervisor_contract_renew

    return supervisor_contract_renew(actor=actor, supervisor=target, starts_on=starts_on)
