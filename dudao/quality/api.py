"""API of quality reports (QUAL-1) at /api/v1/quality: the authority's reports, the ranking, publication,
the institutions' confirmations and correction requests, and the 通报 (DOCX, PDF)."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Status

from dudao.common.errors import NotFound
from dudao.common.pagination import paginate
from dudao.documents.responses import document_response

from . import documents, permissions, selectors, services
from .models import CampaignEntry, QualityCampaign, QualityReport
from .schemas import (
    CampaignDetailOut,
    CampaignFilters,
    CampaignIn,
    CampaignPage,
    CampaignSampleIn,
    QualityCorrectionIn,
    QualityDecisionIn,
    QualityReportDetailOut,
    QualityReportFilters,
    QualityReportIn,
    QualityReportPage,
    QualityResponseOut,
    QualityVersionIn,
    SelfInspectionIn,
    SelfInspectionOut,
)

router = Router(tags=["quality"])


def _row(r: QualityReport) -> dict:
    return {
        "id": r.pk,
        "number": r.number,
        "authority": r.authority_id,
        "authority_name": r.authority.name,
        "period_start": r.period_start,
        "period_end": r.period_end,
        "status": r.status,
        "status_label": r.get_status_display(),
        "computed_at": r.computed_at,
        "published_at": r.published_at,
        "confirm_by": r.confirm_by,
        "confirm_by_provisional": r.confirm_by_provisional,
        "previous": r.previous_id,
        "row_version": r.row_version,
    }


def _response(a) -> dict:
    return {
        "id": a.pk,
        "institution_id": a.institution_id,
        "status": a.status,
        "status_label": a.get_status_display(),
        "reason": a.reason,
        "decision_reason": a.decision_reason,
        "responded_at": a.responded_at,
    }


def _detail(user, report: QualityReport) -> dict:
    """The whole ranking for the authority; an institution's own row and answer only."""
    answers = selectors.responses_of(report)
    if permissions.sees_all_rows(user, report):
        rows, mine = report.figures, list(answers.values())
    else:
        own = report.row_of(user.institution_id)
        rows = [own] if own else []
        mine = [answers[user.institution_id]] if user.institution_id in answers else []
    return _row(report) | {"rows": rows, "responses": [_response(a) for a in mine]}


@router.get("/reports", response=QualityReportPage, summary="质量通报列表")
def report_list(request, filters: Query[QualityReportFilters]):
    qs = selectors.reports_for(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status[:16])
    page = paginate(qs, filters.page, filters.page_size)
    page.items = [_row(r) for r in page.items]
    return page.as_dict()


@router.post("/reports", response={201: QualityReportDetailOut}, summary="编制质量通报(按统计期间计算指标)")
def report_create(request, payload: QualityReportIn):
    report = services.report_create(
        actor=request.user, period_start=payload.period_start, period_end=payload.period_end
    )
    return Status(201, _detail(request.user, report))


@router.get("/reports/{int:pk}", response=QualityReportDetailOut, summary="质量通报详情(排名;机构只见本机构)")
def report_detail(request, pk: int):
    return _detail(request.user, selectors.report_get(request.user, pk))


@router.post("/reports/{int:pk}/recompute", response=QualityReportDetailOut, summary="重新统计草稿的指标")
def report_recompute(request, pk: int, payload: QualityVersionIn):
    report = selectors.report_get(request.user, pk)
    report = services.report_recompute(actor=request.user, report=report, row_version=payload.row_version)
    return _detail(request.user, report)


@router.post("/reports/{int:pk}/publish", response=QualityReportDetailOut, summary="发布质量通报")
def report_publish(request, pk: int, payload: QualityVersionIn):
    report = selectors.report_get(request.user, pk)
    report = services.report_publish(actor=request.user, report=report, row_version=payload.row_version)
    return _detail(request.user, report)


@router.post("/reports/{int:pk}/close", response=QualityReportDetailOut, summary="办结质量通报")
def report_close(request, pk: int, payload: QualityVersionIn):
    report = selectors.report_get(request.user, pk)
    report = services.report_close(actor=request.user, report=report, row_version=payload.row_version)
    return _detail(request.user, report)


@router.post("/reports/{int:pk}/correct", response={201: QualityReportDetailOut}, summary="生成更正版通报")
def report_correct(request, pk: int):
    previous = selectors.report_get(request.user, pk)
    report = services.report_create(
        actor=request.user,
        period_start=previous.period_start,
        period_end=previous.period_end,
        previous=previous,
    )
    return Status(201, _detail(request.user, report))


@router.post("/reports/{int:pk}/confirm", response=QualityResponseOut, summary="机构确认本机构数据")
def response_confirm(request, pk: int):
    report = selectors.report_get(request.user, pk)
    return _response(services.response_confirm(actor=request.user, report=report))


@router.post("/reports/{int:pk}/correction", response=QualityResponseOut, summary="机构申请更正本机构数据")
def response_correction(request, pk: int, payload: QualityCorrectionIn):
    report = selectors.report_get(request.user, pk)
    answer = services.response_request_correction(actor=request.user, report=report, reason=payload.reason)
    return _response(answer)


@router.post(
    "/reports/{int:pk}/responses/{int:response_id}/decision",
    response=QualityResponseOut,
    summary="审核机构的更正申请(采纳或不采纳)",
)
def response_decide(request, pk: int, response_id: int, payload: QualityDecisionIn):
    report = selectors.report_get(request.user, pk)
    answer = services.response_decide(
        actor=request.user, report=report, response=response_id, action=payload.action, reason=payload.reason
    )
    return _response(answer)


