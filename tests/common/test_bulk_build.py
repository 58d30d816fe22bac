"""`dudao.common.bulk.build`: the bulk services' positional constructor builds what `model(**values)` does."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from dudao.common.bulk import build
from dudao.registry import models as rm
from dudao.supervision.models import Draw

pytestmark = pytest.mark.django_db


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_build_equals_keyword_construction_with_defaults_and_related(authority):
    values = {"name": "甲机构", "kind": "employer", "uscc": "91360100MA35XXXXXX", "region_id": "360000"}
    built = build(rm.Institution, values, {"authority": authority})
    keyword = rm.Institution(**values, authority=authority)
    assert _fields(built) == _fields(keyword)
    assert built.authority is authority  # cached like `model(authority=obj)`: no query on access
    assert built._state.adding and built.pk is None


def test_build_calls_callable_defaults_per_object():
    """A callable default (`default=dict`) is made anew for each object, never shared."""
    first, second = build(Draw, {}), build(Draw, {})
    assert first.filters == {} and first.items == []
    assert first.filters is not second.filters and first.items is not second.items
    assert model_to_dict(first) == model_to_dict(Draw())


def test_build_refuses_an_unknown_field():
    with pytest.raises(KeyError):
        build(rm.Institution, {"no_such_field": 1})
