"""Export of the renewal queue (issue 9 §3.8): same filters and scope as the list, the contact phone masked
without the reveal right, an audit event per export."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from tests.conftest import client_for
from tests.xlsx_support import column, sheet_rows

from .conftest import apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(users, filing):
    filing.institution.contact_name = "李联系"
    filing.institution.contact_phone = "13912345678"
    filing.institution.save()
    return apply(users[Role.INSTITUTION_ADMIN], filing)


def test_each_reader_exports_its_scope_phone_masked_unless_revealed(users, application, filing):
    url = reverse("renewals:application_export")
    rows = sheet_rows(client_for(users[Role.AUTHORITY_ADMIN]).get(url))
    assert column(rows, "评价机构") == [filing.institution.name]
    assert column(rows, "备案编号") == [filing.number]
    assert column(rows, "联系电话") == ["13912345678"]
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.object_type) == (
        "renewals.application.exported",
        "renewals.renewalapplication",
    )
    assert event.after["personal_data_shown"] is True
    for role in (Role.AUTHORITY_STAFF, Role.INSTITUTION_ADMIN):
        rows = sheet_rows(client_for(users[role]).get(url))
        assert column(rows, "联系电话") == ["139****5678"], role
    rows = sheet_rows(client_for(users[Role.AUTHORITY_STAFF]).get(url, {"status": "withdrawn"}))
    assert rows[1:] == []
    assert AuditEvent.objects.order_by("-id").first().after["filters"] == {"status": "withdrawn"}


def test_other_province_exports_nothing_and_field_roles_are_refused(users, application, other_authority):
    from tests import factories as f

    far = f.UserFactory(username="far_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    url = reverse("renewals:application_export")
    assert sheet_rows(client_for(far).get(url))[1:] == []
    before = AuditEvent.objects.count()
    assert client_for(users[Role.EXAMINER]).get(url).status_code == 403
    assert AuditEvent.objects.count() == before


def test_list_page_offers_the_export_with_its_filters(users, application):
    html = client_for(users[Role.AUTHORITY_STAFF]).get(
        reverse("renewals:application_list"), {"status": "submitted"}
    )
    assert f'href="{reverse("renewals:application_export")}?status=submitted"' in html.content.decode()
