"""Persistence of chaos under weight noise: RNN (shared weights) vs feedforward (fresh noise per layer).

For a base scalar network (default: the paper's tent family, W1 = [[1],[1]],
b1 = [0, -1/2], W2 = [[2, -4]], b2 = [0], ReLU hidden, identity output) and a
noise standard deviation ``eps``, one *draw* is:

* the RNN: ``f = base + noise`` (every weight and bias gets iid N(0, eps^2)),
  iterated ``T`` times: ``f^T``;
* the feedforward net: ``T`` independent perturbations ``f_1 .. f_T`` of the
  base, composed: ``f_T o ... o f_1``.

Measured exactly per draw: whether the RNN map has a period-3 orbit (over the
whole line, :func:`rnnchaos.exact.periodic.periodic_orbits`, with its Li-Yorke
certificate), rigorous bounds on its topological entropy
(:func:`rnnchaos.exact.entropy.entropy_bounds`), and the numbers of laps / pieces of
``f^T`` and of ``f_T o ... o f_1`` on ``[0, 1]``.  Over ``n`` draws per ``eps``:
proportions with 95% Wilson intervals and means with 95% t-intervals.

Seeding (the block contract of :mod:`rnnchaos.networks.presets`, one stream per
noise level): the standard normal noise of draw ``i`` at noise level ``eps`` is row
``i mod 1024`` of block ``i // 1024``, drawn from
``numpy.random.default_rng(SeedSequence(seed, spawn_key=(round(eps * 10**6), block)))``
as whole-block arrays: the RNN's first, then the ``T`` feedforward layers', each
layer by layer, weight (1024, out, in) then bias (1024, out), C order.  So a draw does
not depend on the grid, and the RNN map of a draw does not depend on ``T``.

The paper's single draw at eps = 0.1, T = 6 (tent: 64 laps; perturbed RNN: 61;
feedforward: 6) is placed within these distributions by :meth:`PersistenceStudy.paper_draw_percentiles`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np

from ..errors import RnnchaosError, SpecError
from ..networks.examples import tent_network
from ..networks.model import Layer, ScalarRNN
from ..networks.presets import SEEDING_CONTRACT

DEFAULT_EPS_GRID = (0.0, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
#: The paper's single draw (docs/notebooks.md): laps at T = 6, eps = 0.1.
PAPER_DRAW = {"eps": 0.1, "steps": 6, "tent": 64, "rnn": 61, "feedforward": 6}


def check_eps(eps: Any, field_name: str = "eps") -> float:
    """A noise standard deviation (finite, >= 0, same units as the weights) or SpecError.

    >>> check_eps(0.1)
    0.1
    """
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating, np.integer)):
        raise SpecError(field_name, f"expected a number, got {eps!r}")
    eps = float(eps)
    if not math.isfinite(eps) or eps < 0:
        raise SpecError(field_name, f"must be finite and >= 0, got {eps!r}")
    return eps


def perturb(net: ScalarRNN, eps: float, rng: np.random.Generator) -> ScalarRNN:
    """``net`` with iid N(0, eps^2) noise added to every weight and bias (eps a std).

    Draw order: layer by layer, weight (C order) then bias; draws are consumed
    even when eps = 0, so eps = 0 returns ``net`` exactly.

    >>> f = perturb(tent_network(), 0.0, np.random.default_rng(0)); f == tent_network()
    True
    """
    eps = check_eps(eps)
    layers = []
    for layer in net.layers:
        w = layer.weight + eps * rng.standard_normal(layer.weight.shape)
        b = layer.bias + eps * rng.standard_normal(layer.bias.shape)
        layers.append(Layer(w, b, layer.activation))
    return ScalarRNN(layers)


def eps_stream(eps: float) -> int:
    """The spawn-key prefix of noise level ``eps``: ``round(eps * 10**6)``."""
    return round(check_eps(eps) * 10**6)


def noise_targets(net: ScalarRNN, copies: int) -> list:
    """Standard normal arrays for ``copies`` perturbations of ``net``: per copy, per layer,
    weight then bias."""
    from ..networks.init import make_scheme
    from ..networks.presets import DrawTarget

    unit = make_scheme("normal", {"std": 1.0})
    targets = []
    for _ in range(copies):
        for layer in net.layers:
            fan_out, fan_in = layer.weight.shape
            targets.append(DrawTarget.of(unit, (fan_out, fan_in), fan_in, fan_out, 1.0))
            targets.append(DrawTarget.of(unit, (fan_out,), fan_in, fan_out, 1.0))
    return targets


def draw_maps(base: ScalarRNN, eps: float, steps: int, seed: int,
              index: int) -> tuple[ScalarRNN, list[ScalarRNN]]:
    """(RNN map, ``steps`` feedforward layers) of draw ``index`` at noise ``eps``: ``base`` plus
    eps times the draw's standard normal noise (see the module docstring).

    >>> f, layers = draw_maps(tent_network(), 0.0, 2, seed=0, index=0)
    >>> f == tent_network() and len(layers) == 2
    True
    """
    from ..networks.presets import draw_rows

    eps = check_eps(eps)
    noise = draw_rows(noise_targets(base, steps + 1), seed, index, 1, stream=(eps_stream(eps),))
    per_copy = 2 * len(base.layers)
    maps = []
    for copy in range(steps + 1):
        arrays = noise[copy * per_copy:(copy + 1) * per_copy]
        maps.append(ScalarRNN([Layer(layer.weight + eps * arrays[2 * j][0],
                                     layer.bias + eps * arrays[2 * j + 1][0], layer.activation)
                               for j, layer in enumerate(base.layers)]))
    return maps[0], maps[1:]


@dataclass
class PersistenceDraw:
    """Exact measurements of one draw (see the module docstring): period 3 of the RNN map
    (with its Li-Yorke certificate), entropy bounds (nats), laps / pieces at t = 1..T.

    >>> persistence_draw(tent_network(), 0.0, 2, seed=0, index=0).rnn_laps
    [2, 4]
    """

    eps: float
    index: int
    rnn_period3: bool
    li_yorke_certificate: str | None
    entropy_lower: float
    entropy_upper: float | None
    rnn_laps: list[int]
    rnn_pieces: list[int]
    ff_laps: list[int]
    ff_pieces: list[int]
    error: str | None = None


def persistence_draw(base: ScalarRNN, eps: float, steps: int, seed: int, index: int, *,
                     interval=(0, 1), entropy_iter: int = 6) -> PersistenceDraw:
    """Measure draw ``index`` at noise ``eps``: RNN period 3, entropy bounds, lap counts.

    >>> d = persistence_draw(tent_network(), 0.0, 3, seed=0, index=0)
    >>> d.rnn_period3, d.rnn_laps, d.ff_laps
    (True, [2, 4, 8], [2, 4, 8])
    """
    from ..exact.entropy import entropy_bounds
    from ..exact.periodic import periodic_orbits
    from ..exact.regions import region_counts, stack_region_counts

    f, layers = draw_maps(base, eps, steps, seed, index)
    rnn = region_counts(f, steps, interval)
    ff = stack_region_counts(layers, interval)
    error = None
    try:
        rep = periodic_orbits(f, 3)
        p3 = rep.period_3
        cert = None if rep.li_yorke_certificate is None else str(rep.li_yorke_certificate)
    except RnnchaosError as exc:  # pragma: no cover - resource limits only
        p3, cert, error = False, None, f"periodic_orbits: {exc}"
    try:
        eb = entropy_bounds(f, entropy_iter)
        lower, upper = eb.lower, eb.upper
    except RnnchaosError as exc:  # pragma: no cover
        lower, upper, error = 0.0, None, f"entropy_bounds: {exc}"
    return PersistenceDraw(eps, index, p3, cert, lower, upper, rnn.laps, rnn.pieces, ff.laps,
                           ff.pieces, error)


@dataclass
class EpsSummary:
    """Statistics over the draws at one noise level: proportions with 95% Wilson intervals,
    means with 95% t-intervals, quartiles (25/50/75%).

    >>> persistence_study(2, eps_grid=[0.0], steps=2).summary(0.0).rnn_laps_quartiles
    (4.0, 4.0, 4.0)
    """

    eps: float
    n: int
    period3_count: int
    period3_p: float
    period3_ci: tuple[float, float]
    positive_entropy_count: int
    positive_entropy_ci: tuple[float, float]
    entropy_lower_mean: float
    entropy_lower_ci: tuple[float, float]
    rnn_laps_mean: float
    rnn_laps_ci: tuple[float, float]
    rnn_laps_quartiles: tuple[float, float, float]
    ff_laps_mean: float
    ff_laps_ci: tuple[float, float]
    ff_laps_quartiles: tuple[float, float, float]
    rnn_full_laps_fraction: float


@dataclass
class PersistenceStudy:
    """All draws of a persistence experiment and their per-eps summaries.

    >>> s = persistence_study(2, eps_grid=[0.0, 0.1], steps=2)
    >>> len(s.at(0.1)), [x.eps for x in s.summaries()], s.paper_draw_percentiles()
    (2, [0.0, 0.1], None)
    """

    seed: int
    steps: int
    n: int
    eps_grid: list[float]
    interval: tuple[str, str]
    base: dict[str, Any]
    draws: list[PersistenceDraw] = field(default_factory=list)

    def at(self, eps: float) -> list[PersistenceDraw]:
        """The draws at noise level ``eps``."""
        return [d for d in self.draws if d.eps == eps]

    def summary(self, eps: float) -> EpsSummary:
        """Proportions (Wilson) and means (t-interval) of the draws at ``eps``."""
        from .stats import mean_ci, wilson_interval

        ds = self.at(eps)
        n = len(ds)
        if n == 0:
            raise SpecError("eps", f"no draws at eps = {eps}")
        p3 = sum(d.rnn_period3 for d in ds)
        pos = sum(d.entropy_lower > 0 for d in ds)
        ent = mean_ci([d.entropy_lower for d in ds])
        rl = [d.rnn_laps[-1] for d in ds]
        fl = [d.ff_laps[-1] for d in ds]
        rm, fm = mean_ci(rl), mean_ci(fl)
        full = 2 ** self.steps
        return EpsSummary(eps, n, p3, p3 / n, wilson_interval(p3, n), pos, wilson_interval(pos, n),
                          ent[0], ent[1:], rm[0], rm[1:], _quartiles(rl), fm[0], fm[1:],
                          _quartiles(fl), sum(v >= full for v in rl) / n)

    def summaries(self) -> list[EpsSummary]:
        """One :class:`EpsSummary` per noise level of the grid, in grid order."""
        return [self.summary(e) for e in self.eps_grid]

    def paper_draw_percentiles(self) -> dict[str, Any] | None:
        """Where the paper's single draw (61 RNN laps, 6 feedforward laps at eps 0.1, T 6) falls:
        the fraction of our draws with at most that many laps.  None unless eps 0.1 and T 6 were run."""
        ds = self.at(PAPER_DRAW["eps"])
        if not ds or self.steps != PAPER_DRAW["steps"]:
            return None
        rl = np.array([d.rnn_laps[-1] for d in ds])
        fl = np.array([d.ff_laps[-1] for d in ds])
        return {"n": len(ds), "rnn_at_most_61": float((rl <= PAPER_DRAW["rnn"]).mean()),
                "ff_at_most_6": float((fl <= PAPER_DRAW["feedforward"]).mean()),
                "rnn_median": float(np.median(rl)), "ff_median": float(np.median(fl)),
                "rnn_range": [int(rl.min()), int(rl.max())],
                "ff_range": [int(fl.min()), int(fl.max())]}

    def to_json(self, draws: bool = False) -> dict[str, Any]:
        """JSON-able dict of the summaries (and every draw when ``draws``)."""
        out = {"seed": self.seed, "steps": self.steps, "n_per_eps": self.n,
               "eps_grid": self.eps_grid, "interval": list(self.interval), "base": self.base,
               "seeding": "noise of draw i at eps: row i mod 1024 of block i // 1024 from "
                          "default_rng(SeedSequence(seed, spawn_key=(round(eps*10**6), block))), "
                          "whole-block arrays: RNN perturbation first, then the T layers, per layer "
                          "weight then bias", "seeding_contract": SEEDING_CONTRACT,
               "summaries": [asdict(s) for s in self.summaries()],
               "paper_draw": PAPER_DRAW, "paper_draw_percentiles": self.paper_draw_percentiles()}
        if draws:
            out["draws"] = [asdict(d) for d in self.draws]
        return out


def _quartiles(v: Sequence[float]) -> tuple[float, float, float]:
    a = np.percentile(np.asarray(v, dtype=float), [25, 50, 75])
    return float(a[0]), float(a[1]), float(a[2])


def persistence_study(n: int, *, eps_grid: Sequence[float] = DEFAULT_EPS_GRID, steps: int = 6,
                      seed: int = 0, base: ScalarRNN | None = None, interval=(0, 1),
                      entropy_iter: int = 6) -> PersistenceStudy:
    """Run ``n`` draws at every noise level of ``eps_grid`` (default base: the tent family).

    >>> s = persistence_study(2, eps_grid=[0.0], steps=3)
    >>> s.summary(0.0).period3_count, s.summary(0.0).rnn_laps_mean
    (2, 8.0)
    """
    from ..exact.regions import check_steps
    from ..networks.presets import check_index

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError("n", f"must be an integer >= 1, got {n!r}")
    steps = check_steps(steps)
    seed = check_index("seed", seed)
    grid = [check_eps(e, "eps_grid") for e in eps_grid]
    if not grid:
        raise SpecError("eps_grid", "name at least one noise level")
    base = base if base is not None else tent_network()
    lo, hi = interval
    study = PersistenceStudy(seed, steps, n, grid, (str(lo), str(hi)), base.to_dict())
    for eps in grid:
        for i in range(n):
            study.draws.append(persistence_draw(base, eps, steps, seed, i, interval=interval,
                                                entropy_iter=entropy_iter))
    return study


__all__ = ["tent_network", "perturb", "check_eps", "draw_maps", "eps_stream", "persistence_draw",
           "persistence_study", "PersistenceDraw", "PersistenceStudy", "EpsSummary",
           "DEFAULT_EPS_GRID", "PAPER_DRAW"]
