"""API of masked marking (EXAM-6, 16, 18), mounted under /api/v1/exams: open a session's marking, mark a
paper by code, correct a mark with a reason, sign the score book, read what the caller may see. The same
services as the pages; out of scope → 404."""

from __future__ import annotations

from ninja import Router

from . import schemas_marking as s
from . import selectors, services
from .selectors_marking import marking_get, marking_view

router = Router(tags=["marking"])


@router.post("/sessions/{int:pk}/marking", response={201: s.MarkingOut}, summary="开启阅卷(生成密号)")
def open_marking(request, pk: int, payload: s.MarkingOpenIn):
    session = selectors.session_get(request.user, pk)
    marking = services.marking_open(
        actor=request.user,
        session=session,
        mode=payload.mode,
        leader=payload.leader,
        full=payload.full,
        tolerance=payload.tolerance,
    )
    return 201, marking


@router.get("/markings/{int:pk}", response=s.MarkingViewOut, summary="阅卷情况(按密号;合分后显示考生)")
def get_marking(request, pk: int):
    marking = marking_get(request.user, pk)
    view = marking_view(request.user, marking)
    book = view["book"]
    return {
        "marking": marking,
        "waiting": view["waiting"],
        "papers": view["papers"],
        "book": None
        if book is None
        else {
            "version": book.version,
            "status": book.status,
            "algorithm": book.algorithm,
            "digest": book.digest,
            "reason": book.reason,
            "created_at": book.created_at,
            "signatures": list(book.signatures.all()),
        },
    }


@router.post("/markings/{int:pk}/marks", response={201: s.MarkOut}, summary="评分(按密号)")
def submit_mark(request, pk: int, payload: s.MarkIn):
    marking = marking_get(request.user, pk)
    mark = services.mark_submit(
        actor=request.user, marking=marking, code=payload.code, value=payload.value, reason=payload.reason
    )
    return 201, mark


@router.post("/markings/{int:pk}/corrections", response={201: s.MarkOut}, summary="更正本人评分(写明理由)")
def correct_mark(request, pk: int, payload: s.MarkIn):
    marking = marking_get(request.user, pk)
    mark = services.mark_correct(
        actor=request.user, marking=marking, code=payload.code, value=payload.value, reason=payload.reason
    )
    return 201, mark


@router.post("/markings/{int:pk}/sign", response={201: s.SignOut}, summary="评分册签字(考评员,然后统分员)")
def sign_book(request, pk: int):
    marking = marking_get(request.user, pk)
    return 201, services.scorebook_sign(actor=request.user, marking=marking)
