"""Draw pages (RAND-1/2): list, the wizard (define → review the scenario and register the witnesses →
publish → enter the witnesses' values → run → lock), detail.

Authority users draw external supervisors for their region; an institution admin draws its own internal
supervisors for its own batches. Every step is a service call; the page only shows what it did.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dudao.accounts.permissions import is_institution_admin, is_superuser
from dudao.common.errors import ApplicationError, NotFound
from dudao.people.models import Supervisor
from dudao.registry.models import Batch, Institution, Occupation
from dudao.web.kit import application_errors_as_http, list_page, run_and_flash, run_form
from dudao.web.sorting import sort_list

from .. import presenters, selectors, services, snapshot, workflow
from ..domain import MIN_WITNESSES
from ..forms import DrawFilterForm, DrawForm, ReasonForm, WitnessForm, WitnessValueForm
from ..models import Draw, SupervisorKind
from ..permissions import can_manage_draw
from ..sorting import DRAW_SORTS
from .common import draw_creators, draw_pages, require, row_version

STEPS = (
    ("define", "定义参数"),
    ("review", "核对情景"),
    ("published", "登记见证人、公布摘要与承诺值"),
    ("run", "录入见证人随机值、执行抽取"),
    ("locked", "锁定结果、公开种子"),
)
STEP_OF_STATUS = {"defined": 1, "published": 3, "run": 4, "locked": 5, "cancelled": -1}


def _internal(user) -> bool:
    return bool(is_institution_admin(user)) and not is_superuser(user)


def _form(request: HttpRequest, *, data=None, initial=None) -> DrawForm:
    user = request.user
    internal = _internal(user)
    kind = SupervisorKind.INTERNAL if internal else SupervisorKind.EXTERNAL
    supervisors = (
        selectors.supervisors_for(user)
        .filter(kind=kind, status=Supervisor.Status.ACTIVE)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    return DrawForm(
        data,
        initial=initial,
        internal=internal,
        institutions=selectors.institutions_in(user).filter(is_active=True).order_by("name"),
        occupations=Occupation.objects.filter(is_active=True).order_by("code"),
        supervisors=supervisors,
    )


@login_required
@require_GET
def draw_list(request: HttpRequest) -> HttpResponse:
    """Draws in scope (authority: its region; institution: its internal draws)."""
    require(draw_pages(request.user))
    filters = DrawFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.draw_list(
        request.user,
        q=values.get("q") or "",
        status=values.get("status") or "",
        task_kind=values.get("task_kind") or "",
        year=values.get("year"),
    )
    return render(
        request,
        "supervision/draw_list.html",
        {
            "filters": filters,
            "page": list_page(request, sort_list(request, qs, DRAW_SORTS)),
            "can_create": draw_creators(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def draw_create(request: HttpRequest) -> HttpResponse:
    """Wizard step 1: define the draw's parameters."""
    require(draw_creators(request.user), "只有委派机构或评价机构管理员可以组织抽取")
    form = _form(request, data=request.POST or None, initial={"sample_mode": "count", "group_size": 1})
    if request.method == "POST" and form.is_valid():
        internal = _internal(request.user)
        ok, draw = run_form(
            form,
            lambda: services.draw_define(
                actor=request.user,
                kind=SupervisorKind.INTERNAL if internal else SupervisorKind.EXTERNAL,
                **form.service_values(),
            ),
            DrawForm.FIELD_MAP,
        )
        if ok:
            messages.success(request, f"已定义抽取 {draw.number},请核对情景摘要后公布")
            return redirect("supervision:draw_detail", draw.pk)
    return render(
        request, "supervision/draw_form.html", {"form": form, "draw": None, "steps": STEPS, "step": 0}
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def draw_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the parameters while the draw is only defined (a published scenario is frozen)."""
    draw = selectors.draw_get(request.user, pk)
    require(can_manage_draw(request.user, draw), "没有修改此抽取的权限")
    if draw.status != Draw.Status.DEFINED:
        messages.error(request, "抽取已公布,参数不能再修改")
        return redirect("supervision:draw_detail", pk)
    form = _form(request, data=request.POST or None, initial=DrawForm.initial_from(draw))
    if request.method == "POST" and form.is_valid():
        ok, _ = run_form(
            form,
            lambda: services.draw_update(
                actor=request.user, draw=draw, row_version=row_version(request), **form.service_values()
            ),
            DrawForm.FIELD_MAP,
        )
        if ok:
            messages.success(request, "已保存抽取参数")
            return redirect("supervision:draw_detail", pk)
    return render(
        request, "supervision/draw_form.html", {"form": form, "draw": draw, "steps": STEPS, "step": 0}
    )


def _scenario_time(value: Any) -> dt.datetime | None:
    """A scenario's ISO time ("2026-12-07T08:30:00+08:00") as a local datetime for `ymdhm`: cutting the
    string printed "2026-12-0708:30"."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _preview(draw: Draw) -> dict[str, Any]:
    """Wizard step 2: what publication would freeze now (a read of both registers; nothing saved)."""
    try:
        raw = snapshot.build_scenario(draw)
    except ApplicationError as exc:
        return {"error": exc.message}
    targets = raw["targets"]
    names = dict(
        Institution.objects.filter(uscc__in={t["institution"] for t in targets}).values_list("uscc", "name")
    )
    size = workflow.sample_size(len(targets), draw.sample_count, draw.sample_ratio)
    supervisors = len(raw["supervisors"])
    slots = size * draw.group_size
    capacity = supervisors * draw.max_tasks
    warnings = []
    if slots > capacity:
        warnings.append(
            f"需要 {slots} 人次,督导员库最多可承担 {capacity} 人次({supervisors} 人 × {draw.max_tasks}),"
            "部分对象将无法派员"
        )
    if supervisors < draw.group_size:
        warnings.append(f"督导员库只有 {supervisors} 人,少于督导组人数 {draw.group_size}")
    weighted = [t for t in targets if t.get("weight", 1) != 1]
    return {
        "targets": len(targets),
        "sample": size,
        "supervisors": supervisors,
        "conflicts": len(raw["conflicts"]),
        "examiners": len(raw["examiners"]),
        "slots": slots,
        "capacity": capacity,
        "weighted": len(weighted),
        "warnings": warnings,
        "rows": [
            {
                **t,
                "institution_name": names.get(t["institution"], t["institution"]),
                "weight": t.get("weight", 1),
                "starts_at": _scenario_time(t.get("start")),
            }
            for t in targets[:30]
        ],
        "more": max(0, len(targets) - 30),
    }


def _result_rows(draw: Draw, result: dict[str, Any]) -> dict[str, Any]:
    """The engine's result with names (authority view: names, not the public labels)."""
    assignments: dict[str, list[str]] = result.get("assignments", {})
    keys = {k for ks in assignments.values() for k in ks}
    people = {
        f"S{s.pk}": s.person.name
        for s in Supervisor.objects.filter(pk__in=[snapshot.supervisor_pk(k) for k in keys]).select_related(
            "person"
        )
    }
    if draw.population == Draw.Population.BATCHES:
        places = {
            b.code: (b.institution.name, b.occupation.name, b.starts_at)
            for b in Batch.objects.filter(code__in=result.get("selected", [])).select_related(
                "institution", "occupation"
            )
        }
    else:
        places = {
            i.uscc: (i.name, "", None)
            for i in Institution.objects.filter(uscc__in=result.get("selected", []))
        }
    rows = []
    for key in result.get("selected", []):
        institution, occupation, starts_at = places.get(key, (key, "", None))
        rows.append(
            {
                "target": key,
                "institution": institution,
                "occupation": occupation,
                "starts_at": starts_at,
                "supervisors": [people.get(k, k) for k in assignments.get(key, [])],
                "unassigned": result.get("unassigned", {}).get(key, ""),
            }
        )
    return {"rows": rows, "stats": result.get("stats", {}), "unassigned": len(result.get("unassigned", {}))}


def _detail_context(request: HttpRequest, draw: Draw, **forms: Any) -> dict[str, Any]:
    data = presenters.draw_detail(request.user, draw)
    value_forms = forms.get("value_forms", {})
    witnesses_in = all(w["value"] for w in data["witnesses"]) and len(data["witnesses"]) >= MIN_WITNESSES
    return {
        "draw": draw,
        "d": data,
        "steps": STEPS,
        "step": STEP_OF_STATUS.get(draw.status, 0),
        "preview": _preview(draw) if draw.status == Draw.Status.DEFINED and data["can_manage"] else None,
        "result": _result_rows(draw, data["result"]) if data["result"] else None,
        "tasks": list(draw.tasks.select_related("institution", "batch").order_by("number"))
        if draw.status == Draw.Status.LOCKED
        else [],
        "public_url": reverse("supervision:public_draw_detail", args=[draw.pk])
        if draw.published_at
        else None,
        "cancel_form": ReasonForm(label="取消原因"),
        "witness_form": forms.get("witness_form") or WitnessForm(),
        "witness_rows": [
            {**w, "form": value_forms.get(w["id"]) or WitnessValueForm(auto_id=f"id_w{w['id']}_%s")}
            for w in data["witnesses"]
        ],
        "min_witnesses": MIN_WITNESSES,
        "witnesses_in": witnesses_in or draw.seed_scheme == Draw.SeedScheme.SERVER,
    }


@login_required
@require_GET
@application_errors_as_http
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The wizard's review/publish/run/lock steps on one page, with the stepper showing where it is."""
    require(draw_pages(request.user))
    draw = selectors.draw_get(request.user, pk)
    return render(request, "supervision/draw_detail.html", _detail_context(request, draw))


def _managed_draw(request: HttpRequest, pk: int) -> Draw:
    draw = selectors.draw_get(request.user, pk)
    require(can_manage_draw(request.user, draw), "没有操作此抽取的权限")
    return draw


@login_required
@require_POST
@application_errors_as_http
def draw_witness_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a witness and their commitment before publication (issue 8 §7)."""
    draw = _managed_draw(request, pk)
    form = WitnessForm(request.POST)
    if form.is_valid():
        ok, _ = run_form(
            form,
            lambda: services.draw_witness_add(
                actor=request.user, draw=draw, row_version=row_version(request), **form.cleaned_data
            ),
        )
        if ok:
            messages.success(request, f"已登记见证人{form.cleaned_data['name']}及其承诺值")
            return redirect("supervision:draw_detail", pk)
    draw.refresh_from_db()
    context = _detail_context(request, draw, witness_form=form)
    return render(request, "supervision/draw_detail.html", context, status=422)


@login_required
@require_POST
@application_errors_as_http
def draw_witness_remove(request: HttpRequest, pk: int, wid: int) -> HttpResponse:
    draw = _managed_draw(request, pk)
    return run_and_flash(
        request,
        lambda: services.draw_witness_remove(
            actor=request.user, draw=draw, witness=wid, row_version=row_version(request)
        ),
        "已删除见证人",
        reverse("supervision:draw_detail", args=[pk]),
    )


@login_required
@require_POST
@application_errors_as_http
def draw_witness_reveal(request: HttpRequest, pk: int, wid: int) -> HttpResponse:
    """Enter a witness's value at the draw meeting; a value that does not match stays on the form."""
    draw = _managed_draw(request, pk)
    form = WitnessValueForm(request.POST)
    if form.is_valid():
        ok, witness = run_form(
            form,
            lambda: services.draw_witness_reveal(
                actor=request.user,
                draw=draw,
                witness=wid,
                value=form.cleaned_data["value"],
                row_version=row_version(request),
            ),
        )
        if ok:
            messages.success(request, f"已录入见证人{witness.name}的随机值,与其承诺值一致")
            return redirect("supervision:draw_detail", pk)
    draw.refresh_from_db()
    form.auto_id = f"id_w{wid}_%s"
    context = _detail_context(request, draw, value_forms={wid: form})
    return render(request, "supervision/draw_detail.html", context, status=422)


def _step(request: HttpRequest, pk: int, call, success: str) -> HttpResponse:
    draw = _managed_draw(request, pk)
    return run_and_flash(
        request,
        lambda: call(actor=request.user, draw=draw, row_version=row_version(request)),
        success,
        reverse("supervision:draw_detail", args=[pk]),
    )


@login_required
@require_POST
@application_errors_as_http
def draw_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.draw_publish, "已公布:情景摘要和种子承诺值已公开,可以执行抽取")


@login_required
@require_POST
@application_errors_as_http
def draw_run(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.draw_run, "已执行抽取,请核对结果后锁定")


@login_required
@require_POST
@application_errors_as_http
def draw_lock(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.draw_lock, "已锁定结果:种子已公开,督导任务已派发")


@login_required
@require_POST
@application_errors_as_http
def draw_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get(request.user, pk)
    require(can_manage_draw(request.user, draw), "没有操作此抽取的权限")
    return run_and_flash(
        request,
        lambda: services.draw_cancel(
            actor=request.user,
            draw=draw,
            reason=request.POST.get("reason", ""),
            row_version=row_version(request),
        ),
        "抽取已取消",
        reverse("supervision:draw_detail", args=[pk]),
    )


@login_required
@require_GET
@application_errors_as_http
def draw_scenario(request: HttpRequest, pk: int) -> HttpResponse:
    """The frozen scenario (JSON) for the draw's managers."""
    draw = selectors.draw_get(request.user, pk)
    require(can_manage_draw(request.user, draw))
    if not draw.scenario:
        raise NotFound("抽取尚未公布,没有情景文件")
    return json_download(draw.scenario, f"{draw.number}-scenario.json")


def json_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
