"""Excel import/export of the registry: column definitions, row services (each row via the create service)
and export rows. Column keys equal the service's argument names so that errors land on the right column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from dudao.common.excel import Column

from .domain import level_names
from .models import Batch, Filing, Institution, Occupation

KIND_CHOICES = {label: value for value, label in Institution.Kind.choices}
FILING_STATUS_LABELS = dict(Filing.Status.choices)

INSTITUTION_COLUMNS = (
    Column("name", "机构名称", required=True, max_length=128),
    Column("kind", "机构类型", required=True, kind="choice", choices=KIND_CHOICES),
    Column("uscc", "统一社会信用代码", required=True, max_length=32, help="18 位,请设为文本格式"),
    Column("region", "所在区划代码", required=True, max_length=6, help="GB/T 2260 六位代码,如 360102"),
    Column("authority", "主管机构编码", max_length=32, help="留空为您所属的委派机构"),
    Column("parent_org_name", "上级全国性组织", max_length=128, help="仅全国性社会组织的分支机构填写"),
    Column("legal_representative", "法定代表人", max_length=64),
    Column("contact_name", "联系人", max_length=64),
    Column("contact_phone", "联系电话", max_length=32),
    Column("address", "地址", max_length=255),
)
INSTITUTION_EXPORT_COLUMNS = (
    *INSTITUTION_COLUMNS,
    Column("authority_name", "主管机构名称"),
    Column("latest_filing_number", "最新备案编号"),
    Column("latest_filing_status", "备案状态"),
    Column("latest_filing_until", "备案有效期止", kind="date"),
    Column("is_active", "启用", kind="bool"),
)
# Template examples: obviously fake (names start with 示例) yet valid, so that a user who copies the format
# gets rows the import accepts. USCC with a correct check digit; region 360102 (南昌市东湖区) must exist.
INSTITUTION_EXAMPLE = {
    "name": "示例职业技能培训学校",
    "kind": "social_org",
    "uscc": "91360100MA0000001U",
    "region": "360102",
    "legal_representative": "示例法定代表人",
    "contact_name": "示例联系人",
    "contact_phone": "0791-88886666",
    "address": "示例地址:南昌市东湖区示例路 1 号",
}

OCCUPATION_COLUMNS = (
    Column("code", "职业编码", required=True, max_length=16, help="d-dd-dd-dd,如 4-03-02-01;请设为文本格式"),
    Column("name", "职业名称", required=True, max_length=128),
    Column("verified", "编码已核实", kind="bool", help="仅当编码已按职业分类大典(2022)核实时填“是”"),
    Column("source", "编码来源", max_length=255, help="已核实的编码必填"),
    Column("is_active", "启用", kind="bool", help="留空为“是”"),
)
# A code no real catalogue uses (8-99-99-99), not verified, so that it never passes for a real occupation.
OCCUPATION_EXAMPLE = {
    "code": "8-99-99-99",
    "name": "示例职业(请改为实际职业)",
    "verified": False,
    "source": "",
    "is_active": True,
}

BATCH_EXPORT_COLUMNS = (
    Column("code", "批次编号"),
    Column("institution", "评价机构"),
    Column("filing", "备案编号"),
    Column("occupation_code", "职业编码"),
    Column("occupation_name", "职业名称"),
    Column("work_type", "工种"),
    Column("levels", "等级"),
    Column("starts_at", "开始时间", kind="datetime"),
    Column("ends_at", "结束时间", kind="datetime"),
    Column("venue", "考核场所"),
    Column("candidate_count", "考生人数", kind="int"),
    Column("status", "状态"),
)


def institution_rows(qs: QuerySet[Institution]) -> Iterator[dict[str, Any]]:
    for inst in qs.iterator(chunk_size=1000):
        yield {
            "name": inst.name,
            "kind": inst.kind,
            "uscc": inst.uscc,
            "region": inst.region_id,
            "authority": inst.authority.code,
            "authority_name": inst.authority.name,
            "parent_org_name": inst.parent_org_name,
            "legal_representative": inst.legal_representative,
            "contact_name": inst.contact_name,
            "contact_phone": inst.contact_phone,
            "address": inst.address,
            "latest_filing_number": getattr(inst, "latest_filing_number", None),
            "latest_filing_status": FILING_STATUS_LABELS.get(
                getattr(inst, "latest_filing_status", None) or "", ""
            ),
            "latest_filing_until": getattr(inst, "latest_filing_until", None),
            "is_active": inst.is_active,
        }


def occupation_rows(qs: Iterable[Occupation]) -> Iterator[dict[str, Any]]:
    for occ in qs:
        yield {
            "code": occ.code,
            "name": occ.name,
            "verified": occ.verified,
            "source": occ.source,
            "is_active": occ.is_active,
        }


def batch_rows(qs: QuerySet[Batch]) -> Iterator[dict[str, Any]]:
    for batch in qs.iterator(chunk_size=2000):
        yield {
            "code": batch.code,
            "institution": batch.institution.name,
            "filing": batch.filing.number,
            "occupation_code": batch.occupation.code,
            "occupation_name": batch.occupation.name,
            "work_type": batch.work_type,
            "levels": level_names(batch.levels),
            "starts_at": timezone.localtime(batch.starts_at),
            "ends_at": timezone.localtime(batch.ends_at),
            "venue": batch.venue.name,
            "candidate_count": batch.candidate_count,
            "status": batch.get_status_display(),
        }
