"""Page forms of the scorecards app (input parsing only; rules live in services and the domain)."""

from __future__ import annotations

from typing import Any

from django import forms

from dudao.accounts.models import User
from dudao.accounts.permissions import is_superuser

from .models import Evaluation
from .permissions import EVALUATOR_ROLES, user_region_prefix


class EvaluationFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "机构名称或信用代码"})
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *Evaluation.Status.choices]
    )
    form = forms.ChoiceField(label="评估表", required=False)
    purpose = forms.ChoiceField(
        label="评估目的", required=False, choices=[("", "全部"), *Evaluation.Purpose.choices]
    )

    def __init__(self, *args: Any, form_choices: list[tuple[str, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["form"].choices = [("", "全部"), *form_choices]


def evaluator_choices(actor: Any):
    """Users the actor may put in a group (same province; the service checks each against the institution)."""
    qs = User.objects.filter(
        is_active=True, role__in=EVALUATOR_ROLES, authority__isnull=False
    ).select_related("authority")
    if not is_superuser(actor):
        prefix = user_region_prefix(actor)
        qs = qs.filter(authority__region__code__startswith=(prefix or "--")[:2])
    return qs.order_by("authority__region_id", "role", "username")


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name or obj.username}({obj.get_role_display()} · {obj.authority})"


class _UsersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name or obj.username}({obj.get_role_display()} · {obj.authority})"


class EvaluationOpenForm(forms.Form):
    institution = forms.ModelChoiceField(label="评价机构", queryset=None, empty_label="请选择评价机构")
    form_id = forms.ChoiceField(label="评估表")
    purpose = forms.ChoiceField(label="评估目的", choices=Evaluation.Purpose.choices)
    leader = _UserChoice(label="评估组长", queryset=None, empty_label="请选择评估组长")
    members = _UsersChoice(
        label="其他评估组成员",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="评估组长自动为成员;成员须为本地区委派机构工作人员或外部督导员",
    )
    note = forms.CharField(
        label="说明", required=False, max_length=255, help_text="如:2025 年延续备案现场评估"
    )

    def __init__(
        self, *args: Any, actor: Any, institutions, form_choices: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["form_id"].choices = form_choices
        people = evaluator_choices(actor)
        self.fields["leader"].queryset = people
        self.fields["members"].queryset = people


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, label: str = "原因", required: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].required = required


class FormLoadForm(forms.Form):
    file = forms.FileField(
        label="评估表 YAML 文件", required=False, help_text="先用 dudao scorecards check 校验"
    )
    definition = forms.CharField(
        label="或粘贴 YAML 文本",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > 1024 * 1024:
                raise forms.ValidationError("文件过大(评估表定义应小于 1 MB)")
            try:
                data["definition"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("文件不是 UTF-8 编码的文本") from None
        if not (data.get("definition") or "").strip():
            raise forms.ValidationError("请上传 YAML 文件或粘贴评估表定义")
        return data
