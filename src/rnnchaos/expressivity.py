"""Expressivity: exact counts of linear pieces and monotone laps of f^t, RNN vs feedforward.

Definitions (on a closed interval ``[lo, hi]``, ``lo < hi``):

* ``pieces(h)``: the number of maximal intervals on which the continuous PL map
  ``h`` is affine (its "linear regions"); exact, from rational breakpoints.
* ``laps(h)``: the number of maximal intervals on which ``h`` is (weakly)
  monotone, i.e. its oscillations; a constant stretch does not split a lap.

An RNN unrolled ``t`` times computes ``f^t`` (the same ``f`` every step); a
feedforward stack of ``t`` layers computes ``F_t = f_t o ... o f_1`` with
independently drawn or independently perturbed ``f_i``.  ``laps(f^t)`` grows
like ``exp(h t)`` with ``h`` the topological entropy on the interval (when it is
forward invariant), so an RNN with period 3 keeps at least ``phi^t``-type
growth (``phi = (1 + sqrt 5)/2``), the tent map exactly ``2^t``.

Counts are exact integers.  Growth rates (natural log per step) are fitted by
least squares to ``log count_t`` and are *descriptive floating-point
statistics*, reported with their standard errors / confidence intervals.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np
from flint import fmpq

from .errors import ResourceLimitError, SpecError
from .pl import PiecewiseLinear, q

#: Default limit on linear pieces of one composed map.
DEFAULT_MAX_PIECES = 500_000
#: Largest accepted number of steps.
MAX_STEPS = 64
LOG_PHI = math.log((1 + math.sqrt(5)) / 2)
LOG_2 = math.log(2)


def as_pl(f) -> PiecewiseLinear:
    """The exact PiecewiseLinear form of a ScalarRNN (a PiecewiseLinear is returned as is).

    >>> as_pl(PiecewiseLinear.affine(2, 0)).slopes
    [2, 2]
    """
    return f if isinstance(f, PiecewiseLinear) else PiecewiseLinear.from_network(f)


def parse_rational(value: Any, field_name: str) -> fmpq:
    """An exact rational from a number or a string ('0.175421', '2/7', '1e-7'); SpecError if not.

    Strings are read as exact decimals, not as the nearest double.

    >>> parse_rational("0.1", "x0")
    1/10
    """
    if isinstance(value, bool):
        raise SpecError(field_name, f"expected a number, got {value!r}")
    try:
        if isinstance(value, str):
            frac = Fraction(value.strip())
            return fmpq(frac.numerator, frac.denominator)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError
        return q(value)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        raise SpecError(field_name, f"expected a finite rational number such as 0.25 or 1/3, "
                        f"got {value!r}") from None


def resolve_interval(f: PiecewiseLinear, interval) -> tuple[fmpq, fmpq]:
    """``interval`` as exact ``(lo, hi)`` with ``lo < hi``; None: f's invariant interval.

    Raises SpecError('interval') when it is empty or when no invariant interval exists.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> resolve_interval(tent, None)
    (0, 1)
    """
    if interval is None:
        from .invariant import invariant_interval
        inv = invariant_interval(f)
        if not inv.exists:
            raise SpecError("interval", f"f has no bounded invariant interval ({inv.reason}); "
                            "give the interval explicitly (--interval LO HI)")
        if inv.lo == inv.hi:
            raise SpecError("interval", f"the invariant interval of f is the single point "
                            f"{inv.lo}; give an interval explicitly (--interval LO HI)")
        return inv.lo, inv.hi
    try:
        lo, hi = interval
    except (TypeError, ValueError):
        raise SpecError("interval", f"expected two numbers LO HI, got {interval!r}") from None
    lo, hi = parse_rational(lo, "interval.lo"), parse_rational(hi, "interval.hi")
    if not lo < hi:
        raise SpecError("interval", f"need LO < HI, got [{lo}, {hi}]")
    return lo, hi


def check_steps(steps: Any, field_name: str = "steps") -> int:
    """Validate a number of steps / layers T (1..MAX_STEPS) or raise SpecError naming the field.

    >>> check_steps(6)
    6
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise SpecError(field_name, f"expected an integer, got {steps!r}")
    if not 1 <= steps <= MAX_STEPS:
        raise SpecError(field_name, f"must be in 1..{MAX_STEPS}, got {steps}")
    return int(steps)


