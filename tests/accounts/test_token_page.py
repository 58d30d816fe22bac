"""Token list page: create shows the key once, revoke, only one's own tokens."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dudao.accounts import services
from dudao.accounts.models import ApiToken


@pytest.mark.django_db
def test_create_list_and_revoke_on_the_page(users, client_as):
    client = client_as(users["authority_staff"])
    services.token_create(actor=users["authority_admin"], name="别人的令牌")
    assert "还没有 API 令牌" in client.get("/accounts/tokens/").content.decode()
    html = client.post(
        "/accounts/tokens/", {"name": "数据对接", "scope": "read", "days": "30"}
    ).content.decode()
    key = re.search(r'value="(ddo_[^"]+)" readonly', html).group(1)
    token = ApiToken.objects.get(name="数据对接")
    assert token.prefix == key[4:12]
    assert token.scope == "read"
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=30)) < dt.timedelta(seconds=1)
    html = client.get("/accounts/tokens/").content.decode()
    assert key not in html
    assert "数据对接" in html and "别人的令牌" not in html
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    assert "已吊销令牌「数据对接」" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked


@pytest.mark.django_db
def test_empty_name_and_foreign_token(users, client_as):
    client = client_as(users["authority_staff"])
    html = client.post(
        "/accounts/tokens/", {"name": " ", "scope": "read", "days": "90"}, follow=True
    ).content.decode()
    assert "请填写令牌用途" in html
    other, _ = services.token_create(actor=users["authority_admin"], name="x")
    html = client.post(f"/accounts/tokens/{other.pk}/revoke/", follow=True).content.decode()
    assert "令牌不存在" in html
    other.refresh_from_db()
    assert not other.revoked
    assert client.get(f"/accounts/tokens/{other.pk}/revoke/").status_code == 405
