"""bench/checkin_bench.py: the data builder and a tiny run against the real server (2 devices × 3 scans), when
PostgreSQL is reachable at 127.0.0.1:5432; the latency figures themselves are not asserted (shared machine).
The resend plan and the docs section are checked without a server."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bench import checkin_bench as cb

ROOT = Path(__file__).resolve().parents[2]


def _postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(cb.PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.mark.pg
@pytest.mark.skipif(not _postgres_reachable(), reason="needs PostgreSQL at 127.0.0.1:5432")
def test_tiny_run_builds_the_plan_and_records_one_checkin_per_seat():
    import psycopg
    from psycopg import sql

    name = f"dudao_checkin_smoke_{os.getpid()}"  # own database: parallel runs never share one
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUDAO_", "DATABASE_URL"))}
    args = ["--devices", "2", "--scans-per-device", "3", "--workers", "2", "--pace", "0"]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.checkin_bench", *args, "--db", name, "--rebuild", "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        with psycopg.connect(cb.PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["build"]["reused"] is False
    assert (report["devices"], report["seats_per_room"], report["workers"]) == (2, 3, 2)
    assert report["warm_up"] == {"422": 8}  # unreadable code, refused before any write
    [run] = report["runs"]
    # 3 scans per device, one record resent each (10 % of 3, at least one): every scan created, every
    # resend answered 200 with the first answer's check-in.
    assert run["statuses"] == {"200": 2, "201": 6}
    assert (run["scans"], run["resends"], run["requests"], run["not_sent"]) == (6, 2, 8, 0)
    assert run["server_errors"] == 0 and run["other_refusals"] == 0
    assert (run["checkins"], run["seats_scanned"], run["missing"], run["unexpected"]) == (6, 6, 0, 0)
    assert (run["client_id_mismatch"], run["resend_mismatch"], run["duplicates"]) == (0, 0, 0)
    # back to back (pace 0) is the machine's ceiling: judged on correctness only, never on a noisy p95
    assert run["latency_judged"] is False and run["ok"] is True
    assert "| 0 s | 8 (6/2) |" in cb.section(report)


def _device(seats: int, seed: int = 1) -> cb.Device:
    room = cb.Room(device=1, room_id=1, token="t", seats=[(n, f"code{n}") for n in range(seats)])
    return cb.Device(room, port=0, pace=0.0, deadline=0.0, tag="x", rng=random.Random(seed))


@pytest.mark.parametrize(("seats", "resends"), [(1, 1), (3, 1), (14, 1), (15, 2), (30, 3), (35, 4)])
def test_about_ten_percent_of_the_records_are_resent_after_their_first_send(seats, resends):
    for seed in range(20):
        ops = _device(seats, seed).plan()
        assert [i for kind, i in ops if kind == "scan"] == list(range(seats))
        resent = [i for kind, i in ops if kind == "resend"]
        assert len(resent) == resends and len(set(resent)) == resends
        assert all(ops.index(("resend", i)) > ops.index(("scan", i)) for i in resent)


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 201)]
    assert cb.percentile(values, 95) == 190.0
    assert cb.percentile(values, 50) == 100.0
    assert cb.percentile([5.0], 99) == 5.0


def _run_figures(**over):
    figures = {
        "pace_s": 2.0,
        "requests": 1650,
        "statuses": {"201": 1500, "200": 150},
        "p50_ms": 30.1,
        "p95_ms": 100.0,
        "p99_ms": 150.2,
        "max_ms": 300.0,
        "throughput_per_s": 25.3,
        "server_errors": 0,
        "missing": 0,
        "duplicates": 0,
        "app_cpu_ms_per_request": 18.7,
        "db_cpu_ms_per_request": 0.6,
        "client_cpu_ms_per_request": 3.2,
        "load_before": [1.5, 1.0, 1.0],
        "load_after": [2.5, 1.2, 1.0],
        "ok": True,
    }
    figures.update(over)
    return figures


def test_section_has_a_row_per_pace_with_its_verdict():
    report = {
        "command": ".venv/bin/python -m bench.checkin_bench --json",
        "date": "2026-12-07 12:00 CST",
        "devices": 50,
        "seats_per_room": 30,
        "workers": 4,
        "cpus": 2,
        "target_p95_ms": 100.0,
        "runs": [
            _run_figures(),
            _run_figures(pace_s=0.0, p95_ms=100.1, ok=False, duplicates=1, server_errors=3),
        ],
    }
    text = cb.section(report)
    assert text.startswith("## 考试签到负载基准 / Check-in load benchmark (issue 10 target 3)\n")
    assert (
        "| 2 s | 1,650 (1500/150) | 30.1 ms | 100.0 ms | 150.2 ms | 300.0 ms | 25.3/s | 0 "
        "| 恰好 1 exactly 1 | 18.7 · 0.6 · 3.2 | 1.5 → 2.5 | 达标 met |"
    ) in text
    assert (
        "| 0 s | 1,650 (1500/150) | 30.1 ms | 100.1 ms | 150.2 ms | 300.0 ms | 25.3/s | 3 "
        "| 有误 WRONG | 18.7 · 0.6 · 3.2 | 1.5 → 2.5 | 未达标 NOT MET |"
    ) in text
    assert "gunicorn 4 个同步工作进程" in text and "gunicorn with 4 sync workers" in text
    assert cb.section({}) == "" and cb.section({"runs": []}) == ""
