"""Lyapunov exponent of a scalar piecewise-linear map along an exact orbit; Lipschitz constants.

Definition.  For ``x_{t+1} = f(x_t)`` and ``T`` steps,

    lambda_T(x0) = (1/T) * sum_{t=0}^{T-1} log |f'(x_t)|     (natural log, nats per iteration).

A PL map has a derivative everywhere except at its kinks.  When an orbit point
is exactly a kink we report three numbers: ``exponent`` uses the slope of the
piece to the *right* of the point (right derivative), ``lower`` the smaller and
``upper`` the larger of the two one-sided |slopes|.  Away from kinks the three
coincide.  A zero slope (a plateau) contributes ``log 0 = -inf``: the exponent
is then ``-inf`` (orbits through a plateau are superstable); never NaN.

Rigour.  ``method='exact'`` iterates in exact rationals, so the slope sequence
is exact; the sum ``sum_s c_s log|s|`` (``c_s`` = how often slope ``s`` is used)
is evaluated in ball arithmetic and ``lower``/``upper`` are rounded outward.
``method='ball'`` follows a certified ball orbit (:func:`rnnchaos.exact.orbits.ball_orbit`);
where a ball straddles a kink, every slope the ball touches is allowed
(``lower``/``upper`` take the extremes), so the bounds stay rigorous.

Lipschitz constant: ``max |slope|`` over the pieces of f (on R or an interval),
exact.  The paper's Lipschitz example has constant 6.3 (to the rounding of its
float weights) yet no period 3, entropy 0 and negative exponents: a large
Lipschitz constant (exploding gradients) does not imply chaos.
"""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flint import arb, ctx, fmpq

from .._lib.arb import round_down, round_up
from ..errors import SpecError
from .orbits import (
    ball_bounds,
    ball_orbit,
    check_orbit_steps,
    exact_orbit,
    pl_or_none,
)
from .pl import PiecewiseLinear

_PREC = 128


