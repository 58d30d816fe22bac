"""Database side of backup and restore: a consistent dump with its row counts, the empty-target check,
the restore itself, and the counts read back afterwards.

SQLite is copied with the sqlite3 backup API (a consistent copy while the application runs, WAL readers
do not block writers); PostgreSQL is dumped with `pg_dump --format=custom` inside the REPEATABLE READ
snapshot the row counts and the audit head are read in, so the manifest describes exactly the dump.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, connections, transaction

from .backup import VENDOR_LABELS, BackupError, move_file
from .models import AuditChainHead

# Tables `dudao migrate` fills by itself (migration history, content types, permissions, the default
# card patterns of people/0004): rows there do not make a database "not empty". A test migrates a fresh
# database and checks it counts as empty, so a new data migration that fills another table shows.
MIGRATE_FILLED_TABLES = frozenset(
    {"django_migrations", "django_content_type", "auth_permission", "people_cardpattern"}
)
SQLITE_FILE = "dudao.sqlite3"
PGDUMP_FILE = "dudao.pgdump"


@dataclass(frozen=True)
class Snapshot:
    """A dump written to `path` and what the manifest records about it."""

    path: Path
    vendor: str
    server_version: str
    tables: dict[str, int]
    audit_head: dict[str, Any] | None


@dataclass(frozen=True)
class Target:
    """The configured database restore writes into: empty, possibly with migrate's tables (PostgreSQL)."""

    vendor: str
    label: str
    tables: frozenset[str]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def _read_head(cursor: Any, tables: dict[str, int]) -> dict[str, Any] | None:
    """The audit chain head row, column by column (whatever columns the chain keeps there)."""
    table = AuditChainHead._meta.db_table
    if table not in tables:
        return None
    cursor.execute(f"SELECT * FROM {_quote(table)} ORDER BY 1")  # noqa: S608 - model's own table
    row = cursor.fetchone()
    if row is None:
        return None
    return {col[0]: _jsonable(value) for col, value in zip(cursor.description, row, strict=True)}


def _counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - names from the catalogue
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    names = [row[0] for row in db.execute(query)]
    return _counts(db.cursor(), names)


def table_counts() -> dict[str, int]:
    """Row count of every table of the configured database (after a restore)."""
    with connection.cursor() as cursor:
        return _counts(cursor, connection.introspection.table_names(cursor, include_views=False))


def audit_head() -> dict[str, Any] | None:
    """The audit chain head row of the configured database (after a restore)."""
    counts = table_counts()
    with connection.cursor() as cursor:
        return _read_head(cursor, counts)


# --- backup -------------------------------------------------------------------------------------


def snapshot_database(directory: Path) -> Snapshot:
    """Dump the configured database into `directory`, with its row counts and audit head."""
    if connection.vendor == "sqlite":
        return _snapshot_sqlite(directory / SQLITE_FILE)
    if connection.vendor == "postgresql":
        return _snapshot_postgresql(directory / PGDUMP_FILE)
    raise BackupError(f"不支持备份 {connection.vendor} 数据库(只支持 SQLite 和 PostgreSQL)")


