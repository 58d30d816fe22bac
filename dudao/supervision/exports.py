"""Excel exports of the supervision lists (tasks, coverage, opinions, penalties): the list's own filters
from the query string and the list's scope (list_queries), personal data masked unless the reader may
reveal it, one audit event per export (dudao.common.exports)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dudao.accounts.permissions import can_reveal_pii
from dudao.common.excel import Column
from dudao.common.exports import export_list, mask_free_text, mask_phone
from dudao.web.kit import export_response

from . import list_queries, workflow
from .models import Opinion, Penalty, SupervisionTask, TaskMember
from .views.common import office_pages, require

TASK_COLUMNS = (
    Column("number", "任务编号"),
    Column("kind", "督导类型"),
    Column("covert", "暗访", kind="bool"),
    Column("institution", "评价机构"),
    Column("batch", "评价批次"),
    Column("starts_at", "督导开始", kind="datetime"),
    Column("ends_at", "督导结束", kind="datetime"),
    Column("leader", "督导组长"),
    Column("leader_phone", "组长联系电话"),
    Column("members", "督导组成员"),
    Column("status", "状态"),
    Column("report_due_on", "报告期限", kind="date"),
    Column("report_submitted_at", "报告提交时间", kind="datetime"),
)
COVERAGE_COLUMNS = (
    Column("code", "批次编号"),
    Column("institution", "评价机构"),
    Column("occupation", "职业(工种)"),
    Column("starts_at", "开始时间", kind="datetime"),
    Column("ends_at", "结束时间", kind="datetime"),
    Column("supervised", "已派督导", kind="bool"),
    Column("task_count", "督导任务数", kind="int"),
)
OPINION_COLUMNS = (
    Column("kind", "类型"),
    Column("number", "文号"),
    Column("task", "督导任务"),
    Column("institution", "评价机构"),
    Column("sent_at", "送达机构时间", kind="datetime"),
    Column("defence_due_on", "申辩截止日期", kind="date"),
    Column("requires_rectification", "须整改", kind="bool"),
    Column("rectification_due_on", "整改期限", kind="date"),
    Column("issued_at", "下达时间", kind="datetime"),
)
PENALTY_COLUMNS = (
    Column("institution", "评价机构"),
    Column("kind", "处理方式"),
    Column("ground", "事由"),
    Column("description", "情况说明"),
    Column("status", "状态"),
    Column("decided_at", "决定时间", kind="datetime"),
    Column("task", "督导任务"),
    Column("lifted_at", "解除时间", kind="datetime"),
    Column("lift_reason", "解除原因"),
)


def _task_rows(tasks, reveal: bool) -> Iterator[dict[str, Any]]:
    for task in tasks:
        members = [m for m in task.members.all() if m.active]
        leader = next((m for m in members if m.role == TaskMember.Role.LEADER), None)
        phone = leader.supervisor.person.phone if leader else ""
        yield {
            "number": task.number,
            "kind": task.get_kind_display(),
            "covert": task.covert,
            "institution": task.institution.name,
            "batch": task.batch.code if task.batch_id else "",
            "starts_at": task.starts_at,
            "ends_at": task.ends_at,
            "leader": leader.supervisor.person.name if leader else "",
            "leader_phone": (phone or "") if reveal else mask_phone(phone),
            "members": "、".join(m.supervisor.person.name for m in members),
            "status": task.get_status_display(),
            "report_due_on": task.report_due_on,
            "report_submitted_at": task.report_submitted_at,
        }


def _coverage_rows(batches) -> Iterator[dict[str, Any]]:
    for batch in batches:
        occupation = batch.occupation.name if batch.occupation_id else ""
        yield {
            "code": batch.code,
            "institution": batch.institution.name,
            "occupation": f"{occupation}({batch.work_type})" if batch.work_type else occupation,
            "starts_at": batch.starts_at,
            "ends_at": batch.ends_at,
            "supervised": batch.supervised,
            "task_count": batch.task_count,
        }


def _opinion_rows(opinions) -> Iterator[dict[str, Any]]:
    for o in opinions:
        yield {
            "kind": o.get_kind_display(),
            "number": o.number or "",
            "task": o.task.number,
            "institution": o.task.institution.name,
            "sent_at": o.sent_at,
            "defence_due_on": o.defence_due_on,
            "requires_rectification": o.requires_rectification,
            "rectification_due_on": o.rectification_due_on,
            "issued_at": o.issued_at,
        }


def _penalty_rows(penalties, reveal: bool) -> Iterator[dict[str, Any]]:
    for p in penalties:
        yield {
            "institution": p.institution.name,
            "kind": p.get_kind_display(),
            "ground": workflow.PENALTY_GROUNDS.get(p.ground, p.ground),
            "description": p.description if reveal else mask_free_text(p.description),
            "status": p.get_status_display(),
            "decided_at": p.decided_at,
            "task": p.task.number if p.task_id else "",
            "lifted_at": p.lifted_at,
            "lift_reason": p.lift_reason if reveal else mask_free_text(p.lift_reason),
        }


def _download(
    request: HttpRequest, *, name: str, model, columns, rows, reveal: bool, action: str = ""
) -> HttpResponse:
    data = export_list(
        actor=request.user,
        action=action or f"{model._meta.label_lower}.exported",
        object_type=model._meta.label_lower,
        label=name,
        columns=columns,
        rows=rows,
        filters=request.GET,
        revealed=reveal,
    )
    return export_response(f"{name}_{timezone.localdate():%Y%m%d}.xlsx", data)


@login_required
@require_GET
def task_export(request: HttpRequest) -> HttpResponse:
    require(office_pages(request.user))
    reveal = bool(can_reveal_pii(request.user))
    _form, qs = list_queries.tasks(request)
    rows = _task_rows(qs.iterator(chunk_size=500), reveal)
    return _download(
        request, name="督导任务", model=SupervisionTask, columns=TASK_COLUMNS, rows=rows, reveal=reveal
    )


@login_required
@require_GET
def coverage_export(request: HttpRequest) -> HttpResponse:
    from dudao.registry.models import Batch

    require(office_pages(request.user))
    _form, result, _start, _end = list_queries.coverage(request)
    rows = _coverage_rows(result.batches.iterator(chunk_size=500))
    return _download(
        request,
        name="督导覆盖情况",
        model=Batch,
        columns=COVERAGE_COLUMNS,
        rows=rows,
        reveal=False,
        action="supervision.coverage.exported",
    )


@login_required
@require_GET
def opinion_export(request: HttpRequest) -> HttpResponse:
    require(office_pages(request.user))
    _form, qs = list_queries.opinions(request)
    rows = _opinion_rows(qs.iterator(chunk_size=500))
    return _download(
        request, name="督导意见", model=Opinion, columns=OPINION_COLUMNS, rows=rows, reveal=False
    )


@login_required
@require_GET
def penalty_export(request: HttpRequest) -> HttpResponse:
    require(office_pages(request.user))
    reveal = bool(can_reveal_pii(request.user))
    _form, qs = list_queries.penalties(request)
    rows = _penalty_rows(qs.iterator(chunk_size=500), reveal)
    return _download(
        request, name="处理决定", model=Penalty, columns=PENALTY_COLUMNS, rows=rows, reveal=reveal
    )
