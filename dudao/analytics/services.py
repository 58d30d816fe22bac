"""Writers of the analytics app: flags recorded by a refresh, and their review (issue 13 item 1).

A flag's `fingerprint` hashes its kind, its subject and the data it rests on. A refresh records only
fingerprints it has not seen: a confirmed or dismissed pattern on the same data is not raised again, while
new data (a changed pattern) makes a new fingerprint and a new flag. Confirming opens a special
supervision task through supervision's own service (ACT-3, RAND-1 raises targets with abnormal data).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import IllegalTransition, PermissionDenied
from dudao.common.writes import checked_text, lock_version, ref_or_fail

from . import permissions
from .models import Flag

MAX_REASON_CHARS = 1000
ALREADY_REVIEWED = "该疑点已核查,不能重复处理"


def fingerprint(kind: str, subject_key: str, basis: Any) -> str:
    """SHA-256 of the kind, the subject and the data behind it, in canonical JSON."""
    payload = json.dumps(
        {"kind": kind, "subject": subject_key, "basis": basis},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _audit_after(flag: Flag) -> dict[str, Any]:
    return audit.snapshot(
        flag,
        fields=[
            "kind",
            "institution",
            "batch",
            "examiner",
            "subject_key",
            "statistic",
            "p_value",
            "fingerprint",
            "status",
            "reason",
            "reviewer",
            "task",
            "complaint",
            "row_version",
        ],
    )


@transaction.atomic
def record_flags(candidates: Iterable[dict[str, Any]], *, actor: Any = None) -> tuple[list[Flag], int]:
    """Store the candidates whose fingerprint is new; returns (new flags, how many were already known)."""
    by_print: dict[str, dict[str, Any]] = {}
    for c in candidates:
        by_print.setdefault(fingerprint(c["kind"], c["subject_key"], c["basis"]), c)
    known = set(Flag.objects.filter(fingerprint__in=list(by_print)).values_list("fingerprint", flat=True))
    now = timezone.now()
    created = []
    for print_, c in by_print.items():
        if print_ in known:
            continue
        flag = Flag(
            kind=c["kind"],
            source=c["source"],
            authority_id=c.get("authority_id"),
            institution_id=c.get("institution_id"),
            batch_id=c.get("batch_id"),
            examiner_id=c.get("examiner_id"),
            subject_key=str(c["subject_key"])[:255],
            period_start=c.get("period_start"),
            period_end=c.get("period_end"),
            statistic=float(c["statistic"]),
            p_value=c.get("p_value"),
            evidence=c["evidence"],
            fingerprint=print_,
            created_at=now,
        )
        flag.save(force_insert=True)
        created.append(flag)
    if created:
        audit.record_many(
            actor=actor,
            action="analytics.flag.raise",
            objects=created,
            after=[_audit_after(f) for f in created],
        )
    return created, len(known)


def _reviewable(actor: Any, flag: Flag, row_version: Any) -> Flag:
    if not permissions.may_review(actor, flag):
        raise PermissionDenied("只有该机构所在地区的人社部门可以核查疑点")
    locked = lock_version(flag, row_version)
    if locked.status != Flag.Status.OPEN:
        raise IllegalTransition(ALREADY_REVIEWED)
    return locked


def _reason(value: Any, required: bool) -> str:
    return checked_text(value, "reason", "核查结论", limit=MAX_REASON_CHARS, required=required)


@transaction.atomic
def flag_dismiss(*, actor: Any, flag: Flag, reason: Any, row_version: Any) -> Flag:
    """Dismiss an open flag with a reason (required); the same pattern on the same data is not raised
    again."""
    locked = _reviewable(actor, flag, row_version)
    text = _reason(reason, required=True)
    before = _audit_after(locked)
    locked.status = Flag.Status.DISMISSED
    locked.reason, locked.reviewer, locked.reviewed_at = text, actor, timezone.now()
    locked.row_version += 1
    locked.save(update_fields=["status", "reason", "reviewer", "reviewed_at", "row_version"])
    audit.record(
        actor=actor, action="analytics.flag.dismiss", obj=locked, before=before, after=_audit_after(locked)
    )
    return locked


@transaction.atomic
def flag_confirm(
    *,
    actor: Any,
    flag: Flag,
    row_version: Any,
    reason: Any = "",
    supervisors: Sequence[Any] = (),
    starts_at: Any = None,
    ends_at: Any = None,
    items: Sequence[str] = (),
    leader: Any = None,
    group_reason: str = "",
    complaint: Any = None,
) -> Flag:
    """Confirm an open flag: open a special supervision task on its institution (and batch) with the named
    supervisors, or link it to a complaint under investigation in the reviewer's region."""
    from dudao.complaints import permissions as complaint_permissions
    from dudao.complaints.models import Complaint
    from dudao.supervision.models import TaskKind
    from dudao.supervision.services import task_create

    locked = _reviewable(actor, flag, row_version)
    text = _reason(reason, required=False)
    before = _audit_after(locked)
    if complaint not in (None, ""):
        found = ref_or_fail(
            Complaint.objects.select_related("institution"), complaint, "complaint", "投诉不存在或无权查看"
        )
        if not complaint_permissions.may_handle(actor, found):
            raise PermissionDenied("只有该机构所在地区的人社部门可以办理该投诉")
        locked.complaint = found
    else:
        if locked.institution_id is None:
            raise IllegalTransition("该疑点未对应评价机构,不能派发专项督导,请关联投诉件办理")
        task = task_create(
            actor=actor,
            institution=locked.institution_id,
            supervisors=supervisors,
            kind=TaskKind.SPECIAL,
            batch=locked.batch_id,
            starts_at=starts_at,
            ends_at=ends_at,
            items=items,
            group_reason=group_reason,
            leader=leader,
            note=f"数据比对疑点:{locked.get_kind_display()}"[:255],
        )
        locked.task = task
    locked.status = Flag.Status.CONFIRMED
    locked.reason, locked.reviewer, locked.reviewed_at = text, actor, timezone.now()
    locked.row_version += 1
    locked.save(
        update_fields=["status", "reason", "reviewer", "reviewed_at", "task", "complaint", "row_version"]
    )
    audit.record(
        actor=actor, action="analytics.flag.confirm", obj=locked, before=before, after=_audit_after(locked)
    )
    return locked


__all__ = ["fingerprint", "flag_confirm", "flag_dismiss", "record_flags"]
