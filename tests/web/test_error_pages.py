"""Error pages with DEBUG off (REVIEW M9): Chinese 404/403/500; the 500 page needs nothing that can fail."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from tests import factories as f


@pytest.fixture
def no_debug(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.web.urls_errors"


@pytest.mark.django_db
def test_server_error_shows_the_chinese_500_page(no_debug, users):
    client = Client(raise_request_exception=False)
    client.force_login(users["authority_staff"])
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<title>500 - 督导平台</title>" in html
    assert "系统出现错误,请稍后再试" in html
    assert 'href="/"' in html
    assert "Server Error" not in html and "Traceback" not in html and "deliberate" not in html


@pytest.mark.django_db
def test_500_page_renders_without_context_database_or_static_storage(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert "系统出现错误" in html
    assert "{%" not in html and "{{" not in html
    assert "/static/" not in html  # styles are inline: nothing else to load when things are broken


@pytest.mark.django_db
def test_out_of_scope_page_is_the_chinese_404(no_debug, users, other_institution):
    client = Client()
    client.force_login(users["institution_staff"])
    response = client.get(f"/registry/institutions/{other_institution.pk}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在或无权查看" in html
    assert "Page not found" not in html and "URLconf" not in html
    assert "/static/vendor/tabler-1.6.1/css/tabler.min.css" in html


@pytest.mark.django_db
def test_unknown_url_is_the_chinese_404_for_anonymous_too(no_debug):
    html = Client().get("/no/such/page/").content.decode()
    assert "页面不存在或无权查看" in html


@pytest.mark.django_db
def test_forbidden_page_is_the_chinese_403(no_debug, users):
    client = Client()
    client.force_login(users["examiner"])
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "只有审计管理员、超级管理员和委派机构管理员可以查看审计日志" in response.content.decode()


@pytest.mark.django_db
def test_api_stays_json_with_debug_off(no_debug, users):
    client = Client()
    client.force_login(f.UserFactory(username="api_user", is_superuser=True))
    response = client.get("/api/v1/registry/institutions/abc")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
