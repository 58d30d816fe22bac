"""Page forms of the supervision app: input parsing only; every rule lives in services and workflow.

A service error is shown on its form with `dudao.web.kit.run_form` (detail keys mapped to the form's fields).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from dudao.common.errors import ApplicationError
from dudao.common.widgets import DATE, DATETIME
from dudao.registry.models import Institution

from . import workflow
from .models import Draw, DrawWitness, Penalty, SupervisionPolicy, SupervisorAssessment, TaskKind

CONTENT_AREA_CHOICES = [(code, f"{code} {label}") for code, label in workflow.CONTENT_AREAS.items()]
METHOD_CHOICES = list(workflow.METHODS.items())
SEVERITY_CHOICES = list(workflow.SEVERITIES.items())


class Form(forms.Form):
    """A page form whose radio buttons and checkbox lists carry Tabler's classes (choice by choice)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-check-input")


class _SupervisorChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        flag = " ⚠解聘风险" if obj.dismissal_flag else ""
        return f"{obj.person.name}({obj.get_kind_display()}{flag})"


class _SupervisorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.person.name}({obj.get_kind_display()})"


class _InstitutionChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}({obj.uscc})"


# ----------------------------------------------------------------------------------------------- filters
class DrawFilterForm(Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "编号或名称"})
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *Draw.Status.choices])
    task_kind = forms.ChoiceField(label="督导类型", required=False, choices=[("", "全部"), *TaskKind.choices])
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)


TASK_STATUS_CHOICES = [("", "全部")]


class TaskFilterForm(Form):
    DEADLINES = [
        ("", "全部"),
        ("open", "未办结"),
        ("overdue", "报告逾期"),
        ("due3", "报告 3 日内到期"),
        ("awaiting", "待我处理"),
    ]
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "任务编号、机构、批次"})
    )
    status = forms.ChoiceField(label="状态", required=False)
    kind = forms.ChoiceField(label="督导类型", required=False, choices=[("", "全部"), *TaskKind.choices])
    deadline = forms.ChoiceField(label="期限", required=False, choices=DEADLINES)

    def __init__(self, *args: Any, **kwargs: Any):
        from .models import SupervisionTask

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部"), *SupervisionTask.Status.choices]


class CoverageFilterForm(Form):
    start = forms.DateField(label="期间起", required=False, widget=DATE)
    end = forms.DateField(label="期间止", required=False, widget=DATE)
    covered = forms.ChoiceField(
        label="督导情况", required=False, choices=[("", "全部"), ("no", "未派督导"), ("yes", "已派督导")]
    )
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "批次编号或机构名称"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "期间止不能早于期间起")
        if start and end and (end - start).days > 366:
            self.add_error("end", "查询期间不能超过一年")
        return data


class PenaltyFilterForm(Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "机构名称"})
    )
    kind = forms.ChoiceField(label="处理方式", required=False, choices=[("", "全部"), *Penalty.Kind.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *Penalty.Status.choices])


class OpinionFilterForm(Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "文号、任务或机构"})
    )
    kind = forms.ChoiceField(
        label="类型",
        required=False,
        choices=[("", "全部"), ("preliminary", "初步督导意见"), ("final", "督导意见书")],
    )


class PerformanceFilterForm(Form):
    q = forms.CharField(label="姓名", required=False)
    flagged = forms.BooleanField(label="只看有解聘风险标记的", required=False)


class PublicDrawFilterForm(Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "编号或名称"})
    )
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)


class PublicTaskFilterForm(Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "任务编号或机构名称"})
    )


