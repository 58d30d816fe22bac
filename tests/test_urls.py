"""The API's URL patterns are tried with the public ones first (issue 11 Performance: the public certificate
look-up is the busiest path); the order changes which view answers no path."""

from __future__ import annotations

import re

from django.urls import URLResolver, path
from django.urls.resolvers import RegexPattern

from dudao.api import api
from dudao.urls import busiest_first

CONVERTER = re.compile(r"<(?:(?P<kind>[a-z]+):)?(?P<name>\w+)>")


def sample(route: str) -> str:
    """A concrete path the route matches (each converter filled with a value of its kind)."""
    return CONVERTER.sub(lambda m: "7" if m["kind"] == "int" else "abc", route)


def resolver(patterns: list) -> URLResolver:
    return URLResolver(RegexPattern(r"^"), patterns)


def test_every_api_path_resolves_to_the_same_view_in_either_order():
    patterns, app, namespace = api.urls
    reordered, _app, _namespace = busiest_first((patterns, app, namespace))
    assert sorted(map(id, reordered)) == sorted(map(id, patterns))  # the same patterns, none lost
    assert str(reordered[0].pattern).startswith("public/")
    before, after = resolver(patterns), resolver(reordered)
    paths = {sample(str(p.pattern)) for p in patterns}
    assert "public/certificates" in paths and len(paths) > 150
    for each in paths:
        original, now = before.resolve(each), after.resolve(each)
        assert (now.func, now.kwargs) == (original.func, original.kwargs), each


def test_public_patterns_go_first_the_others_keep_their_order():
    def view(request):  # pragma: no cover - never called
        return None

    a, b, c, d = (path(route, view) for route in ("a/x", "public/b", "c/<int:pk>", "public/d"))
    assert busiest_first(([a, b, c, d], "app", "ns")) == ([b, d, a, c], "app", "ns")
    # a pattern that starts with a converter could match a public path too: before a public one, the order
    # is left alone; after the last public one (a catch-all), it changes nothing
    anything = path("<path:rest>", view)
    assert busiest_first(([a, anything, b], "app", "ns")) == ([a, anything, b], "app", "ns")
    assert busiest_first(([a, b, anything], "app", "ns")) == ([b, a, anything], "app", "ns")
    assert busiest_first(([a, c], "app", "ns")) == ([a, c], "app", "ns")
