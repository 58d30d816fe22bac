"""Quality indicators (质量通报指标, QUAL-1): pure computation over plain data, no Django.

Per institution and period the platform reports what it knows: evaluations (batches) held, candidates,
pass rate, supervision coverage (supervised batches / batches held), on-site findings by severity,
rectifications completed on time / due, complaints received / accepted / verified, and certificates
uploaded to the national system on time / due (the six-month rule of EXAM-12, CERT-3).

Ranking within a region (QUAL-1: rewards for the best, criticism for the failing) [interpretation,
configurable through `Rules`]: a score out of 100 loses points for each problem found on site (by
severity), each rectification not completed on time, each verified complaint, and for the share of
certificates uploaded late. Pass rate and coverage are reported, not scored: a high pass rate is not a
merit in itself, and coverage is the authority's doing. Only institutions that held at least one
evaluation in the period are ranked; equal scores share a rank (1, 2, 2, 4). "Failing" is a score
strictly below `failing_below`; "best" is a ranked, not failing institution whose rank is at most
`best_count` and whose score is at least `best_from`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from dudao.exams.domain.upload import upload_deadline  # pure (no Django)

SEVERITIES = ("minor", "major", "serious")
SEVERITY_LABELS = {"minor": "一般问题", "major": "较重问题", "serious": "严重问题"}
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
EARLIEST_YEAR = 2000  # no platform records before; keeps date arithmetic far from year 1


@dataclass(frozen=True)
class Rules:
    """Score deductions and thresholds [interpretation; the authority's practice may differ]."""

    finding_points: Mapping[str, Decimal] = field(
        default_factory=lambda: {"minor": Decimal(1), "major": Decimal(3), "serious": Decimal(10)}
    )
    late_rectification_points: Decimal = Decimal(5)
    verified_complaint_points: Decimal = Decimal(5)
    late_certificate_share_points: Decimal = Decimal(20)  # all certificates late: 20 points
    failing_below: Decimal = Decimal(60)
    best_from: Decimal = Decimal(90)
    best_count: int = 3


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Inputs:
    """What the platform recorded for one institution in the period (counts, all >= 0).

    `complaints_verified` may be None where a source records no finding (it then costs nothing)."""

    institution_id: int
    name: str
    batches: int = 0
    candidates: int = 0
    results: int = 0
    passed: int = 0
    supervised_batches: int = 0
    findings: Mapping[str, int] = field(default_factory=dict)
    rectifications_due: int = 0
    rectifications_on_time: int = 0
    complaints_received: int = 0
    complaints_accepted: int = 0
    complaints_verified: int | None = None
    certificates_due: int = 0
    certificates_on_time: int = 0


@dataclass(frozen=True)
class Indicators:
    """The indicator row of one institution: inputs, rates (None when there is nothing to divide), score."""

    institution_id: int
    name: str
    batches: int
    candidates: int
    results: int
    passed: int
    pass_rate: Decimal | None
    supervised_batches: int
    supervision_coverage: Decimal | None
    findings_minor: int
    findings_major: int
    findings_serious: int
    rectifications_due: int
    rectifications_on_time: int
    rectification_rate: Decimal | None
    complaints_received: int
    complaints_accepted: int
    complaints_verified: int | None
    certificates_due: int
    certificates_on_time: int
    certificate_rate: Decimal | None
    score: Decimal
    rank: int | None = None
    best: bool = False
    failing: bool = False

    def as_json(self) -> dict:
        """Plain JSON values: Decimals as fixed two-decimal text."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, Decimal):
                out[key] = f"{value.quantize(CENT, ROUND_HALF_UP)}"
        return out


def percent(part: int, whole: int) -> Decimal | None:
    """`part / whole` in percent with two decimals; None when `whole` is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


def _check(inputs: Inputs) -> None:
    pairs = (
        ("passed", inputs.passed, "results", inputs.results),
        ("supervised_batches", inputs.supervised_batches, "batches", inputs.batches),
        (
            "rectifications_on_time",
            inputs.rectifications_on_time,
            "rectifications_due",
            inputs.rectifications_due,
        ),
        (
            "complaints_accepted",
            inputs.complaints_accepted,
            "complaints_received",
            inputs.complaints_received,
        ),
        ("certificates_on_time", inputs.certificates_on_time, "certificates_due", inputs.certificates_due),
    )
    for name, part, whole_name, whole in pairs:
        if part < 0 or whole < 0 or part > whole:
            raise ValueError(f"{name} must lie between 0 and {whole_name}")
    verified = inputs.complaints_verified
    if verified is not None and not 0 <= verified <= inputs.complaints_received:
        raise ValueError("complaints_verified must lie between 0 and complaints_received")
    if any(n < 0 for n in inputs.findings.values()) or set(inputs.findings) - set(SEVERITIES) - {"none"}:
        raise ValueError("findings: counts >= 0 by minor/major/serious")
    if inputs.batches < 0 or inputs.candidates < 0:
        raise ValueError("batches and candidates must be >= 0")


def score(inputs: Inputs, rules: Rules = DEFAULT_RULES) -> Decimal:
    """100 minus the deductions of the module docstring, never below 0, two decimals."""
    lost = sum((rules.finding_points[s] * inputs.findings.get(s, 0) for s in SEVERITIES), start=Decimal(0))
    lost += rules.late_rectification_points * (inputs.rectifications_due - inputs.rectifications_on_time)
    lost += rules.verified_complaint_points * (inputs.complaints_verified or 0)
    if inputs.certificates_due:
        late = Decimal(inputs.certificates_due - inputs.certificates_on_time)
        lost += rules.late_certificate_share_points * late / Decimal(inputs.certificates_due)
    return max(Decimal(0), HUNDRED - lost).quantize(CENT, ROUND_HALF_UP)


def indicators(inputs: Inputs, rules: Rules = DEFAULT_RULES) -> Indicators:
    """The indicator row of one institution (unranked)."""
    _check(inputs)
    return Indicators(
        institution_id=inputs.institution_id,
        name=inputs.name,
        batches=inputs.batches,
        candidates=inputs.candidates,
        results=inputs.results,
        passed=inputs.passed,
        pass_rate=percent(inputs.passed, inputs.results),
        supervised_batches=inputs.supervised_batches,
        supervision_coverage=percent(inputs.supervised_batches, inputs.batches),
        findings_minor=inputs.findings.get("minor", 0),
        findings_major=inputs.findings.get("major", 0),
        findings_serious=inputs.findings.get("serious", 0),
        rectifications_due=inputs.rectifications_due,
        rectifications_on_time=inputs.rectifications_on_time,
        rectification_rate=percent(inputs.rectifications_on_time, inputs.rectifications_due),
        complaints_received=inputs.complaints_received,
        complaints_accepted=inputs.complaints_accepted,
        complaints_verified=inputs.complaints_verified,
        certificates_due=inputs.certificates_due,
        certificates_on_time=inputs.certificates_on_time,
        certificate_rate=percent(inputs.certificates_on_time, inputs.certificates_due),
        score=score(inputs, rules),
    )


def rank(rows: Iterable[Indicators], rules: Rules = DEFAULT_RULES) -> list[Indicators]:
    """Rank the region's rows: those with batches > 0 by score, highest first; equal scores share a rank
    and the next rank skips (1, 2, 2, 4). Unranked rows (no evaluation held) follow, by name."""
    rows = list(rows)
    ranked = sorted((r for r in rows if r.batches > 0), key=lambda r: (-r.score, r.name, r.institution_id))
    idle = sorted((r for r in rows if r.batches <= 0), key=lambda r: (r.name, r.institution_id))
    out: list[Indicators] = []
    previous: Decimal | None = None
    current = 0
    for position, row in enumerate(ranked, start=1):
        if row.score != previous:
            current, previous = position, row.score
        failing = row.score < rules.failing_below
        best = not failing and current <= rules.best_count and row.score >= rules.best_from
        out.append(replace(row, rank=current, best=best, failing=failing))
    out.extend(replace(r, rank=None, best=False, failing=False) for r in idle)
    return out


def report(all_inputs: Iterable[Inputs], rules: Rules = DEFAULT_RULES) -> list[Indicators]:
    """The whole region: indicators of each institution, ranked."""
    return rank((indicators(i, rules) for i in all_inputs), rules)


def certificate_counts(
    issued: Sequence[tuple[dt.date, dt.date | None]], start: dt.date, end: dt.date, as_of: dt.date
) -> tuple[int, int]:
    """(due, on time) of certificates given as (issued_on, uploaded_on or None).

    A certificate is due in the period when its upload deadline (issued + 6 months, EXAM-12) lies in
    [start, end] and has passed by `as_of` (deadline < as_of) or it has been uploaded already; it is on
    time when uploaded on or before its deadline."""
    due = on_time = 0
    for issued_on, uploaded_on in issued:
        deadline = upload_deadline(issued_on)
        if not start <= deadline <= end:
            continue
        if uploaded_on is None and deadline >= as_of:
            continue  # still in time: not judged yet
        due += 1
        if uploaded_on is not None and uploaded_on <= deadline:
            on_time += 1
    return due, on_time


def check_period(start: dt.date, end: dt.date) -> str | None:
    """A Chinese message when the period is not usable (before 2000, end before start, longer than a year
    and a day)."""
    if start.year < EARLIEST_YEAR:
        return f"统计开始日期不能早于 {EARLIEST_YEAR} 年"
    if end < start:
        return "统计截止日期不能早于开始日期"
    if (end - start).days > 366:
        return "统计期间不能超过一年"
    return None


# ------------------------------------------------------------------ yearly inspection campaign (QUAL-3)

CARD_EXPIRING_DAYS = 90  # a card that ends within 90 days of the check is "expiring" [interpretation]


def sample(ids: Iterable[int], size: int | None, seed: str) -> list[int]:
    """The institutions drawn for external inspection (QUAL-3, ACT-5): all of them when `size` is None or
    not smaller than their number; otherwise the `size` ids with the smallest SHA-256 of "seed:id", so the
    same seed and the same population always give the same sample (anyone can recompute it). Sorted."""
    import hashlib

    population = sorted(set(ids))
    if size is None or size >= len(population):
        return population
    if size < 0:
        raise ValueError("size must be >= 0")

    def key(pk: int) -> str:
        return hashlib.sha256(f"{seed}:{pk}".encode()).hexdigest()

    return sorted(sorted(population, key=key)[:size])


def card_state(valid_until: dt.date | None, today: dt.date, days: int = CARD_EXPIRING_DAYS) -> str:
    """The yearly check of one examiner's card: "missing" (no valid card), "expired" (valid_until before
    today), "expiring" (ends within `days` days of today, that day included) or "ok"."""
    if valid_until is None:
        return "missing"
    if valid_until < today:
        return "expired"
    if valid_until <= today + dt.timedelta(days=days):
        return "expiring"
    return "ok"


CARD_STATE_LABELS = {
    "missing": "无有效证卡",
    "expired": "证卡已过期",
    "expiring": "证卡即将到期",
    "ok": "有效",
}


def gap(self_total: Decimal | None, external_total: Decimal | None) -> Decimal | None:
    """External minus self score (negative: the institution rated itself higher); None unless both."""
    if self_total is None or external_total is None:
        return None
    return (Decimal(external_total) - Decimal(self_total)).quantize(CENT, ROUND_HALF_UP)
