"""Report section for scalar maps: scrambling, persistence, expressivity, Lipschitz.

:func:`report_section` runs the experiments (many random draws, exact or
certified arithmetic), writes ``scrambling.png``, ``persistence.png``,
``expressivity.png``, ``lipschitz.png`` and ``scalar_results.json`` into
``out_dir`` and returns an HTML fragment.  Plots are drawn in floating point
from exact or certified numbers; any floating-point *computation* shown (the
float orbits) is labelled as such.

Seeds: experiment ``name`` uses the integer seed
``SeedSequence(seed, spawn_key=(SECTION_KEY, k)).generate_state(1)[0]`` (k its
index in :data:`EXPERIMENTS`); the seeds are recorded in the JSON.
"""
from __future__ import annotations

import html
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SpecError
from .plotting import pyplot

SECTION_KEY = 0x5CA1A7
EXPERIMENTS = ("scrambling", "persistence", "expressivity", "lipschitz")


@dataclass(frozen=True)
class ScalarPlan:
    """Sizes of the scalar-map experiments (numbers of draws, pairs, steps).

    >>> QUICK.persistence_n < FULL.persistence_n
    True
    """

    distance_long_steps: int
    scramble_networks: int
    scramble_pairs: int
    scramble_steps: int
    persistence_n: int
    persistence_eps: tuple[float, ...]
    expressivity_n: int
    expressivity_steps: int
    expressivity_drawn_n: int
    expressivity_drawn_steps: int
    lipschitz_orbits: int
    lipschitz_steps: int
    lipschitz_networks: int


QUICK = ScalarPlan(distance_long_steps=2000, scramble_networks=5, scramble_pairs=6,
                   scramble_steps=400, persistence_n=60,
                   persistence_eps=(0.0, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5),
                   expressivity_n=30, expressivity_steps=10, expressivity_drawn_n=16,
                   expressivity_drawn_steps=8, lipschitz_orbits=100,
                   lipschitz_steps=200, lipschitz_networks=150)
FULL = ScalarPlan(distance_long_steps=10000, scramble_networks=20, scramble_pairs=20,
                  scramble_steps=2000, persistence_n=1000,
                  persistence_eps=(0.0, 0.0125, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3,
                                   0.4, 0.5),
                  expressivity_n=300, expressivity_steps=12, expressivity_drawn_n=150,
                  expressivity_drawn_steps=10, lipschitz_orbits=1000,
                  lipschitz_steps=1000, lipschitz_networks=1000)


def sub_seed(seed: int, name: str) -> int:
    """The integer seed of experiment ``name`` (see the module docstring).

    >>> sub_seed(1, "persistence") == sub_seed(1, "persistence") != sub_seed(1, "lipschitz")
    True
    """
    k = EXPERIMENTS.index(name)
    return int(np.random.SeedSequence(seed, spawn_key=(SECTION_KEY, k)).generate_state(1)[0])


def _fl(x) -> float:
    from ..exact.pl import q, to_fraction
    return float(to_fraction(q(x)))


# ------------------------------------------------------------------ scrambling
MIN_WIDTH = 0.05  # invariant intervals narrower than this are skipped for pair statistics


def _width(iv) -> float:
    return _fl(iv[1]) - _fl(iv[0])


