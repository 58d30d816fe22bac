"""Writers of the national upload of certificate information (CERT-3, EXAM-12; FORM-B C4.2/C4.3).

Workflow (TRANSITIONS): exported → uploaded (the issuing institution's admin confirms with the national
system's receipt number and date, optionally its receipt file) or exported → rejected (with the reason; the
certificates stay pending and are exported again). One export awaits an answer per plan at a time.

What an export holds: every certificate of the plan not uploaded yet, valid or voided (the national system
learns a voided number as voided), plus every certificate voided after its upload whose voiding has not been
reported. The file carries full ID numbers (the national query system identifies holders by them), so only
the issuing institution's admin exports and downloads it (谁发证、谁负责), each time audited, and the file
is kept encrypted with the personal-data key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dudao.accounts.permissions import is_institution_admin
from dudao.common import audit, pii
from dudao.common.errors import Conflict, IllegalTransition, ValidationFailed
from dudao.common.files import PAPER_KINDS, store_upload
from dudao.common.transitions import check_transition
from dudao.common.writes import checked_text, lock, parse_date, require, save_fields

from .. import upload_files
from ..domain import upload as rules
from ..domain.results import LEVEL_NAMES
from ..models import Certificate, CertificateUpload, CertificateUploadItem, ExamPlan

U = CertificateUpload.Status
ID_TYPE = "居民身份证"
RECEIPT_MAX_BYTES = 10 * 1024 * 1024


def may_upload(user: Any, obj: Any) -> bool:
    """The issuing institution's admin (CERT-3 谁发证、谁负责): not a superuser, not the authority."""
    plan = obj.plan if isinstance(obj, CertificateUpload) else obj
    return bool(is_institution_admin(user) and user.institution_id == plan.batch.institution_id)


TRANSITIONS: Mapping[str, Mapping[str, Callable[[Any, Any], bool]]] = {
    U.EXPORTED: {U.UPLOADED: may_upload, U.REJECTED: may_upload},
    U.UPLOADED: {},
    U.REJECTED: {},
}
DENIED = "只有发证机构的管理员可以办理证书信息上报"


def configured_format() -> str:
    return rules.parse_format(settings.DUDAO_CERTIFICATE_UPLOAD_FORMAT)


def configured_days() -> tuple[int, ...]:
    return rules.parse_days(settings.DUDAO_CERTIFICATE_UPLOAD_DAYS)


def to_upload(plan: ExamPlan) -> QuerySet[Certificate]:
    """The certificates of `plan` the national system has not learnt about: never uploaded (valid or voided),
    or voided after their upload without that voiding reported in a confirmed upload."""
    void_reported = CertificateUploadItem.objects.filter(
        certificate=OuterRef("pk"),
        certificate_status=Certificate.Status.VOIDED,
        upload__status=U.UPLOADED,
    )
    return Certificate.objects.filter(registration__plan=plan).filter(
        Q(upload=Certificate.Upload.PENDING) | (Q(status=Certificate.Status.VOIDED) & ~Exists(void_reported))
    )


def _row(cert: Certificate) -> dict[str, Any]:
    voided = cert.status == Certificate.Status.VOIDED
    return {
        "number": cert.number,
        "name": cert.name,
        "id_type": ID_TYPE,
        "id_number": pii.decrypt(cert.person.id_number_encrypted),
        "occupation_code": cert.occupation_code,
        "occupation_name": cert.occupation_name,
        "level": cert.level,
        "level_name": LEVEL_NAMES.get(cert.level, str(cert.level)),
        "institution_name": cert.institution_name,
        "issued_on": cert.issued_on.isoformat(),
        "status": cert.get_status_display(),
        "void_reason": cert.void_reason if voided else "",
        "voided_on": timezone.localtime(cert.voided_at).date().isoformat()
        if voided and cert.voided_at
        else "",
    }


@transaction.atomic
def certificate_upload_export(*, actor: Any, plan: ExamPlan, file_format: Any = None) -> CertificateUpload:
    """CERT-3: export the plan's certificates the national system has not learnt about, in the configured
    format (or `file_format`), as one upload awaiting confirmation; audited with the count and the digest."""
    require(may_upload(actor, plan), DENIED)
    plan = lock(ExamPlan, plan.pk)
    try:
        fmt = rules.parse_format(file_format) if file_format else configured_format()
    except rules.UploadSettingError as exc:
        raise ValidationFailed(str(exc), detail={"format": [str(exc)]}) from None
    if CertificateUpload.objects.filter(plan=plan, status=U.EXPORTED).exists():
        raise Conflict("该计划上一次导出的上报文件尚未确认或退回,请先办理")
    certs = list(to_upload(plan).select_related("person").order_by("number"))
    if not certs:
        raise IllegalTransition("该计划没有需要上报的证书")
    content = upload_files.render([_row(c) for c in certs], fmt)
    now = timezone.now()
    voided = sum(c.status == Certificate.Status.VOIDED for c in certs)
    upload = CertificateUpload(
        plan=plan,
        format=fmt,
        file_name=f"证书信息_{plan.batch.code}_{timezone.localtime(now):%Y%m%d%H%M}.{fmt}"[:128],
        content=pii.encrypt(base64.b64encode(content).decode("ascii")),
        sha256=hashlib.sha256(content).hexdigest(),
        count=len(certs),
        voided_count=voided,
        exported_at=now,
        exported_by=actor,
    )
    try:
        with transaction.atomic():
            upload.save(force_insert=True)
    except IntegrityError:  # a concurrent export of the same plan won (exams_upload_one_open_per_plan)
        raise Conflict("该计划上一次导出的上报文件尚未确认或退回,请先办理") from None
    CertificateUploadItem.objects.bulk_create(
        [CertificateUploadItem(upload=upload, certificate=c, certificate_status=c.status) for c in certs]
    )
    audit.record(
        actor=actor,
        action="exams.certificate_upload.export",
        obj=upload,
        after={
            "plan": plan.pk,
            "format": fmt,
            "count": len(certs),
            "voided": voided,
            "sha256": upload.sha256,
            "personal_data_shown": True,
        },
    )
    return upload


