"""`dudao import institutions` of a generated file, end to end, on a fresh database (issue 9 §2).

    .venv/bin/python -m bench.import_bench [--rows 100000] [--backend sqlite|pg] [--json]

1. Generates an institutions file in the import template's columns (`registry.excel.INSTITUTION_COLUMNS`):
   checksum-valid USCCs, districts of the shipped GB/T 2260 list, the importing authority's code.
2. Times python-calamine's read of that file alone (open + first sheet to Python values), in this process.
   The machine's 1-minute load average before the import is recorded: on a shared machine the wall clock
   includes waiting for a core, the import process's CPU time (user + system) does not.
3. Builds a fresh database (`dudao migrate`, `dudao load-reference`), an authority and a user, then runs
   `dudao import institutions FILE --as bench_importer --json` as its own process: wall clock and that
   process's peak RSS (ru_maxrss from wait4). The import reads with python-calamine after the archive
   guard, validates every rule, writes in batches and appends one audit event per row, in one transaction.
4. Runs `dudao audit verify` on the result (the chain must stay valid).
SQLite: `var/bench/import-bench.sqlite3` (recreated); PostgreSQL: database `dudao_import_bench` on
127.0.0.1:5432 (recreated; skipped with a note when unreachable).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_ROWS_PER_S = 5000.0
MEMORY_LIMIT_MB = 1024.0
PG_ADMIN_URL = os.environ.get("DUDAO_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "dudao_import_bench"
USERNAME = "bench_importer"
AUTHORITY = "BENCH-JX"


def _dudao() -> str:
    return str(Path(sys.executable).with_name("dudao"))


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
    return env


def _uscc(n: int) -> str:
    from stdnum.cn import uscc

    body = f"91360100MB{n:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def _districts() -> list[str]:
    import csv

    path = ROOT / "dudao" / "registry" / "data" / "regions_gbt2260.csv"
    if not path.exists():
        return ["360000"]
    with open(path, encoding="utf-8") as fh:
        codes = [
            r["code"] for r in csv.DictReader(fh) if r["code"].startswith("36") and r["code"][4:] != "00"
        ]
    return codes or ["360000"]


def generate(rows: int) -> bytes:
    """The template's first sheet with `rows` valid institutions (xlsxwriter, constant memory)."""
    import xlsxwriter

    from dudao.registry.excel import INSTITUTION_COLUMNS

    districts = _districts()
    kinds = ("employer", "tech_school", "social_org")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("评价机构")
    sheet.write_row(0, 0, [c.header for c in INSTITUTION_COLUMNS])
    for i in range(rows):
        sheet.write_row(
            i + 1,
            0,
            [
                f"基准测试职业技能评价机构{i:06d}",
                {"employer": "用人单位", "tech_school": "技工院校", "social_org": "社会培训评价组织"}[
                    kinds[i % 3]
                ],
                _uscc(i),
                districts[i % len(districts)],
                AUTHORITY,
                "",
                f"法定代表人{i % 997}",
                f"联系人{i % 991}",
                f"0791-8{i % 10_000_000:07d}",
                f"江西省南昌市示例路 {i} 号",
            ],
        )
    workbook.close()
    return buffer.getvalue()


def read_alone(data: bytes) -> float:
    import python_calamine

    started = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    elapsed = time.perf_counter() - started
    assert len(rows) > 1
    return elapsed


def _run(args: list[str], url: str) -> subprocess.CompletedProcess:
    return subprocess.run([_dudao(), *args], env=_env(url), capture_output=True, text=True, check=False)


def _fresh_database(backend: str) -> str | None:
    if backend == "sqlite":
        path = ROOT / "var" / "bench" / "import-bench.sqlite3"
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


_SETUP = f"""
from dudao.accounts.models import Role, User
from dudao.registry.models import Authority, Region
authority = Authority.objects.create(
    code="{AUTHORITY}", name="基准测试委派机构", region=Region.objects.get(code="360000")
)
User.objects.create_user(
    username="{USERNAME}", password="x-unused-Bench-2026", role=Role.AUTHORITY_STAFF, authority=authority
)
"""


