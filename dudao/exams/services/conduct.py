"""Writers of examiner conduct (issue 11 point 5; EXAM-10, EXAM-19): attendance of room duties and its
excuse, sanction proposals (raised from attendance, idempotent; by hand by the institution; by a supervisor
live on the batch), the authority's decision, the examiner's appeal. Who may: `permissions_conduct`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.transitions import transition
from dudao.common.writes import (
    checked_text,
    fail,
    lock,
    lock_version,
    require,
    save_fields,
    unique_or_conflict,
)
from dudao.people.models import CardStatus, Examiner, ExaminerCard
from dudao.people.permissions import can_change_examiner
from dudao.registry.models import Batch

from ..domain import conduct as rules
from ..models import RoomStaff
from ..models_conduct import ExaminerAttendance, SanctionAppeal, SanctionProposal
from ..permissions import may_run
from ..permissions_conduct import (
    is_subject,
    may_decide,
    may_excuse,
    may_record_attendance,
    supervises_batch,
)
from ..workflow import SANCTION_TRANSITIONS

A = ExaminerAttendance.Status
P = SanctionProposal
MAX_LATE_MINUTES = 600
DECIDERS_ONLY = "只有主管该评价机构的委派机构可以决定处理"
LIVE_CARD = (CardStatus.VALID, CardStatus.LOST, CardStatus.REISSUING)


def often_rule() -> rules.OftenRule:
    return rules.often_rule(
        settings.DUDAO_EXAMINER_OFTEN_LATE_ABSENT_TIMES, settings.DUDAO_EXAMINER_OFTEN_LATE_ABSENT_MONTHS
    )


# ------------------------------------------------------------------------------------------ facts


def examiner_duties(examiner: Examiner) -> list[rules.Duty]:
    """The examiner's duties as the pure rules see them, ordered by session start."""
    rows = (
        RoomStaff.objects.filter(examiner=examiner)
        .select_related("room__session", "attendance")
        .order_by("room__session__starts_at", "id")
    )
    duties = []
    for row in rows:
        attendance = getattr(row, "attendance", None)
        duties.append(
            rules.Duty(
                id=row.pk,
                starts_at=timezone.localtime(row.room.session.starts_at).replace(tzinfo=None),
                status=attendance.status if attendance else rules.UNRECORDED,
                excused=bool(attendance and attendance.excused),
            )
        )
    return duties


def _facts_of(ground: rules.Ground) -> str:
    duties = (
        RoomStaff.objects.filter(pk__in=ground.duty_ids)
        .select_related("room__session__plan", "attendance")
        .order_by("room__session__starts_at", "id")
    )
    lines = []
    for duty in duties:
        session = duty.room.session
        att = getattr(duty, "attendance", None)
        state = att.get_status_display() if att else "未登记"
        if att and att.status == A.LATE:
            state += f" {att.late_minutes} 分钟"
        when = timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
        lines.append(f"{when} {session.plan.title} {duty.room.name}:{state}")
    label = P.Ground(ground.ground).label
    return f"{label}(根据到岗记录自动生成):\n" + "\n".join(lines)


def _prior_sanctions(examiner: Examiner) -> list[str]:
    return list(
        SanctionProposal.objects.filter(examiner=examiner, status=P.Status.CONFIRMED).values_list(
            "sanction", flat=True
        )
    )


