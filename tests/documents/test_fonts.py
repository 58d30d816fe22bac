"""The PDF fonts do not depend on fontconfig's fallback order (issue 7): the shipped rules name each face."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from dudao.documents.render import FONTCONFIG

pytestmark = pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig is not installed")


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        ("Times New Roman", "Liberation Serif"),  # metric-compatible: table text keeps Word's widths
        ("Arial", "Liberation Sans"),
        ("Courier New", "Liberation Mono"),
        ("仿宋_GB2312", "Noto Serif CJK SC"),
        ("方正小标宋简体", "Noto Serif CJK SC"),
        ("黑体", "Noto Sans CJK SC"),
    ],
)
def test_shipped_rules_resolve_each_template_font(tmp_path, family, expected):
    rules = tmp_path / "fonts.conf"
    rules.write_text(FONTCONFIG, encoding="utf-8")
    done = subprocess.run(
        ["fc-match", "--format=%{family[0]}", family],
        env={"FONTCONFIG_FILE": str(rules), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == expected
