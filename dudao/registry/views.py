"""Registry pages: lists with filters, details, create/edit forms, Excel import/export.

Reads go through selectors (out of scope → 404), writes through services; service errors are shown
on the form, which keeps the user's input.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.common.errors import ApplicationError, IllegalTransition, NotFound, PermissionDenied
from dudao.common.excel import ImportFailed, RowError, error_workbook, template_workbook
from dudao.common.exports import export_model_list
from dudao.web.imports import import_view
from dudao.web.kit import application_errors_as_http, export_response, list_page, place_errors, run_form
from dudao.web.sorting import sort_list

from . import excel, selectors, services
from . import forms as f
from .imports import VENUE_COLUMNS, VENUE_EXAMPLE
from .models import Batch, Filing, Institution, Occupation, Region

# Exports stop here: a larger export is a job for the API or analytics, not a page click.
EXPORT_MAX_ROWS = 100_000
# Sortable columns (dudao.web.sorting): ?sort=key / -key, anything else is ignored.
INSTITUTION_SORTS = {
    "name": "name",
    "kind": "kind",
    "uscc": "uscc",
    "region": "region__code",
    "filing": "latest_filing_until",
}
FILING_SORTS = {
    "number": "number",
    "institution": "institution__name",
    "valid_until": "valid_until",
    "status": "status",
}


def _can(user, perm: str, obj: Any = None) -> bool:
    return bool(user.has_perm(perm, obj))


def _require(user, perm: str, obj: Any = None) -> None:
    if not _can(user, perm, obj):
        raise DjangoPermissionDenied("没有执行此操作的权限")


def _int(value: Any) -> int | None:
    """An id or number from a query string; None when it is not one or lies outside a database integer
    (?institution=10**30 raised OverflowError in the query: a 500, issue 8 §1)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**63) <= number < 2**63 else None


def _institution_from_query(request) -> Institution | None:
    pk = _int(request.GET.get("institution") or request.POST.get("institution"))
    if pk is None:
        user = request.user
        if getattr(user, "institution_id", None) and not user.is_superuser:
            pk = user.institution_id
    if pk is None:
        return None
    return selectors.institution_get(request.user, pk)


# ---------------------------------------------------------------------------------------------------------
# Institutions
def _institution_filters(request):
    form = f.InstitutionFilterForm(request.GET or None, user=request.user)
    values = f.filter_values(form) if request.GET else {}
    qs = selectors.institution_list(
        request.user,
        q=values.get("q") or "",
        kind=values.get("kind") or "",
        region=values.get("region") or "",
        status=values.get("status") or "",
    )
    return form, qs


CONTACT_ONLY_NOTE = "评价机构管理员只能修改地址、联系人、联系电话、法定代表人和投诉举报渠道。"


@login_required
@application_errors_as_http
def institution_list(request):
    form, qs = _institution_filters(request)
    page = list_page(request, sort_list(request, qs, INSTITUTION_SORTS))
    context = {
        "filters": form,
        "page": page,
        "filing_labels": dict(Filing.Status.choices),
        "can_create": _can(request.user, "registry.create_institution"),
    }
    return render(request, "registry/institution_list.html", context)


@login_required
@application_errors_as_http
def institution_export(request):
    _form, qs = _institution_filters(request)
    data = export_model_list(
        request,
        Institution,
        "评价机构",
        excel.INSTITUTION_EXPORT_COLUMNS,
        excel.institution_rows(qs[:EXPORT_MAX_ROWS]),
        max_rows=EXPORT_MAX_ROWS,
    )
    return export_response(f"评价机构_{timezone.localdate():%Y%m%d}.xlsx", data)


@login_required
def institution_import(request):
    _require(request.user, "registry.create_institution")
    return import_view(
        request,
        columns=excel.INSTITUTION_COLUMNS,
        kind="institutions",
        template_name="web/import_page.html",
        success_url=reverse("registry:institution_list"),
        sheet_name="评价机构",
        example_rows=[excel.INSTITUTION_EXAMPLE],
        extra_context={
            "import_title": "导入评价机构",
            "back_url": reverse("registry:institution_list"),
            "back_label": "评价机构",
        },
    )


