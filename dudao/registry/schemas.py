"""API schemas of the registry (django-ninja). Output schemas read annotated/select_related rows."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from .domain import level_names


# ---------------------------------------------------------------------------------------------------------
# Output
class RegionOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    parent_code: str | None

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent_id


class RegionImportOut(Schema):
    created: int = Field(description="新增的区划数")
    updated: int = Field(description="名称或上级有变化而更新的区划数")
    unchanged: int = Field(description="已存在且未变的区划数")


class AuthorityOut(Schema):
    id: int
    code: str
    name: str
    region_code: str
    region_name: str
    parent_id: int | None
    card_issuer_code: str
    contact_phone: str
    is_active: bool
    row_version: int

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region_id

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.name


class OccupationOut(Schema):
    id: int
    code: str
    name: str
    verified: bool
    source: str
    is_active: bool
    row_version: int


class InstitutionOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    uscc: str
    region_code: str
    region_name: str
    authority_id: int
    authority_name: str
    parent_org_name: str
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    complaint_phone: str
    complaint_mailbox: str
    complaint_email: str
    complaint_page_url: str
    is_active: bool
    latest_filing_number: str | None = None
    latest_filing_status: str | None = None
    row_version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region_id

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.name

    @staticmethod
    def resolve_authority_name(obj) -> str:
        return obj.authority.name

    @staticmethod
    def resolve_latest_filing_number(obj) -> str | None:
        return getattr(obj, "latest_filing_number", None)

    @staticmethod
    def resolve_latest_filing_status(obj) -> str | None:
        return getattr(obj, "latest_filing_status", None)


class FilingScopeOut(Schema):
    id: int
    filing_id: int
    occupation_id: int
    occupation_code: str
    occupation_name: str
    work_type: str
    levels: list[int]
    levels_label: str
    start_date: dt.date
    ended_on: dt.date | None
    row_version: int

    @staticmethod
    def resolve_occupation_code(obj) -> str:
        return obj.occupation.code

    @staticmethod
    def resolve_occupation_name(obj) -> str:
        return obj.occupation.name

    @staticmethod
    def resolve_levels_label(obj) -> str:
        return level_names(obj.levels)


class FilingOut(Schema):
    id: int
    number: str
    institution_id: int
    institution_name: str
    authority_id: int
    authority_name: str
    valid_from: dt.date
    valid_until: dt.date
    status: str
    status_label: str
    status_reason: str
    note: str
    scopes: list[FilingScopeOut]
    row_version: int

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return obj.institution.name

    @staticmethod
    def resolve_authority_name(obj) -> str:
        return obj.authority.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_scopes(obj) -> list:
        return list(obj.scopes.all())


class VenueOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    name: str
    address: str
    room_count: int
    capacity: int
    camera_count: int
    is_active: bool
    row_version: int

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return obj.institution.name


class BatchOut(Schema):
    id: int
    code: str
    institution_id: int
    institution_name: str
    filing_id: int
    filing_number: str
    occupation_id: int
    occupation_code: str
    occupation_name: str
    work_type: str
    levels: list[int]
    levels_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue_id: int
    venue_name: str
    candidate_count: int
    examiner_ids: list[int]
    team_leader_id: int | None
    status: str
    status_label: str
    cancel_reason: str
    row_version: int

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return obj.institution.name

    @staticmethod
    def resolve_filing_number(obj) -> str:
        return obj.filing.number

    @staticmethod
    def resolve_occupation_code(obj) -> str:
        return obj.occupation.code

    @staticmethod
    def resolve_occupation_name(obj) -> str:
        return obj.occupation.name

    @staticmethod
    def resolve_levels_label(obj) -> str:
        return level_names(obj.levels)

    @staticmethod
    def resolve_venue_name(obj) -> str:
        return obj.venue.name

    @staticmethod
    def resolve_examiner_ids(obj) -> list[int]:
        return sorted(e.pk for e in obj.examiners.all())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


def page_of(item_schema):
    """`{"items", "count", "page", "page_size"}` response schema for a list endpoint."""
    return type(
        f"{item_schema.__name__}Page",
        (Schema,),
        {"__annotations__": {"items": list[item_schema], "count": int, "page": int, "page_size": int}},
    )


RegionPage = page_of(RegionOut)
AuthorityPage = page_of(AuthorityOut)
OccupationPage = page_of(OccupationOut)
InstitutionPage = page_of(InstitutionOut)
FilingPage = page_of(FilingOut)
ScopePage = page_of(FilingScopeOut)
VenuePage = page_of(VenueOut)
BatchPage = page_of(BatchOut)


# ---------------------------------------------------------------------------------------------------------
# Filters (query string)
class ListParams(Schema):
    page: int = Field(1, ge=1, description="页码,从 1 开始")
    page_size: int = Field(20, ge=1, le=100, description="每页条数(1–100)")
    q: str = Field("", max_length=100, description="关键字")


class RegionFilters(ListParams):
    kind: str = Field("", description="province | city | district")
    parent: str = Field("", description="上级区划代码")


class AuthorityFilters(ListParams):
    region: str = Field("", description="区划代码(含下级)")
    is_active: bool | None = None


class OccupationFilters(ListParams):
    verified: bool | None = None
    is_active: bool | None = None


class InstitutionFilters(ListParams):
    kind: str = ""
    region: str = Field("", description="区划代码(含下级)")
    authority: int | None = None
    status: str = Field(
        "", description="有该状态备案的机构:active | suspended | rectifying | expired | terminated"
    )
    is_active: bool | None = None


class FilingFilters(ListParams):
    status: str = ""
    institution: int | None = None
    authority: int | None = None
    region: str = ""
    occupation: int | None = None


class ScopeFilters(ListParams):
    filing: int | None = None
    institution: int | None = None
    occupation: int | None = None
    current: bool | None = Field(None, description="true: 今天有效;false: 未生效或已终止")


class VenueFilters(ListParams):
    institution: int | None = None
    region: str = ""
    is_active: bool | None = None


class BatchFilters(ListParams):
    status: str = ""
    institution: int | None = None
    occupation: int | None = None
    region: str = ""
    start_from: dt.date | None = Field(None, description="开始日期不早于(含)")
    start_to: dt.date | None = Field(None, description="开始日期不晚于(含)")


# ---------------------------------------------------------------------------------------------------------
# Input
class AuthorityIn(Schema):
    code: str
    name: str
    region: str = Field(..., description="区划代码")
    parent: int | None = None
    card_issuer_code: str = ""
    contact_phone: str = ""
    is_active: bool = True


class AuthorityPatch(Schema):
    row_version: int
    code: str | None = None
    name: str | None = None
    region: str | None = None
    parent: int | None = None
    card_issuer_code: str | None = None
    contact_phone: str | None = None
    is_active: bool | None = None


class OccupationIn(Schema):
    code: str = Field(..., description="d-dd-dd-dd,可加工种段 -dd")
    name: str
    verified: bool = False
    source: str = ""
    is_active: bool = True


class OccupationPatch(Schema):
    row_version: int
    code: str | None = None
    name: str | None = None
    verified: bool | None = None
    source: str | None = None
    is_active: bool | None = None


class InstitutionIn(Schema):
    name: str
    kind: str = Field(..., description="employer | tech_school | social_org")
    uscc: str
    region: str
    authority: int | None = Field(None, description="默认为当前用户所属委派机构")
    parent_org_name: str = ""
    address: str = ""
    legal_representative: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    complaint_phone: str = ""
    complaint_mailbox: str = ""
    complaint_email: str = ""
    complaint_page_url: str = ""
    is_active: bool = True


class InstitutionPatch(Schema):
    row_version: int
    name: str | None = None
    kind: str | None = None
    uscc: str | None = None
    region: str | None = None
    authority: int | None = None
    parent_org_name: str | None = None
    address: str | None = None
    legal_representative: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    complaint_phone: str | None = None
    complaint_mailbox: str | None = None
    complaint_email: str | None = None
    complaint_page_url: str | None = None
    is_active: bool | None = None


class FilingScopeIn(Schema):
    occupation: int
    levels: list[int]
    work_type: str = ""
    start_date: dt.date | None = None


class ScopeCreateIn(FilingScopeIn):
    filing: int


class ScopePatch(Schema):
    row_version: int
    work_type: str | None = None
    levels: list[int] | None = None
    start_date: dt.date | None = None


class ScopeEndIn(Schema):
    ended_on: dt.date | None = None
    row_version: int | None = None


class FilingIn(Schema):
    institution: int
    number: str
    valid_from: dt.date
    valid_until: dt.date
    authority: int | None = None
    status: str = "active"
    note: str = ""
    scopes: list[FilingScopeIn] = []


class FilingPatch(Schema):
    row_version: int
    number: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    note: str | None = None
    authority: int | None = None


class FilingStatusIn(Schema):
    status: str
    reason: str = ""
    row_version: int | None = None


class VenueIn(Schema):
    institution: int
    name: str
    address: str = ""
    room_count: int = 1
    capacity: int = 30
    camera_count: int = 0
    is_active: bool = True


class VenuePatch(Schema):
    row_version: int
    name: str | None = None
    address: str | None = None
    room_count: int | None = None
    capacity: int | None = None
    camera_count: int | None = None
    is_active: bool | None = None


class BatchIn(Schema):
    institution: int
    occupation: int
    levels: list[int]
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: int
    work_type: str = ""
    candidate_count: int = 0
    examiners: list[int] = []
    team_leader: int | None = None
    code: str = Field("", description="留空则自动生成 PC{yyyymmdd}{序号}")


class BatchPatch(Schema):
    row_version: int
    occupation: int | None = None
    levels: list[int] | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    venue: int | None = None
    work_type: str | None = None
    candidate_count: int | None = None
    examiners: list[int] | None = None
    team_leader: int | None = None


class BatchCancelIn(Schema):
    reason: str
    row_version: int | None = None
