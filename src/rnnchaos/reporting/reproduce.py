"""Reproduce the paper's probability tables and width/gain experiments; write an HTML report.

Every number comes from a resumable sweep (:mod:`rnnchaos.studies.sweep`) under
``OUT/sweeps/...``, so an interrupted ``rnnchaos reproduce`` resumes.  Tables
put the notebooks' reference test (faithful, defect included) next to the
exact period-2 / period-3 / positive-entropy probabilities with 95% Wilson
intervals.  Tanh networks are decided by the certified ball engine
(:mod:`rnnchaos.certified`); networks it leaves undecided are counted apart and shown,
and the interval becomes a bound, never a float guess.
"""
from __future__ import annotations

import html
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._lib.atomic import atomic_write_bytes
from .._lib.optional import require
from ..deciders.criteria import CRITERIA
from ..studies.sweep import make_config, read_results, run_sweep
from .plotting import pyplot

ROWS = ("paper_row1", "paper_he", "paper_he_u", "paper_normal_k", "paper_glorot")
ROW_LABELS = {
    "paper_a": "network A: W2 relu(W1 x + b1), 'Glorot' (std 2/(k+1))",
    "paper_row1": "1, He | He, He, identity output",
    "paper_he": "He, He | He, He",
    "paper_he_u": "He, U | He, U",
    "paper_normal_k": "N(0,1/k), 'TR(-1,1)' | same",
    "paper_glorot": "Glorot | Glorot",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    activation: str
    clip: bool
    depth: int


COLUMNS = (
    Column("w2_relu", "width 2, ReLU", 2, "relu", False, 2),
    Column("w2_relu_clip", "width 2, ReLU, clipped", 2, "relu", True, 2),
    Column("w2_tanh_clip", "width 2, tanh, clipped", 2, "tanh", True, 2),
    Column("w4_tanh", "width 4 (tanh)", 4, "tanh", False, 2),
    Column("w64_tanh", "width 64 (tanh)", 64, "tanh", False, 2),
    Column("d3_w2_relu", "depth 3, width 2 (ReLU)", 2, "relu", False, 3),
)

#: Published percentages (docs/notebooks.md); a tuple lists both notebook copies.
PUBLISHED: dict[str, dict[str, Any]] = {
    "paper_a": {"w2_relu": 2.28},
    "paper_row1": dict(zip([c.key for c in COLUMNS], [13.77, 4.7, 6.6, 7.8, 15.8, 0.8])),
    "paper_he": dict(zip([c.key for c in COLUMNS], [(7.49, 4.51), 5.4, 6.2, 8.3, 14.8, 0.7])),
    "paper_he_u": dict(zip([c.key for c in COLUMNS], [(4.51, 7.49), 1.6, 9.8, 7.2, 12.4, 0.2])),
    "paper_normal_k": dict(zip([c.key for c in COLUMNS], [(4.4, 4.45), 3.9, 4.8, 10.6, 21.9, 2.3])),
    "paper_glorot": dict(zip([c.key for c in COLUMNS], [2.28, 2.3, 2.8, 4.0, 10.9, 2.6])),
}


_ROW1 = ("Row 1's output is labelled identity, but no notebook copy codes an identity output (the saved "
         "forward pass always applies the output activation) and neither variant reproduces this value, "
         "so it comes from an unrecorded code edit.")
_DEPTH3 = ("The only depth-3 run the notebooks print (Glorot, every copy) shows 1.06%, not the tabled 2.6%, "
           "so this column is not backed by a recorded run of the saved code.")
_HE_U = ("The code's He,U row is He weights with U[0,1) biases in every layer, which gives about twice this "
         "value; the copies even disagree on the row (4.51% vs 7.49%, swapped with He,He), so the tabled "
         "value is not reproducible from the saved code.")
_NORMAL_K = ("The code's normal_k draws std 1/fan_out (1/k in layer 1, 1 at the output) and codes no "
             "truncation, which gives far less than the label 'N(0,1/k), TR(-1,1)' reports; the tabled "
             "value is not reproducible from the saved code.")

#: Published cells that disagree with the notebooks' saved code beyond sampling error, with why
#: (reviewed against every notebook copy): (preset, column key) -> one sentence.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    **{("paper_row1", c): _ROW1 for c in ("w2_relu", "w2_relu_clip", "w2_tanh_clip", "w4_tanh",
                                          "w64_tanh")},
    ("paper_row1", "d3_w2_relu"): _DEPTH3,
    ("paper_he", "w2_relu"): ("Copies disagree: the tabled 7.49% (NEW_DEPTH_2 'ORIGINAL TABLE') agrees "
                              "with the code, the 4.51% of the header tables does not."),
    ("paper_he", "w2_tanh_clip"): ("No tanh run is printed in any copy; the saved code gives about 5.2%, "
                                   "so the tabled 6.2% is about 3 standard errors off."),
    ("paper_he", "w4_tanh"): ("The column is headed tanh, but the only width-4 run printed (He/He, 8.77%) "
                              "used ReLU; ReLU gives about 8.2% (matching 8.3%), tanh about 13%."),
    ("paper_he", "w64_tanh"): ("No width-64 run is printed in any copy; the saved code with tanh gives "
                               "about 18% (ReLU about 12%), neither matching 14.8%."),
    ("paper_he", "d3_w2_relu"): _DEPTH3,
    **{("paper_he_u", c): _HE_U for c in ("w2_relu", "w2_relu_clip", "w2_tanh_clip", "w4_tanh",
                                          "w64_tanh")},
    ("paper_he_u", "d3_w2_relu"): _DEPTH3,
    **{("paper_normal_k", c): _NORMAL_K for c in ("w2_relu", "w2_relu_clip", "w2_tanh_clip",
                                                  "w4_tanh", "w64_tanh")},
    ("paper_normal_k", "d3_w2_relu"): _DEPTH3,
    ("paper_glorot", "w2_relu"): ("2.28% is network A's printed result (first notebook, std 2/(k+1), "
                                  "labelled 'Glorot'), copied into the Glorot row; paper_a reproduces it."),
    ("paper_glorot", "w64_tanh"): ("With Glorot std sqrt(2/65) in both layers the width-64 tanh map is "
                                   "nearly linear on [-1, 1] and the test almost never fires; the tabled "
                                   "10.9% is not reproducible from the saved code."),
    ("paper_glorot", "d3_w2_relu"): ("The notebooks print this exact run (depth 3, width 2, ReLU, Glorot) "
                                     "as 1.06%, which ours matches; the table says 2.6%."),
}

