"""Rewrite a backup archive member by member, to build the damaged archives restore must refuse."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

Members = list[tuple[tarfile.TarInfo, bytes]]


def read_members(archive: Path) -> Members:
    with tarfile.open(archive) as tar:
        return [(m, tar.extractfile(m).read() if m.isreg() else b"") for m in tar.getmembers()]


def write_members(archive: Path, members: Members) -> Path:
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return archive


def tampered(source: Path, target: Path, edit: Callable[[Members], Members]) -> Path:
    return write_members(target, edit(read_members(source)))


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def flip_byte(name: str, offset: int = 100) -> Callable[[Members], Members]:
    def edit(members: Members) -> Members:
        out = []
        for info, data in members:
            if info.name == name:
                data = data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1 :]
            out.append((info, data))
        return out

    return edit


def drop(name: str) -> Callable[[Members], Members]:
    return lambda members: [(i, d) for i, d in members if i.name != name]


def add(info: tarfile.TarInfo, data: bytes = b"") -> Callable[[Members], Members]:
    return lambda members: [(info, data), *members]


def edit_manifest(change: Callable[[dict], None]) -> Callable[[Members], Members]:
    def edit(members: Members) -> Members:
        out = []
        for info, data in members:
            if info.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            out.append((info, data))
        return out

    return edit
