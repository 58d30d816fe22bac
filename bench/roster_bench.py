"""`dudao import candidates` of a generated roster, end to end, on a fresh database (issue 10, Performance).

    .venv/bin/python -m bench.roster_bench [--rows 100000] [--backend sqlite|pg|both] [--json]

1. Generates a roster in the template's columns (`exams.imports.CANDIDATE_COLUMNS`): checksum-valid resident
   IDs, levels 5/4/3 of the batch, facts spread over every route of the national template (and some that
   meet none), certificates, receipt numbers on half of the rows; `--existing` of the IDs (default 10 %)
   belong to persons already registered (reused, name checked).
2. Times python-calamine's read of that file alone (open + first sheet to Python values), in this process.
3. Builds a fresh database (`dudao migrate`, `dudao load-reference`), an institution with an active filing,
   a batch with a published plan, the pre-registered persons and an institution user, then runs
   `dudao import candidates FILE --as bench_roster --batch CODE --json` as its own process: wall clock, CPU
   and peak RSS (wait4). The import checks every ID (stdnum), duplicates in the file and against live
   registrations, the person's name, level, fee, receipt, runs the EXAM-15 pre-check, writes persons and
   registrations and one audit event per row, in one transaction.
4. Runs `dudao audit verify` on the result (the chain must stay valid).
SQLite: `var/bench/roster-bench.sqlite3` (recreated); PostgreSQL: database `dudao_roster_bench` on
127.0.0.1:5432 (recreated; skipped with a note when unreachable).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import import_bench  # noqa: E402
from bench.import_bench import PG_ADMIN_URL, read_alone  # noqa: E402

TARGET_ROWS_PER_S = 5000.0
PG_DB = "dudao_roster_bench"
USERNAME = "bench_roster"
BATCH = "BENCH-ROSTER-01"
OCCUPATION = "6-18-02-04"
LEVEL_LABELS = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工"}
EDUCATION_LABELS = [
    "无相关学历",
    "技工学校",
    "中等职业学校",
    "高级技工学校",
    "技师学院",
    "高等职业学校",
    "大学专科及以上",
]


def _dudao() -> str:
    return str(Path(sys.executable).with_name("dudao"))


def _env(url: str) -> dict[str, str]:
    """The import's environment: this checkout's code first (a worktree beside the installed one)."""
    env = import_bench._env(url)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def resident_id(n: int) -> str:
    """The n-th synthetic resident ID: 1,000 sequence numbers per birth day from 1985-01-01 (valid date,
    valid check digit; region 360102)."""
    import datetime as dt

    from stdnum.cn import ric

    birth = dt.date(1985, 1, 1) + dt.timedelta(days=n // 1000)
    body = f"360102{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def name_of(n: int) -> str:
    return f"考生{n:06d}"


def candidate_row(i: int, rng: random.Random) -> list[Any]:
    """One roster row (in CANDIDATE_COLUMNS order): a mix that reaches every route and none."""
    level = rng.choice((5, 5, 4, 4, 3))
    # whole years mostly, as rosters are filled; one in five with a decimal
    work_years = rng.randint(0, 20) if rng.random() < 0.8 else round(rng.uniform(0, 15), 1)
    education = rng.choice(EDUCATION_LABELS)
    has_certificate = level < 5 and rng.random() < 0.7
    preparatory = has_certificate and rng.random() < 0.05
    cert_level = "" if not has_certificate or preparatory else LEVEL_LABELS[min(5, level + 1)]
    return [
        name_of(i),
        resident_id(i),
        f"139{i:08d}" if i % 4 else "",
        LEVEL_LABELS[level],
        education,
        "是" if rng.random() < 0.5 else "否",
        work_years,
        "是" if rng.random() < 0.3 else "否",
        cert_level,
        ("是" if rng.random() < 0.9 else "否") if has_certificate else "",
        "是" if preparatory else "",
        rng.randint(0, 8) if has_certificate else "",
        f"SJ{i:07d}" if i % 2 else "",
    ]


def generate(rows: int, seed: int = 1) -> bytes:
    """The template's first sheet with `rows` valid candidates (xlsxwriter, constant memory)."""
    import xlsxwriter

    from dudao.exams.imports import CANDIDATE_COLUMNS

    rng = random.Random(seed)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("考生")
    sheet.write_row(0, 0, [c.header for c in CANDIDATE_COLUMNS])
    for i in range(rows):
        sheet.write_row(i + 1, 0, candidate_row(i, rng))
    workbook.close()
    return buffer.getvalue()


