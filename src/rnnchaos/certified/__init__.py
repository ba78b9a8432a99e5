"""Certified (ball-arithmetic) analysis of ONE smooth scalar map: tanh and sigmoid units,
alone or mixed with piecewise-linear ones.

* :mod:`.enclosures`: ball enclosures of f, f^n and their derivatives (mean-value forms).
* :mod:`.invariant`: a compact interval proven to hold every periodic orbit.
* :mod:`.roots`: isolation of the roots of f^n(x) - x (branch and bound, monotonicity,
  sign tests; each root box holds exactly one root).
* :mod:`.periodic`: three-valued verdicts per period (certified_yes / certified_no /
  undecided), orbit boxes, Li-Yorke certificates and their re-check.
* :mod:`.intervals`: outward-rounded float64 interval arithmetic and tanh/sigmoid
  enclosures from correctly rounded operations (no libm), for compiled kernels.
* :mod:`.kernel`: the same proofs as :mod:`.periodic` in that interval arithmetic, compiled
  (numba) over whole batches; it returns yes / no / cannot decide with witnesses.
* :mod:`.batch`: batch verdicts (estimate/sweep): the kernel first, then float filter +
  ball confirmation for the networks it leaves undecided.
* :mod:`.laps`: certified lap counts of f^t (turning points of f proven in ball
  arithmetic, pulled back along the laps of f^k), for ``regions`` and the entropy bound.
* :mod:`.entropy`: rigorous lower (certified periods) and upper (lap counts, Lipschitz)
  bounds on the topological entropy.
"""
from .periodic import (
                       NO,
                       UNDECIDED,
                       YES,
                       PeriodStatus,
                       SmoothOrbit,
                       SmoothReport,
                       certified_orbits,
                       smooth_summary,
                       verify_smooth_certificate,
)

__all__ = ["certified_orbits", "smooth_summary", "verify_smooth_certificate", "SmoothReport", "PeriodStatus",
           "SmoothOrbit", "YES", "NO", "UNDECIDED"]
