"""Data comparison bench (issue 13): speed of `dudao analytics scan` and the quality of its flags.

    .venv/bin/python -m bench.analytics_bench [--rows 10000000] [--quality-rows 1000000] [--seeds 1,2,3]
        [--json]

1. Quality: for each seed, a planted data set (bench/analytics_data.py: every kind planted in its own
   random targets) and a clean one of the same size; per kind the planted targets found (recall), the flags
   that are planted targets (precision), and on the clean set the flags per unit tested (false-flag rate).
2. Speed: the scan (scan(), in-process, as the CLI runs it) of `--rows` rows from Parquet and of 1,000,000
   rows from CSV, wall and CPU seconds, median of 3; then one profiled run of the Parquet scan, step by step
   (reading and checking, the examiners' keys, the papers table, each kind's query and tests).
Data files are written once per size and seed under var/bench/analytics/ and reused.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
django.setup()

from bench.analytics_data import Truth, generate, write  # noqa: E402
from dudao.analytics.scan import flags as scan_flags  # noqa: E402
from dudao.analytics.scan import queries  # noqa: E402
from dudao.analytics.scan.flags import KINDS, Thresholds, scan  # noqa: E402
from dudao.analytics.scan.marks_input import load  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "var" / "bench" / "analytics"
TARGETS = {"parquet_s": 1.0, "csv_s": 5.0, "recall": 1.0, "precision": 0.9, "clean_rate": 0.01}


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def data_file(rows: int, seed: int, plant: bool, suffix: str) -> tuple[Path, Truth | None, dict[str, int]]:
    """The marks file (made once) with its planted truth and the number of units each kind tests."""
    stem = f"marks-{rows}-{seed}-{'planted' if plant else 'clean'}"
    path, meta = DATA / f"{stem}{suffix}", DATA / f"{stem}.json"
    if path.exists() and meta.exists():
        saved = json.loads(meta.read_text())
        truth = Truth(
            **{k: {tuple(x) if isinstance(x, list) else x for x in v} for k, v in saved["truth"].items()}
        )
        return path, truth, saved["units"]
    frame, truth = generate(rows, seed=seed, plant=plant)
    write(frame, path)
    theory = frame[frame["subj"] == 0]
    units = {
        "pass_rate": int(frame.groupby(["inst", "occ", "lvl"]).ngroups),
        "heaping": int(frame.groupby(["batch", "subj"]).ngroups),
        "leniency": int(frame["examiner"].nunique()),
        "disagreement": int(theory["batch"].nunique()),
        "identical": int(frame[frame["subj"] == 1].groupby(["batch", "room"]).ngroups),
    }
    meta.write_text(json.dumps({"truth": truth.as_json(), "units": units, "rows": len(frame)}))
    return path, truth, units


def _key(flag: dict[str, Any]) -> Any:
    kind = flag["kind"]
    if kind == "pass_rate":
        return (flag["institution"], flag["evidence"]["occupation"])
    if kind in ("heaping", "disagreement"):
        return flag["batch"]
    if kind == "leniency":
        return flag["examiner"]
    return (flag["batch"], flag["evidence"]["room"])


def quality(rows: int, seeds: list[int]) -> dict[str, Any]:
    per_kind: dict[str, dict[str, int]] = {
        k: {"planted": 0, "found": 0, "flags": 0, "true_flags": 0} for k in KINDS
    }
    clean: dict[str, dict[str, int]] = {k: {"units": 0, "flags": 0} for k in KINDS}
    for seed in seeds:
        path, truth, _ = data_file(rows, seed, True, ".parquet")
        flags = scan(path)["flags"]
        for kind in KINDS:
            planted = getattr(truth, kind)
            keys = [_key(f) for f in flags if f["kind"] == kind]
            per_kind[kind]["planted"] += len(planted)
            per_kind[kind]["found"] += len(planted & set(keys))
            per_kind[kind]["flags"] += len(keys)
            per_kind[kind]["true_flags"] += sum(1 for k in keys if k in planted)
        path, _, units = data_file(rows, seed, False, ".parquet")
        flags = scan(path)["flags"]
        for kind in KINDS:
            clean[kind]["units"] += units[kind]
            clean[kind]["flags"] += sum(1 for f in flags if f["kind"] == kind)
    out: dict[str, Any] = {"rows": rows, "seeds": seeds, "kinds": {}}
    for kind in KINDS:
        k = per_kind[kind]
        recall = k["found"] / k["planted"] if k["planted"] else None
        precision = k["true_flags"] / k["flags"] if k["flags"] else None
        rate = clean[kind]["flags"] / clean[kind]["units"] if clean[kind]["units"] else 0.0
        out["kinds"][kind] = {
            **k,
            "recall": recall,
            "precision": precision,
            "clean_units": clean[kind]["units"],
            "clean_flags": clean[kind]["flags"],
            "clean_rate": rate,
            "ok": recall == TARGETS["recall"]
            and (precision or 0) >= TARGETS["precision"]
            and rate <= TARGETS["clean_rate"],
        }
    return out


def speed(path: Path, runs: int = 3) -> dict[str, Any]:
    load = _load()
    walls, cpus, rows = [], [], 0
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        rows = scan(path)["stats"]["rows"]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "rows": rows,
        "runs": runs,
        "wall_median_s": round(statistics.median(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
        "loadavg": [load, _load()],
    }


def profile(path: Path) -> dict[str, Any]:
    """One scan of `path` step by step (the steps of flags.scan), wall and CPU seconds of each."""
    import duckdb

    t = Thresholds()
    con = duckdb.connect(":memory:")
    engine = scan_flags.DuckDBEngine(con)
    steps: dict[str, Any] = {}

    def step(name: str, work) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        steps[name] = {
            "wall_s": round(time.perf_counter() - wall, 3),
            "cpu_s": round(time.process_time() - cpu, 3),
        }

    load_before = _load()
    try:
        step("read and check", lambda: load(con, path))
        step("examiners", lambda: engine.execute(queries.render(queries.EXAMINERS)))
        step("papers", lambda: engine.execute(queries.render(queries.PAPERS)))
        for kind in KINDS:
            step(kind, lambda kind=kind: getattr(scan_flags, f"_{kind}")(engine, t))
    finally:
        con.close()
    return {"steps": steps, "loadavg": [load_before, _load()]}


def section(figures: dict[str, Any]) -> str:
    """The docs/performance.md section (Chinese, then English)."""
    if not figures or "speed" not in figures:
        return ""
    p, c, q = figures["speed"]["parquet"], figures["speed"]["csv"], figures["quality"]

    def verdict(ok: bool) -> str:
        return "达标 met" if ok else "未达标 NOT MET"

    lines = [
        "## 数据比对基准 / Data comparison benchmark (issue 13)",
        "",
        f"命令 command: `{figures['command']}`;{figures['date']};机器 machine: 2 核 cores"
        "(与其他工作共用 shared with other work,负载见各行 load per row)。",
        "",
        "| 指标 metric | 结果 result | 目标 target | 负载 load | 结论 verdict |",
        "|---|---|---|---|---|",
        f"| 扫描 scan,Parquet {p['rows']:,} 行 rows(进程内 in-process,{p['runs']} 次中位数 median) | "
        f"wall **{p['wall_median_s']} s**,CPU {p['cpu_median_s']} s | ≤ 1 s | "
        f"{p['loadavg'][0]} → {p['loadavg'][1]} | {verdict(p['wall_median_s'] <= TARGETS['parquet_s'])} |",
        f"| 扫描 scan,CSV {c['rows']:,} 行 rows(含读取 including the read) | wall **{c['wall_median_s']} s**,"
        f"CPU {c['cpu_median_s']} s | ≤ 5 s | {c['loadavg'][0]} → {c['loadavg'][1]} | "
        f"{verdict(c['wall_median_s'] <= TARGETS['csv_s'])} |",
        *_profile_lines(figures.get("profile"), p["rows"]),
        "",
        "质量 quality: 每个种子 per seed 一份植入异常的数据和一份同样大小的干净数据 one planted and one "
        f"clean set of {q['rows']:,} 行 rows,种子 seeds {q['seeds']}(bench/analytics_data.py),"
        "默认阈值 default thresholds。",
        "",
        "| 类别 kind | 植入 planted | 找到 found(召回 recall) | 标记 flags(精确 precision) | "
        "干净数据误报 clean false flags / 检验单位 units tested | 结论 verdict |",
        "|---|---|---|---|---|---|",
    ]
    for kind, k in q["kinds"].items():
        recall = "–" if k["recall"] is None else f"{k['recall']:.1%}"
        precision = "–" if k["precision"] is None else f"{k['precision']:.1%}"
        lines.append(
            f"| {kind} | {k['planted']} | {k['found']} ({recall}) | {k['flags']} ({precision}) | "
            f"{k['clean_flags']} / {k['clean_units']:,} = {k['clean_rate']:.2%} | {verdict(k['ok'])} |"
        )
    return "\n".join(lines) + "\n"


def _profile_lines(profile: dict[str, Any] | None, rows: int) -> list[str]:
    if not profile:
        return []
    steps = profile["steps"]
    return [
        "",
        f"分步 steps(Parquet {rows:,} 行 rows,一次 one run,负载 load {profile['loadavg'][0]} → "
        f"{profile['loadavg'][1]}):",
        "",
        "| 步骤 step | wall s | CPU s |",
        "|---|---|---|",
        *(f"| {name} | {v['wall_s']} | {v['cpu_s']} |" for name, v in steps.items()),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--quality-rows", type=int, default=1_000_000)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    figures: dict[str, Any] = {
        "benchmark": "analytics",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": ".venv/bin/python -m bench.analytics_bench "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "thresholds": dataclasses.asdict(Thresholds()),
    }
    figures["quality"] = quality(args.quality_rows, seeds)
    print(f"quality: {figures['quality']}", file=sys.stderr, flush=True)
    parquet, _, _ = data_file(args.rows, seeds[0], True, ".parquet")
    csv, _, _ = data_file(args.csv_rows, seeds[0], True, ".csv")
    figures["speed"] = {"parquet": speed(parquet), "csv": speed(csv)}
    figures["profile"] = profile(parquet)
    print(f"speed: {figures['speed']}", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        print(section(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
