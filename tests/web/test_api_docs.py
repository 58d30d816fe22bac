"""/api/v1/docs from vendored files, for signed-in users (issue 8 §5).

Probe repeated: the docs page loaded Swagger UI from a CDN (blank on an intranet) and was open to anyone.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.contrib.staticfiles import finders

from dudao.accounts.models import Role

DOCS = "/api/v1/docs"


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs += [v for k, v in attrs if k in ("src", "href", "data-openapi-url") and v]


def test_anonymous_is_sent_to_login(client):
    response = client.get(DOCS)
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/api/v1/docs"


def test_signed_in_user_gets_docs_from_this_site_only(client, users):
    client.force_login(users[Role.INSTITUTION_STAFF])
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    parser = _Refs()
    parser.feed(html)
    assert parser.refs, html
    assert [r for r in parser.refs if not r.startswith("/")] == []  # no external host, no protocol-relative
    assert not re.search(r"https?://|//cdn", html)
    assert "/static/vendor/swagger-ui-5.36.0/swagger-ui-bundle.js" in parser.refs
    assert "/api/v1/openapi.json" in parser.refs
    for ref in parser.refs:
        if ref.startswith("/static/"):
            assert finders.find(ref.removeprefix("/static/")), ref  # every referenced file is vendored
    assert "<script>" not in html  # the page runs under script-src 'self'


def test_docs_starter_keeps_swagger_offline():
    path = finders.find("web/api_docs.js")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert "validatorUrl: null" in text  # else Swagger UI fetches a badge from validator.swagger.io


def test_schema_stays_readable_for_token_clients(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
