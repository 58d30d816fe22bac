"""API router of the renewals app (mounted at /api/v1/renewals): the same services as the pages.

Reads go through selectors (outside the user's scope → 404); writes through services (REN-7: only the
authority holding the filing decides → 403 for others in scope). Documents download as DOCX or PDF.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from dudao.common.errors import NotFound, ValidationFailed
from dudao.common.pagination import paginate
from dudao.documents.responses import document_response
from dudao.registry.models import Authority
from dudao.workdays import selectors as workdays_selectors

from . import documents, selectors, services
from . import schemas as s

router = Router(tags=["renewals"])


def _with_deadline(app, calendar=None):
    app.deadline_info = selectors.deadline_label(app, calendar=calendar)
    return app


@router.get("/applications", response=s.ApplicationPage, summary="延续备案申请列表(办理队列)")
def list_applications(request, filters: Query[s.ApplicationFilters]):
    qs = selectors.application_list(
        request.user,
        q=filters.q,
        status=filters.status,
        kind=filters.kind,
        deadline=filters.deadline,
        institution=filters.institution,
    )
    page = paginate(qs, filters.page, filters.page_size)
    calendar = workdays_selectors.calendar()
    page.items = [_with_deadline(app, calendar) for app in page.items]
    return page.as_dict()


@router.get("/applications/{int:pk}", response=s.ApplicationDetailOut, summary="延续备案申请详情")
def get_application(request, pk: int):
    return _with_deadline(selectors.application_get(request.user, pk))


@router.post("/applications", response={201: s.ApplicationDetailOut}, summary="提出延续备案申请")
def create_application(
    request,
    filing: Form[int],
    materials: Form[str],
    received_on: Form[str] = "",
    application_letter: File[list[UploadedFile]] = None,
    question_explanation: File[list[UploadedFile]] = None,
    expert_review: File[list[UploadedFile]] = None,
    legal_certificate: File[list[UploadedFile]] = None,
    other: File[list[UploadedFile]] = None,
):
    """multipart/form-data: `filing`, `materials` (申报表 JSON), one file field per material."""
    try:
        data: Any = json.loads(materials)
    except json.JSONDecodeError:
        raise ValidationFailed(
            "申报表(materials)不是有效的 JSON", detail={"materials": ["不是有效的 JSON"]}
        ) from None
    files = {
        "application_letter": application_letter,
        "question_explanation": question_explanation,
        "expert_review": expert_review,
        "legal_certificate": legal_certificate,
        "other": other,
    }
    app = services.renewal_apply(
        actor=request.user,
        filing=filing,
        materials=data,
        attachments={k: v for k, v in files.items() if v},
        received_on=received_on or None,
    )
    return Status(201, _with_deadline(selectors.application_get(request.user, app.pk)))


def _detail(request, app) -> Any:
    return _with_deadline(selectors.application_get(request.user, app.pk))


@router.post("/applications/{int:pk}/accept", response=s.ApplicationDetailOut, summary="受理")
def accept(request, pk: int, payload: s.VersionIn):
    return _detail(
        request, services.renewal_accept(actor=request.user, application=pk, row_version=payload.row_version)
    )


@router.post("/applications/{int:pk}/not-accept", response=s.ApplicationDetailOut, summary="不予受理")
def not_accept(request, pk: int, payload: s.RenewalReasonIn):
    app = services.renewal_not_accept(
        actor=request.user, application=pk, reason=payload.reason, row_version=payload.row_version
    )
    return _detail(request, app)


@router.post("/applications/{int:pk}/withdraw", response=s.ApplicationDetailOut, summary="撤回申请")
def withdraw(request, pk: int, payload: s.RenewalReasonIn):
    app = services.renewal_withdraw(
        actor=request.user, application=pk, reason=payload.reason, row_version=payload.row_version
    )
    return _detail(request, app)


@router.post(
    "/applications/{int:pk}/review",
    response=s.ApplicationDetailOut,
    summary="用人单位审核决定",  # REN-3
)
def review(request, pk: int, payload: s.ReviewIn):
    app = services.renewal_employer_decide(
        actor=request.user,
        application=pk,
        approve=payload.approve,
        opinion=payload.opinion,
        row_version=payload.row_version,
    )
    return _detail(request, app)


@router.post(
    "/applications/{int:pk}/evaluation",
    response=s.ApplicationDetailOut,
    summary="发起延续备案评估",  # REN-4
)
def open_evaluation(request, pk: int, payload: s.EvaluationIn):
    app = services.renewal_open_evaluation(
        actor=request.user,
        application=pk,
        leader=payload.leader,
        members=payload.members,
        row_version=payload.row_version,
    )
    return _detail(request, app)


@router.post(
    "/applications/{int:pk}/outcome",
    response=s.ApplicationDetailOut,
    summary="按评估结果作出决定",  # REN-4
)
def record_outcome(request, pk: int, payload: s.OutcomeIn):
    app = services.renewal_record_outcome(
        actor=request.user, application=pk, reason=payload.reason, row_version=payload.row_version
    )
    return _detail(request, app)


@router.post(
    "/applications/{int:pk}/bureau-review",
    response=s.ApplicationDetailOut,
    summary="两步办理:局审核评估机构的评估结果",
)
def bureau_review(request, pk: int, payload: s.BureauReviewIn):
    app = services.renewal_bureau_review(
        actor=request.user,
        application=pk,
        approve=payload.approve,
        opinion=payload.opinion,
        row_version=payload.row_version,
    )
    return _detail(request, app)


@router.post(
    "/applications/{int:pk}/termination",
    response={201: s.TerminationStartOut},
    summary="整改期满未完成整改:启动终止备案程序",  # REN-4
)
def start_termination(request, pk: int, payload: s.TerminationStartIn):
    row = services.renewal_start_termination(
        actor=request.user, application=pk, notice=payload.notice, row_version=payload.row_version
    )
    return Status(
        201,
        {
            "termination_id": row.pk,
            "status": row.status,
            "statement_due_on": row.statement_due_on,
            "statement_due_provisional": row.statement_due_provisional,
        },
    )


@router.get(
    "/applications/{int:pk}/documents/{kind}.{fmt}", summary="下载延续备案回执 / 整改通知书(DOCX、PDF)"
)
def download_document(request, pk: int, kind: str, fmt: str) -> HttpResponse:
    """`kind`: receipt 延续备案回执 | notice 整改通知书; `fmt`: docx | pdf."""
    if kind not in documents.KINDS or fmt not in ("docx", "pdf"):
        raise NotFound("文书不存在")
    app = selectors.application_get(request.user, pk)
    data, filename = documents.render(app, kind, fmt)
    return document_response(data, filename=filename)


@router.get("/applications/{int:pk}/attachments/{int:attachment_id}", summary="下载申请材料")
def download_attachment(request, pk: int, attachment_id: int) -> HttpResponse:
    row = selectors.attachment_get(request.user, pk, attachment_id)
    return row.serve(inline=False)


@router.get("/config/{int:authority_id}", response=s.ConfigOut, summary="延续备案设置")
def get_config(request, authority_id: int):
    authority = _authority(request, authority_id)
    config = selectors.config_for(authority)
    return {
        "authority_id": authority.pk,
        "renewal_years": config.renewal_years,
        "receipt_prefix": config.receipt_prefix,
        "notice_prefix": config.notice_prefix,
        "filing_prefix": config.filing_prefix,
        "evaluation_centre_id": config.evaluation_centre_id,
        "row_version": config.row_version,
    }


@router.put(
    "/config/{int:authority_id}", response=s.ConfigOut, summary="修改延续备案设置(续期年限、文号前缀)"
)
def put_config(request, authority_id: int, payload: s.ConfigIn):
    authority = _authority(request, authority_id)
    services.renewal_config_save(
        actor=request.user,
        authority=authority,
        renewal_years=payload.renewal_years,
        receipt_prefix=payload.receipt_prefix or services.domain.DEFAULT_RECEIPT_PREFIX,
        notice_prefix=payload.notice_prefix or services.domain.DEFAULT_NOTICE_PREFIX,
        filing_prefix=payload.filing_prefix,
        evaluation_centre=services.KEEP
        if payload.evaluation_centre_id == -1
        else payload.evaluation_centre_id,
        row_version=payload.row_version,
    )
    return get_config(request, authority_id)


def _authority(request, authority_id: int) -> Authority:
    from dudao.registry import selectors as registry_selectors

    try:
        return registry_selectors.authorities_for(request.user).get(pk=authority_id)
    except Authority.DoesNotExist:
        raise NotFound("委派机构不存在或无权查看") from None


# ---------------------------------------------------------------------------------------------- new filings


@router.get("/filing-applications", response=s.FilingApplicationPage, summary="新备案申请列表")
def list_filing_applications(request, status: str = "", page: int = 1, page_size: int = 20):
    qs = selectors.filing_applications_for(request.user).select_related("institution")
    if status:
        qs = qs.filter(status=status)
    return paginate(qs.order_by("-submitted_at", "-id"), page, page_size).as_dict()


@router.get("/filing-applications/{int:pk}", response=s.FilingApplicationOut, summary="新备案申请详情")
def get_filing_application(request, pk: int):
    return selectors.filing_application_get(request.user, pk)


@router.post("/filing-applications", response={201: s.FilingApplicationOut}, summary="提出新备案申请")
def create_filing_application(
    request,
    institution: Form[int],
    scope: Form[str],
    previous_filing: Form[int | None] = None,
    materials: Form[str] = "{}",
    application_letter: File[list[UploadedFile]] = None,
    legal_certificate: File[list[UploadedFile]] = None,
    question_explanation: File[list[UploadedFile]] = None,
    expert_review: File[list[UploadedFile]] = None,
    other: File[list[UploadedFile]] = None,
):
    """multipart/form-data: `institution`, `scope` (JSON list of {occupation, work_type, levels}),
    optional `previous_filing` (a late renewal, REN-6), `materials` (JSON: contact_name, contact_phone,
    summary), one file field per material (`application_letter` required)."""
    scope_rows: Any = _json_field(scope, "scope", "申请备案范围")
    extra: Any = _json_field(materials or "{}", "materials", "申报材料")
    if not isinstance(extra, dict):
        raise ValidationFailed("申报材料(materials)应为 JSON 对象", detail={"materials": ["应为 JSON 对象"]})
    files = {
        "application_letter": application_letter,
        "legal_certificate": legal_certificate,
        "question_explanation": question_explanation,
        "expert_review": expert_review,
        "other": other,
    }
    app = services.filing_application_submit(
        actor=request.user,
        institution=institution,
        scope=scope_rows,
        materials=extra,
        previous_filing=previous_filing,
        attachments={k: v for k, v in files.items() if v},
    )
    return Status(201, selectors.filing_application_get(request.user, app.pk))


@router.post(
    "/filing-applications/{int:pk}/review",
    response=s.FilingApplicationOut,
    summary="审核新备案申请(受理 / 退回补正 / 不予受理)",
)
def review_filing_application(request, pk: int, payload: s.FilingReviewIn):
    services.filing_application_review(
        actor=request.user,
        application=pk,
        decision=payload.decision,
        note=payload.note,
        row_version=payload.row_version,
    )
    return selectors.filing_application_get(request.user, pk)


@router.post(
    "/filing-applications/{int:pk}/resubmit", response=s.FilingApplicationOut, summary="补正后重新提交"
)
def resubmit_filing_application(
    request,
    pk: int,
    row_version: Form[int],
    legal_certificate: File[list[UploadedFile]] = None,
    question_explanation: File[list[UploadedFile]] = None,
    expert_review: File[list[UploadedFile]] = None,
    other: File[list[UploadedFile]] = None,
):
    files = {
        "legal_certificate": legal_certificate,
        "question_explanation": question_explanation,
        "expert_review": expert_review,
        "other": other,
    }
    services.filing_application_resubmit(
        actor=request.user,
        application=pk,
        row_version=row_version,
        attachments={k: v for k, v in files.items() if v},
    )
    return selectors.filing_application_get(request.user, pk)


@router.post(
    "/filing-applications/{int:pk}/withdraw", response=s.FilingApplicationOut, summary="撤回新备案申请"
)
def withdraw_filing_application(request, pk: int, payload: s.VersionIn):
    services.filing_application_withdraw(actor=request.user, application=pk, row_version=payload.row_version)
    return selectors.filing_application_get(request.user, pk)


@router.post(
    "/filing-applications/{int:pk}/site-evaluation", response=s.FilingApplicationOut, summary="记录现场评估"
)
def site_evaluation(request, pk: int, payload: s.SiteEvaluationIn):
    services.filing_application_record_site(
        actor=request.user,
        application=pk,
        visited_on=payload.visited_on,
        evaluators=payload.evaluators,
        passed=payload.passed,
        notes=payload.notes,
        row_version=payload.row_version,
    )
    return selectors.filing_application_get(request.user, pk)


@router.post(
    "/filing-applications/{int:pk}/decision",
    response=s.FilingApplicationOut,
    summary="准予备案(建立备案、出具回执)/ 不予备案",
)
def decide_filing_application(request, pk: int, payload: s.FilingDecisionIn):
    services.filing_application_decide(
        actor=request.user,
        application=pk,
        approve=payload.approve,
        number=payload.number,
        note=payload.note,
        row_version=payload.row_version,
    )
    return selectors.filing_application_get(request.user, pk)


@router.get("/filing-applications/{int:pk}/receipt.{fmt}", summary="下载备案回执(DOCX、PDF)")
def filing_receipt(request, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("docx", "pdf"):
        raise NotFound("文书不存在")
    app = selectors.filing_application_get(request.user, pk)
    data, filename = documents.render_filing_receipt(app, fmt)
    return document_response(data, filename=filename)


def _json_field(value: str, field: str, label: str) -> Any:
    """A multipart field holding JSON, refused with the field's Chinese name when it is not JSON."""
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise ValidationFailed(
            f"{label}({field})不是有效的 JSON", detail={field: ["不是有效的 JSON"]}
        ) from None
