"""`dudao scorecards load [FILE.yaml ...]`: form definitions into the database as versions."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from dudao.common.models import AuditEvent
from dudao.scorecards.models import ScoreFormVersion
from tests.scorecards.helpers import shipped_text

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("scorecards", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code)
    return code, out.getvalue(), err.getvalue()


def test_load_shipped_forms_is_idempotent():
    assert run("load") == (0, "已载入 CQ-RENEWAL 第 1 版,现行版本\n已载入 QC-STATION 第 1 版,现行版本\n", "")
    events = AuditEvent.objects.filter(action="scorecards.form_version.load").count()
    code, out, _ = run("load", "--json")
    assert (code, json.loads(out)) == (
        0,
        [
            {"form": "CQ-RENEWAL", "version": 1, "created": False, "current": True},
            {"form": "QC-STATION", "version": 1, "created": False, "current": True},
        ],
    )
    assert AuditEvent.objects.filter(action="scorecards.form_version.load").count() == events == 2
    row = ScoreFormVersion.objects.get(form_id="QC-STATION")
    assert (row.source, row.loaded_by, row.definition) == ("shipped", None, shipped_text("QC-STATION"))


def test_load_files_new_version_invalid_and_conflicting(tmp_path):
    run("load")
    v2 = tmp_path / "qc2.yaml"
    v2.write_text(shipped_text("QC-STATION").replace("version: 1", "version: 2", 1), encoding="utf-8")
    assert run("load", str(v2)) == (0, "已载入 QC-STATION 第 2 版,现行版本\n", "")
    assert list(
        ScoreFormVersion.objects.filter(form_id="QC-STATION").values_list("version", "is_current")
    ) == [
        (2, True),
        (1, False),
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        shipped_text("QC-STATION").replace("version: 1", "version: 3", 1).replace("max: 30", "max: 31")
    )
    code, out, err = run("load", str(bad))
    assert (code, out) == (1, "")
    assert err.startswith(
        f"{bad}: sections[0]: declared max 31 differs from the sum of its items' maxima (30)"
    )
    changed = tmp_path / "changed.yaml"
    changed.write_text(shipped_text("QC-STATION").replace("title: ", "title: 新", 1), encoding="utf-8")
    assert run("load", str(changed)) == (
        2,
        "",
        "评估表 QC-STATION 第 1 版已载入且内容不同;修改后的评估表请使用新的版本号\n",
    )
    assert run("load", str(tmp_path / "missing.yaml"))[0] == 2
    assert ScoreFormVersion.objects.count() == 3
