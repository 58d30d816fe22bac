"""Scorecard evaluations in a chosen state (open / submitted / signed), made through the scorecards
services acting as the evaluation group."""

from __future__ import annotations

from dudao.scorecards import services as sc
from dudao.scorecards.domain import shipped_form
from dudao.scorecards.models import Evaluation, EvaluationMember

from .rows import current_version


def best_answers(form_id: str) -> dict:
    """Every item of a shipped form at its best answer: choices `full`, no deduction, no bonus."""
    answers: dict = {}
    for item in shipped_form(form_id).items:
        if item.kind == "bonus":
            answers[item.id] = False
        elif item.kind == "choice":
            answers[item.id] = "full"
        else:
            answers[item.id] = 0 if len(item.rules) == 1 else [0] * len(item.rules)
    return answers


def evaluation_advance(evaluation, state: str = "signed", *, answers=None, notes=None, signers=None):
    """Take an open (draft) evaluation to `state` (draft / submitted / signed): the leader answers every item
    (best answers overridden by `answers`, with `notes`) and submits; `signers` (default: every member,
    leader first) sign."""
    if state not in ("draft", "open", "submitted", "signed"):
        raise ValueError(f"no path to evaluation state {state!r}")
    ev = Evaluation.objects.select_related("leader", "form_version").get(pk=evaluation.pk)
    leader = ev.leader
    if state in ("draft", "open"):
        return ev
    for item_id, value in {**best_answers(ev.form_version.form_id), **(answers or {})}.items():
        ev = sc.evaluation_answer(
            actor=leader, evaluation=ev, item_id=item_id, value=value, note=(notes or {}).get(item_id)
        )
    ev = sc.evaluation_submit(actor=leader, evaluation=ev, row_version=current_version(ev))
    if state == "submitted":
        return ev
    if signers is None:
        members = EvaluationMember.objects.filter(evaluation=ev).select_related("user").order_by("id")
        signers = sorted((m.user for m in members), key=lambda u: u.pk != leader.pk)
    for user in signers:
        ev = sc.evaluation_sign(actor=user, evaluation=ev)
    return ev


def evaluation(
    state: str = "open",
    *,
    actor,
    institution,
    leader,
    members=(),
    form_id: str = "CQ-RENEWAL",
    purpose: str = "renewal",
    answers=None,
    notes=None,
):
    """A scorecard evaluation opened by `actor` (open), then answered and submitted by `leader`
    (submitted), then signed by every member (signed)."""
    ev = sc.evaluation_open(
        actor=actor, institution=institution, form_id=form_id, purpose=purpose, leader=leader, members=members
    )
    return evaluation_advance(ev, state, answers=answers, notes=notes)
