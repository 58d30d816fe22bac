"""Renewal pages: the institution applies and follows its applications; the authority works its queue.

Reads go through selectors (out of scope → 404), writes through services; a service error is shown on the
page (the renewal form keeps the user's input and the chosen files).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.common.errors import ApplicationError
from dudao.documents.responses import document_response
from dudao.registry.models import Filing
from dudao.scorecards.models import Evaluation
from dudao.web.kit import application_errors_as_http, list_page, raise_http, run_and_flash
from dudao.workdays import selectors as workdays_selectors

from . import documents, domain, drafts, pending_files, selectors, services
from . import forms as f
from .list_query import filtered_applications
from .models import RenewalApplication, RenewalAttachment
from .permissions import (
    can_apply,
    can_configure,
    can_decide,
    can_evaluate,
    can_use_renewals,
    can_withdraw,
)

S = RenewalApplication.Status
STATUS_COLORS = {
    "submitted": "blue",
    "under_review": "azure",
    "evaluating": "indigo",
    "rectifying": "yellow",
    "re_evaluating": "orange",
    "bureau_review": "purple",
    "renewed": "green",
    "refused": "red",
    "not_accepted": "secondary",
    "withdrawn": "secondary",
}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------------------
# Lists


@login_required
@application_errors_as_http
def application_list(request: HttpRequest) -> HttpResponse:
    """Authority: the queue with decide_by and 剩余/已逾期 badges; institution: its applications."""
    if not can_use_renewals(request.user):
        raise DjangoPermissionDenied("没有访问延续备案的权限")
    form, qs = filtered_applications(request)
    page = list_page(request, qs)
    today = timezone.localdate()
    calendar = workdays_selectors.calendar()
    for app in page.items:
        app.deadline_info = selectors.deadline_label(app, today, calendar)
        app.status_color = STATUS_COLORS.get(app.status, "secondary")
    user = request.user
    context = {
        "filters": form,
        "page": page,
        "is_institution": bool(getattr(user, "institution_id", None)) and not user.is_superuser,
        "can_apply": user.is_superuser
        or user.role in ("institution_admin", "authority_admin", "authority_staff"),
        "can_configure": bool(getattr(user, "authority_id", None)) and can_configure(user, user.authority),
    }
    return render(request, "renewals/application_list.html", context)


@login_required
@application_errors_as_http
def apply_pick(request: HttpRequest) -> HttpResponse:
    """Choose the filing to renew; each filing says whether (and why not) it can be renewed today."""
    today = timezone.localdate()
    filings = list(selectors.filings_for_apply(request.user))
    open_apps = set(
        RenewalApplication.objects.filter(filing__in=filings)
        .exclude(status__in=RenewalApplication.FINAL_STATUSES)
        .values_list("filing_id", flat=True)
    )
    rows = []
    for filing in filings:
        reason = ""
        if filing.status in ("suspended", "rectifying"):
            reason = f"备案处于「{filing.get_status_display()}」状态,待恢复工作后方可申请"
        elif filing.status in ("expired", "terminated"):
            reason = f"备案{filing.get_status_display()}"
        elif filing.pk in open_apps:
            reason = "已有正在办理的延续备案申请"
        else:
            path = domain.application_path_after_suspension(
                filing.valid_until, today, selectors.filing_resumed_on(filing)
            )
            if path is not domain.RenewalPath.RENEWAL:
                reason = domain.PATH_LABELS[path]
        days = (filing.valid_until - today).days
        rows.append(
            {
                "filing": filing,
                "reason": reason,
                "can_apply": not reason and can_apply(request.user, filing),
                "days_left": days,
                "last_on_time": filing.valid_until - dt.timedelta(days=domain.MIN_NOTICE_DAYS),
            }
        )
    return render(request, "renewals/apply_pick.html", {"rows": rows, "today": today})


@login_required
@application_errors_as_http
def apply(request: HttpRequest, filing_pk: int) -> HttpResponse:
    """The renewal form (seed 004 attachment 2) and attachments; the scope table comes from the filing.

    Issue 9 §3.6: chosen files are kept across an error (pending_files), every error is listed at the top
    with a link to its field, and 保存草稿 keeps an unfinished form (drafts) to come back to.
    """
    filing = _filing_for_apply(request, filing_pk)
    if not can_apply(request.user, filing):
        raise DjangoPermissionDenied("只有该评价机构的管理员可以提出延续备案申请")
    scope = selectors.original_scope(filing)
    errors: dict[str, list[str]] = {}
    post = None
    kept: dict[str, list[dict]] = {}
    draft = drafts.draft_get(request.user, filing)
    kinds = [kind.value for kind, _ in f.ATTACHMENT_FIELDS]
    if request.method == "POST":
        post = request.POST
        action = post.get("action", "submit")
        if action == "discard":
            drafts.renewal_draft_discard(actor=request.user, filing=filing)
            messages.success(request, "草稿已删除")
            return redirect("renewals:apply", filing_pk=filing.pk)
        attachments, kept, errors = pending_files.collect(request.user, post, request.FILES, kinds)
        if action == "draft":
            tokens = {kind: [item["token"] for item in items] for kind, items in kept.items()}
            drafts.renewal_draft_save(
                actor=request.user, filing=filing, fields=f.posted_fields(post), files=tokens
            )
            messages.success(request, "草稿已保存。下次打开本页会接着填写;提交申请前,备案机关看不到草稿。")
            for found in errors.values():  # a refused upload is not kept: say so
                for message in found:
                    messages.warning(request, f"以下文件未保存:{message}")
            return redirect("renewals:apply", filing_pk=filing.pk)
        materials, indexes = f.materials_from_post(post)
        try:
            if errors:  # a refused upload: still check the form, so that every error is listed at once
                domain.validate_materials(materials)
                raise ApplicationError("申报表有需要修改的地方")
            app = services.renewal_apply(
                actor=request.user,
                filing=filing.pk,
                materials=materials,
                attachments=attachments,
                received_on=post.get("received_on") or None,
            )
        except ApplicationError as exc:
            raise_http(exc)
            for name, found in f.form_errors(exc.detail, indexes).items():
                errors.setdefault(name, []).extend(found)
            if not errors:
                errors["__all__"] = [exc.message]
        else:
            if draft is not None:
                drafts.renewal_draft_discard(actor=request.user, filing=filing)
            messages.success(
                request,
                f"延续备案申请已提交,办结期限 {app.decide_by:%Y-%m-%d}"
                f"(收到材料后 {app.decision_workdays} 个工作日内)",
            )
            return redirect("renewals:application_detail", pk=app.pk)
    elif draft is not None:
        content = drafts.draft_content(draft)
        post = f.post_from_fields(content.get("fields") or {})
        tokens = f.post_from_fields(
            {pending_files.field_name(k): v for k, v in (content.get("files") or {}).items()}
        )
        _, kept, _ = pending_files.collect(request.user, tokens, _NoFiles(), kinds)
    today = timezone.localdate()
    preview = domain.plan(
        filing.institution.kind, False, filing.valid_until, today, workdays_selectors.calendar()
    )
    sheet = f.build_sheet(filing=filing, scope=scope, post=post, errors=errors)
    attachment_fields = [
        {
            "name": kind.value,
            "label": kind.label,
            "help": help_text,
            "errors": errors.get(kind.value, []),
            "kept": kept.get(kind.value, []),
            "pending_name": pending_files.field_name(kind.value),
        }
        for kind, help_text in f.ATTACHMENT_FIELDS
    ]
    context = {
        "filing": filing,
        "sheet": sheet,
        "attachment_fields": [a for a in attachment_fields if a["name"] != "legal_certificate"],
        # 七、法人单位资格证书: the seed form's own section, between 六 and 八.
        "legal_certificate": next(a for a in attachment_fields if a["name"] == "legal_certificate"),
        "preview": preview,
        "preview_path_label": domain.PATH_LABELS[preview.path],
        "kind_label": domain.KIND_LABELS[domain.InstitutionKind(filing.institution.kind)],
        "commitment_text": domain.COMMITMENT_TEXT,
        "records_paper": bool(getattr(request.user, "authority_id", None)),
        "level_labels": domain.LEVEL_LABELS,
        "has_errors": bool(errors),
        "error_summary": f.error_summary(sheet, attachment_fields, errors),
        "draft": draft,
        "forecast": selectors.scope_forecast(filing, today=today),  # REN-5 early (issue 9 §3.2)
    }
    return render(request, "renewals/apply.html", context)


class _NoFiles:
    def getlist(self, key: str) -> list:
        return []


def _filing_for_apply(request: HttpRequest, pk: int) -> Filing:
    try:
        return selectors.filings_for_apply(request.user).select_related("institution").get(pk=pk)
    except (Filing.DoesNotExist, ValueError):
        raise Http404("备案不存在或无权查看") from None


# ---------------------------------------------------------------------------------------------------------
# Detail and actions


def _evaluation_info(evaluation: Evaluation | None) -> dict[str, Any] | None:
    if evaluation is None:
        return None
    try:
        effective = services.effective_evaluation(evaluation)
        pending_correction = False
    except ApplicationError:
        effective, pending_correction = evaluation, True
    band_labels = {b.id: b.label_zh for b in effective.form_version.form.bands}
    return {
        "evaluation": effective,
        "original": evaluation,
        "band_label": band_labels.get(effective.band, ""),
        "pending_correction": pending_correction,
        "signed": effective.status == Evaluation.Status.SIGNED,
    }


@login_required
@application_errors_as_http
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_get(request.user, pk)
    user = request.user
    decider = can_decide(user, app)
    deciding = decider and app.is_open
    evaluator = can_evaluate(user, app) and app.is_open
    evaluation_info = _evaluation_info(app.current_evaluation)
    predicted = None
    if evaluation_info and evaluation_info["signed"] and app.status in (S.EVALUATING, S.RE_EVALUATING):
        try:
            predicted = domain.outcome_for(
                evaluation_info["evaluation"].band, re_evaluation=app.status == S.RE_EVALUATING
            )
        except ApplicationError:
            predicted = None
    attachments = selectors.attachments(app)
    context = {
        "app": app,
        "status_color": STATUS_COLORS.get(app.status, "secondary"),
        "deadline": selectors.deadline_label(app),
        "timeline": selectors.timeline(app),
        "attachments": attachments,
        "sections": _materials_view(app),
        "decider": decider,
        "can_accept": deciding and app.status == S.SUBMITTED,
        "can_review": deciding and app.status == S.UNDER_REVIEW and app.is_employer,
        "can_open_evaluation": evaluator
        and not app.is_employer
        and (
            app.status in (S.UNDER_REVIEW, S.RECTIFYING)
            or (
                app.status in (S.EVALUATING, S.RE_EVALUATING)
                and app.current_evaluation is not None
                and app.current_evaluation.status == Evaluation.Status.CANCELLED
            )
        ),
        "can_record_outcome": evaluator and predicted is not None,
        "can_bureau_review": deciding and app.status == S.BUREAU_REVIEW,
        "centre_outcome_label": domain.OUTCOME_LABELS.get(domain.Outcome(app.centre_outcome))
        if app.centre_outcome
        else "",
        "bureau_form": f.BureauReviewForm(initial={"row_version": app.row_version}),
        "terminations": list(app.terminations.order_by("-notified_at")),
        "can_start_termination": deciding
        and app.status == S.RECTIFYING
        and domain.renewal_rectification_missed(app.rectification_deadline, timezone.localdate())
        and not app.terminations.filter(status__in=("notified", "statement_submitted")).exists(),
        "termination_form": f.TerminationNoticeForm(
            initial={
                "row_version": app.row_version,
                "notice": f"你单位延续备案整改期限已于 {app.rectification_deadline:%Y-%m-%d} 届满,"
                "未完成整改。"
                if app.rectification_deadline
                else "",
            }
        ),
        "can_withdraw": can_withdraw(user, app) and app.status == S.SUBMITTED,
        "evaluation_info": evaluation_info,
        "first_evaluation_info": _evaluation_info(app.evaluation) if app.re_evaluation_id else None,
        "predicted": predicted,
        "predicted_label": domain.OUTCOME_LABELS.get(predicted) if predicted else "",
        "version_form": f.VersionForm(initial={"row_version": app.row_version}),
        "reason_form": f.ReasonForm(initial={"row_version": app.row_version}),
        "outcome_form": f.OptionalReasonForm(initial={"row_version": app.row_version}),
        "review_form": f.ReviewForm(initial={"row_version": app.row_version}),
        "evaluation_form": f.EvaluationForm(
            initial={"row_version": app.row_version, "leader": str(user.pk)},
            candidates=selectors.evaluator_candidates(app) if evaluator else (),
        ),
        "kept_scope": [c for c in app.scope_changes if c["action"] != domain.ScopeAction.DROP],
        "dropped_scope": [
            {**c, "reason_label": domain.DROP_REASON_LABELS[domain.DropReason(c["reason"])]}
            for c in app.scope_changes
            if c["action"] == domain.ScopeAction.DROP
        ],
        "level_labels": domain.LEVEL_LABELS,
        # REN-5 early (issue 9 §3.2): what the renewal would drop, shown until the outcome is recorded.
        "forecast": selectors.application_forecast(app) if app.is_open else None,
    }
    return render(request, "renewals/detail.html", context)


def _materials_view(app: RenewalApplication) -> list[dict[str, Any]]:
    """The stored renewal form, section by section, for reading (ID numbers and phones masked)."""
    result = []
    for section in domain.FORM_SECTIONS:
        data = app.materials.get(section.key)
        columns = [
            (
                f"{s.key}_masked"
                if section.key in domain.PERSONAL_SECTIONS and s.key in domain.PERSONAL_KEYS
                else s.key,
                s,
            )
            for s in section.fields
        ]
        if section.table:
            rows = [[_display(row.get(key), spec) for key, spec in columns] for row in data or []]
            result.append({"spec": section, "headers": [s.label for _, s in columns], "rows": rows})
        else:
            data = data or {}
            pairs = [(spec.label, _display(data.get(key), spec)) for key, spec in columns]
            result.append({"spec": section, "pairs": pairs})
    return result


def _display(value: Any, spec: domain.FieldSpec) -> str:
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind == "levels":
        return "、".join(domain.LEVEL_LABELS.get(int(v), str(v)) for v in value or [])
    if spec.kind == "choice":
        return dict(spec.choices).get(str(value or ""), str(value or ""))
    return "" if value in (None, "") else str(value)


def _act(request: HttpRequest, pk: int, call, success: str, form_class=f.VersionForm) -> HttpResponse:
    """Run one service action from a POSTed form; errors become messages, 404/403 stay HTTP errors."""
    form = form_class(request.POST)
    if not form.is_valid():
        first = next((e for errs in form.errors.values() for e in errs), "提交的数据有误")
        messages.error(request, first)
        return redirect("renewals:application_detail", pk=pk)
    back = reverse("renewals:application_detail", kwargs={"pk": pk})
    return run_and_flash(request, lambda: call(form.cleaned_data), success, back)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: services.renewal_accept(actor=request.user, application=pk, row_version=d["row_version"]),
        "已受理",
    )


@login_required
@require_POST
def not_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: services.renewal_not_accept(
            actor=request.user, application=pk, reason=d["reason"], row_version=d["row_version"]
        ),
        "已决定不予受理",
        f.ReasonForm,
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: services.renewal_withdraw(
            actor=request.user, application=pk, reason=d["reason"], row_version=d["row_version"]
        ),
        "申请已撤回",
        f.OptionalReasonForm,
    )


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: services.renewal_employer_decide(
            actor=request.user,
            application=pk,
            approve=d["approve"],
            opinion=d["opinion"],
            row_version=d["row_version"],
        ),
        "审核决定已记录",
        f.ReviewForm,
    )


@login_required
@require_POST
@application_errors_as_http
def open_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_get(request.user, pk)
    form = f.EvaluationForm(request.POST, candidates=selectors.evaluator_candidates(app))
    if not form.is_valid():
        messages.error(request, next((e for errs in form.errors.values() for e in errs), "请选择评估组"))
        return redirect("renewals:application_detail", pk=pk)
    return run_and_flash(
        request,
        lambda: services.renewal_open_evaluation(
            actor=request.user,
            application=pk,
            leader=form.cleaned_data["leader"],
            members=form.cleaned_data["members"],
            row_version=form.cleaned_data["row_version"],
        ),
        "已发起延续备案评估,评估组可在评估页面逐项填写",
        reverse("renewals:application_detail", kwargs={"pk": pk}),
    )


@login_required
@require_POST
def record_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: services.renewal_record_outcome(
            actor=request.user, application=pk, reason=d["reason"], row_version=d["row_version"]
        ),
        "评估结果已记录",
        f.OptionalReasonForm,
    )


@login_required
@require_POST
def bureau_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: services.renewal_bureau_review(
            actor=request.user,
            application=pk,
            approve=d["approve"],
            opinion=d["opinion"],
            row_version=d["row_version"],
        ),
        "审核结果已记录",
        f.BureauReviewForm,
    )


@login_required
@require_POST
@application_errors_as_http
def start_termination(request: HttpRequest, pk: int) -> HttpResponse:
    form = f.TerminationNoticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, next((e for errs in form.errors.values() for e in errs), "请填写告知内容"))
        return redirect("renewals:application_detail", pk=pk)
    try:
        row = services.renewal_start_termination(
            actor=request.user,
            application=pk,
            notice=form.cleaned_data["notice"],
            row_version=form.cleaned_data["row_version"],
        )
    except ApplicationError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
        return redirect("renewals:application_detail", pk=pk)
    messages.success(request, "已向机构送达拟终止备案告知,陈述申辩期满或机构陈述申辩后作出决定")
    return redirect(f"/supervision/terminations/{row.pk}/")


@login_required
@application_errors_as_http
def download_document(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    if kind not in documents.KINDS or fmt not in ("docx", "pdf"):
        raise Http404("文书不存在")
    app = selectors.application_get(request.user, pk)
    try:
        data, filename = documents.render(app, kind, fmt)
    except ApplicationError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
        return redirect("renewals:application_detail", pk=pk)
    return document_response(data, filename=filename)


@login_required
@application_errors_as_http
def download_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    row: RenewalAttachment = selectors.attachment_get(request.user, pk, attachment_id)
    return row.serve()


# ---------------------------------------------------------------------------------------------------------
# Settings


@login_required
@application_errors_as_http
def config(request: HttpRequest) -> HttpResponse:
    """An authority admin's renewal settings (years of a renewed period, document-number prefixes)."""
    authority = getattr(request.user, "authority", None)
    if authority is None or not can_configure(request.user, authority):
        raise DjangoPermissionDenied("只有委派机构管理员可以修改延续备案设置")
    current = selectors.config_for(authority)
    from dudao.registry.models import Authority

    # Two-step renewal: a centre of the same region or above (seed 004: the city centre evaluates).
    region = authority.region_id or ""
    centres = Authority.objects.filter(
        is_active=True, region_id__in={region, region[:4] + "00", region[:2] + "0000"}
    ).exclude(pk=authority.pk)
    form = f.ConfigForm(
        request.POST or None,
        initial={
            "renewal_years": current.renewal_years,
            "receipt_prefix": current.receipt_prefix,
            "notice_prefix": current.notice_prefix,
            "filing_prefix": current.filing_prefix,
            "evaluation_centre": str(current.evaluation_centre_id or ""),
        },
        centres=centres.order_by("code"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.renewal_config_save(
                actor=request.user,
                authority=authority,
                row_version=_int(request.POST.get("row_version")),
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            raise_http(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, "延续备案设置已保存")
            return redirect("renewals:config")
    return render(request, "renewals/config.html", {"form": form, "config": current, "authority": authority})
