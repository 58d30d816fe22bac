"""The filled evaluation form (评估表) as DOCX and PDF (issue 3 item 6; FORM-A, FORM-B, REN-4).

Rendered on demand from the evaluation record with the docxtpl template ``evaluation_form`` (built by
``dudao.scorecards.build_evaluation_template``; admins may replace it, docs/documents.md). The
authority's code is the template variant, so one authority can have its own layout. Callers load the
evaluation with ``selectors.evaluation_get`` (scope check, group, notes and evidence prefetched): the
context is then built without further queries.

Until every member has signed, the title carries a red 「（草稿）」 mark and each unsigned member's
row reads 「未签名」: a printed draft is never mistaken for the signed record.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone

from dudao.common.files import KIND_LABELS, human_size
from dudao.documents.render import VARIANT_RE, cn_date, render_docx, to_pdf

from . import domain
from .domain import fmt
from .models import Evaluation
from .presenters import answer_display, band_label

TEMPLATE = "evaluation_form"
FORMATS = ("docx", "pdf")
S = Evaluation.Status
SIGNED_STATUSES = frozenset({S.SIGNED, S.SUPERSEDED})  # every member signed (superseded ones too)
SCORED_STATUSES = frozenset({S.SUBMITTED, S.SIGNED, S.SUPERSEDED})  # total and band are the engine's
NOT_SIGNED = "未签名"


def draft_mark(evaluation: Evaluation) -> str:
    """The red mark after the title: 草稿 until signed; 已作废 for a cancelled evaluation."""
    if evaluation.status in SIGNED_STATUSES:
        return ""
    return "（已作废）" if evaluation.status == S.CANCELLED else "（草稿）"


def _datetime(value: dt.datetime | None) -> str:
    """Local 24-hour time: 2024年9月27日 10:05."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{cn_date(local.date())} {local:%H:%M}"


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def evaluation_date(evaluation: Evaluation) -> str:
    """The days the items were scored (from each item's save time); the opening day before any answer."""
    days = set()
    for meta in (evaluation.answer_meta or {}).values():
        try:
            days.add(_local_date(dt.datetime.fromisoformat(meta["at"])))
        except (KeyError, TypeError, ValueError):
            continue
    if not days:
        return cn_date(_local_date(evaluation.created_at))
    first, last = min(days), max(days)
    return cn_date(first) if first == last else f"{cn_date(first)}至{cn_date(last)}"


def answer_text(item: domain.Item, answered: bool, answer: Any) -> str:
    """An answer in words: the choice's label, 满足/不满足 for a bonus, each deduction with its count."""
    if not answered:
        return "未评"
    if item.kind == "choice":
        return answer_display(item, answer)["choice_label"]
    if item.kind == "bonus":
        return "满足" if answer is True else "不满足"
    shown = answer_display(item, answer)["deductions"]
    if not shown:
        return "无扣分情形"
    parts = [f"{r['label']} ×{r['count']}，扣 {fmt(r['lost'])} 分" for r in shown]
    if sum((r["lost"] for r in shown), Decimal(0)) > item.max:
        parts.append("扣完为止")  # FORM-B: an item never goes below 0
    return "；".join(parts)


def bands_remark(form: domain.ScoreForm) -> str:
    """评估结论分档 in words, from the form's bands (REN-4 for CQ-RENEWAL)."""
    parts = []
    for band in sorted(form.bands, key=lambda b: b.min, reverse=True):
        if band.min == 0:
            rule = f"总分＜{fmt(band.max)}分"
        elif band.max >= form.cap:
            rule = f"总分≥{fmt(band.min)}分"
        else:
            rule = f"{fmt(band.min)}分≤总分＜{fmt(band.max)}分"
        parts.append(f"{rule}为「{band.label_zh}」")
    return "结论分档：" + "；".join(parts) + "。"


def _status_remarks(ev: Evaluation, signed: int, members: int) -> list[str]:
    remarks = []
    if ev.status == S.DRAFT:
        remarks.append("本表为草稿：评估尚未提交，未经评估组全部成员签名确认，不作为评估结论。")
    elif ev.status == S.SUBMITTED:
        remarks.append(f"本表为草稿：评估已提交，尚待评估组全部成员签名确认（已签 {signed}/{members} 人）。")
    elif ev.status == S.SUPERSEDED:
        remarks.append("本版本已被更正版本取代，以更正后的版本为准。")
    elif ev.status == S.CANCELLED:
        remarks.append(f"本评估已作废。作废原因：{ev.cancel_reason}")
    if ev.previous_id is not None:
        version = f"本版本（第 {ev.version_no} 版）"
        remarks.append(f"{version}是对评估 {ev.previous_id} 的更正。更正原因：{ev.correction_reason}")
    if ev.note:
        remarks.append(f"说明：{ev.note}")
    return remarks


