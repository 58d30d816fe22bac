"""Excel export of the renewal queue: the list's filters from the query string, the user's scope, contact
phone masked unless the reader may reveal personal data, one audit event (dudao.common.exports)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dudao.accounts.permissions import can_reveal_pii
from dudao.common.excel import Column
from dudao.common.exports import export_list, mask_phone
from dudao.web.kit import export_response

from .list_query import filtered_applications
from .models import RenewalApplication
from .permissions import can_use_renewals

APPLICATION_COLUMNS = (
    Column("institution", "评价机构"),
    Column("filing", "备案编号"),
    Column("kind", "机构类型"),
    Column("status", "状态"),
    Column("received_on", "收到日期", kind="date"),
    Column("decide_by", "办结期限", kind="date"),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话"),
    Column("evaluation_total", "评估得分", kind="decimal"),
    Column("renewed_from", "延续有效期起", kind="date"),
    Column("renewed_until", "延续有效期止", kind="date"),
    Column("receipt_number", "回执编号"),
)


def _rows(applications, reveal: bool) -> Iterator[dict[str, Any]]:
    for app in applications:
        phone = app.institution.contact_phone
        yield {
            "institution": app.institution.name,
            "filing": app.filing.number,
            "kind": app.kind_label,
            "status": app.get_status_display(),
            "received_on": app.received_on,
            "decide_by": app.decide_by,
            "contact_name": app.institution.contact_name,
            "contact_phone": phone if reveal else mask_phone(phone),
            "evaluation_total": app.evaluation_total,
            "renewed_from": app.renewed_from,
            "renewed_until": app.renewed_until,
            "receipt_number": app.receipt_number,
        }


@login_required
@require_GET
def application_export(request: HttpRequest) -> HttpResponse:
    if not can_use_renewals(request.user):
        raise DjangoPermissionDenied("没有访问延续备案的权限")
    reveal = bool(can_reveal_pii(request.user))
    _form, qs = filtered_applications(request)
    qs = qs.select_related("institution", "filing")
    name = "延续备案申请"
    data = export_list(
        actor=request.user,
        action="renewals.application.exported",
        object_type=RenewalApplication._meta.label_lower,
        label=name,
        columns=APPLICATION_COLUMNS,
        rows=_rows(qs.iterator(chunk_size=500), reveal),
        filters=request.GET,
        revealed=reveal,
    )
    return export_response(f"{name}_{timezone.localdate():%Y%m%d}.xlsx", data)
