"""API of the flags (issue 13 item 1): authority users of the region (and superusers) list, read, confirm and
dismiss; everyone else gets 403 on the list and 404 on a flag. Same services as the pages."""

from __future__ import annotations

from ninja import Query, Router

from dudao.common.errors import NotFound, PermissionDenied
from dudao.common.pagination import paginate

from . import permissions, presenters, selectors, services
from .models import Flag
from .schemas import FlagConfirmIn, FlagDetailOut, FlagDismissIn, FlagFilters, FlagPage

router = Router(tags=["analytics"])


def _row(f: Flag) -> dict:
    return {
        "id": f.pk,
        "kind": f.kind,
        "kind_label": f.get_kind_display(),
        "source": f.source,
        "institution": f.institution_id,
        "institution_name": f.institution.name if f.institution_id else None,
        "batch": f.batch_id,
        "batch_code": f.batch.code if f.batch_id else None,
        "examiner": f.examiner_id,
        "examiner_name": f.examiner.person.name if f.examiner_id else None,
        "subject_key": f.subject_key,
        "period_start": f.period_start,
        "period_end": f.period_end,
        "statistic": f.statistic,
        "p_value": f.p_value,
        "summary": presenters.summary(f),
        "status": f.status,
        "status_label": f.get_status_display(),
        "created_at": f.created_at,
        "row_version": f.row_version,
    }


def _detail(f: Flag) -> dict:
    return _row(f) | {
        "evidence": f.evidence,
        "fingerprint": f.fingerprint,
        "reason": f.reason,
        "reviewer": f.reviewer_id,
        "reviewed_at": f.reviewed_at,
        "task": f.task_id,
        "task_number": f.task.number if f.task_id else None,
        "complaint": f.complaint_id,
    }


def _get(request, pk: int) -> Flag:
    try:
        return selectors.flags_for(request.user).get(pk=pk)
    except Flag.DoesNotExist:
        raise NotFound() from None


@router.get("/flags", response=FlagPage, summary="数据比对疑点列表(本地区)")
def flag_list(request, filters: Query[FlagFilters]):
    if not permissions.may_see_flags(request.user):
        raise PermissionDenied("只有人社部门工作人员可以查看数据比对疑点")
    qs = selectors.filtered(
        selectors.flags_for(request.user),
        kind=filters.kind[:32],
        status=filters.status[:16],
        institution=filters.institution[:20],
    )
    page = paginate(selectors.review_order(qs), filters.page, filters.page_size)
    page.items = [_row(f) for f in page.items]
    return page.as_dict()


@router.get("/flags/{int:pk}", response=FlagDetailOut, summary="数据比对疑点详情(含依据)")
def flag_detail(request, pk: int):
    return _detail(_get(request, pk))


@router.post("/flags/{int:pk}/dismiss", response=FlagDetailOut, summary="排除疑点(须填理由)")
def flag_dismiss(request, pk: int, payload: FlagDismissIn):
    services.flag_dismiss(
        actor=request.user, flag=_get(request, pk), reason=payload.reason, row_version=payload.row_version
    )
    return _detail(_get(request, pk))


@router.post("/flags/{int:pk}/confirm", response=FlagDetailOut, summary="确认疑点(派发专项督导或关联投诉)")
def flag_confirm(request, pk: int, payload: FlagConfirmIn):
    services.flag_confirm(
        actor=request.user,
        flag=_get(request, pk),
        row_version=payload.row_version,
        reason=payload.reason,
        supervisors=payload.supervisors,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        items=payload.items,
        group_reason=payload.group_reason,
        leader=payload.leader,
        complaint=payload.complaint,
    )
    return _detail(_get(request, pk))
