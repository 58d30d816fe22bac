"""API of the termination of a filing after a missed rectification (seed 004; the same services as the
pages). Mounted on the supervision router (`/api/v1/supervision/terminations`)."""

from __future__ import annotations

from typing import Any

from ninja import Query, Status

from . import domain, selectors, services
from . import schemas as s
from .api import _page, router
from .models import FilingTermination


def termination_row(t: FilingTermination) -> dict[str, Any]:
    return {
        "id": t.pk,
        "authority_id": t.authority_id,
        "institution_id": t.institution_id,
        "institution_name": t.institution.name,
        "filing_id": t.filing_id,
        "filing_number": t.filing.number,
        "filing_status": t.filing.status,
        "task_id": t.task_id,
        "rectification_id": t.rectification_id,
        "rectification_due_on": t.rectification.due_on
        if t.rectification_id
        else t.renewal.rectification_deadline,
        "renewal_id": t.renewal_id,
        "ground": t.ground,
        "ground_label": domain.TERMINATION_GROUNDS.get(t.ground, ""),
        "notice": t.notice,
        "status": t.status,
        "status_label": t.get_status_display(),
        "notified_at": t.notified_at,
        "statement_due_on": t.statement_due_on,
        "statement_due_provisional": t.statement_due_provisional,
        "statement": t.statement,
        "statement_at": t.statement_at,
        "decision_note": t.decision_note,
        "decided_at": t.decided_at,
        "row_version": t.row_version,
    }


def _row(request, pk: int) -> dict[str, Any]:
    return termination_row(selectors.termination_get(request.user, pk))


@router.get("/terminations", response=s.TerminationPage, summary="终止备案程序列表")
def termination_list(request, filters: Query[s.TerminationFilters]):
    qs = selectors.termination_list(request.user, status=filters.status, institution=filters.institution)
    return _page(qs, filters, termination_row)


@router.get("/terminations/{int:pk}", response=s.TerminationOut, summary="终止备案程序详情")
def termination_detail(request, pk: int):
    return _row(request, pk)


@router.post("/terminations", response={201: s.TerminationOut}, summary="告知拟终止备案(整改逾期后)")
def termination_start(request, payload: s.TerminationIn):
    t = services.termination_start(
        actor=request.user,
        task=payload.task_id,
        ground=payload.ground,
        notice=payload.notice,
        filing=payload.filing_id,
    )
    return Status(201, _row(request, t.pk))


@router.post("/terminations/{int:pk}/statement", response=s.TerminationOut, summary="机构陈述申辩")
def termination_statement(request, pk: int, payload: s.StatementIn):
    selectors.termination_get(request.user, pk)
    services.termination_statement(
        actor=request.user, termination=pk, statement=payload.statement, row_version=payload.row_version
    )
    return _row(request, pk)


@router.post("/terminations/{int:pk}/decision", response=s.TerminationOut, summary="终止备案或撤回")
def termination_decide(request, pk: int, payload: s.TerminationDecisionIn):
    selectors.termination_get(request.user, pk)
    services.termination_decide(
        actor=request.user,
        termination=pk,
        decision=payload.decision,
        note=payload.note,
        row_version=payload.row_version,
    )
    return _row(request, pk)
