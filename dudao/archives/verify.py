"""Verify a package's ZIP bytes against its manifest (no database: the CLI, the pages and the API share it).

The archive guard (`dudao.common.upload_guard.check_zip`) inspects the ZIP before anything reads it: a file
that is not a ZIP, a zip bomb, an encrypted or nested archive are refused with a Chinese message.
"""

from __future__ import annotations

import io
import zipfile

from dudao.common.upload_guard import (
    MAX_SHEET_CELLS,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    SheetLimits,
    UnsafeFile,
    check_zip,
)

from .domain import NotAPackage, Verdict, verify_entries

# A package holds CSV/JSON text, not worksheets: the guard's size limit is raised for large batches, while
# its entry count, ratio, encryption and nesting checks stay.
PACKAGE_LIMITS = SheetLimits(MAX_SHEET_ROWS, MAX_SHEET_COLUMNS, MAX_SHEET_CELLS, 512 * 1024 * 1024)


class PackageUnreadable(ValueError):
    """Not a package (not a ZIP, hostile, no manifest); the message is Chinese."""


def verify_zip(data: bytes) -> Verdict:
    """The verdict for the ZIP `data`; PackageUnreadable when it is not a readable package at all."""
    if not data.startswith(b"PK"):
        raise PackageUnreadable("文件不是 ZIP 压缩包")
    try:
        check_zip(data, limits=PACKAGE_LIMITS)
    except UnsafeFile as exc:
        raise PackageUnreadable(f"压缩包未通过安全检查:{exc.message}") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise PackageUnreadable("压缩包已损坏,无法读取") from None
    try:
        return verify_entries(entries)
    except NotAPackage as exc:
        raise PackageUnreadable(str(exc)) from None
