"""Page forms of the yearly cycle (ACT-6): input parsing only; the rules live in services.annual_plans."""

from __future__ import annotations

from typing import Any

from django import forms

from . import selectors_plans as sel
from .forms import Form

QUARTER_FIELDS = {1: "q1", 2: "q2", 3: "q3", 4: "q4"}


class AnnualPlanForm(Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(
        label="计划名称", max_length=128, required=False, help_text="不填则为「××年度督导工作计划」"
    )
    responsible = forms.CharField(label="责任人", max_length=64)
    target_institutions = forms.IntegerField(label="计划覆盖评价机构数", min_value=0, initial=0)
    target_batches = forms.IntegerField(label="计划督导评价批次数", min_value=0, initial=0)
    target_tasks = forms.IntegerField(label="计划督导任务数", min_value=0, initial=0)
    draws_per_year = forms.IntegerField(label="全年抽取次数", min_value=0, initial=0)
    draw_ratio = forms.DecimalField(
        label="一般对象抽取比例",
        min_value=0,
        max_value=1,
        decimal_places=4,
        initial=0,
        help_text="0–1,如 0.2 即 20%",
    )
    risk_draw_ratio = forms.DecimalField(
        label="重点对象抽取比例",
        min_value=0,
        max_value=1,
        decimal_places=4,
        initial=0,
        help_text="投诉多、有违规记录或数据异常的对象,不低于一般比例",
    )
    items = forms.MultipleChoiceField(
        label="督导事项与方式",
        choices=list(sel.PLAN_ITEMS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    score_forms = forms.MultipleChoiceField(
        label="使用的评估表", required=False, widget=forms.CheckboxSelectMultiple
    )
    q1 = forms.CharField(label="第一季度安排", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    q2 = forms.CharField(label="第二季度安排", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    q3 = forms.CharField(label="第三季度安排", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    q4 = forms.CharField(label="第四季度安排", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label="其他说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, with_year: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["score_forms"].choices = [(k, f"{k} {v}") for k, v in sel.score_form_titles().items()]
        if not self.fields["score_forms"].choices:
            self.fields["score_forms"].help_text = "尚未载入评估表,可在评估表页面载入后再选择"
        if not with_year:
            del self.fields["year"]

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        d = self.cleaned_data
        out = {name: d[name] for name in d if name not in QUARTER_FIELDS.values() and name != "year"}
        out["schedule"] = [{"quarter": q, "content": d.get(name, "")} for q, name in QUARTER_FIELDS.items()]
        return out

    @staticmethod
    def initial_of(plan) -> dict[str, Any]:
        data = {
            name: getattr(plan, name)
            for name in (
                "year", "title", "responsible", "target_institutions", "target_batches", "target_tasks",
                "draws_per_year", "draw_ratio", "risk_draw_ratio", "items", "score_forms", "notes",
            )
        }  # fmt: skip
        for row in plan.schedule:
            data[QUARTER_FIELDS[row["quarter"]]] = row["content"]
        return data


class CorrectForm(Form):
    reason = forms.CharField(label="更正原因", max_length=255)


class SummaryGenerateForm(Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)


class SummaryTextForm(Form):
    overview = forms.CharField(label="工作概述", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    achievements = forms.CharField(label="主要成效", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.CharField(label="存在问题", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    next_year = forms.CharField(
        label="下一年度工作打算", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
