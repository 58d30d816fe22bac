"""The supervision papers: 督导报告 (SUP-7), 初步督导意见 / 督导意见书 (ACT-4) and 处理决定 (INST-4).

Each paper is rendered on demand from the recorded objects with a docxtpl template built by
``dudao.supervision.build_templates`` (admins may replace it, docs/supervision-documents.md):

- the report from the submitted, immutable `Report` version (its frozen findings snapshot, not the live
  findings), so a printed copy always matches the record and its content digest;
- the Opinion from the `Opinion` row (the preliminary one is the group's, unnumbered and unsealed; the
  final one is the authority's numbered 督导意见书 with the defence summarised);
- the penalty notice from the `Penalty` row.

Who may download what is decided here with the supervision selectors (``report_for``, ``opinion_for``,
``penalty_for``): anything the user cannot see is NotFound (404), covert tasks stay hidden from the
institution until their report, and the institution never sees an unsent preliminary opinion. The views
and the API call the same functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from dudao.accounts.permissions import is_institution_user
from dudao.common.errors import NotFound
from dudao.documents.render import render_docx, to_pdf
from dudao.people.models import CardStatus
from dudao.registry.domain import level_names

from . import selectors, workflow
from .models import Opinion, Penalty, Report, SupervisionTask, TaskMember
from .permissions import can_manage_task
from .transitions import AFTER_REPORT

REPORT_TEMPLATE = "supervision_report"
OPINION_TEMPLATE = "supervision_opinion"
PENALTY_TEMPLATE = "penalty_notice"
FORMATS = ("docx", "pdf")

RULES = "《技能人才评价质量督导工作规程（试行）》"
REPORT_HEADER = "技能人才评价质量督导报告"
CN_NUMERALS = "一二三四五六七八九十"

# Marks printed top-left (where GB/T 9704 puts 密级/紧急程度) for papers that are not the final record.
MARK_DRAFT = "草稿"
MARK_CORRECTION = "更正件"
MARK_SUPERSEDED = "已更正（以第{version}版为准）"
MARK_LIFTED = "已解除"

# INST-4 (001 art. 18): the decision sentence, the title and what follows, per kind of penalty.
PENALTY_TITLES = {
    Penalty.Kind.PUBLIC_CRITICISM: "关于对{name}予以通报批评的决定",
    Penalty.Kind.ORDER_TO_CORRECT: "关于责令{name}改正的决定",
    Penalty.Kind.DISCIPLINARY_PROPOSAL: "关于对{name}有关责任人员提出处分建议的决定",
    Penalty.Kind.SUSPENSION: "关于暂停{name}技能人才评价工作的决定",
    Penalty.Kind.REVOCATION: "关于取消{name}技能人才评价工作资格的决定",
}
PENALTY_DECISIONS = {
    Penalty.Kind.PUBLIC_CRITICISM: "对你单位予以通报批评，并责令你单位改正",
    Penalty.Kind.ORDER_TO_CORRECT: "责令你单位改正",
    Penalty.Kind.DISCIPLINARY_PROPOSAL: (
        "向你单位的主管部门提出对直接负责的主管人员和其他责任人员{persons}给予处分的建议"
    ),
    Penalty.Kind.SUSPENSION: "暂停你单位的技能人才评价工作（暂停备案{filing}）",
    Penalty.Kind.REVOCATION: "取消你单位的技能人才评价工作资格（终止备案{filing}）",
}


def _penalty_consequences(kind: str, authority: str) -> list[str]:
    if kind in (Penalty.Kind.PUBLIC_CRITICISM, Penalty.Kind.ORDER_TO_CORRECT):
        return [f"请你单位立即改正，并将改正情况书面报告{authority}。"]
    if kind == Penalty.Kind.DISCIPLINARY_PROPOSAL:
        return ["请你单位配合主管部门做好有关工作，并认真改正存在的问题。"]
    if kind == Penalty.Kind.SUSPENSION:
        return [
            "暂停期间，你单位不得组织开展新的技能人才评价活动（不得新增评价批次）。",
            f"你单位整改到位后，可向{authority}申请解除暂停；经核查整改到位的，恢复备案。",
        ]
    return ["自本决定作出之日起，你单位不得再组织开展技能人才评价活动。"]


# ---------------------------------------------------------------------------------------------- helpers
def _cn(text: str) -> str:
    """Workflow labels use ASCII parentheses; official papers use full-width ones."""
    return text.replace("(", "（").replace(")", "）")


def _lines(text: str) -> list[str]:
    """Multi-line user text → one paragraph per non-empty line (each gets the 2-character indent)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(value).date() if value else None


