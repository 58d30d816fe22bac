"""Pure supervision rules (no Django). The draw engine lives in `dudao.supervision.draw`."""

from __future__ import annotations

from dudao.supervision.draw.assign import ACT4_REASON, REASON_ORDER, AssignmentOutcome
from dudao.supervision.draw.engine import (
    HASH_ALGORITHMS,
    DrawResult,
    Verification,
    scenario_digest,
    seed_commitment,
    solve_draw,
    solve_parsed,
    verify_draw,
)
from dudao.supervision.draw.scenario import (
    Sample,
    Scenario,
    Supervisor,
    Target,
    load_scenario_json,
    parse_scenario,
)
from dudao.supervision.draw.select import draw_key, select_targets

__all__ = [
    "ACT4_REASON",
    "HASH_ALGORITHMS",
    "REASON_ORDER",
    "AssignmentOutcome",
    "DrawResult",
    "Sample",
    "Scenario",
    "Supervisor",
    "Target",
    "Verification",
    "draw_key",
    "load_scenario_json",
    "parse_scenario",
    "scenario_digest",
    "seed_commitment",
    "select_targets",
    "solve_draw",
    "solve_parsed",
    "verify_draw",
]
