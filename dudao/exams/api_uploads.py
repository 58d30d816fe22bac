"""API of the national upload of certificate information (CERT-3), mounted at /api/v1: a plan's uploads and
its six-month check, exporting, the export's file (full ID numbers: the issuing admin only, audited),
confirming with the national system's receipt and recording a rejection. Out of scope → 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Status

from dudao.common.errors import NotFound

from . import schemas_uploads as s
from . import selectors, services
from .domain import upload as rules
from .selectors_uploads import plan_compliance, upload_get, uploads_for
from .services.uploads import configured_days
from .upload_files import CONTENT_TYPES

router = Router(tags=["certificate-uploads"])


def _overseen(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    if not selectors.oversees(request.user, plan):
        raise NotFound()
    return plan


def compliance_out(compliance: rules.BatchCompliance) -> dict:
    today = timezone.localdate()
    return {
        "status": compliance.status,
        "label": compliance.label,
        "compliant": compliance.compliant,
        "total": compliance.total,
        "pending": compliance.pending,
        "overdue": compliance.overdue,
        "late": compliance.late,
        "deadline": compliance.deadline,
        "next_due": rules.next_due(today, configured_days()) if compliance.pending else None,
    }


@router.get(
    "/exams/plans/{int:pk}/certificate-uploads",
    response=s.PlanUploadsOut,
    summary="证书信息上报记录与时限检查",
)
def list_uploads(request, pk: int):
    plan = _overseen(request, pk)
    return {
        "compliance": compliance_out(plan_compliance(plan)),
        "items": list(uploads_for(request.user).filter(plan=plan)),
    }


@router.post(
    "/exams/plans/{int:pk}/certificate-uploads",
    response={201: s.UploadOut},
    summary="导出证书上报文件(发证机构管理员,含完整身份证号,留痕)",
)
def export_upload(request, pk: int, payload: s.ExportIn):
    plan = _overseen(request, pk)
    return Status(
        201, services.certificate_upload_export(actor=request.user, plan=plan, file_format=payload.format)
    )


@router.get("/certificate-uploads/{int:pk}/file", summary="下载证书上报文件(发证机构管理员,留痕)")
def upload_file(request, pk: int):
    upload = upload_get(request.user, pk)
    content = services.certificate_upload_file(actor=request.user, upload=upload)
    response = HttpResponse(content, content_type=CONTENT_TYPES[upload.format])
    response["Content-Disposition"] = f'attachment; filename="certificate-upload-{upload.pk}.{upload.format}"'
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/certificate-uploads/{int:pk}/confirm", response=s.UploadOut, summary="确认已上报(国家平台回执)"
)
def confirm_upload(request, pk: int, payload: s.ConfirmIn):
    upload = upload_get(request.user, pk)
    return services.certificate_upload_confirm(
        actor=request.user,
        upload=upload,
        receipt_number=payload.receipt_number,
        receipt_date=payload.receipt_date,
    )


@router.post("/certificate-uploads/{int:pk}/reject", response=s.UploadOut, summary="登记上报被退回(写明原因)")
def reject_upload(request, pk: int, payload: s.RejectIn):
    upload = upload_get(request.user, pk)
    return services.certificate_upload_reject(
        actor=request.user, upload=upload, reason=payload.reason, wrong_data=payload.wrong_data
    )
