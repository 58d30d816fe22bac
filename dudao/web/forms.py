"""Filter forms of the shell pages."""

from __future__ import annotations

from django import forms

from dudao.common.models import AuditEvent

from . import audit_labels as labels


class AuditFilterForm(forms.Form):
    """GET filters of the audit log: action, object type, actor, date range."""

    action = forms.ChoiceField(label="操作", required=False)
    object_type = forms.ChoiceField(label="对象类型", required=False)
    actor = forms.CharField(
        label="操作人",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "用户名"}),
    )
    date_from = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        types = AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
        # Codes in use anywhere (both columns are indexed: cheap), shown by their Chinese labels; the
        # codes reveal nothing of the events themselves, which the page scopes.
        # A legacy code (LEGACY_ACTIONS) is offered under its current name; the filter matches both.
        codes = sorted({labels.current_action(a) for a in actions})
        self.fields["action"].choices = [("", "全部"), *[(a, labels.action_label(a)) for a in codes]]
        self.fields["object_type"].choices = [
            ("", "全部"),
            *[(t, labels.object_type_label(t)) for t in types if t],
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return data