# ------------------------------------------------------------------------------------------------- draws
class DrawForm(Form):
    """The draw wizard's first step (RAND-1): period, population, sample, weights, task kind, group, pool."""

    SAMPLE_MODES = [("all", "全部入选"), ("count", "按数量"), ("ratio", "按比例")]

    title = forms.CharField(label="名称", max_length=128)
    period_start = forms.DateField(label="期间起", widget=DATE)
    period_end = forms.DateField(label="期间止", widget=DATE)
    population = forms.ChoiceField(
        label="抽取对象", choices=Draw.Population.choices, widget=forms.RadioSelect, initial="batches"
    )
    institution_kinds = forms.MultipleChoiceField(
        label="机构类型",
        required=False,
        choices=Institution.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    institutions = _InstitutionChoices(
        label="限定评价机构",
        queryset=Institution.objects.none(),
        required=False,
        help_text="不选则为辖区内全部机构;可按住 Ctrl 多选",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    occupations = forms.ModelMultipleChoiceField(
        label="限定职业",
        queryset=None,
        required=False,
        help_text="仅对评价批次有效;不选则为全部职业",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    region = forms.CharField(
        label="限定区划代码", required=False, max_length=12, help_text="如 3601(南昌市),须在本机构辖区内"
    )
    sample_mode = forms.ChoiceField(
        label="抽取方式", choices=SAMPLE_MODES, widget=forms.RadioSelect, initial="count"
    )
    sample_count = forms.IntegerField(label="抽取数量", required=False, min_value=1)
    sample_ratio = forms.DecimalField(
        label="抽取比例",
        required=False,
        min_value=Decimal("0.0001"),
        max_value=Decimal(1),
        decimal_places=4,
        help_text="0 到 1 之间,如 0.1 表示 10%,人数向上取整",
    )
    prior_violation = forms.DecimalField(
        label="有违规记录机构的权重系数",
        required=False,
        min_value=Decimal("0.0001"),
        max_value=Decimal(1000),
        decimal_places=4,
        help_text="近三年受过处理的机构,抽中权重乘以此系数;空或 1 表示不加权",
    )
    risk_score = forms.BooleanField(
        label="按风险加权",
        required=False,
        help_text="公布时按各机构的风险评分确定抽中权重(1 + 评分 ÷ 10,最高 10),并写入公开的抽取情景",
    )
    institution_weights = forms.CharField(
        label="机构风险权重",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "91360100MA35XXXX01 3"}),
        help_text="每行一个:统一社会信用代码 权重(投诉多、数据异常的机构提高权重)",
    )
    task_kind = forms.ChoiceField(
        label="督导类型", choices=TaskKind.choices, widget=forms.RadioSelect, initial="daily"
    )
    items = forms.MultipleChoiceField(
        label="督导事项",
        required=False,
        choices=CONTENT_AREA_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="专项督导须先明确督导事项;日常督导不选则按默认检查清单",
    )
    group_size = forms.IntegerField(label="督导组人数", min_value=1, max_value=15, initial=1)
    group_reason = forms.CharField(label="专项督导不足 3 人的理由", required=False, max_length=255)
    max_tasks = forms.IntegerField(label="每名督导员最多任务数", min_value=1, max_value=100, initial=3)
    covert_policy = forms.ChoiceField(
        label="督导方式",
        choices=Draw.CovertPolicy.choices,
        widget=forms.RadioSelect,
        initial="open",
        help_text="暗访:任务在报告提交前对被督导机构和公众隐藏",
    )
    pool_supervisors = _SupervisorChoices(
        label="限定督导员库",
        queryset=None,
        required=False,
        help_text="不选则为全部在册、持有效证卡的督导员",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    include_flagged = forms.BooleanField(label="包括有解聘风险标记的督导员", required=False)

    FIELD_MAP = {
        "filters": "institutions",
        "risk_weights": "institution_weights",
        "pool": "pool_supervisors",
        "sample_count": "sample_count",
    }
    INTERNAL_HIDDEN = (
        "population",
        "institution_kinds",
        "institutions",
        "region",
        "covert_policy",
        "prior_violation",
        "risk_score",
        "institution_weights",
    )

    def __init__(
        self, *args: Any, institutions=None, occupations=None, supervisors=None, internal=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.internal = internal
        self.fields["institutions"].queryset = (
            institutions if institutions is not None else Institution.objects.none()
        )
        from dudao.registry.models import Occupation

        self.fields["occupations"].queryset = (
            occupations if occupations is not None else Occupation.objects.none()
        )
        from dudao.people.models import Supervisor

        self.fields["pool_supervisors"].queryset = (
            supervisors if supervisors is not None else Supervisor.objects.none()
        )
        if internal:
            for name in self.INTERNAL_HIDDEN:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        mode = data.get("sample_mode")
        if mode == "count" and not data.get("sample_count"):
            self.add_error("sample_count", "请填写抽取数量")
        if mode == "ratio" and not data.get("sample_ratio"):
            self.add_error("sample_ratio", "请填写抽取比例")
        weights: dict[str, float] = {}
        raw = data.get("institution_weights") or ""
        if raw.strip():
            by_code = {i.uscc: i.pk for i in self.fields["institutions"].queryset.only("pk", "uscc")}
            for number, line in enumerate(raw.splitlines(), start=1):
                parts = line.replace(",", " ").replace(",", " ").split()
                if not parts:
                    continue
                if len(parts) != 2:
                    self.add_error("institution_weights", f"第 {number} 行应为「统一社会信用代码 权重」")
                    continue
                code, value = parts
                if code not in by_code:
                    self.add_error(
                        "institution_weights", f"第 {number} 行:辖区内没有统一社会信用代码为 {code} 的机构"
                    )
                    continue
                try:
                    weights[str(by_code[code])] = float(workflow.weight_value(value))
                except ApplicationError as exc:
                    self.add_error("institution_weights", f"第 {number} 行:{exc.message}")
        data["weights_by_id"] = weights
        return data

    def service_values(self) -> dict[str, Any]:
        """Keyword arguments for services.draw_define / draw_update."""
        d = self.cleaned_data
        mode = d.get("sample_mode")
        values: dict[str, Any] = {
            "title": d["title"],
            "period_start": d["period_start"],
            "period_end": d["period_end"],
            "filters": {
                "occupations": [o.pk for o in d.get("occupations") or []],
                "institution_kinds": list(d.get("institution_kinds") or []),
                "institutions": [i.pk for i in d.get("institutions") or []],
                "region": d.get("region") or "",
            },
            "sample_count": d.get("sample_count") if mode == "count" else None,
            "sample_ratio": d.get("sample_ratio") if mode == "ratio" else None,
            "task_kind": d["task_kind"],
            "items": list(d.get("items") or []),
            "group_size": d["group_size"],
            "group_reason": d.get("group_reason") or "",
            "max_tasks": d["max_tasks"],
            "pool": {
                "supervisors": [s.pk for s in d.get("pool_supervisors") or []],
                "include_flagged": bool(d.get("include_flagged")),
            },
        }
        if not self.internal:
            values["population"] = d["population"]
            values["covert_policy"] = d["covert_policy"]
            risk: dict[str, Any] = {}
            if d.get("weights_by_id"):
                risk["institutions"] = d["weights_by_id"]
            if d.get("prior_violation") not in (None, Decimal(1)):
                risk["prior_violation"] = str(d["prior_violation"])
            if d.get("risk_score"):
                risk["risk_score"] = True
            values["risk_weights"] = risk
        return values

    @staticmethod
    def initial_from(draw: Draw) -> dict[str, Any]:
        filters = draw.filters or {}
        risk = draw.risk_weights or {}
        uscc = dict(
            Institution.objects.filter(pk__in=[int(k) for k in risk.get("institutions", {})]).values_list(
                "pk", "uscc"
            )
        )
        mode = "count" if draw.sample_count else ("ratio" if draw.sample_ratio else "all")
        return {
            "title": draw.title,
            "period_start": draw.period_start,
            "period_end": draw.period_end,
            "population": draw.population,
            "institution_kinds": filters.get("institution_kinds", []),
            "institutions": filters.get("institutions", []),
            "occupations": filters.get("occupations", []),
            "region": filters.get("region", ""),
            "sample_mode": mode,
            "sample_count": draw.sample_count,
            "sample_ratio": draw.sample_ratio,
            "prior_violation": risk.get("prior_violation"),
            "risk_score": bool(risk.get("risk_score")),
            "institution_weights": "\n".join(
                f"{uscc.get(int(k), k)} {v:g}" for k, v in risk.get("institutions", {}).items()
            ),
            "task_kind": draw.task_kind,
            "items": draw.items,
            "group_size": draw.group_size,
            "group_reason": draw.group_reason,
            "max_tasks": draw.max_tasks,
            "covert_policy": draw.covert_policy,
            "pool_supervisors": (draw.pool or {}).get("supervisors", []),
            "include_flagged": bool((draw.pool or {}).get("include_flagged")),
        }


class ReasonForm(Form):
    reason = forms.CharField(label="原因", max_length=255, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, label: str = "原因", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


class WitnessForm(Form):
    """A draw witness and the commitment they computed themselves (issue 8 §7); checked by the service."""

    name = forms.CharField(label="见证人姓名", max_length=64)
    role = forms.ChoiceField(label="身份", choices=DrawWitness.Role.choices)
    organisation = forms.CharField(label="单位", max_length=128, required=False)
    commitment = forms.CharField(
        label="承诺值(随机值的哈希值,64 位十六进制)",
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class WitnessValueForm(Form):
    """The value a witness reveals at the draw meeting."""

    value = forms.CharField(
        label="随机值",
        max_length=128,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


# ------------------------------------------------------------------------------------------------- tasks
class TaskCreateForm(Form):
    """An ad hoc task (a complaint, an uncovered batch): named supervisors, each checked by the service."""

    institution = forms.ModelChoiceField(label="评价机构", queryset=None, empty_label="请选择评价机构")
    batch = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="督导类型", choices=TaskKind.choices, widget=forms.RadioSelect, initial="daily"
    )
    covert = forms.BooleanField(label="暗访(报告提交前对机构保密)", required=False)
    items = forms.MultipleChoiceField(
        label="督导事项",
        required=False,
        choices=CONTENT_AREA_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    starts_at = forms.DateTimeField(
        label="开始时间", required=False, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    ends_at = forms.DateTimeField(
        label="结束时间", required=False, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    supervisors = _SupervisorChoices(
        label="督导员",
        queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="系统逐一检查证卡、回避、时间冲突等条件",
    )
    leader = _SupervisorChoice(
        label="组长",
        queryset=None,
        required=False,
        empty_label="请选择组长",
        help_text="从所选督导员中指定;只选一位督导员时即为组长",
        widget=forms.Select(attrs={"data-among": "id_supervisors"}),
    )
    group_reason = forms.CharField(label="专项督导不足 3 人的理由", required=False, max_length=255)
    note = forms.CharField(label="派发原因/备注", required=False, max_length=255)

    def __init__(self, *args: Any, institutions=None, supervisors=None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["supervisors"].queryset = supervisors
        self.fields["leader"].queryset = supervisors

    def clean(self) -> dict[str, Any]:
        """The leader is chosen, not implied by list order (issue 9 §3.5): with two or more supervisors
        the user names one of them; a single supervisor leads."""
        data = super().clean()
        chosen = list(data.get("supervisors") or [])
        leader = data.get("leader")
        if leader is not None and chosen and leader not in chosen:
            self.add_error("leader", "组长须是所选督导员之一")
        elif leader is None and len(chosen) > 1:
            self.add_error("leader", "请从所选督导员中指定组长")
        elif leader is None and len(chosen) == 1:
            data["leader"] = chosen[0]
        return data


class DeclineForm(Form):
    reason_kind = forms.ChoiceField(
        label="理由类别", required=False, choices=[("", "请选择"), *workflow.DECLINE_REASON_KINDS.items()]
    )
    reason = forms.CharField(
        label="拒绝理由",
        required=False,
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="不说明理由即为无故拒绝,将按规定记入履职记录",
    )


class ReviewDeclineForm(Form):
    justified = forms.TypedChoiceField(
        label="审核结论",
        choices=[("1", "理由成立"), ("0", "理由不成立(按规定记录)")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="审核意见", required=False, max_length=255)


class ReplaceForm(Form):
    supervisor = _SupervisorChoice(label="替换为", queryset=None, empty_label="请选择督导员")

    def __init__(self, *args: Any, supervisors=None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors


class ReportForm(Form):
    summary = forms.CharField(label="督导情况", widget=forms.Textarea(attrs={"rows": 5}))
    problems = forms.CharField(label="存在问题", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    recommendations = forms.CharField(
        label="意见建议", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    confirm = forms.BooleanField(
        label="我已核对督导发现和报告内容,确认提交(提交后不可修改,更正须生成新版本)",
        error_messages={"required": "请先勾选确认"},
    )


class ReportCorrectForm(ReportForm):
    reason = forms.CharField(label="更正原因", max_length=255)
    field_order = ["reason", "summary", "problems", "recommendations", "confirm"]


class PreliminaryForm(Form):
    body = forms.CharField(label="初步督导意见", widget=forms.Textarea(attrs={"rows": 6}))
    requirements = forms.CharField(
        label="拟提出的整改要求", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class DefenceForm(Form):
    text = forms.CharField(label="申辩意见", widget=forms.Textarea(attrs={"rows": 8}))
    confirm = forms.BooleanField(
        label="确认提交申辩意见(提交后不可修改)", error_messages={"required": "请先勾选确认"}
    )


class OpinionForm(Form):
    body = forms.CharField(label="督导意见", widget=forms.Textarea(attrs={"rows": 8}))
    requires_rectification = forms.BooleanField(label="须整改", required=False, initial=True)
    requirements = forms.CharField(label="整改要求", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    rectification_due_on = forms.DateField(label="整改期限", required=False, widget=DATE)
    confirm = forms.BooleanField(
        label="确认下达督导意见书(编号后不可修改)", error_messages={"required": "请先勾选确认"}
    )


class RectificationOrderForm(Form):
    requirements = forms.CharField(label="整改要求", widget=forms.Textarea(attrs={"rows": 5}))
    due_on = forms.DateField(
        label="整改期限", required=False, widget=DATE, help_text="不填按督导设置的默认期限"
    )


class RectificationSubmitForm(Form):
    plan = forms.CharField(label="整改报告", widget=forms.Textarea(attrs={"rows": 8}))
    confirm = forms.BooleanField(
        label="确认提交整改材料(提交后等待复核)", error_messages={"required": "请先勾选确认"}
    )


class RectificationReviewForm(Form):
    passed = forms.TypedChoiceField(
        label="复核结论",
        choices=[("1", "整改到位,复核通过"), ("0", "整改不到位,重新整改")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="复核意见", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    requirements = forms.CharField(
        label="新的整改要求",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="复核未通过时填写;不填沿用原要求",
    )
    due_on = forms.DateField(label="新的整改期限", required=False, widget=DATE)


class CloseForm(Form):
    note = forms.CharField(label="办结说明", required=False, max_length=255)


class RatingForm(Form):
    """SUP-11: the institution rates one supervisor (five items, 1–5 each)."""

    SCORE_CHOICES = [(str(n), str(n)) for n in range(workflow.RATING_MIN, workflow.RATING_MAX + 1)]

    supervisor = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label="评价意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for key, label in workflow.RATING_ITEMS.items():
            self.fields[f"score_{key}"] = forms.TypedChoiceField(
                label=label, choices=self.SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
            )
        self.order_fields(["supervisor", *[f"score_{k}" for k in workflow.RATING_ITEMS], "comment"])

    def scores(self) -> dict[str, int]:
        return {key: self.cleaned_data[f"score_{key}"] for key in workflow.RATING_ITEMS}


# --------------------------------------------------------------------------------- penalties, supervisors
class PenaltyForm(Form):
    institution = forms.ModelChoiceField(label="评价机构", queryset=None, empty_label="请选择评价机构")
    task = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="处理方式", choices=Penalty.Kind.choices)
    ground = forms.ChoiceField(label="事由", choices=list(workflow.PENALTY_GROUNDS.items()))
    description = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 5}))
    # INST-4 ladder: the earlier penalty this one builds on (拒不改正), or a serious matter.
    escalated_from = forms.ModelChoiceField(
        label="前一级处理",
        queryset=None,
        required=False,
        empty_label="无(首次处理)",
        help_text="建议给予处分须以通报批评或责令改正为前一级,取消评价工作资格须以建议给予处分为前一级",
    )
    serious = forms.BooleanField(label="情节严重(可不经前一级处理)", required=False)
    serious_reason = forms.CharField(
        label="情节严重的理由", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible_persons = forms.CharField(
        label="直接负责的主管人员和其他责任人员",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="建议给予处分时必填,每行一人,可写明职务",
    )
    confirm = forms.BooleanField(
        label="确认作出处理决定(暂停或取消资格会立即变更备案状态,暂停期间不能安排新的评价批次)",
        error_messages={"required": "请先勾选确认"},
    )

    def __init__(self, *args: Any, institutions=None, earlier=None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["escalated_from"].queryset = earlier
        self.fields["escalated_from"].label_from_instance = lambda p: (
            f"{p.institution.name} · {p.get_kind_display()} · {p.decided_at:%Y-%m-%d}"
        )


class AssessmentForm(Form):
    year = forms.IntegerField(label="考核年度", min_value=2000)
    decision = forms.ChoiceField(
        label="考核结论", choices=SupervisorAssessment.Decision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="考核意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="不予续聘或取消资格时必填;取消资格会吊销证卡",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class MisconductForm(Form):
    kind = forms.ChoiceField(label="情形", choices=list(workflow.MISCONDUCT_KINDS.items()))
    occurred_on = forms.DateField(label="发生日期", required=False, widget=DATE)
    description = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 3}))


class PolicyForm(Form):
    report_days = forms.IntegerField(
        label="报告提交期限(自然日)",
        min_value=0,
        max_value=60,
        help_text="评价结束后 N 日内书面反馈,默认 2 日",
    )
    defence_workdays = forms.IntegerField(
        label="申辩期限(工作日)",
        min_value=1,
        max_value=60,
        help_text="初步督导意见送达后 N 个工作日内申辩",
    )
    rectification_days = forms.IntegerField(label="默认整改期限(自然日)", min_value=1, max_value=730)
    termination_statement_workdays = forms.IntegerField(
        label="终止备案陈述申辩期限(工作日)",
        min_value=1,
        max_value=60,
        help_text="拟终止备案告知送达后 N 个工作日内陈述申辩,默认 5 个工作日",
    )
    disclose_supervisors_as = forms.ChoiceField(
        label="公开督导员方式", choices=SupervisionPolicy.Disclosure.choices, widget=forms.RadioSelect
    )
    coverage_required = forms.BooleanField(label="逢考必督(每个评价批次都须派出督导员)", required=False)
    opinion_number_prefix = forms.CharField(
        label="督导意见书文号前缀", required=False, max_length=32, help_text="如「赣鉴督」;空则用机构编码"
    )


def default_due(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


# ------------------------------------------------------------------------- termination of a filing
class TerminationStartForm(Form):
    ground = forms.ChoiceField(label="终止事由", choices=[])
    notice = forms.CharField(
        label="告知内容",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="写明逾期未整改的事实、拟终止备案的依据,以及机构陈述申辩的权利和期限",
    )
    confirm = forms.BooleanField(
        label="确认向机构送达拟终止备案告知(机构可在期限内陈述申辩,期满或陈述申辩后再作决定)",
        error_messages={"required": "请先勾选确认"},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        from .domain import TERMINATION_GROUNDS

        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [
            (k, v) for k, v in TERMINATION_GROUNDS.items() if not k.startswith("renewal_")
        ]


class TerminationStatementForm(Form):
    statement = forms.CharField(label="陈述申辩意见", widget=forms.Textarea(attrs={"rows": 5}))


class TerminationDecisionForm(Form):
    decision = forms.ChoiceField(
        label="决定",
        choices=[("terminate", "终止备案"), ("withdraw", "撤回终止备案程序")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="决定理由", widget=forms.Textarea(attrs={"rows": 4}))
