"""The worked example in docs/draw-scenario.md is what the engine produces (the docs cannot drift)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from dudao.supervision.domain import solve_draw, verify_draw

DOC = Path(__file__).resolve().parents[2] / "docs" / "draw-scenario.md"
SEED = "2025-06-06-公开"


@pytest.mark.skipif("sm3" not in hashlib.algorithms_available, reason="the example is published with SM3")
def test_documented_example_reproduces():
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, re.S)
    scenario = json.loads(blocks[-1])  # section 6
    published = blocks[1].strip()  # section 4: the result line
    result = solve_draw(scenario, SEED, algorithm="sm3")
    assert result.to_json() == published
    assert verify_draw(scenario, SEED, json.loads(published)).ok
    assert f"SM3(stdin)= {result.payload['seed_commitment']}" in text


@pytest.mark.skipif("sm3" not in hashlib.algorithms_available, reason="the example is published with SM3")
def test_documented_final_seed_example_reproduces():
    """Section 5.3: the one-liner's input and output are what `final_seed` computes (issue 8 §7)."""
    from dudao.supervision.domain import final_seed

    text = DOC.read_text(encoding="utf-8")
    line = re.search(
        r"printf '%s' '([0-9a-f]{32})\|([0-9a-f]{32})\|([0-9a-f]{32})' \| openssl dgst -sm3", text
    )
    assert line is not None
    seed, *values = line.groups()
    assert f"SM3(stdin)= {final_seed(seed, values, 'sm3')}" in text
