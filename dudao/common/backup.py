"""Backup archive: one tar (optionally gzip) holding the database dump, the uploaded files and a manifest.

No Django here: the database side (dump, restore, row counts) is `dudao.common.backup_database`; this
module writes and reads the archive, and refuses anything that is not exactly what a backup writes::

    manifest.json              format, created-at, app version, vendor, row counts, audit head, digests
    database/dudao.sqlite3     SQLite: a copy made with the sqlite3 backup API
    database/dudao.pgdump      PostgreSQL: `pg_dump --format=custom`
    media/<relative path>      every file under MEDIA_ROOT

Members are regular files only; a member whose name is absolute, contains `..`, or is a link, directory
or device is refused before anything is written outside the staging folder (no path traversal).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

FORMAT = "dudao-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_MEMBERS = {"sqlite": "database/dudao.sqlite3", "postgresql": "database/dudao.pgdump"}
VENDOR_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024
MANIFEST_MAX_BYTES = 64 * 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message is Chinese and says what to do."""


@dataclass(frozen=True)
class ArchiveSummary:
    """What `write_archive` wrote: manifest, archive size and SHA-256."""

    manifest: dict[str, Any]
    size: int
    sha256: str


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    hasher, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size


def media_files(root: Path) -> list[tuple[str, Path]]:
    """Every file under `root` as (member name, path), sorted; an absent folder holds none."""
    if not root.is_dir():
        return []
    found = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_file():
                found.append((MEDIA_PREFIX + path.relative_to(root).as_posix(), path))
    return sorted(found)


def check_member_name(name: str) -> None:
    """Refuse a member name that could land outside the staging folder or is not one a backup writes."""
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or path.is_absolute()
        or any(part in ("..", ".", "") for part in name.split("/"))
    ):
        raise BackupError(f"归档中的成员「{name}」路径不安全(绝对路径或含 ..),拒绝恢复")
    if name != MANIFEST and name not in DATABASE_MEMBERS.values() and not name.startswith(MEDIA_PREFIX):
        raise BackupError(f"归档中的成员「{name}」不属于备份格式,拒绝恢复")


def build_manifest(
    *,
    created_at: str,
    app_version: str,
    vendor: str,
    server_version: str,
    tables: dict[str, int],
    audit_head: dict[str, Any] | None,
    members: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The manifest written as the archive's last member."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at,
        "app_version": app_version,
        "database": {
            "vendor": vendor,
            "server_version": server_version,
            "member": DATABASE_MEMBERS[vendor],
            "tables": dict(sorted(tables.items())),
        },
        "audit_head": audit_head,
        "members": dict(sorted(members.items())),
    }


def _is_digest(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def validate_manifest(data: Any) -> dict[str, Any]:
    """Check the manifest's shape; raise BackupError naming the first problem."""
    bad = "清单 manifest.json 格式不正确"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{bad}:不是督导平台的备份清单")
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{bad}:格式版本 {data.get('format_version')!r} 不受支持(本版本只能恢复格式 {FORMAT_VERSION})"
        )
    database = data.get("database")
    if not isinstance(database, dict) or database.get("vendor") not in DATABASE_MEMBERS:
        raise BackupError(f"{bad}:数据库类型缺失或未知")
    if database.get("member") != DATABASE_MEMBERS[database["vendor"]]:
        raise BackupError(f"{bad}:数据库文件名与数据库类型不符")
    tables = database.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
        for k, v in tables.items()
    ):
        raise BackupError(f"{bad}:数据表行数缺失或无效")
    members = data.get("members")
    if not isinstance(members, dict) or database["member"] not in members:
        raise BackupError(f"{bad}:文件清单缺失或不含数据库文件")
    for name, entry in members.items():
        check_member_name(name)
        if (
            name == MANIFEST
            or not isinstance(entry, dict)
            or not _is_digest(entry.get("sha256"))
            or not isinstance(entry.get("size"), int)
        ):
            raise BackupError(f"{bad}:文件「{name}」的记录无效")
    if data.get("audit_head") is not None and not isinstance(data["audit_head"], dict):
        raise BackupError(f"{bad}:审计链头记录无效")
    return data


def compare_members(expected: dict[str, dict[str, Any]], found: dict[str, dict[str, Any]]) -> None:
    """Every member the manifest lists is present with its digest and size, and nothing else is."""
    for name in sorted(expected):
        if name not in found:
            raise BackupError(f"归档缺少文件「{name}」(清单中有记录),归档不完整")
        if found[name] != {"sha256": expected[name]["sha256"], "size": expected[name]["size"]}:
            raise BackupError(f"归档中的文件「{name}」校验值不符(已损坏或被改动)")
    for name in sorted(set(found) - set(expected)):
        raise BackupError(f"归档中有清单未记录的文件「{name}」,拒绝恢复")