def bench_backend(backend: str, path: Path, rows: int) -> dict[str, Any] | None:
    url = _fresh_database(backend)
    if url is None:
        return None
    for args in (["migrate", "--noinput"], ["load-reference"], ["shell", "-c", _SETUP]):
        done = _run(args, url)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(
        [_dudao(), "import", "institutions", str(path), "--as", USERNAME, "--json"],
        env=_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed ({os.waitstatus_to_exitcode(status)}): {out[-2000:]} {err[-2000:]}")
    result = json.loads(out)
    verify = _run(["audit", "verify", "--json"], url)
    return {
        "backend": backend,
        "rows": result["rows"],
        "created": result["created"],
        "import_s": round(wall, 2),
        "import_inner_s": result["seconds"],
        "rows_per_s": round(result["rows"] / wall),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "rows_per_cpu_s": round(result["rows"] / (usage.ru_utime + usage.ru_stime)),
        "load_before": round(load_before, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "audit_verify_ok": verify.returncode == 0,
    }


EXPLAINED = """
导入全过程 = 一个 `dudao import institutions FILE --as USER --json` 进程:启动 Django、压缩包安全检查、
python-calamine 读取、逐行校验全部规则(统一社会信用代码 stdnum 校验与唯一、区划在主管机构辖区内、
用户权限与数据范围、单行字段、字段长度)、分批写入、每行一条审计事件(HMAC 链)、全部成功或全部不写。
墙钟时间含等待 CPU 的时间:本机 2 核由多个会话共用,负载见“负载”列;CPU 时间为导入进程自身的
用户+系统时间(PostgreSQL 服务器进程的时间不在内)。

End to end = one `dudao import institutions FILE --as USER --json` process: Django start-up, the
archive guard, python-calamine's read, every rule per row (USCC checked by stdnum and unique, region
inside the authority's jurisdiction, the user's permission and scope, one-line fields, lengths), batched
inserts, one audit event per row (HMAC chain), all or nothing. Wall clock includes waiting for a core
(2 cores shared by several sessions: see the load column); CPU is the import process's own user+system
time (not the PostgreSQL server's).
"""


def section(report: dict[str, Any]) -> str:
    """The docs/performance.md section for one run (bench/run.py appends it; Chinese, then English)."""
    if not report or "backends" not in report:
        return ""
    lines = [
        "## Excel 导入基准 / Import benchmark (issue 9 §2)",
        "",
        f"命令 command: `{report.get('command', '.venv/bin/python -m bench.import_bench')}`"
        "(`make bench` 也会调用 / also run by `make bench`)。",
        f"{report.get('date', '')}:{report['rows']:,} 行评价机构(模板列,区县代码取自 GB/T 2260 参考数据),"
        f"文件 {report['file_mb']} MB / {report['rows']:,} institution rows in the template's columns, "
        f"{report['file_mb']} MB file.",
        "",
        *EXPLAINED.strip().splitlines(),
        "",
        "| 数据库 DB | python-calamine 单独读取 read alone | 导入全过程 import (wall) | 行/秒 rows/s (wall) "
        "| 导入进程 CPU | 行/CPU 秒 rows per CPU s | 峰值内存 peak RSS | 负载 load | `audit verify` |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for b in report["backends"]:
        lines.append(
            f"| {'SQLite' if b['backend'] == 'sqlite' else 'PostgreSQL'} | {report['calamine_read_s']} s "
            f"| {b['import_s']} s | {b['rows_per_s']:,} | {b.get('cpu_s', '?')} s "
            f"| {b.get('rows_per_cpu_s', 0):,} | {b['peak_rss_mb']} MB | {b.get('load_before', '?')} "
            f"| {'通过 ok' if b['audit_verify_ok'] else '失败 FAILED'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
    import django

    django.setup()
    started = time.perf_counter()
    data = generate(args.rows)
    generated_s = time.perf_counter() - started
    path = ROOT / "var" / "bench" / f"institutions-{args.rows}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    report: dict[str, Any] = {
        "command": ".venv/bin/python -m bench.import_bench "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "rows": args.rows,
        "file_mb": round(len(data) / 1048576, 1),
        "generate_s": round(generated_s, 1),
        "calamine_read_s": round(read_alone(data), 2),
        "backends": [],
    }
    for backend in ["sqlite", "pg"] if args.backend == "both" else [args.backend]:
        figures = bench_backend(backend, path, args.rows)
        if figures is not None:
            report["backends"].append(figures)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(
            f"{args.rows:,} 行,文件 {report['file_mb']} MB;"
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