@login_required
@application_errors_as_http
def institution_detail(request, pk: int):
    institution = selectors.institution_get(request.user, pk)
    filings = list(selectors.filing_list(request.user, institution=institution.pk))
    context = {
        "institution": institution,
        "filings": filings,
        "venues": list(selectors.venue_list(request.user, institution=institution.pk)),
        "batches": selectors.recent_batches(request.user, institution),
        "can_edit": _can(request.user, "registry.change_institution_contact", institution),
        "can_manage_register": _can(request.user, "registry.change_institution", institution),
        "can_operate": _can(request.user, "registry.add_batch", institution),
    }
    from dudao.analytics import risk_selectors  # RAND-1 风险评分: authority roles only

    if risk_selectors.may_see_risk(request.user):
        context["risk_as_of"] = risk_selectors.scoring_day()
        context["risk"] = risk_selectors.risk_scores([institution.pk], context["risk_as_of"])[institution.pk]
    return render(request, "registry/institution_detail.html", context)


@login_required
@application_errors_as_http
def institution_create(request):
    _require(request.user, "registry.create_institution")
    initial = {"authority": str(request.user.authority_id or ""), "is_active": True}
    form = f.InstitutionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, obj = run_form(form, lambda: services.institution_create(actor=request.user, **form.cleaned_data))
        if ok:
            messages.success(request, f"已新增评价机构「{obj.name}」")
            return redirect("registry:institution_detail", pk=obj.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": "新增评价机构",
            "back_url": reverse("registry:institution_list"),
            "back_label": "评价机构",
            "form_cols": 2,
        },
    )


@login_required
@application_errors_as_http
def institution_edit(request, pk: int):
    institution = selectors.institution_get(request.user, pk)
    _require(request.user, "registry.change_institution_contact", institution)
    contact_only = not _can(request.user, "registry.change_institution", institution)
    initial = {
        "name": institution.name,
        "kind": institution.kind,
        "uscc": institution.uscc,
        "region": institution.region_id,
        "authority": str(institution.authority_id),
        "parent_org_name": institution.parent_org_name,
        "address": institution.address,
        "legal_representative": institution.legal_representative,
        "contact_name": institution.contact_name,
        "contact_phone": institution.contact_phone,
        "complaint_phone": institution.complaint_phone,
        "complaint_mailbox": institution.complaint_mailbox,
        "complaint_email": institution.complaint_email,
        "complaint_page_url": institution.complaint_page_url,
        "is_active": institution.is_active,
    }
    form = f.InstitutionForm(
        request.POST or None, user=request.user, contact_only=contact_only, initial=initial
    )
    version = _int(request.POST.get("row_version")) if request.method == "POST" else institution.row_version
    if request.method == "POST" and form.is_valid():
        ok, _ = run_form(
            form,
            lambda: services.institution_update(
                actor=request.user, institution=institution.pk, row_version=version, **form.cleaned_data
            ),
        )
        if ok:
            messages.success(request, "已保存")
            return redirect("registry:institution_detail", pk=institution.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": f"编辑评价机构:{institution.name}",
            "row_version": version,
            "back_url": reverse("registry:institution_detail", args=[institution.pk]),
            "back_label": institution.name,
            "list_url": reverse("registry:institution_list"),
            "list_label": "评价机构",
            "form_cols": 2,
            "note": CONTACT_ONLY_NOTE if contact_only else "",
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Filings and scopes
@login_required
@application_errors_as_http
def filing_list(request):
    form = f.FilingFilterForm(request.GET or None, user=request.user)
    values = f.filter_values(form) if request.GET else {}
    qs = selectors.filing_list(
        request.user,
        q=values.get("q") or "",
        status=values.get("status") or "",
        region=values.get("region") or "",
    )
    context = {
        "filters": form,
        "page": list_page(request, sort_list(request, qs, FILING_SORTS)),
        "can_create": _can(request.user, "registry.create_institution"),
    }
    return render(request, "registry/filing_list.html", context)


def _filing_detail_page(request, filing: Filing, *, status_form: f.FilingStatusForm | None = None):
    can_manage = _can(request.user, "registry.change_filing", filing)
    if status_form is None:
        status_form = f.FilingStatusForm(initial={"row_version": filing.row_version})
    allowed = services.FILING_TRANSITIONS.get(filing.status, {})
    status_form.fields["status"].choices = [(s, Filing.Status(s).label) for s in allowed]
    context = {
        "filing": filing,
        "scopes": list(filing.scopes.all()),
        "can_manage": can_manage,
        "scope_form": f.ScopeForm(),
        "status_form": status_form,
        "end_form": f.ScopeEndForm(),
        "today": timezone.localdate(),
        "batches": list(
            selectors.batch_list(
                request.user, institution=filing.institution_id, with_examiners=False
            ).filter(filing=filing)[:10]
        ),
    }
    return render(request, "registry/filing_detail.html", context)


@login_required
@application_errors_as_http
def filing_detail(request, pk: int):
    return _filing_detail_page(request, selectors.filing_get(request.user, pk))


@login_required
@application_errors_as_http
def filing_create(request):
    _require(request.user, "registry.create_institution")
    initial = {"institution": request.GET.get("institution", "")}
    form = f.FilingForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, obj = run_form(form, lambda: services.filing_create(actor=request.user, **form.cleaned_data))
        if ok:
            messages.success(request, f"已新增备案 {obj.number},请继续添加认定范围")
            return redirect("registry:filing_detail", pk=obj.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": "新增备案",
            "back_url": reverse("registry:filing_list"),
            "back_label": "备案",
            "form_cols": 2,
        },
    )


