"""Certified orbits and scrambling: exact rational and ball-arithmetic iteration of scalar maps.

Three ways to iterate ``x_{t+1} = f(x_t)``:

* :func:`exact_orbit` -- exact rationals (``flint.fmpq``) through the exact
  piecewise-linear form of f.  Always right; the denominators grow by about
  the bit size of the weights each step.
* :func:`ball_orbit` -- ball arithmetic (``flint.arb``): every ``X_t`` is a ball
  proven to contain ``f^t(x0)``.  The working precision is raised and the orbit
  recomputed until every radius is below ``tol`` (or ``max_prec`` is hit; the
  balls are then still rigorous, only wider).  Piecewise-linear maps are
  evaluated through their exact PL form: the image of a ball ``[a, b]`` is the
  exact range of f on ``[a, b]`` (endpoints and breakpoints inside), rounded
  outward to the working precision.  Other activations (tanh, sigmoid) are
  evaluated layer by layer in ball arithmetic.
* :func:`float_orbit` -- IEEE doubles: **not certified**, for plots only.  For
  the slope-2 tent map every double is a dyadic rational, and the tent map sends
  every dyadic rational to 0 within (bits of its mantissa) steps: float orbits
  of the tent map collapse to 0 within about 55 steps (:func:`float_collapse_example`),
  while the exact orbit of ``0.175421 = 175421/10^6`` never does.

Inputs given as strings are exact decimals ("0.175421" is 175421/1000000).

Distances ``d_t = |f^t(x) - f^t(y)|`` are enclosed by ``[d_lo, d_hi]`` (rounded
outward).  A pair is *scrambled on a window* of times when its distance comes
below ``alpha`` (certified: ``min d_hi < alpha``) and goes above ``beta``
(certified: ``max d_lo > beta``) within the window -- the finite-time trace of
``liminf d_t = 0 < limsup d_t`` (Li-Yorke).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

import numpy as np
from flint import arb, ctx, fmpq

from .._lib.arb import arb_exact_fraction, round_down, round_up
from .._lib.validation import check_int, check_real
from ..errors import ResourceLimitError, SpecError
from .pl import PiecewiseLinear, q, to_fraction
from .regions import parse_rational

DEFAULT_TOL = 1e-9
#: Denominator of the random starting points of :func:`scrambling_statistics` (a Mersenne prime).
GRID_PRIME = 2 ** 61 - 1
MAX_PREC = 1 << 17
MAX_STEPS = 1_000_000


def check_orbit_steps(steps: Any, field_name: str = "steps") -> int:
    """Validate a number of orbit steps T (0..MAX_STEPS) or raise SpecError naming the field.

    >>> check_orbit_steps(150)
    150
    """
    return check_int(steps, field_name, 0, MAX_STEPS)


def pl_or_none(f) -> PiecewiseLinear | None:
    if isinstance(f, PiecewiseLinear):
        return f
    if getattr(f, "is_piecewise_linear", False):
        return PiecewiseLinear.from_network(f)
    return None


# ------------------------------------------------------------------ exact & float
def exact_orbit(f, x0, steps: int, *, max_bits: int | None = None) -> list[fmpq]:
    """``[x0, f(x0), ..., f^steps(x0)]`` in exact rational arithmetic.

    ``f``: ScalarRNN with PL activations, or PiecewiseLinear; ``x0``: number or
    exact string.  ``max_bits`` bounds the total size (numerator and denominator bits
    summed over the orbit): weights with long mantissas add their bits to the
    denominators every step, so the orbit's size grows quadratically with ``steps``;
    beyond the bound a :class:`~rnnchaos.errors.ResourceLimitError` is raised.

    >>> from rnnchaos.studies.persistence import tent_network
    >>> [str(x) for x in exact_orbit(tent_network(), "2/7", 3)]
    ['2/7', '4/7', '6/7', '2/7']
    """
    steps = check_orbit_steps(steps)
    g = pl_or_none(f)
    if g is None:
        raise SpecError("spec", "exact orbits need piecewise-linear activations; use the ball "
                        "method for tanh/sigmoid")
    x = parse_rational(x0, "x0")
    out = [x]
    total_bits = 0
    for t in range(steps):
        x = g(x)
        out.append(x)
        if max_bits is not None:
            total_bits += x.p.bit_length() + x.q.bit_length()
            if total_bits > max_bits:
                raise ResourceLimitError(
                    f"the exact orbit exceeds {max_bits:,} bits at step {t + 1} (f^t(x0) has "
                    f"{x.q.bit_length():,}-bit denominators): lower --steps or use --method ball")
    return out


def float_orbit(f, x0, steps: int) -> np.ndarray:
    """Floating-point orbit (float64): NOT certified, for plots and warnings only.

    >>> from rnnchaos.studies.persistence import tent_network
    >>> float(float_orbit(tent_network(), 0.175421, 60)[-1])
    0.0
    """
    steps = check_orbit_steps(steps)
    x = float(Fraction(str(x0))) if isinstance(x0, str) else float(x0)
    if isinstance(f, PiecewiseLinear):
        def ev(v):  # exact PL value, rounded to a double each step
            if not math.isfinite(v):  # follow the affine tail
                s = f.slopes[-1] if v > 0 else f.slopes[0]
                if s == 0:
                    return float(to_fraction(f.ys[-1] if v > 0 else f.ys[0]))
                return v if s > 0 else -v
            y = f(v)
            try:
                return float(to_fraction(y))
            except OverflowError:
                return math.inf if y > 0 else -math.inf
    else:
        ev = f
    out = np.empty(steps + 1)
    out[0] = x
    for t in range(steps):
        x = float(ev(x))
        out[t + 1] = x
    return out


# ------------------------------------------------------------------ balls
def _ball_from_range(lo: fmpq, hi: fmpq) -> arb:
    """A ball (at the current precision) containing the exact interval [lo, hi]."""
    a = arb(lo)
    return a if lo == hi else a.union(arb(hi))


def ball_bounds(x: arb) -> tuple[fmpq, fmpq]:
    lo, hi = arb_exact_fraction(x.lower()), arb_exact_fraction(x.upper())
    return fmpq(lo.numerator, lo.denominator), fmpq(hi.numerator, hi.denominator)


def _pl_ball_step(g: PiecewiseLinear) -> Callable[[arb], arb]:
    def step(x: arb) -> arb:
        a, b = ball_bounds(x)
        if a == b:
            return arb(g(a))
        lo, hi = g.range_on(a, b)
        return _ball_from_range(lo, hi)
    return step


def _act_ball(act, z: arb) -> arb:
    name, p = act.name, act.params
    if name == "identity":
        return z
    if name in ("relu", "leaky_relu"):
        s = arb(0) if name == "relu" else arb(p["negative_slope"])
        if z >= 0:
            return z
        if z <= 0:
            return s * z
        return (s * z.lower()).union(z.upper())
    if name == "hardtanh":
        lo, hi = arb(p["min_val"]), arb(p["max_val"])
        if z >= lo and z <= hi:
            return z
        zl = z.lower().max(lo).min(hi)
        zu = z.upper().max(lo).min(hi)
        return zl.union(zu)
    if name == "tanh":
        return z.tanh()
    if name == "sigmoid":
        return 1 / (1 + (-z).exp())
    raise SpecError("activation", f"no ball evaluation for {name!r}")


def _net_ball_step(net) -> Callable[[arb], arb]:
    layers = [([[arb(float(w)) for w in row] for row in layer.weight],
               [arb(float(b)) for b in layer.bias], layer.activation) for layer in net.layers]

    def step(x: arb) -> arb:
        h = [x]
        for W, B, act in layers:
            h = [_act_ball(act, sum((w * v for w, v in zip(row, h)), b)) for row, b in zip(W, B)]
        return h[0]
    return step


def ball_step(f) -> Callable[[arb], arb]:
    """A function X -> ball containing f(X), at the current arb precision.

    >>> from rnnchaos.studies.persistence import tent_network
    >>> ball_step(tent_network())(arb(0.25))
    0.500000000000000
    """
    g = pl_or_none(f)
    return _pl_ball_step(g) if g is not None else _net_ball_step(f)


@dataclass
class BallOrbit:
    """Balls ``X_t`` with ``f^t(x0) in X_t`` for t = 0..steps, at working precision ``prec``.

    ``within_tol``: every radius is <= ``tol * max(1, |X_t|)``.  ``lo``/``hi`` are the balls
    rounded outward to doubles (a certified enclosure); ``mid`` is for plotting.

    >>> from rnnchaos.studies.persistence import tent_network
    >>> o = ball_orbit(tent_network(), "1/3", 2)
    >>> o.steps, o.contains(2, "2/3"), bool(o.lo[2] <= 2 / 3 <= o.hi[2])
    (2, True, True)
    """

    x0: fmpq
    balls: list[arb]
    prec: int
    tol: float
    within_tol: bool
    attempts: list[int] = field(default_factory=list)

    @property
    def steps(self) -> int:
        """T: the orbit has T + 1 balls."""
        return len(self.balls) - 1

    @property
    def lo(self) -> np.ndarray:
        """Lower ends of the balls, rounded down to doubles."""
        return np.array([round_down(b) for b in self.balls])

    @property
    def hi(self) -> np.ndarray:
        """Upper ends of the balls, rounded up to doubles."""
        return np.array([round_up(b) for b in self.balls])

    @property
    def mid(self) -> np.ndarray:
        """Ball centres rounded to doubles (for plotting; see ``radius``)."""
        return np.array([float(b.mid()) for b in self.balls])

    @property
    def radius(self) -> np.ndarray:
        """Upper bounds on |f^t(x0) - mid[t]| (certified, includes rounding of mid)."""
        mids = self.mid
        return np.maximum(self.hi - mids, mids - self.lo)

    def contains(self, t: int, value) -> bool:
        """Whether the exact number ``value`` lies in ball t (exact comparison)."""
        a, b = ball_bounds(self.balls[t])
        v = q(value)
        return a <= v <= b


def _rad_float(x: arb) -> float:
    """Radius relative to max(1, |centre|): the tolerance is absolute near 0 and
    relative for large values (orbits escaping to infinity)."""
    if not x.is_finite():
        return math.inf
    scale = max(1.0, abs(float(x.mid())))
    return float(x.rad()) / scale if math.isfinite(scale) else 0.0


def ball_orbit(f, x0, steps: int, *, tol: float = DEFAULT_TOL, start_prec: int = 64,
               max_prec: int = MAX_PREC) -> BallOrbit:
    """Certified orbit of ``x0`` under ``f`` in ball arithmetic with adaptive precision.

    Recomputes with higher precision until every radius is <= ``tol * max(1, |x_t|)``
    (absolute near 0, relative for large values) or the precision would exceed
    ``max_prec``.

    >>> from rnnchaos.studies.persistence import tent_network
    >>> o = ball_orbit(tent_network(), "0.175421", 200, tol=1e-12)
    >>> o.within_tol, o.contains(200, exact_orbit(tent_network(), "0.175421", 200)[-1])
    (True, True)
    """
    steps = check_orbit_steps(steps)
    tol = check_real(tol, "tol", positive=True)
    x = parse_rational(x0, "x0")
    step = ball_step(f)
    prec = max(32, int(start_prec))
    attempts = []
    while True:
        attempts.append(prec)
        with ctx.workprec(prec):
            balls = [arb(x)]
            first_bad = None
            for t in range(steps):
                balls.append(step(balls[-1]))
                if first_bad is None and _rad_float(balls[-1]) > tol:
                    first_bad = t + 1
        if first_bad is None:
            return BallOrbit(x, balls, prec, tol, True, attempts)
        if prec >= max_prec:
            return BallOrbit(x, balls, prec, tol, False, attempts)
        # growth per step up to the first failure; extrapolate to the end, plus margin
        r0 = max(_rad_float(balls[0]), 2.0 ** -prec * (abs(float(x)) + 1e-300))
        r1 = _rad_float(balls[first_bad])
        growth = max(0.0, math.log2(r1 / r0) / first_bad) if math.isfinite(r1) and r0 > 0 else 4.0
        need = int(math.ceil(math.log2(1 / tol) + growth * steps)) + 32
        prec = min(max_prec, max(need, prec * 2))


def certified_distances(a: BallOrbit, b: BallOrbit) -> tuple[np.ndarray, np.ndarray]:
    """Rigorous ``(d_lo, d_hi)`` with ``d_lo[t] <= |f^t(x) - f^t(y)| <= d_hi[t]``.

    >>> from rnnchaos.studies.persistence import tent_network
    >>> f = tent_network()
    >>> lo, hi = certified_distances(ball_orbit(f, "0.1", 3), ball_orbit(f, "0.2", 3))
    >>> bool(abs(lo[3] - 0.4) < 1e-12 and hi[3] - lo[3] < 1e-12)   # |0.8 - 0.4|
    True
    """
    n = min(len(a.balls), len(b.balls))
    prec = max(a.prec, b.prec) + 8
    lo, hi = np.empty(n), np.empty(n)
    with ctx.workprec(prec):
        for t in range(n):
            d = abs(a.balls[t] - b.balls[t])
            lo[t] = max(0.0, round_down(d))
            hi[t] = round_up(d)
    return lo, hi


__all__ = [
    "exact_orbit",
    "float_orbit",
    "ball_orbit",
    "ball_step",
    "BallOrbit",
    "certified_distances",
    "check_orbit_steps",
]
