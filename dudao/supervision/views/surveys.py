"""Pages of the survey after a task (QUAL-4: staff page and the public phone page) and of the special
task's self-evaluation report (ACT-4)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dudao.accounts.forms import client_ip
from dudao.accounts.throttle import address_request
from dudao.common.errors import ApplicationError, PermissionDenied
from dudao.web.kit import application_errors_as_http, place_errors, raise_http, run_form

from .. import forms_survey as fs
from .. import selectors, selectors_survey, services, survey_rules
from ..models import SelfEvaluation, SupervisionTask, TaskKind
from ..permissions import can_answer_for_institution, can_manage_task, is_task_leader, is_task_member
from ..services.self_evaluation import REQUEST_STATUSES, REVIEW_STATUSES
from ..transitions import AFTER_REPORT

E = SelfEvaluation.Status
# Public answers and code look-ups per address and hour: a whole exam room behind one address must pass,
# a script guessing codes must not.
PUBLIC_ANSWERS_PER_HOUR = 300


def task_extras(user, task: SupervisionTask) -> dict[str, Any]:
    """Links of the task page to the survey and the self-evaluation (added to its context)."""
    survey = selectors_survey.survey_of(task)
    evaluation = selectors_survey.self_evaluation_of(task) if task.kind == TaskKind.SPECIAL else None
    manage = bool(can_manage_task(user, task))
    leader = bool(is_task_leader(user, task))
    return {
        "survey_link": survey is not None or (manage and task.status in AFTER_REPORT),
        "survey_opened": survey is not None,
        "self_evaluation": evaluation,
        "self_evaluation_link": evaluation is not None
        or (task.kind == TaskKind.SPECIAL and (manage or leader) and task.status in REQUEST_STATUSES),
    }


def preliminary_note(task: SupervisionTask) -> str:
    """What the preliminary opinion's page says about the self-evaluation report (ACT-4 step 2)."""
    row = selectors_survey.self_evaluation_of(task)
    if row is None:
        return ""
    if row.status == E.REQUESTED:
        due = row.due_on.isoformat()
        return f"已要求机构于 {due} 前提交自评报告,尚未收到:收到并审阅后才能形成初步督导意见。"
    if row.status == E.SUBMITTED:
        return "机构已提交自评报告,请先在“机构自评报告”页面结合现场督导发现审阅,再形成初步督导意见。"
    return f"自评报告审阅意见:{row.review_note}"


