"""Selection of targets: weighted random sampling without replacement (RAND-1), seeded by hashing.

Efraimidis–Spirakis (A-Res): each target gets u in (0, 1) and the key u^(1/weight); the `size`
targets with the largest keys are drawn. We compare ln(u)/weight, which orders the same way and does
not underflow. u comes from hashing, so anyone can recompute it: u = (first 52 bits of
H(draw_key|select|target_id) + 1/2) / 2^52.

Binary floating-point log may differ in the last bit between C libraries, so the selected set must
not hinge on it: keys are computed in floats (fast), and every target whose key lies within a
relative 1e-9 of the cut-off (float error is ~1e-16) is re-ranked with 50-digit decimal arithmetic,
whose ln and division are correctly rounded. Every platform therefore draws the same set.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Sequence

from dudao.common.domain import digest

from .scenario import Sample, Target

UNIT_BITS = 52
BAND = 1e-9  # relative distance from the cut-off below which keys are compared exactly
KEY_CONTEXT = decimal.Context(prec=50, rounding=decimal.ROUND_HALF_EVEN)


def draw_key(seed: str, scenario_digest: str, algorithm: str) -> str:
    """The draw's only source of randomness: H(seed|scenario_digest), known only once the seed is revealed."""
    return digest(f"{seed}|{scenario_digest}", algorithm)


def unit_bits(key: str, label: str, item: str, algorithm: str) -> int:
    """The first 52 bits of H(key|label|item): u = (bits + 1/2) / 2^52 lies strictly inside (0, 1)."""
    return int(digest(f"{key}|{label}|{item}", algorithm)[: UNIT_BITS // 4], 16)


def selection_key(bits: int, target: Target) -> decimal.Decimal:
    """ln(u)/weight with u = (2·bits + 1) / 2^53, correctly rounded to 50 digits."""
    ctx = KEY_CONTEXT
    u = ctx.divide(decimal.Decimal(2 * bits + 1), decimal.Decimal(2 ** (UNIT_BITS + 1)))
    weight = ctx.divide(decimal.Decimal(target.weight.numerator), decimal.Decimal(target.weight.denominator))
    return ctx.divide(ctx.ln(u), weight)


def float_key(bits: int, target: Target) -> float:
    """ln(u)/weight in binary floating point (the weight, parsed from a JSON number, is exact)."""
    return math.log((2 * bits + 1) / 2 ** (UNIT_BITS + 1)) / float(target.weight)


def select_targets(targets: Sequence[Target], sample: Sample, key: str, algorithm: str) -> list[int]:
    """Indices (ascending) of the drawn targets: the `size` largest keys, ties broken by target id."""
    size = sample.size(len(targets))
    if size >= len(targets):
        return list(range(len(targets)))
    bits = [unit_bits(key, "select", t.id, algorithm) for t in targets]
    keys = [float_key(b, t) for b, t in zip(bits, targets, strict=True)]
    order = sorted(range(len(targets)), key=lambda i: (-keys[i], targets[i].id))
    cut = keys[order[size - 1]]
    tolerance = BAND * abs(cut)
    sure = [i for i in order[:size] if keys[i] > cut + tolerance]
    band = [i for i in order if abs(keys[i] - cut) <= tolerance]
    exact = {i: selection_key(bits[i], targets[i]) for i in band}
    band.sort(key=lambda i: (-exact[i], targets[i].id))
    return sorted(sure + band[: size - len(sure)])
