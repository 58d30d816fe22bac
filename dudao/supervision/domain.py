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
from dudao.supervision.draw.protocol import (
    LEGACY_WARNING,
    MAX_WITNESSES,
    MIN_WITNESSES,
    SCHEME_SERVER,
    SCHEME_WITNESS,
    PublicVerification,
    check_commitment,
    check_witness_value,
    final_seed,
    record_for_seed,
    verify_public_draw,
    witness_commitment,
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
    "LEGACY_WARNING",
    "MAX_WITNESSES",
    "MIN_WITNESSES",
    "REASON_ORDER",
    "SCHEME_SERVER",
    "SCHEME_WITNESS",
    "AssignmentOutcome",
    "DrawResult",
    "PublicVerification",
    "Sample",
    "Scenario",
    "Supervisor",
    "Target",
    "Verification",
    "check_commitment",
    "check_witness_value",
    "draw_key",
    "final_seed",
    "load_scenario_json",
    "parse_scenario",
    "record_for_seed",
    "scenario_digest",
    "seed_commitment",
    "select_targets",
    "solve_draw",
    "solve_parsed",
    "verify_draw",
    "verify_public_draw",
    "witness_commitment",
]
