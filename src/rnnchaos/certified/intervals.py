"""Rigorous interval arithmetic in float64 for compiled kernels: outward-rounded +, -, *, /
and enclosures of tanh, sigmoid and their derivatives built from basic operations only.

An interval is a pair (lo, hi) of doubles with lo <= every point <= hi.  A NaN end means
"nothing is known": every operation returns (NaN, NaN) when a NaN arises in it (a product
0 inf, a sum inf - inf), never a finite end chosen by min/max past a NaN; callers treat
any NaN bound in a decision as *cannot decide* (every verdict is a strict comparison,
which is False on NaN), and an intersection with a NaN side keeps the other side.

Outward rounding (``down``, ``up``).  IEEE 754 +, -, *, / are correctly rounded to nearest:
the computed r = fl(x) is a double nearest to the exact x, so x lies between pred(r) and
succ(r), the neighbouring doubles.  ``down(r) = r - (|r| 2^-52 + 2^-1074)`` evaluated in
floating point is <= pred(r):

* |r| in [2^k, 2^(k+1)) normal: r - pred(r) <= 2^(k-52), a double (k >= -1022), and
  |r| 2^-52 >= 2^(k-52), so fl(|r| 2^-52) >= 2^(k-52) and fl(... + 2^-1074) >= it
  (rounding is monotone and preserves doubles); then the exact r - s <= pred(r), a double,
  so fl(r - s) <= pred(r).
* r subnormal or zero: the spacing is 2^-1074 <= s, the same argument.
* r = -inf stays -inf; r = +inf or NaN gives NaN (cannot decide).

``up`` is symmetric.  So ``down(fl(a op b)) <= a op b <= up(fl(a op b))`` for exact
doubles a, b.  No operation here relies on fused multiply-add or on a rounding mode other
than the default (numba does not enable fast-math contraction by default).

tanh at a point x >= 0 (``tanh_point``).  No libm function is trusted.  With g = k/64,
k = floor(64 x) (exact: scaling by a power of 2), d = x - g is exact (Sterbenz: g <= x < 2g
for k >= 1, d = x for k = 0), 0 <= d < 2^-6.

* tanh d is approximated by its Taylor polynomial d + d(s(c3 + s(c5 + s(c7 + s c9)))),
  s = d^2, evaluated in floating point.  Truncation: the Taylor coefficients of tanh are
  a_(2n-1) = 2^(2n) (2^(2n) - 1) |B_2n| / (2n)!, |B_2n| = 2 (2n)! zeta(2n) / (2 pi)^(2n),
  so |a_(2n-1)| <= 2 zeta(2) (2/pi)^(2n) < 4 (2/pi)^(2n), and the tail after d^9 is at most
  0.018 d^11 < 2^-65 d for d < 2^-6.  Rounding: the correction term d s P(s) is below
  2^-12 d / 3 with a relative error below 8u (u = 2^-53), so it contributes < 0.001 u d;
  the final addition contributes u |result|.  Hence |t - tanh d| <= 1.01 u tanh d.
* k >= 1: tanh x = (T_k + tanh d) / (1 + T_k tanh d) with T_k = tanh g from a table
  (:func:`tanh_table`: doubles computed with python-flint and checked there to satisfy
  |T_k - tanh g| <= u T_k).  Both summands are >= 0, so the numerator carries relative
  error <= 2.02 u; T_k t <= 2^-6 makes the denominator's relative error <= 1.05 u; the
  quotient adds u: the computed r satisfies |r - tanh x| <= 4.06 u tanh x + O(u^2) tanh x
  (the second-order terms are below 10^-14 u).
* the enclosure is [down(r - slack), up(r + slack)] with slack = fl(6u r) + 2^-1060
  (fl(6u r) >= 5.99u r covers 4.07u r, the bound above with tanh x <= r(1 + 4.1u); 2^-1060
  covers the absolute errors of the at most a dozen underflowed intermediate results, each
  at most 2^-1075 and carried with a factor at most 2),
  clipped to [0, 1].  Its width is about 12u r plus the two outward roundings: at most
  about 16 ulps.
* x >= 20: tanh x is in [1 - 2^-53, 1] (tanh 20 = 1 - 8.5e-18 > 1 - 2^-53).
* x < 0: tanh is odd.  NaN gives (NaN, NaN).

Over an interval [a, b], tanh is increasing, so tanh([a, b]) is in
[lo(tanh_point(a)), hi(tanh_point(b))].  sigmoid(z) = (1 + tanh(z/2))/2 (z/2 is exact
except for subnormal z, where the absolute error 2^-1075 is inside the 2^-1060 slack).
Derivatives over an interval: tanh' = 1 - tanh^2, whose enclosure squares the tanh
enclosure with the usual care for a square (an interval holding 0 squares to [0, max^2]);
sigmoid'(z) = (1 - tanh(z/2)^2)/4.
"""
from __future__ import annotations

