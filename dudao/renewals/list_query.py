"""The renewal list as its query string describes it (filters and sort), shared by the page and the export."""

from __future__ import annotations

from django.http import HttpRequest

from dudao.web.sorting import sort_list

from . import forms as f
from . import selectors

# Sortable columns of the list (dudao.web.sorting).
APPLICATION_SORTS = {
    "institution": "institution__name",
    "filing": "filing__number",
    "kind": "kind",
    "received_on": "received_on",
    "decide_by": "decide_by",
    "status": "status",
}


def filtered_applications(request: HttpRequest):
    """(filter form, applications in the user's scope filtered and sorted as asked)."""
    form = f.FilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    qs = selectors.application_list(
        request.user,
        q=values.get("q") or "",
        status=values.get("status") or "",
        kind=values.get("kind") or "",
        deadline=values.get("deadline") or "",
    )
    return form, sort_list(request, qs, APPLICATION_SORTS)