def raise_attendance_grounds(*, actor: Any, examiner: Examiner) -> list[SanctionProposal]:
    """Raise a proposal for each attendance ground not raised before (the key holds the ground and its
    duties: the same ground on the same duties is raised once). Runs inside the recording's transaction."""
    grounds = rules.attendance_grounds(examiner_duties(examiner), often_rule())
    existing = set(
        SanctionProposal.objects.filter(key__in=[g.key for g in grounds]).values_list("key", flat=True)
    )
    raised = []
    for ground in grounds:
        if ground.key in existing:
            continue
        # the batch (and institution) of the duty that completed the ground
        last = RoomStaff.objects.select_related("room__session__plan__batch").get(pk=ground.duty_ids[-1])
        batch = last.room.session.plan.batch
        proposal = SanctionProposal(
            examiner=examiner,
            institution_id=batch.institution_id,
            batch=batch,
            ground=ground.ground,
            source=P.Source.ATTENDANCE,
            key=ground.key,
            facts=_facts_of(ground),
            proposed_sanction=rules.proposed_sanction(
                ground.ground, prior_confirmed=_prior_sanctions(examiner)
            ),
            proposed_at=timezone.now(),
            proposed_by=actor,
        )
        with unique_or_conflict("该事由刚被他人提出,请刷新后重试", "key"):
            proposal.save()
        proposal.duties.set(ground.duty_ids)
        audit.record(
            actor=actor,
            action="exams.sanction_proposal.raise",
            obj=proposal,
            after={**audit.snapshot(proposal), "duties": list(ground.duty_ids)},
        )
        raised.append(proposal)
    return raised


# ------------------------------------------------------------------------------------------ attendance


def _duty(duty: RoomStaff) -> RoomStaff:
    return RoomStaff.objects.select_related("room__session__plan__batch__team_leader", "examiner").get(
        pk=duty.pk
    )


@transaction.atomic
def attendance_record(
    *, actor: Any, duty: RoomStaff, status: Any, late_minutes: Any = 0
) -> ExaminerAttendance:
    """到岗登记: present, late (minutes) or absent, on or after the session's day; a record may be corrected
    until it is excused. Crossing an attendance ground raises a proposal."""
    duty = _duty(lock(duty))
    require(may_record_attendance(actor, duty), "只有本机构工作人员或考评组长可以登记其他考评员的到岗情况")
    if duty.replaced_by_id is not None:
        raise IllegalTransition("该考评人员已被替换,按缺席处理,不能再登记到岗")
    if status not in A.values:
        raise fail("status", "到岗情况应为到岗、迟到或缺席")
    minutes = 0
    if status == A.LATE:
        try:
            minutes = int(str(late_minutes).strip())
        except (TypeError, ValueError):
            raise fail("late_minutes", "迟到分钟数应为整数") from None
        if not 1 <= minutes <= MAX_LATE_MINUTES:
            raise fail("late_minutes", f"迟到分钟数应在 1 到 {MAX_LATE_MINUTES} 之间")
    if timezone.localdate() < timezone.localdate(duty.room.session.starts_at):
        raise IllegalTransition("考试当天起才能登记到岗情况")
    attendance = ExaminerAttendance.objects.select_for_update().filter(duty=duty).first()
    before = audit.snapshot(attendance) if attendance else None
    if attendance is None:
        attendance = ExaminerAttendance(duty=duty)
    elif attendance.excused:
        raise IllegalTransition("该记录已认可理由,不能再修改")
    elif attendance.status == status and attendance.late_minutes == minutes:
        return attendance
    attendance.status, attendance.late_minutes = status, minutes
    attendance.recorded_at, attendance.recorded_by = timezone.now(), actor
    if attendance.pk:
        save_fields(attendance, ["status", "late_minutes", "recorded_at", "recorded_by"])
    else:
        with unique_or_conflict("该考评人员的到岗情况刚被他人登记,请刷新后重试", "duty"):
            attendance.save()
    audit.record(
        actor=actor,
        action="exams.examiner_attendance.record",
        obj=attendance,
        before=before,
        after={**audit.snapshot(attendance), "examiner": duty.examiner.person.name, "room": duty.room.name},
    )
    raise_attendance_grounds(actor=actor, examiner=duty.examiner)
    return attendance


