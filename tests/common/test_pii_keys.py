"""SEC-3 keys: production refuses to start without a dedicated PII key; versioned keys parse strictly.

Repeats the probe of issue 8 §2: DUDAO_PII_KEY fell back to the secret key in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dudao.common.pii_keys import PiiKeyError, parse_key_list, pii_keys_from_env

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 50


def test_production_without_pii_key_refuses():
    with pytest.raises(PiiKeyError, match="必须设置 DUDAO_PII_KEYS"):
        pii_keys_from_env({}, production=True, secret_key=SECRET)


def test_production_pii_key_equal_to_secret_key_refuses():
    with pytest.raises(PiiKeyError, match="不能与 DUDAO_SECRET_KEY 相同"):
        pii_keys_from_env({"DUDAO_PII_KEY": SECRET}, production=True, secret_key=SECRET)


def test_production_with_key_list_starts():
    env = {"DUDAO_PII_KEYS": "2:" + "b" * 32 + ", 1:" + "a" * 32}
    assert pii_keys_from_env(env, production=True, secret_key=SECRET) == (2, {2: "b" * 32, 1: "a" * 32})


def test_single_key_is_version_one():
    assert pii_keys_from_env({"DUDAO_PII_KEY": "k" * 32}, production=True, secret_key=SECRET) == (
        1,
        {1: "k" * 32},
    )


def test_development_falls_back_to_secret_key():
    assert pii_keys_from_env({}, production=False, secret_key=SECRET) == (1, {1: SECRET})


def test_first_listed_key_is_current_even_if_older():
    """Rolling back to key 1 is "1:…,2:…": the order, not the number, says which key encrypts."""
    assert parse_key_list("1:" + "a" * 16 + ",2:" + "b" * 16)[0] == 1


@pytest.mark.parametrize(
    "text",
    ["", "x:" + "a" * 16, "0:" + "a" * 16, "2" + "a" * 16, "1:short", "1:" + "a" * 16 + ",1:" + "b" * 16],
)
def test_malformed_key_lists_refused(text):
    with pytest.raises(PiiKeyError):
        parse_key_list(text)


def _import_settings(env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUDAO_PII")}
    env.update({"DUDAO_ENV": "production", "DUDAO_SECRET_KEY": SECRET, **env_extra})
    return subprocess.run(
        [sys.executable, "-c", "import dudao.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_startup_refused_without_pii_key():
    """The settings module itself refuses (gunicorn runs no system checks)."""
    result = _import_settings({})
    assert result.returncode != 0
    assert "DUDAO_PII_KEYS" in result.stderr


def test_production_startup_accepts_dedicated_key():
    result = _import_settings({"DUDAO_PII_KEYS": "1:" + "p" * 32})
    assert result.returncode == 0, result.stderr
