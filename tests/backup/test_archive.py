"""The archive reader refuses every damaged or hostile archive before anything leaves the staging folder
(issue 8 §6: "refuses a damaged archive"); no database needed."""

from __future__ import annotations

import gzip
import tarfile

import pytest

from dudao.common.backup import (
    BackupError,
    check_member_name,
    extract_verified,
    human_bytes,
    write_archive,
)

from .tamper import add, drop, edit_manifest, flip_byte, regular, tampered

FIELDS = {
    "created_at": "2026-12-03T10:00:00+08:00",
    "app_version": "0.1.0",
    "vendor": "sqlite",
    "server_version": "3.40.1",
    "tables": {"common_auditevent": 2, "accounts_user": 1},
    "audit_head": {"id": 1, "last_event_id": 2, "last_hash": "ab" * 32},
}


@pytest.fixture
def archive(tmp_path):
    """A small archive: a stand-in database file and three media files (one in a Chinese-named folder)."""
    db = tmp_path / "db.bin"
    db.write_bytes(bytes(range(256)) * 4)
    media = tmp_path / "media"
    for name, data in {
        "evidence/ab/abcd": b"photo bytes " * 20,
        "evidence/cd/cdef": b"%PDF-1.7 " * 30,
        "templates/documents/督导意见书.docx": b"PK\x03\x04" + bytes(200),
    }.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(data)
    output = tmp_path / "out" / "backup.tar"
    output.parent.mkdir()
    write_archive(output, database_file=db, media_root=media, manifest_fields=FIELDS)
    return output


def test_an_intact_archive_extracts_with_its_manifest(archive, tmp_path):
    manifest = extract_verified(archive, tmp_path / "stage")
    assert manifest["database"]["tables"] == {"accounts_user": 1, "common_auditevent": 2}
    assert sorted(manifest["members"]) == [
        "database/dudao.sqlite3",
        "media/evidence/ab/abcd",
        "media/evidence/cd/cdef",
        "media/templates/documents/督导意见书.docx",
    ]
    assert (tmp_path / "stage" / "media/evidence/ab/abcd").read_bytes() == b"photo bytes " * 20


def test_gzip_is_chosen_by_the_file_name_and_read_back(tmp_path, archive):
    db = tmp_path / "db.bin"
    output = tmp_path / "out" / "backup.tar.gz"
    write_archive(output, database_file=db, media_root=tmp_path / "none", manifest_fields=FIELDS)
    assert output.read_bytes()[:2] == b"\x1f\x8b"
    assert list(extract_verified(output, tmp_path / "stage")["members"]) == ["database/dudao.sqlite3"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (flip_byte("database/dudao.sqlite3"), "「database/dudao.sqlite3」校验值不符"),
        (flip_byte("media/evidence/cd/cdef", offset=0), "「media/evidence/cd/cdef」校验值不符"),
        (drop("media/evidence/ab/abcd"), "归档缺少文件「media/evidence/ab/abcd」"),
        (drop("database/dudao.sqlite3"), "归档缺少文件「database/dudao.sqlite3」"),
        (drop("manifest.json"), "归档缺少清单 manifest.json"),
        (
            add(*regular("media/evidence/ee/extra", b"smuggled")),
            "清单未记录的文件「media/evidence/ee/extra」",
        ),
        (add(*regular("notes.txt", b"x")), "「notes.txt」不属于备份格式"),
        (add(*regular("manifest.json", b"{}")), "「manifest.json」重复出现"),
        (edit_manifest(lambda m: m.update(format_version=2)), "格式版本 2 不受支持"),
        (edit_manifest(lambda m: m.update(format="other")), "不是督导平台的备份清单"),
        (edit_manifest(lambda m: m["database"].update(vendor="oracle")), "数据库类型缺失或未知"),
        (edit_manifest(lambda m: m["database"]["tables"].update(x=-1)), "数据表行数缺失或无效"),
        (
            edit_manifest(lambda m: m["members"]["media/evidence/ab/abcd"].update(size=1)),
            "「media/evidence/ab/abcd」校验值不符",
        ),
    ],
    ids=[
        "flipped-db-byte",
        "flipped-media-byte",
        "dropped-media",
        "dropped-db",
        "dropped-manifest",
        "extra-media",
        "foreign-member",
        "second-manifest",
        "future-format",
        "foreign-format",
        "unknown-vendor",
        "negative-count",
        "wrong-size",
    ],
)
def test_damaged_archive_is_refused(archive, tmp_path, edit, message):
    bad = tampered(archive, tmp_path / "bad.tar", edit)
    with pytest.raises(BackupError, match=message):
        extract_verified(bad, tmp_path / "stage")


def test_manifest_that_is_not_json_is_refused(archive, tmp_path):
    def garble(members):
        return [(i, b"{not json" if i.name == "manifest.json" else d) for i, d in members]

    with pytest.raises(BackupError, match="无法解析"):
        extract_verified(tampered(archive, tmp_path / "bad.tar", garble), tmp_path / "stage")


@pytest.mark.parametrize(
    "name", ["../evil", "media/../../evil", "/tmp/evil", "media//evil", "media/./evil", "media\\..\\evil"]
)
def test_path_traversal_member_is_refused_and_nothing_lands_outside(archive, tmp_path, name):
    bad = tampered(archive, tmp_path / "bad.tar", add(*regular(name, b"owned")))
    stage = tmp_path / "deep" / "stage"
    with pytest.raises(BackupError, match="路径不安全"):
        extract_verified(bad, stage)
    assert not (tmp_path / "evil").exists() and not (tmp_path / "deep" / "evil").exists()
    assert not stage.exists() or not any(p.is_file() for p in stage.rglob("*"))


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.DIRTYPE, tarfile.FIFOTYPE])
def test_links_directories_and_devices_are_refused(archive, tmp_path, kind):
    info = tarfile.TarInfo("media/evidence/zz/link")
    info.type, info.linkname = kind, "/etc/passwd"
    bad = tampered(archive, tmp_path / "bad.tar", add(info))
    with pytest.raises(BackupError, match="不是普通文件"):
        extract_verified(bad, tmp_path / "stage")


def test_truncated_or_foreign_files_are_refused(archive, tmp_path):
    gz = tmp_path / "cut.tar.gz"
    gz.write_bytes(gzip.compress(archive.read_bytes())[:-200])
    with pytest.raises(BackupError, match="已损坏"):
        extract_verified(gz, tmp_path / "stage1")
    text = tmp_path / "notes.txt"
    text.write_text("这不是归档")
    with pytest.raises(BackupError, match="已损坏或不是 tar 归档"):
        extract_verified(text, tmp_path / "stage2")
    with pytest.raises(BackupError, match="不存在"):
        extract_verified(tmp_path / "missing.tar", tmp_path / "stage3")


def test_member_names_a_backup_writes_are_accepted():
    for name in ["manifest.json", "database/dudao.sqlite3", "database/dudao.pgdump", "media/a/b.png"]:
        check_member_name(name)


def test_output_is_never_left_half_written(tmp_path):
    output = tmp_path / "backup.tar"
    with pytest.raises(FileNotFoundError):
        write_archive(output, database_file=tmp_path / "absent", media_root=tmp_path, manifest_fields=FIELDS)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KB"),
        (1536, "1.5 KB"),
        (1024**2, "1.0 MB"),
        (1024**3, "1.0 GB"),
    ],
)
def test_human_bytes(size, text):
    assert human_bytes(size) == text


def test_archive_is_readable_by_its_owner_only(archive):
    """It holds password hashes and encrypted personal data; other local users must not read it."""
    assert archive.stat().st_mode & 0o777 == 0o600
