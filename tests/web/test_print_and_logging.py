"""Print views, favicon and quiet 403 logs (issue 9 §3 point 10)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from dudao.web.logging import OneLineForbidden

STATIC = Path(__file__).resolve().parents[2] / "dudao" / "web" / "static" / "web"


def console_handler() -> logging.Handler:
    return next(
        h for h in logging.getLogger().handlers if any(isinstance(f, OneLineForbidden) for f in h.filters)
    )


@pytest.mark.django_db
def test_a_403_is_logged_as_one_line_with_path_and_reason(client_as, users):
    handler = console_handler()
    stream, handler.stream = handler.stream, io.StringIO()
    try:
        response = client_as(users["institution_staff"]).get("/supervision/tasks/new/")
        logged = handler.stream.getvalue()
    finally:
        handler.stream = stream
    assert response.status_code == 403
    lines = [line for line in logged.splitlines() if line.strip()]
    assert len(lines) == 1, logged
    assert "Forbidden" in lines[0] and "/supervision/tasks/new/" in lines[0]
    assert "Traceback" not in logged


def test_the_filter_keeps_other_records_whole():
    try:
        raise ValueError("boom")
    except ValueError as exc:
        error = logging.LogRecord(
            "django.request",
            logging.ERROR,
            "",
            0,
            "Internal Server Error",
            (),
            (ValueError, exc, exc.__traceback__),
        )
    error.status_code = 500
    assert OneLineForbidden().filter(error) and error.exc_info is not None


@pytest.mark.django_db
def test_pages_link_the_favicon_and_print_the_unit_and_date(client_as, users):
    html = client_as(users["authority_staff"]).get("/supervision/tasks/").content.decode()
    for name in ("favicon.svg", "favicon-32.png", "apple-touch-icon.png"):
        assert f"/static/web/{name}" in html
        assert (STATIC / name).stat().st_size > 100
    assert "dudao-print-head" in html and "打印日期" in html
    css = (STATIC / "dudao.css").read_text()
    assert "@media print" in css and ".navbar" in css


def test_long_steps_declare_a_busy_text():
    templates = Path(__file__).resolve().parents[2] / "dudao"
    for relative, marker in (
        ("supervision/templates/supervision/draw_detail.html", 'data-busy="正在执行抽取…"'),
        ("web/templates/web/partials/import_form.html", "data-busy="),
        ("scorecards/templates/scorecards/evaluation_detail.html", 'data-busy="正在生成 PDF…"'),
        ("supervision/templates/supervision/task_detail.html", 'data-busy="正在生成 PDF…"'),
    ):
        assert marker in (templates / relative).read_text(), relative
    script = (STATIC / "dudao.js").read_text()
    assert "data-busy" in script and "spinner-border" in script