@dataclass
class LyapunovResult:
    """``lower <= exponent <= upper`` (floats, natural log per iteration; -inf allowed).

    ``exponent`` uses right derivatives at kinks (rounded to nearest);
    ``lower``/``upper`` are rigorous (rounded outward) over both one-sided
    choices.  ``kink_hits``: orbit points on a kink (ball method: balls touching
    one); ``plateau_steps``: steps where the right slope is 0.

    >>> LyapunovResult(-math.inf, -math.inf, 0.0, 3, 0, 3, "exact", "0").to_json()["exponent"]
    '-inf'
    """

    exponent: float
    lower: float
    upper: float
    steps: int
    kink_hits: int
    plateau_steps: int
    method: str
    x0: str
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-able dict; infinite values are the strings '-inf' / 'inf' (never NaN)."""
        def num(v):
            return v if math.isfinite(v) else ("-inf" if v < 0 else "inf")
        return {"exponent": num(self.exponent), "lower": num(self.lower), "upper": num(self.upper),
                "units": "nats per iteration (natural log)", "steps": self.steps,
                "kink_hits": self.kink_hits, "plateau_steps": self.plateau_steps,
                "method": self.method, "x0": self.x0, "notes": self.notes}


def _sum_logs(counts: Counter, steps: int) -> tuple[arb | None, bool]:
    """Ball for (1/steps) sum c_s log|s|; (None, True) if some slope is 0 (-inf)."""
    if any(s == 0 and c > 0 for s, c in counts.items()):
        return None, True
    with ctx.workprec(_PREC):
        total = arb(0)
        for s, c in counts.items():
            if c:
                total += c * arb(abs(s)).log()
        return total / steps, False


def _value(ball: arb | None, minus_inf: bool, rounding) -> float:
    if minus_inf:
        return -math.inf
    return rounding(ball)


def _slopes_at(g: PiecewiseLinear, x: fmpq) -> tuple[fmpq, fmpq, bool]:
    """(left slope, right slope, is_kink) of g at the exact point x."""
    xs = g.xs
    i = bisect_right(xs, x)
    right = g.slopes[i]
    if i > 0 and xs[i - 1] == x:
        left = g.slopes[i - 1]
        return left, right, left != right
    return right, right, False


def lyapunov_exponent(f, x0, steps: int, *, method: str = "exact", tol: float = 1e-9,
                      max_bits: int | None = None) -> LyapunovResult:
    """Lyapunov exponent ``(1/T) sum log|f'(x_t)|`` of a PL map along the orbit of ``x0``.

    ``f``: ScalarRNN (PL activations) or PiecewiseLinear; ``x0`` a number or an
    exact string; ``method``: ``exact`` (rational orbit) or ``ball``; ``max_bits``: the
    size bound of the exact orbit (see :func:`rnnchaos.exact.orbits.exact_orbit`).

    >>> from rnnchaos.studies.persistence import tent_network
    >>> r = lyapunov_exponent(tent_network(), "1/7", 30)
    >>> r.lower <= math.log(2) <= r.upper, r.exponent == math.log(2)
    (True, True)
    """
    steps = check_orbit_steps(steps)
    if steps < 1:
        raise SpecError("steps", "must be >= 1 for a Lyapunov exponent")
    g = pl_or_none(f)
    if g is None:
        raise SpecError("spec", "the Lyapunov exponent needs piecewise-linear activations")
    x0s = str(x0)
    right: Counter = Counter()
    low: Counter = Counter()
    high: Counter = Counter()
    kinks = 0
    notes: list[str] = []
    if method == "exact":
        orbit = exact_orbit(g, x0, steps - 1, max_bits=max_bits)
        for x in orbit:
            sl, sr, kink = _slopes_at(g, x)
            kinks += kink
            a, b = abs(sl), abs(sr)
            right[b] += 1
            low[min(a, b)] += 1
            high[max(a, b)] += 1
    elif method == "ball":
        orb = ball_orbit(g, x0, steps - 1, tol=tol)
        if not orb.within_tol:
            notes.append(f"ball radii exceed tol={tol} at precision {orb.prec}: bounds stay "
                         "rigorous but may be wide")
        for ball in orb.balls:
            a, b = ball_bounds(ball)
            i0, i1 = bisect_left(g.xs, a), bisect_right(g.xs, b)
            cand = [abs(s) for s in g.slopes[i0:i1 + 1]]
            if len(set(cand)) > 1:
                kinks += 1
            mid = ball_bounds(ball.mid())[0]
            right[abs(_slopes_at(g, mid)[1])] += 1
            low[min(cand)] += 1
            high[max(cand)] += 1
    else:
        raise SpecError("method", f"must be 'exact' or 'ball', got {method!r}")
    rb, r_inf = _sum_logs(right, steps)
    lb, l_inf = _sum_logs(low, steps)
    hb, h_inf = _sum_logs(high, steps)
    exponent = -math.inf if r_inf else float(rb.mid())
    lower = _value(lb, l_inf, round_down)
    upper = _value(hb, h_inf, round_up)
    exponent = min(max(exponent, lower), upper)
    plateau = right.get(fmpq(0), 0)
    if kinks:
        notes.append(f"{kinks} orbit point(s) on a kink: exponent uses right derivatives, "
                     "[lower, upper] covers both one-sided choices")
    if plateau or l_inf:
        notes.append("the orbit meets a zero slope (plateau or flat side of a kink): log 0 = -inf")
    return LyapunovResult(exponent, lower, upper, steps, kinks, plateau, method, x0s, notes)


def lipschitz_constant(f, interval=None) -> fmpq:
    """Exact Lipschitz constant ``max |slope|`` of a PL map on R, or on ``interval`` = (lo, hi).

    >>> lipschitz_constant(PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2]))
    2
    """
    g = pl_or_none(f)
    if g is None:
        raise SpecError("spec", "the exact Lipschitz constant needs piecewise-linear activations")
    if interval is None:
        return max(abs(s) for s in g.slopes)
    from .regions import resolve_interval
    lo, hi = resolve_interval(g, interval)
    i0, i1 = bisect_right(g.xs, lo), bisect_left(g.xs, hi)
    return max(abs(s) for s in g.slopes[i0:i1 + 1])


__all__ = [
    "LyapunovResult",
    "lyapunov_exponent",
    "lipschitz_constant",
]