import numpy as np

from .._lib.jit import njit

#: spacing of the tanh table (grid points k/64) and its end (saturation beyond)
TABLE_STEP = 1.0 / 64.0
TABLE_END = 20.0
#: a double <= tanh(TABLE_END)
TANH_END_LO = 1.0 - 2.0 ** -53
EPS = 2.0 ** -52
ETA = 5e-324
SLACK_REL = 1.5 * 2.0 ** -51  # 6u
SLACK_ABS = 2.0 ** -1060
# Taylor coefficients of tanh (rounded; their rounding is inside the error analysis)
C3, C5, C7, C9 = -1.0 / 3.0, 2.0 / 15.0, -17.0 / 315.0, 62.0 / 2835.0

_TABLE: np.ndarray | None = None


def tanh_table() -> np.ndarray:
    """tanh(k/64), k = 0..1280, as doubles within u = 2^-53 (relative) of the exact
    value, computed once with python-flint at 128 bits and each entry checked in arb.

    >>> import math
    >>> t = tanh_table(); t.shape, float(t[0]), float(t[64]) == math.tanh(1.0)
    ((1281,), 0.0, True)
    """
    global _TABLE
    if _TABLE is None:
        from flint import arb, ctx
        n = int(TABLE_END / TABLE_STEP) + 1
        out = np.empty(n)
        with ctx.workprec(128):
            u = arb(2) ** -53
            for k in range(n):
                exact = (arb(k) / 64).tanh()
                v = float(exact.mid())
                if not abs(arb(v) - exact) <= u * arb(v):
                    raise ArithmeticError(f"tanh table entry {k} not within 2^-53")
                out[k] = v
        _TABLE = out
    return _TABLE


@njit(cache=True)
def down(r):
    """A double <= the exact result whose round-to-nearest value is r (module docstring)."""
    return r - (abs(r) * EPS + ETA)


@njit(cache=True)
def up(r):
    """A double >= the exact result whose round-to-nearest value is r."""
    return r + (abs(r) * EPS + ETA)


@njit(cache=True)
def iadd(al, ah, bl, bh):
    """[al, ah] + [bl, bh]."""
    return down(al + bl), up(ah + bh)


@njit(cache=True)
def isub(al, ah, bl, bh):
    """[al, ah] - [bl, bh]."""
    return down(al - bh), up(ah - bl)


@njit(cache=True)
def iscale(w, al, ah):
    """w [al, ah] for an exact double w (w = 0 gives [0, 0], also for infinite ends)."""
    if w > 0.0:
        return down(w * al), up(w * ah)
    if w < 0.0:
        return down(w * ah), up(w * al)
    return 0.0, 0.0


@njit(cache=True)
def imul(al, ah, bl, bh):
    """[al, ah] [bl, bh] (the four end products)."""
    p1 = al * bl
    p2 = al * bh
    p3 = ah * bl
    p4 = ah * bh
    if (p1 + p2 + p3 + p4) != (p1 + p2 + p3 + p4):  # a NaN (0 inf, or inf - inf): nothing known
        return np.nan, np.nan
    return down(min(min(p1, p2), min(p3, p4))), up(max(max(p1, p2), max(p3, p4)))


@njit(cache=True)
def hull_zero(al, ah):
    """The hull of [al, ah] and 0 ((NaN, NaN) when an end is NaN: nothing known)."""
    if al != al or ah != ah:
        return np.nan, np.nan
    return min(al, 0.0), max(ah, 0.0)


