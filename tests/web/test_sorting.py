"""Sortable list columns (issue 9 §3.8): a whitelisted ?sort=key / -key, header links with an arrow,
kept with the filters and across pages; an unknown key is ignored, never a 500."""

from __future__ import annotations

import pathlib
import re

import pytest
from django.urls import reverse

from dudao.people.views import EXAMINER_SORTS, PERSON_SORTS, SUPERVISOR_SORTS
from dudao.registry.views import FILING_SORTS, INSTITUTION_SORTS
from dudao.renewals.list_query import APPLICATION_SORTS
from dudao.scorecards.views import EVALUATION_SORTS
from dudao.supervision.sorting import DRAW_SORTS, TASK_SORTS
from dudao.web.sorting import parse_sort
from tests import factories as f
from tests.conftest import client_for

LISTS = [
    ("registry:institution_list", INSTITUTION_SORTS),
    ("registry:filing_list", FILING_SORTS),
    ("people:person_list", PERSON_SORTS),
    ("people:supervisor_list", SUPERVISOR_SORTS),
    ("people:examiner_list", EXAMINER_SORTS),
    ("supervision:task_list", TASK_SORTS),
    ("supervision:draw_list", DRAW_SORTS),
    ("renewals:application_list", APPLICATION_SORTS),
    ("scorecards:evaluation_list", EVALUATION_SORTS),
]


def test_parse_sort_whitelist_both_ways():
    allowed = {"name": "name", "region": "region__code"}
    assert parse_sort("name", allowed) == ("name", False)
    assert parse_sort("-region", allowed) == ("region", True)
    assert parse_sort(" -name ", allowed) == ("name", True)
    for bad in ("password", "-password", "region__code", "-", "", "--name", "name;drop", None, ["name"]):
        assert parse_sort(bad, allowed) is None, bad


def _names(html: str) -> list[str]:
    return re.findall(r'data-label="机构名称"><a href="[^"]+">([^<]+)</a>', html)


@pytest.mark.django_db
def test_institution_list_sorts_both_ways_and_ignores_unknown_keys(users, authority):
    for name in ("乙机构", "丙机构", "甲机构"):
        f.InstitutionFactory(authority=authority, region=authority.region, name=name)
    client = client_for(users["superuser"])
    url = reverse("registry:institution_list")
    ascending = _names(client.get(url, {"sort": "name"}).content.decode())
    assert ascending == sorted(ascending) and len(ascending) == 4
    descending = _names(client.get(url, {"sort": "-name"}).content.decode())
    assert descending == list(reversed(ascending))
    default = _names(client.get(url).content.decode())
    for bad in ("password", "-uscc__x", "x" * 5000, "-"):
        response = client.get(url, {"sort": bad})
        assert response.status_code == 200
        assert _names(response.content.decode()) == default


@pytest.mark.django_db
def test_header_links_keep_filters_toggle_direction_and_show_the_arrow(users, authority):
    client = client_for(users["superuser"])
    url = reverse("registry:institution_list")
    html = client.get(url, {"q": "机构", "page": "1"}).content.decode()
    # Not sorted yet: ascending first, filters kept, back to page 1, no arrow.
    assert 'href="?q=%E6%9C%BA%E6%9E%84&amp;sort=name" title="按机构名称排序">机构名称</a>' in html
    html = client.get(url, {"q": "机构", "sort": "name"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?q=%E6%9C%BA%E6%9E%84&amp;sort=-name"' in html and "▲" in html
    html = client.get(url, {"q": "机构", "sort": "-name"}).content.decode()
    assert 'aria-sort="descending"' in html and "▼" in html
    assert 'href="?q=%E6%9C%BA%E6%9E%84&amp;sort=name"' in html


@pytest.mark.django_db
def test_pagination_carries_the_sort(users, authority):
    for n in range(25):
        f.InstitutionFactory(authority=authority, region=authority.region, name=f"机构{n:02d}")
    client = client_for(users["superuser"])
    url = reverse("registry:institution_list")
    page1 = client.get(url, {"sort": "-name"})
    html = page1.content.decode()
    assert "sort=-name&amp;page=2" in html or "page=2&amp;sort=-name" in html
    page2 = client.get(url, {"sort": "-name", "page": "2"})
    names = _names(page1.content.decode()) + _names(page2.content.decode())
    assert names == sorted(names, reverse=True) and len(set(names)) == 26


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "sorts"), LISTS, ids=[n for n, _ in LISTS])
def test_every_main_list_accepts_each_of_its_keys_and_ignores_others(users, url_name, sorts):
    client = client_for(users["superuser"])
    url = reverse(url_name)
    for key in sorts:
        for value in (key, f"-{key}"):
            response = client.get(url, {"sort": value})
            assert response.status_code == 200, (url_name, value)  # the ORDER BY compiled and ran
    assert client.get(url, {"sort": "-password"}).status_code == 200


TEMPLATES = {
    "registry:institution_list": "registry/institution_list.html",
    "registry:filing_list": "registry/filing_list.html",
    "people:person_list": "people/person_list.html",
    "people:supervisor_list": "people/supervisor_list.html",
    "people:examiner_list": "people/examiner_list.html",
    "supervision:task_list": "supervision/task_list.html",
    "supervision:draw_list": "supervision/draw_list.html",
    "renewals:application_list": "renewals/application_list.html",
    "scorecards:evaluation_list": "scorecards/evaluation_list.html",
}


@pytest.mark.parametrize(("url_name", "sorts"), LISTS, ids=[n for n, _ in LISTS])
def test_each_list_header_offers_exactly_its_whitelist(url_name, sorts):
    from django.template.loader import get_template

    source = pathlib.Path(get_template(TEMPLATES[url_name]).origin.name).read_text()
    assert set(re.findall(r'{% sort_th "([a-z_]+)"', source)) == set(sorts)
