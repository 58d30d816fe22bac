"""Audit log page: who may see it, filters, pagination, compact diffs, the chain check button."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from dudao.common import audit
from dudao.common.models import AuditEvent
from dudao.web.views import compact_diff
from tests.audit.guards import drop_guards


@pytest.fixture
def events(users):
    actor = users["authority_admin"]
    audit.record(
        actor=actor,
        action="registry.institution_created",
        object_type="registry.institution",
        object_id=1,
        object_label="甲机构",
        after={"name": "甲机构", "kind": "employer"},
    )
    audit.record(
        actor=actor,
        action="registry.institution_updated",
        object_type="registry.institution",
        object_id=1,
        object_label="甲机构",
        before={"name": "甲机构", "phone": "1", "row_version": 1},
        after={"name": "乙机构", "phone": "1", "row_version": 2},
    )
    audit.record(
        actor=users["superuser"],
        action="people.supervisor_created",
        object_type="people.supervisor",
        object_id=7,
        object_label="张三",
        after={"name": "张三"},
    )
    return AuditEvent.objects.order_by("id")


def ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<td class="text-secondary" data-label="#">(\d+)</td>', html)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("superuser", 200),
        ("authority_admin", 200),
        ("authority_staff", 403),
        ("institution_admin", 403),
        ("institution_staff", 403),
        ("external_supervisor", 403),
        ("internal_supervisor", 403),
        ("examiner", 403),
    ],
)
def test_audit_page_permission(role, status, users, client_as, events):
    assert client_as(users[role]).get("/audit/").status_code == status
    before = AuditEvent.objects.count()
    assert client_as(users[role]).post("/audit/verify/").status_code == (302 if status == 200 else 403)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    assert client.get("/audit/")["Location"] == "/login/?next=/audit/"


@pytest.mark.django_db
def test_newest_first_with_compact_diff(users, client_as, events):
    html = client_as(users["superuser"]).get("/audit/").content.decode()
    assert ids(html) == [3, 2, 1]
    assert "<del>甲机构</del> → <ins>乙机构</ins>" in html
    assert "row_version" not in html.split("dudao-audit")[1]  # bookkeeping keys hidden


@pytest.mark.django_db
def test_filters(users, client_as, events):
    client = client_as(users["superuser"])
    assert ids(client.get("/audit/", {"action": "registry.institution_updated"}).content.decode()) == [2]
    assert ids(client.get("/audit/", {"object_type": "people.supervisor"}).content.decode()) == [3]
    assert ids(client.get("/audit/", {"actor": "auth_ad"}).content.decode()) == [2, 1]
    drop_guards()  # editing `at` breaks the chain on purpose (lift the SEC-1 triggers); filtering still works
    AuditEvent.objects.filter(pk=1).update(at=timezone.make_aware(dt.datetime(2024, 1, 5, 23, 59)))
    assert ids(
        client.get("/audit/", {"date_from": "2024-01-05", "date_to": "2024-01-05"}).content.decode()
    ) == [1]
    assert ids(client.get("/audit/", {"date_from": "2024-01-06"}).content.decode()) == [3, 2]
    html = client.get("/audit/", {"date_from": "2024-02-01", "date_to": "2024-01-01"}).content.decode()
    assert "结束日期不能早于开始日期" in html


@pytest.mark.django_db
def test_pagination(users, client_as):
    for i in range(25):
        audit.record(actor=None, action="test.event", object_type="test", object_id=i)
    html = client_as(users["superuser"]).get("/audit/", {"page": "2", "page_size": "10"}).content.decode()
    assert ids(html) == list(range(15, 5, -1))
    assert "共 <strong>25</strong> 条" in html


@pytest.mark.django_db
def test_htmx_request_gets_only_the_table(users, client_as, events):
    response = client_as(users["superuser"]).get("/audit/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert ids(html) == [3, 2, 1]


@pytest.mark.django_db
def test_verify_chain_ok_and_broken(users, client_as, events):
    client = client_as(users["authority_admin"])
    html = client.post("/audit/verify/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-verify="ok"' in html
    assert "审计链完整:共校验 3 个事件" in html
    drop_guards()  # the append-only triggers (SEC-1) first, as a writer with file access would
    AuditEvent.objects.filter(pk=2).update(object_label="篡改")
    html = client.post("/audit/verify/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-verify="broken"' in html
    assert "事件 #2 的 HMAC 不符" in html
    page = client.post("/audit/verify/", follow=True).content.decode()
    assert "审计链被破坏:事件 #2 的 HMAC 不符(内容被修改或哈希被重算)(已校验 1 个事件)" in page


@pytest.mark.django_db
def test_verify_is_post_only(users, client_as):
    assert client_as(users["superuser"]).get("/audit/verify/").status_code == 405


def test_compact_diff():
    assert compact_diff({"a": 1, "b": 2, "updated_at": "x"}, {"a": 1, "b": 3, "updated_at": "y"}) == (
        [{"key": "b", "old": "2", "new": "3"}],
        0,
    )
    assert compact_diff(None, {"a": None}) == ([{"key": "a", "old": "", "new": "∅"}], 0)
    rows, hidden = compact_diff(None, {f"k{i:02d}": i for i in range(11)})
    assert (len(rows), hidden) == (6, 5)
    assert compact_diff(None, {"id": 3, "name": "甲"}) == ([{"key": "name", "old": "", "new": "甲"}], 0)
    assert compact_diff({"a": "x" * 100}, {"a": "y"})[0][0]["old"] == "x" * 59 + "…"
    assert compact_diff(None, None) == ([], 0)