@dataclass(frozen=True)
class Plan:
    """Sizes of a reproduction run.  The width study: rows ``width_rows`` at gains
    ``width_gains`` and widths ``widths``; ``width_tiers`` is ((largest width, networks per
    cell), ...) in increasing width: a width gets the n of the first tier that covers it
    (wider networks cost more to decide, so they get fewer)."""

    table_n: int
    widths: tuple[int, ...]
    width_tiers: tuple[tuple[int, int], ...]
    gain_n: int
    gains: tuple[float, ...]
    gain_widths: tuple[int, ...]
    width_rows: tuple[str, ...] = ("paper_he",)
    width_gains: tuple[float, ...] = (1.0,)
    #: tanh cells are decided by the certified interval kernel (tens of microseconds per
    #: network at width 2, about a millisecond at width 64): their own sample sizes, None =
    #: table_n
    tanh_table_n: int | None = None
    tanh_wide_table_n: int | None = None  # tanh cells of width > 8
    tanh_width_n: int | None = None  # the tanh curve of the width section (widths <= 64)


#: The paper's ReLU rows whose width dependence is tested (the tanh curve: paper_he).
WIDTH_ROWS = ("paper_row1", "paper_he", "paper_he_u", "paper_glorot")
# quick: about a minute of width study on 2 cores, 10^6 networks per width up to 256 (P(period 3)
# resolved down to a few 1e-6)
QUICK = Plan(table_n=5000, widths=(2, 4, 8, 16, 32, 64, 128, 256),
             width_tiers=((256, 1_000_000),),
             gain_n=2000, gains=(0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0), gain_widths=(2,),
             tanh_table_n=None, tanh_wide_table_n=2000, tanh_width_n=20_000)
