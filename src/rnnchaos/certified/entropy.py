"""Rigorous bounds on the topological entropy of a smooth scalar map (tanh, sigmoid).

What is bounded: as in :mod:`rnnchaos.exact.entropy`, h = h_top(f restricted to Lambda_J), the
largest f-invariant subset of an interval J proven to hold every periodic orbit
(:mod:`rnnchaos.certified.invariant`), in nats per iteration.

Lower bound (Block, Guckenheimer, Misiurewicz, Young 1980): a point of minimal period
2^k m, m > 1 odd, forces h >= 2^-k log lambda_m, lambda_m the largest root of
x^m - 2 x^(m-2) - 1 (:func:`rnnchaos.exact.entropy.bgmy_bound`).  The period used is the
Sharkovsky-strongest one certified present by :func:`~rnnchaos.certified.certified_orbits`
for p <= N; the witness is its orbit box (exactly one point of f^p(x) = x of minimal
period p in it) or, for p = 3, the Li-Yorke point.  Otherwise the lower bound is 0.

Upper bound, the smallest of three rigorous arguments (``upper_evidence`` says which):

* ``monotone``: f strictly monotone on J (derivative enclosure of one sign on a
  subdivision): every iterate of the clipped map is monotone, one lap, so h = 0
  (Misiurewicz-Szlenk).
* ``lap_count``: certified lap counts of f^n on a compact interval K containing J with
  f(K) inside K (:func:`invariant_hull`; :mod:`rnnchaos.certified.laps` counts them).
  **Claim.** h <= (1/n) log ell(f^n|K) for every n.  *Proof.*  Lambda_J is compact,
  f(Lambda_J) is inside Lambda_J, and Lambda_J is inside J, hence inside K; so f|Lambda_J
  is the restriction of the continuous self-map f|K of the compact interval K to a closed
  invariant subset, and h = h_top(f|Lambda_J) <= h_top(f|K) (entropy does not increase
  on closed invariant subsets).  Any certified count needs every turning point of f on K
  isolated (the image of the one lap of f^0, K itself, must avoid every unresolved box of
  the search), so f|K is piecewise monotone, and by Misiurewicz-Szlenk
  h_top(f|K) = lim (1/n) log ell((f|K)^n).  Laps are submultiplicative,
  ell(u o v) <= ell(u) ell(v) for piecewise monotone u, v: K -> K, so log ell(f^n) is
  subadditive and (Fekete) the limit is the infimum over n.  Because f(K) is inside K,
  (f|K)^n = f^n restricted to K: exactly the map whose laps
  :func:`~rnnchaos.certified.laps.certified_laps` counts on K.  QED
  (No clipping is needed, which is why K is made forward invariant instead of counting the
  laps of clip_J o f, whose turning points include the preimages of the ends of J.)
  We report min over the certified n <= N of (1/n) log ell(f^n|K), rounded up; counting
  stops at the first undecided n or when f^n would have more than ``max_laps`` laps.
* ``lipschitz``: h <= log max(1, L) with L >= sup |f'| over J (enclosures on 64 cells):
  the entropy of a Lipschitz map of a compact set of box dimension <= 1 is at most log+
  of its Lipschitz constant (Dinaburg / Ito), and f|Lambda_J has Lipschitz constant
  <= sup_J |f'| (mean-value lemma, Lambda_J inside J).

Construction of K (:func:`invariant_hull`): K_0 = J, K_{i+1} = hull(K_i, an enclosure of
f(K_i) met with E_1), until f(K_i) is proven inside K_i (a few rounds); failing that,
K = hull(J, E_1) with E_1 an enclosure of f(R) (:func:`~rnnchaos.certified.enclosures.range_of_line`),
forward invariant since f(K) is inside f(R), inside E_1.
"""
from __future__ import annotations

import math
from typing import Any

from flint import arb, ctx

from .._lib.arb import round_up
from ..exact.entropy import bgmy_bound
from ..exact.periodic import is_power_of_two, strongest_period
from .enclosures import BallMap, interval
from .invariant import SmoothInvariant
from .laps import HULL_ROUNDS, certified_laps, clamped_image, range_bounds
from .periodic import PREC, YES, certified_orbits, monotonicity

LIP_CELLS = 64
#: Lap counting for the entropy bound stops before f^n has more laps than this.
MAX_LAPS = 2048
#: ... and at this n (the bound (1/n) log ell_n improves slowly beyond it).
MAX_LAP_ITER = 16
_LOG_PREC = 128


def invariant_hull(bm: BallMap, inv: SmoothInvariant) -> tuple[float, float, str]:
    """(lo, hi, how): a compact interval K containing J with f(K) inside K, proven
    (module docstring); ``how`` is 'J' (f(J) inside J), 'hull' or 'range'."""
    lo, hi = inv.lo, inv.hi
    rng = range_bounds(bm)
    for i in range(HULL_ROUNDS):
        a, b = clamped_image(bm, lo, hi, rng)
        if not (math.isfinite(a) and math.isfinite(b)):
            break
        if lo <= a and b <= hi:
            return lo, hi, "J" if i == 0 else "hull"
        lo, hi = min(lo, a), max(hi, b)
    return min(inv.lo, rng[0]), max(inv.hi, rng[1]), "range"  # bounded, since J exists


