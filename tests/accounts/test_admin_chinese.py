"""The Django admin fully Chinese (issue 9 §3.9): app names, model names, column headers and filters of
every registered model — our apps and the third-party ones (auth groups, background task results)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")
# Abbreviations users of the admin read as they are.
ALLOWED = {"", "ID", "IP", "SHA-256"}


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def _english(texts) -> list[str]:
    return [t for t in texts if t not in ALLOWED and not CJK.search(t)]


def test_every_registered_model_and_app_has_a_chinese_name():
    names = []
    for model in admin.site._registry:
        opts = model._meta
        names += [str(opts.app_config.verbose_name), str(opts.verbose_name), str(opts.verbose_name_plural)]
    assert _english(names) == []


def test_admin_index_shows_no_english_model_or_app_name(users):
    html = client_for(users["superuser"]).get(reverse("admin:index")).content.decode()
    captions = [_text(c) for c in re.findall(r"<caption>(.*?)</caption>", html, re.S)]
    models = [_text(m) for m in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', html, re.S)]
    assert len(models) >= len(admin.site._registry) and captions
    assert _english(captions + models) == []
    for english in ("Task Result", "Tasks Database Backend", "Groups", "Authentication and Authorization"):
        assert english not in html


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=[m._meta.label for m in admin.site._registry]
)
def test_each_changelist_has_chinese_headers_and_title(users, model):
    opts = model._meta
    response = client_for(users["superuser"]).get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    )
    assert response.status_code == 200
    html = response.content.decode()
    headers = [
        _text(h)
        for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html, re.S)
        if "action-checkbox" not in h
    ]
    filters = [_text(h) for h in re.findall(r"<summary>(.*?)</summary>", html, re.S)]
    title = _text(re.search(r"<h1>(.*?)</h1>", html, re.S).group(1))
    assert _english(headers + filters + [title]) == [], opts.label


def test_every_column_and_filter_label_is_chinese(rf, users):
    """What the changelist headers and filter titles are made of (an empty changelist shows no table)."""
    from django.contrib.admin.utils import label_for_field

    request = rf.get("/admin/")
    request.user = users["superuser"]
    english = []
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.get_list_display(request):
            if name == "action_checkbox":
                continue
            label = str(label_for_field(name, model, model_admin))
            if label not in ALLOWED and not CJK.search(label):
                english.append(f"{model._meta.label}.{name}: {label}")
        for item in model_admin.get_list_filter(request):
            if isinstance(item, str):
                field = model._meta.get_field(item.split("__")[0])
                if not CJK.search(str(field.verbose_name)):
                    english.append(f"{model._meta.label} filter {item}: {field.verbose_name}")
    assert english == []
