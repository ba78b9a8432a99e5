"""Batch verdicts (period_2, period_3, positive_entropy) for networks with smooth units:
a compiled interval kernel decides most networks, the ball engine the rest.

Kernel (:mod:`rnnchaos.certified.kernel`, numba over the whole batch).  Rigorous float64
interval arithmetic (:mod:`rnnchaos.certified.intervals`) carrying the proofs of
:mod:`rnnchaos.certified.periodic`: invariant interval, monotone shortcuts, brackets of a
point of minimal period p, exhaustive root isolation, Sharkovsky.  Every code it returns is
a proof; what it cannot settle within its budget it leaves undecided (-1).

Ball engine, for the networks the kernel leaves undecided only.  A float filter (numpy,
vectorized; never decides anything) evaluates h_p(x) = f^p(x) - x on a grid of the float
range of f (the grid image of f), and *proposes* a bracket [x_i, x_{i+1}] where h_p changes
sign while no h_d, d a proper divisor of p, does: a candidate point of minimal period p.
A proposal is confirmed by isolating the roots of h_p on the proposed bracket alone and
proving the minimal period of one of them (the same proof as for ``certified_yes``); a
failed or missing proposal sends the network to the exhaustive engine
(:func:`~rnnchaos.certified.periodic.certified_orbits` with Sharkovsky shortcuts, which
decides 2 first, then 3, then p*).  Verdicts:

* period_2 / period_3: the status of period 2 / 3;
* positive_entropy (a period <= N that is not a power of 2): by Sharkovsky's theorem
  exactly the status of p*, the weakest non-power of 2 <= N
  (:func:`rnnchaos.exact.periodic.weakest_non_power_of_two`); for N < 3 it is no.

Every network gets yes / no / undecided (``codes``: 1 / 0 / -1); undecided networks are
counted apart by the callers, never guessed.
"""
from __future__ import annotations

import numpy as np
from flint import ctx

from ..exact.periodic import weakest_non_power_of_two
from .enclosures import BallMap
from .kernel import kernel_verdicts
from .periodic import (
    NO,
    PREC,
    UNDECIDED,
    YES,
    PeriodStatus,
    certified_orbits,
    classify_root,
    settled_status,
)
from .roots import isolate

YES_CODE, NO_CODE, UNDECIDED_CODE = 1, 0, -1
GRID = 257
SMOOTH_CRITERIA = ("period_2", "period_3", "positive_entropy")


def weakest_non_power_of_two_or_none(n: int) -> int | None:
    """p*: f has a period <= n that is not a power of 2 iff it has period p* (None: n < 3)."""
    return None if n < 3 else weakest_non_power_of_two(n)


# ---------------------------------------------------------------- float filter
def float_proposals(batch, periods: list[int], grid: int = GRID) -> dict[int, np.ndarray]:
    """Per period p, an array (B, 2) of proposed brackets of a point of minimal period p
    (NaN: no proposal).  Floating point: proposals only."""
    nb = len(batch)
    x0 = np.linspace(-4.0, 4.0, grid)[None, :].repeat(nb, 0)
    img = batch.forward(x0)
    lo, hi = img.min(axis=1), img.max(axis=1)
    span = np.maximum(hi - lo, 1e-9)
    t = np.linspace(0.0, 1.0, grid)[None, :]
    xs = (lo - 0.05 * span)[:, None] + (1.1 * span)[:, None] * t
    need = sorted({d for p in periods for d in range(1, p + 1) if p % d == 0})
    resid, y = {}, xs
    for n in range(1, max(need) + 1):
        y = batch.forward(y)
        if n in need:
            resid[n] = y - xs
    out = {}
    for p in periods:
        change = np.signbit(resid[p][:, :-1]) != np.signbit(resid[p][:, 1:])
        for d in range(1, p):
            if p % d == 0:
                dchange = np.signbit(resid[d][:, :-1]) != np.signbit(resid[d][:, 1:])
                # keep away from the divisor roots: their cell and both neighbours
                near = dchange.copy()
                near[:, 1:] |= dchange[:, :-1]
                near[:, :-1] |= dchange[:, 1:]
                change &= ~near
        br = np.full((nb, 2), np.nan)
        rows, cols = np.nonzero(change)
        first = np.unique(rows, return_index=True)
        for r, j in zip(*first):
            c = cols[j]
            br[r] = xs[r, c], xs[r, c + 1]
        out[p] = br
    return out


