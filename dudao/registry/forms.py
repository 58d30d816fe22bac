"""Page forms of the registry: GET filter forms and input forms. Forms only shape input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from dudao.common.widgets import DATE, DATETIME

from . import selectors
from .domain import LEVEL_NAMES
from .models import Batch, Filing, FilingScope, Institution, Occupation, Region
from .permissions import user_region_prefix

ALL = [("", "全部")]
LEVEL_CHOICES = [(str(level), name) for level, name in sorted(LEVEL_NAMES.items(), reverse=True)]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def region_choices(user, *, blank: str = "全部") -> list[tuple[str, str]]:
    """Province and city regions inside the user's region (filters and forms; districts are many)."""
    qs = Region.objects.filter(kind__in=["province", "city"]).order_by("code")
    prefix = user_region_prefix(user)
    if not user.is_superuser and prefix:
        qs = qs.filter(code__startswith=prefix)
    elif not user.is_superuser:
        inst = getattr(user, "institution", None)
        qs = qs.filter(code=inst.region_id) if inst else qs.none()
    choices = [(r.code, f"{'　' if r.kind == 'city' else ''}{r.name}") for r in qs]
    return [("", blank), *choices] if blank is not None else choices


# ---------------------------------------------------------------------------------------------------------
# Filters
class InstitutionFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "机构名称或统一社会信用代码"}),
    )
    kind = forms.ChoiceField(label="机构类型", required=False, choices=ALL + list(Institution.Kind.choices))
    region = forms.ChoiceField(label="所在区划", required=False)
    status = forms.ChoiceField(label="备案状态", required=False, choices=ALL + list(Filing.Status.choices))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user)


class FilingFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "备案编号或机构名称"}),
    )
    status = forms.ChoiceField(label="状态", required=False, choices=ALL + list(Filing.Status.choices))
    region = forms.ChoiceField(label="所在区划", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user)


class BatchFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "批次编号或机构名称"}),
    )
    status = forms.ChoiceField(label="状态", required=False, choices=ALL + list(Batch.Status.choices))
    occupation = forms.ChoiceField(label="职业", required=False)
    start_from = forms.DateField(label="开始日期从", required=False, widget=DATE)
    start_to = forms.DateField(label="开始日期至", required=False, widget=DATE)
    institution = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        occs = Occupation.objects.filter(is_active=True).order_by("code").values_list("pk", "code", "name")
        self.fields["occupation"].choices = ALL + [(str(pk), f"{code} {name}") for pk, code, name in occs]

    def clean(self):
        data = super().clean()
        if data.get("start_from") and data.get("start_to") and data["start_from"] > data["start_to"]:
            self.add_error("start_to", "结束日期不能早于开始日期")
        return data


class VenueFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "场所名称、地址或机构名称"}),
    )
    institution = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OccupationFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "职业名称或编码"}),
    )
    verified = forms.ChoiceField(
        label="编码核实", required=False, choices=[("", "全部"), ("1", "已核实"), ("0", "未核实")]
    )


class RegionFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "区划名称或代码"}),
    )
    kind = forms.ChoiceField(label="层级", required=False, choices=ALL + list(Region.Kind.choices))
    parent = forms.CharField(required=False, max_length=6, widget=forms.HiddenInput)


class AuthorityFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "名称或编码"}),
    )


def filter_values(form: forms.Form) -> dict[str, Any]:
    """Cleaned filter values (empty strings for invalid ones, so a bad query string never breaks a list)."""
    if not form.is_valid():
        return {name: "" for name in form.fields} | {
            k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors
        }
    return dict(form.cleaned_data)


