"""The flags of a marks file (seed 001 art. 14; EXAM-6, EXAM-7, EXAM-16, EXAM-18): each needs significance
after false-discovery-rate control across all tests of its kind AND a minimum effect size, and carries its
statistic, p-value (the adjusted q-value is in the evidence) and the rows behind it.

Kinds: pass_rate, heaping, leniency, disagreement, identical (docs/analytics.md explains each test)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve

from . import queries
from .marks_input import load
from .significance import (
    benjamini_hochberg,
    beta_binomial_upper,
    binomial_upper,
    intraclass_leave_one_out,
    paired_t_two_sided,
)

KINDS = ("pass_rate", "heaping", "leniency", "disagreement", "identical")


@dataclass(frozen=True)
class Thresholds:
    pass_mark: float = 60.0  # percent of full (EXAM-7)
    fdr: float = 0.05  # false-discovery rate per kind (Benjamini–Hochberg)
    # pass_rate: at least this many candidates, and this much above the peers' rate
    pass_rate_min_candidates: int = 10
    pass_rate_min_excess: float = 0.15
    # heaping: at least this many papers at the pass mark, this many times what the batch predicts
    heaping_min_count: int = 5
    heaping_min_ratio: float = 1.5
    # leniency: at least this many paired papers, a shrunk bias of at least this many points
    leniency_min_papers: int = 5
    leniency_min_points: float = 4.0
    leniency_shrinkage: float = 10.0  # papers' worth of prior weight on "no bias"
    # disagreement: EXAM-16 tolerance (percent of full), at least this many papers, this much above the norm
    tolerance: float = 10.0
    disagreement_min_papers: int = 10
    disagreement_min_excess: float = 0.15
    # identical: at least this many panel papers in a room, this share identical
    identical_min_papers: int = 5
    identical_min_share: float = 0.8


def scan(path: Path, thresholds: Thresholds | None = None) -> dict[str, Any]:
    """The contract's output for the marks file at `path`: {"flags": [...], "stats": {...}}."""
    t = thresholds or Thresholds()
    started = time.perf_counter()
    # every core of the machine (DuckDB's default); no progress bar on the command's standard error
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")
        rows = load(con, path)
        flags = scan_tables(DuckDBEngine(con), t)
    finally:
        con.close()
    return {
        "flags": flags,
        "stats": {"rows": rows, "seconds": round(time.perf_counter() - started, 3)},
    }


class Engine(Protocol):
    """Where the SQL of queries.py runs: a table `marks` (marks_input.py's columns) must exist."""

    def execute(self, sql: str) -> None: ...

    def rows(self, sql: str) -> list[dict[str, Any]]: ...

    def columns(self, sql: str) -> dict[str, np.ndarray]: ...


class DuckDBEngine:
    """The in-process engine (the queries' own dialect)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def rows(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def columns(self, sql: str) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.con.execute(sql).fetchnumpy().items()}


def scan_tables(engine: Engine, t: Thresholds) -> list[dict[str, Any]]:
    """The flags of the marks in `engine`'s table `marks`: the examiners and papers tables are built once
    (queries.BUILD), then each kind reads its query (queries.QUERIES) over them."""
    for statement in queries.BUILD:
        engine.execute(queries.render(statement))
    return [
        *_pass_rate(engine, t),
        *_heaping(engine, t),
        *_leniency(engine, t),
        *_disagreement(engine, t),
        *_identical(engine, t),
    ]


def _query(kind: str, t: Thresholds) -> str:
    return queries.render(queries.QUERIES[kind], {"pass_mark": t.pass_mark, "tolerance": t.tolerance})


def _flag(kind: str, row: dict, statistic: float, p: float, q: float, evidence: dict) -> dict[str, Any]:
    return {
        "kind": kind,
        "institution": row.get("institution"),
        "batch": row.get("batch"),
        "examiner": row.get("examiner"),
        "statistic": round(float(statistic), 4),
        "p_value": float(p),
        "evidence": {**evidence, "q_value": float(q)},
    }


def _significant(candidates: list[dict], p: np.ndarray, t: Thresholds) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted q-values over every test of the kind, and which reach the false-discovery rate."""
    q = benjamini_hochberg(p)
    return q, q <= t.fdr


