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
SUPERVISOR = [*FIELD, "people:supervisor_detail", "people:person_detail"]
EXAMINER = [*FIELD, "people:examiner_detail", "people:person_detail"]

EXPECTED = {
    "superuser": [*AUTHORITY, "web:audit_list", "accounts:token_list", "admin:index"],
    "authority_admin": [*AUTHORITY, "web:audit_list", "accounts:user_list", "accounts:token_list"],
    "authority_staff": [*AUTHORITY, "accounts:token_list"],
    # Unit administrators manage their unit's accounts; the institution admin uses the API, its staff do not.
    "institution_admin": [*INSTITUTION, "accounts:user_list", "accounts:token_list"],
    "institution_staff": INSTITUTION,
    "external_supervisor": SUPERVISOR,
    "internal_supervisor": SUPERVISOR,
    "examiner": EXAMINER,
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
        ("系统", ["审计日志", "账号管理", "API 令牌"]),
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
        "accounts:user_list",
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


# ------------------------------------------------------------------ own records (REVIEW M10)


def own_links(user) -> list[tuple[str, str]]:
    return [(i["label"], i["url"]) for g in sidebar(user) if g["title"] == "我的" for i in g["items"]]


@pytest.mark.django_db
def test_supervisor_and_examiner_links_point_to_their_own_records(users, all_urls):
    from dudao.people.models import Examiner, Supervisor

    ext = users["external_supervisor"]
    supervisor = Supervisor.objects.get(person_id=ext.person_id)
    assert own_links(ext) == [
        ("我的信息", "/me/"),
        ("我的督导员档案", f"/people/supervisors/{supervisor.pk}/"),
        ("申报关系", f"/people/persons/{ext.person_id}/#relations"),
    ]
    examiner_user = users["examiner"]
    examiner = Examiner.objects.get(person_id=examiner_user.person_id)
    assert own_links(examiner_user) == [
        ("我的信息", "/me/"),
        ("我的考评员档案", f"/people/examiners/{examiner.pk}/"),
        ("申报关系", f"/people/persons/{examiner_user.person_id}/#relations"),
    ]


@pytest.mark.django_db
def test_person_with_both_roles_gets_both_records_and_the_role_kind_wins(
    users, authority, institution, all_urls
):
    from tests import factories as f

    user = users["internal_supervisor"]
    internal = user.person.supervisor_roles.get()
    external = f.SupervisorFactory(person=user.person, authority=authority)  # newer, but not the role's kind
    examiner = f.ExaminerFactory(person=user.person, authority=authority)
    assert own_links(user) == [
        ("我的信息", "/me/"),
        ("我的督导员档案", f"/people/supervisors/{internal.pk}/"),
        ("我的考评员档案", f"/people/examiners/{examiner.pk}/"),
        ("申报关系", f"/people/persons/{user.person_id}/#relations"),
    ]
    assert external.pk > internal.pk


@pytest.mark.django_db
def test_field_account_without_a_person_gets_only_the_profile(all_urls):
    from tests import factories as f

    user = f.UserFactory(username="lonely", role="examiner")
    assert own_links(user) == [("我的信息", "/me/")]


@pytest.mark.django_db
def test_own_records_cost_two_queries_once_per_request(users, all_urls, django_assert_num_queries):
    user = users["examiner"]
    with django_assert_num_queries(2):
        sidebar(user)
        sidebar(user)


@pytest.mark.django_db
def test_profile_page_links_to_own_records(users, client_as, all_urls):
    user = users["examiner"]
    html = client_as(user).get("/me/").content.decode()
    links = html.split("dudao-own-links")[1].split("</div>")[0]
    assert f'href="/people/examiners/{user.person.examiner.pk}/"' in links
    assert f'href="/people/persons/{user.person_id}/#relations"' in links
    assert "我的考评员档案" in links and "申报关系" in links
    html = client_as(users["authority_admin"]).get("/me/").content.decode()
    assert "dudao-own-links" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["external_supervisor", "internal_supervisor", "examiner"])
def test_own_record_links_open_on_the_real_pages(role, users, client_as):
    user = users[role]
    client = client_as(user)
    own = ("我的信息", "我的督导员档案", "我的考评员档案", "申报关系")
    links = [(label, url) for label, url in own_links(user) if label in own]
    assert len(links) == 3
    for label, url in links:
        response = client.get(url.split("#")[0])
        assert response.status_code == 200, (label, url)
    relations = client.get(links[-1][1].split("#")[0]).content.decode()
    assert 'id="relations"' in relations