class _HashingReader:
    """Reads a file for tarfile while computing its SHA-256 (each byte is read once)."""

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.hasher = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.hasher.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        info = tar.gettarinfo(fileobj=handle, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mode = 0o600
        reader = _HashingReader(handle)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    return {"sha256": reader.hasher.hexdigest(), "size": info.size}


def write_archive(
    output: Path, *, database_file: Path, media_root: Path, manifest_fields: dict[str, Any]
) -> ArchiveSummary:
    """Write the archive to `output` (gzip when it ends in .gz/.tgz); a failed run leaves no file there."""
    vendor = manifest_fields["vendor"]
    partial = output.with_name(output.name + ".partial")
    mode = "w:gz" if output.name.endswith((".gz", ".tgz")) else "w"
    # Owner-only from the first byte: the archive holds password hashes and (encrypted) personal data.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with (
            open(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode=mode, format=tarfile.PAX_FORMAT) as tar,  # type: ignore[call-overload]
        ):
            members = {DATABASE_MEMBERS[vendor]: _add_file(tar, DATABASE_MEMBERS[vendor], database_file)}
            for name, path in media_files(media_root):
                members[name] = _add_file(tar, name, path)
            manifest = build_manifest(members=members, **manifest_fields)
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    digest, size = sha256_file(output)
    return ArchiveSummary(manifest=manifest, size=size, sha256=digest)


def _extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> dict[str, Any]:
    source = tar.extractfile(member)
    assert source is not None  # regular files always have a body
    target.parent.mkdir(parents=True, exist_ok=True)
    hasher, size = hashlib.sha256(), 0
    with open(target, "xb") as out:
        while block := source.read(CHUNK):
            hasher.update(block)
            size += len(block)
            out.write(block)
    return {"sha256": hasher.hexdigest(), "size": size}


def extract_verified(archive: Path, staging: Path) -> dict[str, Any]:
    """Extract every member into `staging` and check it against the manifest; return the manifest.

    Raises BackupError for a damaged or foreign archive: unsafe or unexpected member, missing or extra
    member, digest mismatch, unreadable or invalid manifest. Nothing is written outside `staging`.
    """
    found: dict[str, dict[str, Any]] = {}
    manifest_bytes: bytes | None = None
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                check_member_name(member.name)
                if not member.isreg():
                    raise BackupError(f"归档中的成员「{member.name}」不是普通文件(链接、目录或设备),拒绝恢复")
                if member.name in found or (member.name == MANIFEST and manifest_bytes is not None):
                    raise BackupError(f"归档中的成员「{member.name}」重复出现,拒绝恢复")
                if member.name == MANIFEST:
                    if member.size > MANIFEST_MAX_BYTES:
                        raise BackupError("清单 manifest.json 过大,不是本平台写出的备份")
                    handle = tar.extractfile(member)
                    assert handle is not None
                    manifest_bytes = handle.read()
                else:
                    found[member.name] = _extract_member(tar, member, staging / member.name)
    except FileNotFoundError:
        raise BackupError(f"备份文件 {archive} 不存在") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"归档文件已损坏或不是 tar 归档:{exc}") from None
    if manifest_bytes is None:
        raise BackupError("归档缺少清单 manifest.json,不是完整的备份")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError("清单 manifest.json 无法解析(已损坏)") from None
    validate_manifest(manifest)
    compare_members(manifest["members"], found)
    return manifest


def move_file(source: Path, target: Path) -> None:
    """Move a file into place atomically: rename on one file system, else copy beside it and rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError:
        partial = target.with_name(target.name + ".restore-partial")
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        source.unlink()


def files_under(root: Path) -> int:
    """How many files a folder holds (0 when it does not exist); restore needs an empty media folder."""
    return len(media_files(root))


def install_media(staged: Path, root: Path) -> None:
    """Move every verified media file from the staging folder into MEDIA_ROOT (which holds no files)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, path in media_files(staged):
        move_file(path, root / name.removeprefix(MEDIA_PREFIX))


def verify_media(members: dict[str, dict[str, Any]], root: Path) -> list[str]:
    """Names of media members whose file under `root` is missing or differs from the manifest."""
    bad = []
    for name, entry in sorted(members.items()):
        if not name.startswith(MEDIA_PREFIX):
            continue
        path = root / name.removeprefix(MEDIA_PREFIX)
        if not path.is_file() or dict(zip(("sha256", "size"), sha256_file(path), strict=True)) != {
            "sha256": entry["sha256"],
            "size": entry["size"],
        }:
            bad.append(name)
    return bad


def human_bytes(size: int) -> str:
    """1536 -> '1.5 KB' (summaries for operators)."""
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
