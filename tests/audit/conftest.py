"""Audit tests sign with a key pair of their own (never the developer's var/ key)."""

from __future__ import annotations

import pytest

from dudao.common import audit_keys


@pytest.fixture
def signing_key_files(tmp_path, settings):
    private_path, public_path = audit_keys.write_key_pair(tmp_path / "keys")
    settings.DUDAO_AUDIT_SIGNING_KEY = str(private_path)
    return private_path, public_path


@pytest.fixture(autouse=True)
def _audit_keys(settings, signing_key_files):
    settings.DUDAO_AUDIT_KEY = "test-audit-chain-key-0123456789abcdefghij"
    settings.DUDAO_AUDIT_KEY_ID = "t1"
    settings.DUDAO_AUDIT_RETIRED_KEYS = ""
    settings.DUDAO_AUDIT_PUBLIC_KEY = ""
