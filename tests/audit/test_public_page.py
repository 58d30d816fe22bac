"""/public/audit/ publishes the checkpoint public key and the checkpoints to anyone (SEC-1, issue 8 §3)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from dudao.common import audit, audit_keys
from dudao.common.audit_checkpoints import checkpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_trail():
    for i in range(3):
        with transaction.atomic():
            audit.record(actor=None, action="test.write", object_type="t", object_id=str(i))
    checkpoint_create()
    with transaction.atomic():
        audit.record(actor=None, action="test.write", object_type="t", object_id="3")
    return checkpoint_create()


def test_page_without_login_shows_key_and_latest_checkpoint(signed_trail, signing_key_files):
    response = Client().get("/public/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    public_pem = signing_key_files[1].read_text()
    assert public_pem.strip() in html
    key = audit_keys.load_public_key(public_pem.encode())
    assert audit_keys.fingerprint(key) in html
    assert "#2(共 2 个)" in html and "#4" in html and signed_trail.signature in html
    assert 'href="/public/audit/"' in html  # in the public navigation


def test_public_navigation_links_the_audit_page(signed_trail):
    html = Client().get("/supervision/public/").content.decode()
    assert 'href="/public/audit/">审计核验</a>' in html


def test_downloads_verify_with_the_command(signed_trail, signing_key_files, tmp_path, capsys):
    client = Client()
    key = client.get("/public/audit/public-key.pem")
    assert key["Content-Disposition"] == 'attachment; filename="dudao-audit-public-key.pem"'
    assert key.content == signing_key_files[1].read_bytes()
    checkpoints = client.get("/public/audit/checkpoints.json")
    document = json.loads(checkpoints.content)
    assert [c["event_id"] for c in document["checkpoints"]] == [3, 4]
    (tmp_path / "k.pem").write_bytes(key.content)
    (tmp_path / "c.json").write_bytes(checkpoints.content)
    call_command(
        "audit", "verify", "--public-key", str(tmp_path / "k.pem"), "--checkpoints", str(tmp_path / "c.json")
    )
    assert "共校验 4 个事件、2 个检查点并校验签名" in capsys.readouterr().out


def test_page_before_any_key_or_checkpoint(settings, tmp_path):
    settings.DUDAO_AUDIT_SIGNING_KEY = str(tmp_path / "absent.pem")
    html = Client().get("/public/audit/").content.decode()
    assert "尚未签发检查点" in html and "尚未生成检查点公钥" in html
    assert Client().get("/public/audit/public-key.pem").status_code == 404
    assert not (tmp_path / "absent.pem").exists()  # publishing never generates a key
