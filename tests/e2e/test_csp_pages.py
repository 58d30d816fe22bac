"""Pages work under the Content-Security-Policy (issue 8 §5): no inline script is blocked, the confirm
dialogs that were inline onsubmit handlers still guard their forms, and /api/v1/docs renders offline.
The `page` fixture fails any test during which chromium reported a CSP violation on the console."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from dudao.accounts.models import ApiToken
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo-data", "--scale", "tiny", "--seed", "1", stdout=StringIO())


def test_key_pages_load_without_csp_violations(page, demo):
    login(page, "demo_authority_admin")
    pages = (
        "/",
        "/registry/institutions/",
        "/registry/batches/new/",
        "/supervision/settings/",
        "/supervision/public/",
    )
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    # The scripts did run: htmx and the shared page script are loaded and the htmx config took effect.
    assert page.evaluate("() => window.htmx.config.allowEval") is False
    assert page.evaluate("() => window.htmx.config.includeIndicatorStyles") is False


def test_confirm_dialog_still_guards_a_form(page, demo):
    """The token revoke form had onsubmit="return confirm(…)"; now data-confirm + web/dudao.js."""
    login(page, "demo_authority_admin")
    page.goto("/accounts/tokens/")
    page.fill("#id_token_name", "CSP 测试")
    page.click("button:has-text('创建令牌')")
    page.wait_for_selector("#new-token-key")
    token = ApiToken.objects.get(name="CSP 测试")
    messages: list[str] = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("button:has-text('吊销')")
    page.wait_for_timeout(500)
    assert messages == ["吊销后使用该令牌的系统将无法访问,确定吊销?"]
    token.refresh_from_db()
    assert token.revoked is False  # cancelled: nothing was sent

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button:has-text('吊销')")
    token.refresh_from_db()
    assert token.revoked is True


def test_api_docs_render_from_vendored_files(page, demo, live_server):
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else external.append(r.url))
    login(page, "demo_institution_staff")
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "dudao 督导 API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag")
    page.wait_for_load_state("networkidle")
    assert page.locator(".opblock-tag").count() >= 3  # operations grouped by tag, rendered from the schema
    shot(page, "api-docs")
    assert [u for u in external if not u.startswith("data:")] == []
