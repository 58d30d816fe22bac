"""`dudao restore` refuses a damaged archive with a Chinese message and a non-zero exit, and leaves the
empty site exactly as it was (issue 8 §6; the pure checks are in test_archive.py)."""

from __future__ import annotations

import pytest

from .conftest import ONLY_IN_THE_SQLITE_RUN, dudao, untouched
from .tamper import add, drop, edit_manifest, flip_byte, regular, tampered

pytestmark = ONLY_IN_THE_SQLITE_RUN


def _as_postgresql_backup(members):
    """A SQLite backup relabelled as a PostgreSQL one (digests still right): only the vendor is wrong."""
    out = []
    for info, data in members:
        if info.name == "database/dudao.sqlite3":
            info.name = "database/dudao.pgdump"
        if info.name == "manifest.json":
            text = data.decode().replace('"vendor": "sqlite"', '"vendor": "postgresql"')
            data = text.replace("database/dudao.sqlite3", "database/dudao.pgdump").encode()
        out.append((info, data))
    return out


def _first_media(archive_members):
    return next(info.name for info, _ in archive_members if info.name.startswith("media/evidence/"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (flip_byte("database/dudao.sqlite3", offset=5000), "「database/dudao.sqlite3」校验值不符"),
        (lambda ms: drop(_first_media(ms))(ms), "归档缺少文件「media/evidence/"),
        (add(*regular("media/../../../escaped", b"owned")), "路径不安全"),
        (
            _as_postgresql_backup,
            "这是 PostgreSQL 数据库的备份,只能恢复到 PostgreSQL;当前配置的数据库是 SQLite",
        ),
    ],
    ids=["flipped-byte", "dropped-member", "traversal", "wrong-vendor"],
)
def test_damaged_archive_is_refused_and_nothing_changes(sqlite_backup, empty_site, tmp_path, edit, message):
    bad = tampered(sqlite_backup.archive, tmp_path / "bad.tar", edit)
    done = dudao(empty_site, "restore", str(bad))
    assert done.returncode == 1
    assert message in done.stderr
    untouched(empty_site)
    assert not (tmp_path / "escaped").exists() and not (tmp_path.parent / "escaped").exists()


def test_row_counts_that_disagree_with_the_manifest_are_refused_before_writing(
    sqlite_backup, empty_site, tmp_path
):
    """The manifest is not itself digested: a count it claims is checked against the dump before use."""
    bad = tampered(
        sqlite_backup.archive,
        tmp_path / "bad.tar",
        edit_manifest(lambda m: m["database"]["tables"].update(accounts_user=9)),
    )
    done = dudao(empty_site, "restore", str(bad))
    assert done.returncode == 1 and "行数与清单不符" in done.stderr
    untouched(empty_site)


def test_an_audit_head_that_disagrees_with_the_manifest_fails_the_restore_report(
    sqlite_backup, empty_site, tmp_path
):
    bad = tampered(
        sqlite_backup.archive,
        tmp_path / "bad.tar",
        edit_manifest(lambda m: m["audit_head"].update(last_event_id=m["audit_head"]["last_event_id"] - 1)),
    )
    done = dudao(empty_site, "restore", str(bad))
    assert done.returncode == 1 and "审计链头与清单记录不符" in done.stderr
    assert "行数核对:全部一致" in done.stdout and "文件核对:全部一致" in done.stdout
