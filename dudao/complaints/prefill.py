"""FORM-B pre-fill providers of complaints (issue 12 item 1; COMPL-1, COMPL-3): C2.2 (设立投诉举报系统并公布
电话、信箱: the channel recorded on the institution), C2.3 (及时处理投诉举报: complaints left unhandled past
their deadline) and C3.1 (无违规违纪: complaints verified by the authority), each with links to the records.
Registered with `dudao.scorecards.prefill` from ComplaintsConfig.ready(); the evaluators still decide.

The evaluation period is the year before today (as for the exams' B7 hints): complaints received (C2.3)
or found verified (C3.1) within it. Labels name the tracking code and the status, never the content or
the filer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dudao.scorecards import prefill

from .models import Complaint

FORM_B = "CQ-RENEWAL"
WINDOW_DAYS = 365
PRIVATE = ("content", "contact_name", "contact_phone")  # never read here

# C2.3: still in handling (accepted, not closed) past the result deadline.
HANDLING = (
    Complaint.Status.ACCEPTED,
    Complaint.Status.INVESTIGATING,
    Complaint.Status.FOUND,
    Complaint.Status.DISPOSED,
    Complaint.Status.REPLIED,
)


def _points(evaluation: Any, item_id: str, rule: int = 0) -> Decimal:
    rules = evaluation.form.item(item_id).rules
    return rules[rule].points if len(rules) > rule else Decimal(0)


def _since() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=WINDOW_DAYS)


def _link(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def channel(evaluation: Any) -> dict[str, Any]:
    """C2.2: −1 not set up (no phone, mailbox or email recorded), −1 not published (no page recorded)."""
    inst = evaluation.institution
    set_up = [
        f"{label}:{value}"
        for label, value in (
            ("电话", inst.complaint_phone),
            ("信箱", inst.complaint_mailbox),
            ("电子邮箱", inst.complaint_email),
        )
        if value
    ]
    deduction = Decimal(0)
    notes = []
    if set_up:
        notes.append("平台已登记投诉举报渠道(" + ";".join(set_up) + ")")
    else:
        deduction += _points(evaluation, "C2.2", 0)
        notes.append("平台未登记投诉举报电话、信箱")
    if inst.complaint_page_url:
        notes.append(f"公布网页:{inst.complaint_page_url}")
    else:
        deduction += _points(evaluation, "C2.2", 1)
        notes.append("未登记公布渠道的网页")
    return {
        "suggested_deduction": deduction,
        "note": ";".join(notes) + "。请现场检查电话、信箱和网页是否有效。",
        "evidence": [
            {
                "label": f"{inst.name}:投诉举报渠道",
                "url": reverse("registry:institution_detail", args=[inst.pk]),
            }
        ],
    }


def unhandled(institution_id: int, today: dt.date, since: dt.datetime) -> list[Complaint]:
    """COMPL-2: received in the window and not decided past accept_by, or accepted and not closed past
    result_by (the deadline's day itself is still in time)."""
    rows = Complaint.objects.filter(institution_id=institution_id, received_at__gte=since).defer(*PRIVATE)
    undecided = rows.filter(status=Complaint.Status.RECEIVED, accept_by__lt=today)
    late = rows.filter(status__in=HANDLING, result_by__lt=today)
    return list((undecided | late).order_by("received_at", "pk"))


def timely_handling(evaluation: Any) -> dict[str, Any] | None:
    """C2.3: −2 if a complaint is unhandled (once)."""
    rows = unhandled(evaluation.institution_id, timezone.localdate(), _since())
    if not rows:
        return None
    evidence = []
    for c in rows:
        due = c.accept_by if c.status == Complaint.Status.RECEIVED else c.result_by
        what = "受理决定" if c.status == Complaint.Status.RECEIVED else "办结"
        label = f"投诉 {c.code}:{c.get_status_display()},{what}期限 {due:%Y-%m-%d} 已过"
        evidence.append({"label": label, "url": _link(c)})
    return {
        "suggested_deduction": _points(evaluation, "C2.3"),
        "count": len(rows),
        "note": f"平台记录:近一年内有 {len(rows)} 件投诉逾期未处理。",
        "evidence": evidence,
    }


def verified(evaluation: Any) -> dict[str, Any] | None:
    """C3.1: −1 per complaint about the institution verified by the authority (COMPL-3)."""
    rows = list(
        Complaint.objects.filter(
            institution_id=evaluation.institution_id,
            finding=Complaint.Finding.VERIFIED,
            found_at__gte=_since(),
        )
        .defer(*PRIVATE)
        .order_by("found_at", "pk")
    )
    if not rows:
        return None
    return {
        "suggested_deduction": _points(evaluation, "C3.1") * len(rows),
        "count": len(rows),
        "note": f"平台记录:近一年内有 {len(rows)} 件投诉经调查查实。",
        "evidence": [
            {"label": f"投诉 {c.code}:查实({timezone.localdate(c.found_at):%Y-%m-%d})", "url": _link(c)}
            for c in rows
        ],
    }


def register_providers() -> None:
    prefill.register("C2.2", channel, forms=(FORM_B,))
    prefill.register("C2.3", timely_handling, forms=(FORM_B,))
    prefill.register("C3.1", verified, forms=(FORM_B,))
