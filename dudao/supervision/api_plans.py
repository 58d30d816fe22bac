"""API of the yearly cycle (ACT-6): annual supervision plans and year-end summaries, the same services as the
pages. Mounted on the supervision router (`/api/v1/supervision/annual-plans`, `/annual-summaries`). Only
the authority's staff reach them; everyone else gets 404 (outside the scope) or 403 (creating)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Schema, Status

from dudao.common.pagination import PageParams
from dudao.documents.responses import document_response

from . import documents_plans
from . import selectors_plans as sel
from .api import _page, router
from .models_plans import AnnualPlan, AnnualSummary
from .services import annual_plans as svc


class ScheduleRow(Schema):
    quarter: int = Field(description="季度 1–4")
    content: str


class PlanFieldsIn(Schema):
    title: str | None = None
    target_institutions: int | None = None
    target_batches: int | None = None
    target_tasks: int | None = None
    draw_ratio: Decimal | None = Field(None, description="一般对象抽取比例 0–1")
    risk_draw_ratio: Decimal | None = Field(None, description="重点对象抽取比例 0–1,不低于一般比例")  # RAND-1
    draws_per_year: int | None = None
    items: list[str] | None = Field(
        None, description="onsite / regular / self_inspection / external_inspection"
    )
    score_forms: list[str] | None = Field(None, description="评估表编号")
    schedule: list[ScheduleRow] | None = None
    responsible: str | None = None
    notes: str | None = None


class PlanCreateIn(PlanFieldsIn):
    year: int
    authority_id: int | None = None
    responsible: str


class PlanUpdateIn(PlanFieldsIn):
    row_version: int | None = Field(None, description="版本号(乐观锁)")


class RowVersionIn(Schema):
    row_version: int | None = None


class CorrectIn(Schema):
    reason: str
    row_version: int | None = None


class ProgressRow(Schema):
    label: str
    planned: int | None
    done: int
    percent: int | None


class PlanOut(Schema):
    id: int
    authority_id: int
    authority_name: str
    year: int
    version: int
    previous_id: int | None
    correction_reason: str
    title: str
    status: str
    status_label: str
    target_institutions: int
    target_batches: int
    target_tasks: int
    draw_ratio: Decimal
    risk_draw_ratio: Decimal
    draws_per_year: int
    items: list[str]
    score_forms: list[str]
    schedule: list[ScheduleRow]
    responsible: str
    notes: str
    published_at: dt.datetime | None
    row_version: int
    progress: list[ProgressRow] | None = None


class PlanFilters(PageParams):
    year: int | None = None
    status: str = ""


class PlanPage(Schema):
    items: list[PlanOut]
    count: int
    page: int
    page_size: int


class SummaryCreateIn(Schema):
    year: int
    authority_id: int | None = None


class SummaryUpdateIn(Schema):
    overview: str | None = None
    achievements: str | None = None
    problems: str | None = None
    next_year: str | None = None
    row_version: int | None = None


class SummaryOut(Schema):
    id: int
    authority_id: int
    authority_name: str
    year: int
    plan_id: int | None
    status: str
    status_label: str
    figures: dict[str, Any]
    figures_at: dt.datetime
    overview: str
    achievements: str
    problems: str
    next_year: str
    finalised_at: dt.datetime | None
    row_version: int


class SummaryFilters(PageParams):
    year: int | None = None


class SummaryPage(Schema):
    items: list[SummaryOut]
    count: int
    page: int
    page_size: int


def plan_row(plan: AnnualPlan, *, progress: bool = False) -> dict[str, Any]:
    row = {
        "id": plan.pk,
        "authority_id": plan.authority_id,
        "authority_name": plan.authority.name,
        "status_label": plan.get_status_display(),
        **{name: getattr(plan, name) for name in ("year", "version", "previous_id", "correction_reason")},
        **{name: getattr(plan, name) for name in svc.PLAN_FIELDS},
        "status": plan.status,
        "published_at": plan.published_at,
        "row_version": plan.row_version,
    }
    if progress:
        row["progress"] = sel.plan_progress(plan)
    return row


def summary_row(summary: AnnualSummary) -> dict[str, Any]:
    return {
        "id": summary.pk,
        "authority_id": summary.authority_id,
        "authority_name": summary.authority.name,
        "year": summary.year,
        "plan_id": summary.plan_id,
        "status": summary.status,
        "status_label": summary.get_status_display(),
        "figures": summary.figures,
        "figures_at": summary.figures_at,
        **{name: getattr(summary, name) for name in svc.SUMMARY_FIELDS},
        "finalised_at": summary.finalised_at,
        "row_version": summary.row_version,
    }


def _plan(request, pk: int) -> dict[str, Any]:
    return plan_row(sel.plan_get(request.user, pk), progress=True)


def _fields(payload: PlanFieldsIn) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    data.pop("row_version", None)
    return data


@router.get("/annual-plans", response=PlanPage, summary="年度督导工作计划列表")
def annual_plan_list(request, filters: Query[PlanFilters]):
    qs = sel.plan_list(request.user, year=filters.year, status=filters.status)
    return _page(qs, filters, plan_row)


@router.get("/annual-plans/{int:pk}", response=PlanOut, summary="年度督导工作计划详情(含完成进度)")
def annual_plan_detail(request, pk: int):
    return _plan(request, pk)


@router.post("/annual-plans", response={201: PlanOut}, summary="制定年度督导工作计划(草稿)")
def annual_plan_create(request, payload: PlanCreateIn):
    data = _fields(payload)
    year, authority = data.pop("year"), data.pop("authority_id", None)
    plan = svc.annual_plan_create(actor=request.user, year=year, authority=authority, **data)
    return Status(201, _plan(request, plan.pk))


@router.patch("/annual-plans/{int:pk}", response=PlanOut, summary="修改年度计划草稿")
def annual_plan_update(request, pk: int, payload: PlanUpdateIn):
    sel.plan_get(request.user, pk)
    svc.annual_plan_update(actor=request.user, plan=pk, row_version=payload.row_version, **_fields(payload))
    return _plan(request, pk)


@router.post("/annual-plans/{int:pk}/publish", response=PlanOut, summary="发布年度计划(发布后不可修改)")
def annual_plan_publish(request, pk: int, payload: RowVersionIn):
    sel.plan_get(request.user, pk)
    svc.annual_plan_publish(actor=request.user, plan=pk, row_version=payload.row_version)
    return _plan(request, pk)


@router.post(
    "/annual-plans/{int:pk}/correct", response={201: PlanOut}, summary="更正已发布的年度计划(新版本)"
)
def annual_plan_correct(request, pk: int, payload: CorrectIn):
    sel.plan_get(request.user, pk)
    new = svc.annual_plan_correct(
        actor=request.user, plan=pk, reason=payload.reason, row_version=payload.row_version
    )
    return Status(201, _plan(request, new.pk))


@router.get("/annual-plans/{int:pk}/document.{fmt}", summary="下载年度督导工作计划(docx 或 pdf)")
def annual_plan_document(request, pk: int, fmt: str):
    data, filename = documents_plans.render_plan(sel.plan_get(request.user, pk), fmt)
    return document_response(data, filename=filename)


@router.get("/annual-summaries", response=SummaryPage, summary="年度督导工作总结列表")
def annual_summary_list(request, filters: Query[SummaryFilters]):
    return _page(sel.summary_list(request.user, year=filters.year), filters, summary_row)


@router.get("/annual-summaries/{int:pk}", response=SummaryOut, summary="年度督导工作总结详情")
def annual_summary_detail(request, pk: int):
    return summary_row(sel.summary_get(request.user, pk))


@router.post("/annual-summaries", response={201: SummaryOut}, summary="生成年度督导工作总结(统计数据)")
def annual_summary_generate(request, payload: SummaryCreateIn):
    summary = svc.annual_summary_generate(
        actor=request.user, year=payload.year, authority=payload.authority_id
    )
    return Status(201, summary_row(sel.summary_get(request.user, summary.pk)))


@router.patch("/annual-summaries/{int:pk}", response=SummaryOut, summary="编辑年度总结文字部分")
def annual_summary_update(request, pk: int, payload: SummaryUpdateIn):
    sel.summary_get(request.user, pk)
    data = payload.dict(exclude_unset=True)
    row_version = data.pop("row_version", None)
    svc.annual_summary_update(actor=request.user, summary=pk, row_version=row_version, **data)
    return summary_row(sel.summary_get(request.user, pk))


@router.post("/annual-summaries/{int:pk}/refresh", response=SummaryOut, summary="重新统计年度总结数据")
def annual_summary_refresh(request, pk: int, payload: RowVersionIn):
    sel.summary_get(request.user, pk)
    svc.annual_summary_refresh(actor=request.user, summary=pk, row_version=payload.row_version)
    return summary_row(sel.summary_get(request.user, pk))


@router.post(
    "/annual-summaries/{int:pk}/finalise", response=SummaryOut, summary="年度总结定稿(定稿后不可修改)"
)
def annual_summary_finalise(request, pk: int, payload: RowVersionIn):
    sel.summary_get(request.user, pk)
    svc.annual_summary_finalise(actor=request.user, summary=pk, row_version=payload.row_version)
    return summary_row(sel.summary_get(request.user, pk))


@router.get("/annual-summaries/{int:pk}/document.{fmt}", summary="下载年度督导工作总结(docx 或 pdf)")
def annual_summary_document(request, pk: int, fmt: str):
    data, filename = documents_plans.render_summary(sel.summary_get(request.user, pk), fmt)
    return document_response(data, filename=filename)
