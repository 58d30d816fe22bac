"""Dashboard figures: counts of what the user may see, through the apps' scoped selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dudao.accounts.permissions import (
    is_authority_user,
    is_examiner,
    is_institution_user,
    is_superuser,
    is_supervisor,
)
from dudao.people.selectors import examiners_for, supervisors_for
from dudao.registry.selectors import batches_for, filings_for, institutions_for

UPCOMING_DAYS = 30


@dataclass(frozen=True)
class Stat:
    key: str
    label: str
    value: int | None  # None: could not be computed (shown as "-")
    icon: str
    color: str
    url: str | None


def _count(build: Callable[[], QuerySet]) -> int:
    return build().count()


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def stats_for(user: Any) -> list[Stat]:
    """Counts for the dashboard cards; empty for roles without a registry view (supervisors, examiners)."""
    if not (is_superuser(user) or is_authority_user(user) or is_institution_user(user)):
        return []
    now = timezone.now()
    soon = now + dt.timedelta(days=UPCOMING_DAYS)

    def institutions():
        return institutions_for(user)

    def active_filings():
        return filings_for(user).filter(status="active")

    def upcoming_batches():
        return batches_for(user).filter(starts_at__gte=now, starts_at__lt=soon).exclude(status="cancelled")

    def active_supervisors():
        return supervisors_for(user).filter(status="active")

    def active_examiners():
        return examiners_for(user).filter(is_active=True)

    institution_label = "本机构" if is_institution_user(user) else "评价机构"
    return [
        Stat(
            "institutions",
            institution_label,
            _count(institutions),
            "building",
            "blue",
            _url("registry:institution_list"),
        ),
        Stat(
            "active_filings",
            "有效备案",
            _count(active_filings),
            "file-certificate",
            "green",
            _url("registry:filing_list"),
        ),
        Stat(
            "upcoming_batches",
            f"未来 {UPCOMING_DAYS} 天评价批次",
            _count(upcoming_batches),
            "calendar-event",
            "azure",
            _url("registry:batch_list"),
        ),
        Stat(
            "supervisors",
            "在册督导员",
            _count(active_supervisors),
            "user-shield",
            "purple",
            _url("people:supervisor_list"),
        ),
        Stat(
            "examiners",
            "在册考评员",
            _count(active_examiners),
            "user-check",
            "orange",
            _url("people:examiner_list"),
        ),
    ]


def field_role(user: Any) -> bool:
    return bool(is_supervisor(user) or is_examiner(user))
