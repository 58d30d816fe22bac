"""API router of the registry app (mounted at /api/v1/registry): lists, details, create, update, actions.

Reads go through selectors (data scope; outside it → 404), writes through services. Regions and
occupations are public reference data (no login needed to read).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import File, Query, Router, Status, UploadedFile

from dudao.common.errors import PermissionDenied
from dudao.common.excel import ImportFailed, RowError
from dudao.common.pagination import paginate

from . import schemas as s
from . import selectors, services

router = Router(tags=["registry"])


def _page(qs, params: s.ListParams) -> dict[str, Any]:
    return paginate(qs, params.page, params.page_size).as_dict()


def _changes(payload) -> tuple[int, dict[str, Any]]:
    data = payload.dict(exclude_unset=True)
    return data.pop("row_version"), data


# ---------------------------------------------------------------------------------------------------------
# Regions (public)
@router.get("/regions", response=s.RegionPage, auth=None, summary="行政区划列表")
def list_regions(request, filters: Query[s.RegionFilters]):
    return _page(selectors.region_list(q=filters.q, kind=filters.kind, parent=filters.parent), filters)


# Declared before /regions/{code}: the literal path must win over the parameter.
@router.post("/regions/import", response=s.RegionImportOut, summary="导入地市、区县(.xlsx 或 CSV)")
def import_regions(request, file: File[UploadedFile]):
    """File columns 区划代码,名称 (or code,name). Authority admins (within their region) and superusers;
    all or nothing, idempotent.

    Errors: 422 `import_failed` with `detail` = [{"row", "column", "message"}, …] (row 0 = the file).
    """
    if not request.user.has_perm("registry.import_region"):
        raise PermissionDenied()  # before looking at the file (the service checks the same rule)
    if file.size is not None and file.size > settings.DUDAO_UPLOAD_MAX_BYTES:
        limit = settings.DUDAO_UPLOAD_MAX_BYTES / 1048576
        message = f"文件过大:{file.size / 1048576:.1f} MB,上限为 {limit:.1f} MB"
        raise ImportFailed(message, errors=[RowError(0, "", message)])
    return services.regions_import(actor=request.user, data=file.read(), filename=file.name or "regions.csv")


@router.get("/regions/{code}", response=s.RegionOut, auth=None, summary="行政区划详情")
def get_region(request, code: str):
    return selectors.region_get(code)


# ---------------------------------------------------------------------------------------------------------
# Occupations (public read)
@router.get("/occupations", response=s.OccupationPage, auth=None, summary="职业目录")
def list_occupations(request, filters: Query[s.OccupationFilters]):
    qs = selectors.occupation_list(q=filters.q, verified=filters.verified, is_active=filters.is_active)
    return _page(qs, filters)


@router.get("/occupations/{int:pk}", response=s.OccupationOut, auth=None, summary="职业详情")
def get_occupation(request, pk: int):
    return selectors.occupation_get(pk)


@router.post("/occupations", response={201: s.OccupationOut}, summary="新增职业")
def create_occupation(request, payload: s.OccupationIn):
    return Status(201, services.occupation_create(actor=request.user, **payload.dict()))


@router.patch("/occupations/{int:pk}", response=s.OccupationOut, summary="修改职业")
def update_occupation(request, pk: int, payload: s.OccupationPatch):
    row_version, changes = _changes(payload)
    return services.occupation_update(actor=request.user, occupation=pk, row_version=row_version, **changes)


# ---------------------------------------------------------------------------------------------------------
# Authorities
@router.get("/authorities", response=s.AuthorityPage, summary="委派机构列表")
def list_authorities(request, filters: Query[s.AuthorityFilters]):
    qs = selectors.authority_list(
        request.user, q=filters.q, region=filters.region, is_active=filters.is_active
    )
    return _page(qs, filters)


@router.get("/authorities/{int:pk}", response=s.AuthorityOut, summary="委派机构详情")
def get_authority(request, pk: int):
    return selectors.authority_get(request.user, pk)


@router.post("/authorities", response={201: s.AuthorityOut}, summary="新增委派机构")
def create_authority(request, payload: s.AuthorityIn):
    obj = services.authority_create(actor=request.user, **payload.dict())
    return Status(201, selectors.authority_get(request.user, obj.pk))


@router.patch("/authorities/{int:pk}", response=s.AuthorityOut, summary="修改委派机构")
def update_authority(request, pk: int, payload: s.AuthorityPatch):
    row_version, changes = _changes(payload)
    services.authority_update(actor=request.user, authority=pk, row_version=row_version, **changes)
    return selectors.authority_get(request.user, pk)


# ---------------------------------------------------------------------------------------------------------
# Institutions
@router.get("/institutions", response=s.InstitutionPage, summary="评价机构列表")
def list_institutions(request, filters: Query[s.InstitutionFilters]):
    qs = selectors.institution_list(
        request.user,
        q=filters.q,
        kind=filters.kind,
        region=filters.region,
        authority=filters.authority,
        status=filters.status,
        is_active=filters.is_active,
    )
    return _page(qs, filters)


@router.get("/institutions/{int:pk}", response=s.InstitutionOut, summary="评价机构详情")
def get_institution(request, pk: int):
    return selectors.institution_get(request.user, pk)


@router.post("/institutions", response={201: s.InstitutionOut}, summary="新增评价机构")
def create_institution(request, payload: s.InstitutionIn):
    obj = services.institution_create(actor=request.user, **payload.dict())
    return Status(201, selectors.institution_get(request.user, obj.pk))


@router.patch("/institutions/{int:pk}", response=s.InstitutionOut, summary="修改评价机构")
def update_institution(request, pk: int, payload: s.InstitutionPatch):
    row_version, changes = _changes(payload)
    services.institution_update(actor=request.user, institution=pk, row_version=row_version, **changes)
    return selectors.institution_get(request.user, pk)


# ---------------------------------------------------------------------------------------------------------
# Filings and scopes
@router.get("/filings", response=s.FilingPage, summary="备案列表(含认定范围)")
def list_filings(request, filters: Query[s.FilingFilters]):
    qs = selectors.filing_list(
        request.user,
        q=filters.q,
        status=filters.status,
        institution=filters.institution,
        authority=filters.authority,
        region=filters.region,
        occupation=filters.occupation,
    )
    return _page(qs, filters)


@router.get("/filings/{int:pk}", response=s.FilingOut, summary="备案详情")
def get_filing(request, pk: int):
    return selectors.filing_get(request.user, pk)


@router.post("/filings", response={201: s.FilingOut}, summary="新增备案")
def create_filing(request, payload: s.FilingIn):
    data = payload.dict()
    obj = services.filing_create(actor=request.user, **data)
    return Status(201, selectors.filing_get(request.user, obj.pk))


@router.patch("/filings/{int:pk}", response=s.FilingOut, summary="修改备案")
def update_filing(request, pk: int, payload: s.FilingPatch):
    row_version, changes = _changes(payload)
    services.filing_update(actor=request.user, filing=pk, row_version=row_version, **changes)
    return selectors.filing_get(request.user, pk)


@router.post("/filings/{int:pk}/status", response=s.FilingOut, summary="变更备案状态")  # INST-2
def set_filing_status(request, pk: int, payload: s.FilingStatusIn):
    services.filing_set_status(actor=request.user, filing=pk, **payload.dict())
    return selectors.filing_get(request.user, pk)


@router.get("/scopes", response=s.ScopePage, summary="认定范围列表")
def list_scopes(request, filters: Query[s.ScopeFilters]):
    qs = selectors.scope_list(
        request.user,
        q=filters.q,
        filing=filters.filing,
        institution=filters.institution,
        occupation=filters.occupation,
        current=filters.current,
    )
    return _page(qs, filters)


@router.get("/scopes/{int:pk}", response=s.FilingScopeOut, summary="认定范围详情")
def get_scope(request, pk: int):
    return selectors.scope_get(request.user, pk)


@router.post("/scopes", response={201: s.FilingScopeOut}, summary="增加认定范围")
def create_scope(request, payload: s.ScopeCreateIn):
    obj = services.filing_scope_add(actor=request.user, **payload.dict())
    return Status(201, selectors.scope_get(request.user, obj.pk))


@router.patch("/scopes/{int:pk}", response=s.FilingScopeOut, summary="修改认定范围")
def update_scope(request, pk: int, payload: s.ScopePatch):
    row_version, changes = _changes(payload)
    services.filing_scope_update(actor=request.user, scope=pk, row_version=row_version, **changes)
    return selectors.scope_get(request.user, pk)


@router.post("/scopes/{int:pk}/end", response=s.FilingScopeOut, summary="终止认定范围")  # REN-5
def end_scope(request, pk: int, payload: s.ScopeEndIn):
    services.filing_scope_end(actor=request.user, scope=pk, **payload.dict())
    return selectors.scope_get(request.user, pk)


# ---------------------------------------------------------------------------------------------------------
# Venues
@router.get("/venues", response=s.VenuePage, summary="考核场所列表")
def list_venues(request, filters: Query[s.VenueFilters]):
    qs = selectors.venue_list(
        request.user,
        q=filters.q,
        institution=filters.institution,
        region=filters.region,
        is_active=filters.is_active,
    )
    return _page(qs, filters)


@router.get("/venues/{int:pk}", response=s.VenueOut, summary="考核场所详情")
def get_venue(request, pk: int):
    return selectors.venue_get(request.user, pk)


@router.post("/venues", response={201: s.VenueOut}, summary="新增考核场所")
def create_venue(request, payload: s.VenueIn):
    obj = services.venue_create(actor=request.user, **payload.dict())
    return Status(201, selectors.venue_get(request.user, obj.pk))


@router.patch("/venues/{int:pk}", response=s.VenueOut, summary="修改考核场所")
def update_venue(request, pk: int, payload: s.VenuePatch):
    row_version, changes = _changes(payload)
    services.venue_update(actor=request.user, venue=pk, row_version=row_version, **changes)
    return selectors.venue_get(request.user, pk)


# ---------------------------------------------------------------------------------------------------------
# Batches
@router.get("/batches", response=s.BatchPage, summary="评价批次列表")
def list_batches(request, filters: Query[s.BatchFilters]):
    qs = selectors.batch_list(
        request.user,
        q=filters.q,
        status=filters.status,
        institution=filters.institution,
        occupation=filters.occupation,
        region=filters.region,
        start_from=filters.start_from,
        start_to=filters.start_to,
    )
    return _page(qs, filters)


@router.get("/batches/{int:pk}", response=s.BatchOut, summary="评价批次详情")
def get_batch(request, pk: int):
    return selectors.batch_get(request.user, pk)


@router.post("/batches", response={201: s.BatchOut}, summary="新增评价批次(校验备案认定范围)")  # INST-3
def create_batch(request, payload: s.BatchIn):
    obj = services.batch_create(actor=request.user, **payload.dict())
    return Status(201, selectors.batch_get(request.user, obj.pk))


@router.patch("/batches/{int:pk}", response=s.BatchOut, summary="修改评价批次")
def update_batch(request, pk: int, payload: s.BatchPatch):
    row_version, changes = _changes(payload)
    services.batch_update(actor=request.user, batch=pk, row_version=row_version, **changes)
    return selectors.batch_get(request.user, pk)


@router.post("/batches/{int:pk}/cancel", response=s.BatchOut, summary="取消评价批次")
def cancel_batch(request, pk: int, payload: s.BatchCancelIn):
    services.batch_cancel(actor=request.user, batch=pk, **payload.dict())
    return selectors.batch_get(request.user, pk)
