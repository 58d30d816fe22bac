"""Vendored assets: present with licences, listed in the README, and nothing loads from the internet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "dudao" / "web"
VENDOR = WEB / "static" / "vendor"
FILES = [
    "tabler-1.6.1/css/tabler.min.css",
    "tabler-1.6.1/js/tabler.min.js",
    "tabler-1.6.1/LICENSE",
    "tabler-icons-3.49.0/tabler-icons.min.css",
    "tabler-icons-3.49.0/fonts/tabler-icons.woff2",
    "tabler-icons-3.49.0/LICENSE",
    "htmx-2.0.11/htmx.min.js",
    "htmx-2.0.11/LICENSE",
    "echarts-5.6.0/echarts.min.js",
    "echarts-5.6.0/LICENSE",
    "echarts-5.6.0/NOTICE",
    "swagger-ui-5.36.0/swagger-ui-bundle.js",
    "swagger-ui-5.36.0/swagger-ui.css",
    "swagger-ui-5.36.0/LICENSE",
    "swagger-ui-5.36.0/NOTICE",
]


@pytest.mark.parametrize("name", FILES)
def test_vendored_file_present(name):
    assert (VENDOR / name).stat().st_size > 0


def test_readme_lists_every_package():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for folder in {name.split("/")[0] for name in FILES}:
        assert f"`{folder}/`" in readme


def test_stylesheets_load_nothing_remote():
    for css in [*VENDOR.rglob("*.css"), *(WEB / "static").glob("web/*.css")]:
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text, css
        remote = [u for u in re.findall(r"url\(([^)]*)\)", text) if re.match(r"""["']?(https?:)?//""", u)]
        assert remote == [], css


def test_templates_have_no_cdn_links():
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["'](https?:)?//""", text), template
