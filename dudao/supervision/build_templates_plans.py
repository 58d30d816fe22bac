"""Build the .docx templates of the yearly cycle (ACT-6) with the supervision papers' building blocks.

    .venv/bin/python -m dudao.supervision.build_templates_plans [--out DIR]

Writes ``annual_plan.docx`` (年度督导工作计划) and ``annual_summary.docx`` (年度督导工作总结) into
``dudao/documents/templates_docx/``, where ``dudao.documents.render`` finds them and admins may override
them (docs/supervision-documents.md). Context keys: ``dudao/supervision/documents_plans.py``. Every
``{%p %}`` / ``{%tr %}`` tag sits alone in its paragraph or row (DESIGN: pitfalls).
"""

from __future__ import annotations

from pathlib import Path

from dudao.documents import build_templates as b

from .build_templates import _authority_signature, _letterhead, _paragraphs, _rows_table, _styles

OUT_DIR = b.OUT_DIR
NAMES = ("annual_plan", "annual_summary")
ROW_COLUMNS = (("项目", 78), ("计划", 26), ("完成", 26), ("完成率", 26))
ROW_CELLS = ("{{ r.label }}", "{{ r.planned }}", "{{ r.done }}", "{{ r.percent }}")
PAIR_COLUMNS = (("项目", 104), ("数量", 52))
PAIR_CELLS = ("{{ r.label }}", "{{ r.value }}")


def build_annual_plan(path: Path) -> None:
    """年度督导工作计划: purpose, targets (RAND-1 ratios), items, schedule by quarter, responsible."""
    doc = b.new_document(title_property="{{ title }}")
    _styles(doc)
    _letterhead(doc)
    _paragraphs(doc, "intro")
    b._para(doc, "一、工作目标", "DudaoHeading1")
    _rows_table(doc, PAIR_COLUMNS, PAIR_CELLS, "targets")
    _paragraphs(doc, "ratio_lines")
    b._para(doc, "二、督导事项与方式", "DudaoHeading1")
    _paragraphs(doc, "item_lines", otherwise="按照有关规定开展督导。")
    b._para(doc, "三、进度安排", "DudaoHeading1")
    _paragraphs(doc, "schedule_lines", otherwise="全年按季度组织实施。")
    b._para(doc, "四、组织实施", "DudaoHeading1")
    b._para(doc, "本计划由{{ responsible }}负责组织实施。", "DudaoBody")
    _paragraphs(doc, "note_lines")
    _authority_signature(doc)
    doc.save(path)


def build_annual_summary(path: Path) -> None:
    """年度督导工作总结: overview, figures from the records against the plan, free-text sections."""
    doc = b.new_document(title_property="{{ title }}")
    _styles(doc)
    _letterhead(doc)
    b._para(doc, "一、工作概述", "DudaoHeading1")
    _paragraphs(doc, "overview_lines", otherwise="（未填写）")
    b._para(doc, "二、计划完成情况", "DudaoHeading1")
    _rows_table(doc, ROW_COLUMNS, ROW_CELLS, "progress")
    b._para(doc, "三、督导发现与处理", "DudaoHeading1")
    _rows_table(doc, PAIR_COLUMNS, PAIR_CELLS, "figures")
    b._para(doc, "四、主要成效", "DudaoHeading1")
    _paragraphs(doc, "achievement_lines", otherwise="（未填写）")
    b._para(doc, "五、存在问题", "DudaoHeading1")
    _paragraphs(doc, "problem_lines", otherwise="（未填写）")
    b._para(doc, "六、下一年度工作打算", "DudaoHeading1")
    _paragraphs(doc, "next_year_lines", otherwise="（未填写）")
    _authority_signature(doc)
    doc.save(path)


BUILDERS = {"annual_plan": build_annual_plan, "annual_summary": build_annual_summary}


def build_all(out_dir: Path = OUT_DIR) -> list[Path]:
    return b.write_templates(BUILDERS, out_dir)


def main(argv: list[str] | None = None) -> None:
    b.command_line(BUILDERS, "生成年度督导工作计划、年度督导工作总结的 .docx 模板", argv)


if __name__ == "__main__":
    main()
