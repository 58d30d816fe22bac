"""Forms of the public complaint pages: input parsing only; the rules are the service's (COMPL-1, COMPL-2)."""

from __future__ import annotations

from typing import Any

from django import forms

from .domain import CATEGORY_LABELS, MAX_CONTENT_CHARS

# Service detail keys → form fields.
FILING_FIELDS = {"contact": "contact_phone"}


def _big(attrs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Phone-sized inputs (one column, large targets)."""
    return {"class": "form-control-lg", **(attrs or {})}


class ComplaintForm(forms.Form):
    """投诉举报 on a phone. Fields stay lenient so that the service's Chinese messages are the ones shown."""

    institution = forms.CharField(
        label="被投诉的评价机构",
        max_length=128,
        required=False,
        help_text="填写机构全称或统一社会信用代码",
        widget=forms.TextInput(_big({"list": "institution-names", "autocomplete": "off"})),
    )
    category = forms.ChoiceField(
        label="投诉类别",
        choices=[("", "请选择"), *((c.value, label) for c, label in CATEGORY_LABELS.items())],
        required=False,
        widget=forms.Select(attrs={"class": "form-select-lg"}),
    )
    content = forms.CharField(
        label="投诉内容",
        required=False,
        strip=False,
        help_text=f"请写明时间、地点、经过和涉及的人员,不超过 {MAX_CONTENT_CHARS} 字",
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": str(MAX_CONTENT_CHARS)}),
    )
    anonymous = forms.BooleanField(label="匿名投诉(不保存姓名和电话,办理结果凭查询码查看)", required=False)
    contact_name = forms.CharField(
        label="联系人姓名",
        max_length=64,
        required=False,
        widget=forms.TextInput(_big({"autocomplete": "name"})),
    )
    contact_phone = forms.CharField(
        label="联系电话",
        max_length=32,
        required=False,
        widget=forms.TextInput(_big({"autocomplete": "tel", "inputmode": "tel"})),
    )


class FollowForm(forms.Form):
    """查询码 + 查询密码 (always POSTed, never in a URL)."""

    code = forms.CharField(
        label="查询码",
        max_length=16,
        widget=forms.TextInput(_big({"autocomplete": "off", "autocapitalize": "characters"})),
        error_messages={"required": "请填写查询码"},
    )
    secret = forms.CharField(
        label="查询密码",
        max_length=64,
        widget=forms.TextInput(_big({"autocomplete": "off", "autocapitalize": "characters"})),
        error_messages={"required": "请填写查询密码"},
    )