def _against_the_rest(rows: list[dict], k_key: str, n_key: str, t: Thresholds):
    """Each unit's count k of n against the pooled rate of all the OTHER units (exact binomial, one-sided),
    with false-discovery control: (tested rows, baselines, p-values, q-values, significant)."""
    total_k = sum(r[k_key] for r in rows)
    total_n = sum(r[n_key] for r in rows)
    tested = [r for r in rows if total_n - r[n_key] > 0]
    k = np.array([r[k_key] for r in tested], dtype=float)
    n = np.array([r[n_key] for r in tested], dtype=float)
    base = (total_k - k) / np.maximum(total_n - n, 1)
    p = np.where(base < 1.0, binomial_upper(k, n, np.clip(base, 1e-6, 1.0)), 1.0)
    q, significant = _significant(tested, p, t)
    return tested, base, p, q, significant


def _at_least(value: float, threshold: float) -> bool:
    """value ≥ threshold, a threshold met exactly counting as met (0.75 - 0.6 is 0.15000000000000002)."""
    return value >= threshold - 1e-9


def _ordered(flags: list[dict]) -> list[dict]:
    """By p-value, ties in a fixed order (the engines return rows in no particular order)."""
    return sorted(
        flags,
        key=lambda f: (
            f["p_value"],
            str(f["institution"]),
            str(f["batch"]),
            str(f["examiner"]),
            *(str(f["evidence"].get(k, "")) for k in ("occupation", "level", "subject", "room", "pattern")),
        ),
    )


def _in_order(rows: list[dict], *keys: str) -> list[dict]:
    """The rows in a fixed order, so that sums over them (and so the results) do not depend on the order the
    engine returned them in."""
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))


# ------------------------------------------------------------------------------------------ pass_rate
def _pass_rate(engine: Engine, t: Thresholds) -> list[dict]:
    """An institution's pass rate for an occupation and level against its peers' (the other institutions'
    candidates of the same occupation and level): one-sided beta-binomial test, the peers' own spread
    between institutions as its overdispersion (exact binomial when they do not vary)."""
    rows = _in_order(engine.rows(_query("pass_rate", t)), "occupation", "level", "institution")
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["occupation"], r["level"]), []).append(r)
    tested = []
    for members in groups.values():
        n = np.array([r["n"] for r in members])
        k = np.array([r["k"] for r in members])
        rho = intraclass_leave_one_out(n, k)
        for i, r in enumerate(members):
            peers_n, peers_k = n.sum() - n[i], k.sum() - k[i]
            if peers_n <= 0 or r["n"] < 1:
                continue
            r.update(baseline=peers_k / peers_n, peers=int(peers_n), rho=float(rho[i]))
            tested.append(r)
    if not tested:
        return []
    k = np.array([r["k"] for r in tested])
    n = np.array([r["n"] for r in tested])
    base = np.array([r["baseline"] for r in tested])
    rho = np.array([r["rho"] for r in tested])
    p = np.where(base < 1.0, beta_binomial_upper(k, n, np.clip(base, 1e-6, 1.0), rho), 1.0)
    q, significant = _significant(tested, p, t)
    flags = []
    for i, r in enumerate(tested):
        rate = r["k"] / r["n"]
        excess = rate - r["baseline"]
        if (
            significant[i]
            and r["n"] >= t.pass_rate_min_candidates
            and _at_least(excess, t.pass_rate_min_excess)
        ):
            flags.append(
                _flag(
                    "pass_rate",
                    {"institution": r["institution"]},
                    excess,
                    p[i],
                    q[i],
                    {
                        "occupation": r["occupation"],
                        "level": r["level"],
                        "candidates": r["n"],
                        "passed": r["k"],
                        "pass_rate": round(rate, 4),
                        "peer_pass_rate": round(r["baseline"], 4),
                        "peer_candidates": r["peers"],
                        "between_institution_correlation": round(r["rho"], 4),
                        "test": "beta-binomial (exact binomial when institutions do not vary), one-sided",
                    },
                )
            )
    return _ordered(flags)


