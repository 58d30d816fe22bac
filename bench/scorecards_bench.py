"""Micro-benchmark: score 10,000 random valid CQ-RENEWAL answer sets through the domain function.

    .venv/bin/python bench/scorecards_bench.py [--n 10000] [--seed 1] [--json] [--fail-below 5000]

Target (issue 3): ≥ 5,000 scorings/s. Answer sets are generated before the clock starts; the timed
loop is ``dudao.scorecards.domain.score`` alone (strict validation included).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere without install

from dudao.scorecards.domain import ScoreForm, score, shipped_form

FORM_ID = "CQ-RENEWAL"
TARGET = 5000


def random_answers(form: ScoreForm, rng: random.Random) -> dict[str, Any]:
    """One valid answer set: any choice/bonus; each rule hit in 1 case of 6, up to its limit (else 5)."""
    answers: dict[str, Any] = {}
    for item in form.items:
        if item.kind == "choice":
            answers[item.id] = rng.choice(item.choices).key
        elif item.kind == "bonus":
            answers[item.id] = rng.random() < 0.5
        else:
            counts = [rng.randint(1, r.max_count or 5) if rng.random() < 1 / 6 else 0 for r in item.rules]
            answers[item.id] = counts[0] if len(counts) == 1 else counts
    return answers


def run(n: int = 10_000, seed: int = 1) -> dict[str, Any]:
    form = shipped_form(FORM_ID)
    rng = random.Random(seed)
    answer_sets = [random_answers(form, rng) for _ in range(n)]
    start, cpu_start = time.perf_counter(), time.process_time()
    results = [score(form, answers) for answers in answer_sets]
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    bands: dict[str, int] = {}
    for result in results:
        bands[result.band] = bands.get(result.band, 0) + 1
    return {
        "form": FORM_ID,
        "scorings": n,
        "seconds": round(elapsed, 4),
        "per_second": round(n / elapsed),
        "cpu_seconds": round(cpu, 4),
        "per_cpu_second": round(n / cpu) if cpu else None,
        "target_per_second": TARGET,
        "bands": dict(sorted(bands.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--fail-below", type=float, default=None, help="exit 1 below this many scorings/s")
    args = parser.parse_args(argv)
    figures = run(args.n, args.seed)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print(
            f"scorecards: {figures['scorings']:,} {FORM_ID} answer sets scored in {figures['seconds']:.3f} s"
            f" → {figures['per_second']:,} scorings/s wall clock, {figures['per_cpu_second']:,}/s of CPU time"
            f" (target ≥ {TARGET:,}); bands {figures['bands']}"
        )
    if args.fail_below is not None and figures["per_second"] < args.fail_below:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
