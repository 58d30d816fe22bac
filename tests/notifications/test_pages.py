"""Pages: the inbox (per role, unread highlighted, filter, pagination), htmx mark-read, open, bell."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from dudao.notifications import services
from dudao.notifications.models import Message
from dudao.web.context_processors import navigation

from .helpers import send, state

pytestmark = pytest.mark.django_db
INBOX = "/notifications/"
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


def rows(html: str) -> list[tuple[str, str]]:
    """(message id, unread flag) of each inbox row, in page order."""
    return re.findall(
        r'<div id="message-(\d+)" class="list-group-item dudao-message[^"]*" data-unread="(\d)"', html
    )


def bell_count(html: str, suffix: str = "") -> str:
    match = re.search(rf'<span id="dudao-bell-badge{suffix}"[^>]*class="([^"]*)"[^>]*>([^<]*)</span>', html)
    assert match, "bell badge missing"
    return "" if "d-none" in match.group(1) else match.group(2)


@pytest.fixture
def inboxes(users):
    made = {}
    for role, user in users.items():
        read = send(user, f"{user.username} 已读消息", kind="renewal.outcome")
        services.message_mark_read(actor=user, message=read)
        unread = send(user, f"{user.username} 未读消息", kind="renewal.due_soon", link="/registry/filings/")
        made[role] = {"read": read, "unread": unread}
    return made


@pytest.mark.parametrize("role", ROLES)
def test_inbox_lists_my_messages_with_unread_highlighted(role, users, inboxes, client_as):
    user = users[role]
    response = client_as(user).get(INBOX)
    assert response.status_code == 200
    html = response.content.decode()
    mine = inboxes[role]
    assert rows(html) == [(str(mine["unread"].pk), "1"), (str(mine["read"].pk), "0")]
    assert f"{user.username} 未读消息" in html
    assert "延续备案即将到期办结" in html  # kind label
    for other_role, other in users.items():
        if other_role != role:
            assert f"{other.username} 未读消息" not in html
    assert bell_count(html) == "1"
    assert bell_count(html, "-sm") == "1"
    assert "全部标为已读" in html

    unread_only = client_as(user).get(INBOX, {"show": "unread"}).content.decode()
    assert rows(unread_only) == [(str(mine["unread"].pk), "1")]


def test_inbox_needs_login(inboxes, client):
    before = state()
    for method, path in [
        ("get", INBOX),
        ("post", f"{INBOX}{inboxes['authority_staff']['unread'].pk}/read/"),
        ("post", f"{INBOX}read-all/"),
        ("get", f"{INBOX}{inboxes['authority_staff']['unread'].pk}/open/"),
        ("get", f"{INBOX}latest/"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/")
    assert state() == before


def test_empty_inbox_and_pagination(users, client_as):
    staff = users["authority_staff"]
    html = client_as(staff).get(INBOX).content.decode()
    assert "暂无消息" in html
    assert bell_count(html) == ""
    assert "全部标为已读" not in html
    for i in range(25):
        send(staff, f"消息{i:02d}")
    page2 = client_as(staff).get(INBOX, {"page": 2, "page_size": 10}).content.decode()
    assert len(rows(page2)) == 10
    assert "共 <strong>25</strong> 条" in page2
    page3 = client_as(staff).get(INBOX, {"page": 3, "page_size": 10}).content.decode()
    assert len(rows(page3)) == 5
    assert bell_count(page3) == "25"
    for i in range(80):
        send(staff, f"更多{i}")
    assert bell_count(client_as(staff).get(INBOX).content.decode()) == "99+"


def test_mark_read_with_htmx_returns_the_row_and_new_counts(users, inboxes, client_as):
    staff = users["authority_staff"]
    extra = send(staff, "第二条未读")
    target = inboxes["authority_staff"]["unread"]
    response = client_as(staff).post(f"{INBOX}{target.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html) == [(str(target.pk), "0")]
    assert "标为已读</button>" not in html
    assert 'id="dudao-bell-badge" hx-swap-oob="true"' in html
    assert bell_count(html) == bell_count(html, "-sm") == "1"
    assert re.search(r'<span id="dudao-inbox-unread" hx-swap-oob="true" class="[^"]*">1</span>', html)
    assert Message.objects.get(pk=target.pk).read_at is not None
    assert Message.objects.get(pk=extra.pk).read_at is None


def test_mark_read_without_htmx_redirects_back(users, inboxes, client_as):
    staff = users["authority_staff"]
    target = inboxes["authority_staff"]["unread"]
    response = client_as(staff).post(f"{INBOX}{target.pk}/read/", {"next": "/notifications/?show=unread"})
    assert (response.status_code, response["Location"]) == (302, "/notifications/?show=unread")
    other = send(staff, "再来一条")
    response = client_as(staff).post(f"{INBOX}{other.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"
    assert Message.objects.filter(recipient=staff, read_at__isnull=True).count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_others_messages_are_404_on_pages_and_unchanged(role, users, inboxes, client_as):
    client = client_as(users[role])
    owner = "institution_staff" if role != "institution_staff" else "authority_staff"
    target = inboxes[owner]["unread"]
    before = state()
    assert client.post(f"{INBOX}{target.pk}/read/", HTTP_HX_REQUEST="true").status_code == 404
    assert client.post(f"{INBOX}{target.pk}/read/").status_code == 404
    assert client.get(f"{INBOX}{target.pk}/open/").status_code == 404
    assert state() == before
    # read-all marks only the caller's own messages
    client.post(f"{INBOX}read-all/")
    assert Message.objects.get(pk=target.pk).read_at is None
    assert Message.objects.get(pk=inboxes[role]["unread"].pk).read_at is not None


def test_open_marks_read_and_follows_the_link(users, inboxes, client_as):
    staff = users["authority_staff"]
    target = inboxes["authority_staff"]["unread"]
    response = client_as(staff).get(f"{INBOX}{target.pk}/open/")
    assert (response.status_code, response["Location"]) == (302, "/registry/filings/")
    assert Message.objects.get(pk=target.pk).read_at is not None
    no_link = inboxes["authority_staff"]["read"]
    assert client_as(staff).get(f"{INBOX}{no_link.pk}/open/")["Location"] == "/notifications/"
    # A row that bypassed the service with a foreign link is never followed off-site.
    bad = Message.objects.create(recipient=staff, kind="k", title="t", link="//evil.example/")
    assert client_as(staff).get(f"{INBOX}{bad.pk}/open/")["Location"] == "/notifications/"


def test_mark_all_read_page(users, inboxes, client_as):
    staff = users["authority_staff"]
    send(staff, "再一条")
    response = client_as(staff).post(f"{INBOX}read-all/", follow=True)
    html = response.content.decode()
    assert "已将 2 条消息标为已读" in html
    assert [flag for _, flag in rows(html)] == ["0", "0", "0"]
    assert Message.objects.filter(read_at__isnull=True).count() == 7  # the other seven users'


def test_bell_dropdown_shows_my_latest_five(users, client_as):
    staff = users["authority_staff"]
    for i in range(7):
        send(staff, f"最新{i}")
    send(users["authority_admin"], "别人的")
    html = client_as(staff).get(f"{INBOX}latest/", HTTP_HX_REQUEST="true").content.decode()
    assert re.findall(r"最新\d", html) == ["最新6", "最新5", "最新4", "最新3", "最新2"]
    assert "别人的" not in html
    assert "暂无消息" in client_as(users["examiner"]).get(f"{INBOX}latest/").content.decode()


@pytest.mark.parametrize("role", ["authority_staff", "examiner"])
def test_bell_on_every_page_costs_one_query(role, users, inboxes, client_as):
    client = client_as(users[role])
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/me/").content.decode()
    counts = [q["sql"] for q in ctx.captured_queries if "notifications_message" in q["sql"]]
    assert len(counts) == 1
    assert "COUNT(" in counts[0].upper()
    assert bell_count(html) == bell_count(html, "-sm") == "1"
    assert f'href="{INBOX}"' in html


def test_context_processor_skips_anonymous_and_is_lazy(users, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert "unread_message_count" not in navigation(request)
    request.user = users["authority_staff"]
    send(users["authority_staff"], "一条")
    with django_assert_num_queries(0):
        context = navigation(request)
    with django_assert_num_queries(1):
        assert int(context["unread_message_count"]) == 1
        assert context["unread_message_count"] > 0
    with django_assert_num_queries(0):
        assert str(context["unread_message_count"]) == "1"


def test_login_page_has_no_bell_and_no_count_query(client):
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/login/").content.decode()
    assert not [q for q in ctx.captured_queries if "notifications_message" in q["sql"]]
    assert "dudao-bell-badge" not in html
