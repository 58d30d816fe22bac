"""Staff page forms of evaluation operations (the services validate; these only shape the input)."""

from __future__ import annotations

from typing import Any

from django import forms

from dudao.common.widgets import DATE, DATETIME

from .models import ExamPlan, ExamSession, QuestionSource, Registration


class PlanFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "公告标题"})
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ExamPlan.Status.choices])


class RegistrationFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "姓名或报名号"})
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *Registration.Status.choices]
    )
    level = forms.ChoiceField(
        label="等级", required=False, choices=[("", "全部")] + [(str(n), f"{n}级") for n in (5, 4, 3, 2, 1)]
    )
    precheck = forms.ChoiceField(
        label="系统预审", required=False, choices=[("", "全部"), ("met", "满足申报条件"), ("unmet", "未满足")]
    )


class PlanForm(forms.Form):
    """The notice; one fee field per level of the batch (`fee_<level>`)."""

    title = forms.CharField(label="公告标题", max_length=128)
    registration_opens_on = forms.DateField(label="报名开始日期", widget=DATE)
    registration_closes_on = forms.DateField(label="报名截止日期", widget=DATE)
    withdraw_deadline = forms.DateField(label="撤回截止日期", widget=DATE)
    fee_basis = forms.CharField(label="收费依据(收费标准文件)", max_length=255)
    eligibility_summary = forms.CharField(label="申报条件摘要", widget=forms.Textarea(attrs={"rows": 4}))
    contact_name = forms.CharField(label="联系人", max_length=64)
    contact_phone = forms.CharField(label="联系电话", max_length=32)
    question_source = forms.ChoiceField(label="题库来源", choices=QuestionSource.choices)
    compilation_note = forms.CharField(
        label="自建题库编制说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    expert_review_ref = forms.CharField(label="专家审定材料编号", required=False, max_length=128)

    def __init__(self, *args: Any, levels: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.levels = sorted(levels, reverse=True)
        for level in self.levels:
            self.fields[f"fee_{level}"] = forms.DecimalField(
                label=f"{level}级收费标准(元)", min_value=0, max_digits=7, decimal_places=2
            )

    def values(self) -> dict[str, Any]:
        fee_fields = {f"fee_{level}" for level in self.levels}
        data = {k: v for k, v in self.cleaned_data.items() if k not in fee_fields}
        data["fees"] = {str(level): str(self.cleaned_data[f"fee_{level}"]) for level in self.levels}
        return data

    @staticmethod
    def initial_of(plan: ExamPlan) -> dict[str, Any]:
        initial = {name: getattr(plan, name) for name in PlanForm.base_fields}
        initial.update({f"fee_{level}": amount for level, amount in plan.fees.items()})
        return initial


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核结论", choices=[("approve", "通过"), ("reject", "不通过")], widget=forms.RadioSelect
    )
    reason = forms.CharField(label="审核意见(不通过时必填,考生可见)", required=False, max_length=255)
    row_version = forms.IntegerField(widget=forms.HiddenInput)


class FeeForm(forms.Form):
    receipt_no = forms.CharField(label="收据号", max_length=40)
    row_version = forms.IntegerField(widget=forms.HiddenInput)


class SessionForm(forms.Form):
    subject = forms.ChoiceField(label="科目", choices=ExamSession.Subject.choices)
    level = forms.TypedChoiceField(label="等级", coerce=int, choices=[])
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])

    def __init__(self, *args: Any, levels: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(n, f"{n}级") for n in sorted(levels, reverse=True)]


class RoomForm(forms.Form):
    name = forms.CharField(label="考场名称", max_length=64)
    capacity = forms.IntegerField(label="座位数", min_value=1, max_value=1000)
    ratio = forms.IntegerField(
        label="考评员与考生配比 1:N(操作技能)", required=False, min_value=1, max_value=100
    )
    panel = forms.IntegerField(label="评审组人数(综合评审,奇数)", required=False, min_value=3, max_value=99)
