"""Public exams pages, no login (INST-6, ADR 0004): notices open for registration, the phone-first
registration form with its pre-check (EXAM-15), and a candidate's own registration by 报名号 + 身份证号
(always POSTed, never in a URL) with the withdrawal before the published deadline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dudao.common.errors import ApplicationError, Conflict
from dudao.web.kit import application_errors_as_http, list_page, place_errors, raise_http

from .. import public_limits, selectors, services
from ..domain import publication as publication_rules
from ..domain import rules
from ..domain.eligibility import LEVEL_NAMES
from ..domain.results import SUBJECT_NAMES
from ..forms_public import NoticeFilterForm, OwnRegistrationForm, RegistrationForm, RetakeForm
from ..models import Certificate, ExamPlan, Registration, Seat
from ..selectors_certificates import publicity_list

SESSION_KEY = "exams_registered"  # the pk of the registration this browser just submitted
# Service detail keys → form fields (an upload refusal names the file in its message).
REGISTRATION_FIELDS = {"certificates": "cert1_level", "file": "photo", "files": "certificate_file"}
WITHDRAWABLE = (
    Registration.Status.SUBMITTED,
    Registration.Status.INSTITUTION_APPROVED,
    Registration.Status.APPROVED,
)


def window_open(plan: ExamPlan, today=None) -> bool:
    """Online registration is possible: published and inside the window (INST-6)."""
    today = today or timezone.localdate()
    return plan.status == ExamPlan.Status.PUBLISHED and rules.registration_open(
        plan.registration_opens_on, plan.registration_closes_on, today
    )


def fee_rows(plan: ExamPlan) -> list[dict[str, Any]]:
    """Fees per level of the batch, highest level number (五级) first."""
    rows = []
    for level in sorted(plan.batch.levels, reverse=True):
        amount = plan.fees.get(str(level))
        rows.append(
            {
                "level": LEVEL_NAMES.get(level, f"{level}级"),
                "amount": Decimal(str(amount)).quantize(Decimal("0.01")) if amount is not None else None,
            }
        )
    return rows


def precheck_view(precheck: dict[str, Any] | None) -> dict[str, Any]:
    """The stored pre-check in words: routes are numbered 申报条件(1), (2)… as in the standard's text."""
    precheck = precheck or {}
    routes = []
    met_label = ""
    for index, route in enumerate(precheck.get("routes") or [], start=1):
        label = f"申报条件({index})"
        routes.append({"label": label, "met": bool(route.get("met")), "missing": route.get("missing") or []})
        if route.get("route") == precheck.get("route") and route.get("met") and not met_label:
            met_label = label
    return {"eligible": bool(precheck.get("eligible")), "met_label": met_label, "routes": routes}


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    """认定公告: published plans whose registration has not closed, by region, occupation and keyword."""
    filters = NoticeFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.public_plans(
        region=values.get("region") or "",
        occupation=(values.get("occupation") or "").strip(),
        q=(values.get("q") or "").strip(),
    )
    page = list_page(request, qs)
    today = timezone.localdate()
    rows = [{"plan": plan, "open": window_open(plan, today)} for plan in page.items]
    return render(request, "exams/public/notice_list.html", {"filters": filters, "page": page, "rows": rows})


@require_GET
@application_errors_as_http
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.public_plan_get(pk)
    sessions = list(plan.sessions.order_by("starts_at", "id"))
    return render(
        request,
        "exams/public/notice_detail.html",
        {
            "plan": plan,
            "open": window_open(plan),
            "fees": fee_rows(plan),
            "sessions": sessions,
            "publication": getattr(plan, "publication", None),
        },
    )


@application_errors_as_http
def publicity(request: HttpRequest, pk: int) -> HttpResponse:
    """EXAM-9: the 公示 list of a plan's passed candidates, masked, while the window runs."""
    publication, rows = publicity_list(pk)
    live = publication_rules.publicity_live(publication.publicity_ends_on, timezone.localdate())
    context = {
        "publication": publication,
        "plan": publication.plan,
        "live": live,
        "levels": LEVEL_NAMES,
        "provisional": services.windows_provisional(publication),
    }
    return render(request, "exams/public/publicity.html", {**context, "page": list_page(request, rows)})


@require_http_methods(["GET", "POST"])
@application_errors_as_http
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """网上报名 (phone first). A refusal keeps every typed value; only the chosen files must be picked
    again (browsers never refill a file input)."""
    plan = selectors.public_plan_get(pk)
    is_open = window_open(plan)
    if request.method == "POST":
        public_limits.registration(request)
        form = RegistrationForm(request.POST, request.FILES, plan=plan)
        if form.is_valid():
            try:
                registration = services.registration_submit(
                    actor=None,
                    plan=plan,
                    name=form.cleaned_data["name"],
                    id_number=form.cleaned_data["id_number"],
                    phone=form.cleaned_data["phone"],
                    values=form.values(),
                    photo=form.cleaned_data.get("photo"),
                    files=form.papers(),
                )
            except ApplicationError as exc:
                raise_http(exc)
                place_errors(form, exc, REGISTRATION_FIELDS)
                if isinstance(exc, Conflict):
                    form.add_error(None, exc.message)
            else:
                request.session[SESSION_KEY] = registration.pk
                return redirect("exams:register_done", pk=plan.pk)
    else:
        form = RegistrationForm(plan=plan)
    return render(
        request,
        "exams/public/register.html",
        {"plan": plan, "open": is_open, "form": form, "refill_files": request.method == "POST"},
    )