# ------------------------------------------------------------------------------------ staff survey
@never_cache  # the answer to opening shows the codes, once
@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_survey(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey of one task: aggregate (only from the minimum number of answers), opening, codes."""
    task = selectors.task_get(request.user, pk)
    manage = bool(can_manage_task(request.user, task))
    survey = selectors_survey.survey_of(task)
    form_class = fs.SurveyCodesForm if survey else fs.SurveyOpenForm
    form = form_class(request.POST or None)
    codes = None
    if request.method == "POST":
        if not manage:
            raise DjangoPermissionDenied("只有委派机构可以发起满意度调查")
        if form.is_valid():
            data = form.cleaned_data
            if survey is None:
                ok, result = run_form(
                    form,
                    lambda: services.survey_open(
                        actor=request.user,
                        task=task,
                        candidates=data["candidates"],
                        examiners=data["examiners"],
                        closes_on=data.get("closes_on"),
                    ),
                )
            else:
                ok, result = run_form(
                    form,
                    lambda: services.survey_issue_codes(
                        actor=request.user,
                        task=task,
                        candidates=data["candidates"],
                        examiners=data["examiners"],
                    ),
                )
            if ok:
                survey, codes = result
                form = fs.SurveyCodesForm()
    summary = selectors_survey.survey_summary(survey)
    return render(
        request,
        "supervision/task_survey.html",
        {
            "task": task,
            "summary": summary,
            "manage": manage,
            "can_open": manage and survey is None and task.status in AFTER_REPORT,
            "can_issue": manage and summary is not None and summary["open"],
            "form": form,
            "codes": codes,
            "public_url": request.build_absolute_uri(reverse("supervision:public_survey")),
            "scale": survey_rules.SCALE_LABELS,
        },
    )


# ----------------------------------------------------------------------------------- public survey
def _budget(request: HttpRequest) -> None:
    address_request(client_ip(request), "survey-answer", limit=PUBLIC_ANSWERS_PER_HOUR)


@never_cache
@require_http_methods(["GET", "POST"])
def public_survey(request: HttpRequest) -> HttpResponse:
    """The phone page of a respondent (no login): enter the code, answer 4 questions 1–5, comment."""
    raw = request.POST.get("code") or request.GET.get("code") or ""
    context: dict[str, Any] = {"scale": survey_rules.SCALE_LABELS}
    code_form = fs.SurveyCodeForm(initial={"code": raw})
    if not raw:
        return render(request, "supervision/public/survey.html", {**context, "code_form": code_form})
    _budget(request)
    try:
        survey, row = services.surveys.survey_for_code(raw)
    except ApplicationError as exc:
        code_form = fs.SurveyCodeForm({"code": raw})
        code_form.is_valid()
        place_errors(code_form, exc)
        return render(request, "supervision/public/survey.html", {**context, "code_form": code_form})
    context.update(
        {
            "survey": survey,
            "task": survey.task,
            "role_label": survey_rules.ROLES[row.role],
            "closed": not services.surveys.is_open(survey),
            "used": row.used,
        }
    )
    if request.method == "POST" and "answer" in request.POST:
        form = fs.SurveyAnswerForm(request.POST)
        if form.is_valid():
            try:
                services.survey_answer(
                    code=raw, scores=form.scores(), comment=form.cleaned_data.get("comment", "")
                )
            except ApplicationError as exc:
                raise_http(exc)
                place_errors(form, exc)
            else:
                return render(request, "supervision/public/survey_done.html", context)
    else:
        form = fs.SurveyAnswerForm(initial={"code": raw})
    return render(request, "supervision/public/survey.html", {**context, "form": form})


# ------------------------------------------------------------------------------- self-evaluation
def _self_evaluation_context(request: HttpRequest, task: SupervisionTask, forms: dict[str, Any]) -> dict:
    user = request.user
    row = selectors_survey.self_evaluation_of(task)
    manage = bool(can_manage_task(user, task))
    leader = bool(is_task_leader(user, task))
    institution = bool(can_answer_for_institution(user, task))
    return {
        "task": task,
        "row": row,
        "files": list(row.files.all()) if row else [],
        "findings": selectors.task_findings(task) if (leader or manage or is_task_member(user, task)) else [],
        "can_request": row is None
        and task.kind == TaskKind.SPECIAL
        and (manage or leader)
        and task.status in REQUEST_STATUSES,
        "can_upload": row is not None and row.status == E.REQUESTED and institution,
        "can_review": row is not None
        and row.status == E.SUBMITTED
        and leader
        and task.status in REVIEW_STATUSES,
        "request_form": forms.get("request") or fs.SelfEvaluationRequestForm(),
        "upload_form": forms.get("upload") or fs.SelfEvaluationUploadForm(),
        "review_form": forms.get("review") or fs.SelfEvaluationReviewForm(),
        "submit_error": forms.get("submit_error"),
    }


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_self_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    """Request (group), upload and submit (institution), review with the findings (leader)."""
    task = selectors.task_get(request.user, pk)
    if task.kind != TaskKind.SPECIAL:
        raise DjangoPermissionDenied("只有专项督导有自评报告")
    forms: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        user = request.user
        if action == "request":
            form = forms["request"] = fs.SelfEvaluationRequestForm(request.POST)
            call = lambda d: services.self_evaluation_request(  # noqa: E731
                actor=user, task=task, due_on=d["due_on"], note=d["note"]
            )
            done = "已要求机构提交自评报告"
        elif action == "upload":
            form = forms["upload"] = fs.SelfEvaluationUploadForm(request.POST, request.FILES)
            call = lambda d: services.self_evaluation_upload(actor=user, task=task, file=d["file"])  # noqa: E731
            done = "文件已上传"
        elif action == "review":
            form = forms["review"] = fs.SelfEvaluationReviewForm(request.POST)
            call = lambda d: services.self_evaluation_review(actor=user, task=task, note=d["note"])  # noqa: E731
            done = "已审阅自评报告,可以形成初步督导意见"
        elif action == "submit":
            done = "自评报告已提交"
            try:
                services.self_evaluation_submit(actor=user, task=task)
            except ApplicationError as exc:
                raise_http(exc)
                forms["submit_error"] = exc.message
            else:
                messages.success(request, done)
                return redirect("supervision:task_self_evaluation", pk)
            form = None
        else:
            form = None
        if form is not None and form.is_valid():
            ok, _ = run_form(form, lambda: call(form.cleaned_data))
            if ok:
                messages.success(request, done)
                return redirect("supervision:task_self_evaluation", pk)
    return render(
        request, "supervision/task_self_evaluation.html", _self_evaluation_context(request, task, forms)
    )


@login_required
@require_GET
@application_errors_as_http
def self_evaluation_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """A file of the report, for the group, the managing authority and the institution only."""
    row = selectors_survey.self_evaluation_file(request.user, pk, file_id)
    may_open_self_evaluation(request.user, row.self_evaluation.task)
    return row.serve(inline=False)


def may_open_self_evaluation(user, task: SupervisionTask) -> None:
    """The group, the managing authority and the institution may open the report's files (else 403)."""
    if not (
        is_task_member(user, task) or can_manage_task(user, task) or can_answer_for_institution(user, task)
    ):
        raise PermissionDenied("没有查看自评报告的权限")