def _snapshot_sqlite(target: Path) -> Snapshot:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # all pages in one step: one consistent read
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"数据库自检失败({check}),备份已中止;请先修复数据库")
        tables = _sqlite_counts(copy)
        head = _read_head(copy.cursor(), tables)
    finally:
        copy.close()
    return Snapshot(target, "sqlite", sqlite3.sqlite_version, tables, head)


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq variables from the DATABASES settings (the password never appears on a command line)."""
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("NAME", "PGDATABASE"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _pg_client(program: str) -> str:
    """Path of pg_dump / pg_restore, no older than the server (an older client refuses newer servers)."""
    path = shutil.which(program)
    if path is None:
        raise BackupError(
            f"未找到 {program}:请安装 PostgreSQL 客户端(Debian:apt-get install postgresql-client)"
        )
    done = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"(\d+)(?:\.\d+)?", done.stdout)
    client = int(match.group(1)) if match else 0
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if client < server:
        raise BackupError(
            f"{program} 版本 {client} 低于数据库服务器版本 {server}:请安装 postgresql-client-{server}"
        )
    return path


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{what}失败(退出码 {done.returncode}):{tail}")


def _snapshot_postgresql(target: Path) -> Snapshot:
    if connection.in_atomic_block:
        raise BackupError("备份不能在事务中运行")
    pg_dump = _pg_client("pg_dump")
    env = _pg_env(connection.settings_dict)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}", "--no-password"],
            env,
            "pg_dump ",
        )
        tables = _counts(cursor, connection.introspection.table_names(cursor, include_views=False))
        head = _read_head(cursor, tables)
    version = f"{connection.pg_version // 10000}.{connection.pg_version % 10000}"
    return Snapshot(target, "postgresql", version, tables, head)


# --- restore ------------------------------------------------------------------------------------


def _refuse_rows(label: str, counts: dict[str, int]) -> None:
    filled = {t: n for t, n in counts.items() if n and t not in MIGRATE_FILLED_TABLES}
    if filled:
        shown = "、".join(f"{t}({n} 行)" for t, n in sorted(filled.items())[:5])
        more = f" 等 {len(filled)} 张表" if len(filled) > 5 else ""
        raise BackupError(
            f"目标数据库 {label} 不是空的:{shown}{more}有数据。恢复只写入空数据库,"
            "不会覆盖已有数据;请按用户手册《运维》一章清空后再恢复。"
        )


def _sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError("配置的 SQLite 数据库是内存数据库,无法恢复到其中")
    return Path(name)


def inspect_target() -> Target:
    """The configured database, refused (BackupError) if it holds any application row."""
    label = VENDOR_LABELS.get(connection.vendor, connection.vendor)
    if connection.vendor == "sqlite":
        path = _sqlite_path()
        counts: dict[str, int] = {}
        if path.exists() and path.stat().st_size:
            try:
                db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
                try:
                    counts = _sqlite_counts(db)
                finally:
                    db.close()
            except sqlite3.DatabaseError:
                raise BackupError(f"目标文件 {path} 不是可读的 SQLite 数据库,拒绝覆盖") from None
        _refuse_rows(str(path), counts)
        return Target("sqlite", str(path), frozenset(counts))
    if connection.vendor == "postgresql":
        name = str(connection.settings_dict["NAME"])
        try:
            counts = table_counts()
        except Exception as exc:  # any connection failure: say which database and why
            raise BackupError(f"无法连接目标数据库 {name}:{exc}(请先用 createdb 建立空数据库)") from None
        _refuse_rows(name, counts)
        return Target("postgresql", name, frozenset(counts))
    raise BackupError(f"不支持恢复到 {label} 数据库(只支持 SQLite 和 PostgreSQL)")


def restore_database(staged: Path, manifest: dict[str, Any], target: Target) -> None:
    """Put the verified dump into the (empty) target; on refusal or failure the target is unchanged."""
    expected = manifest["database"]["tables"]
    if target.vendor == "sqlite":
        db = sqlite3.connect(staged)
        try:
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            counts = _sqlite_counts(db)
        finally:
            db.close()
        if check != "ok" or counts != expected:
            raise BackupError("备份中的数据库文件自检失败或行数与清单不符,拒绝恢复")
        connections.close_all()
        path = _sqlite_path()
        for suffix in ("-wal", "-shm", "-journal"):  # the empty target's leftovers must not meet the copy
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        move_file(staged, path)
        return
    unknown = sorted(target.tables - set(expected))
    if unknown:
        raise BackupError(
            f"目标数据库中有备份里没有的数据表({'、'.join(unknown[:5])}),可能由其他版本建立;"
            "请先删除并重建空数据库(dropdb / createdb)"
        )
    pg_restore = _pg_client("pg_restore")
    args = [pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    if target.tables:  # tables made by `migrate` with no application rows: replace them
        args += ["--clean", "--if-exists"]
    args += ["--no-password", f"--dbname={target.label}", str(staged)]
    connections.close_all()
    _run(args, _pg_env(connection.settings_dict), "pg_restore(数据库未改动)")