@login_required
@application_errors_as_http
def filing_edit(request, pk: int):
    filing = selectors.filing_get(request.user, pk)
    _require(request.user, "registry.change_filing", filing)
    initial = {
        "number": filing.number,
        "valid_from": filing.valid_from,
        "valid_until": filing.valid_until,
        "note": filing.note,
        "row_version": filing.row_version,
    }
    form = f.FilingEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("row_version")
        ok, _ = run_form(
            form,
            lambda: services.filing_update(actor=request.user, filing=filing.pk, row_version=version, **data),
        )
        if ok:
            messages.success(request, "已保存")
            return redirect("registry:filing_detail", pk=filing.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": f"编辑备案 {filing.number}",
            "form_cols": 2,
            "back_url": reverse("registry:filing_detail", args=[filing.pk]),
            "back_label": filing.number,
            "list_url": reverse("registry:filing_list"),
            "list_label": "备案",
        },
    )


def _redirect_filing(filing_pk: int):
    return redirect(reverse("registry:filing_detail", args=[filing_pk]))


@login_required
@require_POST
@application_errors_as_http
def filing_status(request, pk: int):
    filing = selectors.filing_get(request.user, pk)
    form = f.FilingStatusForm(request.POST)
    form.fields["status"].choices = Filing.Status.choices
    if form.is_valid():
        ok, obj = run_form(
            form,
            lambda: services.filing_set_status(
                actor=request.user,
                filing=filing.pk,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                row_version=form.cleaned_data["row_version"],
            ),
        )
        if ok:
            messages.success(request, f"备案状态已变更为「{obj.get_status_display()}」")
            return _redirect_filing(filing.pk)
    # Refused: the page again (no redirect) so the chosen status and the typed reason stay, with the error.
    return _filing_detail_page(request, filing, status_form=form)


@login_required
@application_errors_as_http
def filing_scope_add(request, pk: int):
    filing = selectors.filing_get(request.user, pk)
    _require(request.user, "registry.add_filingscope", filing)
    form = f.ScopeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["levels"] = [int(x) for x in data["levels"]]
        ok, _ = run_form(
            form, lambda: services.filing_scope_add(actor=request.user, filing=filing.pk, **data)
        )
        if ok:
            messages.success(request, "已增加认定范围")
            return _redirect_filing(filing.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": f"增加认定范围:{filing.number}",
            "back_url": reverse("registry:filing_detail", args=[filing.pk]),
            "back_label": filing.number,
            "list_url": reverse("registry:filing_list"),
            "list_label": "备案",
        },
    )


@login_required
@require_POST
@application_errors_as_http
def scope_end(request, pk: int):
    scope = selectors.scope_get(request.user, pk)
    form = f.ScopeEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "终止日期格式不正确")
        return _redirect_filing(scope.filing_id)
    try:
        services.filing_scope_end(
            actor=request.user,
            scope=scope.pk,
            ended_on=form.cleaned_data["ended_on"],
            row_version=_int(request.POST.get("row_version")),
        )
    except ApplicationError as exc:
        if isinstance(exc, PermissionDenied | NotFound):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已终止认定范围:{scope.occupation.name}")
    return _redirect_filing(scope.filing_id)


