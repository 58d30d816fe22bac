"""Export of the 审计日志 (issue 9 §3.8): the page's filters and scope, Chinese labels, numbers masked for
readers without the reveal right, the export itself audited; refused to everyone who cannot read the log."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common import audit
from dudao.common.models import AuditEvent
from tests import factories as f
from tests.conftest import client_for
from tests.xlsx_support import column, sheet_rows

pytestmark = pytest.mark.django_db


def _event(actor, label: str, after=None):
    with transaction.atomic():
        return audit.record(
            actor=actor,
            action="accounts.user.update",
            object_type="accounts.user",
            object_id=actor.pk,
            object_label=label,
            after=after,
        )


def test_audit_admin_exports_masked_superuser_unmasked(users):
    auditor = f.UserFactory(username="auditor", role=Role.AUDIT_ADMIN)
    _event(users[Role.AUTHORITY_STAFF], "张三 13912345678", after={"display_name": "张三 13912345678"})
    url = reverse("web:audit_export")
    rows = sheet_rows(client_for(auditor).get(url, {"action": "accounts.user.update"}))
    assert rows[0] == ["序号", "时间", "操作人", "操作", "对象类型", "对象", "变更内容", "请求编号"]
    assert column(rows, "操作") == ["修改账号"]
    assert column(rows, "对象类型") == ["用户"]
    assert column(rows, "对象") == ["张三 139****5678"]
    assert column(rows, "变更内容") == ["姓名:张三 139****5678"]
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor_id) == ("common.auditevent.exported", auditor.pk)
    assert event.after == {
        "rows": 1,
        "filters": {"action": "accounts.user.update"},
        "personal_data_shown": False,
    }
    rows = sheet_rows(client_for(users["superuser"]).get(url, {"action": "accounts.user.update"}))
    assert column(rows, "对象") == ["张三 13912345678"]


def test_authority_admin_exports_only_its_region(users, other_authority):
    stranger = f.UserFactory(username="far_staff", role=Role.AUTHORITY_STAFF, authority=other_authority)
    _event(users[Role.AUTHORITY_STAFF], "本省")
    _event(stranger, "外省")
    rows = sheet_rows(
        client_for(users[Role.AUTHORITY_ADMIN]).get(
            reverse("web:audit_export"), {"action": "accounts.user.update"}
        )
    )
    assert column(rows, "对象") == ["本省"]


@pytest.mark.parametrize(
    "role", [Role.AUTHORITY_STAFF, Role.INSTITUTION_ADMIN, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER]
)
def test_who_cannot_read_the_log_cannot_export_it(users, role):
    before = AuditEvent.objects.count()
    assert client_for(users[role]).get(reverse("web:audit_export")).status_code == 403
    assert AuditEvent.objects.count() == before
