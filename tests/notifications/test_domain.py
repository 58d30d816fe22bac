"""Pure rules of the message centre: kind labels, in-product links only, message field checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dudao.notifications.domain import GENERIC_LABEL, is_safe_link, kind_label, message_errors


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("renewal.due_soon", "延续备案即将到期办结"),
        ("renewal.overdue", "延续备案已逾期"),
        ("task.dispatched", "督导任务已派发"),
        ("renewal.something_new", "延续备案"),  # unknown event: its area's label
        ("complaint.received", "投诉举报"),
        ("misc", GENERIC_LABEL),
        ("", GENERIC_LABEL),
    ],
)
def test_kind_label(kind, label):
    assert kind_label(kind) == label


@pytest.mark.parametrize(
    ("link", "ok"),
    [
        ("", True),
        ("/renewals/12/", True),
        ("/notifications/?show=unread#top", True),
        ("//evil.example/x", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("javascript:alert(1)", False),
        ("renewals/12/", False),
        ("/a\nb", False),
        ("/a\x7fb", False),
    ],
)
def test_is_safe_link(link, ok):
    assert is_safe_link(link) is ok


@given(st.text())
def test_safe_links_are_local_paths(link):
    if is_safe_link(link) and link:
        assert link[0] == "/" and link[:2] != "//" and "\\" not in link


def test_message_errors_name_each_bad_field():
    assert message_errors(kind="renewal.due_soon", title="标题", link="/x/", dedupe_key="k") == {}
    errors = message_errors(kind="", title="  ", link="http://x", dedupe_key="k" * 201)
    assert sorted(errors) == ["dedupe_key", "kind", "link", "title"]
    assert errors["link"] == ["链接必须是以 / 开头的站内路径"]
    assert sorted(message_errors(kind="k" * 65, title="t" * 201, link="/" + "a" * 500, dedupe_key="")) == [
        "kind",
        "link",
        "title",
    ]
