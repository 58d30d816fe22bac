"""The authority's complaint API: scoped reads, the decision with a reason, the audited filer view."""

from __future__ import annotations

import json

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from tests.conftest import client_for

from .support import PHONE, staff_of

API = "/api/v1/complaints"


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_list_and_detail_scoped_without_the_filer(users, complaint, other_complaint):
    admin = client_for(staff_of(users, Role.AUTHORITY_ADMIN))
    data = admin.get(API).json()
    assert data["count"] == 1 and data["items"][0]["code"] == complaint.code
    row = data["items"][0]
    assert (row["accept_by"], row["accept_by_provisional"], row["result_by"]) == ("2026-12-08", False, None)
    assert admin.get(API, {"status": "declined"}).json()["count"] == 0
    detail = admin.get(f"{API}/{complaint.pk}")
    assert (
        detail.status_code == 200
        and "李四" not in detail.content.decode()
        and PHONE not in detail.content.decode()
    )
    assert admin.get(f"{API}/{other_complaint.pk}").status_code == 404
    institution = client_for(staff_of(users, Role.INSTITUTION_ADMIN))
    assert institution.get(API).json()["count"] == 0
    assert client_for(None).get(API).status_code == 401


def test_decision_through_the_api(users, complaint):
    admin = client_for(staff_of(users, Role.AUTHORITY_ADMIN))
    url = f"{API}/{complaint.pk}/decision"
    assert post(admin, url, {"action": "accept", "reason": "", "row_version": 1}).status_code == 422
    assert post(admin, url, {"action": "close", "reason": "x", "row_version": 1}).status_code == 422
    done = post(admin, url, {"action": "accept", "reason": "受理", "row_version": 1})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["result_by"]) == ("accepted", "2026-12-14")
    assert post(admin, url, {"action": "decline", "reason": "否", "row_version": 1}).status_code == 409


def test_filer_through_the_api_needs_the_right_and_is_audited(users, complaint):
    admin = client_for(staff_of(users, Role.AUTHORITY_ADMIN))
    staff = client_for(staff_of(users, Role.AUTHORITY_STAFF))
    url = f"{API}/{complaint.pk}/filer"
    assert post(staff, url).status_code == 403
    assert admin.get(url).status_code == 405
    done = post(admin, url)
    assert done.json() == {"name": "李四", "phone": PHONE}
    assert AuditEvent.objects.filter(action="complaints.complaint.view_filer").count() == 1
