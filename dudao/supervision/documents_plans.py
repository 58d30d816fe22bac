"""The yearly-cycle papers (ACT-6): 年度督导工作计划 and 年度督导工作总结, rendered on demand from the plan
and the summary with the ``annual_plan`` and ``annual_summary`` templates
(``dudao.supervision.build_templates_plans``). A draft prints with the mark 草稿, a superseded plan with
已更正; the summary's figures are those stored on it (a final summary never changes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from . import selectors_plans as sel
from .documents import _cn, _lines, _render
from .models_plans import AnnualPlan, AnnualSummary

PLAN_TEMPLATE = "annual_plan"
SUMMARY_TEMPLATE = "annual_summary"
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def _variant(obj) -> str | None:
    code = obj.authority.code
    return code if code and code.isascii() and code.replace("-", "").replace("_", "").isalnum() else None


def _percent(ratio: Decimal) -> str:
    value = (ratio * 100).quantize(Decimal("0.01")).normalize()
    return f"{value:f}%"


def plan_context(plan: AnnualPlan) -> dict[str, Any]:
    """Context of ``annual_plan``."""
    authority = plan.authority.name
    forms = sel.score_form_titles()
    items = [sel.PLAN_ITEMS[c] for c in plan.items if c in sel.PLAN_ITEMS]
    item_lines = []
    if items:
        item_lines.append(f"督导方式：{'、'.join(items)}。")
    if plan.score_forms:
        names = [f"《{forms.get(code, code)}》" for code in plan.score_forms]
        item_lines.append(f"使用的评估表：{'、'.join(names)}。")
    mark = {AnnualPlan.Status.DRAFT: "草稿", AnnualPlan.Status.SUPERSEDED: "已更正"}.get(plan.status, "")
    intro = [
        f"为做好{plan.year}年度职业技能等级认定质量督导工作，按照“双随机、一公开”的要求，"
        f"结合本地区实际，{authority}制定本计划。"
    ]
    if plan.previous_id:
        intro.append(_cn(f"本计划为第{plan.version}版，更正原因：{plan.correction_reason}。"))
    return {
        "mark": mark,
        "header": authority,
        "doc_number": f"{plan.year}年度 第{plan.version}版",
        "title": f"{plan.title}",
        "recipient": "",
        "intro": intro,
        "targets": [
            {"label": "覆盖评价机构（家）", "value": plan.target_institutions},
            {"label": "督导评价批次（个）", "value": plan.target_batches},
            {"label": "督导任务（项）", "value": plan.target_tasks},
            {"label": "全年抽取次数（次）", "value": plan.draws_per_year},
        ],
        "ratio_lines": [
            f"一般对象按{_percent(plan.draw_ratio)}的比例随机抽取；投诉举报较多、有违规记录或数据异常的"
            f"重点对象按{_percent(plan.risk_draw_ratio)}的比例抽取。"
        ],
        "item_lines": item_lines,
        "schedule_lines": [
            _cn(f"{QUARTER_NAMES[row['quarter']]}：{row['content']}")
            for row in plan.schedule
            if row.get("content")
        ],
        "responsible": plan.responsible,
        "note_lines": [_cn(line) for line in _lines(plan.notes)],
        "signer": authority,
        "date": timezone.localdate(plan.published_at or plan.created_at),
        "seal": plan.status != AnnualPlan.Status.DRAFT,
    }


def _cell(value: Any) -> str:
    return "—" if value is None else str(value)


def summary_progress(summary: AnnualSummary) -> list[dict[str, Any]]:
    """Planned / done rows from the stored figures and the plan's targets stored with them."""
    f = summary.figures or {}
    plan = f.get("plan") or {}
    rows = [
        ("抽取次数", plan.get("draws_per_year"), f.get("draws_held", 0)),
        ("督导任务（已办结）", plan.get("target_tasks"), f.get("tasks_done", 0)),
        ("覆盖评价机构", plan.get("target_institutions"), f.get("institutions_covered", 0)),
        ("督导评价批次", plan.get("target_batches"), f.get("batches_covered", 0)),
    ]
    return [
        {
            "label": label,
            "planned": planned,
            "done": done,
            "percent": f"{round(100 * done / planned)}%" if planned else None,
        }
        for label, planned, done in rows
    ]


def summary_figures(summary: AnnualSummary) -> list[dict[str, Any]]:
    """Labelled figure rows (tasks by kind, findings by severity, rectifications, penalties, complaints)."""
    f = summary.figures or {}
    labelled = sel.figure_rows(f)
    rows = [{"label": "派出督导任务", "value": f.get("tasks_total", 0)}]
    rows += [{"label": f"其中：{label}", "value": n} for label, n in labelled["kinds"]]
    rows.append({"label": "发现问题", "value": f.get("findings_total", 0)})
    rows += [{"label": f"其中：{label}", "value": n} for label, n in labelled["severities"]]
    rows += [
        {"label": "下达整改", "value": f.get("rectifications_total", 0)},
        {"label": "按期提交整改", "value": f.get("rectifications_on_time", 0)},
        {"label": "逾期整改", "value": f.get("rectifications_late", 0)},
        {"label": "整改复核通过", "value": f.get("rectifications_closed", 0)},
        {"label": "作出处理决定", "value": f.get("penalties_total", 0)},
    ]
    rows += [{"label": f"其中：{_cn(label)}", "value": n} for label, n in labelled["penalties"]]
    rows += [
        {"label": "收到投诉举报", "value": f.get("complaints_received", 0)},
        {"label": "投诉举报查实", "value": f.get("complaints_verified", 0)},
    ]
    return rows


def summary_context(summary: AnnualSummary) -> dict[str, Any]:
    """Context of ``annual_summary``."""
    authority = summary.authority.name
    final = summary.status == AnnualSummary.Status.FINAL
    return {
        "mark": "" if final else "草稿",
        "header": authority,
        "doc_number": f"{summary.year}年度",
        "title": f"{authority}{summary.year}年度督导工作总结",
        "recipient": "",
        "overview_lines": [_cn(line) for line in _lines(summary.overview)],
        "progress": [
            {**row, "planned": _cell(row["planned"]), "percent": _cell(row["percent"])}
            for row in summary_progress(summary)
        ],
        "figures": summary_figures(summary),
        "achievement_lines": [_cn(line) for line in _lines(summary.achievements)],
        "problem_lines": [_cn(line) for line in _lines(summary.problems)],
        "next_year_lines": [_cn(line) for line in _lines(summary.next_year)],
        "signer": authority,
        "date": timezone.localdate(summary.finalised_at or summary.figures_at),
        "seal": final,
    }


def render_plan(plan: AnnualPlan, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the 年度督导工作计划 as DOCX or PDF."""
    stem = f"年度督导工作计划_{plan.authority.name}_{plan.year}_第{plan.version}版"
    return _render(PLAN_TEMPLATE, plan_context(plan), fmt, _variant(plan), stem)


def render_summary(summary: AnnualSummary, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the 年度督导工作总结 as DOCX or PDF."""
    stem = f"年度督导工作总结_{summary.authority.name}_{summary.year}"
    return _render(SUMMARY_TEMPLATE, summary_context(summary), fmt, _variant(summary), stem)
