"""`make bench`: province-scale figures for SQLite and PostgreSQL, printed and written to docs/performance.md.

    .venv/bin/python -m bench.run [--quick] [--scale province] [--seed 1] [--rebuild] [--no-pg]
                                  [--requests 200] [--checks 2000] [--docs PATH] [--json]

1. Builds (or reuses, keyed by scale and seed) one database per backend: SQLite `var/bench/bench-<scale>-
   seed<seed>.sqlite3`, PostgreSQL database `dudao_bench` on 127.0.0.1:5432 (created if missing; skipped with
   a note when unreachable). A build runs `dudao migrate` then times `dudao demo-data --scale <scale>
   --seed <seed>` as its own process (wall clock and CPU). A reused database reports the time measured when
   it was built (with that date); `--rebuild` measures again.
2. Measures the registry list APIs and the INST-3 scope check on each database (`bench/registry_bench.py`,
   its own process per database, Django test Client in-process).
3. Runs the scorecards bench (`bench/scorecards_bench.py`), when present the draw bench, the import
   bench (`bench/import_bench.py`: `dudao import institutions` of 100,000 rows on both databases) and
   the results judge bench (`bench/results_bench.py`: 100,000 candidates, pure) and the certificates bench
   (`bench/certificates_bench.py`: numbering, public look-up at 10 million certificates, QR, PDF) and the
   dashboards bench (`bench/dashboards_bench.py`: dashboard pages at province scale).
4. Prints a table and (full runs, or `--docs PATH`) writes docs/performance.md.
`--quick`: the small scale, 20 requests, no PostgreSQL, no draw bench, no docs: a smoke run for tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("DUDAO_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGETS = {"list_p95_ms": 150.0, "demo_data_s": 120.0, "scoring_per_s": 5000.0}
# Measured while building this benchmark (cProfile, query counts per service call); fixed text because
# it explains the figures rather than reports them. Kept here so a re-run does not lose it.
ANALYSIS_ZH = """
以下为构建本基准时在本机测得(cProfile、逐次调用计 SQL 条数),用来解释上表,不随每次运行更新。

1. **逐条走服务函数太慢,不是业务规则慢,而是每条记录附带的查询。** 在省级规模的库上单次调用
   (在一个回滚的事务里)所发出的 SQL 条数:

   | 服务函数 | SQL 条数 |
   |---|---|
   | `registry.institution_create` | 18 |
   | `registry.filing_create`(含 2 个认定范围) | 47 |
   | `registry.venue_create` | 12 |
   | `people.examiner_create`(同时登记人员) | 25 |
   | `people.examiner_card_issue` | 17 |
   | `people.supervisor_create`(同时登记人员) | 28 |
   | `people.supervisor_card_issue` | 15 |
   | `people.supervisor_contract_add` | 13 |
   | `people.relation_declare` | 14 |
   | `registry.batch_create`(3 名考评员,给定编号) | 31 |

   多数并非规则所需:`full_clean()` 对每个外键再查一次是否存在(服务刚用 `_ref`/`_visible`
   读出这些对象),每个 CheckConstraint 再查一次(`SELECT 1 AS "_check" …`),唯一字段再查一次
   (服务自己已查过重复);嵌套的 `transaction.atomic()`(装饰器、函数内的 `with`、`audit.record`
   内部)每层多出 SAVEPOINT 与 RELEASE 两条语句;`audit.record` 每个事件都锁定并更新审计链头
   (SELECT … FOR UPDATE、INSERT、UPDATE)。small 规模实测:services 路径约 13 s CPU,bulk 路径约 3 s;
   按上表推算,省级规模(约 18 万个审计事件、约 330 万条 SQL)全部逐条走服务约需 20 分钟 CPU。
2. **批次编号生成是 O(n²)。** `registry.services._new_batch_code` 用 `code__startswith` 查当天的已有编号;
   SQLite 的 LIKE 不区分大小写,用不上唯一索引(PostgreSQL 在非 C 排序规则下也用不上 btree 索引),
   每次都全表扫描:5 万个批次时每次约 36 ms,逐条创建 5 万个批次仅这一步就约 15 分钟。演示数据
   自带编号(格式同 `domain.batch_code`),因此未受影响。建议改为可走索引的范围查询
   `code__gte=f"PC{day:%Y%m%d}"`、`code__lt=f"PC{day:%Y%m%d}~"`。
3. **bulk 路径里最大的一项是审计。** `audit.record_many` 约占 demo-data CPU 的四成(每 1 万个事件约
   1.5 s):快照 `snapshot()` 做一次 JSON 往返,`_jsonable` 再做一次,计算哈希时第三次序列化,
   `bulk_create` 写 JSONField 时第四次;SQLite 上每条 INSERT 最多约 70 行(999 个参数上限),
   Django 编译 INSERT 的开销按“行 × 字段”计。建议 `common.audit` 接受已是 JSON 的快照(不再往返)、
   用 `cursor.executemany` 插入事件。
4. **其次是身份证号校验。** python-stdnum 的 `cn.ric.validate` 要查出生地代码表,每个号码约 0.23 ms
   (3.6 万人约 8 s)。这是规则本身要求的校验,没有绕开。
