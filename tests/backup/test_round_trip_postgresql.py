"""Backup -> empty PostgreSQL database -> restore (issue 8 §6), through `pg_dump --format=custom` and
`pg_restore --single-transaction`, in scratch databases beside the test database.

Runs in the PostgreSQL run of the suite (DATABASE_URL=postgres://...); the server and pg_dump are 15.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import psycopg
import pytest

from .conftest import Site, dudao, media_digests, ok, seed, untouched

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
    ),
]
# One set of scratch databases per xdist worker.
SUFFIX = "_" + os.environ["PYTEST_XDIST_WORKER"] if os.environ.get("PYTEST_XDIST_WORKER") else ""
SOURCE, TARGET = f"wt_backup_source{SUFFIX}", f"wt_backup_restore{SUFFIX}"


def _server() -> dict:
    return dj_database_url.parse(os.environ["DATABASE_URL"])


def url(name: str) -> str:
    s = _server()
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def connect(name: str) -> psycopg.Connection:
    return psycopg.connect(url(name), autocommit=True)


def recreate(name: str) -> None:
    with connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def counts(name: str) -> dict[str, int]:
    with connect(name) as db:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def audit_rows(name: str) -> list[tuple]:
    with connect(name) as db:
        return db.execute("SELECT * FROM common_auditevent ORDER BY id").fetchall()


@dataclass(frozen=True)
class PgBackup:
    site: Site
    archive: Path


@pytest.fixture(scope="module")
def pg_backup(tmp_path_factory):
    recreate(SOURCE)
    base = tmp_path_factory.mktemp("pg-backup-source")
    site = Site(url(SOURCE), base / "var")
    ok(dudao(site, "migrate", "--noinput", "-v0"))
    seed(site)
    archive = base / "dudao-backup.tar"
    ok(dudao(site, "backup", "--output", str(archive)))
    yield PgBackup(site, archive)
    drop_database(SOURCE)


@pytest.fixture
def target(tmp_path):
    recreate(TARGET)
    yield Site(url(TARGET), tmp_path / "restored")
    drop_database(TARGET)


@pytest.mark.parametrize("migrated", [False, True], ids=["createdb-only", "migrated-empty"])
def test_round_trip_restores_every_row_and_file_and_the_chain_verifies(pg_backup, target, migrated):
    if migrated:  # the tables `migrate` made, with only migrate's own rows: replaced (--clean)
        ok(dudao(target, "migrate", "--noinput", "-v0"))
    report = json.loads(ok(dudao(target, "restore", str(pg_backup.archive), "--json")).stdout)
    assert report["mismatched_tables"] == {} and report["mismatched_files"] == []
    assert report["audit_head_matches"] is True
    expected = counts(SOURCE)
    assert counts(TARGET) == expected
    assert expected["common_auditevent"] > 300 and report["rows"] == sum(expected.values())
    assert audit_rows(TARGET) == audit_rows(SOURCE)
    files = media_digests(pg_backup.site.media)
    assert len(files) == 5 and media_digests(target.media) == files  # with the demo archive package
    verify = ok(dudao(target, "audit", "verify"))
    assert f"共校验 {expected['common_auditevent']} 个事件" in verify.stdout


def test_restore_into_a_database_with_data_is_refused_and_changes_nothing(pg_backup, target):
    ok(dudao(target, "restore", str(pg_backup.archive)))
    before = counts(TARGET)
    done = dudao(target, "restore", str(pg_backup.archive))
    assert done.returncode == 1 and "不是空的" in done.stderr
    assert f"accounts_user({before['accounts_user']} 行)" in done.stderr  # names tables with their counts
    assert counts(TARGET) == before


def test_a_postgresql_backup_is_refused_by_a_sqlite_site(pg_backup, empty_site):
    done = dudao(empty_site, "restore", str(pg_backup.archive))
    assert done.returncode == 1
    assert "这是 PostgreSQL 数据库的备份,只能恢复到 PostgreSQL;当前配置的数据库是 SQLite" in done.stderr
    untouched(empty_site)
