"""Demo-data test helpers: a fast password hasher in-process, and fresh SQLite databases in subprocesses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Eight demo accounts with the production PBKDF2 cost take seconds; the hasher is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_cli(database: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """`dudao <args>` in its own process on the SQLite file `database` (a really fresh database)."""
    env = dict(os.environ)
    env.update(
        {"DATABASE_URL": f"sqlite:///{database}", "DUDAO_DEBUG": "0", "DUDAO_VAR_DIR": str(database.parent)}
    )
    env.pop("DUDAO_TEST_DB_NAME", None)
    done = subprocess.run(
        [sys.executable, "-m", "dudao.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"dudao {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An empty, migrated SQLite database file, migrated once per session and copied by the tests."""
    path = tmp_path_factory.mktemp("demo-template") / "template.sqlite3"
    run_cli(path, "migrate", "--noinput", "-v0")
    return path


@pytest.fixture
def fresh_sqlite(migrated_sqlite, tmp_path):
    """Factory: a new copy of the migrated template."""

    def make(name: str) -> Path:
        target = tmp_path / f"{name}.sqlite3"
        shutil.copyfile(migrated_sqlite, target)
        for suffix in ("-wal", "-shm"):  # normally checkpointed away when migrate closed the database
            if Path(f"{migrated_sqlite}{suffix}").exists():
                shutil.copyfile(f"{migrated_sqlite}{suffix}", f"{target}{suffix}")
        return target

    return make
