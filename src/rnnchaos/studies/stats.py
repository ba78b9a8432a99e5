"""Confidence intervals: Wilson intervals for proportions, t-intervals for means.
"""
from __future__ import annotations

import math
from statistics import NormalDist
from typing import Sequence

import numpy as np

from ..errors import SpecError


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Sample mean and its t-interval ``(mean, low, high)`` (floating point, descriptive).

    >>> mean_ci([1.0, 1.0, 1.0])
    (1.0, 1.0, 1.0)
    """
    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    from scipy.stats import t as student_t
    half = float(student_t.ppf(0.5 + confidence / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return m, m - half, m + half


# ---------------------------------------------------------------- intervals
def two_sided_z(confidence: float) -> float:
    """The standard normal quantile z with P(|Z| <= z) = ``confidence`` (stdlib
    ``statistics.NormalDist``: importing scipy.stats costs most of a second of start-up).

    >>> round(two_sided_z(0.95), 6)
    1.959964
    """
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def two_sided_p(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z, as erfc(|z| / sqrt 2) (accurate in the far tail).

    >>> round(two_sided_p(1.959964), 4)
    0.05
    """
    return math.erfc(abs(z) / math.sqrt(2.0))


def wilson_interval(count: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion count/n.

    >>> lo, hi = wilson_interval(50, 100); round(lo, 4), round(hi, 4)
    (0.4038, 0.5962)
    """
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= count <= n:
        raise SpecError("count", f"must be in [0, n={n}], got {count}")
    z = two_sided_z(confidence)
    p = count / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion_trend(counts: Sequence[int], ns: Sequence[int], xs: Sequence[float],
                     confidence: float = 0.95) -> dict[str, float]:
    """Linear trend of binomial proportions p_i = counts_i / ns_i in a score x_i.

    * ``slope``: the n-weighted least-squares slope of p_i on x_i,
      b = sum n_i (x_i - xbar)(p_i - pbar) / S, S = sum n_i (x_i - xbar)^2, with
      xbar and pbar the n-weighted means (pbar = the pooled proportion);
    * ``ci_low``, ``ci_high``: b -/+ z * se, se^2 = sum n_i^2 (x_i - xbar)^2 v_i / S^2, the
      sandwich variance with v_i = q_i (1 - q_i) / n_i, q_i = (counts_i + 2) / (ns_i + 4)
      (so a cell with 0 of n still has a variance);
    * ``p_value``: the Cochran-Armitage test of no trend (two-sided), z = b / sqrt(pbar (1 -
      pbar) / S): under "p does not depend on x" it is standard normal.

    >>> t = proportion_trend([10, 10, 10], [1000, 1000, 1000], [1, 2, 3])
    >>> t["slope"], t["p_value"]
    (0.0, 1.0)
    """
    k = np.asarray(counts, dtype=np.float64)
    n = np.asarray(ns, dtype=np.float64)
    x = np.asarray(xs, dtype=np.float64)
    if not (k.shape == n.shape == x.shape) or k.size < 2 or np.any(n < 1) or np.any(k < 0) \
            or np.any(k > n):
        raise SpecError("counts", "need >= 2 cells of 0 <= count <= n, n >= 1, one x each")
    total = n.sum()
    xbar, pbar = (n * x).sum() / total, k.sum() / total
    s = (n * (x - xbar) ** 2).sum()
    if s == 0:
        raise SpecError("xs", "need at least two different x values")
    slope = float((n * (x - xbar) * (k / n - pbar)).sum() / s)
    q = (k + 2) / (n + 4)
    se = math.sqrt(float((n ** 2 * (x - xbar) ** 2 * q * (1 - q) / n).sum())) / s
    z = two_sided_z(confidence)
    null_var = pbar * (1 - pbar) / s
    p_value = 1.0 if slope == 0 else (0.0 if null_var == 0 else
                                      two_sided_p(slope / math.sqrt(null_var)))
    return {"slope": slope, "ci_low": slope - z * se, "ci_high": slope + z * se,
            "p_value": p_value, "pooled_p": float(pbar), "n": int(total)}
