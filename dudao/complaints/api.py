"""API of the complaints app. Public (no account): file a complaint, follow it with code and secret.

Paths sit at the root of /api/v1 as the contract names them (/public/complaints)."""

from __future__ import annotations

from ninja import Query, Router, Status

from dudao.common.pagination import paginate

from . import follow_up, handling, public_limits, selectors, services, statistics
from .schemas import (
    ComplaintConcernedIn,
    ComplaintDecisionIn,
    ComplaintDetailOut,
    ComplaintDispositionIn,
    ComplaintFiledOut,
    ComplaintFilerOut,
    ComplaintFilters,
    ComplaintFindingIn,
    ComplaintHandlerIn,
    ComplaintImposeIn,
    ComplaintIn,
    ComplaintPage,
    ComplaintPublicOut,
    ComplaintReplyIn,
    ComplaintSpecialTaskIn,
    ComplaintStatisticsOut,
    ComplaintVersionIn,
)

router = Router(tags=["complaints"])


@router.post("/public/complaints", response={201: ComplaintFiledOut}, auth=None, summary="公开:提交投诉举报")
def complaint_file(request, payload: ComplaintIn):
    """Anonymous or named; the answer's `code` and `secret` are the only way to follow the complaint."""
    public_limits.filing(request)
    contact = payload.contact
    complaint, secret = services.complaint_file(
        institution=payload.institution,
        category=payload.category,
        content=payload.content,
        anonymous=payload.anonymous,
        contact_name=contact.name if contact else "",
        contact_phone=contact.phone if contact else "",
    )
    return Status(201, {"code": complaint.code, "secret": secret})


@router.get(
    "/public/complaints/statistics",
    response=ComplaintStatisticsOut,
    auth=None,
    summary="公开:投诉举报办理统计(按地区和月份)",
)
def complaint_statistics(request, region: str = "", year: str = "", month: str = ""):
    """Counts only (received, handled on time, verified) per authority's region and month of receipt;
    `region` is a 6-digit region code (that region and below), `year` defaults to this year. Declared
    before /{code} so that the path is not taken for a tracking code."""
    return statistics.public_statistics(region=region, year=year, month=month)


@router.get(
    "/public/complaints/{code}",
    response=ComplaintPublicOut,
    auth=None,
    summary="公开:凭查询码和密码查询投诉进展",
)
def complaint_follow(request, code: str, secret: str = ""):
    """Status and public reply only; an unknown code and a wrong secret give the same 404."""
    public_limits.follow(request)
    return services.public_view(services.complaint_follow(code, secret))


# ----------------------------------------------------------------------------------- the authority
staff_router = Router(tags=["complaints"])


def _row(c) -> dict:
    return {
        "id": c.pk,
        "code": c.code,
        "institution": c.institution_id,
        "institution_name": c.institution.name,
        "category": c.category,
        "category_label": c.get_category_display(),
        "anonymous": c.anonymous,
        "status": c.status,
        "status_label": c.get_status_display(),
        "received_at": c.received_at,
        "accept_by": c.accept_by,
        "accept_by_provisional": c.accept_by_provisional,
        "result_by": c.result_by,
        "result_by_provisional": c.result_by_provisional,
        "row_version": c.row_version,
    }


def _detail(c) -> dict:
    handlers = c.handlers.select_related("user").order_by("assigned_at", "id")
    return _row(c) | {
        "content": c.content,
        "decision_reason": c.decision_reason,
        "public_reply": c.public_reply,
        "handlers": [
            {"user": h.user_id, "name": h.user.display_name or h.user.username, "assigned_at": h.assigned_at}
            for h in handlers
        ],
        "persons_concerned": sorted(c.persons_concerned.values_list("pk", flat=True)),
        "finding": c.finding,
        "finding_text": c.finding_text,
        "disposition": c.disposition,
        "disposition_note": c.disposition_note,
        "penalty_measure": c.penalty_measure,
        "penalty_ground": c.penalty_ground,
        "penalty": c.penalty_id,
        "task": c.task_id,
        "task_number": c.task.number if c.task_id else None,
    }


@staff_router.get("", response=ComplaintPage, summary="投诉列表(本地区评价机构)")
def complaint_list(request, filters: Query[ComplaintFilters]):
    qs = selectors.complaints_for(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status[:16])
    page = paginate(qs.order_by("status", "accept_by", "-id"), filters.page, filters.page_size)
    page.items = [_row(c) for c in page.items]
    return page.as_dict()


@staff_router.get("/{int:pk}", response=ComplaintDetailOut, summary="投诉详情(不含投诉人信息)")
def complaint_detail(request, pk: int):
    return _detail(selectors.complaint_get(request.user, pk))