FULL = Plan(table_n=10000, widths=(2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096),
            width_tiers=((64, 10_000_000), (4096, 1_000_000)), gain_n=10000,
            gains=(0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0), gain_widths=(2, 16),
            width_rows=WIDTH_ROWS, width_gains=(0.5, 1.0, 2.0, 4.0),
            tanh_table_n=None, tanh_wide_table_n=None, tanh_width_n=1_000_000)
#: The tanh curve of the width section stops here (the certified cost grows with width).
TANH_WIDTH_MAX = 64
WIDTH_CRITERIA = ("period_2", "period_3", "positive_entropy")


def _sweep(out: Path, name: str, workers: int, **kw) -> list[dict[str, Any]]:
    cfg = make_config(**kw)
    run_sweep(cfg, out / "sweeps" / name, workers=workers)
    return read_results(out / "sweeps" / name)


def _table_n(plan: Plan, col: Column) -> int:
    if col.activation != "tanh":
        return plan.table_n
    n = plan.tanh_wide_table_n if col.width > 8 else plan.tanh_table_n
    return n or plan.table_n


def run_tables(out: Path, plan: Plan, seed: int, workers: int) -> list[dict[str, Any]]:
    rows = []
    for col in COLUMNS:
        presets = ROWS + (("paper_a",) if col.key == "w2_relu" else ())
        rows += _sweep(out, f"table_{col.key}", workers, presets=presets, widths=[col.width],
                       gains=[1.0], n=_table_n(plan, col), seed=seed, activation=col.activation,
                       clip=col.clip, depth=col.depth)
    return rows


def run_width(out: Path, plan: Plan, seed: int, workers: int) -> list[dict[str, Any]]:
    """The width study: ``plan.width_rows`` x widths x ``plan.width_gains``, exact criteria,
    one resumable sweep per tier of ``plan.width_tiers``."""
    rows, done = [], 0
    for top, n in plan.width_tiers:
        widths = [k for k in plan.widths if done < k <= top]
        done = top
        if widths:
            rows += _sweep(out, f"width_to_{top}", workers, presets=list(plan.width_rows),
                           widths=widths, gains=list(plan.width_gains), n=n, seed=seed,
                           criteria=WIDTH_CRITERIA)  # chunks sized per cell (task_size)
    tanh_widths = [k for k in plan.widths if k <= TANH_WIDTH_MAX]
    if tanh_widths and plan.tanh_width_n:  # He networks with tanh units (certified engine)
        rows += _sweep(out, "width_tanh", workers, presets=["paper_he"], widths=tanh_widths,
                       gains=[1.0], n=plan.tanh_width_n, seed=seed, criteria=WIDTH_CRITERIA,
                       activation="tanh")
    return rows


def run_gain(out: Path, plan: Plan, seed: int, workers: int) -> list[dict[str, Any]]:
    return _sweep(out, "gain", workers, presets=["paper_he"], widths=list(plan.gain_widths),
                  gains=list(plan.gains), n=plan.gain_n, seed=seed,
                  criteria=("period_2", "period_3", "positive_entropy"))


