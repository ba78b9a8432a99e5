"""Scrambling studies: float collapse, certified distance figures and pair statistics.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np
from flint import fmpq

from ..errors import SpecError
from ..exact.orbits import (
    GRID_PRIME,
    ball_orbit,
    certified_distances,
    check_orbit_steps,
    exact_orbit,
    float_orbit,
    pl_or_none,
)
from ..exact.pl import PiecewiseLinear, to_fraction
from ..exact.regions import parse_rational
from ..networks.examples import distance_figure_map


# ------------------------------------------------------------------ examples
def float_collapse_example(x0: str = "0.175421", steps: int = 80) -> dict[str, Any]:
    """The warning example: the slope-2 tent map in float64 collapses to 0; exactly it does not.

    Returns the first step at which the float orbit is exactly 0 (and stays
    there), and the exact orbit's smallest value over the same steps (> 0).

    >>> ex = float_collapse_example()
    >>> ex["float_zero_step"] <= 60 and ex["exact_min"] > 0
    True
    """
    from ..networks.examples import tent_network

    f = tent_network()
    fl = float_orbit(f, x0, steps)
    ex = exact_orbit(f, x0, steps)
    zero = next((t for t in range(steps + 1) if np.all(fl[t:] == 0.0)), None)
    exact_vals = [float(Fraction(int(v.p), int(v.q))) for v in ex]
    return {"map": "tent T(x) = 2 relu(x) - 4 relu(x - 1/2)", "x0": x0, "steps": steps,
            "float_orbit": fl.tolist(), "exact_orbit": exact_vals,
            "float_zero_step": zero, "exact_min": min(exact_vals[1:]),
            "explanation": "a double is a dyadic rational m/2^k; the tent map sends m/2^k to a "
                           "dyadic with denominator 2^(k-1), so every float orbit reaches 0 after "
                           "at most ~1075 (typically ~55) steps; the exact rational x0 is not "
                           "dyadic and its orbit never reaches 0"}


def distance_figure(steps: int = 150, *, x0: str = "0.175421", dy: str = "1e-7",
                    tol: float = 1e-9) -> dict[str, Any]:
    """The paper's distance figure, certified: |f^t(x0) - f^t(y0)| for y0 = x0 + dy, t = 0..steps.

    Computes the exact rational orbits, the ball orbits (checked to contain the
    exact ones), certified distance bounds, and the float64 distances for comparison.

    >>> d = distance_figure(40)
    >>> d["ball_contains_exact"], len(d["d_lo"])
    (True, 41)
    """
    f = distance_figure_map()
    x = parse_rational(x0, "x0")
    y = x + parse_rational(dy, "dy")
    ox, oy = ball_orbit(f, x, steps, tol=tol), ball_orbit(f, y, steps, tol=tol)
    ex, ey = exact_orbit(f, x, steps), exact_orbit(f, y, steps)
    ok = all(ox.contains(t, ex[t]) and oy.contains(t, ey[t]) for t in range(steps + 1))
    lo, hi = certified_distances(ox, oy)
    fx = float_orbit(f, float(Fraction(x0)), steps)
    fy = float_orbit(f, float(Fraction(x0)) + float(Fraction(dy)), steps)
    bits = [max(int(v.p).bit_length(), int(v.q).bit_length()) for v in ex]
    return {"x0": x0, "y0": str(y), "steps": steps, "d_lo": lo.tolist(), "d_hi": hi.tolist(),
            "float_distance": np.abs(fx - fy).tolist(), "ball_contains_exact": ok,
            "prec": [ox.prec, oy.prec], "exact_bits": bits}


# ------------------------------------------------------------------ statistics
@dataclass
class ScramblingStats:
    """Per-window statistics of certified distances over random pairs of one map.

    ``windows[k] = (t0, t1)`` (t0 <= t < t1).  ``min_hi[i][k]`` bounds from above
    the smallest distance of pair i in window k; ``max_lo[i][k]`` bounds the
    largest from below.  ``scrambled[k]``: pairs with ``min_hi < alpha`` and
    ``max_lo > beta`` (certified), with a 95% Wilson interval.  Distances are in
    units of the map's variable; alpha and beta are given relative to the width
    of the sampling interval.

    >>> from rnnchaos.studies.persistence import tent_network
    >>> s = scrambling_statistics(tent_network(), 2, 40, seed=0)
    >>> len(s.quantiles("max_lo")), len(s.scrambled())
    (5, 5)
    """

    label: str
    interval: tuple[float, float]
    delta: float
    steps: int
    windows: list[tuple[int, int]]
    min_hi: list[list[float]]
    max_lo: list[list[float]]
    alpha: float
    beta: float
    seed: int
    prec_used: list[int]
    not_within_tol: int = 0

    def scrambled(self) -> list[dict[str, Any]]:
        """Per window: pairs certified scrambled (min < alpha*width and max > beta*width),
        count, fraction and 95% Wilson interval.  Example: ``stats.scrambled()[0]["p"]``."""
        from .stats import wilson_interval
        width = self.interval[1] - self.interval[0]
        out = []
        for k, w in enumerate(self.windows):
            n = len(self.min_hi)
            c = sum(1 for i in range(n) if self.min_hi[i][k] < self.alpha * width
                    and self.max_lo[i][k] > self.beta * width)
            out.append({"window": list(w), "count": c, "n": n, "p": c / n if n else None,
                        "ci95": list(wilson_interval(c, n))})
        return out

    def quantiles(self, which: str, qs=(25, 50, 75)) -> list[list[float]]:
        """Quantiles (percent ``qs``) over pairs, per window, of ``min_hi`` or ``max_lo``
        (units of x).  Example: see the class docstring."""
        data = np.asarray(getattr(self, which), dtype=float)
        return np.percentile(data, qs, axis=0).T.tolist()

    def to_json(self) -> dict[str, Any]:
        """JSON-able summary: quartiles over pairs of the per-window min / max distances
        (units of x), scrambled fractions.  Example: ``stats.to_json()["scrambled"]``."""
        return {"label": self.label, "interval": list(self.interval), "delta": self.delta,
                "steps": self.steps, "windows": [list(w) for w in self.windows],
                "alpha": self.alpha, "beta": self.beta, "seed": self.seed,
                "pairs": len(self.min_hi), "min_distance_quartiles": self.quantiles("min_hi"),
                "max_distance_quartiles": self.quantiles("max_lo"),
                "scrambled": self.scrambled(), "not_within_tol": self.not_within_tol}


def default_windows(steps: int, count: int = 5) -> list[tuple[int, int]]:
    """``count`` equal consecutive windows covering t = 1..steps.

    >>> default_windows(100, 4)
    [(1, 26), (26, 51), (51, 76), (76, 101)]
    """
    edges = np.linspace(1, steps + 1, count + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def scrambling_statistics(f, n_pairs: int, steps: int, seed: int, *, interval=None,
                          delta: float = 1e-7, windows: Sequence[tuple[int, int]] | None = None,
                          alpha: float = 1e-3, beta: float = 0.1, tol: float = 1e-9,
                          label: str = "") -> ScramblingStats:
    """Certified min/max distances over windows of t for ``n_pairs`` random pairs (x, x + delta*width).

    ``x = lo + (k / P) (width - d)`` with ``k`` uniform in ``1..P-1``, ``P =
    2^61 - 1`` (a prime) and ``d = delta * width`` (``delta`` read as the exact
    decimal it prints as, e.g. 1e-7 = 1/10^7), drawn from
    ``default_rng(SeedSequence(seed))``; ``y = x + d``.  The odd denominator
    matters: a double is a dyadic rational, and maps with dyadic weights (the tent
    map) send dyadic rationals to a fixed point in finitely many steps, which is
    not what a typical point does.

    >>> from rnnchaos.studies.persistence import tent_network
    >>> s = scrambling_statistics(tent_network(), 3, 60, seed=0)
    >>> len(s.min_hi), s.windows[0]
    (3, (1, 13))
    """
    from ..exact.regions import resolve_interval

    steps = check_orbit_steps(steps)
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, int) or n_pairs < 1:
        raise SpecError("n_pairs", f"must be an integer >= 1, got {n_pairs!r}")
    g = pl_or_none(f)
    if interval is None and g is None:
        raise SpecError("interval", "give an interval for a map that is not piecewise linear")
    lo, hi = resolve_interval(g, interval) if g is not None else \
        resolve_interval(PiecewiseLinear.identity(), interval)
    lo_f, hi_f = float(to_fraction(lo)), float(to_fraction(hi))
    width = hi - lo
    windows = list(windows) if windows is not None else default_windows(steps)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    stats = ScramblingStats(label, (lo_f, hi_f), float(delta), steps, windows, [], [], alpha,
                            beta, seed, [])
    d = parse_rational(repr(float(delta)), "delta") * width  # the decimal, not a dyadic double
    for _ in range(n_pairs):
        u = fmpq(int(rng.integers(1, GRID_PRIME)), GRID_PRIME)
        x = lo + u * (width - d)  # keeps y = x + d in the interval
        ox = ball_orbit(f, x, steps, tol=tol)
        oy = ball_orbit(f, x + d, steps, tol=tol)
        stats.not_within_tol += (not ox.within_tol) + (not oy.within_tol)
        stats.prec_used.append(max(ox.prec, oy.prec))
        dlo, dhi = certified_distances(ox, oy)
        stats.min_hi.append([float(dhi[a:b].min()) for a, b in windows])
        stats.max_lo.append([float(dlo[a:b].max()) for a, b in windows])
    return stats
