"""`{% renewal_scope_forecast evaluation %}`: on a renewal evaluation's page, the occupations the renewal
would drop (REN-5, issue 9 §3.2), so the group knows before scoring 43 items that nothing may remain."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from dudao.renewals import selectors

register = template.Library()


@register.inclusion_tag("renewals/partials/scope_forecast.html", takes_context=True)
def renewal_scope_forecast(context: dict[str, Any], evaluation: Any) -> dict[str, Any]:
    if getattr(evaluation, "purpose", "") != "renewal":
        return {"forecast": None}
    ids = [evaluation.pk] + ([evaluation.previous_id] if evaluation.previous_id else [])
    app = (
        selectors.applications_for(context["request"].user)
        .filter(Q(evaluation_id__in=ids) | Q(re_evaluation_id__in=ids))
        .select_related("filing")
        .first()
    )
    if app is None or not app.is_open:
        return {"forecast": None}
    return {"forecast": selectors.application_forecast(app)}
