"""Page forms of the survey (QUAL-4) and the self-evaluation report (ACT-4)."""

from __future__ import annotations

from typing import Any

from django import forms

from dudao.common.widgets import DATE

from . import survey_rules
from .forms import Form

SCORE_CHOICES = [(str(n), f"{n}") for n in survey_rules.SCALE]


class SurveyOpenForm(Form):
    candidates = forms.IntegerField(
        label="考生评价码数量", min_value=0, max_value=survey_rules.MAX_CODES, initial=0
    )
    examiners = forms.IntegerField(
        label="考评人员评价码数量", min_value=0, max_value=survey_rules.MAX_CODES, initial=0
    )
    closes_on = forms.DateField(
        label="截止日期",
        required=False,
        widget=DATE,
        help_text=f"不填则为发起后第 {survey_rules.CLOSE_WORKDAYS} 个工作日",
    )


class SurveyCodesForm(Form):
    candidates = forms.IntegerField(
        label="考生评价码数量", min_value=0, max_value=survey_rules.MAX_CODES, initial=0
    )
    examiners = forms.IntegerField(
        label="考评人员评价码数量", min_value=0, max_value=survey_rules.MAX_CODES, initial=0
    )


class SurveyCodeForm(Form):
    code = forms.CharField(label="评价码", max_length=32, help_text="评价码印在发给您的纸条上,如 AB2CD-EF3GH")


class SurveyAnswerForm(Form):
    code = forms.CharField(widget=forms.HiddenInput, max_length=32)
    comment = forms.CharField(
        label="意见建议(选填)",
        required=False,
        max_length=survey_rules.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="请勿填写姓名、准考证号等个人信息",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for key, label in survey_rules.QUESTIONS.items():
            self.fields[f"q_{key}"] = forms.TypedChoiceField(
                label=label,
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "请选择一个分值"},
            )
        self.order_fields(["code", *[f"q_{k}" for k in survey_rules.QUESTIONS], "comment"])

    def scores(self) -> dict[str, int]:
        return {key: self.cleaned_data[f"q_{key}"] for key in survey_rules.QUESTIONS}

    def question_fields(self) -> list[Any]:
        return [self[f"q_{key}"] for key in survey_rules.QUESTIONS]


class SelfEvaluationRequestForm(Form):
    due_on = forms.DateField(label="提交期限", widget=DATE)
    note = forms.CharField(
        label="要求说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="自评的范围和重点",
    )


class SelfEvaluationUploadForm(Form):
    file = forms.FileField(label="自评报告文件(PDF 或照片)")


class SelfEvaluationReviewForm(Form):
    note = forms.CharField(
        label="审阅意见",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="对照现场督导发现,说明自评报告与实际情况是否相符",
    )
