"""Benchmark: render one evaluation form (all 43 CQ-RENEWAL items) to DOCX and to PDF.

    .venv/bin/python bench/documents_bench.py [--docx-runs 20] [--pdf-runs 3] [--json] [--fail]

Targets (issue 3): DOCX ≤ 0.2 s, PDF ≤ 3 s. DOCX is docxtpl + python-docx in-process (median of the
runs after one warm-up). PDF is one LibreOffice headless process per conversion: "cold" uses a fresh
soffice profile (first conversion on a host), "warm" reuses a profile slot (every later conversion).
With --fail, exits 1 when a median misses its target. Needs no database.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere without install
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")

import django

django.setup()

from dudao.documents import render  # noqa: E402
from dudao.scorecards.domain import fmt, shipped_form  # noqa: E402

DOCX_TARGET, PDF_TARGET = 0.2, 3.0


def evaluation_context(form_id: str = "CQ-RENEWAL") -> dict[str, Any]:
    """A filled evaluation form as the score-form rendering will pass it: every item at its maximum."""
    form = shipped_form(form_id)
    rows: list[Any] = []
    for section in form.sections:
        rows.append({"section": f"{section.id}、{section.title}({fmt(section.max)}分)"})
        for item in section.items:
            rows.append([item.id, item.title, fmt(item.max), fmt(item.max), item.method])
    total = sum((s.max for s in form.sections), start=form.sections[0].max * 0)
    return {
        "authority_name": "重庆市职业技能鉴定指导中心",
        "title": form.title,
        "subtitle": f"{form.id} 第 {form.version} 版",
        "number": "PG-2024-0031",
        "fields": [
            {"label": "机构名称", "value": "重庆某职业培训学校"},
            {"label": "统一社会信用代码", "value": "52500000MJP123456X"},
            {"label": "评估日期", "value": "2024年9月27日"},
            {"label": "评估组组长", "value": "张三"},
        ],
        "columns": [
            {"title": "编号", "width": 1.2},
            {"title": "评估内容", "width": 6, "align": "left"},
            {"title": "分值", "width": 1},
            {"title": "得分", "width": 1},
            {"title": "评估方法/备注", "width": 3.5, "align": "left"},
        ],
        "rows": rows,
        "totals": ["合计", "", fmt(total), fmt(min(total, form.cap)), ""],
        "remarks": [f"评估结论:总分 {fmt(min(total, form.cap))} 分。"],
        "signatures": [{"label": "评估组组长(签字)"}, {"label": "评估组成员(签字)"}],
        "issuer": "重庆市职业技能鉴定指导中心",
        "date": "2024-09-30",
    }


def _timed(fn, *args, **kwargs) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def _children_cpu() -> float:
    """CPU seconds of finished child processes (soffice), user + system."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(docx_runs: int = 20, pdf_runs: int = 3) -> dict[str, Any]:
    context = evaluation_context()
    render.render_docx("table_form", context)  # warm-up: imports, template parsing caches
    docx_times, docx_cpu = [], []
    for _ in range(docx_runs):
        cpu = time.process_time()
        elapsed, docx = _timed(render.render_docx, "table_form", context)
        docx_times.append(elapsed)
        docx_cpu.append(time.process_time() - cpu)
    figures: dict[str, Any] = {
        "items": sum(1 for r in context["rows"] if isinstance(r, list)),
        "docx_bytes": len(docx),
        "docx_median_s": round(statistics.median(docx_times), 4),
        "docx_max_s": round(max(docx_times), 4),
        "docx_cpu_median_s": round(statistics.median(docx_cpu), 4),
        "docx_target_s": DOCX_TARGET,
        "soffice": render.soffice_binary(),
    }
    if not render.soffice_available():
        return figures
    slots = render.PROFILE_SLOTS
    try:
        render.PROFILE_SLOTS = 0  # every conversion gets a fresh profile
        cold = [_timed(render.to_pdf, docx)[0] for _ in range(pdf_runs)]
    finally:
        render.PROFILE_SLOTS = slots
    render.to_pdf(docx)  # make sure a slot profile exists
    warm, warm_cpu = [], []
    for _ in range(pdf_runs):
        cpu = _children_cpu()
        elapsed, pdf = _timed(render.to_pdf, docx)
        warm.append(elapsed)
        warm_cpu.append(_children_cpu() - cpu)
    figures.update(
        {
            "pdf_bytes": len(pdf),
            "pdf_cold_median_s": round(statistics.median(cold), 3),
            "pdf_warm_median_s": round(statistics.median(warm), 3),
            "pdf_warm_max_s": round(max(warm), 3),
            "pdf_warm_cpu_median_s": round(statistics.median(warm_cpu), 3),
            "pdf_target_s": PDF_TARGET,
            "load_average_1min": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
        }
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docx-runs", type=int, default=20)
    parser.add_argument("--pdf-runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--fail", action="store_true", help="exit 1 when a median misses its target")
    args = parser.parse_args(argv)
    f = run(args.docx_runs, args.pdf_runs)
    if args.json:
        print(json.dumps(f, ensure_ascii=False))
    else:
        print(
            f"documents: evaluation form ({f['items']} items) → DOCX median {f['docx_median_s']:.3f} s,"
            f" max {f['docx_max_s']:.3f} s over {args.docx_runs} runs,"
            f" CPU median {f['docx_cpu_median_s']:.3f} s"
            f" (target ≤ {DOCX_TARGET} s)"
        )
        if "pdf_warm_median_s" in f:
            print(
                f"documents: DOCX → PDF ({f['soffice']}) cold median {f['pdf_cold_median_s']:.2f} s,"
                f" warm median {f['pdf_warm_median_s']:.2f} s, max {f['pdf_warm_max_s']:.2f} s over"
                f" {args.pdf_runs} runs, soffice CPU median {f['pdf_warm_cpu_median_s']:.2f} s"
                f" (target ≤ {PDF_TARGET} s); load average {f['load_average_1min']}"
                f" on {f['cpus']} CPUs"
            )
        else:
            print("documents: PDF skipped: LibreOffice (soffice) is not installed")
    missed = f["docx_median_s"] > DOCX_TARGET or f.get("pdf_warm_median_s", 0) > PDF_TARGET
    return 1 if args.fail and missed else 0


if __name__ == "__main__":
    sys.exit(main())
