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

Upper bound, two rigorous arguments:

* f strictly monotone on J (derivative enclosure of one sign on a subdivision): every
  iterate of the clipped map is monotone, one lap, so h = 0 (Misiurewicz-Szlenk).
* otherwise h <= log max(1, L) with L >= sup |f'| over J (enclosures on 64 cells): the
  entropy of a Lipschitz map of a compact set of box dimension <= 1 is at most
  log+ of its Lipschitz constant (Dinaburg / Ito), and f|Lambda_J has Lipschitz
  constant <= sup_J |f'| (mean-value lemma, Lambda_J inside J).

Missing (said in ``notes``): upper bounds from certified lap counts of f^n (critical
points of f^n isolated in ball arithmetic) are not implemented; the Lipschitz bound is
much weaker for chaotic maps.
"""
from __future__ import annotations

from typing import Any

from flint import ctx

from .._lib.arb import round_up
from ..exact.entropy import bgmy_bound
from ..exact.periodic import is_power_of_two, sharkovsky_key
from .enclosures import BallMap, interval
from .periodic import PREC, YES, certified_orbits, monotonicity

LIP_CELLS = 64


def smooth_entropy_bounds(net, max_iter: int) -> dict[str, Any]:
    """{"lower", "upper", evidence, ...} for the smooth scalar map ``net`` (JSON-able).

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
    best = min(yes, key=sharkovsky_key) if yes else None
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
        upper = 0.0 if lip <= 1 else round_up(lip.log())
    out["upper"] = upper
    out["upper_evidence"] = {"method": "lipschitz", "lipschitz_bound": round_up(lip),
                             "description": "h <= log max(1, sup_J |f'|) (Lipschitz bound)"}
    out["notes"].append("upper bound from the Lipschitz constant only: certified lap counts "
                        "of f^n for smooth maps are not implemented")
    if rep.undecided_periods:
        out["notes"].append(f"periods left undecided: {rep.undecided_periods}")
    return out


__all__ = ["smooth_entropy_bounds"]