# ---------------------------------------------------------------------------------------------------------
# Batches
def _batch_filters(request):
    form = f.BatchFilterForm(request.GET or None)
    values = f.filter_values(form) if request.GET else {}
    qs = selectors.batch_list(
        request.user,
        q=values.get("q") or "",
        status=values.get("status") or "",
        occupation=_int(values.get("occupation")),
        institution=_int(values.get("institution")),
        start_from=values.get("start_from") or None,
        start_to=values.get("start_to") or None,
        with_examiners=False,
    )
    return form, qs


@login_required
@application_errors_as_http
def batch_list(request):
    form, qs = _batch_filters(request)
    context = {
        "filters": form,
        "page": list_page(request, qs),
        "can_create": _can(request.user, "registry.create_operations"),
    }
    return render(request, "registry/batch_list.html", context)


@login_required
@application_errors_as_http
def batch_export(request):
    _form, qs = _batch_filters(request)
    data = export_model_list(
        request,
        Batch,
        "评价批次",
        excel.BATCH_EXPORT_COLUMNS,
        excel.batch_rows(qs[:EXPORT_MAX_ROWS]),
        max_rows=EXPORT_MAX_ROWS,
    )
    return export_response(f"评价批次_{timezone.localdate():%Y%m%d}.xlsx", data)


def _batch_detail_page(request, batch, *, cancel_form: f.BatchCancelForm | None = None):
    can_edit = batch.status in services.EDITABLE_BATCH_STATUSES and _can(
        request.user, "registry.change_batch", batch
    )
    context = {
        "batch": batch,
        "examiners": list(batch.examiners.all()),
        "can_edit": can_edit,
        "cancel_form": cancel_form or f.BatchCancelForm(initial={"row_version": batch.row_version}),
    }
    return render(request, "registry/batch_detail.html", context)


@login_required
@application_errors_as_http
def batch_detail(request, pk: int):
    return _batch_detail_page(request, selectors.batch_get(request.user, pk))


def _batch_data(form) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["levels"] = [int(x) for x in data["levels"]]
    data["examiners"] = list(data.get("examiners") or [])
    data["team_leader"] = data.get("team_leader")
    data["venue"] = _int(data.get("venue"))
    data["occupation"] = _int(data.get("occupation"))
    return data


def _batch_facts_from_query(request) -> dict[str, Any] | None:
    """The batch being typed (occupation, work type, levels, first and last day), if complete and valid."""
    occupation = Occupation.objects.filter(pk=_int(request.GET.get("occupation"))).first()
    levels = [_int(x) for x in request.GET.getlist("levels")]
    times = []
    for name in ("starts_at", "ends_at"):
        raw = (request.GET.get(name) or "").strip()
        parsed = None
        for pattern in f.DATETIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(raw, pattern)
                break
            except ValueError:
                continue
        times.append(parsed)
    if occupation is None or not levels or None in levels or None in times:
        return None
    return {
        "occupation": occupation,
        "work_type": (request.GET.get("work_type") or "").strip(),
        "levels": levels,
        "first": times[0].date(),
        "last": times[1].date(),
    }


@login_required
@application_errors_as_http
def batch_examiner_search(request):
    """htmx fragment for the batch form: eligible examiners matching a name or card number (L11)."""
    institution = _institution_from_query(request)
    if institution is None:
        raise Http404("请先选择评价机构")
    _require(request.user, "registry.add_batch", institution)
    query = (request.GET.get("examiner_q") or request.GET.get("q") or "").strip()[:50]
    chosen = {_int(x) for x in request.GET.getlist("examiners")} - {None}
    facts = _batch_facts_from_query(request)
    candidates = selectors.examiner_candidates(
        institution,
        q=query,
        occupation=facts["occupation"].pk if facts else _int(request.GET.get("occupation")),
        exclude=chosen,
        limit=selectors.EXAMINER_SEARCH_LIMIT + 1,
    )
    more = len(candidates) > selectors.EXAMINER_SEARCH_LIMIT
    candidates = candidates[: selectors.EXAMINER_SEARCH_LIMIT]
    problems = services.examiner_problems([e.pk for e in candidates], **facts) if facts else {}
    rows = [selectors.examiner_row(e, problem=problems.get(e.pk)) for e in candidates]
    rows.sort(key=lambda r: r["problem"] is not None)  # those who may examine first
    context = {"rows": rows, "checked": facts is not None, "more": more, "query": query}
    return render(request, "registry/partials/examiner_results.html", context)