def lap_bound(laps: list) -> tuple[float, int] | None:
    """(min over n of (1/n) log laps[n-1], rounded up; the n attaining it), or None."""
    best = None
    with ctx.workprec(_LOG_PREC):
        for n, ell in enumerate(laps, start=1):
            if ell is None:
                break
            b = round_up(arb(ell).log() / n)
            if best is None or b < best[0]:
                best = (b, n)
    return best


def _lap_upper(net, bm: BallMap, inv: SmoothInvariant, max_iter: int, max_laps: int) -> dict:
    lo, hi, how = invariant_hull(bm, inv)
    steps = min(max_iter, MAX_LAP_ITER)
    rc = certified_laps(net, steps, (lo, hi), max_turning=max_laps - 1)
    best = lap_bound(rc.laps)
    return {"interval": [repr(lo), repr(hi)], "construction": how, "lap_counts": rc.laps,
            "stopped": None if rc.undecided_from is None
            else {"at_n": rc.undecided_from, "reason": rc.reason},
            "bound": None if best is None else best[0], "n": None if best is None else best[1]}


def smooth_entropy_bounds(net, max_iter: int, *, max_laps: int = MAX_LAPS) -> dict[str, Any]:
    """{"lower", "upper", evidence, ...} for the smooth scalar map ``net`` (JSON-able); lap
    counts of f^n for n <= min(max_iter, MAX_LAP_ITER) with at most ``max_laps`` laps.

    >>> from rnnchaos.networks.model import ScalarRNN
    >>> f = ScalarRNN.from_dict({"layers": [{"weight": [[0.5]], "bias": [0.2],
    ...     "activation": "tanh"}]})
    >>> b = smooth_entropy_bounds(f, 3); b["lower"], b["upper"]
    (0.0, 0.0)
    """
    rep = certified_orbits(net, max_iter)
    out: dict[str, Any] = {"method": "certified", "max_iter": max_iter,
                           "interval": rep.to_json()["invariant_interval"],
                           "period_status": rep.to_json()["period_status"], "notes": []}
    yes = [p for p in rep.statuses if rep.status(p) == YES]
    best = strongest_period(yes)
    lower, evidence = 0.0, {"method": "trivial", "description": "h >= 0"}
    if best is not None and not is_power_of_two(best):
        lower, _ = bgmy_bound(best)
        k = (best & -best).bit_length() - 1
        witness = next((o.to_json()["points"] for o in rep.orbits if o.period == best), None)
        evidence = {"method": "periodic_orbit", "period": best, "orbit_box": witness,
                    "li_yorke_certificate": rep.li_yorke_certificate if best == 3 else None,
                    "description": f"a point of minimal period {best} = 2^{k} * {best >> k} "
                                   f"(certified, via {rep.statuses[best].via}): "
                                   f"h >= 2^-{k} log lambda_{best >> k} (BGMY)"}
    out["lower"], out["lower_evidence"] = lower, evidence
    inv = rep.invariant
    if not inv.exists:
        out["upper"], out["upper_evidence"] = None, {"method": "none", "description": inv.reason}
        return out
    with ctx.workprec(PREC):
        bm = BallMap(net)
        mono = monotonicity(bm, inv)
        if mono:
            out["upper"] = 0.0
            out["upper_evidence"] = {"method": "monotone", "description":
                                     "f is strictly monotone on J: one lap, h = 0"}
            return out
        lip = None
        for i in range(LIP_CELLS):
            u = inv.lo + (inv.hi - inv.lo) * i / LIP_CELLS
            v = inv.hi if i == LIP_CELLS - 1 else inv.lo + (inv.hi - inv.lo) * (i + 1) / LIP_CELLS
            _, d = bm.value_slope(interval(u, v))
            a = abs(d).upper()
            lip = a if lip is None else lip.max(a)
        lip_upper = 0.0 if lip <= 1 else round_up(lip.log())
        laps = _lap_upper(net, bm, inv, max_iter, max_laps)
    out["laps"], out["laps_interval"] = laps["lap_counts"], laps["interval"]
    lip_ev = {"method": "lipschitz", "lipschitz_bound": round_up(lip),
              "description": "h <= log max(1, sup_J |f'|) (Lipschitz bound)"}
    if laps["bound"] is not None and laps["bound"] < lip_upper:
        n = laps["n"]
        ell = laps["lap_counts"][n - 1]
        out["upper"] = laps["bound"]
        out["upper_evidence"] = {**laps, "method": "lap_count", "n": n, "laps": ell,
                                 "lipschitz_upper": lip_upper,
                                 "description": f"h <= (1/{n}) log {ell}: certified laps of "
                                 f"f^{n} on K = [{laps['interval'][0]}, {laps['interval'][1]}], "
                                 "f(K) inside K (Misiurewicz-Szlenk; laps are submultiplicative)"}
    else:
        out["upper"] = lip_upper
        out["upper_evidence"] = {**lip_ev, "laps": laps}
    if laps["stopped"] is not None:
        st = laps["stopped"]
        out["notes"].append(f"lap counts of f^n on K stopped at n = {st['at_n']}: {st['reason']}")
    if rep.undecided_periods:
        out["notes"].append(f"periods left undecided: {rep.undecided_periods}")
    return out


__all__ = ["smooth_entropy_bounds"]
