"""Excel export of the 审计日志: the page's filters and scope, Chinese labels, the change summary with
phone and ID numbers masked unless the reader may reveal personal data; the export is itself audited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.views.decorators.http import require_GET

from dudao.accounts.permissions import can_reveal_pii
from dudao.common.excel import Column
from dudao.common.exports import export_list, mask_free_text
from dudao.common.models import AuditEvent

from . import audit_labels as labels
from .forms import AuditFilterForm
from .kit import export_response
from .selectors import audit_events_matching
from .views import _may_view_audit, compact_diff

AUDIT_COLUMNS = (
    Column("id", "序号", kind="int"),
    Column("at", "时间", kind="datetime"),
    Column("actor", "操作人"),
    Column("action", "操作"),
    Column("object_type", "对象类型"),
    Column("object", "对象"),
    Column("changes", "变更内容"),
    Column("request_id", "请求编号"),
)


def _changes(event: AuditEvent) -> str:
    rows, hidden = compact_diff(event.before, event.after, event.object_type)
    parts = []
    for row in rows:
        change = f"{row['old']} → {row['new']}" if row["old"] else row["new"]
        parts.append(f"{row['key']}:{change}" if row["key"] else change)
    if hidden:
        parts.append(f"另有 {hidden} 项")
    return ";".join(parts)


def _rows(events, reveal: bool) -> Iterator[dict[str, Any]]:
    for event in events:
        changes = _changes(event)
        yield {
            "id": event.id,
            "at": event.at,
            "actor": event.actor_label,
            "action": labels.action_label(event.action, event.object_type),
            "object_type": labels.object_type_label(event.object_type),
            "object": event.object_label if reveal else mask_free_text(event.object_label),
            "changes": changes if reveal else mask_free_text(changes),
            "request_id": event.request_id,
        }


@login_required
@require_GET
def audit_export(request):
    if not _may_view_audit(request.user):
        raise PermissionDenied("只有审计管理员和委派机构管理员可以导出审计日志")
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    reveal = bool(can_reveal_pii(request.user))
    events = audit_events_matching(request.user, filters)
    name = "审计日志"
    data = export_list(
        actor=request.user,
        action="common.auditevent.exported",
        object_type=AuditEvent._meta.label_lower,
        label=name,
        columns=AUDIT_COLUMNS,
        rows=_rows(events.iterator(chunk_size=1000), reveal),
        filters=request.GET,
        revealed=reveal,
    )
    return export_response(f"{name}_{timezone.localdate():%Y%m%d}.xlsx", data)