# -------------------------------------------------------------------------------------------- heaping
def _heaping(engine: Engine, t: Thresholds) -> list[dict]:
    """Papers at [pass mark, +2) among those of the zone [pass mark - 4, +2): the batch's own distribution
    (a normal with its median and interquartile spread, which piling at one mark hardly moves) predicts the
    share at the mark; exact binomial, one-sided. Moving failing papers up to the mark keeps them in the
    zone, so the test sees the move itself."""
    rows = _in_order(engine.rows(_query("heaping", t)), "batch", "subject")
    if not rows:
        return []
    centre = np.array([r["centre"] for r in rows], dtype=float)
    spread = np.maximum(np.array([r["iqr"] or 0.0 for r in rows], dtype=float) / 1.349, 2.0)
    pm = t.pass_mark

    def cdf(x: float) -> np.ndarray:
        return stats.norm.cdf((x - centre) / spread)

    # marks are usually whole numbers: the windows' edges half a point down (continuity correction)
    at_share = (cdf(pm + 1.5) - cdf(pm - 0.5)) / np.maximum(cdf(pm + 1.5) - cdf(pm - 4.5), 1e-12)
    at_share = np.clip(at_share, 1e-6, 1.0)
    at = np.array([r["at_mark"] for r in rows])
    zone = np.array([r["zone"] for r in rows])
    p = binomial_upper(at, zone, at_share)
    q, significant = _significant(rows, p, t)
    flags = []
    for i, r in enumerate(rows):
        expected = zone[i] * at_share[i]
        ratio = r["at_mark"] / expected
        if significant[i] and r["at_mark"] >= t.heaping_min_count and _at_least(ratio, t.heaping_min_ratio):
            flags.append(
                _flag(
                    "heaping",
                    r,
                    ratio,
                    p[i],
                    q[i],
                    {
                        "subject": r["subject"],
                        "papers": r["papers"],
                        "at_pass_mark": r["at_mark"],
                        "zone_papers": r["zone"],
                        "expected_at_pass_mark": round(float(expected), 2),
                        "batch_median": round(float(centre[i]), 2),
                        "batch_spread": round(float(spread[i]), 2),
                        "pass_mark": pm,
                        "candidates": list(r["sample"] or []),
                        "test": "exact binomial, one-sided, share predicted by the batch's distribution",
                    },
                )
            )
    return _ordered(flags)


# ------------------------------------------------------------------------------------------- leniency
def _leniency(engine: Engine, t: Thresholds) -> list[dict]:
    """Each examiner's bias against his co-markers on the same papers, all examiners at once: the paired
    differences x_e - x_o = b_e - b_o + noise fitted by least squares (so the partners of a lenient examiner
    do not look severe), the examiner's mean difference against the co-markers' corrected marks tested with
    a two-sided t test and shrunk towards 0 by `leniency_shrinkage` papers' weight for the effect size
    (examiners with few papers)."""
    pairs = engine.columns(_query("leniency", t))
    if not len(pairs["e"]):
        return []
    # Each unordered pair (e < o) stands for both orders: o's differences are e's negated.
    first, second = pairs["e"].astype(np.int64), pairs["o"].astype(np.int64)
    keys = np.unique(np.concatenate([first, second]))  # keys number the examiners in their names' order
    e = np.searchsorted(keys, np.concatenate([first, second]))
    o = np.searchsorted(keys, np.concatenate([second, first]))
    w = np.tile(pairs["w"].astype(float), 2)
    d = np.concatenate([pairs["d"].astype(float), -pairs["d"].astype(float)])
    q2 = np.tile(pairs["q"].astype(float), 2)
    by_key = {int(r["ek"]): r["examiner"] for r in engine.rows(queries.EXAMINER_NAMES)}
    names = [by_key[int(k)] for k in keys]
    # an examiner's institution: the first (in order) of the institutions of the papers he shares
    shared = pd.DataFrame(
        {"e": e, "institution": np.tile(np.asarray(pairs["institution"], dtype=object), 2)}
    ).dropna()
    institution = {names[i]: inst for i, inst in shared.groupby("e")["institution"].min().items()}
    size = len(names)
    papers = np.bincount(e, weights=w, minlength=size)
    r = np.bincount(e, weights=d, minlength=size)
    laplacian = sparse.diags(papers) - sparse.csr_matrix((w, (e, o)), shape=(size, size))
    # Least squares (the tiny ridge only makes the system solvable); biases are relative, so each group of
    # examiners linked by shared papers is levelled at its median: one lenient examiner moves no one else.
    bias = np.atleast_1d(spsolve((laplacian + 1e-6 * sparse.identity(size)).tocsc(), r))
    _, group = connected_components(laplacian, directed=False)
    medians = pd.Series(bias).groupby(group).transform("median").to_numpy()
    bias = bias - medians
    mean = (r + np.bincount(e, weights=w * bias[o], minlength=size)) / np.maximum(papers, 1e-12)
    shrunk = mean * papers / (papers + t.leniency_shrinkage)
    delta = mean[e] - bias[o]
    residual = np.bincount(e, weights=q2 - 2 * delta * d + delta**2 * w, minlength=size)
    sd = np.sqrt(np.maximum(residual, 0) / np.maximum(papers - 1, 1))
    p = paired_t_two_sided(mean, sd, papers)
    q, significant = _significant(names, p, t)
    flags = []
    for i, name in enumerate(names):
        enough = papers[i] >= t.leniency_min_papers - 1e-9
        if significant[i] and enough and _at_least(abs(shrunk[i]), t.leniency_min_points):
            flags.append(
                _flag(
                    "leniency",
                    {"institution": institution.get(name), "examiner": name},
                    shrunk[i],
                    p[i],
                    q[i],
                    {
                        "direction": "lenient" if shrunk[i] > 0 else "severe",
                        "papers": round(float(papers[i]), 2),
                        "mean_difference": round(float(mean[i]), 3),
                        "shrunk_difference": round(float(shrunk[i]), 3),
                        "sd": round(float(sd[i]), 3),
                        "unit": "percent of full",
                        "test": "paired differences, least squares with shrinkage; t, two-sided",
                    },
                )
            )
    return _ordered(flags)


