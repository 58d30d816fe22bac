"""`dudao demo-data` refuses to run in production (issue 8 §5): it creates a superuser whose password is
published. Probe repeated: `DUDAO_ENV=production dudao demo-data` loaded the demo province."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from dudao.accounts.models import User
from dudao.common.errors import PermissionDenied
from dudao.demo import services
from dudao.registry.models import Authority
from tests.demo.conftest import ROOT
from tests.web.test_production_settings import production_keys

STRONG_KEY = "k7Qx-2mZp9Lw4Rt8Yb1Nc6Vd3Hs5Jf0Ga7Ue2Io9Pk4Ml8Zq1Xw3Ec6Rv5Tb2Yn7Um"  # test only


@pytest.mark.django_db
def test_call_command_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境"):
        call_command("demo-data", "--scale", "tiny", "--seed", "1")
    assert not User.objects.exists()
    assert not Authority.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "call", [lambda: services.demo_data_create(scale="tiny", seed=1), services.demo_data_reset]
)
def test_services_refuse_in_production(settings, call):
    settings.PRODUCTION = True
    with pytest.raises(PermissionDenied, match="密码公开的超级管理员"):
        call()
    assert not User.objects.exists()


def test_console_script_refuses_in_production(fresh_sqlite):
    database = fresh_sqlite("production")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUDAO_")}
    env.update({**production_keys(database.parent), "DATABASE_URL": f"sqlite:///{database}"})
    done = subprocess.run(
        [sys.executable, "-m", "dudao.cli", "demo-data", "--scale", "tiny", "--seed", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "生产环境(DUDAO_ENV=production)不能生成或删除演示数据" in done.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from accounts_user").fetchone() == (0,)
        assert db.execute("select count(*) from registry_authority").fetchone() == (0,)


@pytest.mark.parametrize(
    ("dropped", "named"), [("DUDAO_SECRET_KEY", "DUDAO_SECRET_KEY"), ("DUDAO_PII_KEY", "DUDAO_PII_KEYS")]
)
def test_production_without_its_keys_is_one_chinese_line_not_a_traceback(fresh_sqlite, dropped, named):
    """Probe: `DUDAO_ENV=production dudao demo-data` on a machine without keys printed a Python traceback."""
    database = fresh_sqlite("production")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUDAO_")}
    env.update({**production_keys(database.parent), "DATABASE_URL": f"sqlite:///{database}"})
    del env[dropped]
    done = subprocess.run(
        [sys.executable, "-m", "dudao.cli", "demo-data"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("dudao: 配置错误:") and named in done.stderr
