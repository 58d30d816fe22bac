"""Production mode (issue 8 §5): weak secret keys are refused, DUDAO_DEBUG is ignored, `check --deploy`
is clean. Settings are read once per process, so each case loads them in a subprocess with its own env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dudao.common.audit_keys import write_key_pair
from dudao.web.checks import MIN_SECRET_KEY_LENGTH, secret_key_problem

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k7Qx-2mZp9Lw4Rt8Yb1Nc6Vd3Hs5Jf0Ga7Ue2Io9Pk4Ml8Zq1Xw3Ec6Rv5Tb2Yn7Um"  # 66 characters, test only


# The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for the whole pytest run; deployments never do.
_NOT_INHERITED = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def _run(env_over: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUDAO_") and k not in _NOT_INHERITED}
    env.update({"DJANGO_SETTINGS_MODULE": "dudao.settings", **env_over})
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _production(tmp_path, key: str, **extra: str) -> dict[str, str]:
    return {**production_keys(tmp_path), "DUDAO_SECRET_KEY": key, **extra}


def production_keys(directory) -> dict[str, str]:
    """Every key production demands (secret, personal data, audit chain and checkpoint public key)."""
    if not (directory / "audit-public-key.pem").exists():
        write_key_pair(directory)
    return {
        "DUDAO_ENV": "production",
        "DUDAO_SECRET_KEY": STRONG_KEY,
        "DUDAO_PII_KEY": STRONG_KEY[::-1],
        "DUDAO_AUDIT_KEY": STRONG_KEY[1:],
        "DUDAO_AUDIT_PUBLIC_KEY": str(directory / "audit-public-key.pem"),
        "DUDAO_VAR_DIR": str(directory),
    }


_PRINT_DEBUG = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def test_production_ignores_dudao_debug(tmp_path):
    """Probe: DUDAO_ENV=production DUDAO_DEBUG=1 turned on Django's debug pages (tracebacks, settings)."""
    done = _run(_production(tmp_path, STRONG_KEY, DUDAO_DEBUG="1"), "-c", _PRINT_DEBUG)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_development_still_honours_dudao_debug(tmp_path):
    on = _run({"DUDAO_DEBUG": "1", "DUDAO_VAR_DIR": str(tmp_path)}, "-c", _PRINT_DEBUG)
    off = _run({"DUDAO_DEBUG": "0", "DUDAO_VAR_DIR": str(tmp_path)}, "-c", _PRINT_DEBUG)
    assert (on.stdout.strip(), off.stdout.strip()) == ("True", "False"), on.stderr + off.stderr


@pytest.mark.parametrize(
    ("key", "refused"),
    [
        (STRONG_KEY[: MIN_SECRET_KEY_LENGTH - 1], True),  # 49: one short
        (STRONG_KEY[:MIN_SECRET_KEY_LENGTH], False),  # 50: the minimum is allowed
        ("dev-insecure-dudao-key-change-me-0123456789abcdef-x", True),  # the published development key
        ("django-insecure-" + STRONG_KEY, True),  # Django's startproject template
        ("a" * 60 + "bcd", True),  # long but 4 distinct characters
    ],
)
def test_production_check_refuses_weak_secret_keys(tmp_path, key, refused):
    """Probe: production started with a 5-character or a published secret key (sessions forgeable)."""
    done = _run(_production(tmp_path, key), "-m", "dudao.cli", "check")
    if refused:
        assert done.returncode != 0
        assert "dudao.E001" in done.stderr
        assert "DUDAO_SECRET_KEY" in done.stderr
    else:
        assert done.returncode == 0, done.stderr


def test_development_key_itself_is_refused():
    from django.conf import settings

    assert secret_key_problem(settings.DEV_SECRET_KEY, known=(settings.DEV_SECRET_KEY,)) is not None
    padded = settings.DEV_SECRET_KEY + "-padded-to-length"
    assert "默认值" in secret_key_problem(padded)


def test_gunicorn_entry_point_refuses_a_weak_key(tmp_path):
    """gunicorn imports dudao.wsgi and runs no system checks: the entry point itself must refuse."""
    weak = _run(_production(tmp_path, "short-key"), "-c", "import dudao.wsgi")
    assert weak.returncode != 0
    assert "ImproperlyConfigured" in weak.stderr and "DUDAO_SECRET_KEY 太短" in weak.stderr
    strong = _run(_production(tmp_path, STRONG_KEY), "-c", "import dudao.wsgi")
    assert strong.returncode == 0, strong.stderr


def test_deploy_check_is_clean_in_production(tmp_path):
    done = _run(_production(tmp_path, STRONG_KEY), "-m", "dudao.cli", "check", "--deploy")
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_development_runs_with_the_development_key(tmp_path):
    done = _run({"DUDAO_VAR_DIR": str(tmp_path)}, "-m", "dudao.cli", "check")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("name", "value", "refused"),
    [
        ("DUDAO_RESULT_PUBLICITY_WORKDAYS", "0", True),
        ("DUDAO_RESULT_PUBLICITY_WORKDAYS", "1", False),
        ("DUDAO_RESULT_OBJECTION_WORKDAYS", "60", False),
        ("DUDAO_RESULT_OBJECTION_WORKDAYS", "61", True),
        ("DUDAO_OBJECTION_HANDLING_WORKDAYS", "0", True),
        ("DUDAO_OBJECTION_HANDLING_WORKDAYS", "1", False),
        ("DUDAO_OBJECTION_HANDLING_WORKDAYS", "61", True),
    ],
)
def test_result_windows_must_be_whole_working_days(tmp_path, name, value, refused):
    """EXAM-17: a 公示 or objection window of 0 days would let certificates go out at once; an objection
    due the day it is filed could not be handled in time."""
    done = _run({name: value, "DUDAO_VAR_DIR": str(tmp_path)}, "-m", "dudao.cli", "check")
    assert (done.returncode != 0) == refused
    assert ("1 到 60" in done.stderr) == refused
