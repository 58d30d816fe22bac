"""The dashboard pages: authority (地区), institution (本机构 against the regional norm), public."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from dudao.accounts.permissions import is_institution_user
from dudao.registry.models import Institution

from . import permissions, selectors

DENIED = "没有访问此页面的权限"


def _trend_charts(trend: dict[str, Any], *, prefix: str, findings: bool) -> list[dict[str, Any]]:
    """The monthly rates and activity charts (the public page shows no findings)."""
    activity = [{"name": "督导任务", "values": trend["tasks"]}]
    if findings:
        activity.append({"name": "发现问题", "values": trend["findings"]})
    activity.append({"name": "投诉举报", "values": trend["complaints"]})
    return [
        {
            "id": f"{prefix}rates",
            "kind": "line",
            "unit": "%",
            "labels": trend["labels"],
            "series": [
                {"name": "批次督导覆盖率", "values": trend["coverage"]},
                {"name": "认定通过率", "values": trend["pass_rate"]},
            ],
        },
        {"id": f"{prefix}activity", "kind": "bar", "labels": trend["labels"], "series": activity},
    ]


def _charts_authority(data: dict[str, Any]) -> list[dict[str, Any]]:
    trend = data["trend"]
    table = data["table"]
    return [
        *_trend_charts(trend, prefix="", findings=True),
        {
            "id": "flags",
            "kind": "bar",
            "labels": data["flags"]["labels"],
            "series": [
                {"name": "新发现疑点", "values": data["flags"]["raised"]},
                {"name": "其中已确认", "values": data["flags"]["confirmed"]},
            ],
        },
        {
            "id": "coverage",
            "kind": "hbar",
            "unit": "%",
            "labels": [r["name"] for r in table],
            "series": [{"name": "机构督导覆盖率", "values": [r["institution_coverage"] for r in table]}],
        },
        {
            "id": "passrates",
            "kind": "hbar",
            "unit": "%",
            "labels": [f"{r['occupation']}({r['level']}级)" for r in data["pass_rates"][:15]],
            "series": [{"name": "通过率", "values": [r["rate"] for r in data["pass_rates"][:15]]}],
        },
        {
            "id": "workload",
            "kind": "hbar",
            "labels": [r["name"] for r in data["workload"]],
            "series": [{"name": "参加督导任务", "values": [r["tasks"] for r in data["workload"]]}],
        },
    ]


@login_required
@require_GET
def authority(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_authority_dashboard(request.user):
        raise PermissionDenied(DENIED)
    data = selectors.authority_dashboard(request.user)
    charts = [] if data["empty"] else _charts_authority(data)
    return render(request, "dashboards/authority.html", {"data": data, "charts": charts})


def _charts_institution(data: dict[str, Any]) -> list[dict[str, Any]]:
    own, norms = data["own_trend"], data["norms"]
    return [
        {
            "id": f"inst-{key}",
            "kind": "line",
            "unit": "%",
            "labels": own["labels"],
            "series": [{"name": "本机构", "values": own[key]}]
            + [{"name": n["label"], "values": n["trend"][key]} for n in norms],
        }
        for key in ("pass_rate", "coverage")
    ]


@login_required
@require_GET
def institution(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Institution users: their own (no pk); authority users and superusers: an institution in scope."""
    if pk is None:
        if not is_institution_user(request.user):
            raise PermissionDenied(DENIED)
        target = request.user.institution
    else:
        target = get_object_or_404(Institution.objects.select_related("region"), pk=pk)
        if is_institution_user(request.user) or not permissions.can_view_institution_dashboard(
            request.user, target
        ):
            raise PermissionDenied(DENIED)
    data = selectors.institution_dashboard(target)
    charts = [] if data["empty"] else _charts_institution(data)
    return render(
        request, "dashboards/institution.html", {"data": data, "charts": charts, "institution": target}
    )


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    data = selectors.public_statistics()
    charts = []
    if not data["empty"]:
        charts = _trend_charts(data["trend"], prefix="public-", findings=False)
    return render(request, "dashboards/public.html", {"data": data, "charts": charts})
