"""The report section of the Jacobian threshold experiment and the lambda_max sweep.
"""
from __future__ import annotations

import html
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._lib.atomic import atomic_write_bytes
from ..dynamics.meanfield import mean_field_critical_gain
from ..errors import SpecError
from ..networks.vector import VECTOR_BLOCK_SIZE
from ..studies.jacobian import (
    PAPER_STDS,
    PUBLISHED,
    ThresholdResult,
    lambda_max_sweep,
    threshold_experiment,
)
from .plotting import pyplot


# ---------------------------------------------------------------- report
@dataclass(frozen=True)
class _Plan:
    n: int
    stds: tuple[float, ...]
    attractor_steps: int
    lyap_steps: int
    sweep_preset: str
    sweep_dims: tuple[int, ...]
    sweep_gains: tuple[float, ...]
    sweep_n: int
    sweep_steps: int
    sweep_transient: int


_QUICK = _Plan(200, PAPER_STDS, 200, 300, "rnn_tanh", (16, 64, 256),
               (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0), 100, 300, 200)
_FULL = _Plan(1000, PAPER_STDS, 500, 2000, "rnn_tanh", (16, 32, 64, 128, 256, 512, 1024),
              (0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25, 1.5, 2.0), 200, 1000, 500)


def _pct(f: dict[str, Any]) -> str:
    return (f"{100 * f['p']:.1f}% <span class='ci'>[{100 * f['ci_low']:.1f}, "
            f"{100 * f['ci_high']:.1f}]</span>")


