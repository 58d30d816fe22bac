"""API /api/v1/workdays: public counting (CAL-2, CAL-3), arrangements read by all, written by admins."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.workdays import selectors
from dudao.workdays.models import OfficialArrangement
from tests import factories as f

pytestmark = pytest.mark.django_db
BASE = "/api/v1/workdays"

BODY_2027 = {
    "days_off": [
        "2027-10-01",
        "2027-10-02",
        "2027-10-03",
        "2027-10-04",
        "2027-10-05",
        "2027-10-06",
        "2027-10-07",
    ],
    "workdays": ["2027-09-26", "2027-10-09"],
    "confirmed": True,
    "source": "国务院办公厅关于2027年部分节假日安排的通知",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    selectors.clear_cache()
    yield
    selectors.clear_cache()


def _counts():
    return OfficialArrangement.objects.count(), AuditEvent.objects.count()


def _put(client, year, body):
    return client.put(f"{BASE}/arrangements/{year}", data=json.dumps(body), content_type="application/json")


def test_add_is_public(client):
    response = client.get(f"{BASE}/add", {"date": "2024-09-27", "n": 10})
    assert response.status_code == 200
    assert response.json() == {"start": "2024-09-27", "n": 10, "date": "2024-10-16", "provisional": False}
    assert client.get(f"{BASE}/add", {"date": "2025-01-24", "n": 1}).json()["date"] == "2025-01-26"
    body = client.get(f"{BASE}/add", {"date": "2026-12-20", "n": 10}).json()
    assert (body["date"], body["provisional"]) == ("2027-01-04", True)
    assert client.get(f"{BASE}/add", {"date": "2024-10-16", "n": -10}).json()["date"] == "2024-09-27"


def test_between_is_public(client):
    response = client.get(f"{BASE}/between", {"start": "2024-10-16", "end": "2024-09-27"})
    assert response.json() == {"start": "2024-10-16", "end": "2024-09-27", "days": -10, "provisional": False}
    assert (
        client.get(f"{BASE}/between", {"start": "2026-12-30", "end": "2027-01-05"}).json()["provisional"]
        is True
    )


@pytest.mark.parametrize(
    ("path", "params", "code", "status"),
    [
        ("add", {"date": "2024-02-30", "n": 1}, "validation_error", 422),
        ("add", {"date": "2024-09-27", "n": "x"}, "validation_error", 422),
        ("add", {"date": "2024-09-27"}, "validation_error", 422),
        ("add", {"date": "2024-09-27", "n": 5001}, "validation_error", 422),
        ("add", {"date": "2100-12-30", "n": 10}, "validation_error", 422),
        ("between", {"start": "1800-01-01", "end": "2024-01-01"}, "validation_error", 422),
    ],
)
def test_bad_input_is_a_4xx_json_error(client, path, params, code, status):
    response = client.get(f"{BASE}/{path}", params)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_limit_message_is_chinese(client):
    response = client.get(f"{BASE}/add", {"date": "2024-09-27", "n": 5001})
    assert response.json() == {
        "code": "validation_error",
        "message": "工作日数的绝对值不能超过 5000",
        "detail": {"n": ["工作日数的绝对值不能超过 5000"]},
    }


def test_arrangements_list_and_detail(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        body = client.get(f"{BASE}/arrangements").json()
    assert (body["count"], body["page"], body["page_size"]) == (3, 1, 20)
    assert [(i["year"], i["confirmed"], i["origin"], i["row_version"]) for i in body["items"]] == [
        (2024, True, "file", None),
        (2025, True, "file", None),
        (2026, True, "file", None),
    ]
    assert body["items"][1]["workdays"] == [
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
    ]
    assert client.get(f"{BASE}/arrangements", {"page": 2, "page_size": 2}).json()["items"][0]["year"] == 2026
    assert client.get(f"{BASE}/arrangements/2026").json()["days_off"][:3] == [
        "2026-01-01",
        "2026-01-02",
        "2026-01-03",
    ]
    missing = client.get(f"{BASE}/arrangements/2027")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_arrangement_list_query_count_with_many_db_rows(users, client, django_assert_max_num_queries):
    for year in range(2030, 2060):
        OfficialArrangement.objects.create(year=year, days_off=[f"{year}-10-01"], workdays=[])
    selectors.calendar()
    with django_assert_max_num_queries(1):  # cached calendar: only the cache-key aggregate
        body = client.get(f"{BASE}/arrangements", {"page_size": 100}).json()
    assert body["count"] == 33


@pytest.mark.parametrize("role", ["superuser", Role.AUTHORITY_ADMIN])
def test_put_creates_then_updates_with_row_version(users, client_as, role):
    client = client_as(users[role])
    response = _put(client, 2027, BODY_2027)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["year"], body["origin"], body["row_version"], body["workdays"]) == (
        2027,
        "db",
        1,
        ["2027-09-26", "2027-10-09"],
    )
    assert AuditEvent.objects.get().action == "workdays.arrangement.create"
    # The public calculator now uses the confirmed 2027 arrangement.
    assert Client().get(f"{BASE}/add", {"date": "2027-09-24", "n": 1}).json()["date"] == "2027-09-26"
    response = _put(client, 2027, {**BODY_2027, "confirmed": False, "row_version": 1})
    assert (response.status_code, response.json()["row_version"], response.json()["confirmed"]) == (
        200,
        2,
        False,
    )
    stale = _put(client, 2027, {**BODY_2027, "row_version": 1})
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    assert OfficialArrangement.objects.get(year=2027).confirmed is False
    assert AuditEvent.objects.count() == 2


def test_put_validation_error_changes_nothing(users, client_as):
    client = client_as(users["superuser"])
    response = _put(client, 2027, {**BODY_2027, "workdays": ["2027-10-08"]})
    assert response.status_code == 422
    assert response.json()["detail"] == {"workdays": ["2027-10-08 不是周六或周日,调休上班日只能是周末"]}
    assert _counts() == (0, 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 401),
        (Role.AUTHORITY_STAFF, 403),
        (Role.INSTITUTION_ADMIN, 403),
        (Role.INSTITUTION_STAFF, 403),
        (Role.EXTERNAL_SUPERVISOR, 403),
        (Role.INTERNAL_SUPERVISOR, 403),
        (Role.EXAMINER, 403),
    ],
)
def test_put_denied_changes_nothing(users, client_as, role, status):
    client = client_as(users[role] if role else None)
    before = _counts()
    response = _put(client, 2027, BODY_2027)
    assert response.status_code == status
    assert response.json()["code"] == {401: "not_authenticated", 403: "permission_denied"}[status]
    assert _counts() == before


@pytest.mark.parametrize("role", [None, "superuser", *Role.values])
def test_reads_open_to_every_role(users, client_as, role):
    # The platform administrators (三权分立) are not among the scoped role users: made here.
    user = users.get(role) or (f.UserFactory(username=role, role=role) if role else None)
    client = client_as(user)
    assert client.get(f"{BASE}/add", {"date": "2024-09-27", "n": 10}).json()["date"] == "2024-10-16"
    assert client.get(f"{BASE}/between", {"start": "2024-09-27", "end": "2024-10-16"}).json()["days"] == 10
    assert client.get(f"{BASE}/arrangements").json()["count"] == 3