@staff_router.post("/{int:pk}/decision", response=ComplaintDetailOut, summary="受理或不予受理投诉(须填理由)")
def complaint_decide(request, pk: int, payload: ComplaintDecisionIn):
    """`action`: accept | decline; a decline's reason is the reply the filer reads."""
    complaint = selectors.complaint_get(request.user, pk)
    action = payload.action if payload.action in ("accept", "decline") else "accept_or_decline"
    services.complaint_decide(
        actor=request.user,
        complaint=complaint,
        action=action,
        reason=payload.reason,
        row_version=payload.row_version,
    )
    return _detail(selectors.complaint_get(request.user, pk))


@staff_router.post(
    "/{int:pk}/filer", response=ComplaintFilerOut, summary="查看投诉人信息(有权人员,记入审计日志)"
)
def complaint_filer(request, pk: int):
    return services.complaint_filer(actor=request.user, complaint=selectors.complaint_get(request.user, pk))


# ------------------------------------------------------------------------- the handling (COMPL-2/3)
def _handled(request, pk: int, write, **kwargs) -> dict:
    complaint = selectors.complaint_get(request.user, pk)
    write(actor=request.user, complaint=complaint, **kwargs)
    return _detail(selectors.complaint_get(request.user, pk))


@staff_router.post(
    "/{int:pk}/handlers", response=ComplaintDetailOut, summary="指定办理人员(须回避者不能指定)"
)
def complaint_handler_assign(request, pk: int, payload: ComplaintHandlerIn):
    return _handled(
        request, pk, handling.complaint_handler_assign, user=payload.user, row_version=payload.row_version
    )


@staff_router.post("/{int:pk}/handlers/remove", response=ComplaintDetailOut, summary="撤换办理人员")
def complaint_handler_remove(request, pk: int, payload: ComplaintHandlerIn):
    return _handled(
        request, pk, handling.complaint_handler_remove, user=payload.user, row_version=payload.row_version
    )


@staff_router.post("/{int:pk}/concerned", response=ComplaintDetailOut, summary="记录被投诉的考评员、督导员")
def complaint_set_concerned(request, pk: int, payload: ComplaintConcernedIn):
    return _handled(
        request,
        pk,
        handling.complaint_set_concerned,
        examiners=payload.examiners,
        supervisors=payload.supervisors,
        row_version=payload.row_version,
    )


@staff_router.post("/{int:pk}/investigate", response=ComplaintDetailOut, summary="开始调查")
def complaint_investigate(request, pk: int, payload: ComplaintVersionIn):
    return _handled(request, pk, handling.complaint_investigate, row_version=payload.row_version)


@staff_router.post("/{int:pk}/finding", response=ComplaintDetailOut, summary="记录调查结论(查实/未查实)")
def complaint_find(request, pk: int, payload: ComplaintFindingIn):
    return _handled(
        request,
        pk,
        handling.complaint_find,
        finding=payload.finding,
        text=payload.text,
        row_version=payload.row_version,
    )


@staff_router.post("/{int:pk}/disposition", response=ComplaintDetailOut, summary="作出处理(含处理建议)")
def complaint_dispose(request, pk: int, payload: ComplaintDispositionIn):
    return _handled(
        request,
        pk,
        handling.complaint_dispose,
        disposition=payload.disposition,
        note=payload.note,
        measure=payload.measure,
        ground=payload.ground,
        row_version=payload.row_version,
    )


@staff_router.post("/{int:pk}/reply", response=ComplaintDetailOut, summary="答复投诉人(投诉人凭查询码查看)")
def complaint_reply(request, pk: int, payload: ComplaintReplyIn):
    return _handled(
        request, pk, handling.complaint_reply, reply=payload.reply, row_version=payload.row_version
    )


@staff_router.post("/{int:pk}/close", response=ComplaintDetailOut, summary="办结")
def complaint_close(request, pk: int, payload: ComplaintVersionIn):
    return _handled(request, pk, handling.complaint_close, row_version=payload.row_version)


@staff_router.post(
    "/{int:pk}/special-task", response=ComplaintDetailOut, summary="根据投诉派出专项督导(调查中)"
)
def complaint_dispatch_special(request, pk: int, payload: ComplaintSpecialTaskIn):
    return _handled(
        request,
        pk,
        follow_up.complaint_dispatch_special,
        supervisors=payload.supervisors,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        items=payload.items,
        group_reason=payload.group_reason,
        leader=payload.leader,
        row_version=payload.row_version,
    )


@staff_router.post(
    "/{int:pk}/penalty", response=ComplaintDetailOut, summary="按投诉的处理建议作出处理决定(人社部门管理员)"
)
def complaint_impose_penalty(request, pk: int, payload: ComplaintImposeIn):
    return _handled(
        request,
        pk,
        follow_up.complaint_impose_penalty,
        row_version=payload.row_version,
        escalated_from=payload.escalated_from,
        serious=payload.serious,
        serious_reason=payload.serious_reason,
        responsible_persons=payload.responsible_persons,
    )
