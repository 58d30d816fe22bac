"""API of examiner conduct (issue 11 point 5; EXAM-10, EXAM-19), mounted at /api/v1/exams/conduct. The same
services as the pages; scoped reads, out of scope → 404, in scope without the right → 403."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from dudao.common.errors import NotFound
from dudao.common.pagination import paginate
from dudao.people.models import Examiner

from . import schemas_conduct as s
from . import selectors
from .models import RoomStaff
from .models_conduct import SanctionAppeal, SanctionProposal
from .selectors_conduct import (
    attendance_room_get,
    duty_get,
    own_proposals,
    proposal_get,
    proposals_for,
    room_duties,
    search_proposals,
)
from .services import conduct as services

router = Router(tags=["examiner-conduct"])


def _attendance(duty: RoomStaff) -> dict[str, Any] | None:
    att = getattr(duty, "attendance", None)
    if att is None:
        return None
    return {
        "status": att.status,
        "late_minutes": att.late_minutes,
        "source": att.source,
        "recorded_at": att.recorded_at,
        "excused": att.excused,
        "excuse_reason": att.excuse_reason,
        "row_version": att.row_version,
    }


def _duty_out(duty: RoomStaff) -> dict[str, Any]:
    return {
        "id": duty.pk,
        "examiner_id": duty.examiner_id,
        "examiner_name": duty.examiner.person.name,
        "room_id": duty.room_id,
        "room_name": duty.room.name,
        "session_starts_at": duty.room.session.starts_at,
        "replaced": duty.replaced_by_id is not None,
        "replace_reason": duty.replace_reason,
        "attendance": _attendance(duty),
    }


def _duty(request, pk: int) -> RoomStaff:
    return duty_get(request.user, pk)


@router.get("/rooms/{int:pk}/duties", response=list[s.DutyOut], summary="考场考评人员及到岗情况")
def list_duties(request, pk: int):
    room = attendance_room_get(request.user, pk)
    return [_duty_out(d) for d in room_duties(room)]


@router.post("/duties/{int:pk}/attendance", response=s.DutyOut, summary="登记考评员到岗情况")
def record_attendance(request, pk: int, payload: s.AttendanceIn):
    duty = _duty(request, pk)
    services.attendance_record(
        actor=request.user, duty=duty, status=payload.status, late_minutes=payload.late_minutes
    )
    return _duty_out(RoomStaff.objects.select_related("attendance", "room__session").get(pk=duty.pk))


@router.post("/duties/{int:pk}/excuse", response=s.DutyOut, summary="认可缺席或迟到的理由(机构管理员)")
def excuse_attendance(request, pk: int, payload: s.ExcuseIn):
    duty = _duty(request, pk)
    services.attendance_excuse(actor=request.user, duty=duty, reason=payload.reason)
    return _duty_out(RoomStaff.objects.select_related("attendance", "room__session").get(pk=duty.pk))


def _out(p: SanctionProposal) -> dict[str, Any]:
    appeal = SanctionAppeal.objects.filter(proposal=p).first()
    return {
        "id": p.pk,
        "examiner_id": p.examiner_id,
        "examiner_name": p.examiner.person.name,
        "institution_id": p.institution_id,
        "institution_name": p.institution.name,
        "batch_id": p.batch_id,
        "ground": p.ground,
        "ground_label": p.get_ground_display(),
        "source": p.source,
        "facts": p.facts,
        "proposed_sanction": p.proposed_sanction,
        "proposed_at": p.proposed_at,
        "status": p.status,
        "status_label": p.get_status_display(),
        "sanction": p.sanction,
        "decision_reason": p.decision_reason,
        "decided_at": p.decided_at,
        "duty_ids": sorted(p.duties.values_list("id", flat=True)),
        "appeal": {"text": appeal.text, "filed_at": appeal.filed_at} if appeal else None,
        "row_version": p.row_version,
    }


def _page(qs, filters: s.ProposalFilters) -> dict[str, Any]:
    qs = search_proposals(qs, status=filters.status, ground=filters.ground, q=filters.q)
    page = paginate(qs.order_by("-proposed_at", "-id"), filters.page, filters.page_size)
    return {**page.as_dict(), "items": [_out(p) for p in page.items]}


@router.get("/proposals", response=s.ProposalPage, summary="考评人员处理建议列表(本人范围)")
def list_proposals(request, filters: Query[s.ProposalFilters]):
    return _page(proposals_for(request.user), filters)


@router.get("/mine", response=s.ProposalPage, summary="考评员本人的处理建议与决定")
def my_proposals(request, filters: Query[s.ProposalFilters]):
    return _page(own_proposals(request.user), filters)


@router.post("/proposals", response={201: s.ProposalOut}, summary="提出处理建议(机构工作人员、在岗督导员)")
def raise_proposal(request, payload: s.ProposalIn):
    plan = selectors.plans_for(request.user).filter(batch_id=payload.batch).select_related("batch").first()
    batch = plan.batch if plan else None
    examiner = Examiner.objects.filter(pk=payload.examiner).select_related("person").first()
    if batch is None or examiner is None:
        raise NotFound("批次或考评员不存在或无权查看")
    proposal = services.proposal_raise(
        actor=request.user,
        examiner=examiner,
        batch=batch,
        ground=payload.ground,
        facts=payload.facts,
        sanction=payload.sanction or None,
    )
    return Status(201, _out(proposal))


@router.get("/proposals/{int:pk}", response=s.ProposalOut, summary="处理建议详情")
def get_proposal(request, pk: int):
    return _out(proposal_get(request.user, pk))


@router.post("/proposals/{int:pk}/confirm", response=s.ProposalOut, summary="决定处理(委派机构)")
def confirm_proposal(request, pk: int, payload: s.ConfirmIn):
    proposal = services.proposal_confirm(
        actor=request.user,
        proposal=proposal_get(request.user, pk),
        sanction=payload.sanction,
        reason=payload.reason,
        row_version=payload.row_version,
    )
    return _out(proposal_get(request.user, proposal.pk))


@router.post("/proposals/{int:pk}/dismiss", response=s.ProposalOut, summary="不予处理(委派机构,写明理由)")
def dismiss_proposal(request, pk: int, payload: s.DismissIn):
    proposal = services.proposal_dismiss(
        actor=request.user,
        proposal=proposal_get(request.user, pk),
        reason=payload.reason,
        row_version=payload.row_version,
    )
    return _out(proposal_get(request.user, proposal.pk))


@router.post("/proposals/{int:pk}/appeal", response={201: s.AppealOut}, summary="考评员申诉")
def appeal_proposal(request, pk: int, payload: s.AppealIn):
    appeal = services.appeal_file(
        actor=request.user, proposal=proposal_get(request.user, pk), text=payload.text
    )
    return Status(201, {"text": appeal.text, "filed_at": appeal.filed_at})
