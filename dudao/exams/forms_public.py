"""Forms of the public exams pages (notices, phone registration, a candidate's own registration).

Input parsing only: the rules (ID number, phone, levels, window, deadline, pre-check) live in
`dudao.exams.services`; a service error is placed under its field with `dudao.web.kit.place_errors`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from dudao.registry.models import Region

from .domain.eligibility import LEVEL_NAMES
from .models import ExamPlan, Registration

CERTIFICATE_ROWS = (1, 2, 3)
PHOTO_ACCEPT = "image/*"
PAPER_ACCEPT = "image/*,application/pdf,.pdf"
# Other papers a candidate may add (optional): form field → RegistrationFile.Material.
PAPER_FIELDS = {
    "certificate_file": "certificate",
    "work_proof_file": "work_proof",
    "education_file": "education",
}


def region_choices() -> list[Any]:
    """Provinces and their cities for the notice filter: one group per province, "全省" first."""
    rows = list(
        Region.objects.filter(kind__in=[Region.Kind.PROVINCE, Region.Kind.CITY])
        .order_by("code")
        .values_list("code", "name", "kind", "parent_id")
    )
    cities: dict[str, list[tuple[str, str]]] = {}
    for code, name, kind, parent in rows:
        if kind == Region.Kind.CITY:
            cities.setdefault(parent or code[:2] + "0000", []).append((code, name))
    choices: list[Any] = [("", "全部地区")]
    for code, name, kind, _parent in rows:
        if kind != Region.Kind.PROVINCE:
            continue
        if cities.get(code):
            choices.append((name, [(code, f"{name}(全省)"), *cities[code]]))
        else:
            choices.append((code, name))
    return choices


class NoticeFilterForm(forms.Form):
    """The notice list's filter bar (query string): region (province or city), occupation, keyword."""

    region = forms.ChoiceField(label="地区", required=False)
    occupation = forms.CharField(
        label="职业",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "职业名称或编码"}),
    )
    q = forms.CharField(
        label="关键字",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "公告标题或机构名称"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices()


def level_choices(plan: ExamPlan) -> list[tuple[str, str]]:
    return [
        (str(level), LEVEL_NAMES.get(level, f"{level}级"))
        for level in sorted(plan.batch.levels, reverse=True)
    ]


def _big(attrs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Phone-sized inputs (one column, large targets)."""
    return {"class": "form-control-lg", **(attrs or {})}


def _id_number_field() -> forms.CharField:
    """The candidate's ID number on a phone (lenient: the service checks it and says what is wrong)."""
    return forms.CharField(
        label="身份证号",
        required=False,
        max_length=32,
        widget=forms.TextInput(
            _big({"autocomplete": "off", "maxlength": "18", "autocapitalize": "characters"})
        ),
    )


def _phone_field(help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label="手机号",
        required=False,
        max_length=32,
        help_text=help_text,
        widget=forms.TextInput(_big({"type": "tel", "inputmode": "tel", "autocomplete": "tel"})),
    )


class RegistrationForm(forms.Form):
    """网上报名 on a phone. Fields stay lenient (text, optional) so that the service's Chinese messages are
    the ones shown; only the certificate rows are assembled (and checked) here into the facts' list."""

    name = forms.CharField(
        label="姓名", required=False, max_length=64, widget=forms.TextInput(_big({"autocomplete": "name"}))
    )
    id_number = _id_number_field()
    phone = _phone_field()
    level = forms.ChoiceField(label="申报等级", required=False, widget=forms.Select(_big()))
    education = forms.ChoiceField(
        label="学历", required=False, choices=Registration.Education.choices, widget=forms.Select(_big())
    )
    education_related = forms.BooleanField(label="所学专业为本职业或相关专业", required=False)
    work_years = forms.CharField(
        label="累计从事本职业(相关职业)工作年限",
        required=False,
        max_length=8,
        initial="0",
        help_text="单位:年,可填一位小数,如 6 或 3.5",
        widget=forms.TextInput(_big({"inputmode": "decimal"})),
    )
    apprenticeship_completed = forms.BooleanField(
        label="经本职业正规培训达规定标准学时数或学徒期满", required=False
    )
    work_history = forms.CharField(
        label="工作经历",
        required=False,
        max_length=2000,
        help_text="起止年月、单位、岗位,每段一行",
        widget=forms.Textarea({"rows": 4}),
    )
    photo = forms.FileField(
        label="本人照片",
        required=False,
        help_text="近期免冠正面照片,考试当天核验身份用;可直接拍照",
        widget=forms.ClearableFileInput({"accept": PHOTO_ACCEPT, "capture": "user"}),
    )
    certificate_file = forms.FileField(
        label="证书扫描件或照片",
        required=False,
        widget=forms.ClearableFileInput({"accept": PAPER_ACCEPT}),
    )
    work_proof_file = forms.FileField(
        label="工作年限证明",
        required=False,
        widget=forms.ClearableFileInput({"accept": PAPER_ACCEPT}),
    )
    education_file = forms.FileField(
        label="学历证明",
        required=False,
        widget=forms.ClearableFileInput({"accept": PAPER_ACCEPT}),
    )

    def __init__(self, *args: Any, plan: ExamPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["level"].choices = [("", "请选择"), *level_choices(plan)]
        cert_levels = [("", "无"), *((str(n), LEVEL_NAMES[n]) for n in (5, 4, 3, 2, 1))]
        for row in CERTIFICATE_ROWS:
            self.fields[f"cert{row}_level"] = forms.ChoiceField(
                label="证书等级", required=False, choices=cert_levels, widget=forms.Select(_big())
            )
            self.fields[f"cert{row}_preparatory"] = forms.BooleanField(label="预备技师证书", required=False)
            self.fields[f"cert{row}_related"] = forms.BooleanField(label="本职业或相关职业", required=False)
            self.fields[f"cert{row}_years"] = forms.CharField(
                label="取证后工作年限",
                required=False,
                max_length=8,
                widget=forms.TextInput(_big({"inputmode": "decimal", "placeholder": "年"})),
            )

    def certificate_rows(self) -> list[dict[str, Any]]:
        """The bound fields of each certificate row, for the template."""
        return [
            {
                "number": row,
                "level": self[f"cert{row}_level"],
                "preparatory": self[f"cert{row}_preparatory"],
                "related": self[f"cert{row}_related"],
                "years": self[f"cert{row}_years"],
            }
            for row in CERTIFICATE_ROWS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        certificates = []
        for row in CERTIFICATE_ROWS:
            level = data.get(f"cert{row}_level") or ""
            preparatory = bool(data.get(f"cert{row}_preparatory"))
            raw_years = str(data.get(f"cert{row}_years") or "").strip()
            if not level and not preparatory:
                if raw_years:
                    self.add_error(f"cert{row}_level", "请选择证书等级(或勾选预备技师证书)")
                continue
            try:
                years = Decimal(raw_years or "0")
                if not years.is_finite() or years < 0 or years > 60:
                    raise InvalidOperation
            except InvalidOperation:
                self.add_error(f"cert{row}_years", "取证后工作年限应为 0 至 60 之间的数")
                continue
            item: dict[str, Any] = {
                "related": bool(data.get(f"cert{row}_related")),
                "preparatory_technician": preparatory,
                "work_years_after": float(years),
            }
            if not preparatory:
                item["level"] = int(level)
            certificates.append(item)
        data["certificates"] = certificates
        return data

    def values(self) -> dict[str, Any]:
        """The registration's fields in the service's shape (`registration_submit(values=...)`)."""
        data = self.cleaned_data
        return {
            "level": data.get("level") or None,
            "education": data.get("education") or "none",
            "education_related": bool(data.get("education_related")),
            "work_years": (data.get("work_years") or "0").strip(),
            "apprenticeship_completed": bool(data.get("apprenticeship_completed")),
            "certificates": data.get("certificates") or [],
            "work_history": data.get("work_history") or "",
        }

    def papers(self) -> list[tuple[str, Any]]:
        """Optional papers as (material, upload)."""
        return [
            (material, self.cleaned_data[name])
            for name, material in PAPER_FIELDS.items()
            if self.cleaned_data.get(name)
        ]


class RetakeForm(forms.Form):
    """补考报名 on a phone: the original 报名号 and ID number prove the candidate; the subject is the one
    he failed (the service finds it); a new photo is optional (the original's is used)."""

    original_number = forms.CharField(
        label="原报名号",
        required=False,
        max_length=32,
        help_text="未通过的那次认定的报名号",
        widget=forms.TextInput(
            _big({"autocomplete": "off", "autocapitalize": "characters", "placeholder": "BM 开头"})
        ),
    )
    id_number = _id_number_field()
    phone = _phone_field(help_text="不填则沿用原报名的手机号")
    photo = forms.FileField(
        label="本人照片(可不传)",
        required=False,
        help_text="不上传则沿用原报名的照片",
        widget=forms.ClearableFileInput({"accept": PHOTO_ACCEPT, "capture": "user"}),
    )


class OwnRegistrationForm(forms.Form):
    """报名号 + 身份证号 (always POSTed, never in a URL: ADR 0004)."""

    number = forms.CharField(
        label="报名号",
        max_length=32,
        widget=forms.TextInput(
            _big({"autocomplete": "off", "autocapitalize": "characters", "placeholder": "BM 开头"})
        ),
        error_messages={"required": "请填写报名号"},
    )
    id_number = forms.CharField(
        label="身份证号",
        max_length=32,
        widget=forms.TextInput(
            _big({"autocomplete": "off", "maxlength": "18", "autocapitalize": "characters"})
        ),
        error_messages={"required": "请填写身份证号"},
    )
