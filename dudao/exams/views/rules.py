"""申报条件规则 page: the occupations with their own loaded rules (everyone who keeps reference data reads
it); system administrators load a linted YAML or spreadsheet for an occupation."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dudao.accounts.permissions import can_manage_reference_data, is_authority_user, is_superuser
from dudao.common.errors import ApplicationError
from dudao.common.writes import require
from dudao.registry.models import Occupation
from dudao.web.kit import application_errors_as_http, list_page

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