# ---------------------------------------------------------------- ball confirmation
def confirm_bracket(bm: BallMap, p: int, lo: float, hi: float) -> bool:
    """True when [lo, hi] provably holds a point of minimal period p (ball arithmetic)."""
    roots, _ = isolate(bm, p, lo, hi, max_boxes=200)
    return any(classify_root(bm, p, a, b) == "p" for a, b in roots)


def decide_network(net, periods: list[int], proposals: dict[int, tuple] | None = None,
                   prec: int = PREC) -> dict[int, str]:
    """Status (certified_yes / certified_no / undecided) of each period in ``periods``
    for one network: confirmed float proposals first, then the exhaustive engine with
    Sharkovsky shortcuts for what remains."""
    statuses: dict[int, PeriodStatus] = {}
    with ctx.workprec(prec):
        bm = BallMap(net)
        for p in sorted(periods, key=lambda q: -q):  # strongest evidence first is cheapest
            if proposals and p in proposals and proposals[p] is not None:
                if settled_status(statuses, p):
                    continue
                lo, hi = proposals[p]
                if confirm_bracket(bm, p, lo, hi):
                    statuses[p] = PeriodStatus(p, YES, "orbit")
    rest = [p for p in periods if p not in statuses]
    if rest:
        settled = {p: settled_status(statuses, p) for p in rest}
        rest = [p for p in rest if settled[p] is None]
        statuses.update({p: s for p, s in settled.items() if s is not None})
    if rest:
        rep = certified_orbits(net, max(rest), periods=rest, shortcuts=True, prec=prec)
        statuses.update({p: rep.statuses[p] for p in rest})
    return {p: statuses[p].status for p in periods}


def decide_smooth(batch, criteria, entropy_max_period: int = 6, *,
                  use_kernel: bool = True) -> dict[str, np.ndarray]:
    """codes[c] (int8, one per network): 1 yes, 0 no, -1 undecided, for c in criteria
    (a subset of period_2, period_3, positive_entropy).  ``use_kernel=False`` sends every
    network to the ball engine (for comparisons)."""
    criteria = [c for c in criteria if c in SMOOTH_CRITERIA]
    pstar = weakest_non_power_of_two_or_none(entropy_max_period)
    want = {"period_2": 2, "period_3": 3, "positive_entropy": pstar}
    periods = sorted({want[c] for c in criteria if want[c] is not None})
    nb = len(batch)
    codes = {c: np.full(nb, UNDECIDED_CODE, dtype=np.int8) for c in criteria}
    if "positive_entropy" in codes and pstar is None:
        codes["positive_entropy"][:] = NO_CODE
    if not periods:
        return codes
    if use_kernel:
        per_code = kernel_verdicts(batch, periods).codes
    else:
        per_code = np.full((nb, len(periods)), UNDECIDED_CODE, dtype=np.int8)
    rest = np.flatnonzero((per_code == UNDECIDED_CODE).any(axis=1))
    if len(rest):
        props = float_proposals(batch.subset(rest), periods)
        code_of = {YES: YES_CODE, NO: NO_CODE, UNDECIDED: UNDECIDED_CODE}
        for r, i in enumerate(rest):
            todo = [p for j, p in enumerate(periods) if per_code[i, j] == UNDECIDED_CODE]
            prop = {p: None if np.isnan(props[p][r, 0]) else (float(props[p][r, 0]), float(props[p][r, 1]))
                    for p in todo}
            st = decide_network(batch.network(int(i)), todo, prop)
            for j, p in enumerate(periods):
                if p in st:
                    per_code[i, j] = code_of[st[p]]
    for c in criteria:
        if want[c] is not None:
            codes[c][:] = per_code[:, periods.index(want[c])]
    return codes


__all__ = ["decide_smooth", "decide_network", "float_proposals", "confirm_bracket",
           "weakest_non_power_of_two_or_none", "SMOOTH_CRITERIA"]
