"""Backup tests: `dudao` in its own process on a SQLite file (or PostgreSQL database) and media folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.clock import TODAY

ROOT = Path(__file__).resolve().parents[2]
# These tests run `dudao` on their own SQLite files, whatever database the suite uses: once is enough.
ONLY_IN_THE_SQLITE_RUN = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="SQLite round trip: runs in the SQLite run of the suite",
)

# Stored through the real upload path (content-hash names) and audited, like evidence (DESIGN).
SEED_EVIDENCE = """
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from dudao.common import audit
from dudao.common.files import store_upload

PNG = b"\\x89PNG\\r\\n\\x1a\\n" + b"\\x00\\x00\\x00\\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.7\\n%\\xe2\\xe3\\xcf\\xd3\\n1 0 obj\\n<<>>\\nendobj\\ntrailer\\n<<>>\\n%%EOF\\n"
JPEG = b"\\xff\\xd8\\xff\\xe0\\x00\\x10JFIF\\x00" + bytes(range(200)) * 50
with transaction.atomic():
    for name, data in [("现场照片.png", PNG), ("整改报告.pdf", PDF), ("考场.jpg", JPEG)]:
        stored = store_upload(SimpleUploadedFile(name, data))
        audit.record(actor=None, action="test.evidence_stored", object_type="evidence",
                     object_id=stored.sha256[:16], after={"name": stored.name, "sha256": stored.sha256})
"""


@dataclass(frozen=True)
class Site:
    """One installation: its DATABASE_URL and var folder (MEDIA_ROOT is <var>/media)."""

    database_url: str
    var_dir: Path

    @property
    def media(self) -> Path:
        return self.var_dir / "media"

    @property
    def sqlite_file(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))


def dudao(site: Site, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """`dudao <args>` in its own process against `site`; the caller checks the exit code."""
    env = dict(os.environ)
    env.update({"DATABASE_URL": site.database_url, "DUDAO_DEBUG": "0", "DUDAO_VAR_DIR": str(site.var_dir)})
    env.pop("DUDAO_TEST_DB_NAME", None)
    return subprocess.run(
        [sys.executable, "-m", "dudao.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, f"{done.args} failed:\n{done.stdout}\n{done.stderr}"
    return done


def seed(site: Site) -> None:
    """Demo data (hundreds of audit events), evidence files, and an admin's document template."""
    ok(dudao(site, "demo-data", "--scale", "tiny", "--seed", "1", "--today", TODAY.isoformat()))
    ok(dudao(site, "shell", "-c", SEED_EVIDENCE))
    template = site.media / "templates" / "documents" / "督导意见书.docx"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_bytes(b"PK\x03\x04 an administrator's template override")


def media_digests(root: Path) -> dict[str, str]:
    """Every file under `root`: relative path -> SHA-256."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def sqlite_counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608
    finally:
        db.close()


@dataclass(frozen=True)
class Backup:
    """A seeded SQLite site, its archive, and a copy of the site's freshly migrated (empty) database."""

    site: Site
    archive: Path
    migrated: Path


@pytest.fixture(scope="session")
def sqlite_backup(tmp_path_factory) -> Backup:
    base = tmp_path_factory.mktemp("backup-source")
    site = Site(f"sqlite:///{base / 'var' / 'dudao.sqlite3'}", base / "var")
    ok(dudao(site, "migrate", "--noinput", "-v0"))
    migrated = base / "migrated.sqlite3"
    shutil.copyfile(site.sqlite_file, migrated)
    seed(site)
    archive = base / "dudao-backup.tar.gz"
    ok(dudao(site, "backup", "--output", str(archive)))
    return Backup(site, archive, migrated)


@pytest.fixture
def empty_site(tmp_path) -> Site:
    """A new installation: no database file, no media folder."""
    return Site(f"sqlite:///{tmp_path / 'restored' / 'dudao.sqlite3'}", tmp_path / "restored")


def untouched(site: Site) -> None:
    """Nothing was written: no database file, no media file, no staging folder left behind."""
    assert not site.sqlite_file.exists()
    if site.media.exists():
        assert media_digests(site.media) == {}
    assert [p.name for p in site.var_dir.iterdir() if p.name.startswith(".dudao-")] == []
