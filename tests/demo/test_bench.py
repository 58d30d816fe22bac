"""`python -m bench.run --quick` end to end on a tiny database (the figures themselves are not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import ROOT


def test_quick_bench_measures_and_writes_the_report(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DUDAO_TEST_DB_NAME")}
    report_path = tmp_path / "performance.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--scale",
            "tiny",
            "--out",
            str(tmp_path),
            "--docs",
            str(report_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "GET batches q+filter p95 (ms)" in done.stdout
    assert "PostgreSQL: 跳过 skipped — --quick / --no-pg" in done.stdout
    report = json.loads((tmp_path / "last-report.json").read_text())
    sqlite = report["backends"][0]
    assert sqlite["rows"] == {"institutions": 12, "batches": 47}  # 40 planned, 6 held, 1 completed (demo)
    assert sqlite["demo_data"]["counts"]["评价批次 batches"] == 47 and not sqlite["demo_data"]["reused"]
    assert [r["name"] for r in sqlite["api"]["requests"]] == [
        "institutions",
        "institutions q+filter",
        "institutions page 50",
        "batches",
        "batches q+filter",
        "batches page 50",
    ]
    assert all(
        r["n"] == 20 and 0 < r["p50_ms"] <= r["p95_ms"] <= r["max_ms"] for r in sqlite["api"]["requests"]
    )
    assert sqlite["scope_check"]["n"] == 200
    assert sqlite["scope_check"]["accepted"] + sqlite["scope_check"]["refused"] == 200
    assert report["scorecards"]["scorings"] == 1000
    text = report_path.read_text()
    assert "## 中文" in text and "## English" in text and "| GET institutions p95 (ms) |" in text
    # A second run reuses the database it built (keyed by scale and seed).
    again = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--scale", "tiny", "--out", str(tmp_path), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert again.returncode == 0, again.stderr
    assert '"reused": true' in again.stdout
