"""Shell pages: dashboard, my profile, the audit log and its chain check."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dudao.accounts.permissions import can_read_audit, is_authority_admin
from dudao.common.audit import verify_chain
from dudao.people.domain import redact_person_snapshot

from . import audit_labels as labels
from . import charts as home_charts
from . import dashboard as dash
from . import todo as home_todo
from .forms import AuditFilterForm
from .kit import htmx_or_full, is_partial_request, list_page
from .navigation import field_person, role_label, scope_label, sidebar
from .selectors import AUDIT_SCOPE_RULE, audit_events_matching

DIFF_MAX_KEYS = 6
DIFF_MAX_TEXT = 60


@login_required
def dashboard(request):
    user = request.user
    context = {
        "stats": dash.stats_for(user),
        "role_label": role_label(user),
        "scope_label": scope_label(user),
        "field_role": dash.field_role(user),
        "todo": home_todo.todo_for(user),
        "charts": home_charts.charts_for(user),
        "shortcuts": [item for group in sidebar(user) if group["title"] for item in group["items"]][:8],
    }
    return render(request, "web/dashboard.html", context)


@login_required
def profile(request):
    """我的信息: account, role, scope and (for supervisors/examiners) the linked person."""
    user = request.user
    links = []
    if field_person(user):
        # REVIEW M10: the same links as the sidebar's 我的 group (own record, cards, 申报关系).
        links = [
            item
            for group in sidebar(user)
            for item in group["items"]
            if item["url_name"]
            in ("people:supervisor_detail", "people:examiner_detail", "people:person_detail")
        ]
    return render(
        request,
        "web/profile.html",
        {
            "role_label": role_label(user),
            "scope_label": scope_label(user),
            "person": user.person if user.person_id else None,
            "own_links": links,
        },
    )


def _may_view_audit(user: Any) -> bool:
    return bool(can_read_audit(user) or is_authority_admin(user))


def _short(text: str) -> str:
    return text if len(text) <= DIFF_MAX_TEXT else text[: DIFF_MAX_TEXT - 1] + "…"


def compact_diff(before: Any, after: Any, object_type: str = "") -> tuple[list[dict[str, str]], int]:
    """Changed keys of two snapshots (old → new), at most DIFF_MAX_KEYS; returns (rows, hidden_count).

    Keys are shown by the model field's verbose_name and values in Chinese (是/否, choice labels,
    local times), see `audit_labels`.
    """
    if not isinstance(before, dict) and not isinstance(after, dict):
        if before == after:
            return [], 0
        return [
            {
                "key": "",
                "old": _short(labels.value_text(object_type, "", before)) if before is not None else "",
                "new": _short(labels.value_text(object_type, "", after)),
            }
        ], 0
    if object_type == "people.person":  # SEC-3: old events still hold birth dates and phones
        before = redact_person_snapshot(before) if isinstance(before, dict) else before
        after = redact_person_snapshot(after) if isinstance(after, dict) else after
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    rows = []
    for key in sorted(set(old) | set(new)):
        if key in ("id", "created_at", "updated_at", "row_version"):
            continue  # the id is in the object column; the rest is bookkeeping that changes on every write
        if isinstance(before, dict) and isinstance(after, dict) and old.get(key) == new.get(key):
            continue
        rows.append(
            {
                "key": labels.field_label(object_type, key),
                "old": _short(labels.value_text(object_type, key, old.get(key)))
                if isinstance(before, dict)
                else "",
                "new": _short(labels.value_text(object_type, key, new.get(key)))
                if isinstance(after, dict)
                else "",
            }
        )
    return rows[:DIFF_MAX_KEYS], max(0, len(rows) - DIFF_MAX_KEYS)


@login_required
def audit_list(request):
    """审计日志: superusers (all) and authority admins (their region's users, H1); newest first, filtered,
    in Chinese (action labels, field names, 是/否, local times) with compact before/after diffs."""
    if not _may_view_audit(request.user):
        raise PermissionDenied("只有审计管理员、超级管理员和委派机构管理员可以查看审计日志")
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = audit_events_matching(request.user, filters)
    page = list_page(request, events)
    for event in page.items:
        event.action_label = labels.action_label(event.action, event.object_type)
        event.object_type_label = labels.object_type_label(event.object_type)
        event.diff_rows, event.diff_hidden = compact_diff(event.before, event.after, event.object_type)
    return htmx_or_full(
        request,
        "web/audit_list.html",
        "web/partials/audit_table.html",
        {
            "filters": form,
            "page": page,
            "scope_rule": None if can_read_audit(request.user) else AUDIT_SCOPE_RULE,
        },
    )


@login_required
@require_POST
def audit_verify(request):
    """校验审计链: recompute the whole hash chain and show the result."""
    if not _may_view_audit(request.user):
        raise PermissionDenied("只有审计管理员、超级管理员和委派机构管理员可以校验审计链")
    result = verify_chain()
    if is_partial_request(request):
        return render(request, "web/partials/audit_verify_result.html", {"result": result})
    from django.contrib import messages

    if result.ok:
        messages.success(request, f"审计链完整:共校验 {result.checked} 个事件")
    else:
        messages.error(request, f"审计链被破坏:{result.reason}(已校验 {result.checked} 个事件)")
    return redirect("web:audit_list")