# ---------------------------------------------------------------------------------------------------------
# Input forms
class InstitutionForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=128)
    kind = forms.ChoiceField(label="机构类型", choices=Institution.Kind.choices)
    uscc = forms.CharField(
        label="统一社会信用代码", max_length=32, help_text="18 位,保存时自动转为大写并校验"
    )
    region = forms.ChoiceField(label="所在区划")
    authority = forms.ChoiceField(label="主管(备案)机构")
    parent_org_name = forms.CharField(
        label="上级全国性组织",
        max_length=128,
        required=False,
        help_text="仅全国性社会组织在本地的分支机构填写",  # INST-1
    )
    legal_representative = forms.CharField(label="法定代表人", max_length=64, required=False)
    contact_name = forms.CharField(label="联系人", max_length=64, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=32, required=False)
    address = forms.CharField(label="地址", max_length=255, required=False)
    complaint_phone = forms.CharField(label="投诉举报电话", max_length=32, required=False)
    complaint_mailbox = forms.CharField(
        label="投诉举报信箱", max_length=255, required=False, help_text="信箱所在位置或邮寄地址"
    )
    complaint_email = forms.CharField(label="投诉举报电子邮箱", max_length=254, required=False)
    complaint_page_url = forms.CharField(
        label="公布投诉渠道的网页",
        max_length=255,
        required=False,
        help_text="本机构公布投诉举报电话、信箱的网页地址",
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    CONTACT_ONLY = (
        "legal_representative",
        "contact_name",
        "contact_phone",
        "address",
        "complaint_phone",
        "complaint_mailbox",
        "complaint_email",
        "complaint_page_url",
    )

    def __init__(self, *args, user, contact_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if contact_only:
            for name in list(self.fields):
                if name not in self.CONTACT_ONLY:
                    del self.fields[name]
            return
        self.fields["region"].choices = _all_region_choices(user)
        auths = selectors.authorities_for(user).order_by("region_id", "code")
        self.fields["authority"].choices = [(str(a.pk), a.name) for a in auths]


def _all_region_choices(user) -> list[tuple[str, str]]:
    qs = Region.objects.order_by("code")
    prefix = user_region_prefix(user)
    if not user.is_superuser:
        qs = qs.filter(code__startswith=prefix) if prefix else qs.none()
    indent = {"province": "", "city": "　", "district": "　　"}
    return [("", "请选择")] + [(r.code, f"{indent.get(r.kind, '')}{r.name}") for r in qs]


class FilingForm(forms.Form):
    institution = forms.ChoiceField(label="评价机构")
    number = forms.CharField(label="备案编号", max_length=64)
    valid_from = forms.DateField(label="有效期起", widget=DATE)
    valid_until = forms.DateField(label="有效期止", widget=DATE)
    note = forms.CharField(label="备注", max_length=255, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        insts = selectors.institutions_for(user).order_by("name").values_list("pk", "name")
        self.fields["institution"].choices = [("", "请选择")] + [(str(pk), name) for pk, name in insts]


class FilingEditForm(forms.Form):
    number = forms.CharField(label="备案编号", max_length=64)
    valid_from = forms.DateField(label="有效期起", widget=DATE)
    valid_until = forms.DateField(label="有效期止", widget=DATE)
    note = forms.CharField(label="备注", max_length=255, required=False)
    row_version = forms.IntegerField(label="版本号", widget=forms.HiddenInput)


class ScopeForm(forms.Form):
    occupation = forms.ChoiceField(label="职业")
    work_type = forms.CharField(
        label="工种", max_length=64, required=False, help_text="留空表示该职业全部工种"
    )
    levels = forms.MultipleChoiceField(
        label="等级", choices=LEVEL_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    start_date = forms.DateField(
        label="起始日期", required=False, widget=DATE, help_text="留空为备案有效期起"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        occs = Occupation.objects.filter(is_active=True).order_by("code").values_list("pk", "code", "name")
        self.fields["occupation"].choices = [("", "请选择")] + [(str(pk), f"{c} {n}") for pk, c, n in occs]


class ScopeEndForm(forms.Form):
    ended_on = forms.DateField(
        label="终止日期", required=False, widget=DATE, help_text="留空为今天;自该日起不得再安排批次"
    )


class FilingStatusForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=Filing.Status.choices)
    reason = forms.CharField(label="原因", max_length=255, required=False)
    row_version = forms.IntegerField(label="版本号", widget=forms.HiddenInput)


class VenueForm(forms.Form):
    institution = forms.ChoiceField(label="评价机构")
    name = forms.CharField(label="场所名称", max_length=128)
    address = forms.CharField(label="地址", max_length=255, required=False)
    room_count = forms.IntegerField(label="考场数", min_value=1, initial=1)
    capacity = forms.IntegerField(label="容纳人数", min_value=0, initial=30)
    camera_count = forms.IntegerField(label="摄像头数", min_value=0, initial=0)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["institution"]
            self.fields["row_version"] = forms.IntegerField(label="版本号", widget=forms.HiddenInput)
            return
        insts = selectors.institutions_for(user).order_by("name").values_list("pk", "name")
        self.fields["institution"].choices = [("", "请选择")] + [(str(pk), name) for pk, name in insts]


class OccupationForm(forms.Form):
    code = forms.CharField(
        label="职业编码", max_length=16, help_text="d-dd-dd-dd(职业分类大典 2022),工种可加 -dd"
    )
    name = forms.CharField(label="职业名称", max_length=128)
    verified = forms.BooleanField(label="编码已核实", required=False)
    source = forms.CharField(
        label="编码来源", max_length=255, required=False, help_text="已核实的编码须注明来源"
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)


class ExaminerPicker(forms.Widget):
    """Chosen examiners as removable rows (hidden `examiners` inputs, a 组长 radio each) and an htmx search
    by name or card number among the examiners eligible for the institution (L11: no Ctrl-click list)."""

    is_required = False

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.search_url = ""
        self.leader: int | None = None

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # an empty selection is a value (remove every examiner)

    def render(self, name, value, attrs=None, renderer=None):
        from django.template.loader import render_to_string

        ids = []
        for item in value or []:
            try:
                ids.append(int(item))
            except (TypeError, ValueError):
                continue
        attrs = self.build_attrs(self.attrs, attrs)
        picked = selectors.examiner_rows(ids, leader=self.leader)
        return render_to_string(
            "registry/partials/examiner_picker.html",
            {
                "name": name,
                "id": attrs.get("id") or f"id_{name}",
                "invalid": "is-invalid" in (attrs.get("class") or ""),
                "picked": picked,
                "leader": self.leader,
                "search_url": self.search_url,
            },
        )


class _DrawnByPicker(forms.HiddenInput):
    """`team_leader` is chosen with the radios inside the examiner picker: nothing to draw here."""

    def render(self, name, value, attrs=None, renderer=None):
        return ""


class ExaminerIdsField(forms.Field):
    """A list of examiner ids; whether each may examine is decided by the service (EXAM-2, EXAM-3)."""

    widget = ExaminerPicker

    def to_python(self, value):
        if value in (None, "", [], ()):
            return []
        items = [value] if isinstance(value, str | int) else list(value)
        try:
            return list(dict.fromkeys(int(v) for v in items if str(v).strip()))
        except (TypeError, ValueError):
            raise forms.ValidationError("考评人员格式不正确") from None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class BatchForm(forms.Form):
    occupation = forms.ChoiceField(label="职业")
    work_type = forms.CharField(label="工种", max_length=64, required=False)
    levels = forms.MultipleChoiceField(
        label="等级", choices=LEVEL_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    venue = forms.ChoiceField(label="考核场所")
    candidate_count = forms.IntegerField(label="考生人数", min_value=0, initial=0)
    examiners = ExaminerIdsField(
        label="考评人员",
        required=False,
        help_text="输入姓名或证卡号查找并添加;先选好职业、等级和时间,查找结果会逐一校验证卡。"
        "勾选“组长”指定考评组长",
    )
    team_leader = forms.IntegerField(label="考评组长", required=False, widget=_DrawnByPicker)
    code = forms.CharField(
        label="批次编号", max_length=40, required=False, help_text="留空自动生成 PC+日期+序号"
    )

    def __init__(self, *args, institution: Institution, editing: bool = False, **kwargs):
        from django.urls import reverse

        super().__init__(*args, **kwargs)
        occ_ids = FilingScope.objects.filter(filing__institution=institution).values_list(
            "occupation_id", flat=True
        )
        occs = Occupation.objects.filter(Q(pk__in=occ_ids) | Q(is_active=True)).order_by("code")
        in_scope = set(occ_ids)
        self.fields["occupation"].choices = [("", "请选择")] + [
            (str(o.pk), f"{o.code} {o.name}{'' if o.pk in in_scope else '(未备案)'}") for o in occs
        ]
        venues = institution.venues.filter(is_active=True).order_by("name")
        self.fields["venue"].choices = [("", "请选择")] + [(str(v.pk), v.name) for v in venues]
        picker = self.fields["examiners"].widget
        picker.search_url = reverse("registry:batch_examiner_search") + f"?institution={institution.pk}"
        leader = self.data.get("team_leader") if self.is_bound else self.initial.get("team_leader")
        picker.leader = _int_or_none(leader)
        if editing:
            del self.fields["code"]
            self.fields["row_version"] = forms.IntegerField(label="版本号", widget=forms.HiddenInput)


class BatchCancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=255)
    row_version = forms.IntegerField(label="版本号", widget=forms.HiddenInput)