def _minute(value: dt.datetime) -> str:
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _time_range(start: dt.datetime, end: dt.datetime) -> str:
    """``2024年9月27日 09:00至17:00``; the end date is repeated only when it differs."""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if local_start.date() == local_end.date():
        return f"{_minute(start)}至{local_end:%H:%M}"
    return f"{_minute(start)}至{_minute(end)}"


def _cn_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _period(task: SupervisionTask) -> str:
    """The evaluation days the group supervised (an end at 00:00 belongs to the previous day)."""
    start = timezone.localtime(task.starts_at).date()
    end = timezone.localtime(task.ends_at - dt.timedelta(microseconds=1)).date()
    return _cn_date(start) if start >= end else f"{_cn_date(start)}至{_cn_date(end)}"


def _items(task: SupervisionTask) -> list[str]:
    """ACT-1 items of the task; a daily task without items follows the daily checklist (ACT-2/ACT-3)."""
    codes = task.items or list(workflow.DAILY_CHECKLIST)
    return [_cn(workflow.CONTENT_AREAS[c]) for c in codes if c in workflow.CONTENT_AREAS]


def _variant(task_or_penalty) -> str | None:
    """The authority's code selects its own template variant (its letterhead), when usable as a name."""
    code = task_or_penalty.authority.code
    return code if code and code.isascii() and code.replace("-", "").replace("_", "").isalnum() else None


@dataclass(frozen=True)
class Signatory:
    role: str
    name: str
    card: str


def _group(task: SupervisionTask) -> list[Signatory]:
    """The active group, leader first, with each supervisor's current card number (SUP-7: carried)."""
    members = (
        TaskMember.objects.filter(task=task, active=True)
        .select_related("supervisor__person")
        .prefetch_related("supervisor__cards")
    )
    rows = sorted(members, key=lambda m: (m.role != TaskMember.Role.LEADER, m.pk))
    result = []
    for m in rows:
        cards = sorted(
            (c for c in m.supervisor.cards.all() if c.status != CardStatus.REPLACED),
            key=lambda c: (c.issued_on, c.pk),
            reverse=True,
        )
        result.append(
            Signatory(m.get_role_display(), m.supervisor.person.name, cards[0].number if cards else "—")
        )
    return result


def _finding_rows(snapshot: list[dict[str, Any]], *, problems_only: bool = False) -> list[dict[str, Any]]:
    """Rows of the findings table from a report's frozen snapshot (ACT-1 area, SUP-6 method, severity)."""
    rows = []
    for item in snapshot:
        if problems_only and item.get("severity") not in workflow.PROBLEM_SEVERITIES:
            continue
        evidence = len(item.get("evidence") or [])
        rows.append(
            {
                "no": len(rows) + 1,
                "area": _cn(
                    workflow.CONTENT_AREAS.get(item.get("content_area"), item.get("content_area", ""))
                ),
                "method": _cn(workflow.METHODS.get(item.get("method"), item.get("method", ""))),
                "severity": workflow.SEVERITIES.get(item.get("severity"), item.get("severity", "")),
                "description": item.get("description") or "—",
                "evidence": f"{evidence}份" if evidence else "—",
            }
        )
    return rows


def _institution_view(user, task: SupervisionTask) -> bool:
    """The supervised institution's view (the presenters' rule): not the internal task's own manager."""
    return bool(is_institution_user(user) and not can_manage_task(user, task))


