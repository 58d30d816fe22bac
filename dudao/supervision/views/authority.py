"""Authority pages around the tasks: coverage (逢考必督), opinions, penalties (INST-4), supervisor
performance (SUP-9…11) and the supervision policy. Institution users read their own opinions, penalties
and coverage; writes are the authority's (the services check the roles again).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import ValidationFailed
from dudao.people.permissions import can_change_supervisor
from dudao.registry.models import Authority
from dudao.web.kit import application_errors_as_http, list_page, run_and_flash, run_form

from .. import domain, list_queries, presenters, selectors, services, workflow
from .. import forms as f
from ..models import Opinion, Penalty, TaskMember
from ..permissions import can_manage_institution, can_manage_policy
from ..selectors_survey import supervisor_survey_figures
from .common import (
    authority_pages,
    int_or_none,
    office_pages,
    optional_url,
    require,
    row_version,
    workdays_left,
)


# --------------------------------------------------------------------------------------------- coverage
@login_required
@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    """Batches of the period with and without a supervisor; under 逢考必督 the gaps are highlighted."""
    require(office_pages(request.user))
    filters, result, start, end = list_queries.coverage(request)
    authority_id = getattr(request.user, "authority_id", None)
    if authority_id is None and is_institution_user(request.user):
        authority_id = request.user.institution.authority_id
    required = bool(authority_id and selectors.policy_for(authority_id).coverage_required)
    can_dispatch = bool(is_superuser(request.user) or is_authority_user(request.user))
    return render(
        request,
        "supervision/coverage.html",
        {
            "filters": filters,
            "page": list_page(request, result.batches),
            "result": result,
            "rate_percent": None if result.rate is None else f"{result.rate * 100:.1f}",
            "start": start,
            "end": end,
            "required": required,
            "can_dispatch": can_dispatch,
        },
    )


# --------------------------------------------------------------------------------------------- opinions
@login_required
@require_GET
def opinion_list(request: HttpRequest) -> HttpResponse:
    """Opinions in scope: the authority's issued Opinions and preliminary ones; an institution's received."""
    require(office_pages(request.user))
    filters, qs = list_queries.opinions(request)
    page = list_page(request, qs)
    page.items = [
        {
            "o": o,
            "defence": workdays_left(o.defence_due_on)
            if o.kind == Opinion.Kind.PRELIMINARY and o.task.status == "sent_to_institution"
            else None,
            "pdf": optional_url("supervision:opinion_pdf", o.pk),
        }
        for o in page.items
    ]
    return render(request, "supervision/opinion_list.html", {"filters": filters, "page": page})


# -------------------------------------------------------------------------------------------- penalties
@login_required
@require_GET
def penalty_list(request: HttpRequest) -> HttpResponse:
    require(office_pages(request.user))
    filters, qs = list_queries.penalties(request)
    return render(
        request,
        "supervision/penalty_list.html",
        {"filters": filters, "page": list_page(request, qs), "can_create": authority_pages(request.user)},
    )


@login_required
@require_GET
@application_errors_as_http
def penalty_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(office_pages(request.user))
    penalty = selectors.penalty_get(request.user, pk)
    can_lift = (
        penalty.kind == Penalty.Kind.SUSPENSION
        and penalty.status == Penalty.Status.IN_FORCE
        and bool(can_manage_institution(request.user, penalty.institution))
    )
    return render(
        request,
        "supervision/penalty_detail.html",
        {
            "p": penalty,
            "ground_label": workflow.PENALTY_GROUNDS.get(penalty.ground, penalty.ground),
            "can_lift": can_lift,
            "can_escalate": bool(
                domain.ladder_rung(penalty.kind) in (1, 2)
                and can_manage_institution(request.user, penalty.institution)
            ),
            "escalations": list(penalty.escalations.order_by("decided_at", "id")),
            "lift_form": f.ReasonForm(label="解除原因"),
            "docs": {
                "docx": optional_url("supervision:penalty_docx", penalty.pk),
                "pdf": optional_url("supervision:penalty_pdf", penalty.pk),
            },
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def penalty_create(request: HttpRequest) -> HttpResponse:
    """Decide an INST-4 penalty (from an escalated task or on its own)."""
    require(authority_pages(request.user), "只有委派机构可以作出处理决定")
    institutions = selectors.institutions_in(request.user).order_by("name")
    task = None
    task_id = int_or_none(request.POST.get("task") or request.GET.get("task"))
    if task_id:
        task = selectors.task_get(request.user, task_id)
    initial = {"task": task.pk if task else None, "institution": task.institution_id if task else None}
    earlier = selectors.penalty_list(request.user).exclude(kind=Penalty.Kind.SUSPENSION)
    escalate = int_or_none(request.GET.get("escalate"))
    if escalate:  # "升级处理" from a penalty's page: the same institution, that penalty as the rung below
        below = selectors.penalty_get(request.user, escalate)
        initial.update(institution=below.institution_id, escalated_from=below.pk)
    form = f.PenaltyForm(request.POST or None, initial=initial, institutions=institutions, earlier=earlier)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, penalty = run_form(
            form,
            lambda: services.penalty_impose(
                actor=request.user,
                institution=data["institution"],
                kind=data["kind"],
                ground=data["ground"],
                description=data["description"],
                task=task.pk if task else None,
                escalated_from=data["escalated_from"],
                serious=data["serious"],
                serious_reason=data["serious_reason"],
                responsible_persons=data["responsible_persons"],
            ),
        )
        if ok:
            messages.success(request, f"已作出处理决定:{penalty.get_kind_display()}")
            return redirect("supervision:penalty_detail", penalty.pk)
    return render(request, "supervision/penalty_form.html", {"form": form, "task": task})


@login_required
@require_POST
@application_errors_as_http
def penalty_lift(request: HttpRequest, pk: int) -> HttpResponse:
    penalty = selectors.penalty_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.penalty_lift(
            actor=request.user,
            penalty=penalty,
            reason=request.POST.get("reason", ""),
            row_version=row_version(request),
        ),
        "已解除暂停,备案恢复有效",
        reverse("supervision:penalty_detail", args=[pk]),
    )


# ------------------------------------------------------------------------------------------ performance
@login_required
@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    """Supervisors in scope with their figures (SUP-9…11): tasks, ratings, declines, misconduct flags."""
    require(office_pages(request.user))
    filters = f.PerformanceFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.supervisors_for(request.user).select_related("person", "authority", "institution")
    if values.get("q"):
        qs = qs.filter(person__name__icontains=values["q"])
    if values.get("flagged"):
        qs = qs.filter(dismissal_flag=True)
    accepted = Q(task_memberships__response=TaskMember.Response.ACCEPTED) & ~Q(
        task_memberships__task__status="cancelled"
    )
    qs = qs.annotate(
        task_count=Count("task_memberships", filter=accepted, distinct=True),
        decline_count=Count(
            "task_memberships",
            filter=Q(task_memberships__response=TaskMember.Response.DECLINED),
            distinct=True,
        ),
        unjustified_count=Count(
            "task_memberships",
            filter=Q(
                task_memberships__response=TaskMember.Response.DECLINED, task_memberships__justified=False
            ),
            distinct=True,
        ),
        rating_average=Avg("ratings__total"),
        misconduct_count=Count(
            "misconduct_records", filter=Q(misconduct_records__withdrawn_at__isnull=True), distinct=True
        ),
    ).order_by("-dismissal_flag", "person__name", "pk")
    return render(
        request, "supervision/performance.html", {"filters": filters, "page": list_page(request, qs)}
    )


@login_required
@require_GET
@application_errors_as_http
def supervisor_record(request: HttpRequest, pk: int) -> HttpResponse:
    """One supervisor's record (SUP-9…11) with the annual assessment and SUP-10 records."""
    year = int_or_none(request.GET.get("year"))
    if year is not None and not 1900 <= year <= 2100:  # ?year=-1 made dt.date() fail: a 500 (issue 8 §1)
        raise ValidationFailed("年度应在 1900 至 2100 之间")
    record = selectors.supervisor_record(request.user, pk, year=year)
    supervisor = record["supervisor"]
    can_change = bool(can_change_supervisor(request.user, supervisor)) and not (
        getattr(request.user, "person_id", None) == supervisor.person_id and not office_pages(request.user)
    )
    stats = record["stats"]
    rate = stats.on_time_rate
    return render(
        request,
        "supervision/supervisor_record.html",
        {
            "r": record,
            "s": supervisor,
            "stats": stats,
            "on_time_percent": None if rate is None else f"{rate * 100:.1f}",
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            "ratings": [presenters.rating_row(r) for r in record["ratings"]],
            "declines": [m for m in record["memberships"] if m.response == TaskMember.Response.DECLINED],
            "can_change": can_change,
            "assessment_form": f.AssessmentForm(),
            "misconduct_form": f.MisconductForm(),
            "rating_items": workflow.RATING_ITEMS,
            # QUAL-4 → SUP-9: candidates' and examiners' survey next to the institutions' ratings
            "survey_figures": supervisor_survey_figures(
                supervisor,
                start=dt.date(year, 1, 1) if year else None,
                end=dt.date(year, 12, 31) if year else None,
            ),
        },
    )