def _run(args: list[str], url: str) -> subprocess.CompletedProcess:
    return subprocess.run([_dudao(), *args], env=_env(url), capture_output=True, text=True, check=False)


def _fresh_database(backend: str) -> str | None:
    if backend == "sqlite":
        path = ROOT / "var" / "bench" / "roster-bench.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}"')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
    except Exception as exc:  # unreachable server: reported, not fatal
        print(f"PostgreSQL 不可用,跳过:{exc}", file=sys.stderr)
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"


def _setup_script(existing: int) -> str:
    """A published plan for a batch of the bench institution, `existing` persons already registered (the
    first IDs of the roster, same names), and the institution's user."""
    return f"""
import datetime as dt
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric
from dudao.accounts.models import Role, User
from dudao.common import pii
from dudao.common.bulk import insert
from dudao.exams.models import ExamPlan
from dudao.people.domain import mask_id_number
from dudao.people.models import Person
from dudao.registry.models import (
    Authority, Batch, Filing, FilingScope, Institution, Occupation, Region, Venue
)

with transaction.atomic():
    region = Region.objects.get(code="360000")
    authority = Authority.objects.create(code="BENCH-JX", name="基准测试委派机构", region=region)
    occupation, _ = Occupation.objects.get_or_create(code="{OCCUPATION}", defaults={{"name": "焊工"}})
    institution = Institution.objects.create(
        name="基准测试评价机构", kind="social_org", uscc="91360100MA00000019", authority=authority,
        region=region,
    )
    filing = Filing.objects.create(
        institution=institution, authority=authority, number="BENCH-BA-1",
        valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2030, 12, 31), status="active",
    )
    FilingScope.objects.create(
        filing=filing, occupation=occupation, levels=[5, 4, 3], start_date=dt.date(2024, 1, 1)
    )
    venue = Venue.objects.create(institution=institution, name="基准测试考场", room_count=100, capacity=5000)
    starts = timezone.now() + dt.timedelta(days=60)
    batch = Batch.objects.create(
        code="{BATCH}", institution=institution, filing=filing, occupation=occupation, levels=[5, 4, 3],
        starts_at=starts, ends_at=starts + dt.timedelta(hours=8), venue=venue,
    )
    today = timezone.localdate()
    ExamPlan.objects.create(
        batch=batch, title="基准测试认定公告", status="published", registration_opens_on=today,
        registration_closes_on=today + dt.timedelta(days=30), withdraw_deadline=today + dt.timedelta(days=40),
        fees={{"5": "200.00", "4": "300.00", "3": "400.00"}}, fee_basis="基准测试收费依据",
        eligibility_summary="按国家职业技能标准", contact_name="联系人", contact_phone="0791-86000000",
    )
    persons = []
    for i in range({existing}):
        birth = dt.date(1985, 1, 1) + dt.timedelta(days=i // 1000)  # bench.roster_bench.resident_id
        body = f"360102{{birth:%Y%m%d}}{{i % 1000:03d}}"
        number = body + ric.calc_check_digit(body + "0")
        persons.append(Person(
            name=f"考生{{i:06d}}", id_number_encrypted=pii.encrypt(number),
            id_number_index=pii.blind_index(number),
            id_number_masked=mask_id_number(number), gender="M", birth_date=birth, phone="",
            registered_by=authority,
        ))
    insert(Person, persons)
    User.objects.create_user(
        username="{USERNAME}", password="x-unused-Bench-2026", role=Role.INSTITUTION_STAFF,
        institution=institution,
    )
"""