5. **各应用应提供批量服务**(演示数据和 Excel 导入都需要;Excel 一次导入 3 万名考评员,逐条走服务
   也会是上面的代价):`registry` 的机构、备案(含认定范围)、考核场所、批次批量创建(批次:按机构缓存
   `filing_specs_for_institution`,考评员一次读入);`people` 的考评员(含人员、证卡、考评范围)、
   督导员(含证卡、聘任合同)、申报关系批量创建。做法:内存中查重,`full_clean(exclude=已解析的外键,
   validate_constraints=False)`(由数据库约束兜底),`bulk_create` + `audit.record_many`。
   `dudao/demo/bulk.py` 就是这样的原型,可以整体迁入各应用。它目前从各应用导入了几个下划线开头的
   内部函数(`_examiner_problem`、`_venue_values`、`_parse_person_fields`、`_card_dates`、
   `_supervisor_owner`、`_clean_qualification`、`_resolve_issuer`、`_scopes_snapshot`、`_PHONE_RE`),
   迁移后即可改为公开接口。
6. 其他:`accounts.services.user_create` 只能创建带角色的账号,不能创建超级管理员,演示数据的
   `demo_admin` 因此在 `dudao/demo/loader.py` 中按同样步骤创建(`full_clean`、同名审计事件
   `accounts.user_created`);PBKDF2 100 万次迭代使每个演示账号约 0.5 s(8 个约 4 s)。
7. 列表 API 每次请求的查询条数固定(机构 4 条、批次 5 条,见 `queries`,与数据量无关),时间花在:
   分页的 `count(*)`——批次列表为按区划前缀过滤要 JOIN 机构表,省级用户也要数遍 5 万行
   (PostgreSQL 上约 25–55 ms);第 50 页的 OFFSET 要先走过前 980 行及其 5 个 JOIN(约 50–85 ms);
   以及每页 20 个批次连同考评员、人员的 JSON 序列化。可改进处(registry 的选择器):区划前缀覆盖
   全部数据时不做过滤;批次表冗余机构的区划代码以免 JOIN;深分页改用 keyset 分页或估算总数;
   关键字 `q` 对机构名做 `icontains`,没有索引可用(PostgreSQL 可用 pg_trgm)。
8. PostgreSQL 在批量写入后、autovacuum 更新统计信息之前会按“表很小”来规划查询(实测列表请求慢数倍),
   因此 `dudao demo-data` 结束时在 PostgreSQL 上执行 `ANALYZE`(计入上表的 demo-data 时间)。
"""
ANALYSIS_EN = """
Measured on this machine while building the benchmark (cProfile, SQL statements counted per call); it
explains the figures above and is not refreshed by each run.

1. **Per-record services are slow because of the queries each record carries, not because of the
   rules.** SQL statements issued by one call on the province-scale database (inside a rolled-back
   transaction): institution_create 18; filing_create with 2 scope entries 47; venue_create 12;
   examiner_create with the person 25; examiner_card_issue 17; supervisor_create with the person 28;
   supervisor_card_issue 15; supervisor_contract_add 13; relation_declare 14; batch_create with
   3 examiners and a given code 31. Most are not needed by the rules: `full_clean()` re-checks that every
   foreign key exists (the service has just read those rows through `_ref`/`_visible`), runs one query per
   CheckConstraint (`SELECT 1 AS "_check" …`) and one per unique field (the service already checked for
   duplicates); nested `transaction.atomic()` blocks (decorator, inner `with`, inside `audit.record`) add
   a SAVEPOINT and a RELEASE each; `audit.record` locks and updates the chain head for every event
   (SELECT … FOR UPDATE, INSERT, UPDATE). Small scale, measured: services path ≈ 13 s CPU, bulk path
   ≈ 3 s. Extrapolated, the province (≈ 180,000 audit events, ≈ 3.3 million SQL statements) through the
   per-record services would take about 20 minutes of CPU.
2. **Batch-code generation is O(n²).** `registry.services._new_batch_code` reads the day's codes with
   `code__startswith`; SQLite's LIKE is case-insensitive and cannot use the unique index (nor can
   PostgreSQL's btree index under a non-C collation), so every call scans the table: ≈ 36 ms at
   50,000 batches, ≈ 15 minutes for creating 50,000 batches one by one. The demo passes its own codes
   (same format as `domain.batch_code`) and avoids it. Suggested: an index range,
   `code__gte=f"PC{day:%Y%m%d}"` and `code__lt=f"PC{day:%Y%m%d}~"`.
3. **In the bulk path the largest item is the audit trail.** `audit.record_many` is about 40 % of the
   demo-data CPU (≈ 1.5 s per 10,000 events): `snapshot()` makes a JSON round trip, `_jsonable` another,
   hashing serialises a third time and `bulk_create` a fourth for the JSONField; on SQLite an INSERT holds
   at most ≈ 70 rows (999-parameter limit) and Django's INSERT compilation costs per row × field.
   Suggested for `common.audit`: accept snapshots that are already JSON (no round trip) and insert events
   with `cursor.executemany`.
4. **Next is resident-ID validation:** python-stdnum's `cn.ric.validate` looks up the birth-place table,
   ≈ 0.23 ms per number (≈ 8 s for 36,000 persons). The rule requires it; it is not bypassed.