@transaction.atomic
def certificate_upload_file(*, actor: Any, upload: CertificateUpload) -> bytes:
    """The export's bytes for a download (full ID numbers: the issuing admin only; each download audited)."""
    require(may_upload(actor, upload), "只有发证机构的管理员可以下载上报文件(含完整身份证号)")
    content = base64.b64decode(pii.decrypt(upload.content))
    if hashlib.sha256(content).hexdigest() != upload.sha256:
        raise Conflict("上报文件校验失败,请重新导出")
    audit.record(
        actor=actor,
        action="exams.certificate_upload.download",
        obj=upload,
        after={"sha256": upload.sha256, "count": upload.count, "personal_data_shown": True},
    )
    return content


def _check(upload: CertificateUpload, to: str, actor: Any) -> None:
    check_transition(
        TRANSITIONS,
        upload,
        to,
        actor,
        message=f"该上报批次当前状态为「{upload.get_status_display()}」,不能再确认或退回",
        denied=DENIED,
    )


@transaction.atomic
def certificate_upload_confirm(
    *,
    actor: Any,
    upload: CertificateUpload,
    receipt_number: Any,
    receipt_date: Any,
    receipt_file: Any = None,
    today: dt.date | None = None,
) -> CertificateUpload:
    """The national system accepted the export: record its receipt and mark its certificates uploaded (their
    upload time is the receipt date; a certificate already uploaded keeps its first upload time)."""
    require(may_upload(actor, upload), DENIED)
    upload = lock(upload)
    _check(upload, U.UPLOADED, actor)
    number = checked_text(receipt_number, "receipt_number", "国家平台回执号", limit=64)
    day = parse_date(receipt_date, "receipt_date", "上报日期")
    exported_on = timezone.localtime(upload.exported_at).date()
    if day < exported_on:
        raise ValidationFailed(
            "上报日期不能早于导出日期", detail={"receipt_date": [f"不能早于 {exported_on:%Y-%m-%d}"]}
        )
    if day > (today or timezone.localdate()):
        raise ValidationFailed("上报日期不能晚于今天", detail={"receipt_date": ["不能晚于今天"]})
    if receipt_file:
        stored = store_upload(
            receipt_file, kinds=PAPER_KINDS, max_bytes=RECEIPT_MAX_BYTES, subdir="certificate-receipts"
        )
        upload.receipt_file, upload.receipt_name = stored.name, stored.original_name
        upload.receipt_content_type, upload.receipt_sha256 = stored.content_type, stored.sha256
    upload.receipt_number, upload.receipt_date = number, day
    # first uploads only: a certificate uploaded before keeps its first upload time (and its C4.2 state)
    newly = Certificate.objects.filter(upload_items__upload=upload, upload=Certificate.Upload.PENDING)
    upload.late_count = newly.filter(issued_on__lt=rules.overdue_cutoff(day)).count()
    upload.status, upload.decided_at, upload.decided_by = U.UPLOADED, timezone.now(), actor
    save_fields(
        upload,
        [
            "status",
            "receipt_number",
            "receipt_date",
            "receipt_file",
            "receipt_name",
            "receipt_content_type",
            "receipt_sha256",
            "late_count",
            "decided_at",
            "decided_by",
        ],
    )
    uploaded_at = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    marked = newly.update(
        upload=Certificate.Upload.UPLOADED, uploaded_at=uploaded_at, updated_at=timezone.now()
    )
    audit.record(
        actor=actor,
        action="exams.certificate_upload.confirm",
        obj=upload,
        before={"status": U.EXPORTED},
        after={
            "status": U.UPLOADED,
            "receipt_number": number,
            "receipt_date": day.isoformat(),
            "receipt_file": upload.receipt_sha256,
            "certificates_marked": marked,
            "late": upload.late_count,
        },
    )
    return upload


@transaction.atomic
def certificate_upload_reject(
    *, actor: Any, upload: CertificateUpload, reason: Any, wrong_data: Any = True
) -> CertificateUpload:
    """The national system refused the export: record why (and whether for wrong information, FORM-B C4.3);
    its certificates stay pending for the next export."""
    require(may_upload(actor, upload), DENIED)
    upload = lock(upload)
    _check(upload, U.REJECTED, actor)
    upload.reject_reason = checked_text(reason, "reason", "退回原因", limit=500)
    upload.wrong_data = bool(wrong_data)
    upload.status, upload.decided_at, upload.decided_by = U.REJECTED, timezone.now(), actor
    save_fields(upload, ["status", "reject_reason", "wrong_data", "decided_at", "decided_by"])
    audit.record(
        actor=actor,
        action="exams.certificate_upload.reject",
        obj=upload,
        before={"status": U.EXPORTED},
        after={"status": U.REJECTED, "reason": upload.reject_reason, "wrong_data": upload.wrong_data},
    )
    return upload
