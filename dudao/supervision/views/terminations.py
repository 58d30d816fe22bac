"""Pages of the termination of a filing after a missed rectification (seed 004): the authority starts it
from the task, the institution states its case within the window, the authority decides. The services
check the roles and dates again; reads are scoped by `selectors.terminations_for`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dudao.web.kit import application_errors_as_http, list_page, run_and_flash, run_form

from .. import domain, selectors, services
from .. import forms as f
from ..models import FilingTermination, Rectification
from ..permissions import can_decide_termination, can_manage_institution, is_termination_institution
from .common import authority_pages, office_pages, optional_url, require, row_version, workdays_left

T = FilingTermination.Status


@login_required
@require_GET
def termination_list(request: HttpRequest) -> HttpResponse:
    require(office_pages(request.user))
    status = request.GET.get("status", "")
    if status not in T.values:
        status = ""
    qs = selectors.termination_list(request.user, status=status)
    return render(
        request,
        "supervision/termination_list.html",
        {"page": list_page(request, qs), "status": status, "statuses": T.choices},
    )


@login_required
@require_GET
@application_errors_as_http
def termination_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(office_pages(request.user))
    t = selectors.termination_get(request.user, pk)
    today = timezone.localdate()
    window_open = t.status == T.NOTIFIED and today <= t.statement_due_on
    can_state = window_open and bool(is_termination_institution(request.user, t))
    can_decide = t.status in (T.NOTIFIED, T.STATEMENT_SUBMITTED) and bool(
        can_decide_termination(request.user, t)
    )
    return render(
        request,
        "supervision/termination_detail.html",
        {
            "t": t,
            "ground_label": domain.TERMINATION_GROUNDS.get(t.ground, t.ground),
            "deadline": workdays_left(t.statement_due_on) if t.status == T.NOTIFIED else None,
            "window_open": window_open,
            "can_state": can_state,
            "can_decide": can_decide,
            "statement_form": f.TerminationStatementForm(),
            "decision_form": f.TerminationDecisionForm(),
            "docs": {
                "docx": optional_url("supervision:termination_docx", t.pk),
                "pdf": optional_url("supervision:termination_pdf", t.pk),
            },
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def termination_start(request: HttpRequest, pk: int) -> HttpResponse:
    """告知拟终止备案 from a task whose rectification deadline has passed."""
    require(authority_pages(request.user), "只有委派机构可以启动终止备案程序")
    task = selectors.task_get(request.user, pk)
    require(bool(can_manage_institution(request.user, task.institution)), "只有委派机构可以启动终止备案程序")
    latest = Rectification.objects.filter(task=task).order_by("-round_no").first()
    form = f.TerminationStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, t = run_form(
            form,
            lambda: services.termination_start(
                actor=request.user, task=task, ground=data["ground"], notice=data["notice"]
            ),
        )
        if ok:
            messages.success(request, f"已送达拟终止备案告知,陈述申辩期限至 {t.statement_due_on:%Y-%m-%d}")
            return redirect("supervision:termination_detail", t.pk)
    return render(
        request, "supervision/termination_form.html", {"form": form, "task": task, "latest": latest}
    )


@login_required
@require_POST
@application_errors_as_http
def termination_statement(request: HttpRequest, pk: int) -> HttpResponse:
    t = selectors.termination_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.termination_statement(
            actor=request.user, termination=t, statement=request.POST.get("statement", "")
        ),
        "陈述申辩意见已提交",
        reverse("supervision:termination_detail", args=[pk]),
    )


@login_required
@require_POST
@application_errors_as_http
def termination_decide(request: HttpRequest, pk: int) -> HttpResponse:
    t = selectors.termination_get(request.user, pk)
    decision = request.POST.get("decision", "")
    return run_and_flash(
        request,
        lambda: services.termination_decide(
            actor=request.user,
            termination=t,
            decision=decision,
            note=request.POST.get("note", ""),
            row_version=row_version(request),
        ),
        "已作出终止备案决定,备案已终止" if decision == "terminate" else "已撤回终止备案程序",
        reverse("supervision:termination_detail", args=[pk]),
    )
