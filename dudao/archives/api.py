"""API of batch archives (ARCH-1, ARCH-2; FORM-B B8), mounted at /api/v1/archives. The same services as
the pages; scoped reads (selectors), out of scope → 404."""

from __future__ import annotations

from django.db.models import Q
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from dudao.common.errors import PermissionDenied, ValidationFailed
from dudao.common.pagination import paginate
from dudao.exams import selectors as exam_selectors
from dudao.registry.models import Institution

from . import schemas as s
from . import selectors, services
from .models import DestructionPlan
from .permissions import may_download

router = Router(tags=["archives"])


def _row(package) -> dict:
    return {
        "id": package.pk,
        "plan": package.plan_id,
        "institution": package.institution_id,
        "institution_name": package.institution.name,
        "batch_code": package.batch_code,
        "title": package.title,
        "sealed_on": package.sealed_on,
        "sealed_at": package.uploaded_at,
        "certificates_on": package.certificates_on,
        "algorithm": package.algorithm,
        "manifest_sm3": package.manifest_digest,
        "size": package.size,
        "kinds": package.kinds,
        "destroyed": package.destroyed,
    }


def _detail(package) -> dict:
    data = _row(package)
    data["manifest"] = package.manifest
    data["retention"] = [row.__dict__ for row in services.retention_of(package)]
    return data


@router.get("/packages", response=s.PackagePage, summary="归档包列表(本人可见范围)")
def package_list(request, filters: Query[s.PackageFilters]):
    qs = selectors.packages_for(request.user)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.q:
        qs = qs.filter(Q(batch_code__icontains=filters.q) | Q(title__icontains=filters.q))
    page = paginate(qs.order_by("-uploaded_at", "-id"), filters.page, filters.page_size)
    page.items = [_row(p) for p in page.items]
    return page.as_dict()


@router.get("/packages/{int:pk}", response=s.PackageDetailOut, summary="归档包详情(清单、各类别保存期限)")
def package_detail(request, pk: int):
    return _detail(selectors.package_get(request.user, pk))


@router.post(
    "/plans/{int:plan_pk}/seal", response={201: s.PackageDetailOut}, summary="认定计划归档(生成归档包)"
)
def package_seal(request, plan_pk: int):
    plan = exam_selectors.plan_get(request.user, plan_pk)
    return Status(201, _detail(services.archive_seal(actor=request.user, plan=plan)))


@router.post("/packages/{int:pk}/verify", response=s.VerifyOut, summary="按清单校验已存归档包")
def package_verify(request, pk: int):
    return services.package_verify(selectors.package_get(request.user, pk)).as_json()


@router.get("/packages/{int:pk}/download", summary="下载归档包(ZIP)")
def package_download(request, pk: int):
    package = selectors.package_get(request.user, pk)
    if not may_download(request.user, package):
        raise PermissionDenied("没有下载该归档包的权限")
    services.record_download(actor=request.user, package=package)
    return package.serve(inline=False)


@router.post("/verify", response=s.VerifyOut, summary="校验上传的归档包(ZIP,不保存)")
def upload_verify(request, file: File[UploadedFile]):
    return services.upload_verify(file).as_json()


def _plan_out(plan: DestructionPlan) -> dict:
    data = {
        "id": plan.pk,
        "institution": plan.institution_id,
        "planned_on": plan.planned_on,
        "reason": plan.reason,
        "status": plan.status,
        "row_version": plan.row_version,
    }
    data["items"] = [
        {"package": i.package_id, "batch_code": i.package.batch_code, "kind": i.kind}
        for i in plan.items.select_related("package")
    ]
    receipt = getattr(plan, "receipt", None) if plan.status == DestructionPlan.Status.DONE else None
    data["receipt"] = (
        {
            "destroyed_on": receipt.destroyed_on,
            "destroyed_by_name": receipt.destroyed_by_name,
            "method": receipt.method,
            "witness": receipt.witness,
            "has_scan": bool(receipt.scan_file),
        }
        if receipt
        else None
    )
    return data


@router.get("/destruction-plans", response=s.DestructionPlanList, summary="档案销毁计划列表")
def destruction_plan_list(request):
    plans = list(selectors.destruction_plans_for(request.user).order_by("-planned_on", "-id")[:100])
    return {"items": [_plan_out(p) for p in plans], "count": len(plans)}


@router.post("/destruction-plans", response={201: s.DestructionPlanOut}, summary="编制档案销毁计划")
def destruction_plan_create(request, payload: s.DestructionPlanIn):
    institution_id = payload.institution or getattr(request.user, "institution_id", None)
    institution = Institution.objects.filter(pk=institution_id).first() if institution_id else None
    if institution is None:
        raise ValidationFailed("请指定评价机构", detail={"institution": ["请指定评价机构"]})
    plan = services.destruction_plan_create(
        actor=request.user,
        institution=institution,
        planned_on=payload.planned_on,
        reason=payload.reason,
        items=[{"package": i.package, "kind": i.kind} for i in payload.items],
    )
    return Status(201, _plan_out(plan))


@router.post("/destruction-plans/{int:pk}/approve", response=s.DestructionPlanOut, summary="审批档案销毁计划")
def destruction_plan_approve(request, pk: int, payload: s.VersionIn):
    plan = selectors.destruction_plan_get(request.user, pk)
    return _plan_out(
        services.destruction_plan_approve(actor=request.user, plan=plan, row_version=payload.row_version)
    )


@router.post("/destruction-plans/{int:pk}/receipt", response=s.DestructionPlanOut, summary="登记档案销毁回单")
def destruction_receipt(request, pk: int, payload: s.ReceiptIn):
    plan = selectors.destruction_plan_get(request.user, pk)
    services.destruction_receipt_record(
        actor=request.user,
        plan=plan,
        destroyed_on=payload.destroyed_on,
        destroyed_by_name=payload.destroyed_by_name,
        method=payload.method,
        witness=payload.witness,
        row_version=payload.row_version,
    )
    return _plan_out(selectors.destruction_plan_get(request.user, pk))
