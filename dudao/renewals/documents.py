"""The renewal papers: 延续备案回执 (REN-3/REN-4) and 整改通知书 (REN-4, seed 004 attachment 6).

Both are rendered on demand from the application's recorded decision (number, date, scope changes,
problems) with the docxtpl templates ``renewal_receipt`` and ``rectification_notice`` (built by
``dudao.renewals.build_templates``; admins may replace them, docs/documents.md). The authority's code is
the template variant, so one authority can have its own letterhead.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dudao.common.errors import IllegalTransition
from dudao.documents.render import render_docx, to_pdf

from . import domain
from .models import FilingApplication, RenewalApplication

RECEIPT_TEMPLATE = "renewal_receipt"
FILING_RECEIPT_TEMPLATE = "filing_receipt"
NOTICE_TEMPLATE = "rectification_notice"

KINDS = {
    "receipt": ("延续备案回执", RECEIPT_TEMPLATE),
    "notice": ("整改通知书", NOTICE_TEMPLATE),
}


def _levels(levels: list[int]) -> str:
    return "、".join(domain.LEVEL_LABELS.get(int(level), str(level)) for level in levels)


def receipt_context(app: RenewalApplication) -> dict[str, Any]:
    """Context of ``renewal_receipt``: who, which filing, renewed period, renewed scope, dropped scope."""
    if not app.receipt_number:
        raise IllegalTransition("该申请尚未准予延续,没有延续备案回执")
    kept = [c for c in app.scope_changes if c["action"] != domain.ScopeAction.DROP]
    dropped = [c for c in app.scope_changes if c["action"] == domain.ScopeAction.DROP]
    if app.is_employer:
        basis = "经审核"
    else:
        total = app.re_evaluation_total if app.re_evaluation_id else app.evaluation_total
        stage = "经整改后评估" if app.re_evaluation_id else "经延续备案评估"
        basis = f"{stage}（得分{domain._fmt(total)}分）"
    return {
        "authority_name": app.authority.name,
        "doc_number": app.receipt_number,
        "institution_name": app.institution.name,
        "uscc": app.institution.uscc,
        "filing_number": app.filing.number,
        "basis": basis,
        "renewed_from": app.renewed_from,
        "renewed_until": app.renewed_until,
        "scope_rows": [
            {
                "no": i,
                "code": c["occupation_code"],
                "name": c["occupation_name"],
                "work_type": c["work_type"] or "—",
                "levels": _levels(c["renewed_levels"]),
            }
            for i, c in enumerate(kept, start=1)
        ],
        "dropped_rows": [
            {
                "name": f"{c['occupation_name']}({c['work_type']})"
                if c["work_type"]
                else c["occupation_name"],
                "reason": domain.DROP_REASON_LABELS[domain.DropReason(c["reason"])],
            }
            for c in dropped
        ],
        "signer": app.authority.name,
        "date": app.receipt_issued_on,
    }


def notice_context(app: RenewalApplication) -> dict[str, Any]:
    """Context of ``rectification_notice``: evaluation date, the problems found, 6-month deadline."""
    if not app.notice_number:
        raise IllegalTransition("该申请没有整改通知书")
    evaluation = app.evaluation
    signed = evaluation.signed_at if evaluation is not None and evaluation.signed_at else None
    problems = [{"no": i, "text": _problem_text(p), **p} for i, p in enumerate(app.problems, start=1)]
    return {
        "authority_name": app.authority.name,
        "doc_number": app.notice_number,
        "institution_name": app.institution.name,
        "evaluated_on": timezone.localtime(signed).date() if signed else app.notice_issued_on,
        "problems": problems,
        "total": domain._fmt(app.evaluation_total),
        "issued_on": app.rectification_started_on,
        "deadline": app.rectification_deadline,
        "signer": app.authority.name,
        "date": app.notice_issued_on,
    }


def _problem_text(p: dict[str, Any]) -> str:
    problem = domain.Problem(
        p["item_id"],
        p["title"],
        p["group"],
        domain.parse_decimal(p["max"]),
        domain.parse_decimal(p["points"]),
        p.get("note", ""),
    )
    return problem.text()


def render(app: RenewalApplication, kind: str, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the receipt or the notice as DOCX or PDF."""
    title, template = KINDS[kind]
    context = receipt_context(app) if kind == "receipt" else notice_context(app)
    docx = render_docx(template, context, variant=_variant(app))
    number = context["doc_number"]
    name = f"{title}_{app.institution.name}_{number}"
    if fmt == "pdf":
        return to_pdf(docx), f"{name}.pdf"
    return docx, f"{name}.docx"


def _variant(app: RenewalApplication | FilingApplication) -> str | None:
    code = app.authority.code
    return code if code and code.replace("-", "").replace("_", "").isalnum() and code.isascii() else None


def filing_receipt_context(app: FilingApplication) -> dict[str, Any]:
    """Context of ``filing_receipt`` (新备案申请准予备案): the created filing and its scope."""
    if not app.receipt_number or app.filing is None:
        raise IllegalTransition("该申请尚未准予备案,没有备案回执")
    filing = app.filing
    return {
        "authority_name": app.authority.name,
        "doc_number": app.receipt_number,
        "institution_name": app.institution.name,
        "uscc": app.institution.uscc,
        "filing_number": filing.number,
        "site_visit_on": app.site_visit_on,
        "valid_from": filing.valid_from,
        "valid_until": filing.valid_until,
        "scope_rows": [
            {
                "no": i,
                "code": r["occupation_code"],
                "name": r["occupation_name"],
                "work_type": r["work_type"] or "—",
                "levels": _levels(r["levels"]),
            }
            for i, r in enumerate(app.scope, start=1)
        ],
        "signer": app.authority.name,
        "date": app.receipt_issued_on,
    }


def render_filing_receipt(app: FilingApplication, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the 备案回执 as DOCX or PDF."""
    context = filing_receipt_context(app)
    docx = render_docx(FILING_RECEIPT_TEMPLATE, context, variant=_variant(app))
    name = f"备案回执_{app.institution.name}_{app.receipt_number}"
    if fmt == "pdf":
        return to_pdf(docx), f"{name}.pdf"
    return docx, f"{name}.docx"
