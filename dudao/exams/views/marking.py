"""Pages of masked marking (EXAM-6, 16, 18): the plan's 阅卷 tab (open a session's marking), and one
marking's page — a marker's phone list of paper codes with his marks, corrections and signature; for those
who oversee the plan the progress, the leader's anomalies, the score book and the tallier's signature, and
the candidates behind the codes once joined."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.web.kit import application_errors_as_http, run_and_flash

from .. import selectors, services
from ..domain import score_book as book_rules
from ..models import Marking
from ..permissions import may_run
from ..selectors_marking import marking_get, marking_view
from ..services.marking import current_staff
from .staff import _plan_context


@login_required
@application_errors_as_http
def plan_marking(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    sessions = list(
        selectors.sessions_for(request.user).filter(plan=plan).select_related("marking").order_by("starts_at")
    )
    rows = []
    for session in sessions:
        marking = getattr(session, "marking", None)
        staff = [row.examiner for row in current_staff(session).select_related("examiner__person")]
        rows.append(
            {
                "session": session,
                "marking": marking,
                "staff": list({e.pk: e for e in staff}.values()),
                "modes": [Marking.Mode(m) for m in book_rules.MODES_BY_SUBJECT[session.subject]],
            }
        )
    context = _plan_context(request, plan, "marking")
    context.update(rows=rows, may_open=may_run(request.user, plan))
    return render(request, "exams/staff/marking.html", context)


@login_required
@require_POST
@application_errors_as_http
def marking_open(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    session = selectors.session_get(request.user, session_pk)
    to = reverse("exams:plan_marking", args=[plan.pk])
    return run_and_flash(
        request,
        lambda: services.marking_open(
            actor=request.user,
            session=session,
            mode=request.POST.get("mode"),
            leader=request.POST.get("leader"),
            full=request.POST.get("full") or 100,
            tolerance=request.POST.get("tolerance") or None,
        ),
        "已开启阅卷,试卷已生成密号",
        to,
        then=lambda m: reverse("exams:marking", args=[m.pk]),
    )


@login_required
@application_errors_as_http
def marking(request: HttpRequest, pk: int) -> HttpResponse:
    found = marking_get(request.user, pk)
    view = marking_view(request.user, found)
    book = view["book"]
    signed_by_me = bool(
        book
        and book.status != "superseded"
        and any(s.user_id == request.user.pk for s in book.signatures.all())
    )
    context: dict[str, Any] = {
        **view,
        "plan": found.session.plan,
        "session": found.session,
        "signed_by_me": signed_by_me,
        "may_tally": view["overseer"] and may_run(request.user, found.session) and view["examiner"] is None,
        "has_marked": any(p.get("mine") for p in view["papers"]),
        "mine_count": sum(1 for p in view["papers"] if p.get("mine")),
        "todo_count": sum(1 for p in view["papers"] if p.get("may_mark")),
    }
    return render(request, "exams/marking/marking.html", context)


def _back(pk: int, code: str = "") -> str:
    return reverse("exams:marking", args=[pk]) + (f"#paper-{code}" if code else "")


def _mark_post(request: HttpRequest, pk: int, service: Any, success: str) -> HttpResponse:
    """A mark or a correction POSTed from a paper's form: the service's flash message, back to the paper."""
    found = marking_get(request.user, pk)
    code = request.POST.get("code", "")[:16]
    return run_and_flash(
        request,
        lambda: service(
            actor=request.user,
            marking=found,
            code=code,
            value=request.POST.get("value", ""),
            reason=request.POST.get("reason", ""),
        ),
        success.format(code=code),
        _back(found.pk, code),
    )


@login_required
@require_POST
@application_errors_as_http
def mark_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _mark_post(request, pk, services.mark_submit, "已评分:{code}")


@login_required
@require_POST
@application_errors_as_http
def mark_correct(request: HttpRequest, pk: int) -> HttpResponse:
    return _mark_post(request, pk, services.mark_correct, "已更正评分:{code}(评分册需重新签字)")


@login_required
@require_POST
@application_errors_as_http
def book_sign(request: HttpRequest, pk: int) -> HttpResponse:
    found = marking_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.scorebook_sign(actor=request.user, marking=found),
        "已在评分册上签字",
        _back(found.pk),
    )
