"""Regions (GB/T 2260) and the shipped reference data (regions, occupations)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from django.conf import settings
from django.db import transaction

from dudao.common import audit
from dudao.common.errors import (
    ValidationFailed,
)
from dudao.common.excel import Column, ImportFailed, RowError, read_rows
from dudao.common.writes import (
    clean,
    require_perm,
    text,
)

from .. import domain
from ..models import Occupation, Region
from ..permissions import user_region_prefix

# ---------------------------------------------------------------------------------------------------------
# Regions (GB/T 2260) and reference data
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Where the shipped occupation codes come from (DOMAIN.md OCC-1: public lists, medium confidence). Users see
# this text; the default applies when occupations.csv leaves `source` empty.
OCC1_SOURCE = "公开名录(中等可信度,使用前请核对)"
# Sources written by earlier releases of the reference data: replaced on the next load-reference.
SHIPPED_SOURCES_BEFORE = frozenset({"DOMAIN.md OCC-1 (public lists, medium confidence)"})
REGION_COLUMNS = (
    Column(
        "code",
        "区划代码",
        required=True,
        max_length=6,
        help="GB/T 2260 六位代码,请设为文本格式;xx0000 为省级、xxxx00 为地市级,其余为区县级",
    ),
    Column("name", "名称", required=True, max_length=64, help="如 南昌市、东湖区"),
)
# Reading uses columns that accept anything: empty or over-long cells are then reported by _region_plan
# together with every other bad row, instead of read_rows stopping at the first kind of problem.
_REGION_READ_COLUMNS = (Column("code", "区划代码"), Column("name", "名称"))
# Files exported from other systems often carry the English headers of the shipped regions.csv.
_REGION_READ_COLUMNS_EN = (Column("code", "code"), Column("name", "name"))
_REGION_HEADERS = {"code": ("code", "区划代码", "代码"), "name": ("name", "名称", "区划名称")}
_REGION_LEVEL = {"province": 0, "city": 1, "district": 2}
_REGION_NAME_MAX = 64


def _region_file_error(message: str) -> ImportFailed:
    return ImportFailed(message, errors=[RowError(0, "", message)])


def _region_rows_xlsx(data: bytes) -> list[tuple[int, str, str]]:
    try:
        rows = read_rows(data, _REGION_READ_COLUMNS)
    except ImportFailed as exc:
        if not exc.errors or any(e.row != 1 for e in exc.errors):
            raise
        try:  # header problems only: perhaps the English headers code,name
            rows = read_rows(data, _REGION_READ_COLUMNS_EN)
        except ImportFailed:
            raise exc from None
    for column in REGION_COLUMNS:
        if all(row[column.key] is None for _n, row in rows):  # the column is missing (or wholly empty)
            message = f"缺少必填列「{column.header}」"
            raise ImportFailed(f"表头有误:{message}", errors=[RowError(1, column.header, message)])
    return [(number, text(row["code"]), text(row["name"])) for number, row in rows]


def _region_rows_csv(data: bytes) -> list[tuple[int, str, str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _region_file_error("文件编码无法识别,请保存为 UTF-8 编码的 CSV 或 .xlsx")
    reader = csv.reader(io.StringIO(decoded))
    header = [h.strip().lower() for h in next(reader, [])]
    positions: dict[str, int] = {}
    for key, names in _REGION_HEADERS.items():
        for index, cell in enumerate(header):
            if cell in names and key not in positions:
                positions[key] = index
    if set(positions) != {"code", "name"}:
        raise ImportFailed(
            "表头有误:第 1 行应为 区划代码,名称(或 code,name)",
            errors=[RowError(1, "", "第 1 行应为表头 区划代码,名称(或 code,name)")],
        )
    result = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {key: row[i].strip() if i < len(row) else "" for key, i in positions.items()}
        result.append((number, cells["code"], cells["name"]))
    return result


def _parse_region_rows(data: bytes, filename: str) -> list[tuple[int, str, str]]:
    """(Excel/CSV row number, code, name) from an .xlsx (区划代码,名称) or a CSV (UTF-8/GBK) file."""
    max_bytes = int(getattr(settings, "DUDAO_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    if len(data) > max_bytes:
        raise _region_file_error(f"文件过大:{len(data) / 1048576:.1f} MB,上限为 {max_bytes / 1048576:.1f} MB")
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xls")) or data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        rows = _region_rows_xlsx(data)
    else:
        rows = _region_rows_csv(data)
    if not rows:
        raise _region_file_error("文件没有数据行:请从第 2 行开始填写")
    return rows


def _region_plan(
    rows: Sequence[tuple[int, str, str]], *, actor, known: Mapping[str, tuple[str, str | None]]
) -> list[tuple[int, str, str, str]]:
    """Check every row (format, duplicates, scope, parent) and order them parents first.

    Returns (row, code, name, kind); raises ImportFailed listing every bad row (nothing is written).
    `known` maps the codes already stored to (name, parent code).
    """
    errors: list[RowError] = []
    code_header, name_header = REGION_COLUMNS[0].header, REGION_COLUMNS[1].header
    restricted = actor is not None and not actor.is_superuser
    prefix = user_region_prefix(actor) if restricted else None
    first_row: dict[str, int] = {}
    planned: list[tuple[int, str, str, str]] = []
    for number, code, name in rows:
        bad = False
        try:
            kind = domain.region_kind(code)
        except ValidationFailed:
            errors.append(RowError(number, code_header, f"区划代码「{code}」应为 6 位数字"))
            kind, bad = "", True
        if not name:
            errors.append(RowError(number, name_header, "必填项不能为空"))
            bad = True
        elif len(name) > _REGION_NAME_MAX:
            errors.append(RowError(number, name_header, f"名称不能超过 {_REGION_NAME_MAX} 个字"))
            bad = True
        if kind and code in first_row:
            errors.append(RowError(number, code_header, f"区划代码 {code} 与第 {first_row[code]} 行重复"))
            bad = True
        elif kind:
            first_row[code] = number
        if kind and restricted:
            if not (prefix and code.startswith(prefix)):
                errors.append(RowError(number, code_header, f"区划 {code} 不在您的管辖范围内"))
                bad = True
            elif kind == "province" and known.get(code, ("", None))[0] != name:
                # Provinces are shipped reference data (GB/T 2260): only a superuser may add or rename one.
                errors.append(RowError(number, code_header, "省级区划由系统维护,不能导入或修改"))
                bad = True
        if not bad:
            planned.append((number, code, name, kind))
    available = set(known) | {code for _n, code, _name, _kind in planned}
    for number, code, _name, kind in planned:
        candidates = domain.region_parent_candidates(code)
        if kind != "province" and not any(c in available for c in candidates):
            message = f"上级区划 {candidates[-1]} 不存在,请先导入或在本文件中一并填写"
            errors.append(RowError(number, code_header, message))
    if errors:
        errors.sort(key=lambda e: e.row)
        raise ImportFailed(f"导入失败:{len({e.row for e in errors})} 行有错误,未导入任何数据", errors=errors)
    return sorted(planned, key=lambda r: (_REGION_LEVEL[r[3]], r[1]))


def _apply_regions(planned: Sequence[tuple[int, str, str, str]], known: dict[str, tuple[str, str | None]]):
    """Create or rename regions (parents first; kind and parent follow from the code)."""
    creates: list[Region] = []
    updates: list[Region] = []
    created_cities: list[str] = []
    renamed: dict[str, list[str]] = {}
    for _number, code, name, kind in planned:
        parent = next((c for c in domain.region_parent_candidates(code) if c in known), None)
        if code not in known:
            creates.append(Region(code=code, name=name, kind=kind, parent_id=parent))
            if kind == "city":
                created_cities.append(code)
        elif known[code] != (name, parent):
            if known[code][0] != name:
                renamed[code] = [known[code][0], name]
            updates.append(Region(code=code, name=name, kind=kind, parent_id=parent))
        known[code] = (name, parent)
    Region.objects.bulk_create(creates, batch_size=500)
    Region.objects.bulk_update(updates, ["name", "kind", "parent"], batch_size=500)
    for city in created_cities:
        # Districts imported before their city hung under the province: move them under the new city.
        Region.objects.filter(kind=Region.Kind.DISTRICT, code__startswith=city[:4]).exclude(
            parent_id=city
        ).update(parent_id=city)
    counts = {
        "created": len(creates),
        "updated": len(updates),
        "unchanged": len(planned) - len(creates) - len(updates),
    }
    return counts, {"created_codes": [r.code for r in creates], "renamed": renamed}


def _known_regions() -> dict[str, tuple[str, str | None]]:
    rows = Region.objects.values_list("code", "name", "parent_id")
    return {code: (name, parent) for code, name, parent in rows}


def _import_regions(
    rows: Sequence[tuple[int, str, str]], *, actor, label: str, restrict: bool = True
) -> dict[str, int]:
    known = _known_regions()
    planned = _region_plan(rows, actor=actor if restrict else None, known=known)
    counts, changes = _apply_regions(planned, known)
    if counts["created"] or counts["updated"]:
        audit.record(
            actor=actor,
            action="registry.regions.import",
            object_type="registry.region",
            object_label=label[:255],
            after={**counts, **changes},
        )
    return counts


@transaction.atomic
def regions_import(*, actor, data: bytes, filename: str = "regions.csv") -> dict[str, int]:
    """Import cities/districts (区划代码,名称; .xlsx or CSV) inside the actor's region; all or nothing.

    Idempotent: rows already stored unchanged count as `unchanged`. `actor=None` is the operator at the
    console (`dudao import-regions`), who is not limited to a region. Bad rows → ImportFailed listing
    every problem with its row number.
    """
    if actor is not None:
        require_perm(actor, "registry.import_region")
    rows = _parse_region_rows(data, filename)
    with transaction.atomic():
        return _import_regions(rows, actor=actor, label=filename or "regions")


def _reference_occupations() -> list[tuple[str, str, str]]:
    """(code, name, source) of the shipped occupations (data/occupations.csv)."""
    with open(DATA_DIR / "occupations.csv", encoding="utf-8") as fh:
        return [
            (r["code"].strip(), r["name"].strip(), (r.get("source") or "").strip() or OCC1_SOURCE)
            for r in csv.DictReader(fh)
        ]


@transaction.atomic
def reference_load(*, actor=None) -> dict[str, dict[str, int]]:
    """Load shipped reference data (GB/T 2260 provinces, cities and counties; OCC-1's sourced occupations);
    idempotent and audited."""
    with transaction.atomic():
        rows = [  # provinces, then the GB/T 2260 cities and counties (data/README.md: source and date)
            *_parse_region_rows((DATA_DIR / "regions.csv").read_bytes(), "regions.csv"),
            *_parse_region_rows((DATA_DIR / "regions_gbt2260.csv").read_bytes(), "regions_gbt2260.csv"),
        ]
        regions = _import_regions(
            rows,
            actor=actor,
            label="reference regions.csv",
            restrict=False,  # shipped data: provinces included, whoever runs the loader
        )
        occ = {"created": 0, "updated": 0, "unchanged": 0}
        for code, name, source in _reference_occupations():
            wanted = {"name": name, "verified": True, "source": source}
            current = Occupation.objects.filter(code=code).first()
            if current is not None and current.source and current.source not in SHIPPED_SOURCES_BEFORE:
                # A source an administrator wrote (e.g. after checking the 大典) is kept; only shipped
                # texts (blank or an earlier release's wording) are replaced.
                wanted["source"] = current.source
            if current is None:
                obj = Occupation(code=domain.validate_occupation_code(code), **wanted)
                clean(obj)
                obj.save()
                occ["created"] += 1
                audit.record(
                    actor=actor, action="registry.occupation.create", obj=obj, after=audit.snapshot(obj)
                )
            elif any(getattr(current, k) != v for k, v in wanted.items()):
                before = audit.snapshot(current)
                for k, v in wanted.items():
                    setattr(current, k, v)
                current.row_version += 1
                current.save(update_fields=[*wanted, "row_version", "updated_at"])
                occ["updated"] += 1
                audit.record(
                    actor=actor,
                    action="registry.occupation.update",
                    obj=current,
                    before=before,
                    after=audit.snapshot(current),
                )
            else:
                occ["unchanged"] += 1
    return {"regions": regions, "occupations": occ}