# ------------------------------------------------------------------------------------- scoped reads
def report_for(user, task_pk: Any, version: Any = None) -> tuple[SupervisionTask, Report]:
    """The task's report (latest version unless `version`) as `user` may read it, else NotFound.

    Out of scope → NotFound; covert tasks are out of the institution's scope until the report
    (selectors.task_scope); the institution sees the group's work only after the report (presenters).
    """
    task = selectors.task_get(user, task_pk)
    if _institution_view(user, task) and task.status not in AFTER_REPORT:
        raise NotFound("该任务尚未提交督导报告")
    reports = selectors.task_reports(task)
    if not reports:
        raise NotFound("该任务尚未提交督导报告")
    if version in (None, ""):
        return task, reports[-1]
    try:
        wanted = int(version)
    except (TypeError, ValueError):
        raise NotFound("督导报告版本不存在") from None
    for report in reports:
        if report.version == wanted:
            return task, report
    raise NotFound("督导报告版本不存在")


def opinion_for(user, pk: Any) -> Opinion:
    """An opinion of a task in the user's scope; the institution sees the preliminary one once sent."""
    qs = Opinion.objects.filter(task__in=selectors.tasks_for(user)).select_related(
        "task__authority", "task__institution", "task__batch"
    )
    try:
        opinion = qs.get(pk=pk)
    except (Opinion.DoesNotExist, ValueError, TypeError):
        raise NotFound("督导意见不存在") from None
    if _institution_view(user, opinion.task) and opinion.sent_at is None:
        raise NotFound("督导意见不存在")  # ACT-4 step 2: the group's draft reaches the institution when sent
    return opinion


def penalty_for(user, pk: Any) -> Penalty:
    """A penalty decision in the user's scope (authority region, the penalised institution)."""
    return selectors.penalty_get(user, pk)


# ------------------------------------------------------------------------------------------ report
def report_context(task: SupervisionTask, report: Report) -> dict[str, Any]:
    """Context of ``supervision_report`` for one submitted report version."""
    institution = task.institution
    external = task.supervisor_kind == "external"
    newest = Report.objects.filter(task_id=task.pk).order_by("-version").values_list("version", flat=True)[0]
    group = _group(task)
    leader = next((s for s in group if s.role == TaskMember.Role.LEADER.label), None)
    batch = task.batch
    batch_text = ""
    fields = [
        {"label": "被督导机构", "value": institution.name},
        {"label": "统一社会信用代码", "value": institution.uscc},
    ]
    if batch is not None:
        occupation = batch.occupation.name + (f"（{batch.work_type}）" if batch.work_type else "")
        batch_text = f"组织的{occupation}评价活动（批次编号：{batch.code}）"
        fields.append(
            {"label": "评价批次", "value": f"{batch.code}　{occupation}　{level_names(batch.levels)}"}
        )
    mode = "暗访" if task.covert else "明察"
    members = "；".join(f"{s.role}　{s.name}（{s.card}）" for s in group)
    submitted = _minute(report.submitted_at) + ("（逾期）" if report.overdue else "")
    fields += [
        {"label": "委派机构", "value": task.authority.name if external else institution.name},
        {"label": "督导时间", "value": _time_range(task.starts_at, task.ends_at)},
        {
            "label": "督导类型",
            "value": f"{task.get_kind_display()}（{mode}），{task.get_supervisor_kind_display()}",
        },
        {"label": "督导事项", "value": "；".join(_items(task))},
        {"label": "督导组", "value": members or "—"},
        {"label": "报告期限", "value": f"{_cn_date(report.due_on)}前"},
        {"label": "提交时间", "value": submitted},
    ]
    correction = ""
    if report.version > 1 and report.previous_id:
        previous = report.previous
        correction = (
            f"本报告为第{report.version}版，系对{_cn_date(_local_date(previous.submitted_at))}提交的"
            f"第{previous.version}版报告的更正，更正原因：{report.correction_reason}。"
        )
    article = "第十五条" if task.kind == "special" else "第十四条"
    return {
        "mark": (
            MARK_SUPERSEDED.format(version=newest)
            if report.version < newest
            else (MARK_CORRECTION if report.version > 1 else "")
        ),
        "header": REPORT_HEADER,
        "authority_name": task.authority.name,
        "doc_number": task.number + (f"（第{report.version}版）" if report.version > 1 else ""),
        "title": f"关于对{institution.name}开展{task.get_kind_display()}的报告",
        "recipient": task.authority.name if external else institution.name,
        "institution_name": institution.name,
        "assigner": task.authority.name if external else institution.name,
        "period": _period(task),
        "batch_text": batch_text,
        "kind_label": task.get_kind_display(),
        "mode_label": mode,
        "fields": fields,
        "summary": _lines(report.summary),
        "findings": _finding_rows(report.findings),
        "problems": _lines(report.problems),
        "recommendations": _lines(report.recommendations),
        "correction": correction,
        "legal_basis": (
            f"依据{RULES}第九条、第十条、第十二条和{article}的规定，督导组向委派机构书面反馈督导结果。"
        ),
        "signatures": [s.__dict__ for s in group],
        "signer": f"督导组组长：{leader.name}" if leader else "督导组",
        "date": _local_date(report.submitted_at),
        "digest": (
            f"系统存证：第{report.version}版，{_minute(report.submitted_at)}提交，"
            f"内容摘要（{report.hash_algorithm.upper()}）：{report.content_digest}"
        ),
    }