5. **The owning apps should offer bulk services** (demo data and Excel import both need them; importing
   30,000 examiners from Excel through per-record services costs the same as above): registry bulk
   create for institutions, filings with scope entries, venues and batches (batches: filing specs cached
   per institution, examiners read once); people bulk create for examiners (person, card, card scope),
   supervisors (card, contract terms) and relations. Method: duplicates checked in memory,
   `full_clean(exclude=<resolved foreign keys>, validate_constraints=False)` with the database constraints
   as the backstop, `bulk_create` + `audit.record_many`. `dudao/demo/bulk.py` is that prototype and can move
   into the apps as a whole. It currently imports a few underscore-prefixed helpers of the apps
   (`_examiner_problem`, `_venue_values`, `_parse_person_fields`, `_card_dates`, `_supervisor_owner`,
   `_clean_qualification`, `_resolve_issuer`, `_scopes_snapshot`, `_PHONE_RE`); once moved they become
   the apps' own API.
6. Also: `accounts.services.user_create` only creates accounts with a role, not superusers, so the demo's
   `demo_admin` is created in `dudao/demo/loader.py` with the same steps (`full_clean`, the same
   `accounts.user_created` audit event); PBKDF2 with 1,000,000 iterations makes each demo account cost
   ≈ 0.5 s (≈ 4 s for the eight).
7. Each list request issues a fixed number of queries (institutions 4, batches 5: `queries`;
   independent of the data volume). The time goes to the paginator's `count(*)` — the batch list joins
   the institution table for the region-prefix filter and counts all 50,000 rows even for the province
   user (≈ 25–55 ms on PostgreSQL) —, to page 50's OFFSET, which walks the first 980 rows with their five
   joins (≈ 50–85 ms), and to serialising 20 batches with examiners and persons. Possible improvements
   (registry selectors): skip the region filter when the prefix covers everything; store the
   institution's region code on the batch to avoid the join; keyset pagination or an estimated count for
   deep pages; `q` is an `icontains` on the institution name that no index serves (pg_trgm on
   PostgreSQL).
8. After a bulk load and before autovacuum refreshes the statistics, PostgreSQL plans as if the tables
   were tiny (list requests measured several times slower), so `dudao demo-data` runs `ANALYZE` at the
   end on PostgreSQL (included in the demo-data time above).
"""
ABOUT_DATA = """
## 演示数据说明 / About the demo data

