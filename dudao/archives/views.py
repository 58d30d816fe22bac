"""Pages of batch archives (ARCH-1, ARCH-2; FORM-B B8): the packages in the user's scope and the plans
ready to seal, a package's manifest, retention dates, download and verification, an uploaded ZIP's
verification, destruction plans and receipts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.permissions import is_institution_admin
from dudao.common.errors import ApplicationError, PermissionDenied
from dudao.exams import selectors as exam_selectors
from dudao.exams.models import ExamPlan
from dudao.registry.models import Institution
from dudao.web.kit import application_errors_as_http, list_page, raise_http, run_and_flash

from . import selectors, services
from .domain import KINDS
from .permissions import may_download, may_seal


def _sealable(user) -> list[dict]:
    """Plans the user may seal that have no package yet (the institution admin's own, at most 50)."""
    if not is_institution_admin(user):
        return []
    plans = (
        exam_selectors.plans_for(user)
        .filter(archive__isnull=True, batch__institution_id=user.institution_id)
        .exclude(status=ExamPlan.Status.DRAFT)
        .select_related("batch")
        .order_by("-batch__starts_at", "-id")[:50]
    )
    today = timezone.localdate()
    return [{"plan": p, "refusal": services.seal_refusal(p, today)} for p in plans if may_seal(user, p)]


@login_required
@application_errors_as_http
def package_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:64]
    qs = selectors.packages_for(request.user)
    if q:
        qs = qs.filter(Q(batch_code__icontains=q) | Q(title__icontains=q) | Q(institution__name__icontains=q))
    return render(
        request,
        "archives/package_list.html",
        {
            "page": list_page(request, qs.order_by("-uploaded_at", "-id")),
            "q": q,
            "sealable": _sealable(request.user),
        },
    )


@login_required
@require_POST
@application_errors_as_http
def package_seal(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = exam_selectors.plan_get(request.user, plan_pk)
    return run_and_flash(
        request,
        lambda: services.archive_seal(actor=request.user, plan=plan),
        "已归档:归档包已生成,清单摘要已记入审计日志",
        reverse("archives:package_list"),
        then=lambda package: reverse("archives:package_detail", args=[package.pk]),
    )


@login_required
@application_errors_as_http
def package_detail(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.package_get(request.user, pk)
    return render(
        request,
        "archives/package_detail.html",
        {
            "package": package,
            "retention": services.retention_of(package),
            "files": package.manifest.get("files", []),
            "destroyed": package.manifest.get("package", {}).get("destroyed", []),
            "may_download": may_download(request.user, package),
            "check": None,
        },
    )


@login_required
@require_POST
@application_errors_as_http
def package_verify(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.package_get(request.user, pk)
    return render(
        request,
        "archives/package_detail.html",
        {
            "package": package,
            "retention": services.retention_of(package),
            "files": package.manifest.get("files", []),
            "destroyed": package.manifest.get("package", {}).get("destroyed", []),
            "may_download": may_download(request.user, package),
            "check": services.package_verify(package).as_json(),
        },
    )


@login_required
@application_errors_as_http
def package_download(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.package_get(request.user, pk)
    if not may_download(request.user, package):
        raise PermissionDenied("没有下载该归档包的权限")
    services.record_download(actor=request.user, package=package)
    return package.serve(inline=False)


@login_required
@application_errors_as_http
def upload_verify(request: HttpRequest) -> HttpResponse:
    context: dict = {"check": None, "error": ""}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "请选择要校验的归档包(ZIP)"
        else:
            try:
                context["check"] = services.upload_verify(upload).as_json()
            except ApplicationError as exc:
                context["error"] = exc.message
            context["name"] = upload.name
    return render(request, "archives/verify.html", context)


# ------------------------------------------------------------------------------------------ destruction


def _institution(request: HttpRequest) -> Institution | None:
    institution_id = getattr(request.user, "institution_id", None)
    return Institution.objects.filter(pk=institution_id).first() if institution_id else None


@login_required
@application_errors_as_http
def destruction_list(request: HttpRequest) -> HttpResponse:
    plans = list(
        selectors.destruction_plans_for(request.user)
        .prefetch_related("items__package")
        .select_related("receipt")
        .order_by("-planned_on", "-id")[:100]
    )
    institution = _institution(request)
    may_plan = institution is not None and is_institution_admin(request.user)
    due = (
        services.due_items(selectors.packages_for(request.user).filter(institution=institution))
        if may_plan
        else []
    )
    return render(
        request,
        "archives/destruction_list.html",
        {
            "plans": plans,
            "due": due,
            "may_plan": may_plan,
            "kinds": {key: kind.label for key, kind in KINDS.items()},
            "today": timezone.localdate(),
            "form": request.session.pop("archives_destruction_form", None) or {},
        },
    )


@login_required
@require_POST
@application_errors_as_http
def destruction_create(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    if institution is None:
        raise_http(PermissionDenied("只有评价机构的管理员可以编制档案销毁计划"))
    items = []
    for value in request.POST.getlist("item")[:1000]:
        package, _, kind = value.partition(":")
        items.append({"package": package, "kind": kind})
    to = reverse("archives:destruction_list")
    try:
        services.destruction_plan_create(
            actor=request.user,
            institution=institution,
            planned_on=request.POST.get("planned_on") or "",
            reason=request.POST.get("reason"),
            items=items,
        )
    except ApplicationError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
        request.session["archives_destruction_form"] = {
            "planned_on": request.POST.get("planned_on", "")[:10],
            "reason": request.POST.get("reason", "")[:255],
        }
        return redirect(to)
    messages.success(request, "销毁计划已编制,待审批")
    return redirect(to)


@login_required
@require_POST
@application_errors_as_http
def destruction_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.destruction_plan_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.destruction_plan_approve(
            actor=request.user, plan=plan, row_version=request.POST.get("row_version")
        ),
        "销毁计划已审批",
        reverse("archives:destruction_list"),
    )


@login_required
@require_POST
@application_errors_as_http
def destruction_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.destruction_plan_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.destruction_receipt_record(
            actor=request.user,
            plan=plan,
            destroyed_on=request.POST.get("destroyed_on") or "",
            destroyed_by_name=request.POST.get("destroyed_by_name"),
            method=request.POST.get("method"),
            witness=request.POST.get("witness"),
            scan=request.FILES.get("scan"),
            row_version=request.POST.get("row_version"),
        ),
        "销毁回单已登记,到期档案已从归档包中移除",
        reverse("archives:destruction_list"),
    )
