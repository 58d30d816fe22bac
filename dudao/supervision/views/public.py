"""一公开 (RAND-2, ACT-6): published draws and task outcomes for anyone, no login.

A member of the public sees a draw's time, parameters, scenario digest, seed commitment and witness
commitments from its publication, each witness value once entered at the draw meeting; after the lock the
server seed and the final seed, the selected targets and the assignments (names or card numbers per
the authority's policy), downloads of the scenario and the result, and a 验证 button that recomputes the
draw on the server (the same checks as `dudao draw verify --record`). A draw cancelled after
publication stays listed with its reason, time and revealed server seed. Covert (暗访) draws disclose
only once every task has its report; covert tasks appear only after their report.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from dudao.common.domain import canonical_json
from dudao.common.errors import NotFound
from dudao.web.kit import application_errors_as_http, is_partial_request, list_page

from .. import presenters, selectors
from ..forms import PublicDrawFilterForm, PublicTaskFilterForm
from .draws import json_download


def _public_tasks(qs) -> list[dict[str, Any]]:
    policies: dict[int, Any] = {}
    rows = []
    for task in qs:
        if task.authority_id not in policies:
            policies[task.authority_id] = selectors.policy_for(task.authority_id)
        rows.append(presenters.public_task(task, policies[task.authority_id]))
    return rows


@require_GET
def public_draw_list(request: HttpRequest) -> HttpResponse:
    filters = PublicDrawFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.public_draws(q=values.get("q") or "", year=values.get("year"))
    return render(
        request, "supervision/public/draw_list.html", {"filters": filters, "page": list_page(request, qs)}
    )


@require_GET
@application_errors_as_http
def public_draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.public_draw_get(pk)
    data = presenters.public_draw(draw)
    tasks = _public_tasks(selectors.public_tasks(draw=draw.pk)) if data["disclosure"]["result"] else []
    return render(request, "supervision/public/draw_detail.html", {"d": data, "tasks": tasks})


@require_GET
@application_errors_as_http
def public_draw_scenario(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.public_draw_get(pk)
    if not selectors.draw_disclosure(draw)["scenario"]:
        raise NotFound("暗访抽取的情景在全部任务报告提交后公开")
    return json_download(draw.scenario, f"{draw.number}-scenario.json")


@require_GET
@application_errors_as_http
def public_draw_result(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.public_draw_get(pk)
    if not selectors.draw_disclosure(draw)["result"]:
        raise NotFound("抽取结果尚未公开")
    return json_download(draw.result, f"{draw.number}-result.json")


@require_GET
@application_errors_as_http
def public_draw_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The published record (commitments, witnesses, revealed seeds) `dudao draw verify --record` reads."""
    draw = selectors.public_draw_get(pk)
    record = presenters.draw_record(draw, reveal=selectors.draw_disclosure(draw)["seed"])
    return json_download(canonical_json(record), f"{draw.number}-record.json")


@require_http_methods(["GET", "POST"])
@application_errors_as_http
def public_draw_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """The 验证 button: server-side recomputation; htmx gets the result fragment, others the full page."""
    draw = selectors.public_draw_get(pk)
    if not selectors.draw_disclosure(draw)["verify"]:
        raise NotFound("抽取结果尚未公开,暂不能校验")
    context = {"d": presenters.public_draw(draw), "v": presenters.public_verification(draw)}
    if is_partial_request(request):
        return render(request, "supervision/public/partials/verify_result.html", context)
    return render(request, "supervision/public/verify.html", context)


@require_GET
def public_task_list(request: HttpRequest) -> HttpResponse:
    """Task outcomes and rectification status (ACT-6); covert tasks only after their report."""
    filters = PublicTaskFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    page = list_page(request, selectors.public_tasks(q=values.get("q") or ""))
    page.items = _public_tasks(page.items)
    return render(request, "supervision/public/task_list.html", {"filters": filters, "page": page})