# --------------------------------------------------------------------------------------- disagreement
def _disagreement(engine: Engine, t: Thresholds) -> list[dict]:
    """A batch's share of double-marked theory papers beyond the tolerance (or third-marked) against the
    other batches' share (exact binomial, one-sided)."""
    rows = _in_order(engine.rows(_query("disagreement", t)), "batch", "subject")
    tested, base, p, q, significant = _against_the_rest(rows, "disagreed", "papers", t)
    flags = []
    for i, r in enumerate(tested):
        rate = r["disagreed"] / r["papers"]
        excess = rate - base[i]
        if (
            significant[i]
            and r["papers"] >= t.disagreement_min_papers
            and _at_least(excess, t.disagreement_min_excess)
        ):
            flags.append(
                _flag(
                    "disagreement",
                    r,
                    excess,
                    p[i],
                    q[i],
                    {
                        "subject": r["subject"],
                        "double_marked_papers": r["papers"],
                        "beyond_tolerance": r["disagreed"],
                        "rate": round(rate, 4),
                        "norm": round(float(base[i]), 4),
                        "tolerance": t.tolerance,
                        "test": "exact binomial, one-sided",
                    },
                )
            )
    return _ordered(flags)


# ------------------------------------------------------------------------------------------ identical
def _identical(engine: Engine, t: Thresholds) -> list[dict]:
    """Panels (EXAM-18: each member scores alone) whose members agree exactly on most papers of a room, or
    that give most candidates of the room the same mark; each against the other rooms' rate."""
    rows = _in_order(engine.rows(_query("identical", t)), "batch", "room", "subject")
    if not rows:
        return []
    flags = []
    for pattern, count_key in (("members_agree", "agreed"), ("same_mark", "modal")):
        tested, base, p, q, significant = _against_the_rest(rows, count_key, "papers", t)
        for i, r in enumerate(tested):
            share = r[count_key] / r["papers"]
            if (
                significant[i]
                and r["papers"] >= t.identical_min_papers
                and _at_least(share, t.identical_min_share)
            ):
                flags.append(
                    _flag(
                        "identical",
                        r,
                        share,
                        p[i],
                        q[i],
                        {
                            "pattern": pattern,
                            "room": r["room"],
                            "subject": r["subject"],
                            "panel_papers": r["papers"],
                            "count": r[count_key],
                            "share": round(share, 4),
                            "norm": round(float(base[i]), 4),
                            "candidates": list(r["sample"] or []) if pattern == "members_agree" else [],
                            "test": "exact binomial, one-sided",
                        },
                    )
                )
    return _ordered(flags)