def evaluation_context(evaluation: Evaluation) -> dict[str, Any]:
    """The ``evaluation_form`` context: header, sections of items with points and notes, totals, band,
    signatures and evidence; every value already formatted as text (keys: build_evaluation_template)."""
    ev = evaluation
    form = ev.form
    live = domain.partial_score(form, ev.answers)
    scored = ev.status in SCORED_STATUSES and bool(ev.band)
    notes = {n.item_id: n.note for n in ev.notes.all()}

    sections = []
    base_points = bonus_points = Decimal(0)
    for section in form.sections:
        items = []
        for item in section.items:
            answered = item.id in ev.answers
            points = live.items.get(item.id)
            items.append(
                {
                    "id": item.id,
                    "title": item.title,
                    "max": fmt(item.max),
                    "answer": answer_text(item, answered, ev.answers.get(item.id)),
                    "points": fmt(points) if points is not None else "",
                    "note": notes.get(item.id, ""),
                }
            )
        points = live.sections.get(section.id, Decimal(0))
        if section.bonus:
            bonus_points += points
            heading = f"{section.id}、{section.title}（最高加 {fmt(section.max)} 分）"
        else:
            base_points += points
            heading = f"{section.id}、{section.title}（{fmt(section.max)} 分）"
        sections.append(
            {
                "id": section.id,
                "heading": heading,
                "subtotal_label": f"{section.id} 小计",
                "max": fmt(section.max),
                "points": fmt(points),
                "rows": items,  # not "items": Jinja would find dict.items first
            }
        )

    total = ev.total if scored else live.total
    uncapped = base_points + bonus_points
    totals = []
    if form.bonus_max:
        totals.append({"label": "基本分合计", "max": fmt(form.base_max), "points": fmt(base_points)})
        totals.append({"label": "加分合计", "max": fmt(form.bonus_max), "points": fmt(bonus_points)})
    capped = f"（超过 {fmt(form.cap)} 分按 {fmt(form.cap)} 分计）" if uncapped > form.cap else ""
    totals.append({"label": f"总分{capped}", "max": fmt(form.cap), "points": fmt(total)})
    if scored:
        conclusion = band_label(form, ev.band)
    else:
        conclusion = f"尚未提交（已评 {live.answered}/{live.item_count} 项），暂无结论"

    memberships = list(ev.memberships.all())
    signed_count = sum(1 for m in memberships if m.signed_at is not None)
    signatures = [
        {
            "duty": "组长" if m.is_leader else "成员",
            "name": str(m.user),
            "role": m.user.get_role_display(),
            "signed_at": _datetime(m.signed_at) if m.signed_at else NOT_SIGNED,
        }
        for m in memberships
    ]
    order = {item.id: n for n, item in enumerate(form.items)}
    files = sorted(ev.evidence.all(), key=lambda e: (order.get(e.item_id, len(order)), e.pk))
    evidence = [
        {
            "no": str(n),
            "item": e.item_id or "整体",
            "name": e.original_name,
            "kind": KIND_LABELS.get(e.kind, e.kind),
            "size": human_size(e.size),
            "uploaded_by": str(e.uploaded_by) if e.uploaded_by_id else "",
        }
        for n, e in enumerate(files, start=1)
    ]
    leader = next((m.user for m in memberships if m.is_leader), ev.leader)
    signed = ev.status in SIGNED_STATUSES
    return {
        "title": form.title,
        "draft_mark": draft_mark(ev),
        "form_label": f"{form.id} 第{form.version}版",
        "authority_name": ev.authority.name,
        "institution_name": ev.institution.name,
        "uscc": ev.institution.uscc,
        "purpose": ev.get_purpose_display(),
        "evaluation_date": evaluation_date(ev),
        "number": f"{ev.pk}（第 {ev.version_no} 版）" if ev.version_no > 1 else str(ev.pk),
        "status": ev.get_status_display(),
        "leader": str(leader),
        "members": "、".join(str(m.user) for m in memberships if not m.is_leader) or "无",
        "sections": sections,
        "totals": totals,
        "band_label": conclusion,
        "remarks": [bands_remark(form), *_status_remarks(ev, signed_count, len(memberships))],
        "signatures": signatures,
        "evidence": evidence,
        "content_digest": ev.content_digest,
        "date": cn_date(_local_date(ev.signed_at)) if signed and ev.signed_at else "",
    }


def filename(evaluation: Evaluation, file_format: str) -> str:
    """评估表 file name: form title, institution, evaluation id (+ version, + 草稿 until signed)."""
    parts = [evaluation.form_version.title, evaluation.institution.name, f"评估{evaluation.pk}"]
    if evaluation.version_no > 1:
        parts.append(f"第{evaluation.version_no}版")
    mark = draft_mark(evaluation).strip("（）")
    if mark:
        parts.append(mark)
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", "_".join(parts))
    return f"{name}.{file_format}"


def _variant(evaluation: Evaluation) -> str | None:
    code = evaluation.authority.code
    return code if code and VARIANT_RE.fullmatch(code) else None


def render_docx_bytes(evaluation: Evaluation) -> bytes:
    """The filled form as DOCX."""
    return render_docx(TEMPLATE, evaluation_context(evaluation), variant=_variant(evaluation))


def render(evaluation: Evaluation, file_format: str) -> tuple[bytes, str]:
    """(bytes, file name) of the filled form as ``docx`` or ``pdf`` (PDF made from the same DOCX)."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown document format {file_format!r}")
    docx = render_docx_bytes(evaluation)
    data = to_pdf(docx) if file_format == "pdf" else docx
    return data, filename(evaluation, file_format)
