"""Outward rounding of python-flint ``arb`` balls to floats and exact fractions.

Shared by every module that turns a certified ball into a reported number: a lower
bound is rounded down, an upper bound up, so a printed bound is never tighter than proven.
"""
from __future__ import annotations

import math
import sys
from fractions import Fraction

from flint import arb


# ------------------------------------------------------------------ rounding
def arb_exact_fraction(a: arb) -> Fraction:
    """The exact value of an exact arb (such as ``a.lower()``) as a Fraction.

    >>> arb_exact_fraction(arb(0.5))
    Fraction(1, 2)
    """
    m, e = a.man_exp()
    m, e = int(m), int(e)
    return Fraction(m * 2 ** e) if e >= 0 else Fraction(m, 2 ** (-e))


def round_down(a: arb) -> float:
    """The largest double <= every point of the ball ``a`` (``-inf`` if unbounded).

    >>> round_down(arb(1) / 3) < 1 / 3
    True
    """
    if not a.is_finite():
        return -math.inf
    lo = arb_exact_fraction(a.lower())
    try:
        d = float(lo)
    except OverflowError:  # beyond the doubles: the nearest safe bound
        return -math.inf if lo < 0 else sys.float_info.max
    if Fraction(d) > lo:
        d = math.nextafter(d, -math.inf)
    return d


def round_up(a: arb) -> float:
    """The smallest double >= every point of the ball ``a`` (``inf`` if unbounded).

    >>> round_up(arb(1) / 3) > 1 / 3
    True
    >>> round_up(arb(2) ** 5000), round_down(-arb(2) ** 5000)
    (inf, -inf)
    """
    if not a.is_finite():
        return math.inf
    hi = arb_exact_fraction(a.upper())
    try:
        d = float(hi)
    except OverflowError:
        return math.inf if hi > 0 else -sys.float_info.max
    if Fraction(d) < hi:
        d = math.nextafter(d, math.inf)
    return d