@router.get("/reports/{int:pk}/document.{fmt}", summary="下载质量通报(DOCX、PDF)")
def report_document(request, pk: int, fmt: str) -> HttpResponse:
    """`fmt`: docx | pdf. The ranking names every institution: the authority's users only."""
    report = selectors.report_get(request.user, pk)
    if fmt not in ("docx", "pdf") or not permissions.sees_all_rows(request.user, report):
        raise NotFound("文书不存在")
    data, filename = documents.render(report, fmt)
    return document_response(data, filename=filename)


# ------------------------------------------------------------------ yearly inspection campaign (QUAL-3)


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _campaign(c: QualityCampaign) -> dict:
    return {
        "id": c.pk,
        "authority": c.authority_id,
        "authority_name": c.authority.name,
        "year": c.year,
        "title": c.title,
        "status": c.status,
        "status_label": c.get_status_display(),
        "form": f"{c.form_version.form_id} 第 {c.form_version.version} 版",
        "self_workdays": c.self_workdays,
        "self_due": c.self_due,
        "self_due_provisional": c.self_due_provisional,
        "sample_size": c.sample_size,
        "sample_seed": c.sample_seed if c.status != QualityCampaign.Status.DRAFT else "",
        "row_version": c.row_version,
    }


def _campaign_detail(c: QualityCampaign) -> dict:
    rows = [
        r | {k: _money(r[k]) for k in ("self_total", "external_total", "gap")}
        for r in selectors.campaign_results(c)
    ]
    return _campaign(c) | {"results": rows}


def _self(e: CampaignEntry) -> dict:
    return {
        "id": e.pk,
        "campaign": e.campaign_id,
        "campaign_title": e.campaign.title,
        "campaign_status": e.campaign.status,
        "self_due": e.campaign.self_due,
        "answers": e.answers,
        "answered": len(e.answers),
        "item_count": len(e.campaign.form_version.form.items),
        "self_total": _money(e.self_total),
        "self_band": e.self_band,
        "self_submitted_at": e.self_submitted_at,
        "self_late": e.self_late,
    }


@router.get("/campaigns", response=CampaignPage, summary="年度质量检查列表")
def campaign_list(request, filters: Query[CampaignFilters]):
    qs = selectors.campaigns_for(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status[:16])
    page = paginate(qs, filters.page, filters.page_size)
    page.items = [_campaign(c) for c in page.items]
    return page.as_dict()


@router.post("/campaigns", response={201: CampaignDetailOut}, summary="建立年度质量检查")
def campaign_create(request, payload: CampaignIn):
    campaign = services.campaign_create(
        actor=request.user, year=payload.year, title=payload.title, self_workdays=payload.self_workdays
    )
    return Status(201, _campaign_detail(campaign))


@router.get("/campaigns/{int:pk}", response=CampaignDetailOut, summary="年度质量检查详情与结果")
def campaign_detail(request, pk: int):
    return _campaign_detail(selectors.campaign_get(request.user, pk))


@router.post("/campaigns/{int:pk}/open", response=CampaignDetailOut, summary="启动年度质量检查(机构开始自查)")
def campaign_open(request, pk: int, payload: QualityVersionIn):
    campaign = selectors.campaign_get(request.user, pk)
    campaign = services.campaign_open(actor=request.user, campaign=campaign, row_version=payload.row_version)
    return _campaign_detail(campaign)


@router.post(
    "/campaigns/{int:pk}/sample", response=CampaignDetailOut, summary="抽取外查机构(可按随机种子复核)"
)
def campaign_sample(request, pk: int, payload: CampaignSampleIn):
    campaign = selectors.campaign_get(request.user, pk)
    campaign = services.campaign_sample(
        actor=request.user,
        campaign=campaign,
        row_version=payload.row_version,
        size=payload.size,
        seed=payload.seed,
    )
    return _campaign_detail(campaign)


@router.post(
    "/campaigns/{int:pk}/entries/{int:entry_id}/inspect",
    response={201: CampaignDetailOut},
    summary="开始外查(以评估表开启评估)",
)
def entry_inspect(request, pk: int, entry_id: int):
    campaign = selectors.campaign_get(request.user, pk)
    entry = selectors.entry_get(request.user, entry_id)
    if entry.campaign_id != campaign.pk:
        raise NotFound("自查任务不存在或无权查看")
    services.entry_inspect(actor=request.user, entry=entry)
    return Status(201, _campaign_detail(campaign))


@router.post("/campaigns/{int:pk}/close", response=CampaignDetailOut, summary="结束年度质量检查")
def campaign_close(request, pk: int, payload: QualityVersionIn):
    campaign = selectors.campaign_get(request.user, pk)
    campaign = services.campaign_close(actor=request.user, campaign=campaign, row_version=payload.row_version)
    return _campaign_detail(campaign)


@router.get("/self-inspections", response=list[SelfInspectionOut], summary="本机构的年度自查任务")
def self_list(request):
    return [_self(e) for e in selectors.entries_for(request.user)]


@router.post("/self-inspections/{int:pk}", response=SelfInspectionOut, summary="填写或提交本机构自查")
def self_fill(request, pk: int, payload: SelfInspectionIn):
    entry = selectors.entry_get(request.user, pk)
    if payload.submit:
        entry = services.self_submit(actor=request.user, entry=entry, answers=payload.answers or None)
    else:
        entry = services.self_save(actor=request.user, entry=entry, answers=payload.answers)
    return _self(entry)