@dataclass
class RegionCounts:
    """Exact ``pieces[t-1]`` and ``laps[t-1]`` of the t-step map on ``interval``, t = 1..T.

    ``kind`` is ``rnn`` (f^t) or ``feedforward`` (f_t o ... o f_1).

    >>> rc = region_counts(PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2]), 2, (0, 1))
    >>> rc.steps, rc.to_json()["laps"]
    (2, [2, 4])
    """

    kind: str
    interval: tuple[fmpq, fmpq]
    pieces: list[int]
    laps: list[int]

    @property
    def steps(self) -> int:
        """T, the number of steps counted."""
        return len(self.laps)

    def to_json(self) -> dict[str, Any]:
        """JSON-able dict with ``pieces`` and ``laps`` (exact integers, t = 1..T)."""
        return {"kind": self.kind, "interval": [str(self.interval[0]), str(self.interval[1])],
                "steps": self.steps, "pieces": self.pieces, "laps": self.laps}


def _counts(maps: Sequence[PiecewiseLinear], lo: fmpq, hi: fmpq, kind: str,
            max_pieces: int) -> RegionCounts:
    """Counts for the successive compositions of ``maps`` on [lo, hi].

    phi_0 = clip_[lo,hi] (identity on the interval, constant outside), phi_t =
    maps[t-1] o phi_{t-1}: phi_t agrees with the t-step map on [lo, hi] and is
    constant outside, so no work is spent outside the interval.
    """
    phi = PiecewiseLinear.clip(lo, hi)
    pieces, laps = [], []
    for t, m in enumerate(maps, start=1):
        try:
            phi = m.compose(phi, max_pieces)
        except ResourceLimitError as exc:
            raise ResourceLimitError(f"step {t}: {exc}; lower the number of steps, narrow the "
                                     "interval or raise max_pieces") from None
        pieces.append(phi.num_pieces(lo, hi))
        laps.append(phi.num_laps(lo, hi))
    return RegionCounts(kind, (lo, hi), pieces, laps)


def region_counts(f, steps: int, interval=None, *, max_pieces: int = DEFAULT_MAX_PIECES
                  ) -> RegionCounts:
    """Exact pieces and laps of ``f^t`` on ``interval`` for t = 1..steps (an RNN unrolled).

    ``interval`` is ``(lo, hi)`` (numbers or exact strings) or None for the
    invariant interval of f.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> region_counts(tent, 4, (0, 1)).laps
    [2, 4, 8, 16]
    """
    steps = check_steps(steps)
    f = as_pl(f)
    lo, hi = resolve_interval(f, interval)
    return _counts([f] * steps, lo, hi, "rnn", max_pieces)


def stack_region_counts(layers: Sequence, interval, *, max_pieces: int = DEFAULT_MAX_PIECES
                        ) -> RegionCounts:
    """Exact pieces and laps of ``F_t = f_t o ... o f_1`` on ``interval``, t = 1..len(layers).

    ``layers`` are scalar maps (ScalarRNN or PiecewiseLinear), applied first to last.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> half = PiecewiseLinear.affine("1/2", 0)
    >>> stack_region_counts([tent, half, tent], (0, 1)).laps
    [2, 2, 2]
    """
    if not layers:
        raise SpecError("layers", "need at least one layer")
    check_steps(len(layers), "layers")
    maps = [as_pl(m) for m in layers]
    lo, hi = resolve_interval(maps[0], interval) if interval is not None else (None, None)
    if lo is None:
        raise SpecError("interval", "a feedforward stack needs an explicit interval")
    return _counts(maps, lo, hi, "feedforward", max_pieces)


# ------------------------------------------------------------------ growth fits
@dataclass
class GrowthFit:
    """Least-squares fit ``log count_t = a + rate * t`` (natural log per step).

    ``stderr`` is the OLS standard error of ``rate`` and ``[ci_low, ci_high]`` a
    95% t-interval (None with fewer than 3 points).  ``base = exp(rate)`` is the
    per-step growth factor, to set against phi = 1.618 and 2.  Floating point:
    descriptive, not certified.

    >>> g = fit_growth([3, 9, 27]); round(g.base, 9), g.points
    (3.0, 3)
    """

    rate: float
    stderr: float | None
    ci_low: float | None
    ci_high: float | None
    points: int

    @property
    def base(self) -> float:
        """Per-step growth factor exp(rate)."""
        return math.exp(self.rate)

    def to_json(self) -> dict[str, Any]:
        """JSON-able dict, with ``vs_phi`` / ``vs_2``: rate minus log phi / log 2 (nats)."""
        return {"rate": self.rate, "stderr": self.stderr, "ci95": [self.ci_low, self.ci_high],
                "base": self.base, "points": self.points,
                "vs_phi": self.rate - LOG_PHI, "vs_2": self.rate - LOG_2}


