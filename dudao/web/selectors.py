"""Reads of the shell pages: the audit events a user may see (data scope of the 审计日志 page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from dudao.accounts.permissions import can_read_audit, is_authority_admin, region_prefix
from dudao.common.models import AuditEvent

from . import audit_labels as labels

# Shown on the page so that admins know why an event they expect may be missing.
AUDIT_SCOPE_RULE = (
    "显示本辖区用户的操作记录:本辖区(含下级区划)委派机构和评价机构的账号,"
    "以及由本辖区管理的督导员、考评员账号;另含对这些账号本身的变更(如登录锁定)。"
)


def users_in_region(prefix: str) -> QuerySet:
    """Accounts whose data scope lies in the region `prefix` (GB/T 2260 code prefix) or below.

    Authority and institution accounts by their own scope; supervisor/examiner accounts also through
    the person's supervisor/examiner record (an examiner account often has no authority of its own).
    """
    User = get_user_model()
    in_region = (
        Q(authority__region__code__startswith=prefix)
        | Q(institution__region__code__startswith=prefix)
        | Q(person__examiner__authority__region__code__startswith=prefix)
        | Q(person__supervisor_roles__authority__region__code__startswith=prefix)
        | Q(person__supervisor_roles__institution__region__code__startswith=prefix)
    )
    return User.objects.filter(in_region)


def audit_events_for(user: Any) -> QuerySet[AuditEvent]:
    """Audit events `user` may read (H1): superusers all; authority admins those of their region's users.

    An authority admin sees the events whose actor is an account in the admin's region (see
    `users_in_region`) and the events about such an account (e.g. the lock written by the system).
    Everyone else sees nothing (the page refuses them before). One query with subqueries: no N+1.
    """
    if can_read_audit(user):  # superusers and the audit administrator (SEC-2 三权分立)
        return AuditEvent.objects.all()
    if not is_authority_admin(user):
        return AuditEvent.objects.none()
    prefix = region_prefix(user)
    if not prefix:
        return AuditEvent.objects.none()
    users = users_in_region(prefix)
    user_ids_as_text = users.annotate(pk_text=Cast("pk", output_field=CharField())).values("pk_text")
    return AuditEvent.objects.filter(
        Q(actor_id__in=users.values("pk")) | Q(object_type="accounts.user", object_id__in=user_ids_as_text)
    )


def audit_events_matching(user: Any, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The 审计日志 as filtered (action, object type, actor, date range from the filter form's cleaned
    data), in the user's scope, newest first: shared by the page and its export."""
    events = audit_events_for(user).order_by("-id")
    if filters.get("action"):
        events = events.filter(action__in=labels.action_codes(filters["action"]))
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    if filters.get("actor"):
        events = events.filter(actor_label__icontains=filters["actor"].strip())
    if filters.get("date_from"):
        events = events.filter(at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        events = events.filter(at__lt=_day_start(filters["date_to"] + dt.timedelta(days=1)))
    return events


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
