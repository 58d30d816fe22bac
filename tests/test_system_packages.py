"""What `make` installs is what the suite needs (issue 7): a package missing here fails, not skips.

Tests that need a system tool skip when it is absent (so a developer without LibreOffice can still run
the rest); on a machine where `make` ran, this test makes sure nothing was skipped for that reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

MAKEFILE = Path(__file__).resolve().parent.parent / "Makefile"


def apt_packages() -> list[str]:
    match = re.search(r"^APT_PACKAGES := (.+)$", MAKEFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, "Makefile lists its Debian packages in APT_PACKAGES"
    return match.group(1).split()


def test_the_makefile_installs_the_fonts_and_tools_the_documents_and_tests_use():
    assert {
        "chromium",
        "fonts-noto-cjk",
        "fonts-liberation2",
        "fontconfig",
        "poppler-utils",
        "libreoffice-writer-nogui",
        "faketime",
    } <= set(apt_packages())


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="not a Debian system")
@pytest.mark.parametrize("package", apt_packages())
def test_each_listed_package_is_installed(package):
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    assert done.stdout == "install ok installed", f"{package}: run `make system-packages`"
