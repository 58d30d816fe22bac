"""The UI is Chinese whatever the browser asks for; English only when the user chose it (settings)."""

import pytest


@pytest.mark.django_db
def test_english_browser_still_gets_chinese(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_language_cookie_selects_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/login/")
    assert response["Content-Language"] == "en"
