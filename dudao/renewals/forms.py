"""Page forms of the renewals app: the multi-section renewal form (seed 004 attachment 2) and the actions.

The renewal form is driven by `domain.FORM_SECTIONS`: field names are `<section>-<key>` for the object
sections and `<section>-<row>-<key>` for the tables, so the posted form maps back to the materials JSON
the service validates, and the service's error keys (`scope.0.levels`) map back to the fields.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import QueryDict

from . import domain
from .models import RenewalApplication, RenewalAttachment

ATTACHMENT_FIELDS = (
    (RenewalAttachment.Material.APPLICATION_LETTER, "必交;加盖公章的申请扫描件(PDF 或照片)"),
    (RenewalAttachment.Material.QUESTION_EXPLANATION, "技工院校、社会培训评价组织使用自建试题资源的必交"),
    (RenewalAttachment.Material.EXPERT_REVIEW, "技工院校、社会培训评价组织使用自建试题资源的必交"),
    (RenewalAttachment.Material.LEGAL_CERTIFICATE, "七、法人单位资格证书复印件"),
    (RenewalAttachment.Material.OTHER, "非本机构人员的聘用协议等其他材料"),
)


def _rows_in_post(post: QueryDict, section: str) -> list[int]:
    pattern = re.compile(rf"^{re.escape(section)}-(\d+)-")
    return sorted({int(m.group(1)) for key in post for m in [pattern.match(key)] if m})


def _value(post: QueryDict, name: str, spec: domain.FieldSpec) -> Any:
    if spec.kind == "levels":
        return [v for v in post.getlist(name) if v]
    if spec.kind == "bool":
        return name in post and post.get(name) not in ("", "0", "false")
    return post.get(name, "")


def materials_from_post(post: QueryDict) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """(materials JSON, {table section: [form row index, …]}) from a posted renewal form.

    Scope rows are only those ticked `include` (the institution asks to renew them).
    """
    materials: dict[str, Any] = {}
    indexes: dict[str, list[int]] = {}
    for section in domain.FORM_SECTIONS:
        if not section.table:
            materials[section.key] = {
                spec.key: _value(post, f"{section.key}-{spec.key}", spec) for spec in section.fields
            }
            continue
        rows, kept = [], []
        for i in _rows_in_post(post, section.key):
            if section.key == "scope" and not post.get(f"scope-{i}-include"):
                continue
            rows.append(
                {spec.key: _value(post, f"{section.key}-{i}-{spec.key}", spec) for spec in section.fields}
            )
            kept.append(i)
        materials[section.key] = rows
        indexes[section.key] = kept
    return materials, indexes


def form_errors(detail: Any, indexes: dict[str, list[int]]) -> dict[str, list[str]]:
    """Service error keys (`scope.0.levels`, `basic.name`, `attachments.x`) → page field names."""
    errors: dict[str, list[str]] = {}
    if not isinstance(detail, dict):
        return errors
    for key, messages in detail.items():
        parts = str(key).split(".")
        if len(parts) == 3 and parts[1].isdigit():
            section, position, field = parts
            rows = indexes.get(section, [])
            index = rows[int(position)] if int(position) < len(rows) else int(position)
            name = f"{section}-{index}-{field}"
        elif len(parts) == 2:
            name = f"{parts[0]}-{parts[1]}" if parts[0] != "attachments" else parts[1]
        else:
            name = parts[0]
        errors.setdefault(name, []).extend(messages if isinstance(messages, list) else [str(messages)])
    return errors


def _cell(section: str, spec: domain.FieldSpec, name: str, value: Any, errors: dict) -> dict[str, Any]:
    return {"spec": spec, "name": name, "value": value, "errors": errors.get(name, []), "section": section}


def build_sheet(
    *,
    filing: Any,
    scope: list[domain.ScopeEntry],
    post: QueryDict | None,
    errors: dict[str, list[str]],
) -> list[dict[str, Any]]:
    """What the apply page renders: sections with their fields/rows, values (posted or prefilled), errors."""
    institution = filing.institution
    prefill_basic = {
        "name": institution.name,
        "address": institution.address,
        "uscc": institution.uscc,
        "legal_representative": institution.legal_representative,
        "contact_name": institution.contact_name,
        "contact_phone": institution.contact_phone,
    }
    sheet = []
    for section in domain.FORM_SECTIONS:
        item: dict[str, Any] = {"spec": section, "errors": errors.get(section.key, [])}
        if not section.table:
            cells = []
            for spec in section.fields:
                name = f"{section.key}-{spec.key}"
                if post is not None:
                    value = _value(post, name, spec)
                else:
                    value = prefill_basic.get(spec.key, "") if section.key == "basic" else ""
                    if section.key == "commitment" and spec.key == "legal_representative":
                        value = institution.legal_representative
                cells.append(_cell(section.key, spec, name, value, errors))
            item["cells"] = cells
        elif section.key == "scope":
            item["rows"] = _scope_rows(scope, post, errors)
        else:
            indexes = _rows_in_post(post, section.key) if post is not None else []
            rows = []
            for i in indexes:
                rows.append(
                    {
                        "index": i,
                        "cells": [
                            _cell(
                                section.key,
                                s,
                                f"{section.key}-{i}-{s.key}",
                                _value(post, f"{section.key}-{i}-{s.key}", s),
                                errors,
                            )
                            for s in section.fields
                        ],
                    }
                )
            if not rows:
                rows.append(
                    {
                        "index": 0,
                        "cells": [
                            _cell(
                                section.key,
                                s,
                                f"{section.key}-0-{s.key}",
                                [] if s.kind == "levels" else "",
                                errors,
                            )
                            for s in section.fields
                        ],
                    }
                )
            item["rows"] = rows
            item["template_cells"] = [
                _cell(section.key, s, f"{section.key}-__i__-{s.key}", "", {}) for s in section.fields
            ]
            item["next_index"] = max(r["index"] for r in rows) + 1
        sheet.append(item)
    return sheet


def _scope_rows(scope: list[domain.ScopeEntry], post: QueryDict | None, errors: dict) -> list[dict[str, Any]]:
    rows = []
    for i, entry in enumerate(scope):
        prefix = f"scope-{i}-"
        if post is not None:
            include = bool(post.get(prefix + "include"))
            levels = [int(v) for v in post.getlist(prefix + "levels") if v.isdigit()]
            count = post.get(prefix + "certified_count", "")
        else:
            include, levels, count = True, list(entry.levels), ""
        rows.append(
            {
                "index": i,
                "entry": entry,
                "include": include,
                "levels": levels,
                "level_choices": [(level, domain.LEVEL_LABELS[level]) for level in entry.levels],
                "certified_count": count,
                "errors": [
                    m
                    for key in ("occupation_code", "levels", "certified_count", "start_date")
                    for m in errors.get(prefix + key, [])
                ],
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------------
# Actions


class VersionForm(forms.Form):
    row_version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(VersionForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OptionalReasonForm(VersionForm):
    reason = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ReviewForm(VersionForm):
    approve = forms.TypedChoiceField(
        label="审核结论",
        choices=[("1", "符合延续备案条件,准予延续并出具回执"), ("0", "不符合延续备案条件,不予延续")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(label="审核意见", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class BureauReviewForm(VersionForm):
    """Two-step renewal: the bureau confirms the centre's result or returns it."""

    approve = forms.TypedChoiceField(
        label="审核结论",
        choices=[("1", "同意评估机构的评估结果,按结果作出决定"), ("0", "退回评估机构重新核实")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(
        label="审核意见(退回时必填)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class TerminationNoticeForm(VersionForm):
    notice = forms.CharField(label="告知内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class EvaluationForm(VersionForm):
    leader = forms.ChoiceField(label="评估组组长")
    members = forms.MultipleChoiceField(
        label="评估组成员", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(u.pk), f"{u.display_name or u.username}({u.get_role_display()})") for u in candidates]
        self.fields["leader"].choices = [("", "请选择"), *choices]
        self.fields["members"].choices = choices


class FilterForm(forms.Form):
    q = forms.CharField(
        label="关键词", required=False, widget=forms.TextInput(attrs={"placeholder": "机构名称、备案编号"})
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *list(RenewalApplication.Status.choices)]
    )
    kind = forms.ChoiceField(
        label="机构类型",
        required=False,
        choices=[("", "全部")] + [(k.value, v) for k, v in domain.KIND_LABELS.items()],
    )
    deadline = forms.ChoiceField(
        label="办结期限", required=False, choices=[("", "全部"), ("open", "待决定"), ("overdue", "已逾期")]
    )


class ConfigForm(forms.Form):
    renewal_years = forms.IntegerField(
        label="延续备案年限(年)",
        min_value=1,
        max_value=10,
        help_text="准予延续后,备案有效期自原届满日次日起延续的年数([解释] 默认 4 年,见用户手册)",
    )
    receipt_prefix = forms.CharField(
        label="延续备案回执文号前缀",
        max_length=32,
        help_text="如「渝人社延备」,文号形如 渝人社延备〔2025〕1号",
    )
    notice_prefix = forms.CharField(label="整改通知书文号前缀", max_length=32)
    filing_prefix = forms.CharField(
        label="新备案回执文号前缀",
        max_length=32,
        required=False,
        help_text="准予新备案时出具的备案回执文号,如「渝人社备」",
    )
    evaluation_centre = forms.ChoiceField(
        label="两步办理的评估机构(中心)",
        required=False,
        help_text="选择后,技工院校、社会培训评价组织的延续备案先由该中心评估,再由本局审核并出具回执;"
        "不选为一步办理(默认)",
    )

    def __init__(self, *args: Any, centres=(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["evaluation_centre"].choices = [("", "不设置(一步办理)")] + [
            (str(a.pk), a.name) for a in centres
        ]


def error_summary(
    sheet: list[dict[str, Any]], attachment_fields: list[dict[str, Any]], errors: dict[str, list[str]]
) -> list[dict[str, str]]:
    """Every error of the page, in page order, each with a label and the anchor of its field (issue 9 §3.6).

    [{"label", "message", "anchor"}]; errors the page cannot place are listed without an anchor.
    """
    out: list[dict[str, str]] = []
    placed: set[str] = set()

    def add(name: str, label: str, anchor: str) -> None:
        for message in errors.get(name, []):
            out.append({"label": label, "message": message, "anchor": anchor})
        placed.add(name)

    for section in sheet:
        spec = section["spec"]
        title = spec.title
        add(spec.key, title, f"section-{spec.key}")
        for cell in section.get("cells", []):
            add(cell["name"], f"{title}:{cell['spec'].label}", f"id_{cell['name']}")
        for position, row in enumerate(section.get("rows", []), start=1):
            if "entry" in row:  # scope rows
                for key in ("occupation_code", "levels", "certified_count", "start_date"):
                    add(
                        f"scope-{row['index']}-{key}",
                        f"{title}:{row['entry'].label()}",
                        f"scope-row-{row['index']}",
                    )
                continue
            for cell in row["cells"]:
                add(cell["name"], f"{title} 第 {position} 行:{cell['spec'].label}", f"id_{cell['name']}")
    for field in attachment_fields:
        add(field["name"], field["label"], f"id_{field['name']}")
    for name, messages in errors.items():
        if name not in placed:
            out.extend({"label": "", "message": m, "anchor": ""} for m in messages)
    return out


def posted_fields(post: QueryDict) -> dict[str, list[str]]:
    """The form's own fields of a post (what a draft keeps): no token, no button, no file reference."""
    return {
        key: post.getlist(key)
        for key in post
        if key not in ("csrfmiddlewaretoken", "action") and not key.startswith("pending-")
    }


def post_from_fields(fields: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in fields.items():
        if isinstance(values, list):
            data.setlist(str(key), [str(v) for v in values])
    return data


# --------------------------------------------------------------------------------------------- new filings
SCOPE_ROWS = 5
LEVEL_CHOICES = [(str(n), label) for n, label in sorted(domain.LEVEL_LABELS.items(), reverse=True)]


class FilingApplyForm(forms.Form):
    """新备案申请: who applies (authority users choose the institution), the late-renewal link, up to five
    scope rows, contact, summary and the materials (the application letter is required)."""

    institution = forms.ChoiceField(label="评价机构")
    previous_filing = forms.ChoiceField(
        label="原备案(逾期申请延续时选择)",
        required=False,
        help_text="届满前不足 30 日申请延续的,按新设立评价机构受理:选择原备案",
    )
    contact_name = forms.CharField(label="联系人", max_length=64, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=32, required=False)
    summary = forms.CharField(
        label="机构条件概述(场地、设施设备、人员、试题资源)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    application_letter = forms.FileField(label="备案申请书")
    legal_certificate = forms.FileField(label="法人单位资格证书", required=False)
    question_explanation = forms.FileField(label="试题资源编制说明", required=False)
    expert_review = forms.FileField(label="专家评审意见表", required=False)

    def __init__(self, *args: Any, institutions=(), filings=(), occupations=(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "请选择")] + [(str(i.pk), i.name) for i in institutions]
        self.fields["previous_filing"].choices = [("", "无(新设立评价机构)")] + [
            (str(x.pk), f"{x.number}(有效期至 {x.valid_until:%Y-%m-%d})") for x in filings
        ]
        occupation_choices = [("", "请选择职业")] + [(str(o.pk), f"{o.code} {o.name}") for o in occupations]
        for i in range(SCOPE_ROWS):
            self.fields[f"occupation_{i}"] = forms.ChoiceField(
                label=f"认定范围 {i + 1}:职业", choices=occupation_choices, required=i == 0
            )
            self.fields[f"work_type_{i}"] = forms.CharField(label="工种(可选)", max_length=64, required=False)
            self.fields[f"levels_{i}"] = forms.MultipleChoiceField(
                label="等级", choices=LEVEL_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
            )

    def requested_scope(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        return [
            {"occupation": d[f"occupation_{i}"], "work_type": d[f"work_type_{i}"], "levels": d[f"levels_{i}"]}
            for i in range(SCOPE_ROWS)
            if d.get(f"occupation_{i}")
        ]

    def attachments(self) -> dict[str, Any]:
        names = ("application_letter", "legal_certificate", "question_explanation", "expert_review")
        return {n: self.cleaned_data[n] for n in names if self.cleaned_data.get(n)}


class FilingReviewForm(VersionForm):
    decision = forms.ChoiceField(
        label="审核结论",
        choices=[("accept", "受理,组织现场评估"), ("return", "退回补正"), ("refuse", "不予受理")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="审核意见(退回、不予受理时必填)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FilingResubmitForm(VersionForm):
    legal_certificate = forms.FileField(label="法人单位资格证书", required=False)
    question_explanation = forms.FileField(label="试题资源编制说明", required=False)
    expert_review = forms.FileField(label="专家评审意见表", required=False)
    other = forms.FileField(label="其他补正材料", required=False)

    def attachments(self) -> dict[str, Any]:
        names = ("legal_certificate", "question_explanation", "expert_review", "other")
        return {n: self.cleaned_data[n] for n in names if self.cleaned_data.get(n)}


class SiteEvaluationForm(VersionForm):
    visited_on = forms.DateField(
        label="现场评估日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    evaluators = forms.CharField(label="评估人员", max_length=255, help_text="姓名,多人用顿号分隔")
    passed = forms.TypedChoiceField(
        label="评估结论",
        choices=[("1", "合格"), ("0", "不合格")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(label="现场评估意见", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class FilingDecisionForm(VersionForm):
    approve = forms.TypedChoiceField(
        label="决定",
        choices=[("1", "准予备案,出具备案回执"), ("0", "不予备案")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    number = forms.CharField(label="备案编号(准予备案时必填)", max_length=64, required=False)
    note = forms.CharField(
        label="决定理由(不予备案时必填)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