def _network_groups(plan: ScalarPlan, seed: int):
    """Chaotic (proven positive entropy) and non-chaotic (proven zero entropy) random networks.

    Chaotic: the tent family with noise 0.1 (draws whose entropy lower bound is > 0).
    Non-chaotic: paper_he width-2 draws whose entropy upper bound is 0.  Both need
    an invariant interval of width >= MIN_WIDTH (pairs are drawn in it).
    """
    from ..exact.entropy import entropy_bounds
    from ..networks.examples import tent_network
    from ..networks.presets import build_preset, sample_preset
    from ..studies.persistence import draw_maps

    chaotic, calm = [], []
    i = 0
    while len(chaotic) < plan.scramble_networks and i < 50 * plan.scramble_networks:
        f = draw_maps(tent_network(), 0.1, 0, seed, i)[0]
        eb = entropy_bounds(f, 6)
        if eb.lower > 0 and eb.interval is not None and _width(eb.interval) >= MIN_WIDTH:
            chaotic.append((f"tent+N(0,0.1^2) #{i}", f, eb))
        i += 1
    preset = build_preset("paper_he", 2)
    i = 0
    while len(calm) < plan.scramble_networks and i < 200 * plan.scramble_networks:
        f = sample_preset(preset, seed, i)
        eb = entropy_bounds(f, 6)
        if eb.upper == 0.0 and eb.interval is not None and _width(eb.interval) >= MIN_WIDTH:
            calm.append((f"paper_he w2 #{i}", f, eb))
        i += 1
    return chaotic, calm


def _run_scrambling(plan: ScalarPlan, seed: int) -> dict[str, Any]:
    from ..exact.orbits import ball_orbit, certified_distances
    from ..networks.examples import distance_figure_map
    from ..studies.scrambling import (
        distance_figure,
        float_collapse_example,
        scrambling_statistics,
    )

    fig = distance_figure(150)
    f = distance_figure_map()
    T = plan.distance_long_steps
    ox = ball_orbit(f, "0.175421", T)
    oy = ball_orbit(f, "0.1754211", T)
    dlo, dhi = certified_distances(ox, oy)
    collapse = float_collapse_example()
    chaotic, calm = _network_groups(plan, seed)
    groups = {}
    for name, nets in (("chaotic", chaotic), ("non-chaotic", calm)):
        stats = []
        for j, (label, net, eb) in enumerate(nets):
            st = scrambling_statistics(net, plan.scramble_pairs, plan.scramble_steps, seed + j,
                                       interval=eb.interval, alpha=1e-2, beta=0.1, label=label)
            stats.append(st)
        groups[name] = stats
    return {"distance": fig, "long": {"steps": T, "d_lo": dlo.tolist(), "d_hi": dhi.tolist(),
                                      "prec": [ox.prec, oy.prec],
                                      "within_tol": ox.within_tol and oy.within_tol},
            "collapse": collapse, "groups": groups}


