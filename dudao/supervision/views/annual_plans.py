"""Pages of the yearly cycle (ACT-6): the annual supervision plan (list, create, edit the draft, publish,
correct, progress) and the year-end summary (generate, edit the text, refresh the figures, finalise),
with their DOCX/PDF. Only authority staff (and superusers) reach them; objects are scoped by
`selectors_plans` (outside the scope → 404) and the services check again who may write."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dudao.documents.responses import document_views, download
from dudao.web.kit import application_errors_as_http, list_page, run_and_flash, run_form

from .. import documents_plans
from .. import forms_plans as fp
from .. import selectors_plans as sel
from ..models_plans import AnnualPlan, AnnualSummary
from ..services import annual_plans as svc
from .common import authority_pages, int_or_none, require, row_version

P = AnnualPlan.Status


def _plan_url(pk: int) -> str:
    return reverse("supervision:annual_plan_detail", args=[pk])


def _summary_url(pk: int) -> str:
    return reverse("supervision:annual_summary_detail", args=[pk])


@login_required
@require_GET
def annual_plan_list(request: HttpRequest) -> HttpResponse:
    require(authority_pages(request.user))
    year = int_or_none(request.GET.get("year"))
    status = request.GET.get("status", "")
    if status not in P.values:
        status = ""
    return render(
        request,
        "supervision/annual_plans/list.html",
        {
            "page": list_page(request, sel.plan_list(request.user, year=year, status=status)),
            "summaries": sel.summary_list(request.user, year=year)[:20],
            "year": year or "",
            "status": status,
            "statuses": P.choices,
            "generate_form": fp.SummaryGenerateForm(initial={"year": timezone.localdate().year}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def annual_plan_create(request: HttpRequest) -> HttpResponse:
    require(authority_pages(request.user))
    form = fp.AnnualPlanForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        ok, plan = run_form(
            form,
            lambda: svc.annual_plan_create(
                actor=request.user, year=form.cleaned_data["year"], **form.values()
            ),
        )
        if ok:
            return redirect(_plan_url(plan.pk))
    return render(request, "supervision/annual_plans/form.html", {"form": form, "plan": None})


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def annual_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(authority_pages(request.user))
    plan = sel.plan_get(request.user, pk)
    require(
        svc.may_manage(request.user, plan.authority) and plan.status == P.DRAFT, "只能修改本机构的计划草稿"
    )
    form = fp.AnnualPlanForm(
        request.POST or None, initial=fp.AnnualPlanForm.initial_of(plan), with_year=False
    )
    if request.method == "POST" and form.is_valid():
        ok, _ = run_form(
            form,
            lambda: svc.annual_plan_update(
                actor=request.user, plan=plan, row_version=row_version(request), **form.values()
            ),
        )
        if ok:
            return redirect(_plan_url(plan.pk))
    return render(request, "supervision/annual_plans/form.html", {"form": form, "plan": plan})


@login_required
@require_GET
@application_errors_as_http
def annual_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(authority_pages(request.user))
    plan = sel.plan_get(request.user, pk)
    manage = svc.may_manage(request.user, plan.authority)
    versions = list(
        sel.plans_for(request.user).filter(authority=plan.authority_id, year=plan.year).order_by("version")
    )
    titles = sel.score_form_titles()
    return render(
        request,
        "supervision/annual_plans/detail.html",
        {
            "plan": plan,
            "progress": sel.plan_progress(plan),
            "items": [sel.PLAN_ITEMS.get(c, c) for c in plan.items],
            "score_forms": [f"{c} {titles.get(c, '')}".strip() for c in plan.score_forms],
            "schedule": [(documents_plans.QUARTER_NAMES[r["quarter"]], r["content"]) for r in plan.schedule],
            "versions": versions,
            "can_edit": manage and plan.status == P.DRAFT,
            "can_correct": manage
            and plan.status == P.PUBLISHED
            and not AnnualPlan.objects.filter(previous=plan).exists(),
            "correct_form": fp.CorrectForm(),
            "linked": {"draws": plan.draws.count(), "tasks": plan.tasks.count()},
        },
    )


@login_required
@require_POST
@application_errors_as_http
def annual_plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    require(authority_pages(request.user))
    plan = sel.plan_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: svc.annual_plan_publish(actor=request.user, plan=plan, row_version=row_version(request)),
        "年度督导工作计划已发布",
        _plan_url(plan.pk),
    )


@login_required
@require_POST
@application_errors_as_http
def annual_plan_correct(request: HttpRequest, pk: int) -> HttpResponse:
    require(authority_pages(request.user))
    plan = sel.plan_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: svc.annual_plan_correct(
            actor=request.user,
            plan=plan,
            reason=request.POST.get("reason", ""),
            row_version=row_version(request),
        ),
        "已生成更正版本草稿,修改后发布即替代原计划",
        _plan_url(plan.pk),
        then=lambda new: reverse("supervision:annual_plan_edit", args=[new.pk]),
    )


# ------------------------------------------------------------------------------------------ summary
@login_required
@require_POST
@application_errors_as_http
def annual_summary_generate(request: HttpRequest) -> HttpResponse:
    require(authority_pages(request.user))
    return run_and_flash(
        request,
        lambda: svc.annual_summary_generate(actor=request.user, year=request.POST.get("year")),
        "年度督导工作总结已生成,请填写文字部分后定稿",
        reverse("supervision:annual_plan_list"),
        then=lambda s: _summary_url(s.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def annual_summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(authority_pages(request.user))
    summary = sel.summary_get(request.user, pk)
    can_edit = (
        svc.may_manage(request.user, summary.authority) and summary.status == AnnualSummary.Status.DRAFT
    )
    initial = {name: getattr(summary, name) for name in svc.SUMMARY_FIELDS}
    form = fp.SummaryTextForm(request.POST or None, initial=initial)
    if request.method == "POST":
        require(can_edit, "已定稿的总结不能修改")
        if form.is_valid():
            ok, _ = run_form(
                form,
                lambda: svc.annual_summary_update(
                    actor=request.user, summary=summary, row_version=row_version(request), **form.cleaned_data
                ),
            )
            if ok:
                return redirect(_summary_url(summary.pk))
    return render(
        request,
        "supervision/annual_plans/summary.html",
        {
            "summary": summary,
            "form": form,
            "can_edit": can_edit,
            "progress": documents_plans.summary_progress(summary),
            "figures": documents_plans.summary_figures(summary),
        },
    )


@login_required
@require_POST
@application_errors_as_http
def annual_summary_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    require(authority_pages(request.user))
    summary = sel.summary_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: svc.annual_summary_refresh(
            actor=request.user, summary=summary, row_version=row_version(request)
        ),
        "统计数据已按最新记录重新计算",
        _summary_url(summary.pk),
    )


@login_required
@require_POST
@application_errors_as_http
def annual_summary_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    require(authority_pages(request.user))
    summary = sel.summary_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: svc.annual_summary_finalise(
            actor=request.user, summary=summary, row_version=row_version(request)
        ),
        "年度督导工作总结已定稿",
        _summary_url(summary.pk),
    )


def _plan_doc(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    require(authority_pages(request.user))
    plan = sel.plan_get(request.user, pk)
    return download(request, lambda: documents_plans.render_plan(plan, fmt), _plan_url(plan.pk))


def _summary_doc(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    require(authority_pages(request.user))
    summary = sel.summary_get(request.user, pk)
    return download(request, lambda: documents_plans.render_summary(summary, fmt), _summary_url(summary.pk))


annual_plan_docx, annual_plan_pdf = document_views(_plan_doc)
annual_summary_docx, annual_summary_pdf = document_views(_summary_doc)
