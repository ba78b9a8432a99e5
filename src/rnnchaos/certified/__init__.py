"""Certified (ball-arithmetic) analysis of ONE smooth scalar map: tanh and sigmoid units,
alone or mixed with piecewise-linear ones.

* :mod:`.enclosures`: ball enclosures of f, f^n and their derivatives (mean-value forms).
* :mod:`.invariant`: a compact interval proven to hold every periodic orbit.
* :mod:`.roots`: isolation of the roots of f^n(x) - x (branch and bound, monotonicity,
  sign tests; each root box holds exactly one root).
* :mod:`.periodic`: three-valued verdicts per period (certified_yes / certified_no /
  undecided), orbit boxes, Li-Yorke certificates and their re-check.
* :mod:`.batch`: float filter + ball confirmation for whole batches (estimate/sweep).
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