def _plot_scrambling(res: dict[str, Any], path: Path) -> None:
    plt = pyplot()
    fig, axs = plt.subplots(2, 2, figsize=(12, 8))
    d = res["distance"]
    t = np.arange(len(d["d_lo"]))
    ax = axs[0, 0]
    ax.fill_between(t, np.maximum(d["d_lo"], 1e-300), d["d_hi"], color="C0", alpha=0.4)
    ax.semilogy(t, np.maximum(d["d_hi"], 1e-300), color="C0", lw=1,
                label="certified |f^t x0 - f^t y0| (ball arithmetic)")
    ax.semilogy(t, np.maximum(d["float_distance"], 1e-300), "C3--", lw=1,
                label="float64 (NOT certified)")
    ax.set_ylim(1e-9, 2)
    ax.set_title("paper's distance map, x0 = 0.175421, y0 = x0 + 1e-7")
    ax.set_xlabel("t")
    ax.legend(fontsize=8)
    lg = res["long"]
    ax = axs[0, 1]
    tl = np.arange(len(lg["d_hi"]))
    ax.semilogy(tl, np.maximum(lg["d_hi"], 1e-300), ",", color="C0")
    ax.set_ylim(1e-9, 2)
    ax.set_title(f"same pair, {lg['steps']} steps (certified, precision {max(lg['prec'])} bits)")
    ax.set_xlabel("t")
    ax = axs[1, 0]
    c = res["collapse"]
    ax.plot(c["exact_orbit"], "C0.-", lw=0.8, ms=3, label="exact rational orbit")
    ax.plot(c["float_orbit"], "C3x--", lw=0.8, ms=3, label="float64 orbit (NOT certified)")
    ax.axvline(c["float_zero_step"], color="C3", ls=":")
    ax.set_title(f"WARNING: slope-2 tent map in float64 collapses to 0 at t = {c['float_zero_step']}")
    ax.set_xlabel("t")
    ax.legend(fontsize=8)
    ax = axs[1, 1]
    floor = 1e-18
    for color, marker, name in (("C2", "o", "chaotic"), ("C1", "s", "non-chaotic")):
        st = res["groups"][name]
        xs, ys = [], []
        for s in st:
            w = s.interval[1] - s.interval[0]
            xs += [max(r[-1] / w, floor) for r in s.min_hi]
            ys += [max(r[-1] / w, floor) for r in s.max_lo]
        if xs:
            a, b = st[0].windows[-1]
            ax.scatter(xs, ys, s=14, color=color, marker=marker, alpha=0.7,
                       label=f"{name}: {len(st)} networks x {len(st[0].min_hi)} pairs")
    ax.axvspan(floor / 2, 1e-2, ymin=0, ymax=1, color="C2", alpha=0.05)
    ax.axhline(0.1, color="k", lw=0.5, ls="--")
    ax.axvline(1e-2, color="k", lw=0.5, ls="--")
    ax.text(2 * floor, 0.2, "scrambled: min < 1e-2, max > 0.1", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor / 2, 10)
    ax.set_ylim(floor / 2, 10)
    ax.set_xlabel("certified upper bound of min distance in the last window / width")
    ax.set_ylabel("certified lower bound of max distance / width")
    ax.set_title(f"random pairs at distance 1e-7 x width (values <= {floor:g}, incl. 0, "
                 "at the floor)", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ------------------------------------------------------------------ persistence
def _run_persistence(plan: ScalarPlan, seed: int):
    from ..studies.persistence import persistence_study
    return persistence_study(plan.persistence_n, eps_grid=plan.persistence_eps, steps=6,
                             seed=seed, entropy_iter=6)


def _plot_persistence(study, path: Path) -> None:
    from ..studies.persistence import PAPER_DRAW
    plt = pyplot()
    sums = study.summaries()
    eps = [s.eps for s in sums]
    fig, axs = plt.subplots(2, 2, figsize=(12, 8))
    ax = axs[0, 0]
    p = [s.period3_p for s in sums]
    ax.plot(eps, p, "C0o-", label="RNN has period 3 (exact)")
    ax.fill_between(eps, [s.period3_ci[0] for s in sums], [s.period3_ci[1] for s in sums],
                    color="C0", alpha=0.2)
    pe = [s.positive_entropy_count / s.n for s in sums]
    ax.plot(eps, pe, "C2s-", label="RNN entropy proven > 0")
    ax.fill_between(eps, [s.positive_entropy_ci[0] for s in sums],
                    [s.positive_entropy_ci[1] for s in sums], color="C2", alpha=0.2)
    ax.set_xlabel("noise std eps")
    ax.set_ylabel(f"fraction of {study.n} draws (95% Wilson)")
    ax.set_title("persistence of chaos, tent family + noise")
    ax.legend(fontsize=8)
    ax = axs[0, 1]
    for key, color, label in (("rnn", "C0", "RNN f^6 (shared weights)"),
                              ("ff", "C3", "feedforward, 6 independent layers")):
        m = [getattr(s, f"{key}_laps_mean") for s in sums]
        lo = [getattr(s, f"{key}_laps_ci")[0] for s in sums]
        hi = [getattr(s, f"{key}_laps_ci")[1] for s in sums]
        ax.plot(eps, m, "o-", color=color, label=label + " (mean, 95% CI)")
        ax.fill_between(eps, lo, hi, color=color, alpha=0.2)
        ax.plot(eps, [getattr(s, f"{key}_laps_quartiles")[1] for s in sums], ":", color=color,
                label=label + " (median)")
    ax.axhline(64, color="k", lw=0.5, ls="--", label="tent: 2^6 = 64")
    ax.set_xlabel("noise std eps")
    ax.set_ylabel("laps on [0, 1] after T = 6 (exact)")
    ax.legend(fontsize=7)
    ax = axs[1, 0]
    ax.plot(eps, [s.entropy_lower_mean for s in sums], "C2o-", label="mean entropy lower bound")
    ax.fill_between(eps, [s.entropy_lower_ci[0] for s in sums],
                    [s.entropy_lower_ci[1] for s in sums], color="C2", alpha=0.2)
    ax.axhline(math.log(2), color="k", lw=0.5, ls="--", label="log 2 (tent)")
    ax.axhline(math.log((1 + 5 ** 0.5) / 2), color="k", lw=0.5, ls=":", label="log phi (period 3)")
    ax.set_xlabel("noise std eps")
    ax.set_ylabel("nats / iteration")
    ax.legend(fontsize=8)
    ax = axs[1, 1]
    ds = study.at(PAPER_DRAW["eps"])
    if ds:
        bins = np.arange(0, 66, 2)
        ax.hist([d.rnn_laps[-1] for d in ds], bins=bins, alpha=0.6, color="C0", label="RNN")
        ax.hist([d.ff_laps[-1] for d in ds], bins=bins, alpha=0.6, color="C3", label="feedforward")
        for v, lab, c in ((64, "tent 64", "k"), (61, "paper RNN draw 61", "C0"),
                          (6, "paper FF draw 6", "C3")):
            ax.axvline(v, color=c, ls="--", lw=1)
            ax.text(v, ax.get_ylim()[1] * 0.45, lab, rotation=90, fontsize=7, ha="right")
        ax.set_title(f"eps = 0.1, T = 6: {len(ds)} draws; the paper's figure is one of them",
                     fontsize=9)
        ax.set_xlabel("laps on [0, 1]")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ------------------------------------------------------------------ expressivity
def _run_expressivity(plan: ScalarPlan, seed: int):
    from ..networks.presets import build_preset
    from ..studies.expressivity import expressivity_ensemble
    pert = expressivity_ensemble(plan.expressivity_n, plan.expressivity_steps, seed,
                                 mode="perturbed", eps=0.1, interval=(0, 1))
    drawn = expressivity_ensemble(plan.expressivity_drawn_n, plan.expressivity_drawn_steps,
                                  seed + 1, mode="drawn",
                                  preset=build_preset("paper_he", 4, gain=2.0),
                                  interval=(-2, 2), condition="positive_entropy")
    return {"perturbed": pert, "drawn": drawn}


def _plot_expressivity(res, path: Path) -> None:
    plt = pyplot()
    fig, axs = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, key in zip(axs, ("perturbed", "drawn")):
        e = res[key]
        t = np.arange(1, e.steps + 1)
        for which, color, label in (("rnn_laps", "C0", "RNN f^t"),
                                    ("ff_laps", "C3", "feedforward f_t o ... o f_1")):
            arr = np.asarray(getattr(e, which), dtype=float)
            q = np.percentile(arr, [25, 50, 75], axis=0)
            rs = e.rate_summary(which)
            ax.semilogy(t, q[1], "o-", color=color,
                        label=f"{label}: median; rate {rs['mean_rate']:.3f} "
                              f"[{rs['ci95'][0]:.3f}, {rs['ci95'][1]:.3f}]")
            ax.fill_between(t, q[0], q[2], color=color, alpha=0.2)
        ax.semilogy(t, 2.0 ** t, "k--", lw=0.8, label="2^t (rate 0.693)")
        ax.semilogy(t, ((1 + 5 ** 0.5) / 2) ** t, "k:", lw=0.8, label="phi^t (rate 0.481)")
        lo, hi = e.interval
        import textwrap
        ax.set_title("\n".join(textwrap.wrap(e.description, 70))
                     + f"\nexact laps on [{_fl(lo):g}, {_fl(hi):g}], {len(e.rnn_laps)} draws "
                       "(IQR band)", fontsize=8)
        ax.set_xlabel("t (steps / layers)")
        ax.set_ylabel("laps (exact count)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ------------------------------------------------------------------ Lipschitz
def _run_lipschitz(plan: ScalarPlan, seed: int) -> dict[str, Any]:
    from ..exact.entropy import entropy_bounds
    from ..exact.lyapunov import lipschitz_constant
    from ..exact.pl import PiecewiseLinear
    from ..networks.examples import lipschitz_example
    from ..networks.presets import build_preset, sample_preset
    from ..studies.lipschitz import lipschitz_study

    study = lipschitz_study(plan.lipschitz_orbits, plan.lipschitz_steps, seed)
    g = PiecewiseLinear.from_network(lipschitz_example())
    curves = {}
    gn = g
    for n in range(1, 9):
        if n > 1:
            gn = g.compose(gn)
        if n in (1, 2, 4, 8):  # exact vertices of g^n on [0, 1], plotted in float
            pts = [0] + [x for x in gn.xs if 0 < x < 1] + [1]
            curves[n] = ([_fl(x) for x in pts], [_fl(gn(x)) for x in pts])
    gains = (1.0, 2.0, 3.0)
    presets = [build_preset("paper_he", 8, gain=g) for g in gains]
    nets = []
    for i in range(plan.lipschitz_networks):
        f = PiecewiseLinear.from_network(sample_preset(presets[i % len(gains)], seed, i))
        eb = entropy_bounds(f, 6)
        iv = eb.interval
        if iv is None or iv[0] == iv[1]:
            lip = lipschitz_constant(f)
        else:
            lip = lipschitz_constant(f, iv)
        nets.append({"index": i, "gain": gains[i % len(gains)], "lipschitz": _fl(lip),
                     "lower": eb.lower, "upper": eb.upper})
    return {"study": study, "curves": curves, "networks": nets,
            "network_preset": "paper_he width 8, gains 1/2/3 (network i has gain "
                              "(1, 2, 3)[i % 3])"}


def _plot_lipschitz(res, path: Path) -> None:
    plt = pyplot()
    fig, axs = plt.subplots(1, 3, figsize=(15, 4.3))
    ax = axs[0]
    for n, (x, y) in res["curves"].items():
        ax.plot(x, y, label=f"f^{n}")
    ax.plot([0, 1], [0, 1], "k:", lw=0.5)
    s = res["study"]
    ax.set_title(f"Lipschitz example: Lipschitz constant {s['lipschitz_constant_float']:.4g}\n"
                 f"periods <= {s['max_period']}: {s['periods']}; entropy in "
                 f"[{s['entropy_lower']}, {s['entropy_upper']}]", fontsize=9)
    ax.set_xlabel("x (exact PL vertices, plotted in float)")
    ax.legend(fontsize=8)
    ax = axs[1]
    ups = [u for u in s["lyapunov_upper"] if math.isfinite(u)]
    ax.hist(ups, bins=30, color="C0")
    ax.axvline(math.log(0.8), color="k", ls="--", label="log 0.8 (slope at the fixed point 0)")
    ax.set_title(f"Lyapunov exponents of {len(s['lyapunov_upper'])} exact orbits "
                 f"({s['steps']} steps)\nlargest rigorous upper bound "
                 f"{max(s['lyapunov_upper']):.3f}", fontsize=9)
    ax.set_xlabel("nats / iteration (rigorous upper bounds)")
    ax.legend(fontsize=8)
    ax = axs[2]
    nets = res["networks"]
    lip = [n["lipschitz"] for n in nets]
    pos = [n["lower"] > 0 for n in nets]
    zero = [n["upper"] == 0.0 for n in nets]
    ax.scatter([l for l, p in zip(lip, pos) if p], [n["lower"] for n, p in zip(nets, pos) if p],
               color="C3", s=12, label="entropy proven > 0 (lower bound)")
    ax.scatter([l for l, z in zip(lip, zero) if z], [0] * sum(zero), color="C0", s=12,
               label="entropy proven = 0")
    other = [not p and not z for p, z in zip(pos, zero)]
    ax.scatter([l for l, o in zip(lip, other) if o],
               [n["upper"] if n["upper"] is not None else 0 for n, o in zip(nets, other) if o],
               color="C7", s=12, marker="x", label="undecided (upper bound shown)")
    ax.set_xscale("log")
    ax.set_xlabel("exact Lipschitz constant on the invariant interval")
    ax.set_ylabel("entropy bound (nats)")
    ax.set_title(f"{len(nets)} random paper_he width-8 networks (gains 1, 2, 3)\n"
                 "Lipschitz constant vs rigorous entropy bounds", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ------------------------------------------------------------------ HTML
def _persistence_table(study) -> str:
    rows = ["<table><tr><th>eps</th><th>n</th><th>P(period 3) [95% CI]</th>"
            "<th>P(entropy &gt; 0 proven)</th><th>mean entropy lower bound</th>"
            "<th>RNN laps T=6: mean [CI]; quartiles</th>"
            "<th>feedforward laps T=6: mean [CI]; quartiles</th></tr>"]
    for s in study.summaries():
        rows.append(
            f"<tr><td>{s.eps:g}</td><td>{s.n}</td>"
            f"<td>{s.period3_p:.3f} [{s.period3_ci[0]:.3f}, {s.period3_ci[1]:.3f}]</td>"
            f"<td>{s.positive_entropy_count / s.n:.3f} [{s.positive_entropy_ci[0]:.3f}, "
            f"{s.positive_entropy_ci[1]:.3f}]</td>"
            f"<td>{s.entropy_lower_mean:.4f} [{s.entropy_lower_ci[0]:.4f}, {s.entropy_lower_ci[1]:.4f}]</td>"
            f"<td>{s.rnn_laps_mean:.1f} [{s.rnn_laps_ci[0]:.1f}, {s.rnn_laps_ci[1]:.1f}]; "
            f"{'/'.join(f'{v:g}' for v in s.rnn_laps_quartiles)}</td>"
            f"<td>{s.ff_laps_mean:.1f} [{s.ff_laps_ci[0]:.1f}, {s.ff_laps_ci[1]:.1f}]; "
            f"{'/'.join(f'{v:g}' for v in s.ff_laps_quartiles)}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _scramble_table(groups) -> str:
    rows = ["<table><tr><th>group</th><th>network</th><th>pairs</th>"
            + "<th>window</th><th>scrambled (min &lt; 1% and max &gt; 10% of width) [95% CI]</th></tr>"]
    for name, stats in groups.items():
        for st in stats:
            for sc in st.scrambled():
                rows.append(f"<tr><td>{name}</td><td>{html.escape(st.label)}</td><td>{sc['n']}</td>"
                            f"<td>{sc['window'][0]}..{sc['window'][1] - 1}</td><td>{sc['p']:.2f} "
                            f"[{sc['ci95'][0]:.2f}, {sc['ci95'][1]:.2f}]</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def report_section(out_dir: Path, mode: str, seed: int) -> str:
    """Run the scalar-map experiments, write their PNGs into ``out_dir``, return an HTML fragment.

    ``mode``: ``quick`` (well under 90 s on 2 cores) or ``full``.  Writes
    ``scrambling.png``, ``persistence.png``, ``expressivity.png``,
    ``lipschitz.png`` and ``scalar_results.json``.

    >>> # html = report_section(Path("report"), "quick", 2022)
    """
    from .._lib.atomic import atomic_write_bytes

    if mode not in ("quick", "full"):
        raise SpecError("mode", f"must be 'quick' or 'full', got {mode!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError("seed", f"must be an integer >= 0, got {seed!r}")
    plan = QUICK if mode == "quick" else FULL
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds = {name: sub_seed(seed, name) for name in EXPERIMENTS}
    timings = {}

    computed = {}
    for name, run, plot in (("scrambling", _run_scrambling, _plot_scrambling),
                            ("persistence", _run_persistence, _plot_persistence),
                            ("expressivity", _run_expressivity, _plot_expressivity),
                            ("lipschitz", _run_lipschitz, _plot_lipschitz)):
        t0 = time.monotonic()
        computed[name] = run(plan, seeds[name])
        plot(computed[name], out_dir / f"{name}.png")
        timings[name] = time.monotonic() - t0
    scr, pers, expr, lip = (computed[k] for k in ("scrambling", "persistence", "expressivity",
                                                  "lipschitz"))

    pp = pers.paper_draw_percentiles()
    coll = scr["collapse"]
    dist = scr["distance"]
    results = {
        "mode": mode, "seed": seed, "seeds": seeds, "plan": plan.__dict__, "timings_s": timings,
        "scrambling": {"distance_ball_contains_exact": dist["ball_contains_exact"],
                       "distance_prec": dist["prec"], "long_prec": scr["long"]["prec"],
                       "float_collapse_step": coll["float_zero_step"],
                       "groups": {k: [s.to_json() for s in v] for k, v in scr["groups"].items()}},
        "persistence": pers.to_json(),
        "expressivity": {k: v.to_json() for k, v in expr.items()},
        "lipschitz": {k: v for k, v in lip["study"].items() if k != "x0"},
        "lipschitz_networks": lip["networks"],
    }
    atomic_write_bytes(out_dir / "scalar_results.json", json.dumps(results, indent=1).encode())

    ex_rows = []
    for key, e in expr.items():
        for which in ("rnn_laps", "ff_laps", "rnn_pieces", "ff_pieces"):
            rs = e.rate_summary(which)
            ex_rows.append(f"<tr><td>{html.escape(e.description)}</td><td>{which}</td>"
                           f"<td>{rs['mean_rate']:.4f} [{rs['ci95'][0]:.4f}, {rs['ci95'][1]:.4f}]</td>"
                           f"<td>{math.exp(rs['mean_rate']):.3f}</td></tr>")
    nets = lip["networks"]
    big = [n for n in nets if n["lipschitz"] > 2]
    big_zero = sum(n["upper"] == 0.0 for n in big)
    big_pos = sum(n["lower"] > 0 for n in big)
    ls = lip["study"]
    chaotic_n = len(scr["groups"]["chaotic"])
    calm_n = len(scr["groups"]["non-chaotic"])
    pp_text = ("" if pp is None else
               f"<p>The paper's single draw (64 / about 61 / about 6 laps) is one sample of these "
               f"distributions: of our {pp['n']} draws at eps = 0.1, {100 * pp['rnn_at_most_61']:.0f}% "
               f"of RNNs have at most 61 laps (median {pp['rnn_median']:g}, range "
               f"{pp['rnn_range'][0]}..{pp['rnn_range'][1]}) and {100 * pp['ff_at_most_6']:.0f}% of "
               f"feedforward nets at most 6 (median {pp['ff_median']:g}, range "
               f"{pp['ff_range'][0]}..{pp['ff_range'][1]}). Laps are counted exactly on [0, 1]; the "
               "notebook counted oscillations on a grid of 12,587 points.</p>")
    return f"""
<h2>Beyond periods: scrambling, persistence, expressivity, Lipschitz (scalar maps)</h2>
<p>Mode <b>{mode}</b>, root seed {seed} (experiment seeds {seeds}). Entropy bounds, lap counts
and periods are exact or certified (rational arithmetic, ball arithmetic with outward rounding);
floating point is used for plotting and for the labelled float orbits only.
Times: {', '.join(f'{k} {v:.1f} s' for k, v in timings.items())}.</p>

<h3>Scrambling</h3>
<img src="scrambling.png" alt="scrambling figure">
<p>Top left: the paper's distance figure, certified. Orbits are computed in ball arithmetic whose
precision is raised until every radius is below 1e-9 ({dist['prec'][0]} bits for 150 steps;
{max(scr['long']['prec'])} bits for {scr['long']['steps']} steps) and checked to contain the
exact rational orbits: {dist['ball_contains_exact']}. The float64 curve (dashed) leaves the true
one after about 40 steps.</p>
<p><b>Warning example</b> (bottom left): the slope-2 tent map in float64 sends x0 = 0.175421 to
exactly 0 at step {coll['float_zero_step']} and keeps it there, while the exact orbit of
175421/10^6 never reaches 0 (its minimum over {coll['steps']} steps is {coll['exact_min']:.4g}).
Every double is a dyadic rational and the tent map maps dyadics to 0: floating point cannot show
this map's chaos.</p>
<p>Bottom right: {chaotic_n} chaotic networks (tent family + N(0, 0.1^2), entropy proven &gt; 0)
and {calm_n} non-chaotic ones (paper_he width 2, entropy proven 0), each with
{plan.scramble_pairs} random pairs at distance 1e-7 times the width of the invariant interval,
{plan.scramble_steps} steps: certified smallest and largest distance in the last time window.
Chaotic pairs separate to order 1 and come back close again (scrambling); non-chaotic pairs only
contract. A chaotic network can still show unscrambled pairs: positive entropy lives on an
invariant set that may have Lebesgue measure zero (a Cantor repeller). Typical points may instead
converge to an attracting periodic orbit (the two points of a pair then run around the same cycle,
in phase or at a fixed offset, so their distance neither grows nor shrinks) or fall onto a
plateau together. Li-Yorke chaos promises an uncountable scrambled set, not that most pairs are
scrambled. Per window (table): the fraction of pairs that are certified scrambled in that
window.</p>
{_scramble_table(scr['groups'])}

<h3>Persistence of chaos</h3>
<img src="persistence.png" alt="persistence figure">
<p>Tent family T(x) = 2 relu(x) - 4 relu(x - 1/2) with iid N(0, eps^2) noise on all 7
parameters, {pers.n} draws per eps. RNN: one perturbed map iterated 6 times (period 3 decided
exactly over the whole line; entropy bounds rigorous, n &lt;= 6). Feedforward: 6 independently
perturbed layers.</p>
{_persistence_table(pers)}
{pp_text}

<h3>Expressivity</h3>
<img src="expressivity.png" alt="expressivity figure">
<p>Exact numbers of laps and linear pieces of the t-step map. Left: the tent family with noise
0.1 ({expr['perturbed'].steps} steps). Right: paper_he width 4 at gain 2, where every map (the RNN's
and each feedforward layer) is conditioned on proven positive entropy by rejection sampling
({expr['drawn'].tries} maps tried for {len(expr['drawn'].rnn_laps)} draws): the RNN keeps
exponential growth, the stack of independent chaotic layers does not.
Growth rates (natural log per step) are least-squares fits of log(count) on t (t &gt;= 2) per draw,
averaged over draws with a 95% t-interval (floating-point statistics of exact counts); compare
log phi = 0.4812 and log 2 = 0.6931.</p>
<table><tr><th>ensemble</th><th>count</th><th>mean rate [95% CI]</th><th>factor per step</th></tr>
{''.join(ex_rows)}</table>

<h3>A large Lipschitz constant is not chaos</h3>
<img src="lipschitz.png" alt="Lipschitz figure">
<p>The paper's Lipschitz example has exact Lipschitz constant {ls['lipschitz_constant']}
(= {ls['lipschitz_constant_float']:.6g}), yet its only periods up to {ls['max_period']} are
{ls['periods']}, its entropy is in [{ls['entropy_lower']}, {ls['entropy_upper']}], and the
Lyapunov exponents of {len(ls['lyapunov_upper'])} exact orbits from random rational starts are all
at most {max(ls['lyapunov_upper']):.4f} (rigorous upper bounds; the orbits contract to 0, where
the slope is 0.8). Right: {len(nets)} random {lip['network_preset']} networks; of the
{len(big)} with Lipschitz constant &gt; 2 on their invariant interval, {big_zero} have entropy
proven to be 0 and {big_pos} proven positive.</p>
"""


__all__ = ["report_section", "ScalarPlan", "QUICK", "FULL", "sub_seed"]
