"""Pages of the national upload of certificate information (CERT-3; FORM-B C4.2/C4.3): the 上报 section of a
plan's 成绩与证书 tab (its forms post here), the export's download (full ID numbers: the issuing admin only,
audited), the receipt file, and the list of batches with their upload status and six-month check for the
authority (its region) and the institution (its own)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import NotFound
from dudao.common.files import serve_stored
from dudao.web.kit import application_errors_as_http, list_page, run_and_flash

from .. import services
from ..domain import upload as rules
from ..models import ExamPlan
from ..selectors_uploads import (
    batch_counts,
    batch_plans,
    batch_rows,
    overseen_plans,
    plan_compliance,
    upload_get,
    uploads_for,
)
from ..services.uploads import configured_days, configured_format, may_upload
from ..upload_files import CONTENT_TYPES


def upload_context(request: HttpRequest, plan: ExamPlan) -> dict[str, Any]:
    """The 上报 section of the plan's 成绩与证书 tab: its six-month check, next cadence day, uploads."""
    today = timezone.localdate()
    compliance = plan_compliance(plan, today)
    return {
        "upload_compliance": compliance,
        "upload_next_due": rules.next_due(today, configured_days()) if compliance.pending else None,
        "uploads": list(uploads_for(request.user).filter(plan=plan)),
        "may_upload": may_upload(request.user, plan),
        "upload_format": rules.FORMAT_LABELS[configured_format()],
        "upload_formats": rules.FORMAT_LABELS,
        "today": today,
    }


def _back(plan_id: int) -> str:
    return reverse("exams:results", args=[plan_id]) + "#uploads"


def _plan(request: HttpRequest, pk: int) -> ExamPlan:
    plan = ExamPlan.objects.select_related("batch").filter(pk=pk).first()
    if plan is None or not overseen_plans(request.user).filter(pk=plan.pk).exists():
        raise NotFound()
    return plan


@login_required
@require_POST
@application_errors_as_http
def upload_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return run_and_flash(
        request,
        lambda: services.certificate_upload_export(
            actor=request.user, plan=plan, file_format=request.POST.get("format") or None
        ),
        "上报文件已导出,请下载后上传到国家平台,再在此确认回执或登记退回",
        _back(plan.pk),
    )


@login_required
@require_GET
@application_errors_as_http
def upload_file(request: HttpRequest, pk: int) -> HttpResponse:
    upload = upload_get(request.user, pk)
    content = services.certificate_upload_file(actor=request.user, upload=upload)
    response = HttpResponse(content, content_type=CONTENT_TYPES[upload.format])
    response["Content-Disposition"] = f'attachment; filename="certificate-upload-{upload.pk}.{upload.format}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@application_errors_as_http
def upload_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    upload = upload_get(request.user, pk)
    if not upload.receipt_file:
        raise NotFound("没有回执文件")
    return serve_stored(
        upload.receipt_file, content_type=upload.receipt_content_type, filename=upload.receipt_name
    )


@login_required
@require_POST
@application_errors_as_http
def upload_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = upload_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.certificate_upload_confirm(
            actor=request.user,
            upload=upload,
            receipt_number=request.POST.get("receipt_number"),
            receipt_date=request.POST.get("receipt_date"),
            receipt_file=request.FILES.get("receipt_file"),
        ),
        "已确认上报,证书状态已更新为已上报",
        _back(upload.plan_id),
    )


@login_required
@require_POST
@application_errors_as_http
def upload_reject(request: HttpRequest, pk: int) -> HttpResponse:
    upload = upload_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.certificate_upload_reject(
            actor=request.user,
            upload=upload,
            reason=request.POST.get("reason"),
            wrong_data=request.POST.get("wrong_data") == "1",
        ),
        "已登记退回,请更正后重新导出上报",
        _back(upload.plan_id),
    )


class BatchFilterForm(forms.Form):
    q = forms.CharField(label="批次编号或机构名称", required=False, max_length=64)
    status = forms.ChoiceField(
        label="上报状态",
        required=False,
        choices=[("", "全部"), ("noncompliant", "不合规(超期未报或逾期上报)")]
        + [(k, v) for k, v in rules.STATUS_LABELS.items() if k != "none"],
    )


@login_required
@require_GET
@application_errors_as_http
def batch_list(request: HttpRequest) -> HttpResponse:
    """证书上报: the batches with certificates the user oversees, their upload status and C4.2 check."""
    user = request.user
    if not (is_superuser(user) or is_authority_user(user) or is_institution_user(user)):
        raise DjangoPermissionDenied("没有查看证书上报情况的权限")
    filters = BatchFilterForm(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    plans = batch_plans(user, status=data.get("status", ""), q=(data.get("q") or "").strip(), today=today)
    page = list_page(request, plans)
    page.items = batch_rows(page.items, today)
    return render(
        request,
        "exams/staff/certificate_uploads.html",
        {
            "filters": filters,
            "page": page,
            **batch_counts(user, today),
            "next_due": rules.next_due(today, configured_days()),
            "cadence": "、".join(f"{d} 日" for d in configured_days()),
            "today": today,
        },
    )
