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

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from flint import fmpq

from ..errors import ResourceLimitError, SpecError
from ..exact.pl import PiecewiseLinear
from ..exact.regions import (
    DEFAULT_MAX_PIECES,
    as_pl,
    check_steps,
    region_and_lap_counts,
    resolve_interval,
)
from ..networks.model import Layer, ScalarRNN
from ..networks.presets import SEEDING_CONTRACT
from .stats import mean_ci

LOG_PHI = math.log((1 + math.sqrt(5)) / 2)
LOG_2 = math.log(2)


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


# ------------------------------------------------------------------ ensembles
@dataclass
class EnsembleCounts:
    """Exact counts for many draws: ``rnn_laps[i][t-1]``, ``ff_laps[i][t-1]`` (and pieces).

    Draw ``i`` takes its maps in order from its own block stream (rows 0, 1, ... of
    blocks 0, 1, ... of ``SeedSequence(seed, spawn_key=(i, block))``, whole-block arrays
    as in :mod:`rnnchaos.networks.presets`): first the RNN map, then the ``steps``
    feedforward layers (rejected maps, under a condition, are skipped in that order).

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
               "draws": len(self.rnn_laps), "maps_tried": self.tries,
               "seeding": "draw i takes its maps in order from rows 0, 1, ... of blocks 0, 1, ... of "
                          "SeedSequence(seed, spawn_key=(i, block)), whole-block arrays",
               "seeding_contract": SEEDING_CONTRACT}
        for key in ("rnn_laps", "ff_laps", "rnn_pieces", "ff_pieces"):
            out[key + "_growth"] = self.rate_summary(key)
        return out


def has_positive_entropy(f, max_iter: int = 6) -> bool:
    """True when positive topological entropy is *proven* (rigorous lower bound > 0).

    A cheap exact pre-test first: a map monotone on its invariant interval has entropy 0.

    >>> has_positive_entropy(PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2]))
    True
    """
    from ..exact.entropy import entropy_bounds
    from ..exact.invariant import invariant_interval

    g = as_pl(f)
    if g.is_affine or g.num_laps() < 2:
        return False
    inv = invariant_interval(g)
    if inv.exists and (inv.lo == inv.hi or g.num_laps(inv.lo, inv.hi) < 2):
        return False
    return entropy_bounds(g, max_iter).lower > 0


def _candidates(targets, make, seed: int, draw: int):
    """The maps draw ``draw`` tries, in order: rows 0, 1, ... of blocks 0, 1, ... of the stream
    ``SeedSequence(seed, spawn_key=(draw, block))`` (the block contract, one stream per draw)."""
    from ..networks.presets import BLOCK_SIZE, draw_block_rows
    for block in itertools.count():
        arrays = draw_block_rows(targets, seed, block, 0, BLOCK_SIZE, stream=(draw,))
        for row in range(BLOCK_SIZE):
            yield make(arrays, row)


def _perturbed_row(base, eps: float):
    """Row r of unit-normal noise arrays -> base + eps * noise."""
    def make(arrays, r):
        return ScalarRNN([Layer(l.weight + eps * arrays[2 * j][r], l.bias + eps * arrays[2 * j + 1][r],
                                l.activation) for j, l in enumerate(base.layers)])
    return make


def _preset_row(preset):
    """Row r of a preset's block arrays -> that network."""
    def make(arrays, r):
        return ScalarRNN([Layer(arrays[2 * j][r], arrays[2 * j + 1][r], lp.activation)
                          for j, lp in enumerate(preset.plan)])
    return make


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
    from ..networks.examples import tent_network
    from .persistence import check_eps, noise_targets

    steps = check_steps(steps)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError("n", f"must be an integer >= 1, got {n!r}")
    lo, hi = resolve_interval(PiecewiseLinear.identity(), interval)
    if mode == "perturbed":
        base = base if base is not None else tent_network()
        eps = check_eps(eps)
        targets, make = noise_targets(base, 1), _perturbed_row(base, eps)
        desc = f"base perturbed with N(0, {eps}^2) on every parameter"
    elif mode == "drawn":
        from ..networks.presets import Preset, build_preset
        if preset is None:
            preset = build_preset("paper_he", 2)
        elif isinstance(preset, str):
            preset = build_preset(preset)
        if not isinstance(preset, Preset):
            raise SpecError("preset", f"expected a Preset or a preset name, got {preset!r}")
        targets, make = preset.draw_targets(), _preset_row(preset)
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

    def accepted(candidates):
        while budget[0] > 0:
            budget[0] -= 1
            out.tries += 1
            m = as_pl(next(candidates))
            if condition is None or has_positive_entropy(m):
                return m
        raise ResourceLimitError(f"condition {condition!r}: no acceptable map within "
                                 f"{max_tries} tries")

    for i in range(n):
        candidates = _candidates(targets, make, seed, i)
        f = accepted(candidates)
        layers = [accepted(candidates) for _ in range(steps)]
        r = region_and_lap_counts([f] * steps, lo, hi, "rnn", max_pieces)
        s = region_and_lap_counts(layers, lo, hi, "feedforward", max_pieces)
        out.rnn_pieces.append(r.pieces)
        out.rnn_laps.append(r.laps)
        out.ff_pieces.append(s.pieces)
        out.ff_laps.append(s.laps)
    return out


__all__ = [
    "GrowthFit",
    "EnsembleCounts",
    "fit_growth",
    "mean_ci",
    "expressivity_ensemble",
    "has_positive_entropy",
    "resolve_interval",
    "check_steps",
    "LOG_PHI",
    "LOG_2",
]