def bench_backend(backend: str, path: Path, rows: int, existing: int) -> dict[str, Any] | None:
    url = _fresh_database(backend)
    if url is None:
        return None
    for args in (["migrate", "--noinput"], ["load-reference"], ["shell", "-c", _setup_script(existing)]):
        done = _run(args, url)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    # Output to files, not pipes: a refused roster's error list would fill a pipe and stall the import.
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        process = subprocess.Popen(
            [_dudao(), "import", "candidates", str(path), "--as", USERNAME, "--batch", BATCH, "--json"],
            env=_env(url),
            stdout=out_file,
            stderr=err_file,
            text=True,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed ({os.waitstatus_to_exitcode(status)}): {out[-2000:]} {err[-2000:]}")
    result = json.loads(out)
    verify = _run(["audit", "verify", "--json"], url)
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "backend": backend,
        "rows": result["rows"],
        "created": result["created"],
        "existing_persons": existing,
        "import_s": round(wall, 2),
        "import_inner_s": result["seconds"],
        "rows_per_s": round(result["rows"] / wall),
        "cpu_s": round(cpu, 2),
        "rows_per_cpu_s": round(result["rows"] / cpu),
        "load_before": round(load_before, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "audit_verify_ok": verify.returncode == 0,
        "target_met": result["rows"] / wall >= TARGET_ROWS_PER_S,
    }


def section(report: dict[str, Any]) -> str:
    """The docs/performance.md section for one run (for bench/run.py to append; Chinese, then English)."""
    if not report or not report.get("backends"):
        return ""
    lines = [
        "## 考生名册导入基准 / Roster import benchmark (issue 10)",
        "",
        f"命令 command: `{report.get('command', '.venv/bin/python -m bench.roster_bench')}`。",
        f"{report.get('date', '')}:{report['rows']:,} 名考生(模板列;10 % 的身份证号已登记为人员),"
        f"文件 {report['file_mb']} MB / {report['rows']:,} candidates in the template's columns (10 % of the "
        f"ID numbers already registered), {report['file_mb']} MB file; 目标 target ≥ "
        f"{report['target_rows_per_s']:,.0f} 行/秒 rows/s.",
        "",
        "| 数据库 DB | python-calamine 单独读取 read alone | 导入全过程 import (wall) | 行/秒 rows/s (wall) "
        "| 导入进程 CPU | 行/CPU 秒 rows per CPU s | 峰值内存 peak RSS | 负载 load | `audit verify` |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for b in report["backends"]:
        verified = "通过 ok" if b["audit_verify_ok"] else "失败 FAILED"
        lines.append(
            f"| {'SQLite' if b['backend'] == 'sqlite' else 'PostgreSQL'} | {report['calamine_read_s']} s "
            f"| {b['import_s']} s | {b['rows_per_s']:,} | {b['cpu_s']} s | {b['rows_per_cpu_s']:,} "
            f"| {b['peak_rss_mb']} MB | {b['load_before']} | {verified} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--existing", type=float, default=0.1, help="share of IDs already registered")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
    import django

    django.setup()
    started = time.perf_counter()
    data = generate(args.rows)
    generated_s = time.perf_counter() - started
    path = ROOT / "var" / "bench" / f"candidates-{args.rows}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    existing = int(args.rows * args.existing)
    report: dict[str, Any] = {
        "command": ".venv/bin/python -m bench.roster_bench "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "rows": args.rows,
        "file_mb": round(len(data) / 1048576, 1),
        "generate_s": round(generated_s, 1),
        "calamine_read_s": round(read_alone(data), 2),
        "target_rows_per_s": TARGET_ROWS_PER_S,
        "backends": [],
    }
    for backend in ["sqlite", "pg"] if args.backend == "both" else [args.backend]:
        figures = bench_backend(backend, path, args.rows, existing)
        if figures is not None:
            report["backends"].append(figures)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(
            f"{args.rows:,} 名考生,文件 {report['file_mb']} MB;"
            f"python-calamine 单独读取 {report['calamine_read_s']} 秒"
        )
        for b in report["backends"]:
            print(
                f"{b['backend']}: 导入 {b['import_s']} 秒,{b['rows_per_s']:,} 行/秒(CPU {b['cpu_s']} 秒,"
                f"{b['rows_per_cpu_s']:,} 行/CPU 秒),峰值内存 {b['peak_rss_mb']} MB,"
                f"审计链校验 {'通过' if b['audit_verify_ok'] else '失败'}"
            )
    return report


if __name__ == "__main__":
    main()
