"""Pages of the yearly quality inspection (QUAL-3, ACT-5). The authority: list and create campaigns, open,
follow the self-inspections, draw the sample, start each external inspection (filled in the evaluations
pages), see the results, close. An institution: its self-inspection task with the QC-STATION form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.common.errors import ApplicationError
from dudao.web.kit import application_errors_as_http, list_page, raise_http, run_and_flash

from .. import permissions, selectors, services
from ..models import QualityCampaign
from ..transitions import CAMPAIGN_TRANSITIONS


@login_required
@application_errors_as_http
def campaign_list(request: HttpRequest) -> HttpResponse:
    if not permissions.may_create_campaign(request.user) and not request.user.is_superuser:
        return redirect("quality:self_list")
    qs = selectors.campaigns_for(request.user)
    return render(
        request,
        "quality/campaign_list.html",
        {
            "page": list_page(request, qs),
            "may_create": permissions.may_create_campaign(request.user),
            "default_year": timezone.localdate().year,
        },
    )


@login_required
@require_POST
@application_errors_as_http
def campaign_create(request: HttpRequest) -> HttpResponse:
    try:
        campaign = services.campaign_create(
            actor=request.user,
            year=request.POST.get("year", ""),
            title=request.POST.get("title", ""),
            self_workdays=request.POST.get("self_workdays", ""),
        )
    except ApplicationError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
        return redirect("quality:campaigns")
    messages.success(request, "年度质量检查已建立,启动后各机构开始自查")
    return redirect("quality:campaign", pk=campaign.pk)


@login_required
@application_errors_as_http
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    rows = selectors.campaign_results(campaign)
    manage = permissions.may_manage_campaign(request.user, campaign)
    allowed = [
        to
        for to, may in CAMPAIGN_TRANSITIONS.get(campaign.status, {}).items()
        if manage and may(request.user, campaign)
    ]
    return render(
        request,
        "quality/campaign_detail.html",
        {
            "campaign": campaign,
            "rows": rows,
            "manage": manage,
            "may_open": "open" in allowed,
            "may_sample": "inspecting" in allowed,
            "may_close": "closed" in allowed,
            "inspecting": campaign.status == QualityCampaign.Status.INSPECTING,
            "submitted": sum(1 for r in rows if r["self_submitted"]),
            "late": sum(1 for r in rows if r["self_late"]),
            "sampled": sum(1 for r in rows if r["sampled"]),
            "signed": sum(1 for r in rows if r["external_total"] is not None),
            "self_late_now": services.self_late(campaign),
        },
    )


def _post(request: HttpRequest, pk: int, call: Any, done: str) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    return run_and_flash(request, lambda: call(campaign), done, reverse("quality:campaign", args=[pk]))


@login_required
@require_POST
@application_errors_as_http
def campaign_open(request: HttpRequest, pk: int) -> HttpResponse:
    version = request.POST.get("row_version", "")
    return _post(
        request,
        pk,
        lambda c: services.campaign_open(actor=request.user, campaign=c, row_version=version),
        "年度质量检查已启动,已通知各机构在期限内完成自查",
    )


@login_required
@require_POST
@application_errors_as_http
def campaign_sample(request: HttpRequest, pk: int) -> HttpResponse:
    version, size, seed = (request.POST.get(k, "") for k in ("row_version", "size", "seed"))
    return _post(
        request,
        pk,
        lambda c: services.campaign_sample(
            actor=request.user, campaign=c, row_version=version, size=size, seed=seed
        ),
        "已抽取外查机构,并完成考评员证卡年检",
    )


@login_required
@require_POST
@application_errors_as_http
def entry_inspect(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    entry = selectors.entry_get(request.user, entry_id)
    back = reverse("quality:campaign", args=[campaign.pk])
    if entry.campaign_id != campaign.pk:
        return redirect(back)
    return run_and_flash(
        request,
        lambda: services.entry_inspect(actor=request.user, entry=entry),
        "外查评估已开启,请填写评估表并由评估组签名",
        back,
        then=lambda e: reverse("scorecards:evaluation_detail", args=[e.evaluation_id]),
    )


@login_required
@require_POST
@application_errors_as_http
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    version = request.POST.get("row_version", "")
    return _post(
        request,
        pk,
        lambda c: services.campaign_close(actor=request.user, campaign=c, row_version=version),
        "年度质量检查已结束,结果将列入当年的质量通报",
    )


# ------------------------------------------------------------------ the institution's self-inspection


@login_required
@application_errors_as_http
def self_list(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/self_list.html", {"entries": list(selectors.entries_for(request.user))})


def _items(form: Any, answers: dict) -> list[dict]:
    out = []
    for section in form.sections:
        out.append({"section": section})
        for item in section.items:
            out.append({"item": item, "value": answers.get(item.id)})
    return out


@login_required
@application_errors_as_http
def self_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get(request.user, pk)
    campaign = entry.campaign
    editable = (
        permissions.may_self_inspect(request.user, entry)
        and entry.self_submitted_at is None
        and campaign.status in (QualityCampaign.Status.OPEN, QualityCampaign.Status.INSPECTING)
    )
    form = campaign.form_version.form
    return render(
        request,
        "quality/self_detail.html",
        {
            "entry": entry,
            "campaign": campaign,
            "form": form,
            "lines": _items(form, entry.answers),
            "editable": editable,
            "late_now": services.self_late(campaign),
            "band": next((b.label_zh for b in form.bands if b.id == entry.self_band), ""),
        },
    )


def _answers(request: HttpRequest, form: Any) -> dict[str, Any]:
    """The posted answers: `item-<id>` = a choice key, "yes"/"no" for a bonus, a count for a deduction."""
    out: dict[str, Any] = {}
    for item in form.items:
        raw = request.POST.get(f"item-{item.id}", "").strip()
        if not raw:
            continue
        if item.kind == "bonus":
            out[item.id] = raw == "yes" if raw in ("yes", "no") else raw
        elif item.kind == "choice":
            out[item.id] = raw
        else:
            out[item.id] = int(raw) if raw.isdigit() else raw
    return out


@login_required
@require_POST
@application_errors_as_http
def self_save(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get(request.user, pk)
    answers = _answers(request, entry.campaign.form_version.form)
    back = reverse("quality:self_detail", args=[entry.pk])
    if request.POST.get("submit") == "1":
        return run_and_flash(
            request,
            lambda: services.self_submit(actor=request.user, entry=entry, answers=answers),
            "自查已提交",
            back,
        )
    return run_and_flash(
        request, lambda: services.self_save(actor=request.user, entry=entry, answers=answers), "已保存", back
    )
