"""Hostile files through the import and evidence paths: how each ends, in how long, with what peak memory.

    .venv/bin/python bench/hostile_files_bench.py [--json] [--unguarded]

Each probe (tests/hostile_files.py) is built, written to a temporary file and read by a fresh Python
process (Django set up), so that the peak resident size (ru_maxrss) is the probe's own. `--unguarded`
reads with calamine directly, as imports did before issue 8, under a 4 GB address-space limit.
Target (issue 8 §1): any file ≤ 20 MB is refused or imported within 5 s and 300 MB of memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    """This process's peak resident size (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _one(path: str, mode: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
    import django

    django.setup()
    from dudao.common.excel import Column, ImportFailed, read_rows
    from dudao.common.files import UploadRejected, store_upload
    from dudao.common.upload_guard import UnsafeFile

    data = Path(path).read_bytes()
    baseline = _peak_mb()
    started = time.perf_counter()
    outcome = "imported"
    message = ""
    try:
        if mode == "unguarded":
            import io

            import python_calamine

            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
            outcome = f"parsed {len(rows)} rows"
        elif mode == "evidence":
            from django.core.files.storage import default_storage

            stored = store_upload(io_file(data), name="probe.xlsx")
            default_storage.delete(stored.name)
        else:
            read_rows(data, [Column("a", "A")])
    except (ImportFailed, UnsafeFile, UploadRejected) as exc:
        outcome = "refused"
        message = exc.message
    except Exception as exc:  # the point is to see what happens
        outcome = f"error {type(exc).__name__}"
        message = str(exc)[:120]
    elapsed = time.perf_counter() - started
    peak = _peak_mb()
    return {
        "outcome": outcome,
        "message": message[:200],
        "message_chars": len(message),
        "seconds": round(elapsed, 2),
        "peak_mb": peak,
        "baseline_mb": baseline,
    }


def io_file(data: bytes):
    import io

    return io.BytesIO(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--unguarded", action="store_true")
    parser.add_argument("--evidence", action="store_true", help="through common.files.store_upload")
    parser.add_argument("--one", nargs=2, metavar=("FILE", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    if args.one:
        if args.one[1] == "unguarded":
            limit = 4 * 1024**3
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        print(json.dumps(_one(*args.one)))
        return

    from tests.hostile_files import PROBES, large_legitimate, long_strings

    probes = {**PROBES, "largest_grid_800k_cells": large_legitimate, "long_strings_24000x5": long_strings}

    mode = "unguarded" if args.unguarded else "evidence" if args.evidence else "import"
    results = {}
    for name, build in probes.items():
        if args.only and name not in args.only:
            continue
        data = build()
        with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as fh:
            fh.write(data)
        try:
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, __file__, "--one", fh.name, mode],
                capture_output=True,
                text=True,
                timeout=120,
            )
            wall = time.perf_counter() - started
        except subprocess.TimeoutExpired:
            results[name] = {"size_kb": round(len(data) / 1024, 1), "outcome": "timeout > 120 s"}
            continue
        finally:
            os.unlink(fh.name)
        line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        result = (
            json.loads(line)
            if line.startswith("{")
            else {"outcome": f"process died (exit {proc.returncode})", "message": proc.stderr[-200:]}
        )
        result["size_kb"] = round(len(data) / 1024, 1)
        result["process_seconds"] = round(wall, 2)
        results[name] = result
        if not args.json:
            print(
                f"{name:22} {result['size_kb']:>9} KB  {result['outcome']:24} "
                f"{result.get('seconds', '-')!s:>6} s  peak {result.get('peak_mb', '-')} MB "
                f"(baseline {result.get('baseline_mb', '-')})  {result.get('message', '')[:90]}"
            )
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