- 全部为虚构数据:省份取江西(GB/T 2260 代码 36,省中心 `card_issuer_code` = 36),地市为真实区划代码,
  机构、人员、地址、电话均由固定字表按种子生成;身份证号、统一社会信用代码的校验位由 python-stdnum
  计算,能通过系统校验,但不对应任何真实的人或单位。
  All data is synthetic: the province is Jiangxi (GB/T 2260 code 36, the centre's card issuer code 36),
  cities carry their real region codes; institutions, persons, addresses and phone numbers come from
  fixed word lists driven by the seed; resident IDs and USCCs get their check digits from python-stdnum,
  so they validate, but they belong to no real person or body.
- 职业:已核实的 6 个 OCC-1 编码(`dudao load-reference`)之外,演示数据另加 11 个 OCC-1 中提到但没有
  核实编码的职业,编码取 `9-99-xx-xx`(职业分类大典 2022 只有 1–8 大类,不可能与真实编码混淆),
  标记为未核实(`verified=False`),来源写“演示数据,编码未核实”。
  Occupations: besides the six verified OCC-1 codes (`dudao load-reference`) the demo adds eleven
  occupations that OCC-1 names without a verified code, coded `9-99-xx-xx` (the 2022 classification has
  major groups 1–8 only, so they cannot be taken for real codes), `verified=False`, source
  "演示数据,编码未核实" (demo data, code not verified).
- 证卡号:外督证卡按 SUP-3(`R` + 36 + 年份 + 流水号);内督 `JXNB…`、考评员 `JXKP…` 的格式是演示用的
  自拟格式(这两种编码规则没有公开来源,系统默认规则只要求 4–32 位字母数字)。
  Card numbers: external supervisors follow SUP-3 (`R` + 36 + year + serial); internal supervisors'
  `JXNB…` and examiners' `JXKP…` are invented demo formats (no public source for those rules).
- 批次从运行当天之后的工作日(`workdays` 日历)开始,small 覆盖 6 个月、province 覆盖 12 个月,
  所以“同一种子得到相同数据”指同一天运行。`--reset` 删除以前生成的演示数据(委派机构编码 `DEMO-*`
  及其机构、人员,`demo_*` 账号),审计事件保留(删除会破坏审计链)并追加一条 `demo.reset` 事件;
  若演示数据已被其他记录(如督导任务)引用,则拒绝删除,请改用新数据库。
  Batches start on working days (`workdays` calendar) after the day of the run, over 6 months (small) or
  12 months (province), so "same seed, same data" means the same day. `--reset` deletes what an earlier
  run created (authorities `DEMO-*` with their institutions and people, `demo_*` accounts); audit events
  stay (deleting them would break the chain) and a `demo.reset` event is added; if other records (e.g.
  supervision tasks) use demo rows, the reset is refused: use a fresh database.
- 规模 / scales:`tiny`(测试用 tests: 3 委派机构 authorities, 12 机构 institutions, 40 批次 batches,
  12 督导员 supervisors, 40 考评员 examiners)、`small`(`make demo`: 4 / 60 / 300 / 80 / 300)、
  `province`(基准 bench: 12 / 2,000 / 50,000 / 5,000 / 30,000)。
"""
LIST_NAMES = (
    "institutions",
    "institutions q+filter",
    "institutions page 50",
    "batches",
    "batches q+filter",
    "batches page 50",
)


# ---------------------------------------------------------------------------------------------------------
# Machine and processes
def _now() -> str:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(next(line for line in meminfo.splitlines() if line.startswith("MemTotal")).split()[1])
        info["ram_gib"] = round(kb / 1024 / 1024, 1)
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line
        )
    except (OSError, StopIteration):
        pass
    return info


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env["DUDAO_DEBUG"] = "0"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run(args: list[str], url: str, timeout: int = 3600) -> tuple[str, float, float]:
    """Run a child process; return its stdout, wall seconds and CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, env=_env(url), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stdout, wall, cpu


def _dudao(*args: str) -> list[str]:
    return [sys.executable, "-m", "dudao.cli", *args]


def _build(url: str, scale: str, seed: int) -> dict[str, Any]:
    """Migrate an empty database and time `dudao demo-data` on it (its own process)."""
    _run(_dudao("migrate", "--noinput", "-v0"), url)
    load = [round(x, 2) for x in os.getloadavg()]
    out, wall, cpu = _run(_dudao("demo-data", "--scale", scale, "--seed", str(seed), "--json"), url)
    data = json.loads(out.strip().splitlines()[-1])
    return {
        "command": f"dudao demo-data --scale {scale} --seed {seed}",
        "built_at": _now(),
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "in_command_seconds": data["seconds"],
        "mode": data["mode"],
        "counts": data["counts"],
        "steps": data.get("steps", {}),
        "loadavg_before": load,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def _measure(url: str, requests: int, checks: int) -> dict[str, Any]:
    out, _wall, _cpu = _run(
        [
            sys.executable,
            "-m",
            "bench.registry_bench",
            "--json",
            "--requests",
            str(requests),
            "--checks",
            str(checks),
        ],
        url,
    )
    return json.loads(out.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------------
# Backends
def sqlite_backend(args) -> dict[str, Any]:
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench-{args.scale}-seed{args.seed}.sqlite3"
    meta = path.with_suffix(".json")
    url = f"sqlite:///{path.resolve()}"
    if path.exists() and meta.exists() and not args.rebuild:
        demo = {**json.loads(meta.read_text()), "reused": True}
    else:
        for stale in (path, meta, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        demo = _build(url, args.scale, args.seed)
        meta.write_text(json.dumps(demo, ensure_ascii=False, indent=1))
        demo["reused"] = False
    return {
        "backend": "SQLite",
        "database": str(path),
        "demo_data": demo,
        **_measure(url, args.requests, args.checks),
    }


def postgres_backend(args) -> dict[str, Any]:
    try:
        import psycopg
        from psycopg import sql

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # any failure to connect means "skip with a note"
        return {
            "backend": "PostgreSQL",
            "skipped": f"127.0.0.1:5432 不可达 unreachable ({type(exc).__name__})",
        }
    name = "dudao_bench" if args.scale == "province" else f"dudao_bench_{args.scale}"
    key = {"scale": args.scale, "seed": args.seed}
    with admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        try:
            meta = json.loads(row[0]) if row and row[0] else None
        except ValueError:
            meta = None
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        if meta and meta.get("key") == key and not args.rebuild:
            demo = {**meta["demo_data"], "reused": True}
        else:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            demo = _build(url, args.scale, args.seed)
            comment = json.dumps({"key": key, "demo_data": demo}, ensure_ascii=False)
            admin.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(comment))
            )
            demo["reused"] = False
    return {
        "backend": "PostgreSQL",
        "database": name,
        "demo_data": demo,
        **_measure(url, args.requests, args.checks),
    }


# ---------------------------------------------------------------------------------------------------------
# Other benches
def scorecards(n: int) -> dict[str, Any]:
    from bench import scorecards_bench

    return scorecards_bench.run(n=n, seed=1)


def draw(quick: bool) -> dict[str, Any]:
    """The draw bench's figures when bench/draw_bench.py exists (another team's; called, not changed)."""
    path = ROOT / "bench" / "draw_bench.py"
    if not path.exists():
        return {"pending": "bench/draw_bench.py 尚未提供 (not yet available)"}
    if quick:
        return {"skipped": "--quick"}
    module = importlib.import_module("bench.draw_bench")
    if callable(getattr(module, "run", None)):
        return module.run()
    done = subprocess.run(
        [sys.executable, str(path), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        env=_env(os.environ.get("DATABASE_URL", "")),
    )
    try:
        figures = json.loads(done.stdout)
    except ValueError:
        return {"error": f"draw bench exited {done.returncode}: {done.stderr.strip()[-300:]}"}
    figures["exit_code"] = done.returncode
    return figures


def evaluation_document(quick: bool) -> dict[str, Any]:
    """One signed CQ-RENEWAL evaluation rendered to DOCX and PDF (bench/evaluation_doc_bench.py)."""
    args = [sys.executable, str(ROOT / "bench" / "evaluation_doc_bench.py"), "--json"]
    args += ["--docx-runs", "5", "--pdf-runs", "1"] if quick else ["--docx-runs", "30", "--pdf-runs", "5"]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=1800, env=_env(""))
    try:
        return json.loads(done.stdout)
    except ValueError:
        return {"error": f"evaluation document bench exited {done.returncode}: {done.stderr.strip()[-300:]}"}


# ---------------------------------------------------------------------------------------------------------
# Report
def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}" if value >= 100 else f"{value:.2f}{unit}"
    return f"{value:,}{unit}"


def _verdict(values: list[float | None], target: float, higher_is_better: bool = False) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "未测 not measured"
    ok = all(v >= target for v in present) if higher_is_better else all(v <= target for v in present)
    return "达标 met" if ok else "未达标 MISSED"


def table(report: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(metric, SQLite, PostgreSQL, target, verdict) rows."""
    backends = {b["backend"]: b for b in report["backends"]}
    sq, pg = backends.get("SQLite", {}), backends.get("PostgreSQL", {})

    def api(b: dict, name: str, key: str) -> float | None:
        for r in b.get("api", {}).get("requests", []):
            if r["name"] == name:
                return r[key]
        return None

    scale = report["scale"]
    rows = []
    walls = [b.get("demo_data", {}).get("wall_seconds") for b in (sq, pg)]
    cpus = [b.get("demo_data", {}).get("cpu_seconds") for b in (sq, pg)]
    rows.append(
        (
            f"dudao demo-data --scale {scale} (wall s)",
            _fmt(walls[0]),
            _fmt(walls[1]),
            "≤ 120 s",
            _verdict(walls, TARGETS["demo_data_s"]) if scale == "province" else "(province only)",
        )
    )
    rows.append(("  同上 CPU s (user+sys)", _fmt(cpus[0]), _fmt(cpus[1]), "", ""))
    for name in LIST_NAMES:
        p50 = [api(b, name, "p50_ms") for b in (sq, pg)]
        p95 = [api(b, name, "p95_ms") for b in (sq, pg)]
        rows.append((f"GET {name} p50 (ms)", _fmt(p50[0]), _fmt(p50[1]), "", ""))
        rows.append(
            (
                f"GET {name} p95 (ms)",
                _fmt(p95[0]),
                _fmt(p95[1]),
                "≤ 150 ms",
                _verdict(p95, TARGETS["list_p95_ms"]),
            )
        )
    for key in ("p50_ms", "p95_ms"):
        vals = [b.get("scope_check", {}).get(key) for b in (sq, pg)]
        rows.append((f"INST-3 批次范围校验 scope check {key[:3]} (ms)", _fmt(vals[0]), _fmt(vals[1]), "", ""))
    score = report["scorecards"]
    rows.append(
        (
            "评估表评分 scorings/s (CQ-RENEWAL)",
            _fmt(score.get("per_second")),
            "(no DB)",
            "≥ 5,000/s",
            _verdict([score.get("per_second")], TARGETS["scoring_per_s"], higher_is_better=True),
        )
    )
    d = report["draw"]
    if "seconds" in d:
        rows.append(
            (
                "双随机抽取 draw solve (s)",
                _fmt(d["seconds"].get("solve")),
                "(no DB)",
                "≤ 5 s",
                "达标 met" if d.get("ok") else "未达标 MISSED",
            )
        )
    else:
        rows.append(("双随机抽取 draw", "—", "—", "", next(iter(d.values()), "")))
    doc = report.get("evaluation_document", {})
    for key, label, target in (("docx", "DOCX", 0.2), ("pdf", "PDF", 3.0)):
        median = doc.get(f"{key}_median_s")
        verdict = "" if median is None else ("达标 met" if median <= target else "未达标 MISSED")
        rows.append(
            (
                f"评估表文书 evaluation {label} median (s)",
                _fmt(median),
                "(SQLite)",
                f"≤ {target:g} s",
                verdict,
            )
        )
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def print_table(rows) -> None:
    header = ("指标 metric", "SQLite", "PostgreSQL", "目标 target", "结论 verdict")
    widths = [max(_width(str(r[i])) for r in (header, *rows)) for i in range(5)]
    for row in (header, *rows):
        cells = [str(c) + " " * (w - _width(str(c))) for c, w in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip())


def _git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=30
        ).stdout.strip()
        return head + (" + 未提交的修改 uncommitted changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _md_table(header: tuple[str, ...], rows) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _backend_lines(report: dict[str, Any], zh: bool) -> list[str]:
    lines = []
    for b in report["backends"]:
        if "skipped" in b:
            lines.append(f"- {b['backend']}: {'跳过' if zh else 'skipped'} — {b['skipped']}")
            continue
        d, rows = b["demo_data"], b["rows"]
        name = f"{b['backend']} {b.get('server_version', '')} (`{b['database']}`)"
        load = f"{d.get('loadavg_before')} → {d.get('loadavg_after')}"
        if zh:
            how = "本次复用该库,时间为构建时所测" if d.get("reused") else "本次新建并计时"
            lines.append(
                f"- {name}:{rows['institutions']:,} 个机构、{rows['batches']:,} 个批次;"
                f"demo-data 于 {d.get('built_at')} 构建({how}),构建时 load average {load}"
            )
        else:
            how = (
                "reused: its time is the one measured at build" if d.get("reused") else "built and timed now"
            )
            lines.append(
                f"- {name}: {rows['institutions']:,} institutions, {rows['batches']:,} batches; demo-data "
                f"built {d.get('built_at')} ({how}), load average while building {load}"
            )
    return lines


def _steps_table(report: dict[str, Any]) -> list[str]:
    built = [b for b in report["backends"] if b.get("demo_data", {}).get("steps")]
    if not built:
        return ["(无 none)"]
    labels = list(dict.fromkeys(k for b in built for k in b["demo_data"]["steps"]))
    header = ("步骤 step", *(f"{b['backend']} wall / CPU s" for b in built))
    rows = []
    for label in labels:
        cells = []
        for b in built:
            w, c = b["demo_data"]["steps"].get(label, (None, None))
            cells.append("—" if w is None else f"{w:.1f} / {c:.1f}")
        rows.append((label, *cells))
    return _md_table(header, rows)


TEMPLATE = """# 性能基准 / Performance

> 由 `make bench`(`.venv/bin/python -m bench.run`)生成,每次完整运行都会覆盖本文件。
> Generated by `make bench` (`.venv/bin/python -m bench.run`); every full run overwrites this file.

## 中文

### 测量条件

- 日期:{date};代码:{commit}
- 命令:`{command}`(规模 `{scale}`,种子 {seed})
- 机器:{machine_zh}
- 运行期间系统负载(load average,1/5/15 分钟):{load}。本机与其他进程共用;
  负载高于核数时墙钟时间会明显拉长,所以同时列出 CPU 时间。
{backends_zh}
- 列表 API:以 `demo_authority_admin`(省中心管理员,可见全省数据)的 Bearer 令牌,
  在同一进程内经 Django 测试客户端(`django.test.Client`,不经网络和 Web 服务器)调用;
  每个变体先预热 5 次,再计 {requests} 次。变体:第 1 页;关键字 + 筛选
  (机构:`q`、`kind`、`status=active`;批次:`q`、`status`、`region`、开始日期范围);第 50 页。
- INST-3 范围校验:与 `batch_create` 相同的两步 —— `selectors.filing_specs_for_institution`
  (一次查询)+ `domain.check_batch_in_scope`;随机机构、职业、等级、日期,{checks} 次,不写库。

### 结果

{table}

### 演示数据如何写入

`dudao demo-data` 先由种子生成完整的数据计划(`dudao/demo/plan.py`,纯 Python;
同一种子、同一天生成的数据相同),再在**一个事务**中写入。写入有两条路径,
结果相同(`tests/demo` 逐表、逐个审计事件比对):

- `services`(tiny、small 的默认):每条记录调用所属应用的服务函数
  (权限检查、`full_clean`、审计事件),与用户在页面或 API 中的写入完全一样。
- `bulk`(province 的默认):执行同样的领域规则和字段校验,批量插入,
  审计事件用 `audit.record_many` 追加(每条记录一个事件,动作名和快照与服务函数相同)。
  调用了哪些规则函数、省掉了哪些逐行查询,见 `dudao/demo/bulk.py` 文件头。
  少量状态变更(备案暂停/整改/到期、考评员证卡延续培训与挂失、批次取消)和演示账号
  仍逐条调用服务函数。

省级规模各步骤用时(墙钟 / CPU 秒):

{steps}

### 慢在哪里,需要改什么

{analysis_zh}

## English

### Conditions

- Date: {date}; code: {commit}
- Command: `{command}` (scale `{scale}`, seed {seed})
- Machine: {machine_en}
- System load during the run (load average, 1/5/15 min): {load}. The machine is shared;
  with a load above the core count wall-clock times stretch, so CPU times are listed too.
{backends_en}
- List APIs: called as `demo_authority_admin` (the province centre's admin, who sees the whole
  province) with a Bearer token, through Django's test Client in the same process (no network,
  no web server); 5 warm-up calls per variant, then {requests} measured ones. Variants: page 1;
  keyword + filters (institutions: `q`, `kind`, `status=active`; batches: `q`, `status`,
  `region`, start-date range); page 50.
- INST-3 scope check: the same two steps as `batch_create` — `selectors.filing_specs_for_institution`
  (one query) + `domain.check_batch_in_scope` — over random institutions, occupations, levels and
  dates, {checks} times, without writing.

### Figures

{table}

### How the demo data is written

`dudao demo-data` first derives the complete data plan from the seed (`dudao/demo/plan.py`,
pure Python: same seed and day → same data), then writes it in **one transaction**, along one of
two paths that give the same rows and audit events (`tests/demo` compares them table by table and
event by event):

- `services` (default for tiny and small): every record through its owning app's service
  function (permission check, `full_clean`, audit event), exactly like a user's page or API write.
- `bulk` (default for province): the same domain rules and field validation, bulk inserts, audit
  events appended with `audit.record_many` (one event per record, with the service's action name
  and snapshot). Which rule functions it calls and which per-row queries it skips is listed at the
  top of `dudao/demo/bulk.py`. The few state changes (filings suspended / rectifying / expired,
  examiner-card renewal training and loss, batch cancellations) and the demo accounts still go
  through the services one by one.

Time per step at province scale: see the step table in the Chinese section.

### What is slow, and what would need to change

{analysis_en}

{about}
"""


def imports(quick: bool, no_pg: bool) -> dict[str, Any]:
    """`dudao import institutions` end to end (bench/import_bench.py): 100,000 rows on both databases."""
    args = [sys.executable, "-m", "bench.import_bench", "--json"]
    args += (
        ["--rows", "2000", "--backend", "sqlite"] if quick else ["--backend", "sqlite" if no_pg else "both"]
    )
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=3600, env=_env(""))
    try:
        return json.loads(done.stdout)
    except ValueError:
        return {"error": f"import bench exited {done.returncode}: {done.stderr.strip()[-300:]}"}


def _bench_json(module: str, args: list[str], timeout: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", module, "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(""),
    )
    try:
        return json.loads(done.stdout)
    except ValueError:
        return {"error": f"{module} exited {done.returncode}: {done.stderr.strip()[-300:]}"}


def roster(quick: bool, no_pg: bool) -> dict[str, Any]:
    """`dudao import candidates` of 100,000 rows on both databases (bench/roster_bench.py)."""
    args = (
        ["--rows", "2000", "--backend", "sqlite"] if quick else ["--backend", "sqlite" if no_pg else "both"]
    )
    return _bench_json("bench.roster_bench", args, 3600)


def checkin(quick: bool, no_pg: bool) -> dict[str, Any]:
    """50 devices checking in against the running server on PostgreSQL (bench/checkin_bench.py)."""
    if quick or no_pg:
        return {}
    return _bench_json("bench.checkin_bench", [], 900)


def assignment(quick: bool) -> dict[str, Any]:
    """The examiner-assignment solver on one station-day (bench/assign_bench.py, pure: no database)."""
    if quick:
        return {}
    done = subprocess.run(
        [sys.executable, "-m", "bench.assign_bench", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(""),
    )
    try:
        return json.loads(done.stdout)
    except ValueError:
        return {"error": f"assignment bench exited {done.returncode}: {done.stderr.strip()[-300:]}"}


def certificates(quick: bool, no_pg: bool) -> dict[str, Any]:
    """Certificate numbering, public look-up at 10 million certificates, QR verification, PDF on PostgreSQL
    (bench/certificates_bench.py; its look-up database is loaded once and reused)."""
    if quick or no_pg:
        return {}
    return _bench_json("bench.certificates_bench", [], 5400)


def results_judge(quick: bool) -> dict[str, Any]:
    """The results judge on 100,000 candidates (bench/results_bench.py, pure: no database)."""
    if quick:
        return {}
    return _bench_json("bench.results_bench", [], 600)


def analytics(quick: bool) -> dict[str, Any]:
    """Data comparison: scan speed (10,000,000 rows of Parquet, 1,000,000 of CSV) and flag quality on planted
    and clean data (bench/analytics_bench.py, pure: no database)."""
    if quick:
        return {}
    return _bench_json("bench.analytics_bench", [], 3600)


def dashboards(quick: bool) -> dict[str, Any]:
    """Dashboard pages at province scale on their own SQLite database of aggregates
    (bench/dashboards_bench.py; the database is built once and reused)."""
    if quick:
        return {}
    return _bench_json("bench.dashboards_bench", [], 1800)


def render(report: dict[str, Any], rows) -> str:
    """docs/performance.md: Chinese first, then English; figures from `report`, explanations fixed."""
    m = report["machine"]
    first_api = next((b["api"]["requests"][0] for b in report["backends"] if "api" in b), {})
    checks = next((b["scope_check"]["n"] for b in report["backends"] if "scope_check" in b), "?")
    table_lines = _md_table(("指标 metric", "SQLite", "PostgreSQL", "目标 target", "结论 verdict"), rows)
    return TEMPLATE.format(
        date=report["date"],
        commit=report["commit"],
        command=report["command"].strip(),
        scale=report["scale"],
        seed=report["seed"],
        machine_zh=(
            f"{m.get('nproc')} 核(本进程可用 {m.get('cpus_usable')}),内存 {m.get('ram_gib')} GiB,"
            f"CPU {m.get('cpu', '?')},Python {m.get('python')},{m.get('platform')}"
        ),
        machine_en=(
            f"{m.get('nproc')} cores ({m.get('cpus_usable')} usable), {m.get('ram_gib')} GiB RAM, "
            f"CPU {m.get('cpu', '?')}, Python {m.get('python')}, {m.get('platform')}"
        ),
        load=f"{m.get('loadavg_start')} → {m.get('loadavg_end')}",
        backends_zh="\n".join(_backend_lines(report, zh=True)),
        backends_en="\n".join(_backend_lines(report, zh=False)),
        requests=first_api.get("n", "?"),
        checks=checks,
        table="\n".join(table_lines),
        steps="\n".join(_steps_table(report)),
        analysis_zh=ANALYSIS_ZH.strip(),
        analysis_en=ANALYSIS_EN.strip(),
        about=ABOUT_DATA.strip(),
    )


def history_entry(report: dict[str, Any]) -> dict[str, Any]:
    """One line of var/bench/history.jsonl: enough to compare runs made under different machine load."""
    entry: dict[str, Any] = {
        "date": report["date"],
        "scale": report["scale"],
        "loadavg": [report["machine"].get("loadavg_start"), report["machine"].get("loadavg_end")],
    }
    for b in report["backends"]:
        if "demo_data" not in b:
            continue
        d = b["demo_data"]
        entry[b["backend"]] = {
            "demo_wall_s": d.get("wall_seconds"),
            "demo_cpu_s": d.get("cpu_seconds"),
            "demo_built_at": d.get("built_at"),
            "demo_loadavg": d.get("loadavg_before"),
            "list_p95_max_ms": max(r["p95_ms"] for r in b["api"]["requests"]),
        }
    return entry


def _history_lines(history: list[dict[str, Any]]) -> list[str]:
    rows = []
    for h in history[-10:]:
        for backend in ("SQLite", "PostgreSQL"):
            b = h.get(backend)
            if b:
                rows.append(
                    (
                        h["date"],
                        backend,
                        b["demo_built_at"],
                        b["demo_loadavg"],
                        b["demo_wall_s"],
                        b["demo_cpu_s"],
                        b["list_p95_max_ms"],
                        h["loadavg"][0],
                    )
                )
    header = (
        "运行 run",
        "后端 backend",
        "demo-data 构建 built",
        "构建时负载 load",
        "wall s",
        "CPU s",
        "列表 p95 最大 max list p95 ms",
        "测量时负载 load",
    )
    return _md_table(header, rows) if rows else ["(无 none)"]


def write_docs(report: dict[str, Any], rows, path: Path, history: list[dict[str, Any]] | None = None) -> None:
    text = render(report, rows)
    text += (
        "\n## 历次运行 / Run history\n\n"
        "同一台机器上最近的运行(`var/bench/history.jsonl`),可见机器负载对墙钟时间的影响。\n"
        "Recent runs on this machine (`var/bench/history.jsonl`): how load moves wall-clock times.\n\n"
        + "\n".join(_history_lines(history or [history_entry(report)]))
        + "\n"
    )
    from bench import (
        analytics_bench,
        assign_bench,
        certificates_bench,
        checkin_bench,
        dashboards_bench,
        import_bench,
        results_bench,
        roster_bench,
    )

    for section in (
        import_bench.section(report.get("imports") or {}),
        roster_bench.section(report.get("roster") or {}),
        assign_bench.section(report.get("assignment") or {}),
        checkin_bench.section(report.get("checkin") or {}),
        results_bench.section(report.get("results_judge") or {}),
        certificates_bench.section(report.get("certificates") or {}),
        analytics_bench.section(report.get("analytics") or {}),
        dashboards_bench.section(report.get("dashboards") or {}),
    ):
        if section:
            text += "\n" + section
    path.write_text(text, encoding="utf-8")


def _history(out: Path, report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Read var/bench/history.jsonl, appending `report` first when given."""
    path = out / "history.jsonl"
    if report is not None:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(history_entry(report), ensure_ascii=False) + "\n")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small scale, 20 requests, SQLite only, no docs")
    parser.add_argument(
        "--scale", default=None, help="tiny | small | province (default: province; --quick: small)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases even if reusable")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--requests", type=int, default=None, help="requests per list variant (default 200)")
    parser.add_argument("--checks", type=int, default=None, help="INST-3 checks (default 2000)")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench"), help="directory for SQLite files")
    parser.add_argument("--docs", default=None, help="write the report here (default docs/performance.md)")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    parser.add_argument(
        "--from-report",
        default=None,
        help="only re-render the docs from a saved report (var/bench/last-report.json)",
    )
    args = parser.parse_args(argv)
    if args.from_report:
        report = json.loads(Path(args.from_report).read_text())
        rows = table(report)
        print_table(rows)
        write_docs(
            report, rows, Path(args.docs or ROOT / "docs" / "performance.md"), _history(Path(args.out), None)
        )
        return 0
    args.scale = args.scale or ("small" if args.quick else "province")
    args.requests = args.requests or (20 if args.quick else 200)
    args.checks = args.checks or (200 if args.quick else 2000)
    docs = args.docs or (None if args.quick else str(ROOT / "docs" / "performance.md"))

    report: dict[str, Any] = {
        "date": _now(),
        "command": ".venv/bin/python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:]),
        "commit": _git_commit(),
        "scale": args.scale,
        "seed": args.seed,
        "machine": machine(),
        "backends": [],
    }
    print(f"基准 bench: scale={args.scale} seed={args.seed}; 机器 machine: {report['machine']}", flush=True)
    report["backends"].append(sqlite_backend(args))
    print("SQLite 完成 done", flush=True)
    if args.quick or args.no_pg:
        report["backends"].append({"backend": "PostgreSQL", "skipped": "--quick / --no-pg"})
    else:
        report["backends"].append(postgres_backend(args))
        print("PostgreSQL 完成 done", flush=True)
    report["scorecards"] = scorecards(1000 if args.quick else 10_000)
    report["draw"] = draw(args.quick)
    report["evaluation_document"] = evaluation_document(args.quick)
    report["imports"] = imports(args.quick, args.no_pg)
    report["roster"] = roster(args.quick, args.no_pg)
    report["assignment"] = assignment(args.quick)
    report["results_judge"] = results_judge(args.quick)
    report["checkin"] = checkin(args.quick, args.no_pg)
    report["certificates"] = certificates(args.quick, args.no_pg)
    report["analytics"] = analytics(args.quick)
    report["dashboards"] = dashboards(args.quick)
    report["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    rows = table(report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    print_table(rows)
    for b in report["backends"]:
        if "skipped" in b:
            print(f"{b['backend']}: 跳过 skipped — {b['skipped']}")
    if docs:
        write_docs(report, rows, Path(docs), _history(Path(args.out), report))
        (Path(args.out) / "last-report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
        print(f"已写入 written: {docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
