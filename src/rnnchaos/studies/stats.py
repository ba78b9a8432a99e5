"""Confidence intervals: Wilson intervals for proportions, t-intervals for means.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy.stats import norm

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
def wilson_interval(count: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion count/n.

    >>> lo, hi = wilson_interval(50, 100); round(lo, 4), round(hi, 4)
    (0.4038, 0.5962)
    """
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= count <= n:
        raise SpecError("count", f"must be in [0, n={n}], got {count}")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = count / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
