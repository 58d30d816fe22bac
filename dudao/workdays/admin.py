"""Admin for official arrangements: edits go through `arrangement_save` (validated and audited)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from dudao.common.admin import ServiceAdmin
from dudao.common.errors import ValidationFailed
from dudao.web.kit import place_errors

from .domain import parse_date_list, validate_arrangement
from .forms import DATES_HELP, format_dates
from .models import OfficialArrangement
from .services import arrangement_save


class OfficialArrangementAdminForm(forms.ModelForm):
    """Dates as text, one per line; checked by the same domain rules as the service (CAL-4)."""

    days_off_text = forms.CharField(
        label="放假日期", required=False, widget=forms.Textarea(attrs={"rows": 10}), help_text=DATES_HELP
    )
    workdays_text = forms.CharField(
        label="调休上班日期", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=DATES_HELP
    )

    # The version the editor read: a concurrent change is refused, not overwritten.
    current_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = OfficialArrangement
        fields = ["year", "confirmed", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["days_off_text"].initial = format_dates(self.instance.days_off)
            self.fields["workdays_text"].initial = format_dates(self.instance.workdays)
            self.fields["year"].disabled = True
            self.fields["current_version"].initial = self.instance.row_version

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["days_off_list"] = parse_date_list(
                data.get("days_off_text") or "", field_name="days_off_text"
            )
            data["workdays_list"] = parse_date_list(
                data.get("workdays_text") or "", field_name="workdays_text"
            )
            validate_arrangement(
                year=data["year"], days_off=data["days_off_list"], workdays=data["workdays_list"]
            )
        except ValidationFailed as exc:
            renamed = {
                {"days_off": "days_off_text", "workdays": "workdays_text"}.get(k, k): v
                for k, v in (exc.detail or {}).items()
            }
            place_errors(self, ValidationFailed(exc.message, detail=renamed))
        return data


@admin.register(OfficialArrangement)
class OfficialArrangementAdmin(ServiceAdmin):
    form = OfficialArrangementAdminForm
    error_fields = {"days_off": "days_off_text", "workdays": "workdays_text"}
    list_display = ["year", "confirmed", "source", "days_off_count", "workdays_count", "updated_at"]
    list_filter = ["confirmed"]
    readonly_fields = ["row_version", "created_at", "updated_at"]
    fields = [
        "year",
        "confirmed",
        "source",
        "days_off_text",
        "workdays_text",
        "current_version",
        *readonly_fields,
    ]

    @admin.display(description="放假天数")
    def days_off_count(self, obj):
        return len(obj.days_off)

    @admin.display(description="调休上班天数")
    def workdays_count(self, obj):
        return len(obj.workdays)

    def has_delete_permission(self, request, obj=None):
        # Removing a year would silently change deadlines; a year is corrected, never deleted.
        return False

    def save_via_service(self, request, obj, form, change):
        return arrangement_save(
            actor=request.user,
            year=form.cleaned_data["year"],
            days_off=form.cleaned_data["days_off_list"],
            workdays=form.cleaned_data["workdays_list"],
            confirmed=form.cleaned_data["confirmed"],
            source=form.cleaned_data["source"],
            row_version=form.cleaned_data.get("current_version") if change else None,
        )
