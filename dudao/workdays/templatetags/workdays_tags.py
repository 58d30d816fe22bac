"""`{% load workdays_tags %}{% workdays_remaining deadline %}`: "剩余/已逾期 N 个工作日" (DESIGN: pages)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from dudao.workdays import selectors

register = template.Library()


@register.simple_tag
def workdays_remaining(deadline: dt.date | None, today: dt.date | None = None) -> str:
    """Working days from today to `deadline`; "(临时)" when an unconfirmed year is involved (CAL-3)."""
    if not deadline:
        return ""
    if isinstance(deadline, dt.datetime):
        deadline = timezone.localtime(deadline).date()
    return selectors.calendar().deadline_status(today or timezone.localdate(), deadline).label