def _record_url(pk: int) -> str:
    return reverse("supervision:supervisor_record", args=[pk])


def _record_form(
    request: HttpRequest, pk: int, form_class, call, success: str, title: str, confirm: str = ""
) -> HttpResponse:
    record = selectors.supervisor_record(request.user, pk)
    supervisor = record["supervisor"]
    require(bool(can_change_supervisor(request.user, supervisor)), "只有督导员的聘任机构可以办理")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _ = run_form(form, lambda: call(supervisor, form.cleaned_data))
        if ok:
            messages.success(request, success)
            return redirect(_record_url(pk))
    return render(
        request,
        "supervision/record_form.html",
        {
            "s": supervisor,
            "form": form,
            "title": title,
            "confirm": confirm.format(name=supervisor.person.name),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def assessment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_form(
        request,
        pk,
        f.AssessmentForm,
        lambda s, data: services.assessment_decide(
            actor=request.user, supervisor=s, year=data["year"], decision=data["decision"], note=data["note"]
        ),
        "已作出年度考核结论",
        "年度考核",
        "对督导员 {name} 作出年度考核结论:结论记入履职档案,考核不合格的须解聘。确认保存?",
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def misconduct_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_form(
        request,
        pk,
        f.MisconductForm,
        lambda s, data: services.misconduct_record(
            actor=request.user,
            supervisor=s,
            kind=data["kind"],
            description=data["description"],
            occurred_on=data.get("occurred_on"),
        ),
        "已记录违规情形,督导员已标记解聘风险",
        "记录违规情形",
        "为督导员 {name} 记录违规情形:记录后督导员被标记为解聘风险,不再参加抽取。确认记录?",
    )


@login_required
@require_POST
@application_errors_as_http
def misconduct_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.misconduct_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.misconduct_withdraw(
            actor=request.user,
            record=record,
            reason=request.POST.get("reason", ""),
            row_version=row_version(request),
        ),
        "已撤销该记录",
        _record_url(record.supervisor_id),
    )


@login_required
@require_POST
@application_errors_as_http
def supervisor_renew(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.supervisor_record(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.supervisor_renew(actor=request.user, supervisor=record["supervisor"]),
        "已续聘(至多三届)",
        _record_url(pk),
    )


# ----------------------------------------------------------------------------------------------- policy
def _policy_authority(request: HttpRequest) -> Authority | None:
    if is_authority_user(request.user):
        return request.user.authority
    if is_superuser(request.user):
        pk = int_or_none(request.GET.get("authority") or request.POST.get("authority"))
        return Authority.objects.filter(pk=pk).first() if pk else Authority.objects.order_by("pk").first()
    return None


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def policy(request: HttpRequest) -> HttpResponse:
    """The authority's supervision settings (SUP-7 days, ACT-4 defence working days, disclosure, 逢考必督)."""
    require(authority_pages(request.user))
    authority = _policy_authority(request)
    require(authority is not None, "没有可设置的委派机构")
    current = selectors.policy_for(authority)
    editable = bool(can_manage_policy(request.user, authority))
    initial = presenters.policy_row(current)
    form = f.PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST":
        require(editable, "只有委派机构管理员可以修改督导设置")
        if form.is_valid():
            ok, _ = run_form(
                form,
                lambda: services.policy_update(
                    actor=request.user,
                    authority=authority,
                    row_version=row_version(request),
                    **form.cleaned_data,
                ),
            )
            if ok:
                messages.success(request, "督导设置已保存")
                return redirect(
                    reverse("supervision:policy")
                    + (f"?authority={authority.pk}" if is_superuser(request.user) else "")
                )
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    authorities = list(Authority.objects.order_by("region_id", "pk")) if is_superuser(request.user) else []
    context: dict[str, Any] = {
        "form": form,
        "authority": authority,
        "policy": current,
        "editable": editable,
        "authorities": authorities,
    }
    return render(request, "supervision/policy.html", context)