# ----------------------------------------------------------------------------------------- opinion
def opinion_context(opinion: Opinion) -> dict[str, Any]:
    """Context of ``supervision_opinion``: the group's preliminary opinion or the authority's 督导意见书."""
    task = opinion.task
    institution = task.institution
    preliminary = opinion.kind == Opinion.Kind.PRELIMINARY
    opinions = selectors.task_opinions(task)
    first = opinions.get(Opinion.Kind.PRELIMINARY)
    reports = selectors.task_reports(task)
    snapshot = reports[-1].findings if reports else []
    context: dict[str, Any] = {
        "preliminary": preliminary,
        "mark": MARK_DRAFT if preliminary and opinion.sent_at is None else "",
        "header": task.authority.name,
        "authority_name": task.authority.name,
        "doc_number": task.number if preliminary else opinion.number,
        "title": "初步督导意见" if preliminary else "督导意见书",
        "recipient": institution.name,
        "institution_name": institution.name,
        "rules": RULES,
        "legal_basis": f"{RULES}第十五条、第十八条",
        "task_number": task.number,
        "period": _period(task),
        "items_text": "、".join(_items(task)),
        "sent_on": _local_date(first.sent_at) if first else None,
        "defence_text": _lines(first.defence_text) if first else [],
        "defence_on": _local_date(first.defence_submitted_at) if first else None,
        "defence_due_on": first.defence_due_on if first else None,
        "findings": _finding_rows(snapshot, problems_only=True),
        "body": _lines(opinion.body),
        "requirements": _lines(opinion.requirements),
        "requires_rectification": bool(opinion.requires_rectification) and not preliminary,
        "rectification_due_on": opinion.rectification_due_on,
        "seal": not preliminary,
    }
    if preliminary:
        context.update(
            signatures=[s.__dict__ for s in _group(task)],
            signer="督导组",
            date=_local_date(opinion.sent_at),
        )
    else:
        context.update(signatures=[], signer=task.authority.name, date=_local_date(opinion.issued_at))
    return context


# ----------------------------------------------------------------------------------------- penalty
def penalty_number(penalty: Penalty) -> str:
    """The decision's document number: ``<prefix>处〔<year>〕<n>号``, n = its order among the authority's
    decisions of that year [interpretation: Penalty has no number field; decisions are never deleted, so
    the order is stable]. The prefix is the policy's opinion prefix, or ``<authority code>督``."""
    decided = timezone.localtime(penalty.decided_at)
    start = timezone.make_aware(dt.datetime(decided.year, 1, 1))
    end = timezone.make_aware(dt.datetime(decided.year + 1, 1, 1))
    n = (
        Penalty.objects.filter(authority_id=penalty.authority_id, decided_at__gte=start, decided_at__lt=end)
        .filter(Q(decided_at__lt=penalty.decided_at) | Q(decided_at=penalty.decided_at, pk__lte=penalty.pk))
        .count()
    )
    policy = selectors.policy_for(penalty.authority_id)
    prefix = policy.opinion_number_prefix or f"{penalty.authority.code}督"
    return f"{prefix}处〔{decided.year}〕{n}号"


