"""Forms of the workdays app: the calculator and the arrangement editor (used by pages and admin)."""

from __future__ import annotations

from django import forms

from dudao.common.errors import ValidationFailed
from dudao.web.kit import place_errors

from .domain import MAX_COUNT, parse_date_list, validate_arrangement

DATES_HELP = "每行一个日期(YYYY-MM-DD),也可用逗号分隔;连续日期可写成 2026-10-01~2026-10-07"


def format_dates(dates) -> str:
    """One ISO date per line (for the textarea)."""
    return "\n".join(str(d) for d in dates)


class CalculatorForm(forms.Form):
    """Date + N working days (CAL-2)."""

    date = forms.DateField(
        label="开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    n = forms.IntegerField(label="工作日数", min_value=-MAX_COUNT, max_value=MAX_COUNT, initial=10)


class ArrangementForm(forms.Form):
    """One year's arrangement as text (days off / weekend days worked); checked by the domain rules."""

    days_off = forms.CharField(
        label="放假日期", required=False, widget=forms.Textarea(attrs={"rows": 8}), help_text=DATES_HELP
    )
    workdays = forms.CharField(
        label="调休上班日期(周末上班)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="只能是周六或周日;" + DATES_HELP,
    )
    confirmed = forms.BooleanField(label="已确认(国务院办公厅通知已发布)", required=False, initial=True)
    source = forms.CharField(
        label="来源", required=False, max_length=255, help_text="如:国务院办公厅关于某年部分节假日安排的通知"
    )
    row_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            days_off = parse_date_list(data.get("days_off") or "", field_name="days_off")
            workdays = parse_date_list(data.get("workdays") or "", field_name="workdays")
            validate_arrangement(
                year=self.year,
                days_off=days_off,
                workdays=workdays,
                confirmed=data.get("confirmed", False),
            )
        except ValidationFailed as exc:
            place_errors(self, exc)
            return data
        data["days_off_list"] = days_off
        data["workdays_list"] = workdays
        return data