def duty_replaced(*, actor: Any, duty: RoomStaff) -> ExaminerAttendance:
    """A replacement made with a reason counts as an absence of the replaced examiner unless excused
    (called by `staff_replace` in its transaction)."""
    attendance = ExaminerAttendance.objects.select_for_update().filter(duty=duty).first()
    before = audit.snapshot(attendance) if attendance else None
    if attendance is None:
        attendance = ExaminerAttendance(duty=duty)
    attendance.status, attendance.late_minutes = A.ABSENT, 0
    attendance.source = ExaminerAttendance.Source.REPLACEMENT
    attendance.recorded_at, attendance.recorded_by = timezone.now(), actor
    attendance.excused = False
    if attendance.pk:
        save_fields(attendance, ["status", "late_minutes", "source", "recorded_at", "recorded_by", "excused"])
    else:
        attendance.save()
    audit.record(
        actor=actor,
        action="exams.examiner_attendance.record",
        obj=attendance,
        before=before,
        after={**audit.snapshot(attendance), "reason": duty.replace_reason},
    )
    raise_attendance_grounds(actor=actor, examiner=duty.examiner)
    return attendance


@transaction.atomic
def attendance_excuse(*, actor: Any, duty: RoomStaff, reason: Any) -> ExaminerAttendance:
    """认可理由: the institution's admin excuses a recorded absence or lateness with a reason (it no longer
    counts towards a ground; proposals already raised stay for the authority to decide)."""
    duty = _duty(duty)
    require(may_excuse(actor, duty), "只有本机构管理员可以认可缺席或迟到的理由")
    attendance = ExaminerAttendance.objects.select_for_update().filter(duty=duty).first()
    if attendance is None or attendance.status == A.PRESENT:
        raise IllegalTransition("只有已登记的缺席或迟到可以认可理由")
    if attendance.excused:
        raise IllegalTransition("该记录已认可理由")
    reason = checked_text(reason, "reason", "理由", limit=255)
    before = audit.snapshot(attendance)
    attendance.excused, attendance.excuse_reason = True, reason
    attendance.excused_at, attendance.excused_by = timezone.now(), actor
    save_fields(attendance, ["excused", "excuse_reason", "excused_at", "excused_by"])
    audit.record(
        actor=actor,
        action="exams.examiner_attendance.excuse",
        obj=attendance,
        before=before,
        after=audit.snapshot(attendance),
    )
    return attendance


# ------------------------------------------------------------------------------------------ proposals


def _served_batch(examiner: Examiner, batch: Batch) -> bool:
    return (
        RoomStaff.objects.filter(examiner=examiner, room__session__plan__batch=batch).exists()
        or batch.examiners.filter(pk=examiner.pk).exists()
        or batch.team_leader_id == examiner.pk
    )


@transaction.atomic
def proposal_raise(
    *, actor: Any, examiner: Examiner, batch: Batch, ground: Any, facts: Any, sanction: Any = None
) -> SanctionProposal:
    """A proposal by hand: the institution's users (refused supervision, scoring rules, other grave cases
    with the sanction they propose); a supervisor live on the batch (refused supervision, scoring rules, or
    disqualification, EXAM-19)."""
    institution_user = may_run(actor, batch)
    supervisor = supervises_batch(actor, batch)
    require(institution_user or supervisor, "只有本批次的评价机构工作人员或在岗督导员可以提出处理建议")
    if ground not in P.Ground.values or ground in (rules.CONSECUTIVE_ABSENCES, rules.OFTEN_LATE_ABSENT):
        raise fail("ground", "请选择事由(缺席、迟到由到岗记录自动生成)")
    if ground == rules.DISQUALIFICATION:
        require(supervisor, "只有本批次的在岗督导员可以建议取消考评人员资格")
    if ground == rules.OTHER:
        require(institution_user, "只有评价机构工作人员可以提出其他情形的处理建议")
    facts = checked_text(facts, "facts", "事实与理由", limit=2000)
    if ground == rules.OTHER:
        if sanction not in P.Sanction.values:
            raise fail("sanction", "请选择建议的处理")
        proposed = sanction
    else:
        proposed = rules.proposed_sanction(ground, prior_confirmed=_prior_sanctions(examiner))
    if not _served_batch(examiner, batch):
        raise ValidationFailed("该考评员未参加本批次考评", detail={"examiner": ["未参加本批次考评"]})
    proposal = SanctionProposal.objects.create(
        examiner=examiner,
        institution_id=batch.institution_id,
        batch=batch,
        ground=ground,
        source=P.Source.INSTITUTION if institution_user else P.Source.SUPERVISOR,
        facts=facts,
        proposed_sanction=proposed,
        proposed_at=timezone.now(),
        proposed_by=actor,
    )
    audit.record(
        actor=actor, action="exams.sanction_proposal.raise", obj=proposal, after=audit.snapshot(proposal)
    )
    return proposal


