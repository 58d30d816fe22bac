"""Date fields render ISO values: the zh-hans input format printed "2026/12/06", which <input type="date">
rejects, so the work-calendar's start date came up empty (issue 9 §3 point 5)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms

import dudao

ISO_FORMATS = {"date": "%Y-%m-%d", "datetime-local": "%Y-%m-%dT%H:%M"}


def page_forms():
    for module_info in pkgutil.walk_packages(dudao.__path__, "dudao."):
        if not module_info.name.endswith((".forms", ".forms_filters")):
            continue
        module = importlib.import_module(module_info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_date_widget_renders_iso():
    checked = 0
    for cls in page_forms():
        for name, field in getattr(cls, "base_fields", {}).items():
            kind = getattr(field.widget, "input_type", "")
            if kind in ISO_FORMATS:
                checked += 1
                assert field.widget.format == ISO_FORMATS[kind], f"{cls.__module__}.{cls.__name__}.{name}"
    assert checked > 10


@pytest.mark.django_db
def test_work_calendar_start_date_is_filled_in_iso(client_as, users):
    html = client_as(users["authority_staff"]).get("/workdays/").content.decode()
    field = re.search(r'<input type="date" name="date"[^>]*>', html).group(0)
    assert re.search(r'value="\d{4}-\d{2}-\d{2}"', field), field