# ---------------------------------------------------------------- figures
def _curve_figure(rows, xkey, path: Path, title: str, logx: bool) -> None:
    """P(criterion) against ``xkey`` with 95% bands: linear scale, and log scale for rare events."""
    plt = pyplot()

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0))
    groups = sorted({(r["criterion"], r["width"] if xkey == "gain" else None, r["activation"])
                     for r in rows}, key=str)
    for crit, width, act in groups:
        pts = sorted((r[xkey], r["p"], r["ci_low"], r["ci_high"]) for r in rows
                     if r["criterion"] == crit and (width is None or r["width"] == width)
                     and r["activation"] == act)
        if not pts:
            continue
        x, p, lo, hi = zip(*pts)
        label = (crit if width is None else f"{crit}, width {width}") + f", {act}"
        for ax in axes:
            line, = ax.plot(x, p, marker="o", label=label)
            ax.fill_between(x, lo, hi, alpha=0.2, color=line.get_color())
    axes[1].set_yscale("symlog", linthresh=1e-4)
    axes[1].set_ylim(0, 1)
    for ax, scale in zip(axes, ("linear", "symlog")):
        if logx:
            ax.set_xscale("log", base=2)
        ax.set_xlabel(xkey)
        ax.set_ylabel(f"probability, 95% Wilson band ({scale})")
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _table_figure(rows, path: Path) -> None:
    plt = pyplot()
    import numpy as np

    col = COLUMNS[0]
    presets = ROWS + ("paper_a",)
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    width = 0.2
    for j, crit in enumerate(("reference_test", "period_2", "period_3", "positive_entropy")):
        vals, errs = [], []
        for p in presets:
            r = _find(rows, p, col, crit)
            vals.append(100 * (r["p"] or 0.0) if r else 0.0)
            errs.append(100 * (r["ci_high"] - r["ci_low"]) / 2 if r else 0.0)
        ax.bar(np.arange(len(presets)) + (j - 1.5) * width, vals, width, yerr=errs, label=crit)
    pub = [_published_value(PUBLISHED.get(p, {}).get(col.key)) for p in presets]
    ax.scatter(np.arange(len(presets)), [v if v is not None else np.nan for v in pub], color="k",
               marker="_", s=400, label="published", zorder=3)
    ax.set_xticks(np.arange(len(presets)), presets, rotation=20, fontsize=8)
    ax.set_ylabel("% of networks")
    ax.set_title(f"{col.label}: published vs reference test vs exact")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _published_value(v):
    return v[0] if isinstance(v, tuple) else v


def _find(rows, preset, col: Column, crit):
    for r in rows:
        if (r["preset"] == preset and r["width"] == col.width and r["activation"] == col.activation
                and r["clip"] == col.clip and r["depth"] == col.depth and r["criterion"] == crit):
            return r
    return None


# ---------------------------------------------------------------- the width question
def width_trends(rows) -> list[dict[str, Any]]:
    """Per (row, gain, criterion) of the width study: the cells by width and the trend of
    P in log2(width) (:func:`rnnchaos.studies.stats.proportion_trend`: slope per doubling
    of the width, 95% interval, Cochran-Armitage p-value)."""
    import math

    from ..studies.stats import proportion_trend

    groups: dict[tuple, list] = {}
    for r in rows:  # a tanh curve is its own row beside the ReLU one
        row = r["preset"] if r["activation"] != "tanh" else f"{r['preset']} (tanh)"
        groups.setdefault((row, r["gain"], r["criterion"]), []).append(r)
    out = []
    for (preset, gain, crit), cells in sorted(groups.items()):
        cells = sorted(cells, key=lambda r: r["width"])
        if len(cells) < 2:
            continue
        trend = proportion_trend([r["count"] for r in cells], [r["n"] for r in cells],
                                 [math.log2(r["width"]) for r in cells])
        out.append({"preset": preset, "gain": gain, "criterion": crit, "cells": cells, **trend})
    return out


#: Below this Cochran-Armitage p-value a trend is reported as found.
TREND_ALPHA = 0.01


def width_sentence(t: dict[str, Any]) -> str:
    """What one trend says, in plain words, numbers filled from the results."""
    first, last = t["cells"][0], t["cells"][-1]
    span = (f"P = {_sci(first['p'])} at width {first['width']} and {_sci(last['p'])} at width "
            f"{last['width']}")
    slope = (f"{_sci(t['slope'], signed=True)} per doubling of the width, 95% interval "
             f"[{_sci(t['ci_low'], signed=True)}, {_sci(t['ci_high'], signed=True)}], "
             f"Cochran-Armitage p {'' if t['p_value'] == 0 else '= '}{_p_text(t['p_value'])}")
    if t["p_value"] < TREND_ALPHA:
        direction = "falls" if t["slope"] < 0 else "rises"
        return f"depends on width: it {direction} ({span}; {slope})."
    bound = max(abs(t["ci_low"]), abs(t["ci_high"]))
    return (f"no trend detected ({span}; {slope}): consistent with a width-independent "
            f"probability, to within {_sci(bound)} per doubling.")


def _p_text(p: float) -> str:
    return "< 1e-300" if p == 0 else f"{p:.2g}"  # a normal tail below the smallest double


def _sci(v: float, signed: bool = False) -> str:
    return f"{v:+.2e}" if signed else f"{v:.2e}"