@njit(cache=True)
def idiv(al, ah, bl, bh):
    """[al, ah] / [bl, bh]; (NaN, NaN) when the divisor may hold 0."""
    if not (bl > 0.0 or bh < 0.0):
        return np.nan, np.nan
    p1 = al / bl
    p2 = al / bh
    p3 = ah / bl
    p4 = ah / bh
    if (p1 + p2 + p3 + p4) != (p1 + p2 + p3 + p4):
        return np.nan, np.nan
    return down(min(min(p1, p2), min(p3, p4))), up(max(max(p1, p2), max(p3, p4)))


@njit(cache=True)
def imeet(al, ah, bl, bh):
    """The intersection of two enclosures of one set (never empty unless one is NaN;
    a NaN end of one side yields the other side's end)."""
    lo = bl if (al != al or bl > al) else al
    hi = bh if (ah != ah or bh < ah) else ah
    return lo, hi


@njit(cache=True)
def isqr(al, ah):
    """{x^2 : x in [al, ah]}."""
    if al >= 0.0:
        return max(down(al * al), 0.0), up(ah * ah)
    if ah <= 0.0:
        return max(down(ah * ah), 0.0), up(al * al)
    m = max(-al, ah)
    return 0.0, up(m * m)


@njit(cache=True)
def tanh_point(x, table):
    """(lo, hi) with lo <= tanh(x) <= hi (module docstring)."""
    if x != x:
        return np.nan, np.nan
    ax = abs(x)
    if ax >= TABLE_END:
        lo, hi = TANH_END_LO, 1.0
    else:
        k = int(ax * 64.0)
        d = ax - k * TABLE_STEP
        s = d * d
        t = d + d * (s * (C3 + s * (C5 + s * (C7 + s * C9))))
        if k == 0:
            r = t
        else:
            tk = table[k]
            r = (tk + t) / (1.0 + tk * t)
        slack = r * SLACK_REL + SLACK_ABS
        lo = max(down(r - slack), 0.0)
        hi = min(up(r + slack), 1.0)
    if x < 0.0:
        return -hi, -lo
    return lo, hi


@njit(cache=True)
def tanh_interval(al, ah, table):
    """An enclosure of tanh([al, ah]): tanh is increasing, so [lo(tanh al), hi(tanh ah)];
    for a narrow interval (width at most that of the enclosure at al, the case of a point
    pushed through outward-rounded layers) one evaluation does: tanh ah <= tanh al +
    (ah - al) since 0 < tanh' <= 1, so hi(tanh al) + up(ah - al) bounds it, and the
    enclosure stays within twice its point width."""
    lo, hi = tanh_point(al, table)
    w = up(ah - al)
    if w <= hi - lo:
        return lo, min(up(hi + w), 1.0)
    return lo, tanh_point(ah, table)[1]


@njit(cache=True)
def tanh_slope(tl, th):
    """An enclosure of 1 - t^2 over t in [tl, th] (tanh' from the tanh enclosure)."""
    sl, sh = isqr(tl, th)
    return max(down(1.0 - sh), 0.0), min(up(1.0 - sl), 1.0)


@njit(cache=True)
def sigmoid_interval(al, ah, table):
    """An enclosure of sigmoid([al, ah]) = (1 + tanh([al, ah]/2))/2, and of tanh([al, ah]/2)."""
    tl = tanh_point(al * 0.5, table)[0]
    th = tanh_point(ah * 0.5, table)[1]
    return max(down(1.0 + tl) * 0.5, 0.0), min(up(1.0 + th) * 0.5, 1.0), tl, th


@njit(cache=True)
def sigmoid_slope(tl, th):
    """An enclosure of sigmoid' = (1 - t^2)/4 over t = tanh(z/2) in [tl, th]."""
    a, b = tanh_slope(tl, th)
    return a * 0.25, b * 0.25


__all__ = ["tanh_table", "down", "up", "iadd", "isub", "iscale", "imul", "hull_zero", "idiv", "imeet", "isqr",
           "tanh_point", "tanh_interval", "tanh_slope", "sigmoid_interval", "sigmoid_slope",
           "TABLE_STEP", "TABLE_END"]
