"""Answer builders and a subprocess runner for the scorecards tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dudao.scorecards.domain import FORMS_DIR, ScoreForm, shipped_forms

DUDAO = Path(sys.executable).parent / "dudao"


def form(form_id: str) -> ScoreForm:
    return shipped_forms()[form_id]


def shipped_text(form_id: str) -> str:
    return (FORMS_DIR / f"{form_id}.yaml").read_text(encoding="utf-8")


def clean_answers(form_id: str, *, bonus: bool = False) -> dict[str, Any]:
    """Best answers: every choice `full`, no deductions; bonus items as given."""
    answers: dict[str, Any] = {}
    for item in form(form_id).items:
        if item.kind == "choice":
            answers[item.id] = "full"
        elif item.kind == "bonus":
            answers[item.id] = bonus
        else:
            answers[item.id] = 0 if len(item.rules) == 1 else [0] * len(item.rules)
    return answers


def run_dudao(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console script in a fresh DUDAO_VAR_DIR with the default SQLite (never migrated)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DUDAO_TEST_DB_NAME")}
    env["DUDAO_VAR_DIR"] = str(tmp_path / "var")
    return subprocess.run(
        [str(DUDAO), *args],
        env=env,
        cwd=tmp_path,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_answers(tmp_path: Path, answers: Any, name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"answers": answers}, ensure_ascii=False), encoding="utf-8")
    return path
