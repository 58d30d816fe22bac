"""Flag pages for the authority (issue 13 item 1): the list of its region with filters, pagination and an
Excel export; a flag's detail with its evidence in plain Chinese; confirm (special supervision task or a
complaint under handling) and dismiss with a reason. Institutions and the public never reach these pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dudao.common.errors import NotFound
from dudao.common.excel import Column
from dudao.common.exports import export_list
from dudao.common.writes import require
from dudao.people.selectors import supervisors_for
from dudao.registry.selectors import institutions_for
from dudao.supervision.workflow import CONTENT_AREAS
from dudao.web.kit import application_errors_as_http, export_response, list_page, run_and_flash

from . import permissions, presenters, selectors, services
from .models import Flag, FlagKind


def _filtered(request: HttpRequest):
    require(permissions.may_see_flags(request.user), "只有人社部门工作人员可以查看数据比对疑点")
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    institution = request.GET.get("institution", "")
    qs = selectors.filtered(
        selectors.flags_for(request.user),
        kind=kind if kind in FlagKind.values else "",
        status=status if status in Flag.Status.values else "",
        institution=institution,
    )
    return selectors.review_order(qs), {
        "kind": kind,
        "status": status,
        "institution": institution,
    }


@login_required
@application_errors_as_http
def flag_list(request: HttpRequest) -> HttpResponse:
    qs, chosen = _filtered(request)
    page = list_page(request, qs)
    rows = [{"flag": f, "summary": presenters.summary(f)} for f in page.items]
    institutions = institutions_for(request.user).order_by("name").values_list("pk", "name")[:500]
    return render(
        request,
        "analytics/flag_list.html",
        {
            "page": page,
            "rows": rows,
            "kinds": FlagKind.choices,
            "statuses": Flag.Status.choices,
            "institutions": list(institutions),
            "chosen": chosen,
            "query": request.GET.urlencode(),
        },
    )


COLUMNS = [
    Column("kind", "疑点类型"),
    Column("institution", "评价机构"),
    Column("batch", "评价批次"),
    Column("examiner", "考评员"),
    Column("summary", "情况"),
    Column("statistic", "统计量"),
    Column("p_value", "显著性概率"),
    Column("status", "状态"),
    Column("reason", "核查结论"),
    Column("created_at", "发现时间"),
]


def _export_rows(flags):
    for f in flags:
        yield {
            "kind": f.get_kind_display(),
            "institution": f.institution.name if f.institution_id else "",
            "batch": f.batch.code if f.batch_id else "",
            "examiner": f.examiner.person.name if f.examiner_id else "",
            "summary": presenters.summary(f),
            "statistic": f"{f.statistic:g}",
            "p_value": "" if f.p_value is None else f"{f.p_value:.3g}",
            "status": f.get_status_display(),
            "reason": f.reason,
            "created_at": timezone.localtime(f.created_at).strftime("%Y-%m-%d %H:%M"),
        }


@login_required
@require_GET
@application_errors_as_http
def flag_export(request: HttpRequest) -> HttpResponse:
    qs, _ = _filtered(request)
    data = export_list(
        actor=request.user,
        action="analytics.flag.exported",
        object_type="analytics.flag",
        label="数据比对疑点",
        columns=COLUMNS,
        rows=_export_rows(qs.iterator(chunk_size=500)),
        filters=request.GET,
        revealed=False,
    )
    return export_response(f"数据比对疑点_{timezone.localdate():%Y%m%d}.xlsx", data)


def _get(request: HttpRequest, pk: int) -> Flag:
    try:
        return selectors.flags_for(request.user).get(pk=pk)
    except Flag.DoesNotExist:
        raise NotFound() from None


def _links(flag: Flag) -> list[tuple[str, str]]:
    links = []
    if flag.institution_id:
        links.append(
            (
                "评价机构:" + flag.institution.name,
                reverse("registry:institution_detail", args=[flag.institution_id]),
            )
        )
    if flag.batch_id:
        links.append(("评价批次:" + flag.batch.code, reverse("registry:batch_detail", args=[flag.batch_id])))
    plan_id = (flag.evidence or {}).get("plan_id")
    if plan_id:
        links.append(("认定计划", reverse("exams:plan_detail", args=[plan_id])))
    if flag.task_id:
        links.append(
            ("专项督导任务:" + flag.task.number, reverse("supervision:task_detail", args=[flag.task_id]))
        )
    if flag.complaint_id:
        links.append(("投诉:" + flag.complaint.code, reverse("complaints:detail", args=[flag.complaint_id])))
    return links


@login_required
@application_errors_as_http
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _get(request, pk)
    may_review = permissions.may_review(request.user, flag) and flag.status == Flag.Status.OPEN
    headers, cells = presenters.table(flag)
    context: dict[str, Any] = {
        "flag": flag,
        "summary": presenters.summary(flag),
        "facts": presenters.facts(flag),
        "headers": headers,
        "cells": cells,
        "candidates": presenters.candidates_list(flag),
        "links": _links(flag),
        "may_review": may_review,
    }
    if may_review:
        context["task_supervisors"] = (
            supervisors_for(request.user)
            .filter(status="active")
            .select_related("person")
            .order_by("person__name")[:300]
        )
        context["content_areas"] = list(CONTENT_AREAS.items())
    return render(request, "analytics/flag_detail.html", context)


@login_required
@require_POST
@application_errors_as_http
def flag_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _get(request, pk)
    return run_and_flash(
        request,
        lambda: services.flag_dismiss(
            actor=request.user,
            flag=flag,
            reason=request.POST.get("reason", ""),
            row_version=request.POST.get("row_version"),
        ),
        "已排除该疑点。同样的数据不会再次提示。",
        reverse("analytics:flag_detail", args=[pk]),
    )


@login_required
@require_POST
@application_errors_as_http
def flag_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _get(request, pk)
    complaint = request.POST.get("complaint", "").strip()
    return run_and_flash(
        request,
        lambda: services.flag_confirm(
            actor=request.user,
            flag=flag,
            row_version=request.POST.get("row_version"),
            reason=request.POST.get("reason", ""),
            supervisors=request.POST.getlist("supervisors"),
            starts_at=request.POST.get("starts_at") or None,
            ends_at=request.POST.get("ends_at") or None,
            items=request.POST.getlist("items"),
            group_reason=request.POST.get("group_reason", ""),
            complaint=complaint or None,
        ),
        "已确认该疑点并转入办理。",
        reverse("analytics:flag_detail", args=[pk]),
    )
