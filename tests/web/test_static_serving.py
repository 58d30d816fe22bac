"""Static files are served by the application itself (WhiteNoise), so gunicorn alone serves a complete
site (issue 8 §5). Probe repeated: with DEBUG off, /static/… answered 404 and pages came without styles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k7Qx-2mZp9Lw4Rt8Yb1Nc6Vd3Hs5Jf0Ga7Ue2Io9Pk4Ml8Zq1Xw3Ec6Rv5Tb2Yn7Um"  # test only


def test_static_file_served_without_debug(client, settings):
    assert settings.DEBUG is False
    response = client.get("/static/web/dudao.js")
    assert response.status_code == 200
    assert b"data-confirm" in b"".join(response.streaming_content)
    assert client.get("/static/web/no-such-file.js").status_code == 404


_FETCH = """
import django; django.setup()
from django.templatetags.static import static
from django.test import Client
url = static("web/dudao.js")
response = Client().get(url, secure=True)
print(url, response.status_code, response["Cache-Control"])
print(Client().get("/static/web/dudao.js", secure=True).status_code)
"""


def test_production_serves_hashed_files_collected_by_collectstatic(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUDAO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "dudao.settings",
            "DUDAO_ENV": "production",
            "DUDAO_SECRET_KEY": STRONG_KEY,
            "DUDAO_PII_KEY": STRONG_KEY[::-1],
            "DUDAO_VAR_DIR": str(tmp_path),
        }
    )
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 300}
    collected = subprocess.run(
        [sys.executable, "-m", "dudao.cli", "collectstatic", "--noinput", "-v0"], **run
    )
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    fetched = subprocess.run([sys.executable, "-c", _FETCH], **run)
    assert fetched.returncode == 0, fetched.stderr
    hashed, unhashed = fetched.stdout.strip().splitlines()
    url, status, cache = hashed.split(" ", 2)
    assert url.startswith("/static/web/dudao.") and url.endswith(".js") and url != "/static/web/dudao.js"
    assert status == "200"
    assert "immutable" in cache  # hashed names are cached for good
    assert unhashed == "200"