@login_required
@application_errors_as_http
def batch_create(request):
    _require(request.user, "registry.create_operations")
    institution = _institution_from_query(request)
    if institution is None:
        # Authority users first choose the institution (its venues and scope shape the form).
        choices = selectors.institutions_for(request.user).order_by("name").values_list("pk", "name")[:2000]
        return render(request, "registry/batch_pick_institution.html", {"choices": choices})
    _require(request.user, "registry.add_batch", institution)
    form = f.BatchForm(request.POST or None, institution=institution, initial={"candidate_count": 0})
    if request.method == "POST" and form.is_valid():
        ok, obj = run_form(
            form,
            lambda: services.batch_create(
                actor=request.user, institution=institution.pk, **_batch_data(form)
            ),
        )
        if ok:
            messages.success(request, f"已新增评价批次 {obj.code}")
            return redirect("registry:batch_detail", pk=obj.pk)
    return render(
        request,
        "registry/batch_form.html",
        {
            "form": form,
            "institution": institution,
            "title": "新增评价批次",
        },
    )


@login_required
@application_errors_as_http
def batch_edit(request, pk: int):
    batch = selectors.batch_get(request.user, pk)
    _require(request.user, "registry.change_batch", batch)
    if batch.status not in services.EDITABLE_BATCH_STATUSES:
        # Cancelled and completed batches are records: refuse before the user types anything.
        messages.error(request, f"批次状态为「{batch.get_status_display()}」,不能修改")
        return redirect("registry:batch_detail", pk=batch.pk)
    local_start, local_end = timezone.localtime(batch.starts_at), timezone.localtime(batch.ends_at)
    initial = {
        "occupation": str(batch.occupation_id),
        "work_type": batch.work_type,
        "levels": [str(x) for x in batch.levels],
        "starts_at": local_start.replace(tzinfo=None),
        "ends_at": local_end.replace(tzinfo=None),
        "venue": str(batch.venue_id),
        "candidate_count": batch.candidate_count,
        "examiners": [str(e.pk) for e in batch.examiners.all()],
        "team_leader": str(batch.team_leader_id or ""),
        "row_version": batch.row_version,
    }
    form = f.BatchForm(request.POST or None, institution=batch.institution, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _batch_data(form)
        version = data.pop("row_version")
        ok, _ = run_form(
            form,
            lambda: services.batch_update(actor=request.user, batch=batch.pk, row_version=version, **data),
        )
        if ok:
            messages.success(request, "已保存")
            return redirect("registry:batch_detail", pk=batch.pk)
    return render(
        request,
        "registry/batch_form.html",
        {
            "form": form,
            "institution": batch.institution,
            "batch": batch,
            "title": f"编辑评价批次 {batch.code}",
        },
    )


@login_required
@require_POST
@application_errors_as_http
def batch_cancel(request, pk: int):
    batch = selectors.batch_get(request.user, pk)
    form = f.BatchCancelForm(request.POST)
    if form.is_valid():
        try:
            services.batch_cancel(
                actor=request.user,
                batch=batch.pk,
                reason=form.cleaned_data["reason"],
                row_version=form.cleaned_data["row_version"],
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            if isinstance(exc, IllegalTransition):
                # Already cancelled or completed: nothing left to cancel, say so on the detail page.
                messages.error(request, exc.message)
                return redirect("registry:batch_detail", pk=batch.pk)
            place_errors(form, exc)
        else:
            messages.success(request, f"已取消评价批次 {batch.code}")
            return redirect("registry:batch_detail", pk=batch.pk)
    # Refused: the page again (no redirect) so the typed reason stays, with the error under it.
    return _batch_detail_page(request, batch, cancel_form=form)


# ---------------------------------------------------------------------------------------------------------
# Venues
@login_required
@application_errors_as_http
def venue_list(request):
    form = f.VenueFilterForm(request.GET or None)
    values = f.filter_values(form) if request.GET else {}
    qs = selectors.venue_list(
        request.user, q=values.get("q") or "", institution=_int(values.get("institution"))
    )
    context = {
        "filters": form,
        "page": list_page(request, qs),
        "can_create": _can(request.user, "registry.create_operations"),
    }
    return render(request, "registry/venue_list.html", context)


@login_required
def venue_import(request):
    """Venues from the template (registry.bulk.venues_create: every error of every row, all or nothing)."""
    _require(request.user, "registry.create_operations")
    return import_view(
        request,
        columns=VENUE_COLUMNS,
        kind="venues",
        template_name="web/import_page.html",
        success_url=reverse("registry:venue_list"),
        sheet_name="考核场所",
        example_rows=[VENUE_EXAMPLE],
        extra_context={
            "import_title": "导入考核场所",
            "back_url": reverse("registry:venue_list"),
            "back_label": "考核场所",
        },
    )


@login_required
@application_errors_as_http
def venue_create(request):
    _require(request.user, "registry.create_operations")
    initial = {
        "institution": request.GET.get("institution") or str(request.user.institution_id or ""),
        "room_count": 1,
        "capacity": 30,
        "camera_count": 0,
        "is_active": True,
    }
    form = f.VenueForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.venue_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            if isinstance(exc, NotFound):
                form.add_error("institution", "评价机构不存在或不在您的管辖范围内")
            else:
                place_errors(form, exc)
        else:
            messages.success(request, f"已新增考核场所「{obj.name}」")
            return redirect(reverse("registry:venue_list") + f"?institution={obj.institution_id}")
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": "新增考核场所",
            "back_url": reverse("registry:venue_list"),
            "back_label": "考核场所",
            "form_cols": 2,
        },
    )


