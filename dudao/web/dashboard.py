"""Dashboard figures: counts of what the user may see, through the apps' scoped selectors when present."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dudao.accounts.permissions import (
    is_authority_user,
    is_examiner,
    is_institution_user,
    is_superuser,
    is_supervisor,
    region_prefix,
)

logger = logging.getLogger(__name__)
UPCOMING_DAYS = 30


@dataclass(frozen=True)
class Stat:
    key: str
    label: str
    value: int | None  # None: could not be computed (shown as "-")
    icon: str
    color: str
    url: str | None


def _selector(module: str, name: str) -> Callable[[Any], QuerySet] | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _fallback_scope(user: Any, path: str) -> Q | None:
    """The scope rule when an app has no selector: region prefix for authorities, own institution."""
    if is_superuser(user):
        return Q()
    if is_authority_user(user):
        return Q(**{f"{path}region_id__startswith": region_prefix(user)})
    if is_institution_user(user):
        return Q(**{f"{path}id": user.institution_id})
    return None


def _scoped(user: Any, module: str, selector: str, model_path: str, path: str) -> QuerySet | None:
    function = _selector(module, selector)
    if function is not None:
        return function(user)
    app, model_name = model_path.rsplit(".", 1)
    model = getattr(importlib.import_module(app), model_name)
    q = _fallback_scope(user, path)
    return model.objects.none() if q is None else model.objects.filter(q)


def _count(build: Callable[[], QuerySet | None]) -> int | None:
    # The dashboard must render even while a neighbouring app is half-built: a failing count shows "-".
    try:
        qs = build()
        return None if qs is None else qs.count()
    except Exception:
        logger.exception("dashboard count failed")
        return None


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
        return _scoped(
            user, "dudao.registry.selectors", "institutions_for", "dudao.registry.models.Institution", ""
        )

    def active_filings():
        qs = _scoped(
            user, "dudao.registry.selectors", "filings_for", "dudao.registry.models.Filing", "institution__"
        )
        return qs.filter(status="active")

    def upcoming_batches():
        qs = _scoped(
            user, "dudao.registry.selectors", "batches_for", "dudao.registry.models.Batch", "institution__"
        )
        return qs.filter(starts_at__gte=now, starts_at__lt=soon).exclude(status="cancelled")

    def supervisors():
        function = _selector("dudao.people.selectors", "supervisors_for")
        if function is not None:
            return function(user).filter(status="active")
        from dudao.people.models import Supervisor

        if is_superuser(user):
            return Supervisor.objects.filter(status="active")
        if is_authority_user(user):
            prefix = region_prefix(user)
            return Supervisor.objects.filter(
                Q(authority__region_id__startswith=prefix) | Q(institution__region_id__startswith=prefix),
                status="active",
            )
        return Supervisor.objects.filter(institution_id=user.institution_id, status="active")

    def examiners():
        function = _selector("dudao.people.selectors", "examiners_for")
        if function is not None:
            return function(user).filter(is_active=True)
        from dudao.people.models import Examiner

        if is_superuser(user):
            return Examiner.objects.filter(is_active=True)
        if is_authority_user(user):
            prefix = region_prefix(user)
            return Examiner.objects.filter(is_active=True, person__employer__region_id__startswith=prefix)
        return Examiner.objects.filter(is_active=True, person__employer_id=user.institution_id)

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
            _count(supervisors),
            "user-shield",
            "purple",
            _url("people:supervisor_list"),
        ),
        Stat(
            "examiners", "在册考评员", _count(examiners), "user-check", "orange", _url("people:examiner_list")
        ),
    ]


def field_role(user: Any) -> bool:
    return bool(is_supervisor(user) or is_examiner(user))
