"""Rigorous interval primitives of the batch filter (numba, float64).

An *enclosure* is a pair ``(lo, hi)`` of doubles with ``lo <= x <= hi`` for an exact real
``x`` (CGAL's ``Interval_nt`` without changing the rounding mode).  After each rounded
operation the result is widened outward by ``|x| * 2**-52 + 2**-1074`` (:func:`down`,
:func:`up`): the rounding error of one IEEE operation in round-to-nearest is at most half
an ulp of the result, and ``|x| * 2**-52`` is at least one ulp for normal ``x`` while the
``2**-1074`` term covers gradual underflow, so the widened pair encloses the exact result
whatever the rounding of the widening itself (it only moves the ends further out).

Comparisons built on enclosures are written so that NaN never certifies anything: every
test is ``a > b`` or ``a < b`` on ends, which is false for NaN, and callers check
:func:`finite` before trusting a value that may have overflowed.
"""

from __future__ import annotations

import numpy as np

from .._lib.jit import njit

EPS = 2.0**-52
ETA = 5e-324
INF = np.inf


@njit(cache=True, inline="always")
def down(x):
    """A double <= every real within rounding error of ``x``."""
    return x - (abs(x) * EPS + ETA)


@njit(cache=True, inline="always")
def up(x):
    """A double >= every real within rounding error of ``x``."""
    return x + (abs(x) * EPS + ETA)


@njit(cache=True, inline="always")
def finite(x):
    """``x`` is finite (False for +-inf and NaN)."""
    return abs(x) < INF


@njit(cache=True, inline="always")
def imul(al, ah, bl, bh):
    """Enclosure of the product of [al, ah] and [bl, bh]."""
    p1 = al * bl
    p2 = al * bh
    p3 = ah * bl
    p4 = ah * bh
    lo = min(min(p1, p2), min(p3, p4))
    hi = max(max(p1, p2), max(p3, p4))
    return down(lo), up(hi)


@njit(cache=True, inline="always")
def iadd(al, ah, bl, bh):
    """Enclosure of the sum of [al, ah] and [bl, bh]."""
    return down(al + bl), up(ah + bh)


@njit(cache=True, inline="always")
def idiv(al, ah, bl, bh):
    """Enclosure of [al, ah] / [bl, bh]; the caller guarantees 0 not in [bl, bh]."""
    q1 = al / bl
    q2 = al / bh
    q3 = ah / bl
    q4 = ah / bh
    lo = min(min(q1, q2), min(q3, q4))
    hi = max(max(q1, q2), max(q3, q4))
    return down(lo), up(hi)


@njit(cache=True, inline="always")
def affine_end(el, eh, sl, sh, cl, ch, spos):
    """Enclosure of s*e + c for one endpoint e in [el, eh] (e may be +-inf exactly)."""
    if not finite(el):
        if spos:
            return el, el
        return -el, -el
    if spos:
        plo = min(sl * el, sh * el)
        phi = max(sl * eh, sh * eh)
    else:
        plo = min(sl * eh, sh * eh)
        phi = max(sl * el, sh * el)
    rl = down(down(plo) + cl)
    rh = up(up(phi) + ch)
    if not (finite(rl) and finite(rh)):
        return np.nan, np.nan
    return rl, rh


@njit(cache=True, inline="always")
def zone(vl, vh, t0, t1, nth):
    """Index z of the open zone (th[z-1], th[z]) certified to contain [vl, vh]; -1 if unsure.
    Thresholds th = (t0, t1)[:nth], increasing."""
    if nth == 0:
        return 0
    if vh < t0:
        return 0
    if not vl > t0:
        return -1
    if nth == 1:
        return 1
    if vh < t1:
        return 1
    if vl > t1:
        return 2
    return -1


@njit(cache=True, inline="always")
def zone_exact(v, t0, t1, nth, rising):
    """Zone of g next to an end where g = v exactly, on the side where g moves up
    (``rising``) or down from v; a threshold equal to v is left behind."""
    z = 0
    if nth >= 1 and (v > t0 or (v == t0 and rising)):
        z = 1
    if nth >= 2 and (v > t1 or (v == t1 and rising)):
        z = 2
    return z
