"""Backup -> empty database and media folder -> restore, on SQLite (issue 8 §6; probe: "backup -> empty
database -> restore -> `dudao audit verify`"). `dumpdata`/`loaddata` failed this: it truncated the
audit events' timestamps (the chain no longer verified) and left the evidence files out."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile

from .conftest import ONLY_IN_THE_SQLITE_RUN, dudao, media_digests, ok, sqlite_counts, untouched

pytestmark = ONLY_IN_THE_SQLITE_RUN


def _rows(path, table: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()  # noqa: S608
    finally:
        db.close()


def test_round_trip_restores_every_row_and_file_and_the_chain_verifies(sqlite_backup, empty_site):
    source = sqlite_backup.site
    done = ok(dudao(empty_site, "restore", str(sqlite_backup.archive), "--json"))
    report = json.loads(done.stdout)
    assert report["mismatched_tables"] == {} and report["mismatched_files"] == []
    assert report["audit_head_matches"] is True

    expected = sqlite_counts(source.sqlite_file)
    assert sqlite_counts(empty_site.sqlite_file) == expected
    assert len(expected) == report["tables"] and sum(expected.values()) == report["rows"]
    assert expected["common_auditevent"] > 300
    # Every audit column byte for byte (timestamps to the microsecond), so the chain recomputes.
    assert _rows(empty_site.sqlite_file, "common_auditevent") == _rows(
        source.sqlite_file, "common_auditevent"
    )
    files = media_digests(source.media)
    assert len(files) == 5 and report["files"] == 5  # with the demo evaluation's archive package
    assert "templates/documents/督导意见书.docx" in files
    assert sum(name.startswith("evidence/") for name in files) == 3
    assert media_digests(empty_site.media) == files
    verify = ok(dudao(empty_site, "audit", "verify"))
    assert f"共校验 {expected['common_auditevent']} 个事件" in verify.stdout


def test_restore_into_a_restored_site_is_refused_and_changes_nothing(sqlite_backup, empty_site):
    ok(dudao(empty_site, "restore", str(sqlite_backup.archive)))
    before, files = sqlite_counts(empty_site.sqlite_file), media_digests(empty_site.media)
    done = dudao(empty_site, "restore", str(sqlite_backup.archive))
    assert done.returncode == 1
    assert "不是空的" in done.stderr
    assert f"accounts_user({before['accounts_user']} 行)" in done.stderr  # names tables with their counts
    assert sqlite_counts(empty_site.sqlite_file) == before and media_digests(empty_site.media) == files


def test_a_freshly_migrated_database_counts_as_empty(sqlite_backup, empty_site):
    """Boundary, empty side: only the rows `migrate` writes itself (MIGRATE_FILLED_TABLES)."""
    empty_site.var_dir.mkdir(parents=True)
    shutil.copyfile(sqlite_backup.migrated, empty_site.sqlite_file)
    ok(dudao(empty_site, "restore", str(sqlite_backup.archive)))
    assert sqlite_counts(empty_site.sqlite_file) == sqlite_counts(sqlite_backup.site.sqlite_file)


def test_one_application_row_makes_the_database_not_empty(sqlite_backup, empty_site):
    """Boundary, non-empty side: a single row outside the tables `migrate` fills is refused."""
    empty_site.var_dir.mkdir(parents=True)
    shutil.copyfile(sqlite_backup.migrated, empty_site.sqlite_file)
    db = sqlite3.connect(empty_site.sqlite_file)
    db.execute("INSERT INTO common_auditchainhead (id, last_event_id, last_hash) VALUES (1, 0, 'x')")
    db.commit()
    db.close()
    before = sqlite_counts(empty_site.sqlite_file)
    done = dudao(empty_site, "restore", str(sqlite_backup.archive))
    assert done.returncode == 1 and "common_auditchainhead(1 行)" in done.stderr
    assert sqlite_counts(empty_site.sqlite_file) == before
    assert not empty_site.media.exists() or media_digests(empty_site.media) == {}


def test_media_folder_with_a_file_is_refused_but_empty_folders_are_not(sqlite_backup, empty_site):
    (empty_site.media / "evidence" / "00").mkdir(parents=True)
    (empty_site.media / "evidence" / "00" / "old").write_bytes(b"left over")
    done = dudao(empty_site, "restore", str(sqlite_backup.archive))
    assert done.returncode == 1 and "已有 1 个文件" in done.stderr
    assert not empty_site.sqlite_file.exists()
    assert (empty_site.media / "evidence" / "00" / "old").read_bytes() == b"left over"
    assert list(media_digests(empty_site.media)) == ["evidence/00/old"]
    (empty_site.media / "evidence" / "00" / "old").unlink()  # empty folders only: accepted
    ok(dudao(empty_site, "restore", str(sqlite_backup.archive)))
    assert media_digests(empty_site.media) == media_digests(sqlite_backup.site.media)


def test_check_verifies_the_archive_without_touching_the_site(sqlite_backup, empty_site):
    done = ok(dudao(empty_site, "restore", "--check", str(sqlite_backup.archive)))
    assert "归档校验通过(未恢复)" in done.stdout
    untouched(empty_site)


def test_archive_holds_the_manifest_database_and_every_file(sqlite_backup):
    with tarfile.open(sqlite_backup.archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert names[0] == "database/dudao.sqlite3" and names[-1] == "manifest.json"
    assert sorted(names[1:-1]) == sorted(f"media/{n}" for n in media_digests(sqlite_backup.site.media))
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["database"]["tables"] == sqlite_counts(sqlite_backup.site.sqlite_file)
    assert manifest["audit_head"]["last_event_id"] == manifest["database"]["tables"]["common_auditevent"]
    for name, digest in media_digests(sqlite_backup.site.media).items():
        assert manifest["members"][f"media/{name}"]["sha256"] == digest
