"""Page forms of the people app: they only collect input; the services validate and write."""

from __future__ import annotations

from django import forms

from dudao.accounts.permissions import is_authority_user, is_institution_admin, is_superuser, region_prefix
from dudao.common.errors import ValidationFailed
from dudao.common.widgets import DATE
from dudao.registry.models import Authority, Institution

from . import domain
from .models import Relation, Supervisor
from .services import QUALIFICATION_BASIS

CARD_STATE_FILTER = [
    ("", "全部"),
    ("valid", "有效"),
    ("expired", "已过期"),
    ("lost", "挂失"),
    ("reissuing", "补办中"),
    ("revoked", "已吊销"),
    ("none", "无证卡"),
]


class SupervisorFilterForm(forms.Form):
    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "姓名、证卡号或完整身份证号"}),
    )
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部"), *Supervisor.Kind.choices])
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *Supervisor.Status.choices]
    )
    card_state = forms.ChoiceField(label="证卡", required=False, choices=CARD_STATE_FILTER)


class ExaminerFilterForm(forms.Form):
    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "姓名、证卡号或完整身份证号"}),
    )
    status = forms.ChoiceField(
        label="在册", required=False, choices=[("", "全部"), ("active", "在册"), ("inactive", "不在册")]
    )
    card_state = forms.ChoiceField(
        label="证卡",
        required=False,
        choices=[*CARD_STATE_FILTER[:3], ("lapsed", "已失效(超期未培训)"), *CARD_STATE_FILTER[3:]],
    )
    occupation = forms.CharField(
        label="职业编码",
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"placeholder": "如 4-03-02-01"}),
    )


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label="姓名或身份证号",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "姓名,或完整的 18 位身份证号"}),
    )


def authorities_for(user):
    """Authorities the user may pick as an owner: their region's (superuser: all active)."""
    qs = Authority.objects.filter(is_active=True).select_related("region").order_by("code")
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        return qs.filter(region__code__startswith=region_prefix(user))
    return qs.none()


def institutions_for(user):
    qs = Institution.objects.filter(is_active=True).order_by("name")
    if is_superuser(user):
        return qs
    if is_institution_admin(user):
        return qs.filter(pk=user.institution_id)
    return qs.none()


class PersonFieldsForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(
        label="身份证号",
        max_length=32,
        help_text="18 位,末位 X 大小写均可;已登记的人员将直接使用已有信息",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    employer_name = forms.CharField(label="工作单位", max_length=128, required=False)


class QualificationFields(forms.Form):
    personal_conditions = forms.BooleanField(label="具备第六条规定的五项基本条件", required=False)
    basis = forms.ChoiceField(
        label="任职依据", required=False, choices=[("", "未记录"), *QUALIFICATION_BASIS.items()]
    )
    training_passed_on = forms.DateField(label="培训合格日期", required=False, widget=DATE)
    exam_passed_on = forms.DateField(label="考核合格日期", required=False, widget=DATE)
    note = forms.CharField(label="备注", required=False, max_length=255)

    def qualification(self) -> dict:
        data = self.cleaned_data
        return {
            k: data.get(k)
            for k in ("personal_conditions", "basis", "training_passed_on", "exam_passed_on", "note")
            if data.get(k) not in (None, "")
        }


class SupervisorCreateForm(PersonFieldsForm, QualificationFields):
    kind = forms.ChoiceField(label="类型", choices=Supervisor.Kind.choices)
    authority = forms.ModelChoiceField(
        label="委派(聘任)机构",
        queryset=Authority.objects.none(),
        required=False,
        help_text="外部质量督导员填写",
    )
    institution = forms.ModelChoiceField(
        label="所属评价机构",
        queryset=Institution.objects.none(),
        required=False,
        help_text="内部质量督导员填写",
    )

    field_order = ["kind", "authority", "institution", "name", "id_number", "phone", "employer_name"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities_for(user)
        self.fields["institution"].queryset = institutions_for(user)
        kinds = []
        if is_superuser(user) or is_authority_user(user):
            kinds.append(Supervisor.Kind.EXTERNAL)
        if is_superuser(user) or is_institution_admin(user):
            kinds.append(Supervisor.Kind.INTERNAL)
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
        if not (is_superuser(user) or is_authority_user(user)):
            del self.fields["authority"]
        elif is_authority_user(user):
            self.fields["authority"].initial = user.authority_id
        if not (is_superuser(user) or is_institution_admin(user)):
            del self.fields["institution"]
        elif is_institution_admin(user):
            self.fields["institution"].initial = user.institution_id


class SupervisorEditForm(QualificationFields):
    row_version = forms.IntegerField(widget=forms.HiddenInput)
    person_row_version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label="姓名", max_length=64)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    employer_name = forms.CharField(label="工作单位", max_length=128, required=False)
    new_id_number = forms.CharField(
        label="更正身份证号",
        max_length=32,
        required=False,
        help_text="仅在身份证号登记有误时填写;留空表示不修改",
    )
    authority = forms.ModelChoiceField(
        label="委派(聘任)机构", queryset=Authority.objects.none(), required=False
    )

    field_order = ["name", "phone", "employer_name", "new_id_number", "authority"]

    def __init__(self, *args, user=None, supervisor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if supervisor is not None and supervisor.kind == Supervisor.Kind.EXTERNAL:
            self.fields["authority"].queryset = authorities_for(user)
            self.fields["authority"].required = True
        else:
            del self.fields["authority"]


class ExaminerCreateForm(PersonFieldsForm):
    authority = forms.ModelChoiceField(label="管理机构", queryset=Authority.objects.none())
    senior = forms.BooleanField(label="高级考评员", required=False)

    field_order = ["authority", "name", "id_number", "phone", "employer_name", "senior"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities_for(user)
        if is_authority_user(user):
            self.fields["authority"].initial = user.authority_id


class ExaminerEditForm(forms.Form):
    row_version = forms.IntegerField(widget=forms.HiddenInput)
    person_row_version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label="姓名", max_length=64)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    employer_name = forms.CharField(label="工作单位", max_length=128, required=False)
    new_id_number = forms.CharField(
        label="更正身份证号",
        max_length=32,
        required=False,
        help_text="仅在身份证号登记有误时填写;留空表示不修改",
    )
    authority = forms.ModelChoiceField(label="管理机构", queryset=Authority.objects.none())
    senior = forms.BooleanField(label="高级考评员", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities_for(user)


class CardIssueForm(forms.Form):
    number = forms.CharField(label="证卡号", max_length=32)
    issued_on = forms.DateField(label="发证日期", widget=DATE)
    valid_until = forms.DateField(
        label="有效期至", required=False, widget=DATE, help_text="不填则为 3 年减 1 天"
    )


class ExaminerCardIssueForm(CardIssueForm):
    scopes = forms.CharField(
        label="考评范围",
        max_length=1000,
        help_text="职业编码:等级,多项用分号分隔,如 4-03-02-01:5,4;6-18-02-04/焊工:3",
        widget=forms.TextInput(attrs={"placeholder": "4-03-02-01:5,4"}),
    )

    def clean_scopes(self):
        try:
            domain.parse_scopes_text(self.cleaned_data["scopes"])
        except ValidationFailed as exc:  # every wrong entry, each naming itself
            raise forms.ValidationError((exc.detail or {}).get("scopes") or [exc.message]) from None
        return self.cleaned_data["scopes"]

    def scope_items(self) -> list[dict]:
        return [
            {"occupation": code, "work_type": work_type, "levels": list(levels)}
            for code, work_type, levels in domain.parse_scopes_text(self.cleaned_data["scopes"])
        ]


class StatusForm(forms.Form):
    to = forms.CharField(max_length=16)
    reason = forms.CharField(label="原因", required=False, max_length=255)
    row_version = forms.IntegerField(required=False)


class ReplaceForm(forms.Form):
    number = forms.CharField(label="新证卡号", max_length=32)
    issued_on = forms.DateField(label="补发日期", widget=DATE)
    valid_until = forms.DateField(label="有效期至", required=False, widget=DATE)
    row_version = forms.IntegerField(required=False)


class TrainingForm(forms.Form):
    trained_on = forms.DateField(label="延续培训日期", widget=DATE)
    row_version = forms.IntegerField(required=False)


class ContractForm(forms.Form):
    starts_on = forms.DateField(
        label="聘期起始日", required=False, widget=DATE, help_text="续聘可不填:自上一届结束次日起"
    )


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label="关系类型", choices=Relation.Kind.choices)
    other_name = forms.CharField(label="关系人姓名", max_length=64, required=False)
    other_id_number = forms.CharField(label="关系人身份证号", max_length=32, required=False)
    institution_uscc = forms.CharField(label="或:关系机构统一社会信用代码", max_length=18, required=False)
    note = forms.CharField(label="说明", max_length=255, required=False)
