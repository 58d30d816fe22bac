"""`{% load sorting %}` — `{% sort_th "key" "标题" %}`: a sortable table header (see dudao.web.sorting)."""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.utils.html import format_html

from dudao.web.sorting import SORT_PARAM

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str, css: str = "") -> str:
    """<th> whose link sorts by `key` (ascending first, then the other way), keeping the filters; the
    active column shows ▲ / ▼ and carries aria-sort."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    current = (params.get(SORT_PARAM) or "").strip()
    params.pop("page", None)
    if current == key:
        params[SORT_PARAM] = f"-{key}"
        arrow, aria = "▲", "ascending"
    elif current == f"-{key}":
        params[SORT_PARAM] = key
        arrow, aria = "▼", "descending"
    else:
        params[SORT_PARAM] = key
        arrow, aria = "", "none"
    return format_html(
        '<th{}{}><a class="table-sort-link text-reset" href="?{}" title="按{}排序">{}{}</a></th>',
        format_html(' class="{}"', css) if css else "",
        format_html(' aria-sort="{}"', aria) if arrow else "",
        params.urlencode(),
        label,
        label,
        format_html(' <span class="sort-arrow" aria-hidden="true">{}</span>', arrow) if arrow else "",
    )
