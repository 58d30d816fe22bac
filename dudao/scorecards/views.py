"""Pages of the scorecards app: evaluation list, open, fill (per-item htmx saves), sign, correct; forms."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dudao.common.errors import ApplicationError
from dudao.common.files import ACCEPT
from dudao.documents.responses import document_views, download
from dudao.web.kit import (
    application_errors_as_http,
    error_of,
    list_page,
    place_errors,
    raise_http,
    run_and_flash,
    run_form,
)
from dudao.web.sorting import sort_list

from . import documents, domain, prefill, presenters, selectors, services
from .forms import EvaluationFilterForm, EvaluationOpenForm, FormLoadForm, ReasonForm
from .models import Evaluation, ScoreFormVersion
from .permissions import can_load_form, can_open_evaluation

ITEM_TEMPLATE = "scorecards/partials/item.html"
OPEN_STATUSES = (Evaluation.Status.DRAFT, Evaluation.Status.SUBMITTED)
# Sortable columns of the list (dudao.web.sorting).
EVALUATION_SORTS = {
    "id": "id",
    "institution": "institution__name",
    "purpose": "purpose",
    "status": "status",
    "total": "total",
    "created_at": "created_at",
}


def _form_choices() -> list[tuple[str, str]]:
    return [(r.form_id, f"{r.form_id} {r.title}") for r in selectors.form_versions(current_only=True)]


def _band_labels() -> dict[str, str]:
    """Band id → Chinese label over the current forms (renew → 符合, excellent → 优秀 …)."""
    rows = ScoreFormVersion.objects.filter(is_current=True)
    return {band.id: band.label_zh for row in rows for band in row.form.bands}


def _dom_id(item_id: str) -> str:
    """A safe HTML id for an item ("A1.1" → "item-A1_1")."""
    return "item-" + re.sub(r"[^A-Za-z0-9_-]", "_", item_id)


def _sheet(request: HttpRequest, evaluation: Evaluation) -> dict[str, Any]:
    sheet = presenters.evaluation_sheet(request.user, evaluation)
    # Platform data hints (prefill registry) while the evaluation is open; the evaluators still decide.
    hints = prefill.suggestions(evaluation) if evaluation.status in OPEN_STATUSES else {}
    for section in sheet["sections"]:
        section["dom"] = "sec-" + re.sub(r"[^A-Za-z0-9_-]", "_", section["id"])
        for item in section["items"]:
            item["dom"] = _dom_id(item["id"])
            item["suggestion"] = hints.get(item["id"])
    return sheet


def _context(request: HttpRequest, evaluation: Evaluation, **extra: Any) -> dict[str, Any]:
    sheet = _sheet(request, evaluation)
    return {
        "ev": evaluation,
        "sheet": sheet,
        "live": sheet["live"],
        "actions": sheet["actions"],
        "editable": sheet["actions"]["fill"],
        "accept": ACCEPT,
        "me": request.user.pk,
        "signed_count": sum(1 for m in sheet["members"] if m["signed_at"]),
        **extra,
    }


def _item_of(sheet: dict[str, Any], item_id: str) -> dict[str, Any]:
    for section in sheet["sections"]:
        for item in section["items"]:
            if item["id"] == item_id:
                return {"item": item, "section": section}
    raise Http404("评估项目不存在")


# --------------------------------------------------------------------------------------------- list, open


@login_required
@require_GET
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """Evaluations in the user's scope with filters (keyword, status, form, purpose)."""
    filters = EvaluationFilterForm(request.GET or None, form_choices=_form_choices())
    cleaned = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.evaluation_list(
        request.user,
        q=cleaned.get("q"),
        status=cleaned.get("status"),
        form=cleaned.get("form"),
        purpose=cleaned.get("purpose"),
    )
    return render(
        request,
        "scorecards/evaluation_list.html",
        {
            "filters": filters,
            "page": list_page(request, sort_list(request, qs, EVALUATION_SORTS)),
            "can_open": can_open_evaluation(request.user),
            "band_labels": _band_labels(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def evaluation_open(request: HttpRequest) -> HttpResponse:
    """Open an evaluation: institution, form (current version), purpose, leader and members."""
    if not can_open_evaluation(request.user):
        raise DjangoPermissionDenied("只有委派机构工作人员可以发起评估")
    services.form_versions_ensure_shipped()
    initial = {
        "institution": request.GET.get("institution"),
        "form_id": request.GET.get("form") or "CQ-RENEWAL",
        "purpose": request.GET.get("purpose") or "renewal",
        "leader": request.user.pk,
    }
    form = EvaluationOpenForm(
        request.POST or None,
        initial=initial,
        actor=request.user,
        institutions=selectors.institutions_for_opening(request.user),
        form_choices=_form_choices(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, ev = run_form(
            form,
            lambda: services.evaluation_open(
                actor=request.user,
                institution=data["institution"],
                form_id=data["form_id"],
                purpose=data["purpose"],
                leader=data["leader"],
                members=list(data["members"]),
                note=data["note"],
            ),
        )
        if ok:
            messages.success(request, f"已发起评估 {ev.pk} 号,评估组成员可以开始填写")
            return redirect("scorecards:evaluation_detail", ev.pk)
    return render(request, "scorecards/evaluation_open.html", {"form": form})


# --------------------------------------------------------------------------------------------- detail, fill


@login_required
@require_GET
@application_errors_as_http
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The fill page for group members while draft; otherwise the read-only record with its versions."""
    ev = selectors.evaluation_get(request.user, pk)
    history = selectors.evaluation_history(request.user, ev)
    return render(request, "scorecards/evaluation_detail.html", _context(request, ev, history=history))


def _posted_value(item: domain.Item, post) -> Any:
    """The answer a fill form carries: KEEP when the item's controls are empty (a note-only save)."""
    if post.get("clear"):
        return None
    if item.kind == "choice":
        return post.get("value") or services.KEEP
    if item.kind == "bonus":
        raw = post.get("value")
        return {"true": True, "false": False}.get(raw, raw) if raw else services.KEEP
    raw_counts = [c.strip() for c in post.getlist("count")]
    if not any(raw_counts):
        return services.KEEP
    counts: list[Any] = []
    for raw in raw_counts:
        if raw == "":
            counts.append(0)  # a blank counter next to a filled one means no occurrence
        elif re.fullmatch(r"-?\d{1,6}", raw):
            counts.append(int(raw))
        else:
            counts.append(raw)  # the engine names the item and the bad value
    return counts[0] if len(item.rules) == 1 and len(counts) == 1 else counts


def _revision(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


@login_required
@require_POST
@application_errors_as_http
def item_save(request: HttpRequest, pk: int, item_id: str) -> HttpResponse:
    """htmx: save one item (answer and/or note); answers with the item's status and the live totals."""
    ev = selectors.evaluation_get(request.user, pk)
    try:
        item = ev.form.item(item_id)
    except KeyError:
        raise Http404("评估项目不存在") from None
    error = error_of(
        lambda: services.evaluation_answer(
            actor=request.user,
            evaluation=ev.pk,
            item_id=item_id,
            value=_posted_value(item, request.POST),
            note=request.POST.get("note") if "note" in request.POST else None,
            item_revision=_revision(request.POST.get("item_revision")),
        )
    )
    ev = selectors.evaluation_get(request.user, pk)
    context = _context(request, ev, error=error)
    context.update(_item_of(context["sheet"], item_id))
    if request.POST.get("clear") and not error:
        response = render(request, "scorecards/partials/item_saved_full.html", context)
        response["HX-Retarget"] = "#" + _dom_id(item_id)
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "scorecards/partials/item_saved.html", context)


@login_required
@require_POST
@application_errors_as_http
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: attach a photo/PDF/spreadsheet to an item ('' = the whole evaluation)."""
    ev = selectors.evaluation_get(request.user, pk)
    item_id = request.POST.get("item_id", "")
    error = error_of(
        lambda: services.evaluation_attach_evidence(
            actor=request.user, evaluation=ev.pk, item_id=item_id, file=request.FILES.get("file")
        )
    )
    return _evidence_fragment(request, pk, item_id, error)


def _evidence_fragment(request: HttpRequest, pk: int, item_id: str, error: str = "") -> HttpResponse:
    ev = selectors.evaluation_get(request.user, pk)
    context = _context(request, ev, error=error)
    if item_id:
        context.update(_item_of(context["sheet"], item_id))
        evidence, dom = context["item"]["evidence"], context["item"]["dom"]
    else:
        evidence, dom = context["sheet"]["general_evidence"], "item-general"
    context.update({"evidence": evidence, "dom": dom, "item_id": item_id, "evidence_error": error})
    return render(request, "scorecards/partials/evidence_list.html", context)


@login_required
@require_GET
@application_errors_as_http
def evidence_download(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    """The file, only for users who may read the evaluation (404 otherwise)."""
    evidence = selectors.evidence_get(request.user, pk, evidence_id)
    return evidence.serve(inline=request.GET.get("download") != "1")


@login_required
@require_POST
@application_errors_as_http
def evidence_delete(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    evidence = selectors.evidence_get(request.user, pk, evidence_id)
    error = error_of(lambda: services.evaluation_remove_evidence(actor=request.user, evidence=evidence.pk))
    return _evidence_fragment(request, pk, evidence.item_id, error)


# --------------------------------------------------------------------------------------------- workflow


def _done(request: HttpRequest, pk: int, call, success: str) -> HttpResponse:
    """Run a workflow service; Chinese message either way, back to the evaluation page (the new one)."""
    return run_and_flash(
        request,
        call,
        success,
        reverse("scorecards:evaluation_detail", args=[pk]),
        then=lambda result: reverse("scorecards:evaluation_detail", args=[getattr(result, "pk", pk)]),
    )


@login_required
@require_POST
@application_errors_as_http
def evaluation_submit(request: HttpRequest, pk: int) -> HttpResponse:
    ev = selectors.evaluation_get(request.user, pk)
    return _done(
        request,
        pk,
        lambda: services.evaluation_submit(
            actor=request.user, evaluation=ev.pk, row_version=request.POST.get("row_version")
        ),
        "评估已提交,请评估组成员逐一签名确认",
    )


@login_required
@require_POST
@application_errors_as_http
def evaluation_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    ev = selectors.evaluation_get(request.user, pk)
    return _done(
        request,
        pk,
        lambda: services.evaluation_reopen(
            actor=request.user,
            evaluation=ev.pk,
            reason=request.POST.get("reason", ""),
            row_version=request.POST.get("row_version"),
        ),
        "已退回填写,已有的签名作废",
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def evaluation_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """签名确认: the member reviews the summary and the content digest, ticks the box, signs."""
    ev = selectors.evaluation_get(request.user, pk)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            error = "请先勾选确认已核对评估内容"
        else:
            try:
                ev = services.evaluation_sign(
                    actor=request.user,
                    evaluation=ev.pk,
                    content_digest=request.POST.get("content_digest", ""),
                )
            except ApplicationError as exc:
                raise_http(exc)
                error = exc.message
            else:
                done = (
                    "评估组全部成员已签名,评估已签署" if ev.status == Evaluation.Status.SIGNED else "已签名"
                )
                messages.success(request, done)
                return redirect("scorecards:evaluation_detail", pk)
        ev = selectors.evaluation_get(request.user, pk)
    return render(request, "scorecards/evaluation_sign.html", _context(request, ev, error=error))


def _reason_page(
    request: HttpRequest, pk: int, *, title: str, label: str, button: str, danger: bool, call, success: str
) -> HttpResponse:
    ev = selectors.evaluation_get(request.user, pk)
    form = ReasonForm(request.POST or None, label=label)
    if request.method == "POST" and form.is_valid():
        ok, result = run_form(
            form, lambda: call(ev, form.cleaned_data["reason"], request.POST.get("row_version"))
        )
        if ok:
            messages.success(request, success)
            return redirect("scorecards:evaluation_detail", result.pk)
    return render(
        request,
        "scorecards/reason_form.html",
        {
            "ev": ev,
            "form": form,
            "title": title,
            "button": button,
            "danger": danger,
            "row_version": request.POST.get("row_version"),  # the version first read, kept across errors
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def evaluation_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a correction: a new draft version copying the signed one (same group, same form version)."""
    return _reason_page(
        request,
        pk,
        title="发起更正",
        label="更正原因",
        button="生成更正版本",
        danger=False,
        call=lambda ev, reason, _row_version: services.evaluation_correct(
            actor=request.user, evaluation=ev.pk, reason=reason
        ),
        success="已生成更正版本;签署后将取代原评估",
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def evaluation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_page(
        request,
        pk,
        title="作废评估",
        label="作废原因",
        button="确认作废",
        danger=True,
        call=lambda ev, reason, row_version: services.evaluation_cancel(
            actor=request.user, evaluation=ev.pk, reason=reason, row_version=row_version
        ),
        success="评估已作废",
    )


# --------------------------------------------------------------------------------------------- documents


def _evaluation(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    """The filled form for whoever may read the evaluation (404 otherwise); 草稿 until signed. The PDF
    opens in the browser to be printed; the DOCX is a download to edit or archive."""
    ev = selectors.evaluation_get(request.user, pk)
    back = reverse("scorecards:evaluation_detail", args=[pk])
    return download(request, lambda: documents.render(ev, file_format), back, inline_pdf=True)


evaluation_docx, evaluation_pdf = document_views(_evaluation)


# --------------------------------------------------------------------------------------------- forms


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def form_list(request: HttpRequest) -> HttpResponse:
    """Loaded form versions; superusers and authority admins load a new version (YAML)."""
    services.form_versions_ensure_shipped()
    can_load = can_load_form(request.user)
    load_form = FormLoadForm(request.POST or None, request.FILES or None) if can_load else None
    lint_errors: list[str] = []
    if request.method == "POST":
        if not can_load:
            raise DjangoPermissionDenied("只有超级管理员或委派机构管理员可以载入评估表")
        if load_form.is_valid():
            try:
                row, created = services.form_version_load(
                    actor=request.user, definition=load_form.cleaned_data["definition"]
                )
            except domain.FormInvalid as exc:
                lint_errors = [str(e) for e in exc.errors]
                load_form.add_error(None, f"评估表定义有 {len(exc.errors)} 处错误,未载入")
            except ApplicationError as exc:
                raise_http(exc)
                place_errors(load_form, exc)
            else:
                messages.success(
                    request, f"已载入 {row}" if created else f"{row} 已载入过且内容相同,未做改动"
                )
                return redirect(
                    reverse("scorecards:form_detail", args=[row.form_id]) + f"?version={row.version}"
                )
    return render(
        request,
        "scorecards/form_list.html",
        {
            "versions": list(selectors.form_versions()),
            "load_form": load_form,
            "lint_errors": lint_errors,
        },
    )


@login_required
@require_GET
@application_errors_as_http
def form_detail(request: HttpRequest, form_id: str) -> HttpResponse:
    services.form_versions_ensure_shipped()
    version = request.GET.get("version")
    row = selectors.form_version_get(form_id, int(version) if version and version.isdigit() else None)
    return render(
        request,
        "scorecards/form_detail.html",
        {
            "row": row,
            "detail": presenters.form_detail(row),
            "versions": list(selectors.form_versions(form_id=form_id)),
        },
    )