def penalty_context(penalty: Penalty) -> dict[str, Any]:
    """Context of ``penalty_notice`` (INST-4): facts, ground (art. 18 item), decision, consequences."""
    institution = penalty.institution
    authority = penalty.authority.name
    grounds = list(workflow.PENALTY_GROUNDS)
    item = CN_NUMERALS[grounds.index(penalty.ground)] if penalty.ground in grounds else ""
    filing = f"，备案编号：{penalty.filing.number}" if penalty.filing_id else ""
    named = "、".join(penalty.responsible_persons or [])
    persons = f"（{_cn(named)}）" if named else ""  # INST-4: the persons the proposal names
    decision = PENALTY_DECISIONS[Penalty.Kind(penalty.kind)].format(filing=filing, persons=persons)
    task = penalty.task
    if task is not None and task.hidden_from_institution:
        task = None  # 暗访: the notice goes to the institution, which must not learn of the visit yet
    return {
        "mark": MARK_LIFTED if penalty.status == Penalty.Status.LIFTED else "",
        "header": authority,
        "authority_name": authority,
        "doc_number": penalty_number(penalty),
        "title": PENALTY_TITLES[Penalty.Kind(penalty.kind)].format(name=institution.name),
        "recipient": institution.name,
        "institution_name": institution.name,
        "kind": penalty.kind,
        "kind_label": _cn(penalty.get_kind_display()),
        "ground": penalty.ground,
        "ground_label": _cn(workflow.PENALTY_GROUNDS.get(penalty.ground, penalty.ground)),
        "ground_item": item,
        "filing_number": penalty.filing.number if penalty.filing_id else "",
        "task_number": task.number if task else "",
        "task_kind": task.get_kind_display() if task else "",
        "task_period": _period(task) if task else "",
        "description": _lines(penalty.description),
        "legal_basis": (
            f"上述行为属于{RULES}第十八条第（{item}）项规定的情形。依据该条规定，{authority}决定{decision}。"
        ),
        "decision": decision,
        "consequences": _penalty_consequences(penalty.kind, authority),
        "responsible_persons": list(penalty.responsible_persons or []),
        "signer": authority,
        "date": _local_date(penalty.decided_at),
        "seal": True,
    }


# ---------------------------------------------------------------------------------------- rendering
def _render(template: str, context: dict[str, Any], fmt: str, variant: str | None, stem: str):
    if fmt not in FORMATS:
        raise NotFound("文书格式不存在")
    data = render_docx(template, context, variant=variant)
    if fmt == "pdf":
        return to_pdf(data), f"{stem}.pdf"
    return data, f"{stem}.docx"


def render_report(task: SupervisionTask, report: Report, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the 督导报告 as DOCX or PDF."""
    context = report_context(task, report)
    suffix = f"_第{report.version}版" if report.version > 1 else ""
    stem = f"督导报告_{task.institution.name}_{task.number}{suffix}"
    return _render(REPORT_TEMPLATE, context, fmt, _variant(task), stem)


def render_opinion(opinion: Opinion, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the 初步督导意见 / 督导意见书 as DOCX or PDF."""
    context = opinion_context(opinion)
    stem = f"{context['title']}_{opinion.task.institution.name}_{context['doc_number']}"
    return _render(OPINION_TEMPLATE, context, fmt, _variant(opinion.task), stem)


def render_penalty(penalty: Penalty, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the 处理决定 as DOCX or PDF."""
    context = penalty_context(penalty)
    stem = f"处理决定_{penalty.institution.name}_{context['doc_number']}"
    return _render(PENALTY_TEMPLATE, context, fmt, _variant(penalty), stem)
