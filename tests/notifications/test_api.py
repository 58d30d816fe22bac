"""API /api/v1/notifications: each user's own inbox; another user's message is 404 and stays unchanged."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts.services import token_create
from dudao.notifications import services
from dudao.notifications.models import Message

from .helpers import send, state

pytestmark = pytest.mark.django_db
BASE = "/api/v1/notifications"
ROLES = [
    "superuser",
    "authority_admin",
    "authority_staff",
    "institution_admin",
    "institution_staff",
    "external_supervisor",
    "internal_supervisor",
    "examiner",
]


@pytest.fixture
def inboxes(users):
    """Every user: one read and one unread message, titled with the username."""
    made = {}
    for role, user in users.items():
        read = send(user, f"{user.username} 已读", kind="renewal.outcome", link="/r/1/")
        services.message_mark_read(actor=user, message=read)
        unread = send(user, f"{user.username} 未读", kind="task.dispatched", body="请查收")
        made[role] = {"read": Message.objects.get(pk=read.pk), "unread": unread}
    return made


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_my_messages(role, users, inboxes, client_as):
    user = users[role]
    client = client_as(user)
    body = client.get(f"{BASE}/messages").json()
    assert (body["count"], body["page"], body["page_size"]) == (2, 1, 20)
    assert [m["title"] for m in body["items"]] == [f"{user.username} 未读", f"{user.username} 已读"]
    first = body["items"][0]
    unread = inboxes[role]["unread"]
    assert first == {
        "id": unread.pk,
        "kind": "task.dispatched",
        "kind_label": "督导任务已派发",
        "title": f"{user.username} 未读",
        "body": "请查收",
        "link": "",
        "object_type": "",
        "object_id": "",
        "created_at": first["created_at"],
        "read_at": None,
        "is_read": False,
    }
    assert body["items"][1]["is_read"] is True
    assert [m["id"] for m in client.get(f"{BASE}/messages", {"unread": "true"}).json()["items"]] == [
        unread.pk
    ]
    assert [m["id"] for m in client.get(f"{BASE}/messages", {"unread": "false"}).json()["items"]] == [
        inboxes[role]["read"].pk
    ]
    assert client.get(f"{BASE}/messages/unread-count").json() == {"count": 1}
    assert client.get(f"{BASE}/messages/{unread.pk}").json()["id"] == unread.pk


@pytest.mark.parametrize("role", ROLES)
def test_another_users_message_is_404_and_unchanged(role, users, inboxes, client_as):
    client = client_as(users[role])
    for owner_role, owner_msgs in inboxes.items():
        if owner_role == role:
            continue
        target = owner_msgs["unread"]
        before = state()
        for method, path in [
            ("get", f"{BASE}/messages/{target.pk}"),
            ("post", f"{BASE}/messages/{target.pk}/read"),
        ]:
            response = getattr(client, method)(path)
            assert response.status_code == 404, (method, path)
            assert response.json() == {"code": "not_found", "message": "消息不存在或无权查看", "detail": None}
        assert state() == before
        assert Message.objects.get(pk=target.pk).read_at is None


def test_anonymous_gets_401_and_nothing_changes(inboxes):
    client = Client()
    target = inboxes["authority_staff"]["unread"]
    before = state()
    for method, path in [
        ("get", f"{BASE}/messages"),
        ("get", f"{BASE}/messages/unread-count"),
        ("get", f"{BASE}/messages/{target.pk}"),
        ("post", f"{BASE}/messages/{target.pk}/read"),
        ("post", f"{BASE}/messages/read-all"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"
    assert state() == before


def test_mark_read_and_read_all(users, inboxes, client_as):
    staff = users["authority_staff"]
    client = client_as(staff)
    extra = [send(staff, f"新消息{i}") for i in range(3)]
    target = inboxes["authority_staff"]["unread"]
    response = client.post(f"{BASE}/messages/{target.pk}/read")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["is_read"]) == (target.pk, True)
    read_at = Message.objects.get(pk=target.pk).read_at
    assert read_at is not None
    # Idempotent: the first reading time stays.
    assert client.post(f"{BASE}/messages/{target.pk}/read").json()["read_at"] == body["read_at"]
    assert client.get(f"{BASE}/messages/unread-count").json() == {"count": 3}

    others_unread = Message.objects.exclude(recipient=staff).filter(read_at__isnull=True).count()
    assert client.post(f"{BASE}/messages/read-all").json() == {"updated": 3}
    assert client.post(f"{BASE}/messages/read-all").json() == {"updated": 0}
    assert client.get(f"{BASE}/messages/unread-count").json() == {"count": 0}
    assert all(m.read_at is not None for m in Message.objects.filter(pk__in=[m.pk for m in extra]))
    assert Message.objects.exclude(recipient=staff).filter(read_at__isnull=True).count() == others_unread == 7
    assert Message.objects.get(pk=target.pk).read_at == read_at


def test_pagination_search_and_bad_parameters(users, client_as):
    staff = users["authority_staff"]
    for i in range(25):
        send(staff, f"消息{i:02d}", kind="renewal.due_soon" if i % 5 == 0 else "renewal.outcome")
    client = client_as(staff)
    body = client.get(f"{BASE}/messages", {"page": 3, "page_size": 10}).json()
    assert (body["count"], body["page"], body["page_size"], len(body["items"])) == (25, 3, 10, 5)
    assert client.get(f"{BASE}/messages", {"page": 9}).json()["items"] == []
    assert client.get(f"{BASE}/messages", {"kind": "renewal.due_soon"}).json()["count"] == 5
    assert [m["title"] for m in client.get(f"{BASE}/messages", {"q": "消息07"}).json()["items"]] == ["消息07"]
    for params in ({"page_size": 101}, {"page": 0}, {"unread": "maybe"}):
        response = client.get(f"{BASE}/messages", params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "validation_error"
    assert client.post(f"{BASE}/messages/abc/read").status_code == 422
    assert client.post(f"{BASE}/messages/999999/read").status_code == 404


def test_bearer_token_reads_the_token_owners_inbox(users, inboxes):
    staff = users["authority_staff"]
    _, key = token_create(actor=staff, name="对接")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(f"{BASE}/messages/unread-count").json() == {"count": 1}
    assert client.get(f"{BASE}/messages").json()["count"] == 2


def test_list_query_count_does_not_grow_with_rows(users, client_as, django_assert_max_num_queries):
    staff = users["authority_staff"]
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(recipient=staff, kind="renewal.outcome", title=f"第{i}条", created_at=now)
            for i in range(100)
        ]
    )
    client = client_as(staff)
    # session + user + COUNT + page
    with django_assert_max_num_queries(4):
        body = client.get(f"{BASE}/messages", {"page_size": 100}).json()
    assert len(body["items"]) == 100
    with django_assert_max_num_queries(3):
        assert client.get(f"{BASE}/messages/unread-count").json() == {"count": 100}
