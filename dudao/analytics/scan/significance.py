"""The tests behind the flags: exact one-sided binomial tails, Student's t for paired differences, and the
Benjamini–Hochberg procedure controlling the false-discovery rate across all tests of one kind (scipy)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def binomial_upper(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X ≥ k) for X ~ Binomial(n, p): how surprising k or more successes are (exact)."""
    k, n, p = (np.asarray(a, dtype=float) for a in (k, n, p))
    return np.clip(stats.binom.sf(k - 1, n, p), 0.0, 1.0)


def beta_binomial_upper(k: np.ndarray, n: np.ndarray, p: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """P(X ≥ k) when the success probability itself varies between units with intraclass correlation `rho`
    (beta-binomial with mean p); the exact binomial where rho is 0."""
    k, n, p, rho = (np.asarray(a, dtype=float) for a in (k, n, p, rho))
    plain = binomial_upper(k, n, p)
    scale = np.where(rho > 0, 1.0 / np.maximum(rho, 1e-12) - 1.0, 1.0)
    a, b = np.maximum(p * scale, 1e-12), np.maximum((1 - p) * scale, 1e-12)
    overdispersed = np.clip(stats.betabinom.sf(k - 1, n, a, b), 0.0, 1.0)
    return np.where(rho > 0, overdispersed, plain)


def intraclass_leave_one_out(n: np.ndarray, y: np.ndarray) -> np.ndarray:
    """For each unit, the between-unit intraclass correlation of success rates among the OTHER units (ANOVA
    estimator for binary data, clamped to [0, 0.99]; 0 with fewer than three other units). Leaving the unit
    out keeps an outlier from hiding itself by inflating the spread it is judged against."""
    n, y = np.asarray(n, dtype=float), np.asarray(y, dtype=float)
    units = n.size
    if units < 4:
        return np.zeros(units)
    big_n, big_y = n.sum() - n, y.sum() - y
    sq = np.where(n > 0, y**2 / np.maximum(n, 1), 0.0)
    s2 = sq.sum() - sq  # Σ n_j p_j² over the others
    n2 = (n**2).sum() - n**2
    k = units - 1
    mean = big_y / big_n
    msb = (s2 - big_n * mean**2) / (k - 1)
    msw = (big_y - s2) / np.maximum(big_n - k, 1)
    n0 = (big_n - n2 / big_n) / (k - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (msb - msw) / (msb + (n0 - 1) * msw)
    return np.clip(np.nan_to_num(rho, nan=0.0), 0.0, 0.99)


def paired_t_two_sided(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided p-value of a mean difference (one-sample t on the paired differences); 1 when undefined."""
    mean, sd, n = (np.asarray(a, dtype=float) for a in (mean, sd, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean / (sd / np.sqrt(n))
    p = 2 * stats.t.sf(np.abs(t), np.maximum(n - 1, 1))
    p = np.where(sd > 0, p, np.where(mean != 0, 0.0, 1.0))  # no spread: any non-zero mean is certain
    return np.where(n >= 2, np.nan_to_num(p, nan=1.0), 1.0)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Adjusted p-values (q-values): reject where q ≤ the chosen false-discovery rate."""
    p = np.asarray(p, dtype=float)
    if p.size == 0:
        return p
    return stats.false_discovery_control(np.clip(p, 0.0, 1.0), method="bh")
