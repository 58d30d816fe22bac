"""Synthetic examiner marks with planted anomalies of every flag kind (seeded), for bench/analytics_bench.py
and tests/analytics.

The clean model: institution effect u ~ N(0, 2); candidate ability a = 70 + u + N(0, 12); a theory paper's
true mark a + N(0, 4) double-marked by two examiners of the institution's pool of 20 (each with a bias
N(0, 1) and noise N(0, 3)), a third marker when the two differ by more than 10 (EXAM-16); a practical paper
a + N(0, 5) marked by the room's panel of 3 (EXAM-18). 120 candidates per batch, rooms of 30. Marks are
whole numbers 0–100.

Planted (with `plant=True`; each kind in its own random targets, recorded in the returned truth):
  pass_rate    3 % of institutions: one occupation's candidates +15 ability (every level of it)
  heaping      2 % of batches: theory papers that would fall in [48, 60) are marked 60 or 61
  leniency     1 % of examiners: bias +8 or -8
  disagreement 2 % of batches: the second theory marker's noise N(0, 15)
  identical    2 % of practical rooms: every panel member gives the first member's mark
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

EXAMINERS_PER_INSTITUTION = 20
CANDIDATES_PER_BATCH = 120
ROOM_SIZE = 30
BATCHES_PER_INSTITUTION = 30


@dataclass
class Truth:
    pass_rate: set[tuple[str, str]] = field(default_factory=set)  # (institution, occupation)
    heaping: set[str] = field(default_factory=set)  # batch
    leniency: set[str] = field(default_factory=set)  # examiner
    disagreement: set[str] = field(default_factory=set)  # batch
    identical: set[tuple[str, str]] = field(default_factory=set)  # (batch, room)

    def as_json(self) -> dict[str, Any]:
        return {
            k: sorted(map(list, v) if v and isinstance(next(iter(v)), tuple) else v)
            for k, v in vars(self).items()
        }


def generate(rows: int, *, seed: int, plant: bool) -> tuple[pd.DataFrame, Truth]:
    """About `rows` mark rows (≈ 5.1 per candidate) as integer-coded columns, and the planted truth."""
    rng = np.random.default_rng(seed)
    candidates = max(CANDIDATES_PER_BATCH, int(rows / 5.1) // CANDIDATES_PER_BATCH * CANDIDATES_PER_BATCH)
    n_batches = candidates // CANDIDATES_PER_BATCH
    n_inst = max(2, -(-n_batches // BATCHES_PER_INSTITUTION))
    batch_inst = np.arange(n_batches) % n_inst
    batch_occ = (batch_inst + (np.arange(n_batches) // n_inst) % 2) % 5
    batch_level = 3 + (np.arange(n_batches) // (2 * n_inst)) % 3
    n_examiners = n_inst * EXAMINERS_PER_INSTITUTION
    bias = rng.normal(0, 1, n_examiners)
    u = rng.normal(0, 2, n_inst)
    truth = Truth()

    cand = np.arange(candidates)
    cb = cand // CANDIDATES_PER_BATCH
    ci = batch_inst[cb]
    room = (cand % CANDIDATES_PER_BATCH) // ROOM_SIZE
    ability = 70 + u[ci] + rng.normal(0, 12, candidates)

    heaping_batches = disagreement_batches = np.zeros(n_batches, dtype=bool)
    identical_rooms = np.zeros((n_batches, CANDIDATES_PER_BATCH // ROOM_SIZE), dtype=bool)
    if plant:
        lifted_inst = rng.choice(n_inst, max(1, round(n_inst * 0.03)), replace=False)
        lifted_occ = {int(i): int(batch_occ[np.flatnonzero(batch_inst == i)[0]]) for i in lifted_inst}
        for i, occ in lifted_occ.items():
            truth.pass_rate.add((f"I{i:05d}", f"O{occ}"))
        lifted = np.zeros(candidates, dtype=bool)
        for i, occ in lifted_occ.items():
            lifted |= (ci == i) & (batch_occ[cb] == occ)
        ability = ability + 15 * lifted
        free = np.flatnonzero(~np.isin(batch_inst, lifted_inst))
        picked = rng.choice(free, max(2, round(n_batches * 0.04)), replace=False)
        heaping_batches = np.zeros(n_batches, dtype=bool)
        heaping_batches[picked[: len(picked) // 2]] = True
        disagreement_batches = np.zeros(n_batches, dtype=bool)
        disagreement_batches[picked[len(picked) // 2 :]] = True
        truth.heaping = {f"B{b:06d}" for b in np.flatnonzero(heaping_batches)}
        truth.disagreement = {f"B{b:06d}" for b in np.flatnonzero(disagreement_batches)}
        lenient = rng.choice(n_examiners, max(1, round(n_examiners * 0.01)), replace=False)
        bias[lenient] = rng.choice([-8.0, 8.0], len(lenient))
        truth.leniency = {f"E{e:06d}" for e in lenient}
        flat = rng.choice(identical_rooms.size, max(1, round(identical_rooms.size * 0.02)), replace=False)
        identical_rooms.flat[flat] = True
        truth.identical = {(f"B{b:06d}", f"R{r}") for b, r in zip(*np.nonzero(identical_rooms), strict=True)}

    def marks(true: np.ndarray, examiner: np.ndarray, noise: float | np.ndarray) -> np.ndarray:
        raw = true + bias[examiner] + rng.normal(0, 1, true.size) * noise
        return np.clip(np.rint(raw), 0, 100)

    # theory, double-marked: two different examiners of the institution
    true_t = ability + rng.normal(0, 4, candidates)
    j1 = rng.integers(0, EXAMINERS_PER_INSTITUTION, candidates)
    j2 = (j1 + 1 + rng.integers(0, EXAMINERS_PER_INSTITUTION - 1, candidates)) % EXAMINERS_PER_INSTITUTION
    e1, e2 = ci * EXAMINERS_PER_INSTITUTION + j1, ci * EXAMINERS_PER_INSTITUTION + j2
    m1 = marks(true_t, e1, 3.0)
    m2 = marks(true_t, e2, np.where(disagreement_batches[cb], 15.0, 3.0))
    third = np.abs(m1 - m2) > 10
    j3 = (j2 + 1 + rng.integers(0, EXAMINERS_PER_INSTITUTION - 2, candidates)) % EXAMINERS_PER_INSTITUTION
    j3 = np.where(j3 == j1, (j3 + 1) % EXAMINERS_PER_INSTITUTION, j3)
    e3 = ci * EXAMINERS_PER_INSTITUTION + j3
    m3 = marks(true_t, e3, 3.0)
    if plant:
        heaped = heaping_batches[cb] & ((m1 + m2) / 2 >= 48) & ((m1 + m2) / 2 < 60)
        bumped = 60 + rng.integers(0, 2, candidates)
        m1, m2 = np.where(heaped, bumped, m1), np.where(heaped, bumped, m2)
        third = third & ~heaped

    # practical: the room's panel of three
    true_p = ability + rng.normal(0, 5, candidates)
    panel = [
        ci * EXAMINERS_PER_INSTITUTION + (cb * 3 + room * 3 + k) % EXAMINERS_PER_INSTITUTION for k in range(3)
    ]
    pm = [marks(true_p, panel[k], 3.0) for k in range(3)]
    if plant:
        same = identical_rooms[cb, room]
        pm = [np.where(same, pm[0], pm[k]) for k in range(3)]

    parts = [
        (cand, np.zeros(candidates, dtype=np.int8), e1, m1),
        (cand, np.zeros(candidates, dtype=np.int8), e2, m2),
        (cand[third], np.zeros(third.sum(), dtype=np.int8), e3[third], m3[third]),
        *((cand, np.ones(candidates, dtype=np.int8), panel[k], pm[k]) for k in range(3)),
    ]
    c = np.concatenate([p[0] for p in parts])
    frame = pd.DataFrame(
        {
            "cand": c,
            "subj": np.concatenate([p[1] for p in parts]),
            "examiner": np.concatenate([p[2] for p in parts]),
            "mark": np.concatenate([p[3] for p in parts]).astype(np.int16),
        }
    )
    frame["batch"] = frame["cand"] // CANDIDATES_PER_BATCH
    frame["inst"] = batch_inst[frame["batch"]]
    frame["occ"] = batch_occ[frame["batch"]]
    frame["lvl"] = batch_level[frame["batch"]]
    frame["room"] = (frame["cand"] % CANDIDATES_PER_BATCH) // ROOM_SIZE
    return frame, truth


SELECT_TEXT = """
SELECT printf('I%05d', inst) AS institution, printf('B%06d', batch) AS batch,
       printf('O%d', occ) AS occupation,
       CAST(lvl AS VARCHAR) AS level, CASE subj WHEN 0 THEN 'theory' ELSE 'practical' END AS subject,
       printf('R%d', room) AS room, printf('C%08d', cand) AS candidate, printf('E%06d', examiner) AS examiner,
       mark, 100 AS full
FROM frame
"""


def write(frame: pd.DataFrame, path: Path) -> Path:
    """The marks as the contract's columns, to Parquet or CSV by the file's suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    con.register("frame", frame)
    fmt = "(FORMAT parquet)" if path.suffix == ".parquet" else "(FORMAT csv, HEADER true)"
    con.execute(f"COPY ({SELECT_TEXT}) TO '{path}' {fmt}")
    con.close()
    return path
