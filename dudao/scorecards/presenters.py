"""Plain dicts describing forms and evaluations for the API and the pages (one shape, two renderers)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dudao.common.files import human_size

from . import domain
from .models import Evaluation, Evidence, ScoreFormVersion
from .permissions import (
    can_cancel_evaluation,
    can_correct_evaluation,
    is_leader,
    is_member,
)

S = Evaluation.Status


def band_label(form: domain.ScoreForm, band_id: str) -> str:
    return next((b.label_zh for b in form.bands if b.id == band_id), "")


def form_item(item: domain.Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "kind": item.kind,
        "max": item.max,
        "group": item.group,
        "method": item.method,
        "note": item.note,
        "choices": [{"key": c.key, "label": c.label_zh, "points": c.points} for c in item.choices],
        "rules": [{"label": r.label_zh, "points": r.points, "max_count": r.max_count} for r in item.rules],
    }


def form_detail(row: ScoreFormVersion) -> dict[str, Any]:
    """A loaded form version with its parsed structure (sections, items, bands)."""
    form = row.form
    return {
        **form_version_summary(row),
        "cap": form.cap,
        "base_max": form.base_max,
        "bonus_max": form.bonus_max,
        "source": form.source,
        "note": form.note,
        "bands": [{"id": b.id, "label": b.label_zh, "min": b.min, "max": b.max} for b in form.bands],
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "max": s.max,
                "bonus": s.bonus,
                "items": [form_item(i) for i in s.items],
            }
            for s in form.sections
        ],
        "definition": row.definition,
    }


def form_version_summary(row: ScoreFormVersion) -> dict[str, Any]:
    return {
        "form_id": row.form_id,
        "version": row.version,
        "title": row.title,
        "is_current": row.is_current,
        "digest": row.digest,
        "digest_algorithm": row.digest_algorithm,
        "source": row.source,
        "loaded_at": row.created_at,
        "loaded_by": str(row.loaded_by) if row.loaded_by_id else "",
    }


def live_summary(evaluation: Evaluation) -> dict[str, Any]:
    """Live numbers of an evaluation: partial total, ceiling, progress, band range (final once submitted)."""
    form = evaluation.form
    live = domain.partial_score(form, evaluation.answers)
    final = evaluation.status in (S.SUBMITTED, S.SIGNED, S.SUPERSEDED) and evaluation.band
    band_low = evaluation.band if final else live.band_low
    band_high = evaluation.band if final else live.band_high
    return {
        "total": evaluation.total if final else live.total,
        "ceiling": evaluation.total if final else live.ceiling,
        "answered": live.answered,
        "item_count": live.item_count,
        "percent": round(100 * live.answered / live.item_count) if live.item_count else 0,
        "complete": live.complete,
        "band_low": band_low,
        "band_high": band_high,
        "band_low_label": band_label(form, band_low),
        "band_high_label": band_label(form, band_high),
        "settled": band_low == band_high,
        "final": bool(final),
        "sections": live.sections,
        "items": live.items,
    }


def answer_display(item: domain.Item, answer: Any) -> dict[str, Any]:
    """Per-item display helpers: the chosen choice's label, one row per deduction rule with its count."""
    counts: list[Any] = []
    if item.kind == "deduction":
        if answer is None:
            counts = [None] * len(item.rules)
        elif len(item.rules) == 1:
            counts = [answer]
        else:
            counts = list(answer)
    rule_rows = [
        {
            "n": n,
            "label": r.label_zh,
            "points": r.points,
            "max_count": r.max_count,
            "count": counts[n] if n < len(counts) else None,
            "lost": r.points * counts[n] if n < len(counts) and isinstance(counts[n], int) else None,
        }
        for n, r in enumerate(item.rules)
    ]
    choice = item.choice(answer) if item.kind == "choice" and isinstance(answer, str) else None
    return {
        "choice_label": choice.label_zh if choice else "",
        "rule_rows": rule_rows,
        "deductions": [r for r in rule_rows if r["count"]],
    }


def evidence_row(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "item_id": evidence.item_id,
        "original_name": evidence.original_name,
        "content_type": evidence.content_type,
        "kind": evidence.kind,
        "size": evidence.size,
        "size_label": human_size(evidence.size),
        "sha256": evidence.sha256,
        "uploaded_by": str(evidence.uploaded_by) if evidence.uploaded_by_id else "",
        "uploaded_by_id": evidence.uploaded_by_id,
        "uploaded_at": evidence.uploaded_at,
    }


def actions(user: Any, evaluation: Evaluation) -> dict[str, bool]:
    """What the user may do now (buttons on the pages; `actions` in the API detail)."""
    member = is_member(user, evaluation)
    signed_by_me = any(
        m.user_id == getattr(user, "pk", None) and m.signed_at is not None
        for m in evaluation.memberships.all()
    )
    status = evaluation.status
    can_correct = status == S.SIGNED and can_correct_evaluation(user, evaluation)
    if can_correct:
        can_correct = not Evaluation.objects.filter(previous=evaluation).exclude(status=S.CANCELLED).exists()
    return {
        "fill": status == S.DRAFT and member,
        "submit": status == S.DRAFT and is_leader(user, evaluation),
        "reopen": status == S.SUBMITTED and is_leader(user, evaluation),
        "sign": status == S.SUBMITTED and member and not signed_by_me,
        "correct": bool(can_correct),
        "cancel": status in (S.DRAFT, S.SUBMITTED) and can_cancel_evaluation(user, evaluation),
    }


def evaluation_sheet(user: Any, evaluation: Evaluation) -> dict[str, Any]:
    """The whole evaluation: header, group, sections of items with answers, points, notes and evidence."""
    form = evaluation.form
    live = live_summary(evaluation)
    notes = {n.item_id: n.note for n in evaluation.notes.all()}
    evidence: dict[str, list[dict[str, Any]]] = {}
    for e in evaluation.evidence.all():
        evidence.setdefault(e.item_id, []).append(evidence_row(e))
    meta = evaluation.answer_meta or {}
    sections = []
    for section in form.sections:
        items = []
        for item in section.items:
            answered = item.id in evaluation.answers
            answer = evaluation.answers.get(item.id)
            items.append(
                {
                    **form_item(item),
                    **answer_display(item, answer if answered else None),
                    "answered": answered,
                    "answer": answer,
                    "points": live["items"].get(item.id),
                    "note": notes.get(item.id, ""),
                    "revision": int((meta.get(item.id) or {}).get("rev", 0)),
                    "evidence": evidence.get(item.id, []),
                }
            )
        sections.append(
            {
                "id": section.id,
                "title": section.title,
                "max": section.max,
                "bonus": section.bonus,
                "points": live["sections"].get(section.id, Decimal(0)),
                "answered": sum(1 for i in items if i["answered"]),
                "items": items,
            }
        )
    return {
        "evaluation": evaluation,
        "form": form,
        "live": live,
        "sections": sections,
        "general_evidence": evidence.get("", []),
        "members": [
            {
                "user_id": m.user_id,
                "name": str(m.user),
                "role": m.user.get_role_display(),
                "is_leader": m.is_leader,
                "signed_at": m.signed_at,
            }
            for m in evaluation.memberships.all()
        ],
        "actions": actions(user, evaluation),
        "band_label": band_label(form, evaluation.band),
    }