@login_required
@application_errors_as_http
def venue_edit(request, pk: int):
    venue = selectors.venue_get(request.user, pk)
    _require(request.user, "registry.change_venue", venue)
    initial = {
        "name": venue.name,
        "address": venue.address,
        "room_count": venue.room_count,
        "capacity": venue.capacity,
        "camera_count": venue.camera_count,
        "is_active": venue.is_active,
        "row_version": venue.row_version,
    }
    form = f.VenueForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("row_version")
        ok, _ = run_form(
            form,
            lambda: services.venue_update(actor=request.user, venue=venue.pk, row_version=version, **data),
        )
        if ok:
            messages.success(request, "已保存")
            return redirect(reverse("registry:venue_list") + f"?institution={venue.institution_id}")
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": f"编辑考核场所:{venue.name}",
            "form_cols": 2,
            "back_url": reverse("registry:venue_list"),
            "back_label": "考核场所",
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Occupations and authorities
def _occupation_filters(request):
    form = f.OccupationFilterForm(request.GET or None)
    values = f.filter_values(form) if request.GET else {}
    verified = {"1": True, "0": False}.get(values.get("verified") or "")
    return form, selectors.occupation_list(q=values.get("q") or "", verified=verified)


@login_required
def occupation_list(request):
    form, qs = _occupation_filters(request)
    context = {
        "filters": form,
        "page": list_page(request, qs),
        "can_manage": _can(request.user, "registry.add_occupation"),
    }
    return render(request, "registry/occupation_list.html", context)


@login_required
def occupation_export(request):
    _form, qs = _occupation_filters(request)
    data = export_model_list(
        request,
        Occupation,
        "职业目录",
        excel.OCCUPATION_COLUMNS,
        excel.occupation_rows(qs),
        max_rows=EXPORT_MAX_ROWS,
    )
    return export_response(f"职业目录_{timezone.localdate():%Y%m%d}.xlsx", data)


@login_required
def occupation_import(request):
    _require(request.user, "registry.add_occupation")
    return import_view(
        request,
        columns=excel.OCCUPATION_COLUMNS,
        kind="occupations",
        template_name="web/import_page.html",
        success_url=reverse("registry:occupation_list"),
        sheet_name="职业目录",
        example_rows=[excel.OCCUPATION_EXAMPLE],
        extra_context={
            "import_title": "导入职业目录",
            "back_url": reverse("registry:occupation_list"),
            "back_label": "职业目录",
        },
    )


@login_required
@application_errors_as_http
def occupation_create(request):
    _require(request.user, "registry.add_occupation")
    form = f.OccupationForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.occupation_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            place_errors(form, exc)
        else:
            messages.success(request, f"已新增职业 {obj.code} {obj.name}")
            return redirect("registry:occupation_list")
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": "新增职业",
            "back_url": reverse("registry:occupation_list"),
            "back_label": "职业目录",
        },
    )