def _threshold_figure(res: ThresholdResult, path: Path) -> None:
    plt = pyplot()
    s = np.array([r["std"] for r in res.rows])
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    series = [("rho_input", "spectral radius > 1 at input", "C0", "-"),
              ("norm_input", "spectral norm > 1 at input", "C1", "-"),
              ("rho_attractor", "spectral radius > 1 on attractor", "C0", "--"),
              ("norm_attractor", "spectral norm > 1 on attractor", "C1", "--"),
              ("lambda_max_positive", "lambda_max > 0 (QR spectrum)", "C3", "-")]
    for key, label, color, ls in series:
        p = np.array([r[key]["p"] for r in res.rows])
        lo = np.array([r[key]["ci_low"] for r in res.rows])
        hi = np.array([r[key]["ci_high"] for r in res.rows])
        ax.plot(s, p, ls, color=color, marker="o", ms=3, label=label)
        ax.fill_between(s, lo, hi, color=color, alpha=0.15)
    pub = sorted(PUBLISHED.items())
    ax.plot([a for a, _ in pub], [b / 100 for _, b in pub], "k*", ms=9,
            label="published (spectral radius at input)")
    ax.axvline(res.critical_std, color="gray", ls=":", label=f"mean field s_c = {res.critical_std:.4f}")
    ax.set_xlabel("weight std")
    ax.set_ylabel(f"fraction of {res.n} maps")
    ax.set_title(f"{res.dim}-d maps W2 relu(W1 h): Jacobian threshold and lambda_max")
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _sweep_figure(rows: list[dict[str, Any]], path: Path, preset: str) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    dims = sorted({r["dim"] for r in rows})
    for i, d in enumerate(dims):
        rs = sorted((r for r in rows if r["dim"] == d), key=lambda r: r["gain"])
        g = np.array([r["gain"] for r in rs])
        p = np.array([r["p"] for r in rs])
        err = np.maximum(0.0, [[r["p"] - r["ci_low"] for r in rs], [r["ci_high"] - r["p"] for r in rs]])
        ax.errorbar(g, p, yerr=err, marker="o", ms=3, capsize=2, label=f"d = {d}", color=f"C{i}")
    crit = mean_field_critical_gain(preset)
    if crit is not None:
        ax.axvline(crit, color="gray", ls=":", label=f"mean field g_c = {crit:g}")
    ax.set_xlabel("gain g")
    ax.set_ylabel("P(lambda_max > 0)")
    ax.set_title(f"preset {preset}: P(lambda_max > 0) vs gain and dimension (95% Wilson CIs)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report_section(out_dir: Path, mode: str, seed: int, workers=None) -> str:
    """Run the threshold experiment and the lambda_max sweep; write PNGs; return an HTML fragment.

    ``mode="quick"`` (200 maps per std; sweep d = 16, 64, 256 with 100 maps
    per cell; about 15 s on 2 cores) or ``"full"`` (the paper's 1,000 maps per
    std; sweep d = 16 .. 1024 with 200 maps per cell over all cores, about an
    hour on 2 cores, resumable under ``out_dir/sweeps/lambda_max_full``).
    Writes ``out_dir/jacobian_threshold.png``, ``out_dir/lambda_max_sweep.png``
    and ``out_dir/jacobian_threshold.json``.  Exponents are in natural log per
    iteration.

    >>> html = report_section(Path("report"), "quick", seed=2022)  # doctest: +SKIP
    >>> "<section" in html  # doctest: +SKIP
    True
    """
    if mode not in ("quick", "full"):
        raise SpecError("mode", f"choose quick or full, got {mode!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = _QUICK if mode == "quick" else _FULL
    res = threshold_experiment(plan.stds, plan.n, seed, attractor_steps=plan.attractor_steps,
                               lyap_steps=plan.lyap_steps)
    _threshold_figure(res, out_dir / "jacobian_threshold.png")
    atomic_write_bytes(out_dir / "jacobian_threshold.json",
                       json.dumps(res.to_json(), indent=1).encode())
    t0 = time.perf_counter()
    if workers is None:  # a number of processes or an Executor (Dask) may be given
        workers = 1 if mode == "quick" else max(1, os.cpu_count() or 1)
    sweep_rows = lambda_max_sweep(plan.sweep_preset, plan.sweep_dims, plan.sweep_gains, plan.sweep_n,
                                  seed, out=out_dir / "sweeps" / f"lambda_max_{mode}",
                                  steps=plan.sweep_steps, transient=plan.sweep_transient,
                                  workers=workers)
    sweep_seconds = time.perf_counter() - t0
    _sweep_figure(sweep_rows, out_dir / "lambda_max_sweep.png", plan.sweep_preset)
    return _html(res, sweep_rows, plan, mode, seed, sweep_seconds)


def _html(res: ThresholdResult, sweep_rows, plan: _Plan, mode: str, seed: int, sweep_seconds) -> str:
    e = html.escape
    head = ("<tr><th>std</th><th>published<br>rho&gt;1 at input</th><th>rho(Df)&gt;1<br>at input</th>"
            "<th>||Df||&gt;1<br>at input</th><th>rho(Df)&gt;1<br>on attractor</th>"
            "<th>||Df||&gt;1<br>on attractor</th><th>lambda_max&gt;0</th><th>median lambda_max</th>"
            "<th>median |h| growth rate</th><th>undecided</th></tr>")
    body = []
    for r in res.rows:
        pub = r["published_percent"]
        body.append(
            f"<tr><td>{r['std']:.2f}</td><td>{'' if pub is None else f'{pub:.1f}%'}</td>"
            f"<td>{_pct(r['rho_input'])}</td><td>{_pct(r['norm_input'])}</td>"
            f"<td>{_pct(r['rho_attractor'])}</td><td>{_pct(r['norm_attractor'])}</td>"
            f"<td>{_pct(r['lambda_max_positive'])}</td><td>{r['median_lambda_max']:+.4f}</td>"
            f"<td>{r['median_radial_rate']:+.4f}</td><td>{r['marginal']}</td></tr>")
    direct = [r["direct_max_abs_diff"] for r in res.rows if r["direct_max_abs_diff"] is not None]
    sweep_body = []
    for r in sorted(sweep_rows, key=lambda r: (r["dim"], r["gain"])):
        med = "" if r["median_lambda_max"] is None else f"{r['median_lambda_max']:+.4f}"
        sweep_body.append(
            f"<tr><td>{r['dim']}</td><td>{r['gain']:g}</td><td>{r['count']} / {r['n']}</td>"
            f"<td>{100 * r['p']:.1f}% <span class='ci'>[{100 * r['ci_low']:.1f}, "
            f"{100 * r['ci_high']:.1f}]</span></td><td>{med}</td><td>{r['marginal']}</td></tr>")
    return f"""
<section id="jacobian-threshold">
<h2>Higher dimensions: the Jacobian threshold and Lyapunov exponents</h2>
<p>The paper's last experiment: maps f(h) = W2 relu(W1 h) on R<sup>{res.dim}</sup>
(weights N(0, std<sup>2</sup>), biases zero), {res.n} maps per std ({e(mode)} mode, seed {seed};
map i of every std is map i of the vector maps' block seeding contract, row i mod {VECTOR_BLOCK_SIZE} of block
i // {VECTOR_BLOCK_SIZE} drawn from <code>SeedSequence({seed}, spawn_key=(i // {VECTOR_BLOCK_SIZE},))</code>, so the stds
share their random numbers). The notebook's input is an sklearn digits image; here it is a
{e(res.input_note)}. The notebook's curve is the fraction with Jacobian <em>spectral radius</em>
&gt; 1 at that input (its axis says "spectral norm"); both are reported, at the input and at the
point reached after {res.attractor_steps} iterations (the map is positively homogeneous, so the orbit
is followed on the unit sphere, which changes no Jacobian). Beside them: P(lambda_max &gt; 0), with
lambda_max from the QR method ({res.lyap_steps} steps, natural log per iteration), and the mean-field
critical std s<sub>c</sub> = (d<sup>2</sup>/2)<sup>-1/4</sup> = {res.critical_std:.4f} (the std at
which the mean squared tangent growth d<sup>2</sup> s<sup>4</sup>/2 is 1; the same number is the
edge of the eigenvalue disc of Df). 95% Wilson intervals in brackets. A spectral radius &gt; 1 at one
point is a local linear-stability proxy, not a chaos test; for these zero-bias ReLU maps lambda_max
also includes the growth of |h| itself (median shown), since f(c h) = c f(h). "Undecided" counts
the maps whose |lambda_max| is within the difference between the estimates from the two halves of
the run (a longer run would be needed to be sure of the sign).
QR versus two-trajectory lambda_max on {min(20, res.n)} maps per std: largest difference
{max(direct) if direct else float('nan'):.2e}. Run time {res.seconds:.1f} s.</p>
<img src="jacobian_threshold.png" alt="Jacobian threshold figure">
<table class="results">
{head}
{''.join(body)}
</table>
<h3>P(lambda_max &gt; 0) against gain and dimension</h3>
<p>Preset <code>{e(plan.sweep_preset)}</code> (h -> tanh(W h), W ~ N(0, g<sup>2</sup>/d)),
{plan.sweep_n} maps per cell, lambda_max by the QR method ({plan.sweep_steps} steps after
{plan.sweep_transient} transient steps, natural log per iteration); mean-field transition at g = 1.
Resumable sweep under <code>sweeps/lambda_max_{e(mode)}</code>; run time {sweep_seconds:.1f} s.
"Undecided": |lambda_max| within the split-half difference (sign not settled at this run length;
near g = 1 the exponent is close to 0 and converges slowly).</p>
<img src="lambda_max_sweep.png" alt="P(lambda_max &gt; 0) sweep">
<table class="results">
<tr><th>d</th><th>gain</th><th>count</th><th>P(lambda_max &gt; 0)</th><th>median lambda_max</th>
<th>undecided</th></tr>
{''.join(sweep_body)}
</table>
</section>
"""