@require_http_methods(["GET", "POST"])
@application_errors_as_http
def retake(request: HttpRequest, pk: int) -> HttpResponse:
    """补考报名 (EXAM-11): a candidate who failed one subject of an earlier batch of this occupation and
    level registers for that subject with his original 报名号 and ID number."""
    plan = selectors.public_plan_get(pk)
    is_open = window_open(plan)
    if request.method == "POST":
        public_limits.registration(request)
        form = RetakeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                registration = services.registration_retake(
                    actor=None,
                    plan=plan,
                    original_number=form.cleaned_data["original_number"],
                    id_number=form.cleaned_data["id_number"],
                    phone=form.cleaned_data["phone"],
                    photo=form.cleaned_data.get("photo"),
                )
            except ApplicationError as exc:
                raise_http(exc)
                place_errors(form, exc, {"file": "photo"})
                if isinstance(exc, Conflict):
                    form.add_error(None, exc.message)
            else:
                request.session[SESSION_KEY] = registration.pk
                return redirect("exams:register_done", pk=plan.pk)
    else:
        form = RetakeForm()
    return render(request, "exams/public/retake.html", {"plan": plan, "open": is_open, "form": form})


@require_GET
@application_errors_as_http
def register_done(request: HttpRequest, pk: int) -> HttpResponse:
    """报名成功: the 报名号 (only for the browser that submitted it) and the pre-check."""
    plan = selectors.public_plan_get(pk)
    registration = (
        Registration.objects.filter(pk=request.session.get(SESSION_KEY) or 0, plan=plan)
        .select_related("person")
        .first()
    )
    if registration is None:
        return redirect("exams:notice_detail", pk=plan.pk)
    return render(
        request,
        "exams/public/register_done.html",
        {
            "plan": plan,
            "registration": registration,
            "level": LEVEL_NAMES.get(registration.level, ""),
            "precheck": precheck_view(registration.precheck),
            "retake_subject": SUBJECT_NAMES.get(registration.retake_subject, ""),
        },
    )


def _own_context(registration: Registration, today=None) -> dict[str, Any]:
    today = today or timezone.localdate()
    plan = registration.plan
    seats = list(
        Seat.objects.filter(registration=registration)
        .select_related("room", "session")
        .order_by("session__starts_at", "id")
    )
    return {
        "registration": registration,
        "plan": plan,
        "level": LEVEL_NAMES.get(registration.level, ""),
        "precheck": precheck_view(registration.precheck),
        "seats": seats,
        "may_withdraw": registration.status in WITHDRAWABLE
        and rules.may_withdraw(plan.withdraw_deadline, today),
        "deadline_passed": not rules.may_withdraw(plan.withdraw_deadline, today),
        **_result_context(registration, today),
    }


def _result_context(registration: Registration, today) -> dict[str, Any]:
    """The published result (EXAM-9: nothing before publication), the objections filed and whether one may
    still be filed (EXAM-17), and the certificate once issued."""
    result = services.published_result(registration)
    if result is None:
        return {"result": None}
    publication = registration.plan.publication
    objections = list(registration.objections.all())
    asked = {o.subject for o in objections}
    subjects = [
        {**s, "label": SUBJECT_NAMES.get(s["subject"], s["subject"]), "objected": s["subject"] in asked}
        for s in result.judged["subjects"]
    ]
    return {
        "result": result,
        "result_subjects": subjects,
        "objections": objections,
        "objection_open": publication_rules.objection_open(publication.objections_close_on, today)
        and any(not s["objected"] for s in subjects),
        "objections_close_on": publication.objections_close_on,
        "certificate": Certificate.objects.filter(registration=registration).first(),
    }


@require_http_methods(["GET", "POST"])
@application_errors_as_http
def my_registration(request: HttpRequest) -> HttpResponse:
    """A candidate's own registration: 报名号 + 身份证号 in the POST body; a wrong pair gets one neutral
    message (which of the two is wrong is not told). `action=withdraw` withdraws before the deadline."""
    by_token = request.method == "POST" and "token" in request.POST
    form = OwnRegistrationForm(None if by_token else request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST":
        public_limits.lookup(request)
    found = None
    if by_token:
        # the page's own forms carry a signed, short-lived token, never the ID number (ADR 0004)
        found = services.registration_from_token(request.POST.get("token"))
        if found is None:
            messages.error(request, "页面已过期,请重新输入报名号和身份证号")
    elif request.method == "POST" and form.is_valid():
        found = services.find_own_registration(form.cleaned_data["number"], form.cleaned_data["id_number"])
        if found is None:
            form.add_error(None, "报名号与身份证号不匹配,请核对后重新输入")
    if found is not None:
        if request.POST.get("action") == "objection":
            try:
                services.objection_file(
                    registration=found, subject=request.POST.get("subject"), reason=request.POST.get("reason")
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "复核申请已提交,评价机构将在规定时间内答复")
        elif request.POST.get("action") == "withdraw":
            try:
                found = services.registration_withdraw(
                    actor=None, registration=found, row_version=found.row_version, by_candidate=True
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "报名已撤回")
        context.update(_own_context(found))
        # the look-up form is shown empty again: the page never carries the full ID number (ADR 0004)
        context["form"] = OwnRegistrationForm()
        context["token"] = services.own_registration_token(found)
    return render(request, "exams/public/my_registration.html", context)
