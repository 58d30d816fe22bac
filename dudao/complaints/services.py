"""Writers of the complaints app: each change and its audit event in one transaction (DESIGN).

The public files a complaint without an account (actor None) and gets a tracking code and a secret; only
the secret's keyed digest is stored. The filer's contact is encrypted (SEC-3) and kept out of every audit
event (COMPL-2: identity protected).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dudao.registry.domain import normalise_uscc, validate_uscc
from dudao.registry.models import Institution
from dudao.workdays import selectors as workdays

from . import domain, permissions
from .models import Complaint

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone
CODE_LENGTH = 10
SECRET_LENGTH = 12
NOT_FOUND_MESSAGE = "查询码或查询密码不正确"
INSTITUTION_UNKNOWN = "未找到该统一社会信用代码对应的评价机构,请核对后重新填写"


def _random(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def secret_digest(secret: str) -> str:
    """Keyed digest of a secret (random, 60 bits: no slow hash; the key makes a stolen table useless)."""
    key = hashlib.sha256(b"dudao-complaint-secret:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, secret.strip().upper().encode(), hashlib.sha256).hexdigest()


def _public_after(complaint: Complaint) -> dict[str, Any]:
    """What the audit trail keeps of a complaint: never the contact, the secret or the text."""
    return {
        "code": complaint.code,
        "institution_id": complaint.institution_id,
        "category": complaint.category,
        "anonymous": complaint.anonymous,
        "status": complaint.status,
        "accept_by": complaint.accept_by,
        "content_chars": len(complaint.content),
    }


def complaint_file(
    *,
    institution: str,
    category: Any,
    content: Any,
    anonymous: Any,
    contact_name: Any = "",
    contact_phone: Any = "",
) -> tuple[Complaint, str]:
    """File a complaint from the public (COMPL-1); returns it with the secret shown once to the filer.

    The acceptance deadline is counted from the day of receipt (COMPL-2, CAL-2)."""
    errors: dict[str, list[str]] = {}
    found = None
    text = institution if isinstance(institution, str) else ""
    typed = normalise_uscc(text.strip()[:64]) if text.strip() else ""
    if typed:
        try:
            code = validate_uscc(typed, field_name="institution")
        except ValidationFailed as exc:
            # A mistyped code (letters and digits only) is told what is wrong with it (length, characters,
            # check digit); anything else (a name the page did not know) is simply not found.
            if typed.isascii() and typed.isalnum():
                errors["institution"] = [exc.message]
        else:
            found = Institution.objects.filter(uscc=code, is_active=True).first()
    if found is None and "institution" not in errors:
        errors["institution"] = [INSTITUTION_UNKNOWN]
    try:
        filing = domain.check_filing(
            category=category,
            content=content,
            anonymous=anonymous,
            contact_name=contact_name,
            contact_phone=contact_phone,
        )
    except ValidationFailed as exc:
        errors = {**errors, **(exc.detail or {})}
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, detail=errors)
    now = timezone.now()
    received = timezone.localdate(now)
    plan = domain.plan(
        received, None, workdays.calendar(), accept_workdays=settings.DUDAO_COMPLAINT_ACCEPT_WORKDAYS
    )
    secret = _random(SECRET_LENGTH)
    for _attempt in range(5):  # a code collision (32^10 codes) is retried, never reported
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    code=_random(CODE_LENGTH),
                    secret_hash=secret_digest(secret),
                    institution=found,
                    category=filing.category.value,
                    content=filing.content,
                    anonymous=filing.anonymous,
                    contact_name=filing.contact_name,
                    contact_phone=filing.contact_phone,
                    received_at=now,
                    accept_by=plan.accept_by,
                    accept_by_provisional=plan.provisional,
                )
                audit.record(
                    actor=AnonymousUser(),  # the public, without an account: "anonymous" in the trail
                    action="complaints.complaint.file",
                    obj=complaint,
                    after=_public_after(complaint),
                )
            return complaint, secret
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a complaint code")  # pragma: no cover - 32^10 codes


def complaint_follow(code: Any, secret: Any) -> Complaint:
    """The filer's own complaint by code and secret; an unknown code and a wrong secret are the same 404."""
    if not isinstance(code, str) or not isinstance(secret, str) or not code.strip() or not secret.strip():
        raise NotFound(NOT_FOUND_MESSAGE)
    complaint = Complaint.objects.filter(code=code.strip().upper()[:16]).first()
    expected = complaint.secret_hash if complaint is not None else secret_digest("-")
    if not hmac.compare_digest(expected, secret_digest(secret[:64])) or complaint is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return complaint


