"""Pages of the new filing application (新备案申请; REN-6 sends late renewals here): the institution
applies and follows it; the authority reviews, records the site evaluation and decides. Reads through
selectors (out of scope → 404), writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.permissions import is_authority_user, is_institution_admin
from dudao.common.errors import ApplicationError
from dudao.documents.responses import document_response
from dudao.registry import selectors as registry_selectors
from dudao.registry.models import Filing, Occupation
from dudao.web.kit import application_errors_as_http, list_page, place_errors, raise_http, run_and_flash

from . import documents, selectors, services
from . import forms as f
from .models import FilingApplication
from .permissions import (
    can_amend_filing_application,
    can_handle_filing_application,
    can_use_renewals,
)

FS = FilingApplication.Status
STATUS_COLORS = {
    "submitted": "blue",
    "returned": "yellow",
    "accepted": "azure",
    "evaluated": "indigo",
    "approved": "green",
    "refused": "red",
    "withdrawn": "secondary",
}


@login_required
@application_errors_as_http
def filing_application_list(request: HttpRequest) -> HttpResponse:
    """Authority users: the applications of their region; institution users: their own."""
    if not can_use_renewals(request.user):
        raise DjangoPermissionDenied("没有访问备案申请的权限")
    status = request.GET.get("status", "")
    qs = selectors.filing_applications_for(request.user).select_related("institution", "authority", "filing")
    if status in FS.values:
        qs = qs.filter(status=status)
    page = list_page(request, qs.order_by("-submitted_at", "-id"))
    for app in page.items:
        app.status_color = STATUS_COLORS.get(app.status, "secondary")
    user = request.user
    context = {
        "page": page,
        "status": status,
        "statuses": FS.choices,
        "is_institution": bool(getattr(user, "institution_id", None)) and not user.is_superuser,
        "can_apply": user.is_superuser
        or is_institution_admin(user)
        or user.role in ("authority_admin", "authority_staff"),
    }
    return render(request, "renewals/filing_list.html", context)


def _apply_form(request: HttpRequest, data=None, files=None) -> f.FilingApplyForm:
    user = request.user
    institutions = list(
        registry_selectors.institutions_for(user).filter(is_active=True).order_by("name")[:500]
    )
    if is_institution_admin(user):
        institutions = [i for i in institutions if i.pk == user.institution_id]
    filings = Filing.objects.filter(institution__in=institutions, status__in=services.OPEN_FILING).order_by(
        "institution_id", "-valid_until"
    )
    initial = {"institution": str(institutions[0].pk)} if len(institutions) == 1 else {}
    initial["previous_filing"] = request.GET.get("filing", "")
    return f.FilingApplyForm(
        data,
        files,
        initial=initial,
        institutions=institutions,
        filings=filings,
        occupations=Occupation.objects.filter(is_active=True).order_by("code"),
    )


@login_required
@application_errors_as_http
def filing_apply(request: HttpRequest) -> HttpResponse:
    if not (
        request.user.is_superuser or is_institution_admin(request.user) or is_authority_user(request.user)
    ):
        raise DjangoPermissionDenied("只有评价机构管理员或人力社保部门工作人员可以提出备案申请")
    if request.method == "POST":
        form = _apply_form(request, request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                app = services.filing_application_submit(
                    actor=request.user,
                    institution=d["institution"],
                    previous_filing=d["previous_filing"] or None,
                    scope=form.requested_scope(),
                    materials={k: d[k] for k in ("contact_name", "contact_phone", "summary") if d[k]},
                    attachments=form.attachments(),
                )
            except ApplicationError as exc:
                raise_http(exc)
                place_errors(form, exc)
            else:
                messages.success(request, "备案申请已提交,请等待人力社保部门审核")
                return redirect("renewals:filing_application_detail", pk=app.pk)
    else:
        form = _apply_form(request)
    scope_rows = [
        (form[f"occupation_{i}"], form[f"work_type_{i}"], form[f"levels_{i}"]) for i in range(f.SCOPE_ROWS)
    ]
    return render(request, "renewals/filing_apply.html", {"form": form, "scope_rows": scope_rows})


@login_required
@application_errors_as_http
def filing_application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.filing_application_get(request.user, pk)
    user = request.user
    handler = can_handle_filing_application(user, app)
    amender = can_amend_filing_application(user, app)
    version = {"row_version": app.row_version}
    context: dict[str, Any] = {
        "app": app,
        "status_color": STATUS_COLORS.get(app.status, "secondary"),
        "attachments": list(app.attachments.all()),
        "can_review": handler and app.status == FS.SUBMITTED,
        "can_site": handler and app.status == FS.ACCEPTED,
        "can_decide": handler and app.status == FS.EVALUATED,
        "can_resubmit": amender and app.status == FS.RETURNED,
        "can_withdraw": amender and app.status in (FS.SUBMITTED, FS.RETURNED),
        "review_form": f.FilingReviewForm(initial=version),
        "site_form": f.SiteEvaluationForm(initial={**version, "visited_on": timezone.localdate()}),
        "decision_form": f.FilingDecisionForm(initial=version),
        "resubmit_form": f.FilingResubmitForm(initial=version),
        "version_form": f.VersionForm(initial=version),
        "levels_label": {n: label for n, label in f.LEVEL_CHOICES},
    }
    return render(request, "renewals/filing_detail.html", context)


def _act(request: HttpRequest, pk: int, form_class, call, success: str) -> HttpResponse:
    form = form_class(request.POST, request.FILES)
    back = reverse("renewals:filing_application_detail", kwargs={"pk": pk})
    if not form.is_valid():
        messages.error(request, next((e for errs in form.errors.values() for e in errs), "提交的数据有误"))
        return redirect(back)
    return run_and_flash(request, lambda: call(form), success, back)


@login_required
@require_POST
def filing_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        f.FilingReviewForm,
        lambda form: services.filing_application_review(
            actor=request.user,
            application=pk,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
            row_version=form.cleaned_data["row_version"],
        ),
        "审核结论已记录",
    )


@login_required
@require_POST
def filing_site(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        f.SiteEvaluationForm,
        lambda form: services.filing_application_record_site(
            actor=request.user,
            application=pk,
            visited_on=form.cleaned_data["visited_on"],
            evaluators=form.cleaned_data["evaluators"],
            passed=form.cleaned_data["passed"],
            notes=form.cleaned_data["notes"],
            row_version=form.cleaned_data["row_version"],
        ),
        "现场评估结果已记录",
    )


@login_required
@require_POST
def filing_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        f.FilingDecisionForm,
        lambda form: services.filing_application_decide(
            actor=request.user,
            application=pk,
            approve=form.cleaned_data["approve"],
            number=form.cleaned_data["number"],
            note=form.cleaned_data["note"],
            row_version=form.cleaned_data["row_version"],
        ),
        "决定已记录",
    )


@login_required
@require_POST
def filing_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        f.FilingResubmitForm,
        lambda form: services.filing_application_resubmit(
            actor=request.user,
            application=pk,
            attachments=form.attachments(),
            row_version=form.cleaned_data["row_version"],
        ),
        "已补正并重新提交",
    )


@login_required
@require_POST
def filing_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        f.VersionForm,
        lambda form: services.filing_application_withdraw(
            actor=request.user, application=pk, row_version=form.cleaned_data["row_version"]
        ),
        "备案申请已撤回",
    )


@login_required
@application_errors_as_http
def filing_receipt(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("docx", "pdf"):
        raise Http404("文书不存在")
    app = selectors.filing_application_get(request.user, pk)
    try:
        data, filename = documents.render_filing_receipt(app, fmt)
    except ApplicationError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
        return redirect("renewals:filing_application_detail", pk=pk)
    return document_response(data, filename=filename)


@login_required
@application_errors_as_http
def filing_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    app = selectors.filing_application_get(request.user, pk)
    attachment = app.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("材料不存在")
    return attachment.serve()
