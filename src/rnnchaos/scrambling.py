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
from typing import Any, Callable, Sequence

import numpy as np
from flint import arb, ctx, fmpq

from .entropy import arb_exact_fraction, round_down, round_up
from .errors import SpecError
from .expressivity import parse_rational
from .pl import PiecewiseLinear, q, to_fraction

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
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise SpecError(field_name, f"expected an integer, got {steps!r}")
    if not 0 <= steps <= MAX_STEPS:
        raise SpecError(field_name, f"must be in 0..{MAX_STEPS}, got {steps}")
    return int(steps)


def distance_figure_map():
    """The paper's distance-figure map f(x) = 1.9999 relu(x + 0.00001) - 4 relu(x - 0.502).

    Weights are the doubles nearest to the decimals, so f is an exact rational map.

    >>> round(distance_figure_map()(0.25), 6)
    0.499995
    """
    from .model import ScalarRNN
    return ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [0.00001, -0.502], "activation": "relu"},
        {"weight": [[1.9999, -4.0]], "bias": [0.0], "activation": "identity"}]})


def _pl_or_none(f) -> PiecewiseLinear | None:
    if isinstance(f, PiecewiseLinear):
        return f
    if getattr(f, "is_piecewise_linear", False):
        return PiecewiseLinear.from_network(f)
    return None


# ------------------------------------------------------------------ exact & float
def exact_orbit(f, x0, steps: int) -> list[fmpq]:
    """``[x0, f(x0), ..., f^steps(x0)]`` in exact rational arithmetic.

    ``f``: ScalarRNN with PL activations, or PiecewiseLinear; ``x0``: number or
    exact string.

    >>> from rnnchaos.persistence import tent_network
    >>> [str(x) for x in exact_orbit(tent_network(), "2/7", 3)]
    ['2/7', '4/7', '6/7', '2/7']
    """
    steps = check_orbit_steps(steps)
    g = _pl_or_none(f)
    if g is None:
        raise SpecError("spec", "exact orbits need piecewise-linear activations; use the ball "
                        "method for tanh/sigmoid")
    x = parse_rational(x0, "x0")
    out = [x]
    for _ in range(steps):
        x = g(x)
        out.append(x)
    return out


def float_orbit(f, x0, steps: int) -> np.ndarray:
    """Floating-point orbit (float64): NOT certified, for plots and warnings only.

    >>> from rnnchaos.persistence import tent_network
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


def _ball_bounds(x: arb) -> tuple[fmpq, fmpq]:
    lo, hi = arb_exact_fraction(x.lower()), arb_exact_fraction(x.upper())
    return fmpq(lo.numerator, lo.denominator), fmpq(hi.numerator, hi.denominator)


def _pl_ball_step(g: PiecewiseLinear) -> Callable[[arb], arb]:
    def step(x: arb) -> arb:
        a, b = _ball_bounds(x)
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

    >>> from rnnchaos.persistence import tent_network
    >>> ball_step(tent_network())(arb(0.25))
    0.500000000000000
    """
    g = _pl_or_none(f)
    return _pl_ball_step(g) if g is not None else _net_ball_step(f)


@dataclass
class BallOrbit:
    """Balls ``X_t`` with ``f^t(x0) in X_t`` for t = 0..steps, at working precision ``prec``.

    ``within_tol``: every radius is <= ``tol * max(1, |X_t|)``.  ``lo``/``hi`` are the balls
    rounded outward to doubles (a certified enclosure); ``mid`` is for plotting.

    >>> from rnnchaos.persistence import tent_network
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
        a, b = _ball_bounds(self.balls[t])
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

    >>> from rnnchaos.persistence import tent_network
    >>> o = ball_orbit(tent_network(), "0.175421", 200, tol=1e-12)
    >>> o.within_tol, o.contains(200, exact_orbit(tent_network(), "0.175421", 200)[-1])
    (True, True)
    """
    steps = check_orbit_steps(steps)
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol > 0):
        raise SpecError("tol", f"must be a finite number > 0, got {tol!r}")
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

    >>> from rnnchaos.persistence import tent_network
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


# ------------------------------------------------------------------ examples
def float_collapse_example(x0: str = "0.175421", steps: int = 80) -> dict[str, Any]:
    """The warning example: the slope-2 tent map in float64 collapses to 0; exactly it does not.

    Returns the first step at which the float orbit is exactly 0 (and stays
    there), and the exact orbit's smallest value over the same steps (> 0).

    >>> ex = float_collapse_example()
    >>> ex["float_zero_step"] <= 60 and ex["exact_min"] > 0
    True
    """
    from .persistence import tent_network

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

    >>> from rnnchaos.persistence import tent_network
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
        from .montecarlo import wilson_interval
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

    >>> from rnnchaos.persistence import tent_network
    >>> s = scrambling_statistics(tent_network(), 3, 60, seed=0)
    >>> len(s.min_hi), s.windows[0]
    (3, (1, 13))
    """
    from .expressivity import resolve_interval

    steps = check_orbit_steps(steps)
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, int) or n_pairs < 1:
        raise SpecError("n_pairs", f"must be an integer >= 1, got {n_pairs!r}")
    g = _pl_or_none(f)
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


__all__ = ["exact_orbit", "float_orbit", "ball_orbit", "ball_step", "BallOrbit",
           "certified_distances", "float_collapse_example", "distance_figure",
           "distance_figure_map", "scrambling_statistics", "ScramblingStats", "default_windows",
           "check_orbit_steps"]