def public_view(complaint: Complaint) -> dict[str, Any]:
    """What the filer sees: the status and the public reply only (never the contact or internal notes)."""
    return {
        "code": complaint.code,
        "status": complaint.status,
        "status_label": complaint.get_status_display(),
        "reply": complaint.public_reply or None,
    }


# ------------------------------------------------------------------------------------- the authority
MAX_REASON_CHARS = 1000
REASON_REQUIRED = "请填写理由"
REASON_TOO_LONG = f"理由不能超过 {MAX_REASON_CHARS} 个字"


def complaint_decide(
    *, actor: Any, complaint: Complaint, action: str, reason: Any, row_version: Any
) -> Complaint:
    """Accept or decline a received complaint with a reason (COMPL-2). Accepting sets the result deadline
    (working days after the day of acceptance); a decline's reason is the reply the filer reads."""
    if not permissions.may_handle(actor, complaint):
        raise PermissionDenied("只有被投诉机构所在地区的人社部门可以受理投诉")
    text = " ".join(str(reason or "").split()) if isinstance(reason, str) or reason is None else ""
    if not text:
        raise ValidationFailed(REASON_REQUIRED, detail={"reason": [REASON_REQUIRED]})
    if len(text) > MAX_REASON_CHARS:
        raise ValidationFailed(REASON_TOO_LONG, detail={"reason": [REASON_TOO_LONG]})
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if str(row_version) != str(locked.row_version):
            raise Conflict("该投诉已被他人处理,请刷新后重试", detail={"row_version": locked.row_version})
        target = domain.transition(locked.status, action)
        before = _public_after(locked) | {"row_version": locked.row_version}
        now = timezone.now()
        locked.status = target.value
        locked.decided_at = now
        locked.decided_by = actor
        locked.decision_reason = text
        if target is domain.Status.ACCEPTED:
            plan = domain.plan(
                locked.received_at.astimezone(timezone.get_current_timezone()).date(),
                timezone.localdate(now),
                workdays.calendar(),
                accept_workdays=settings.DUDAO_COMPLAINT_ACCEPT_WORKDAYS,
                result_workdays=settings.DUDAO_COMPLAINT_RESULT_WORKDAYS,
            )
            locked.result_by = plan.result_by
            locked.result_by_provisional = plan.provisional
        else:
            locked.public_reply = text
        locked.row_version += 1
        locked.save()
        audit.record(
            actor=actor,
            action=f"complaints.complaint.{action}",
            obj=locked,
            before=before,
            after=_public_after(locked)
            | {"reason": text, "result_by": locked.result_by, "row_version": locked.row_version},
        )
    return locked


def complaint_filer(*, actor: Any, complaint: Complaint) -> dict[str, str]:
    """The filer's name and phone for a handler with the right; every view is audited (COMPL-2, SEC-3)."""
    if complaint.anonymous:
        raise ValidationFailed("匿名投诉没有保存投诉人信息")
    if not permissions.may_see_filer(actor, complaint):
        raise PermissionDenied("没有查看投诉人信息的权限")
    with transaction.atomic():
        row = Complaint.objects.only("contact_name", "contact_phone").get(pk=complaint.pk)
        audit.record(
            actor=actor,
            action="complaints.complaint.view_filer",
            obj=complaint,
            after={"code": complaint.code},
        )
    return {"name": row.contact_name, "phone": row.contact_phone}
