"""Role-aware sidebar (navigation.py): which links each role sees; unresolvable names are skipped."""

from __future__ import annotations

import pytest

from dudao.web.navigation import sidebar, visible_url_names

AUTHORITY = [
    "web:dashboard",
    "registry:institution_list",
    "registry:filing_list",
    "registry:batch_list",
    "registry:venue_list",
    "people:supervisor_list",
    "people:examiner_list",
    "people:person_list",
    "registry:occupation_list",
    "workdays:calendar",
    "registry:authority_list",
]
INSTITUTION = [
    "web:dashboard",
    "registry:institution_list",
    "registry:filing_list",
    "registry:batch_list",
    "registry:venue_list",
    "people:supervisor_list",
]
FIELD = ["web:dashboard", "web:profile"]

EXPECTED = {
    "superuser": [*AUTHORITY, "web:audit_list", "accounts:token_list", "admin:index"],
    "authority_admin": [*AUTHORITY, "web:audit_list", "accounts:token_list"],
    "authority_staff": [*AUTHORITY, "accounts:token_list"],
    "institution_admin": INSTITUTION,
    "institution_staff": INSTITUTION,
    "external_supervisor": FIELD,
    "internal_supervisor": FIELD,
    "examiner": FIELD,
}


@pytest.fixture
def all_urls(settings):
    settings.ROOT_URLCONF = "tests.web.urls_nav"


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
def test_sidebar_per_role(role, users, all_urls):
    assert visible_url_names(users[role]) == EXPECTED[role]


@pytest.mark.django_db
def test_sidebar_groups_and_labels_for_authority_admin(users, all_urls):
    groups = sidebar(users["authority_admin"])
    assert [(g["title"], [i["label"] for i in g["items"]]) for g in groups] == [
        ("", ["首页"]),
        ("机构管理", ["评价机构", "备案与认定范围", "评价批次", "考核场所"]),
        ("人员管理", ["督导员", "考评员", "人员信息"]),
        ("基础数据", ["职业目录", "工作日历", "委派机构"]),
        ("系统", ["审计日志", "API 令牌"]),
    ]


@pytest.mark.django_db
def test_sidebar_for_institution_user_uses_its_own_group(users, all_urls):
    groups = sidebar(users["institution_staff"])
    assert [(g["title"], [i["label"] for i in g["items"]]) for g in groups] == [
        ("", ["首页"]),
        ("本机构", ["机构信息", "备案", "评价批次", "考核场所", "内部督导员"]),
    ]


@pytest.mark.django_db
def test_active_entry_covers_detail_pages(users, all_urls):
    groups = sidebar(users["authority_staff"], "registry:institution_detail")
    active = [i["label"] for g in groups for i in g["items"] if i["active"]]
    assert active == ["评价机构"]
    groups = sidebar(users["authority_staff"], "web:dashboard")
    assert [i["label"] for g in groups for i in g["items"] if i["active"]] == ["首页"]


@pytest.mark.django_db
def test_unresolvable_names_are_skipped(users, settings):
    settings.ROOT_URLCONF = "tests.web.urls_minimal"
    assert visible_url_names(users["authority_admin"]) == [
        "web:dashboard",
        "web:audit_list",
        "accounts:token_list",
    ]


@pytest.mark.django_db
def test_rendered_sidebar_shows_only_the_roles_links(users, client_as, all_urls):
    html = client_as(users["institution_admin"]).get("/").content.decode()
    assert 'href="/registry/filing_list/"' in html
    assert "本机构" in html
    assert 'href="/registry/authority_list/"' not in html
    assert 'href="/audit/"' not in html
    html = client_as(users["authority_admin"]).get("/").content.decode()
    assert 'href="/registry/authority_list/"' in html
    assert 'href="/audit/"' in html
    assert "本机构" not in html


def test_anonymous_sees_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert visible_url_names(AnonymousUser()) == []
