"""The complaint papers (COMPL-2/3): the acceptance or decline notice (投诉受理 / 不予受理告知书) and the
reply to the filer (投诉处理答复书), rendered on demand from the recorded decision and reply with the docxtpl
templates ``complaint_decision`` and ``complaint_reply`` (built by ``dudao.complaints.build_templates``), as
DOCX or PDF.

The filer's identity (COMPL-2): the paper is addressed by name only when the viewer may see the filer
(the same rule as the page: permissions.may_see_filer), and that read is audited like the page's; any
other viewer, and every anonymous complaint, gets "投诉人(查询码 …)". The complaint's content is never
printed (it can identify the filer); the reply is the one the filer reads online.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dudao.common.errors import IllegalTransition
from dudao.documents.render import render_docx, to_pdf

from . import services
from .models import Complaint
from .permissions import may_see_filer

DECISION_TEMPLATE = "complaint_decision"
REPLY_TEMPLATE = "complaint_reply"
KINDS = {"decision": DECISION_TEMPLATE, "reply": REPLY_TEMPLATE}
FORMATS = ("docx", "pdf")
NOT_DECIDED = "该投诉尚未作出受理决定,没有受理告知书"
NOT_REPLIED = "该投诉尚未答复投诉人,没有答复书"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def recipient(actor: Any, complaint: Complaint) -> str:
    """The addressee: the filer's name for a viewer with the right (audited), else the tracking code."""
    if not complaint.anonymous and may_see_filer(actor, complaint):
        name = services.complaint_filer(actor=actor, complaint=complaint)["name"]
        if name:
            return name
    return f"投诉人(查询码 {complaint.code})"


def _common(actor: Any, complaint: Complaint) -> dict[str, Any]:
    authority = complaint.institution.authority
    return {
        "authority_name": authority.name,
        "recipient": recipient(actor, complaint),
        "received_on": timezone.localdate(complaint.received_at),
        "institution_name": complaint.institution.name,
        "category": complaint.get_category_display(),
        "code": complaint.code,
        "signer": authority.name,
    }


def decision_context(actor: Any, complaint: Complaint) -> dict[str, Any]:
    if complaint.decided_at is None or complaint.status == Complaint.Status.RECEIVED:
        raise IllegalTransition(NOT_DECIDED)
    accepted = complaint.status != Complaint.Status.DECLINED
    return {
        **_common(actor, complaint),
        "title": "投诉受理告知书" if accepted else "投诉不予受理告知书",
        "accepted": accepted,
        "result_by": complaint.result_by,
        "reason_lines": [] if accepted else _lines(complaint.decision_reason),
        "date": timezone.localdate(complaint.decided_at),
    }


def reply_context(actor: Any, complaint: Complaint) -> dict[str, Any]:
    if complaint.replied_at is None or not complaint.public_reply:
        raise IllegalTransition(NOT_REPLIED)
    return {
        **_common(actor, complaint),
        "title": "投诉处理答复书",
        "reply_lines": _lines(complaint.public_reply),
        "date": timezone.localdate(complaint.replied_at),
    }


def render(actor: Any, complaint: Complaint, kind: str, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the notice or the reply as DOCX or PDF."""
    context = decision_context(actor, complaint) if kind == "decision" else reply_context(actor, complaint)
    docx = render_docx(KINDS[kind], context)
    name = f"{context['title']}_{complaint.code}"
    if fmt == "pdf":
        return to_pdf(docx), f"{name}.pdf"
    return docx, f"{name}.docx"
