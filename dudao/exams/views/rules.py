"""申报条件规则 page: the occupations with their own loaded rules (everyone who keeps reference data reads
it); system administrators load a linted YAML or spreadsheet for an occupation."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.accounts.permissions import can_manage_reference_data, is_authority_user, is_superuser
from dudao.common.errors import ApplicationError
from dudao.common.writes import require
from dudao.registry.models import Occupation
from dudao.web.kit import application_errors_as_http, list_page, run_and_flash

from ..domain.eligibility import RULE_SHEET_COLUMNS
from ..models import EligibilityRuleSet
from ..services import eligibility_rules_load


class RulesUploadForm(forms.Form):
    occupation = forms.ModelChoiceField(
        label="职业",
        queryset=Occupation.objects.filter(is_active=True).order_by("code"),
        to_field_name="code",
    )
    file = forms.FileField(label="规则文件(.yaml 或 .xlsx)")


@login_required
@application_errors_as_http
def eligibility_rules(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(is_superuser(user) or is_authority_user(user) or can_manage_reference_data(user))
    may_load = bool(can_manage_reference_data(user))
    form = RulesUploadForm(request.POST or None, request.FILES or None) if may_load else None
    problems: list[str] = []
    if request.method == "POST":
        require(may_load)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                eligibility_rules_load(
                    actor=user,
                    occupation=form.cleaned_data["occupation"],
                    name=upload.name,
                    data=upload.read(),
                )
            except ApplicationError as exc:
                form.add_error(
                    "file", exc.message if not isinstance(exc.detail, dict) else "规则有误,见下方列表"
                )
                if isinstance(exc.detail, dict):
                    problems = [p for values in exc.detail.values() for p in values]
            else:
                from django.contrib import messages

                messages.success(request, "申报条件规则已导入,该职业此后的资格预审按新规则进行")
                return redirect("exams:eligibility_rules")
    qs = EligibilityRuleSet.objects.select_related("occupation", "loaded_by").order_by(
        "-is_active", "occupation__code", "-loaded_at"
    )
    return render(
        request,
        "exams/staff/eligibility_rules.html",
        {"page": list_page(request, qs), "form": form, "problems": problems, "columns": RULE_SHEET_COLUMNS},
    )


class QuestionPolicyForm(forms.Form):
    bank_only = forms.TypedChoiceField(
        label="题库政策",
        choices=[("1", "仅限使用省级题库"), ("0", "允许自建题库(须有编制说明和专家审定材料)")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="政策依据(文件名称、文号)", required=False, max_length=255)


@login_required
@application_errors_as_http
def question_policy(request: HttpRequest) -> HttpResponse:
    """INST-5: the authority's question-source policy; its admin sets it, its staff read it."""
    from dudao.accounts.permissions import is_authority_admin

    from ..models import QuestionSourcePolicy
    from ..services import question_policy_for, question_policy_set

    user = request.user
    require(is_authority_user(user))
    authority = user.authority
    own = QuestionSourcePolicy.objects.filter(authority=authority).first()
    effective = question_policy_for(authority)
    may_set = bool(is_authority_admin(user))
    initial = {
        "bank_only": "1" if (effective.bank_only if effective else False) else "0",
        "note": own.note if own else "",
    }
    form = QuestionPolicyForm(request.POST or None, initial=initial) if may_set else None
    if request.method == "POST":
        require(may_set)
        if form.is_valid():
            question_policy_set(
                actor=user,
                authority=authority,
                bank_only=form.cleaned_data["bank_only"],
                note=form.cleaned_data["note"],
            )
            from django.contrib import messages

            messages.success(request, "题库政策已保存,此后发布的认定公告按新政策核验")
            return redirect("exams:question_policy")
    from ..models import ResultsPolicy
    from ..services.result_confirmation import confirmation_required

    context = {
        "form": form,
        "authority": authority,
        "own": own,
        "effective": effective,
        "results_binding": confirmation_required(authority),
        "results_own": ResultsPolicy.objects.filter(authority=authority).first(),
    }
    return render(request, "exams/staff/question_policy.html", context)


@login_required
@require_POST
@application_errors_as_http
def results_policy(request: HttpRequest) -> HttpResponse:
    """Whether the authority's institutions publish results only after its confirmation (its admin)."""
    from ..services import results_policy_set

    require(is_authority_user(request.user))
    return run_and_flash(
        request,
        lambda: results_policy_set(
            actor=request.user,
            authority=request.user.authority,
            confirm_required=request.POST.get("confirm_required") == "1",
            note=request.POST.get("note", ""),
        ),
        "成绩确认政策已保存",
        reverse("exams:question_policy") + "#results-policy",
    )
