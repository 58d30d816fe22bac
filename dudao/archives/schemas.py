"""API schemas of archives. Packages carry masked personal data only; the manifest is returned as stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from dudao.common.pagination import PageParams


class PackageFilters(PageParams):
    institution: int | None = Field(None, description="评价机构编号")
    q: str = Field("", max_length=64, description="批次编号或计划名称")


class KindRetentionOut(Schema):
    kind: str
    label: str
    rule: str
    permanent: bool
    keep_until: dt.date | None
    destroy_not_before: dt.date | None
    due: bool
    destroyed: bool


class PackageOut(Schema):
    id: int
    plan: int
    institution: int
    institution_name: str
    batch_code: str
    title: str
    sealed_on: dt.date
    sealed_at: dt.datetime
    certificates_on: dt.date | None
    algorithm: str
    manifest_sm3: str
    size: int
    kinds: list[str]
    destroyed: list[str]


class PackageDetailOut(PackageOut):
    manifest: dict[str, Any]
    retention: list[KindRetentionOut]


class PackagePage(Schema):
    items: list[PackageOut]
    count: int
    page: int
    page_size: int


class VerifyOut(Schema):
    valid: bool
    files: int
    errors: list[str]
    manifest_sm3: str
    matches_record: bool | None = None


class DestructionItemIn(Schema):
    package: int
    kind: str = Field(..., max_length=32)


class DestructionPlanIn(Schema):
    institution: int | None = Field(None, description="评价机构编号(默认本人所在机构)")
    planned_on: dt.date
    reason: str = Field(..., max_length=255)
    items: list[DestructionItemIn] = Field(..., max_length=1000)


class VersionIn(Schema):
    row_version: int


class ReceiptIn(Schema):
    row_version: int
    destroyed_on: dt.date
    destroyed_by_name: str = Field(..., max_length=64)
    method: str = Field(..., max_length=128)
    witness: str = Field(..., max_length=64)


class DestructionItemOut(Schema):
    package: int
    batch_code: str
    kind: str


class ReceiptOut(Schema):
    destroyed_on: dt.date
    destroyed_by_name: str
    method: str
    witness: str
    has_scan: bool


class DestructionPlanOut(Schema):
    id: int
    institution: int
    planned_on: dt.date
    reason: str
    status: str
    row_version: int
    items: list[DestructionItemOut]
    receipt: ReceiptOut | None = None


class DestructionPlanList(Schema):
    items: list[DestructionPlanOut]
    count: int
