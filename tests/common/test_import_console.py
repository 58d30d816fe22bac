"""`dudao import` through the installed console script: the exit codes a shell sees (0 done, 2 refused)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dudao.common.excel import export_workbook
from dudao.registry.excel import INSTITUTION_COLUMNS
from tests import factories as f

DUDAO = str(Path(sys.executable).with_name("dudao"))
SETUP = """
from dudao.accounts.models import Role, User
from dudao.registry.models import Authority, Region
region = Region.objects.create(code="360000", name="江西省", kind="province")
authority = Authority.objects.create(code="JX-CLI", name="江西省测试中心", region=region)
User.objects.create_user(username="cli_staff", password="x-Unused-2026-cli", role=Role.AUTHORITY_STAFF,
                         authority=authority)
"""
COUNT = "from dudao.registry.models import Institution; print(Institution.objects.count())"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """A migrated SQLite database of its own (the console script runs outside the test transaction)."""
    folder = tmp_path_factory.mktemp("console")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = f"sqlite:///{folder / 'console.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "dudao.settings"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [DUDAO, *args], env=env, capture_output=True, text=True, timeout=300, check=False
        )

    assert run("migrate", "--noinput").returncode == 0
    done = run("shell", "-c", SETUP)
    assert done.returncode == 0, done.stderr
    return folder, run


def _file(folder: Path, rows: list[dict], name: str) -> str:
    path = folder / name
    path.write_bytes(export_workbook(INSTITUTION_COLUMNS, rows, sheet_name="导入"))
    return str(path)


def _rows(n: int, start: int) -> list[dict]:
    return [
        {"name": f"控制台机构{i}", "kind": "employer", "uscc": f.make_uscc(7000 + i), "region": "360000"}
        for i in range(start, start + n)
    ]


def test_exit_codes_of_the_console_script(console):
    folder, run = console
    good = _file(folder, _rows(3, 0), "good.xlsx")

    dry = run("import", "institutions", good, "--as", "cli_staff", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert run("shell", "-c", COUNT).stdout.strip().splitlines()[-1] == "0"

    done = run("import", "institutions", good, "--as", "cli_staff", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 3
    assert run("shell", "-c", COUNT).stdout.strip().splitlines()[-1] == "3"

    again = run("import", "institutions", good, "--as", "cli_staff", "--json")  # every USCC is taken now
    assert again.returncode == 2
    assert len(json.loads(again.stdout)["errors"]) == 3

    unknown = run("import", "institutions", good, "--as", "nobody", "--json")
    assert unknown.returncode == 2

    hostile = folder / "hostile.xlsx"
    hostile.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    refused = run("import", "institutions", str(hostile), "--as", "cli_staff")
    assert refused.returncode == 2
    assert "文件" in refused.stderr
    assert run("shell", "-c", COUNT).stdout.strip().splitlines()[-1] == "3"
    assert run("audit", "verify").returncode == 0