@login_required
@application_errors_as_http
def occupation_edit(request, pk: int):
    occupation = selectors.occupation_get(pk)
    _require(request.user, "registry.change_occupation", occupation)
    initial = {
        "code": occupation.code,
        "name": occupation.name,
        "verified": occupation.verified,
        "source": occupation.source,
        "is_active": occupation.is_active,
    }
    form = f.OccupationForm(request.POST or None, initial=initial)
    version = _int(request.POST.get("row_version")) if request.method == "POST" else occupation.row_version
    if request.method == "POST" and form.is_valid():
        try:
            services.occupation_update(
                actor=request.user, occupation=occupation.pk, row_version=version, **form.cleaned_data
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            place_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("registry:occupation_list")
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": f"编辑职业 {occupation.code}",
            "row_version": version,
            "back_url": reverse("registry:occupation_list"),
            "back_label": "职业目录",
        },
    )


@login_required
def authority_list(request):
    form = f.AuthorityFilterForm(request.GET or None)
    values = f.filter_values(form) if request.GET else {}
    qs = selectors.authority_list(request.user, q=values.get("q") or "")
    return render(request, "registry/authority_list.html", {"filters": form, "page": list_page(request, qs)})


# ---------------------------------------------------------------------------------------------------------
# Regions (GB/T 2260): browse as a tree, search, import cities and districts
@login_required
def region_list(request):
    form = f.RegionFilterForm(request.GET or None)
    values = f.filter_values(form) if request.GET else {}
    parent_code = (values.get("parent") or "").strip()
    parent = None
    if parent_code:
        parent = Region.objects.select_related("parent__parent").filter(code=parent_code).first()
        if parent is None:
            raise Http404("区划不存在")
    searching = bool(values.get("q") or values.get("kind"))
    if searching:
        qs = selectors.region_search(q=values.get("q") or "", kind=values.get("kind") or "", within=parent)
    else:
        qs = selectors.region_children(parent)
    authority = getattr(request.user, "authority", None)
    context = {
        "filters": form,
        "page": list_page(request, qs, default_page_size=50),
        "parent": parent,
        "path": selectors.region_path(parent),
        "searching": searching,
        "own_region": authority.region_id if authority is not None else "",
        "can_import": _can(request.user, "registry.import_region"),
    }
    return render(request, "registry/region_list.html", context)


REGION_SHEET = "行政区划"


def _region_import_context(**extra: Any) -> dict[str, Any]:
    return {
        "columns": services.REGION_COLUMNS,
        "sheet_name": REGION_SHEET,
        "import_title": "导入行政区划",
        "back_url": reverse("registry:region_list"),
        "back_label": "行政区划",
        **extra,
    }


@login_required
@application_errors_as_http
def region_import(request):
    """Import cities and districts (区划代码, 名称) from the template (CSV accepted too); all or nothing."""
    _require(request.user, "registry.import_region")
    if request.method == "GET" and request.GET.get("template"):
        data = template_workbook(services.REGION_COLUMNS, sheet_name=REGION_SHEET)
        return export_response(f"{REGION_SHEET}导入模板.xlsx", data)
    context = _region_import_context()
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ImportFailed(
                    "请选择要导入的 .xlsx 文件", errors=[RowError(0, "", "请选择要导入的 .xlsx 文件")]
                )
            if upload.size is not None and upload.size > settings.DUDAO_UPLOAD_MAX_BYTES:
                limit = settings.DUDAO_UPLOAD_MAX_BYTES / 1048576
                message = f"文件过大:{upload.size / 1048576:.1f} MB,上限为 {limit:.1f} MB"
                raise ImportFailed(message, errors=[RowError(0, "", message)])
            result = services.regions_import(
                actor=request.user, data=upload.read(), filename=upload.name or "regions.xlsx"
            )
        except ImportFailed as exc:
            errors = exc.errors
            report = base64.b64encode(error_workbook(errors)).decode("ascii") if errors else ""
            context.update(import_errors=errors, import_error_message=exc.message, import_error_report=report)
        else:
            messages.success(
                request,
                f"导入完成:新增 {result['created']} 个、更新 {result['updated']} 个、"
                f"未变 {result['unchanged']} 个区划",
            )
            return redirect("registry:region_list")
    return render(request, "registry/region_import.html", context)
