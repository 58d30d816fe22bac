"""The draw as one pure function of (scenario, seed): digests, selection, assignment, verification.

Output contract (issue 4, item 1), serialised with canonical_json (sorted keys, compact, UTF-8):
{"scenario_digest", "seed_commitment", "hash", "selected": [target ids], "assignments":
{target: [supervisor ids]}, "unassigned": {target: reason}, "stats": {"max_load", "mean_load"}}.
"""

from __future__ import annotations

import decimal
import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from dudao.common.domain import canonical_json, digest, preferred_hash_algorithm
from dudao.common.errors import ValidationFailed

from .assign import AssignmentOutcome, assign
from .scenario import Scenario, parse_scenario
from .select import draw_key, select_targets

HASH_ALGORITHMS = ("sm3", "sha256")
MEAN_LOAD_PLACES = decimal.Decimal("0.0001")


@dataclass
class DrawResult:
    """The published result (`payload`) and what the solver could prove (not part of the payload)."""

    payload: dict[str, Any]
    proven_optimal: bool
    notes: list[str] = field(default_factory=list)
    lower_bound: int = 0
    outcome: AssignmentOutcome | None = None

    def to_json(self) -> str:
        """The byte-stable text of the result (canonical JSON)."""
        return canonical_json(self.payload)


def check_algorithm(algorithm: str) -> str:
    """Accept sm3/sha256 only, and SM3 only where OpenSSL provides it."""
    if algorithm not in HASH_ALGORITHMS:
        raise ValidationFailed(
            f"不支持的哈希算法 (unsupported hash algorithm): {algorithm!r};可用 (use) sm3 或 sha256",
            code="invalid_hash",
            detail={"hash": [f"必须是 sm3 或 sha256: {algorithm!r}"]},
        )
    try:
        hashlib.new(algorithm)
    except ValueError:
        raise ValidationFailed(
            f"本机 OpenSSL 不支持 {algorithm} (OpenSSL here lacks {algorithm})", code="invalid_hash"
        ) from None
    return algorithm


def check_seed(seed: Any) -> str:
    """A seed is any non-empty string (published as its hash before the draw, revealed after)."""
    if not isinstance(seed, str) or seed == "":
        raise ValidationFailed(
            "随机种子不能为空 (the seed must be a non-empty string)",
            code="invalid_seed",
            detail={"seed": ["必填"]},
        )
    return seed


def scenario_digest(raw: Any, algorithm: str) -> str:
    """Hash of the canonical scenario JSON (sorted keys, compact, UTF-8)."""
    return digest(canonical_json(raw), algorithm)


def seed_commitment(seed: str, algorithm: str) -> str:
    """Hash of the seed's UTF-8 text, published before the draw."""
    return digest(seed, algorithm)


def _mean_load(total: int, supervisors: int) -> float:
    if supervisors == 0:
        return 0.0
    exact = Fraction(total, supervisors)
    value = (decimal.Decimal(exact.numerator) / decimal.Decimal(exact.denominator)).quantize(
        MEAN_LOAD_PLACES, rounding=decimal.ROUND_HALF_EVEN
    )
    return float(value)


def solve_parsed(scenario: Scenario, digest_hex: str, seed: str, algorithm: str) -> DrawResult:
    """The draw on an already validated scenario whose canonical digest is known."""
    key = draw_key(seed, digest_hex, algorithm)
    selected = select_targets(scenario.targets, scenario.sample, key, algorithm)
    outcome = assign(scenario, selected, key, algorithm)
    targets, supervisors = scenario.targets, scenario.supervisors
    total = sum(outcome.loads)
    payload = {
        "scenario_digest": digest_hex,
        "seed_commitment": seed_commitment(seed, algorithm),
        "hash": algorithm,
        "selected": sorted(targets[ti].id for ti in selected),
        "assignments": {
            targets[ti].id: sorted(supervisors[si].id for si in sis)
            for ti, sis in outcome.assignments.items()
        },
        "unassigned": {targets[ti].id: reason for ti, reason in outcome.unassigned.items()},
        "stats": {
            "max_load": max(outcome.loads, default=0),
            "mean_load": _mean_load(total, outcome.eligible_supervisors),
        },
    }
    return DrawResult(
        payload=payload,
        proven_optimal=outcome.proven,
        notes=list(outcome.notes),
        lower_bound=outcome.lower_bound,
        outcome=outcome,
    )


def solve_draw(raw: Any, seed: str, *, algorithm: str | None = None) -> DrawResult:
    """Run the draw on a decoded scenario; bad input raises ValidationFailed."""
    algorithm = check_algorithm(algorithm or preferred_hash_algorithm())
    check_seed(seed)
    scenario = parse_scenario(raw)
    return solve_parsed(scenario, scenario_digest(raw, algorithm), seed, algorithm)


@dataclass
class Verification:
    """Whether a published result is exactly what the scenario and seed produce, and what differs."""

    ok: bool
    differences: list[str]
    expected: DrawResult


def _describe_mapping(name: str, expected: dict, got: Any, limit: int = 5) -> list[str]:
    if not isinstance(got, dict):
        return [f"{name}: 应为对象 (expected an object)"]
    lines = []
    for key in sorted(set(expected) | set(got)):
        if key not in got:
            lines.append(f"{name}[{key}]: 缺少 (missing); 应为 (expected) {canonical_json(expected[key])}")
        elif key not in expected:
            lines.append(f"{name}[{key}]: 多余 (unexpected) {canonical_json(got[key])}")
        elif canonical_json(expected[key]) != canonical_json(got[key]):
            lines.append(
                f"{name}[{key}]: 应为 (expected) {canonical_json(expected[key])},"
                f"实为 (got) {canonical_json(got[key])}"
            )
        if len(lines) >= limit:
            lines.append(f"{name}: …")
            break
    return lines


def compare_results(want: dict[str, Any], result: Any) -> list[str]:
    """What differs between the recomputed payload and a published result, field by field.

    Values compare as canonical JSON, so 1 and 1.0 or true and 1 differ; whitespace and key order of
    the published file do not matter.
    """
    if not isinstance(result, dict):
        return ["结果必须是 JSON 对象 (the result must be a JSON object)"]
    differences: list[str] = []
    for key in sorted(set(want) | set(result)):
        if key not in result:
            differences.append(f"{key}: 缺少 (missing)")
        elif key not in want:
            differences.append(f"{key}: 多余字段 (unexpected field)")
        elif canonical_json(want[key]) != canonical_json(result[key]):
            if key in ("assignments", "unassigned", "stats"):
                differences.extend(_describe_mapping(key, want[key], result[key]))
            else:
                differences.append(
                    f"{key}: 应为 (expected) {canonical_json(want[key])},"
                    f"实为 (got) {canonical_json(result[key])}"
                )
    return differences


def verify_draw(raw: Any, seed: str, result: Any) -> Verification:
    """Recompute the draw with the result's own hash algorithm and compare field by field."""
    algorithm = result.get("hash") if isinstance(result, dict) else None
    expected = solve_draw(raw, seed, algorithm=algorithm if algorithm in HASH_ALGORITHMS else None)
    differences = compare_results(expected.payload, result)
    return Verification(not differences, differences, expected)