def fit_growth(counts: Sequence[int], t_min: int = 1) -> GrowthFit:
    """Fit the exponential growth rate of ``counts[t-1]`` over t >= t_min (natural log per step).

    >>> round(fit_growth([2, 4, 8, 16]).rate, 12) == round(math.log(2), 12)
    True
    """
    ts = np.arange(1, len(counts) + 1, dtype=float)
    ys = np.log(np.asarray(counts, dtype=float))
    sel = ts >= t_min
    ts, ys = ts[sel], ys[sel]
    n = len(ts)
    if n == 0:
        raise SpecError("counts", "no counts to fit")
    if n == 1:
        return GrowthFit(float(ys[0] / ts[0]), None, None, None, 1)
    tbar, ybar = ts.mean(), ys.mean()
    sxx = float(((ts - tbar) ** 2).sum())
    rate = float(((ts - tbar) * (ys - ybar)).sum() / sxx)
    if n < 3:
        return GrowthFit(rate, None, None, None, n)
    resid = ys - (ybar + rate * (ts - tbar))
    s2 = float((resid ** 2).sum() / (n - 2))
    se = math.sqrt(s2 / sxx)
    from scipy.stats import t as student_t
    half = float(student_t.ppf(0.975, n - 2)) * se
    return GrowthFit(rate, se, rate - half, rate + half, n)


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


# ------------------------------------------------------------------ ensembles
@dataclass
class EnsembleCounts:
    """Exact counts for many draws: ``rnn_laps[i][t-1]``, ``ff_laps[i][t-1]`` (and pieces).

    Draw ``i`` uses ``numpy.random.default_rng(SeedSequence(seed, spawn_key=(i,)))``:
    first the RNN map, then the ``steps`` feedforward layers.

    >>> e = expressivity_ensemble(2, 3, seed=0, eps=0.0)
    >>> round(e.rate_summary("rnn_laps")["mean_rate"], 6), e.to_json()["draws"]
    (0.693147, 2)
    """

    mode: str
    description: str
    seed: int
    steps: int
    interval: tuple[fmpq, fmpq]
    rnn_pieces: list[list[int]] = field(default_factory=list)
    rnn_laps: list[list[int]] = field(default_factory=list)
    ff_pieces: list[list[int]] = field(default_factory=list)
    ff_laps: list[list[int]] = field(default_factory=list)
    tries: int = 0

    def rate_summary(self, which: str, t_min: int = 2) -> dict[str, Any]:
        """Mean over draws of the fitted per-draw growth rates of ``which`` (e.g. 'rnn_laps'),
        with a 95% t-interval; plus the fit of the median curve (nats per step).
        Example: see the class docstring."""
        data = getattr(self, which)
        rates = [fit_growth(c, t_min).rate for c in data]
        mean, lo, hi = mean_ci(rates)
        med = np.median(np.asarray(data, dtype=float), axis=0)
        fit = fit_growth(med, t_min)
        return {"mean_rate": mean, "ci95": [lo, hi], "median_curve_fit": fit.to_json(),
                "draws": len(rates), "log_phi": LOG_PHI, "log_2": LOG_2}

    def to_json(self) -> dict[str, Any]:
        """JSON-able summary: growth rates of every count (no per-draw lists)."""
        out = {"mode": self.mode, "description": self.description, "seed": self.seed,
               "steps": self.steps, "interval": [str(self.interval[0]), str(self.interval[1])],
               "draws": len(self.rnn_laps), "maps_tried": self.tries}
        for key in ("rnn_laps", "ff_laps", "rnn_pieces", "ff_pieces"):
            out[key + "_growth"] = self.rate_summary(key)
        return out