def _revoke(actor: Any, examiner: Examiner, reason: str) -> None:
    """取消考评人员资格 through the people app: revoke every live card, take the examiner off the register."""
    from dudao.people import services as people

    for card in ExaminerCard.objects.filter(examiner=examiner, status__in=LIVE_CARD):
        people.examiner_card_set_status(
            actor=actor, card=card, to=CardStatus.REVOKED, reason=reason, row_version=card.row_version
        )
    examiner.refresh_from_db()
    if examiner.is_active:
        people.examiner_set_status(
            actor=actor, examiner=examiner, to="inactive", reason=reason, row_version=examiner.row_version
        )


@transaction.atomic
def proposal_confirm(
    *, actor: Any, proposal: SanctionProposal, sanction: Any, reason: Any, row_version: Any
) -> SanctionProposal:
    """The authority decides: warning, public criticism or revocation (which revokes the examiner's cards
    and takes him off the register through the people app)."""
    proposal = lock_version(proposal, row_version)
    require(may_decide(actor, proposal), DECIDERS_ONLY)
    if sanction not in P.Sanction.values:
        raise fail("sanction", "请选择处理决定")
    reason = checked_text(reason, "reason", "决定理由", limit=500)
    if sanction == rules.REVOCATION and not can_change_examiner(actor, proposal.examiner):
        # the card and the register belong to the authority that manages the examiner (people app)
        raise PermissionDenied("取消考评人员资格须由管理该考评员的委派机构决定")
    transition(
        proposal,
        P.Status.CONFIRMED,
        actor=actor,
        table=SANCTION_TRANSITIONS,
        action="exams.sanction_proposal.confirm",
        noun="处理建议",
        changes={
            "sanction": sanction,
            "decision_reason": reason,
            "decided_at": timezone.now(),
            "decided_by": actor,
        },
    )
    if sanction == rules.REVOCATION:
        _revoke(actor, proposal.examiner, f"取消考评人员资格:{reason}"[:255])
    return proposal


@transaction.atomic
def proposal_dismiss(
    *, actor: Any, proposal: SanctionProposal, reason: Any, row_version: Any
) -> SanctionProposal:
    proposal = lock_version(proposal, row_version)
    require(may_decide(actor, proposal), DECIDERS_ONLY)
    reason = checked_text(reason, "reason", "不予处理的理由", limit=500)
    return transition(
        proposal,
        P.Status.DISMISSED,
        actor=actor,
        table=SANCTION_TRANSITIONS,
        action="exams.sanction_proposal.dismiss",
        noun="处理建议",
        changes={
            "decision_reason": reason,
            "decided_at": timezone.now(),
            "decided_by": actor,
        },
    )


@transaction.atomic
def appeal_file(*, actor: Any, proposal: SanctionProposal, text: Any) -> SanctionAppeal:
    """申诉 (EXAM-19): the examiner, in writing, once per proposal, while proposed or after a sanction."""
    proposal = lock(proposal)
    require(is_subject(actor, proposal), "只有被提出处理的考评员本人可以申诉")
    if proposal.status == P.Status.DISMISSED:
        raise IllegalTransition("该处理建议已不予处理,无需申诉")
    if SanctionAppeal.objects.filter(proposal=proposal).exists():
        raise Conflict("已提出过申诉", code="appeal_exists")
    body = checked_text(text, "text", "申诉理由", limit=2000)
    with unique_or_conflict("已提出过申诉", "proposal"):
        appeal = SanctionAppeal.objects.create(
            proposal=proposal, text=body, filed_at=timezone.now(), filed_by=actor
        )
    audit.record(actor=actor, action="exams.sanction_appeal.file", obj=appeal, after=audit.snapshot(appeal))
    return appeal
