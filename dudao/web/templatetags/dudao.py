"""`{% load dudao %}`: query-string, date, level and form-rendering helpers for every page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms, template
from django.utils import timezone

register = template.Library()

_LEVEL_LABELS = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}

# Status value → Tabler colour (KIT: status_badge).
STATUS_COLORS = {
    "active": "green",
    "valid": "green",
    "completed": "green",
    "signed": "green",
    "superseded": "yellow",
    "approved": "green",
    "passed": "green",
    "confirmed": "green",
    "planned": "blue",
    "ongoing": "azure",
    "submitted": "blue",
    "pending": "blue",
    "draft": "secondary",
    "suspended": "yellow",
    "rectifying": "yellow",
    "lost": "yellow",
    "reissuing": "yellow",
    "not_yet_valid": "blue",
    "replaced": "secondary",
    "lapsed": "red",
    "warning": "yellow",
    "expired": "secondary",
    "cancelled": "secondary",
    "dismissed": "secondary",
    "inactive": "secondary",
    "terminated": "red",
    "revoked": "red",
    "rejected": "red",
    "failed": "red",
    "overdue": "red",
    "published": "green",
    "closed": "azure",
    "institution_approved": "indigo",
    "withdrawn": "secondary",
    "present": "green",
    "late": "yellow",
    "absent": "red",
    "frozen": "blue",
    "locked": "green",
}


@register.simple_tag(takes_context=True)
def qs_replace(context, **overrides: Any) -> str:
    """`?a=1&page=2`: the current query string with the given parameters replaced (None/"" removes them)."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else None
    if params is None:
        from django.http import QueryDict

        params = QueryDict(mutable=True)
    for key, value in overrides.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def level_names(levels: Any) -> str:
    """[5, 4] → "五级/初级工、四级/中级工" (DOMAIN glossary: levels 5 lowest … 1 highest)."""
    if levels in (None, ""):
        return ""
    if isinstance(levels, int | str):
        levels = [levels]
    names = []
    for level in levels:
        try:
            names.append(_LEVEL_LABELS.get(int(level), str(level)))
        except (TypeError, ValueError):
            names.append(str(level))
    return "、".join(names)


def _local(value: Any) -> Any:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def ymd(value: Any) -> str:
    """Date as YYYY-MM-DD (aware datetimes in Asia/Shanghai)."""
    if not value:
        return ""
    value = _local(value)
    return value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value)


@register.filter
def ymdhm(value: Any) -> str:
    """Datetime as YYYY-MM-DD HH:MM, 24-hour, local time."""
    if not value:
        return ""
    value = _local(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value)


@register.filter
def status_color(status: Any) -> str:
    return STATUS_COLORS.get(str(status), "secondary")


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key) if hasattr(mapping, "get") else mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.simple_tag
def page_links(page: Any, around: int = 2) -> list[int | None]:
    """Page numbers to show, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
    last = page.num_pages
    current = min(max(1, page.page), last)
    shown = {1, last, *range(max(1, current - around), min(last, current + around) + 1)}
    result: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number - previous > 1:
            result.append(None)
        result.append(number)
        previous = number
    return result


def _widget_class(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


@register.filter
def bs_field(field: forms.BoundField, extra: str = "") -> str:
    """Render a bound field's widget with Tabler/Bootstrap classes (and is-invalid when it has errors)."""
    classes = [_widget_class(field)]
    existing = field.field.widget.attrs.get("class")
    if existing:
        classes.append(existing)
    if extra:
        classes.append(extra)
    if field.errors:
        classes.append("is-invalid")
    return field.as_widget(attrs={"class": " ".join(classes)})


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_multi_choice(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)


@register.simple_tag
def page_size_choices() -> tuple[int, ...]:
    from dudao.web.kit import PAGE_SIZE_CHOICES

    return PAGE_SIZE_CHOICES


@register.filter
def plain(value: Any) -> str:
    """Text without rule ids or "[interpretation]" marks (stored reasons, form definitions)."""
    from dudao.web.rules import plain as strip_rules

    return strip_rules(str(value or ""))


@register.filter
def basis(rule: Any) -> str:
    """A `title` tooltip for a rule reference: "依据:《Chinese source》", never the id itself."""
    from dudao.web.rules import basis as rule_basis

    return rule_basis(str(rule or ""))
