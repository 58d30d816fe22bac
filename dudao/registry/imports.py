"""The registry's importable kinds (dudao.common.imports): regions, occupations, institutions, venues."""

from __future__ import annotations

from dudao.common.excel import Column
from dudao.common.imports import ImportKind

from . import bulk, excel, services

VENUE_COLUMNS = (
    Column(
        "institution_uscc", "评价机构统一社会信用代码", required=True, max_length=32, help="请设为文本格式"
    ),
    Column("name", "场所名称", required=True, max_length=128),
    Column("address", "地址", max_length=255),
    Column("room_count", "考场数", kind="int", help="留空为 1"),
    Column("capacity", "容纳人数", kind="int", help="留空为 30"),
    Column("camera_count", "摄像头数", kind="int", help="留空为 0"),
)
VENUE_EXAMPLE = {
    "institution_uscc": excel.INSTITUTION_EXAMPLE["uscc"],
    "name": "示例考核场所",
    "address": "示例地址:南昌市东湖区示例路 1 号",
    "room_count": 2,
    "capacity": 60,
    "camera_count": 4,
}


def _regions_file(*, actor, data: bytes, filename: str):
    return services.regions_import(actor=actor, data=data, filename=filename or "regions.xlsx")


REGIONS = ImportKind("regions", "行政区划", services.REGION_COLUMNS, run_file=_regions_file)
OCCUPATIONS = ImportKind(
    "occupations",
    "职业",
    excel.OCCUPATION_COLUMNS,
    bulk=bulk.occupations_create,
    example_rows=[excel.OCCUPATION_EXAMPLE],
)
INSTITUTIONS = ImportKind(
    "institutions",
    "评价机构",
    excel.INSTITUTION_COLUMNS,
    bulk=bulk.institutions_create,
    example_rows=[excel.INSTITUTION_EXAMPLE],
)
VENUES = ImportKind(
    "venues", "考核场所", VENUE_COLUMNS, bulk=bulk.venues_create, example_rows=[VENUE_EXAMPLE]
)