def _width_figure(trends, path: Path) -> None:
    """P(period 3) and P(positive entropy) against width, one line per row at gain 1, bands."""
    matplotlib = require("matplotlib", "the reproduce report's figures")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0))
    for ax, crit in zip(axes, ("period_3", "positive_entropy")):
        for t in trends:
            if t["criterion"] != crit or t["gain"] != 1.0:
                continue
            x = [c["width"] for c in t["cells"]]
            line, = ax.plot(x, [c["p"] for c in t["cells"]], marker="o", label=t["preset"])
            ax.fill_between(x, [c["ci_low"] for c in t["cells"]], [c["ci_high"] for c in t["cells"]],
                            alpha=0.2, color=line.get_color())
        ax.set_xscale("log", base=2)
        ax.set_yscale("symlog", linthresh=1e-6)
        ax.set_ylim(0, None)
        ax.set_xlabel("width k")
        ax.set_ylabel(f"P({crit}), 95% Wilson band")
        ax.legend(fontsize=7)
    fig.suptitle("Is P(Li-Yorke chaos) independent of width? (gain 1)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def width_section_html(trends) -> str:
    """The section "Is P(Li-Yorke chaos) independent of width?": figure, table, sentences."""
    if not trends:
        return "<h2>Is P(Li-Yorke chaos) independent of width?</h2><p>No width data.</p>"
    n_min = min(c["n"] for t in trends for c in t["cells"])
    n_max = max(c["n"] for t in trends for c in t["cells"])
    lines = [f"<li><b>{html.escape(t['preset'])}</b>, gain {t['gain']:g}: P({t['criterion']}) "
             f"{html.escape(width_sentence(t))}</li>"
             for t in trends if t["criterion"] == "period_3"]
    found = [t for t in trends if t["criterion"] == "period_3" and t["p_value"] < TREND_ALPHA]
    rows = "".join(
        f"<tr><td>{html.escape(t['preset'])}</td><td>{t['gain']:g}</td><td>{t['criterion']}</td>"
        + "".join(f"<td>{c['width']}: {_pct(c)}</td>" for c in t["cells"][:1] + t["cells"][-1:])
        + f"<td>{_sci(t['slope'], True)} [{_sci(t['ci_low'], True)}, {_sci(t['ci_high'], True)}]</td>"
        f"<td>{_p_text(t['p_value'])}</td></tr>" for t in trends)
    verdict = (f"For {len(found)} of {len([t for t in trends if t['criterion'] == 'period_3'])} "
               "(row, gain) pairs the probability of period 3 changes with width "
               f"(Cochran-Armitage p &lt; {TREND_ALPHA}); the paper's claim of a width-independent "
               "probability of Li-Yorke chaos does not hold for them." if found else
               "No (row, gain) pair shows a trend of P(period 3) in width at the 1% level: the data "
               "are consistent with the paper's claim, to within the intervals below.")
    return f"""<h2>Is P(Li-Yorke chaos) independent of width?</h2>
<p>Li-Yorke chaos of a scalar map is exactly a period-3 orbit (with a checkable certificate).
{n_min:,} to {n_max:,} networks per cell; trend: the least-squares slope of P in log2(width)
with a 95% sandwich interval, and the Cochran-Armitage test of no trend.</p>
<p><b>{verdict}</b></p>
<img src="width.png" alt="width figure">
<ul>{"".join(lines)}</ul>
<table><tr><th>row</th><th>gain</th><th>criterion</th><th>smallest width</th><th>largest width</th>
<th>slope per doubling [95%]</th><th>p (no trend)</th></tr>{rows}</table>
"""


# ---------------------------------------------------------------- HTML
def _pct(r) -> str:
    if r is None:
        return "-"
    und = r.get("undecided") or 0
    extra = f" <small>({und} undecided)</small>" if und else ""
    return (f"{100 * r['p']:.2f}% <small>[{100 * r['ci_low']:.2f}, {100 * r['ci_high']:.2f}]"
            f"</small>{extra}")


PUBLISHED_N = 10_000


def agreement_z(published_pct: float, row: dict[str, Any] | None) -> float | None:
    """z score of (our reference-test proportion - published), both binomial (published n=10,000)."""
    if row is None or not row["n"]:
        return None
    p0, p1, n1 = published_pct / 100, row["p"], row["n"]
    var = p0 * (1 - p0) / PUBLISHED_N + p1 * (1 - p1) / n1
    if var == 0:
        return 0.0 if p0 == p1 else float("inf")
    return (p1 - p0) / var ** 0.5


def _agreement_cell(pub, row) -> str:
    values = pub if isinstance(pub, tuple) else (pub,)
    zs = [agreement_z(v, row) for v in values if v is not None]
    zs = [z for z in zs if z is not None]
    if not zs:
        return "<td>-</td>"
    z = min(zs, key=abs)
    verdict = "agrees" if abs(z) <= 3 else "<b>differs</b>"
    return f"<td>{verdict} <small>(z = {z:+.1f})</small></td>"


def _table_html(rows) -> str:
    out = []
    for col in COLUMNS:
        out.append(f"<h3>{html.escape(col.label)}</h3><table><tr><th>row</th><th>published</th>"
                   "<th>reference test vs published</th><th>why it differs</th>"
                   + "".join(f"<th>{c}</th>" for c in CRITERIA) + "</tr>")
        presets = ROWS + (("paper_a",) if col.key == "w2_relu" else ())
        for p in presets:
            pub = PUBLISHED.get(p, {}).get(col.key)
            pub_s = " / ".join(f"{v}%" for v in pub) if isinstance(pub, tuple) else (
                f"{pub}%" if pub is not None else "-")
            cells = "".join(f"<td>{_pct(_find(rows, p, col, c))}</td>" for c in CRITERIA)
            agree = _agreement_cell(pub, _find(rows, p, col, "reference_test"))
            why = html.escape(KNOWN_DIFFERENCES.get((p, col.key), ""))
            out.append(f"<tr><td>{html.escape(ROW_LABELS[p])}</td><td>{pub_s}</td>{agree}"
                       f"<td><small>{why}</small></td>{cells}</tr>")
        out.append("</table>")
    return "\n".join(out)


EXPLANATION = """
<h2>Why the published numbers differ from the exact ones</h2>
<p>The notebooks decide "chaos" with a grid test: on 163 points of
[-w, w] they overwrite the grid with f(X) <em>in place</em> and then apply f three more times, so
the second curve is <b>f<sup>4</sup></b>, not f<sup>3</sup>.  A network is called chaotic when
x - f<sup>4</sup>(x) changes sign more often than x - f(x).  Extra sign changes of
f<sup>4</sup>(x) - x come from points of period 2 or 4, which do <em>not</em> imply chaos
(Sharkovsky: periods 1, 2, 4, 8, ... alone are compatible with zero entropy).  The test also
misses roots between grid points and every root outside the window.  The column
<code>reference_test</code> is that procedure reproduced faithfully, in float64; its values match
the published ones to sampling error, and track the <em>exact</em> period-2 probability.  The exact
columns decide periods over the whole real line in rational arithmetic: period 3 (Li-Yorke chaos,
with a checkable certificate) and positive topological entropy (a period that is not a power of 2,
up to the stated bound) are far rarer than the published percentages suggest.</p>
<p>The column "reference test vs published" compares our faithful re-run of the notebooks' test
with the published percentage (z score of the difference, both binomial; |z| > 3 is flagged).
Where it <b>differs</b>, the sampler we reconstructed from the notebooks' code and labels (see
<code>rnnchaos.networks.presets</code>: <code>as_coded</code>) is not the one that produced that cell, or
the cell was produced by another copy of the notebook (two copies disagree on two cells); the
exact columns next to it remain correct for the stated sampler.</p>
<p>Tanh networks are not piecewise linear: their exact columns are decided by the certified
ball-arithmetic engine (rnnchaos.certified: root isolation of f<sup>p</sup>(x) - x with
uniqueness proofs on an interval proven to hold every periodic orbit).  A network it cannot
decide (tangency, precision, budget) is counted apart and shown as "undecided"; the interval
then runs from the Wilson low end of the certified count to the Wilson high end of the count
plus the undecided ones.  We never substitute a floating-point guess.</p>
"""


def write_report(out: Path, mode: str, plan: Plan, seed: int, tables, width_rows, gain_rows,
                 seconds: float, extra_sections: str = "") -> Path:
    _table_figure(tables, out / "table_width2_relu.png")
    trends = width_trends(width_rows)
    _width_figure(trends, out / "width.png")
    _curve_figure(gain_rows, "gain", out / "gain.png",
                  "paper_he: P(criterion) vs gain (order-to-chaos threshold)", logx=True)
    from .. import __version__
    body = f"""<!doctype html><html><head><meta charset="utf-8"><title>rnnchaos reproduction</title>
<style>body{{font-family:sans-serif;max-width:75em;margin:auto}} table{{border-collapse:collapse}}
td,th{{border:1px solid #bbb;padding:3px 6px;font-size:90%}} small{{color:#555}}</style></head><body>
<h1>Reproduction of "On Scrambling Phenomena for Randomly Initialized Recurrent Networks"</h1>
<p>rnnchaos {__version__}, mode <b>{mode}</b>, root seed {seed}, {seconds:.0f} s.
Tables: {plan.table_n} networks per cell (the paper used 10,000; tanh cells:
{plan.tanh_table_n or plan.table_n}, tanh width 64: {plan.tanh_wide_table_n or plan.table_n}), presets
<code>as_coded</code>.
Network I of a cell is <code>rnnchaos sample --preset P --width K [--activation A] [--clip]
[--depth D] --seed {seed} --index I</code>. Intervals are 95% Wilson intervals.
positive_entropy: a minimal period up to 6 that is not a power of 2.</p>
<h2>Method</h2>
<p>Each network is a scalar map f: R -> R. Its exact piecewise-linear form (rational breakpoints)
is iterated exactly; fixed points of f<sup>n</sup> on an interval proven to hold every periodic
orbit give all periods. A floating-point filter with rigorous rounding-error bounds decides most
networks; every network it cannot decide goes to the exact engine, and its verdicts are tested
to equal the exact engine's.</p>
<h2>Probability tables</h2>
<img src="table_width2_relu.png" alt="table figure">
{_table_html(tables)}
{EXPLANATION}
{width_section_html(trends)}
<h2>Gain: the order-to-chaos threshold</h2>
<img src="gain.png" alt="gain figure">
{extra_sections}
</body></html>"""
    path = out / "report.html"
    atomic_write_bytes(path, body.encode())
    atomic_write_bytes(out / "results.json", json.dumps(
        {"mode": mode, "seed": seed, "tables": tables, "width": width_rows, "gain": gain_rows,
         "width_trends": [{k: v for k, v in t.items() if k != "cells"} for t in trends]},
        indent=1).encode())
    return path


def reproduce(out: str | os.PathLike = "rnnchaos-report", *, mode: str = "quick", seed: int = 2022,
              workers=None, plan: Plan | None = None, sections: bool = True) -> Path:
    """Run the paper's experiments (quick or full) and write OUT/report.html.

    ``workers``: a number of local worker processes (default: the CPUs, at most 8) or an
    Executor (a Dask cluster, :mod:`rnnchaos._lib.runner`) used by every sweep.

    >>> # reproduce("out", mode="quick")   # about 5 minutes on 2 cores
    """
    from ..errors import SpecError
    if mode not in ("quick", "full"):
        raise SpecError("mode", f"must be 'quick' or 'full', got {mode!r}")
    require("matplotlib", "the reproduce report's figures")  # fail before minutes of work
    require("pyarrow", "the reproduce sweeps")
    plan = plan or (QUICK if mode == "quick" else FULL)
    explicit_workers = workers  # None: each part picks its default; an Executor: used by all
    workers = workers or min(os.cpu_count() or 1, 8)
    out = Path(out)
    t0 = time.monotonic()
    tables = run_tables(out, plan, seed, workers)
    width_rows = run_width(out, plan, seed, workers)
    gain_rows = run_gain(out, plan, seed, workers)
    extra = ""
    if sections:
        from . import figures_scalar, jacobian
        extra = (figures_scalar.report_section(out, mode, seed)
                 + jacobian.report_section(out, mode, seed, workers=explicit_workers))
    return write_report(out, mode, plan, seed, tables, width_rows, gain_rows,
                        time.monotonic() - t0, extra)