def has_positive_entropy(f, max_iter: int = 6) -> bool:
    """True when positive topological entropy is *proven* (rigorous lower bound > 0).

    A cheap exact pre-test first: a map monotone on its invariant interval has entropy 0.

    >>> has_positive_entropy(PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2]))
    True
    """
    from .entropy import entropy_bounds
    from .invariant import invariant_interval

    g = as_pl(f)
    if g.is_affine or g.num_laps() < 2:
        return False
    inv = invariant_interval(g)
    if inv.exists and (inv.lo == inv.hi or g.num_laps(inv.lo, inv.hi) < 2):
        return False
    return entropy_bounds(g, max_iter).lower > 0


def expressivity_ensemble(n: int, steps: int, seed: int, *, mode: str = "perturbed",
                          base=None, eps: float = 0.1, preset=None, interval=(0, 1),
                          condition: str | None = None, max_tries: int = 100_000,
                          max_pieces: int = DEFAULT_MAX_PIECES) -> EnsembleCounts:
    """Exact lap and piece counts of RNN vs feedforward maps over ``n`` random draws.

    mode ``perturbed``: RNN = ``base`` + N(0, eps^2) noise on every parameter,
    iterated; feedforward = ``steps`` independent perturbations of ``base``
    (default base: the paper's tent network).  mode ``drawn``: RNN = one network
    of ``preset`` iterated; feedforward = ``steps`` independent draws.
    ``condition='positive_entropy'`` keeps only maps with proven positive entropy
    (:func:`has_positive_entropy`, rejection sampling from the same stream; the
    number of maps tried is recorded in ``tries``), for the RNN map and for every
    feedforward layer alike.

    >>> e = expressivity_ensemble(2, 3, seed=1, eps=0.0)
    >>> e.rnn_laps, e.ff_laps
    ([[2, 4, 8], [2, 4, 8]], [[2, 4, 8], [2, 4, 8]])
    """
    from .persistence import check_eps, perturb, tent_network

    steps = check_steps(steps)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError("n", f"must be an integer >= 1, got {n!r}")
    lo, hi = resolve_interval(PiecewiseLinear.identity(), interval)
    if mode == "perturbed":
        base = base if base is not None else tent_network()
        eps = check_eps(eps)
        draw: Callable[[np.random.Generator], Any] = lambda rng: perturb(base, eps, rng)
        desc = f"base perturbed with N(0, {eps}^2) on every parameter"
    elif mode == "drawn":
        from .presets import Preset, build_preset
        if preset is None:
            preset = build_preset("paper_he", 2)
        elif isinstance(preset, str):
            preset = build_preset(preset)
        if not isinstance(preset, Preset):
            raise SpecError("preset", f"expected a Preset or a preset name, got {preset!r}")
        draw = preset.sample
        gain = "" if preset.gain == 1.0 else f", gain {preset.gain:g}"
        desc = f"independent draws of preset {preset.name} (width {preset.width}{gain})"
    else:
        raise SpecError("mode", f"must be 'perturbed' or 'drawn', got {mode!r}")
    if condition not in (None, "positive_entropy"):
        raise SpecError("condition", f"must be None or 'positive_entropy', got {condition!r}")
    out = EnsembleCounts(mode, desc, seed, steps, (lo, hi))
    if condition:
        out.description += ", each map conditioned on proven positive entropy"
    budget = [max_tries]

    def accepted(rng):
        while budget[0] > 0:
            budget[0] -= 1
            out.tries += 1
            m = as_pl(draw(rng))
            if condition is None or has_positive_entropy(m):
                return m
        raise ResourceLimitError(f"condition {condition!r}: no acceptable map within "
                                 f"{max_tries} tries")

    for i in range(n):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
        f = accepted(rng)
        layers = [accepted(rng) for _ in range(steps)]
        r = _counts([f] * steps, lo, hi, "rnn", max_pieces)
        s = _counts(layers, lo, hi, "feedforward", max_pieces)
        out.rnn_pieces.append(r.pieces)
        out.rnn_laps.append(r.laps)
        out.ff_pieces.append(s.pieces)
        out.ff_laps.append(s.laps)
    return out


__all__ = ["RegionCounts", "GrowthFit", "EnsembleCounts", "region_counts", "stack_region_counts",
           "fit_growth", "mean_ci", "expressivity_ensemble", "has_positive_entropy", "resolve_interval", "parse_rational",
           "check_steps", "LOG_PHI", "LOG_2"]
