"""Exact chaos verdicts for whole batches of networks: a certified float filter + the exact engine.

:func:`decide` answers, for every network of a :class:`~rnnchaos.batch.NetworkBatch`,

* ``period_2``: f has a point of minimal period 2 somewhere on R
  (``2 in periodic_orbits(f, 2).periods``);
* ``period_3``: f has a point of minimal period 3 (Li-Yorke chaos)
  (``3 in periodic_orbits(f, 3).periods``);
* ``positive_entropy``: f has a minimal period p <= N (``entropy_max_period``) that is
  not a power of 2 (``periodic_orbits(f, N).positive_entropy``);
* ``reference_test``: the notebooks' grid test, with its known defect (it detects a
  period-2 or period-4 point inside the window, not period 3): see
  :mod:`rnnchaos.reference`.  It is a float64 procedure by definition.

The first three verdicts are **exactly** those of :func:`rnnchaos.periodic.periodic_orbits`,
network by network.  They are computed in the style of Shewchuk's and CGAL's filtered
predicates: a fast floating-point path that knows when it cannot decide, and the exact
engine for every network it could not decide.

The filter (depth-2 networks: one hidden layer of any width with identity, relu or
leaky_relu units; output identity, relu, leaky_relu or hardtanh)
----------------------------------------------------------------------------------
Every number is an *enclosure* ``[lo, hi]`` of an exact real (rigorous interval
arithmetic, as in CGAL's ``Interval_nt``): after each rounded operation the result is
widened by ``|x| * 2**-52 + 2**-1074``, which is at least one ulp, so the enclosure also
covers gradual underflow.  Every decision is a comparison of enclosures that is *certified*
(e.g. ``a.hi < b.lo``) or not made; comparisons are written so that NaN or overflow never
certifies anything (a non-finite enclosure makes the network undecided).

1. *Pieces of f.*  The kinks ``-b_j / w_j`` of the hidden units are sorted and certified
   strictly increasing (ties go to the exact engine); slopes and intercepts of the
   hidden sum ``g`` on each interval are accumulated as enclosures; the output activation
   splits a piece where ``g`` crosses its thresholds (0 for relu, ``min_val``/``max_val``
   for hardtanh), the sign of ``g - threshold`` at the piece's ends being certified.
   A piece is *flat* when its slope is structurally zero (a clamped output, or no
   active unit); its value is then an exactly known double.  Every other piece must have
   a slope certified non-zero.
2. *Orbits through a flat piece.*  Such an orbit contains the piece's constant ``c``; the
   orbit of ``c`` is followed in interval arithmetic (direct evaluation of the network),
   and the clamps make it exact again whenever it lands in a flat piece.  It returns to
   ``c`` at step d (exactly, certified) - minimal period d - or is certified different from
   ``c`` at every step <= N, or the network is undecided.
3. *Orbits avoiding flat pieces*, period n: depth-first enumeration of itineraries
   ``P_0 .. P_{n-1}`` (closed non-flat pieces, rotated so that ``P_0`` has the least
   index: the lowest piece of the orbit's least point).  Along the way the enclosure of
   ``J_i = f^i{x in P_0 : f^j(x) in P_j, j <= i}`` is propagated forward
   (``J_{i+1} = f(J_i) ∩ P_{i+1}``); a branch is pruned only when it is certified empty.
   This is the transition graph of the pieces, refined by the actual images.  At depth n,
   with ``F = A x + B`` the composed affine map (``A != 0``) and ``J = F(I)``:

   * ``1 - A`` must be certified non-zero (else undecided: a continuum may exist);
   * a non-primitive itinerary (a repeated word of length d < n) has no point of minimal
     period n: ``F`` = H^(n/d) with ``A != 1`` has the single fixed point of H;
   * for a primitive itinerary, the fixed point ``x* = B / (1 - A)`` of F is a periodic
     point iff ``x* ∈ I`` iff ``x* ∈ J`` (F is a bijection with F(x*) = x*).
     **YES** when ``x*`` is certified in the *interior* of J: then every ``f^i(x*)`` is
     interior to ``P_i`` (F is affine with non-zero slope on I), the itinerary of ``x*`` is
     unique, so its minimal period is the primitive period of the word, n.
     **NO** for this word when ``x*`` is certified outside the closure of J.
     When neither is certified (J's enclosure is loose, e.g. F contracts hard), the orbit
     ``x_i = F_i(x*)`` itself is located: NO if some ``x_i`` is certified outside its closed
     piece, YES if every ``x_i`` is certified interior to its piece (then x* follows the
     word and F(x*) = x*, with the same uniqueness argument).  Anything else is undecided.

   The enclosures of J stay valid even when the true J is empty: intersections and affine
   maps keep an empty ("inverted") interval inverted, so YES is never certified for an empty
   J, and NO or pruning claims about an empty set are true.

Period n is present iff step 2 or step 3 finds it; it is absent iff both certify so.

Sharkovsky shortcuts (f is continuous on R)
-------------------------------------------
Sharkovsky's order 3 ▷ 5 ▷ 7 ▷ ... ▷ 2·3 ▷ 2·5 ▷ ... ▷ 4·3 ▷ ... ▷ 8 ▷ 4 ▷ 2 ▷ 1: a
period forces every period after it.

* Every period p != 1 forces 2, so **no period 2 means only fixed points**: then
  period_3 and positive_entropy are false without further work (most random networks).
* 3 forces everything: **period 3 implies period 2 and positive entropy**.
* **positive_entropy(N) <=> period p* is present**, where p* = 2^K·m is the weakest
  non-power of 2 up to N: K maximal with 2^K·3 <= N, then m the largest odd with 2^K·m <= N
  (p* = 3 for N = 3, 4; 5 for N = 5; 6 for N = 6..9; 10 for N = 10, 11; 12 for 12..19; ...).
  Proof: p* itself is a non-power of 2 <= N, which gives "<=".  For "=>" let p = 2^a·b
  <= N with b odd >= 3.  2^a·3 <= p <= N, so a <= K.  If a < K, p ▷ p* in Sharkovsky's
  order (a smaller power of two comes first).  If a = K, then b is an odd number with
  2^K·b <= N, so b <= m; b < m gives p ▷ p* (same power, smaller odd part) and b = m gives
  p = p*.  Either way f has period p*.  (``tests/test_verdicts.py`` checks this against the
  exact engine for N = 3 .. 12.)  Also, p* absent implies period 3 absent (3 ▷ p*).

Networks the filter does not handle (depth 3, hardtanh hidden units, ...) go to the exact
engine.  Networks with tanh or sigmoid anywhere get the three exact criteria from the
certified ball engine (:func:`rnnchaos.certified.batch.decide_smooth`: a float filter
proposes, ball arithmetic decides); what it cannot decide is marked undecided
(``Verdicts.undecided``), never guessed; their reference test is computed as usual.
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Sequence

import numpy as np

from .batch import (ACT_HARDTANH, ACT_IDENTITY, ACT_LEAKY, ACT_RELU, NetworkBatch, activation_code,
                    run_chunks)
from .errors import SpecError
from .periodic import MAX_PERIOD, periodic_orbits

try:
    from numba import njit
    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

CRITERIA = ("period_2", "period_3", "positive_entropy", "reference_test")
EXACT_CRITERIA = ("period_2", "period_3", "positive_entropy")

#: Default limit on itinerary-tree nodes per network and period (beyond: exact engine).
DEFAULT_NODE_BUDGET = 200_000

YES, NO, UNKNOWN = 1, 0, -1


def sharkovsky_weakest_non_power_of_two(n: int) -> int:
    """p*: the non-power of 2 <= n that every other non-power of 2 <= n forces (n >= 3).

    p* = 2^K·m with K maximal such that 2^K·3 <= n, then m the largest odd number with
    2^K·m <= n.  f has a period p <= n that is not a power of 2 iff f has period p*.

    >>> [sharkovsky_weakest_non_power_of_two(n) for n in (3, 4, 5, 6, 9, 10, 12, 20, 24, 64)]
    [3, 3, 5, 6, 6, 10, 12, 20, 24, 48]
    """
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 3:
        raise SpecError("entropy_max_period", f"must be an integer >= 3, got {n!r}")
    k = 0
    while (2 ** (k + 1)) * 3 <= n:
        k += 1
    m = n // (2 ** k)
    if m % 2 == 0:
        m -= 1
    return (2 ** k) * m


# ============================================================================ numba kernels
if HAVE_NUMBA:
    _EPS = 2.0 ** -52
    _ETA = 5e-324
    _INF = np.inf

    @njit(cache=True, inline="always")
    def _dn(x):
        return x - (abs(x) * _EPS + _ETA)

    @njit(cache=True, inline="always")
    def _up(x):
        return x + (abs(x) * _EPS + _ETA)

    @njit(cache=True, inline="always")
    def _fin(x):
        return abs(x) < _INF

    @njit(cache=True, inline="always")
    def _imul(al, ah, bl, bh):
        p1 = al * bl
        p2 = al * bh
        p3 = ah * bl
        p4 = ah * bh
        lo = min(min(p1, p2), min(p3, p4))
        hi = max(max(p1, p2), max(p3, p4))
        return _dn(lo), _up(hi)

    @njit(cache=True, inline="always")
    def _iadd(al, ah, bl, bh):
        return _dn(al + bl), _up(ah + bh)

    @njit(cache=True, inline="always")
    def _idiv(al, ah, bl, bh):
        # caller guarantees 0 not in [bl, bh]
        q1 = al / bl
        q2 = al / bh
        q3 = ah / bl
        q4 = ah / bh
        lo = min(min(q1, q2), min(q3, q4))
        hi = max(max(q1, q2), max(q3, q4))
        return _dn(lo), _up(hi)

    @njit(cache=True, inline="always")
    def _aff_end(el, eh, sl, sh, cl, ch, spos):
        """Enclosure of s*e + c for one endpoint e in [el, eh] (e may be +-inf exactly)."""
        if not _fin(el):
            if spos:
                return el, el
            return -el, -el
        if spos:
            plo = min(sl * el, sh * el)
            phi = max(sl * eh, sh * eh)
        else:
            plo = min(sl * eh, sh * eh)
            phi = max(sl * el, sh * el)
        rl = _dn(_dn(plo) + cl)
        rh = _up(_up(phi) + ch)
        if not (_fin(rl) and _fin(rh)):
            return np.nan, np.nan
        return rl, rh

    @njit(cache=True, inline="always")
    def _zone(vl, vh, t0, t1, nth):
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
    def _zone_exact(v, t0, t1, nth, rising):
        """Zone of g next to an end where g = v exactly, on the side where g moves up
        (``rising``) or down from v; a threshold equal to v is left behind."""
        z = 0
        if nth >= 1 and (v > t0 or (v == t0 and rising)):
            z = 1
        if nth >= 2 and (v > t1 or (v == t1 and rising)):
            z = 2
        return z

    # --------------------------------------------------------------- pieces
    @njit(cache=True)
    def _build_pieces(w, bh, a, c, hcode, halpha, ocode, o1, o2,
                      kv, kl, kh, korder, bl, bhh, sl, sh, cl, ch, flat, cval):
        """Pieces of f for one depth-2 network.  Returns the number of pieces m (> 0), or 0
        when a needed fact could not be certified.

        Boundaries: piece i is [b_{i-1}, b_i] with enclosures (bl[i], bhh[i]) of b_i,
        i = 0 .. m-2 (b_{-1} = -inf, b_{m-1} = +inf).  Slope enclosure (sl, sh),
        intercept (cl, ch); flat[i] = 1 for a structurally flat piece of exact value cval[i].
        """
        k = w.shape[0]
        kinked = hcode == 1 or (hcode == 2 and halpha != 1.0)
        alpha = halpha if hcode == 2 else 0.0
        # left-tail sums and the constant of structurally flat pieces
        S_l = 0.0
        S_h = 0.0
        T_l = c
        T_h = c
        cb_l = c
        cb_h = c
        cb_exact = True
        nlin = 0
        nact = 0
        nk = 0
        for j in range(k):
            aj = a[j]
            wj = w[j]
            bj = bh[j]
            if aj == 0.0:
                continue
            if not kinked or wj == 0.0:
                # linear unit, or a kinked unit with a constant input: fixed state
                if wj == 0.0:
                    # constant input: h = act(bj)
                    if kinked and bj < 0.0:
                        if alpha == 0.0:
                            hl = 0.0
                            hh = 0.0
                        else:
                            hl = _dn(alpha * bj)
                            hh = _up(alpha * bj)
                    else:
                        hl = bj
                        hh = bj
                    if hl != 0.0 or hh != 0.0:
                        ql, qh = _imul(aj, aj, hl, hh)
                        T_l, T_h = _iadd(T_l, T_h, ql, qh)
                        cb_l, cb_h = _iadd(cb_l, cb_h, ql, qh)
                        cb_exact = False
                else:
                    nlin += 1
                    pl, ph = _imul(aj, aj, wj, wj)
                    ql, qh = _imul(aj, aj, bj, bj)
                    S_l, S_h = _iadd(S_l, S_h, pl, ph)
                    T_l, T_h = _iadd(T_l, T_h, ql, qh)
                continue
            # kinked unit with a kink at -bj/wj
            t = -bj / wj
            kv[nk] = t
            kl[nk] = _dn(t)
            kh[nk] = _up(t)
            korder[nk] = j
            nk += 1
            pl, ph = _imul(aj, aj, wj, wj)
            ql, qh = _imul(aj, aj, bj, bj)
            if wj < 0.0:  # active at -inf
                nact += 1
                S_l, S_h = _iadd(S_l, S_h, pl, ph)
                T_l, T_h = _iadd(T_l, T_h, ql, qh)
            elif alpha != 0.0:
                pl, ph = _imul(alpha, alpha, pl, ph)
                ql, qh = _imul(alpha, alpha, ql, qh)
                S_l, S_h = _iadd(S_l, S_h, pl, ph)
                T_l, T_h = _iadd(T_l, T_h, ql, qh)
        # sort kinks, certify strict order
        if nk > 1:
            if nk <= 24:
                for i in range(1, nk):
                    tv = kv[i]
                    tl = kl[i]
                    tq = kh[i]
                    to = korder[i]
                    jj = i - 1
                    while jj >= 0 and kv[jj] > tv:
                        kv[jj + 1] = kv[jj]
                        kl[jj + 1] = kl[jj]
                        kh[jj + 1] = kh[jj]
                        korder[jj + 1] = korder[jj]
                        jj -= 1
                    kv[jj + 1] = tv
                    kl[jj + 1] = tl
                    kh[jj + 1] = tq
                    korder[jj + 1] = to
            else:
                order = np.argsort(kv[:nk])
                tmp_v = kv[:nk][order]
                tmp_l = kl[:nk][order]
                tmp_h = kh[:nk][order]
                tmp_o = korder[:nk][order]
                kv[:nk] = tmp_v
                kl[:nk] = tmp_l
                kh[:nk] = tmp_h
                korder[:nk] = tmp_o
            for i in range(nk - 1):
                if not (kh[i] < kl[i + 1]):
                    return 0
        for i in range(nk):
            if not (_fin(kl[i]) and _fin(kh[i])):
                return 0
        # (1 - alpha) enclosure
        if alpha != 0.0:
            om_l = _dn(1.0 - alpha)
            om_h = _up(1.0 - alpha)
        else:
            om_l = 1.0
            om_h = 1.0
        # output thresholds
        t0 = 0.0
        t1 = 0.0
        nth = 0
        if ocode == 1 or ocode == 2:
            nth = 1
        elif ocode == 3:
            t0 = o1
            t1 = o2
            nth = 2
        m = 0
        prev_flat = False
        for p in range(nk + 1):
            # g-piece p: between kink p-1 and kink p
            if p > 0:
                j = korder[p - 1]
                aj = a[j]
                wj = w[j]
                bj = bh[j]
                pl, ph = _imul(aj, aj, wj, wj)
                ql, qh = _imul(aj, aj, bj, bj)
                if alpha != 0.0:
                    pl, ph = _imul(om_l, om_h, pl, ph)
                    ql, qh = _imul(om_l, om_h, ql, qh)
                if wj > 0.0:
                    nact += 1
                    S_l, S_h = _iadd(S_l, S_h, pl, ph)
                    T_l, T_h = _iadd(T_l, T_h, ql, qh)
                else:
                    nact -= 1
                    S_l, S_h = _iadd(S_l, S_h, -ph, -pl)
                    T_l, T_h = _iadd(T_l, T_h, -qh, -ql)
                left_l = kl[p - 1]
                left_h = kh[p - 1]
            else:
                left_l = -_INF
                left_h = -_INF
            if p < nk:
                right_l = kl[p]
                right_h = kh[p]
            else:
                right_l = _INF
                right_h = _INF
            gflat = nlin == 0 and nact == 0 and (alpha == 0.0 or nk == 0)
            next_flat = False
            if p < nk and alpha == 0.0 and nlin == 0:
                nact_next = nact + 1 if w[korder[p]] > 0.0 else nact - 1
                next_flat = nact_next == 0
            this_prev_flat = prev_flat
            prev_flat = gflat
            if gflat:
                if cb_exact:
                    # f = out_act(Cb), computed exactly
                    v = cb_l
                    if ocode == 1:
                        v = v if v > 0.0 else 0.0
                    elif ocode == 3:
                        v = o1 if v < o1 else (o2 if v > o2 else v)
                    elif ocode == 2 and v < 0.0:
                        return 0  # a scaled constant would not be exact
                else:
                    z = _zone(cb_l, cb_h, t0, t1, nth)
                    if ocode == 1 and z == 0:
                        v = 0.0
                    elif ocode == 3 and z == 0:
                        v = o1
                    elif ocode == 3 and z == 2:
                        v = o2
                    else:
                        return 0
                # append flat piece (merge with an equal flat predecessor)
                if m > 0 and flat[m - 1] == 1 and cval[m - 1] == v:
                    pass
                else:
                    if m > 0:
                        bl[m - 1] = left_l
                        bhh[m - 1] = left_h
                    sl[m] = 0.0
                    sh[m] = 0.0
                    cl[m] = v
                    ch[m] = v
                    flat[m] = 1
                    cval[m] = v
                    m += 1
                continue
            if not (S_l > 0.0 or S_h < 0.0):
                return 0
            spos = S_l > 0.0
            # zones at both ends
            if nth == 0:
                zl = 0
                zr = 0
            else:
                if left_l == -_INF:
                    zl = 0 if spos else nth
                elif this_prev_flat and cb_exact:
                    # g(left) = Cb exactly (continuity with the flat piece on the left)
                    zl = _zone_exact(cb_l, t0, t1, nth, spos)
                else:
                    vl, vh = _imul(S_l, S_h, left_l, left_h)
                    vl, vh = _iadd(vl, vh, T_l, T_h)
                    zl = _zone(vl, vh, t0, t1, nth)
                if right_l == _INF:
                    zr = nth if spos else 0
                elif next_flat and cb_exact:
                    zr = _zone_exact(cb_l, t0, t1, nth, not spos)
                else:
                    vl, vh = _imul(S_l, S_h, right_l, right_h)
                    vl, vh = _iadd(vl, vh, T_l, T_h)
                    zr = _zone(vl, vh, t0, t1, nth)
                if zl < 0 or zr < 0:
                    return 0
            z = zl
            seg_l = left_l
            seg_h = left_h
            while True:
                # the segment starting at (seg_l, seg_h) in zone z; its right end:
                if z == zr:
                    end_l = right_l
                    end_h = right_h
                else:
                    zi = z if spos else z - 1
                    theta = t0 if zi == 0 else t1
                    nl, nh = _dn(theta - T_h), _up(theta - T_l)
                    end_l, end_h = _idiv(nl, nh, S_l, S_h)
                    end_l = max(end_l, left_l)
                    end_h = min(end_h, right_h)
                    if not (_fin(end_l) and _fin(end_h)):
                        return 0
                # f on this segment
                isflat = False
                v = 0.0
                fsl = S_l
                fsh = S_h
                fcl = T_l
                fch = T_h
                if ocode == 1 and z == 0:
                    isflat = True
                    v = 0.0
                elif ocode == 3 and z == 0:
                    isflat = True
                    v = o1
                elif ocode == 3 and z == 2:
                    isflat = True
                    v = o2
                elif ocode == 2 and z == 0:
                    if o1 == 0.0:
                        isflat = True
                        v = 0.0
                    else:
                        fsl, fsh = _imul(o1, o1, S_l, S_h)
                        fcl, fch = _imul(o1, o1, T_l, T_h)
                if isflat and m > 0 and flat[m - 1] == 1 and cval[m - 1] == v:
                    pass  # merge
                else:
                    if m > 0:
                        bl[m - 1] = seg_l
                        bhh[m - 1] = seg_h
                    if isflat:
                        sl[m] = 0.0
                        sh[m] = 0.0
                        cl[m] = v
                        ch[m] = v
                        flat[m] = 1
                        cval[m] = v
                    else:
                        sl[m] = fsl
                        sh[m] = fsh
                        cl[m] = fcl
                        ch[m] = fch
                        flat[m] = 0
                        cval[m] = 0.0
                    m += 1
                if z == zr:
                    break
                seg_l = end_l
                seg_h = end_h
                z = z + 1 if spos else z - 1
        # certify strictly increasing boundaries and finite data
        for i in range(m - 1):
            if not (_fin(bl[i]) and _fin(bhh[i])):
                return 0
            if i > 0 and not (bhh[i - 1] < bl[i]):
                return 0
        for i in range(m):
            if not (_fin(sl[i]) and _fin(sh[i]) and _fin(cl[i]) and _fin(ch[i])):
                return 0
            if flat[i] == 0 and not (sl[i] > 0.0 or sh[i] < 0.0):
                return 0
        return m

    # --------------------------------------------------------------- flat orbits
    @njit(cache=True)
    def _eval_interval(yl, yh, w, bh, a, c, hcode, halpha, ocode, o1, o2):
        """Enclosure of f([yl, yh]) by direct evaluation of the network (monotone activations).

        A degenerate result (lo == hi) is exact: every rounded operation widens strictly.
        Returns (nan, nan) when an intermediate value is not finite.
        """
        k = w.shape[0]
        gl = c
        gh = c
        for j in range(k):
            aj = a[j]
            if aj == 0.0:
                continue
            wj = w[j]
            if wj == 0.0:
                zl = bh[j]
                zh = bh[j]
            else:
                p1 = wj * yl
                p2 = wj * yh
                zl = _dn(_dn(min(p1, p2)) + bh[j])
                zh = _up(_up(max(p1, p2)) + bh[j])
                if not (_fin(zl) and _fin(zh)):
                    return np.nan, np.nan
            if hcode == 1:
                hl = zl if zl > 0.0 else 0.0
                hh = zh if zh > 0.0 else 0.0
            elif hcode == 2:
                if zl >= 0.0:
                    hl = zl
                else:
                    hl = _dn(halpha * zl)
                if zh >= 0.0:
                    hh = zh
                else:
                    hh = _up(halpha * zh)
            else:
                hl = zl
                hh = zh
            if hl == 0.0 and hh == 0.0:
                continue
            ql, qh = _imul(aj, aj, hl, hh)
            gl = _dn(gl + ql)
            gh = _up(gh + qh)
        if not (_fin(gl) and _fin(gh)):
            return np.nan, np.nan
        if ocode == 1:
            return (gl if gl > 0.0 else 0.0), (gh if gh > 0.0 else 0.0)
        if ocode == 2:
            rl = gl if gl >= 0.0 else _dn(o1 * gl)
            rh = gh if gh >= 0.0 else _up(o1 * gh)
            if o1 == 0.0:
                rl = gl if gl > 0.0 else 0.0
                rh = gh if gh > 0.0 else 0.0
            return rl, rh
        if ocode == 3:
            rl = o1 if gl < o1 else (o2 if gl > o2 else gl)
            rh = o1 if gh < o1 else (o2 if gh > o2 else gh)
            return rl, rh
        return gl, gh

    @njit(cache=True)
    def _flat_orbits(m, flat, cval, nmax, w, bh, a, c, hcode, halpha, ocode, o1, o2):
        """(found, unknown_from): bit d of found is set when the constant of a flat piece has
        minimal period d <= nmax; periods >= unknown_from (nmax+1 if none) are uncertain."""
        found = 0
        unknown_from = nmax + 1
        for i in range(m):
            if flat[i] == 0:
                continue
            v = cval[i]
            dup = False
            for i2 in range(i):
                if flat[i2] == 1 and cval[i2] == v:
                    dup = True
                    break
            if dup:
                continue
            yl = v
            yh = v
            for step in range(1, nmax + 1):
                if step >= unknown_from:
                    break
                yl, yh = _eval_interval(yl, yh, w, bh, a, c, hcode, halpha, ocode, o1, o2)
                if yl == v and yh == v:
                    found |= 1 << step
                    break
                if yl > v or yh < v:
                    continue
                unknown_from = step
                break
        return found, unknown_from

    # --------------------------------------------------------------- itineraries
    @njit(cache=True, inline="always")
    def _primitive(pc, n):
        for d in range(1, n):
            if n % d != 0:
                continue
            same = True
            for i in range(n - d):
                if pc[i] != pc[i + d]:
                    same = False
                    break
            if same:
                return False
        return True

    @njit(cache=True, inline="always")
    def _first_candidate(bhh, m, x):
        """Least q with piece q not certified left of x (right end's upper bound >= x)."""
        lo = 0
        hi = m - 1  # answer in [0, m-1]; piece m-1 extends to +inf
        while lo < hi:
            mid = (lo + hi) // 2
            if bhh[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return lo

    @njit(cache=True, inline="always")
    def _last_candidate(bl, m, x):
        """Greatest q with piece q not certified right of x (left end's lower bound <= x)."""
        lo = 0
        hi = m - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if bl[mid - 1] > x:
                hi = mid - 1
            else:
                lo = mid
        return lo

    @njit(cache=True, inline="always")
    def _no_root(Dl, Dh, xl, xh, Bl, Bh):
        """Certified: (1 - A) x - B != 0 for every 1 - A in [Dl, Dh], x in [xl, xh], B in [Bl, Bh]."""
        el, eh = _imul(Dl, Dh, xl, xh)
        el = _dn(el - Bh)
        eh = _up(eh - Bl)
        return el > 0.0 or eh < 0.0

    @njit(cache=True)
    def _orbit_check(n, pc, st, xl, xh, m, bl, bhh):
        """Where the orbit of x* (enclosure [xl, xh]) goes along the word pc[0..n-1]:
        NO if some x_i = F_i(x*) is certified outside its closed piece (x* does not follow
        the word), YES if every x_i is certified interior to its piece (x* follows the word,
        F(x*) = x*), UNKNOWN otherwise.  F_i is the composite after i steps (st[i-1, 8:12])."""
        interior = True
        for i in range(n):
            if i == 0:
                yl = xl
                yh = xh
            else:
                yl, yh = _imul(st[i - 1, 8], st[i - 1, 9], xl, xh)
                yl, yh = _iadd(yl, yh, st[i - 1, 10], st[i - 1, 11])
            if not (_fin(yl) and _fin(yh)):
                return UNKNOWN
            q = pc[i]
            Ll = -_INF if q == 0 else bl[q - 1]
            Lh = -_INF if q == 0 else bhh[q - 1]
            Rl = _INF if q == m - 1 else bl[q]
            Rh = _INF if q == m - 1 else bhh[q]
            if yl > Rh or yh < Ll:
                return NO
            if not (yl > Lh and yh < Rl):
                interior = False
        return YES if interior else UNKNOWN

    @njit(cache=True)
    def _itineraries(n, m, bl, bhh, sl, sh, cl, ch, flat, budget, st, ist):
        """YES / NO / UNKNOWN: a point of minimal period n whose orbit avoids flat pieces."""
        # st: (n + 1, 16) float scratch; columns:
        # 0..3 J (lo_l, lo_h, hi_l, hi_h); 4..7 K; 8..11 A_{d+1}, B_{d+1}
        pc = ist[0]
        qn = ist[1]
        qe = ist[2]
        nodes = 0
        unknown = False
        for p0 in range(m):
            if flat[p0] == 1:
                continue
            d = 0
            pc[0] = p0
            st[0, 0] = -_INF if p0 == 0 else bl[p0 - 1]
            st[0, 1] = -_INF if p0 == 0 else bhh[p0 - 1]
            st[0, 2] = _INF if p0 == m - 1 else bl[p0]
            st[0, 3] = _INF if p0 == m - 1 else bhh[p0]
            A_l = 1.0
            A_h = 1.0
            B_l = 0.0
            B_h = 0.0
            expand = True
            while d >= 0:
                if expand:
                    expand = False
                    q = pc[d]
                    spos = sl[q] > 0.0
                    if d > 0:
                        A_l = st[d - 1, 8]
                        A_h = st[d - 1, 9]
                        B_l = st[d - 1, 10]
                        B_h = st[d - 1, 11]
                    else:
                        A_l = 1.0
                        A_h = 1.0
                        B_l = 0.0
                        B_h = 0.0
                    # image K of J_d under piece q, and the composite
                    if spos:
                        k0, k1 = _aff_end(st[d, 0], st[d, 1], sl[q], sh[q], cl[q], ch[q], True)
                        k2, k3 = _aff_end(st[d, 2], st[d, 3], sl[q], sh[q], cl[q], ch[q], True)
                    else:
                        k0, k1 = _aff_end(st[d, 2], st[d, 3], sl[q], sh[q], cl[q], ch[q], False)
                        k2, k3 = _aff_end(st[d, 0], st[d, 1], sl[q], sh[q], cl[q], ch[q], False)
                    nA_l, nA_h = _imul(sl[q], sh[q], A_l, A_h)
                    tB_l, tB_h = _imul(sl[q], sh[q], B_l, B_h)
                    nB_l, nB_h = _iadd(tB_l, tB_h, cl[q], ch[q])
                    if not (_fin(nA_l) and _fin(nA_h) and _fin(nB_l) and _fin(nB_h)):
                        return UNKNOWN
                    # _aff_end gives NaN when a finite end overflows; infinite ends are genuine
                    if k0 != k0 or k2 != k2:
                        return UNKNOWN
                    st[d, 4] = k0
                    st[d, 5] = k1
                    st[d, 6] = k2
                    st[d, 7] = k3
                    st[d, 8] = nA_l
                    st[d, 9] = nA_h
                    st[d, 10] = nB_l
                    st[d, 11] = nB_h
                    if d == n - 1:
                        # leaf: the word pc[0..n-1] is complete
                        Dl = _dn(1.0 - nA_h)
                        Dh = _up(1.0 - nA_l)
                        if not (Dl > 0.0 or Dh < 0.0):
                            # 1 - A not certified non-zero: try to certify that F(x) = x has
                            # no solution in the (bounded) closure of J: (1 - A) x - B != 0
                            if not (_fin(k0) and _fin(k3) and _no_root(Dl, Dh, k0, k3, nB_l, nB_h)):
                                unknown = True
                        elif _primitive(pc, n):
                            xl, xh = _idiv(nB_l, nB_h, Dl, Dh)
                            if xh < k2 and xl > k1:
                                return YES
                            if not (xl > k3 or xh < k0):
                                # J's enclosure is too loose (e.g. F contracts hard): locate
                                # the orbit x_i = F_i(x*) itself, piece by piece
                                r = _orbit_check(n, pc, st, xl, xh, m, bl, bhh)
                                if r == YES:
                                    return YES
                                if r == UNKNOWN:
                                    unknown = True
                        d -= 1
                        continue
                    lo = 0 if k0 == -_INF else _first_candidate(bhh, m, k0)
                    hi = m - 1 if k3 == _INF else _last_candidate(bl, m, k3)
                    qn[d] = max(lo, p0)
                    qe[d] = hi
                # next candidate at depth d
                if qn[d] > qe[d]:
                    d -= 1
                    continue
                q = qn[d]
                qn[d] += 1
                if flat[q] == 1:
                    continue
                Ll = -_INF if q == 0 else bl[q - 1]
                Lh = -_INF if q == 0 else bhh[q - 1]
                Rl = _INF if q == m - 1 else bl[q]
                Rh = _INF if q == m - 1 else bhh[q]
                lo_l = max(st[d, 4], Ll)
                lo_h = max(st[d, 5], Lh)
                hi_l = min(st[d, 6], Rl)
                hi_h = min(st[d, 7], Rh)
                if lo_l > hi_h:
                    continue  # certified empty
                nodes += 1
                if nodes > budget:
                    return UNKNOWN
                d += 1
                pc[d] = q
                st[d, 0] = lo_l
                st[d, 1] = lo_h
                st[d, 2] = hi_l
                st[d, 3] = hi_h
                expand = True
        return UNKNOWN if unknown else NO

    @njit(cache=True)
    def _decide_n(n, found, unknown_from, m, bl, bhh, sl, sh, cl, ch, flat, budget, st, ist):
        if (found >> n) & 1:
            return YES
        r = _itineraries(n, m, bl, bhh, sl, sh, cl, ch, flat, budget, st, ist)
        if r == YES:
            return YES
        if r == UNKNOWN or n >= unknown_from:
            return UNKNOWN
        return NO

    @njit(cache=True)
    def _decide_one(w, bh, a, c, hcode, halpha, ocode, o1, o2, need3, needE, pstar, budget,
                    kv, kl, kh, korder, bl, bhh, sl, sh, cl, ch, flat, cval, st, ist, out):
        out[0] = UNKNOWN
        out[1] = UNKNOWN
        out[2] = UNKNOWN
        m = _build_pieces(w, bh, a, c, hcode, halpha, ocode, o1, o2,
                          kv, kl, kh, korder, bl, bhh, sl, sh, cl, ch, flat, cval)
        if m == 0:
            return
        nmax = 2
        if need3:
            nmax = 3
        if needE:
            nmax = max(nmax, pstar)
        found, unk = _flat_orbits(m, flat, cval, nmax, w, bh, a, c, hcode, halpha, ocode, o1, o2)
        r2 = _decide_n(2, found, unk, m, bl, bhh, sl, sh, cl, ch, flat, budget, st, ist)
        if r2 == NO:
            out[0] = NO
            out[1] = NO
            out[2] = NO
            return
        r3 = UNKNOWN
        rE = UNKNOWN
        if need3 or needE:
            r3 = _decide_n(3, found, unk, m, bl, bhh, sl, sh, cl, ch, flat, budget, st, ist)
            if r3 == YES:
                r2 = YES
                rE = YES
            elif needE:
                if pstar == 3:
                    rE = r3
                else:
                    rE = _decide_n(pstar, found, unk, m, bl, bhh, sl, sh, cl, ch, flat, budget, st, ist)
                if rE == NO:
                    r3 = NO  # 3 forces p*
                elif rE == YES:
                    r2 = YES  # every period other than 1 forces 2
        out[0] = r2
        out[1] = r3
        out[2] = rE

    @njit(cache=True, nogil=True)
    def _decide_range(W1, B1, W2, B2, hcode, halpha, ocode, o1, o2, need3, needE, pstar,
                      budget, out, start, end):
        k = W1.shape[1]
        M = 3 * (k + 1) + 2
        nst = max(pstar, 3) + 2
        kv = np.empty(k + 1)
        kl = np.empty(k + 1)
        kh = np.empty(k + 1)
        korder = np.empty(k + 1, dtype=np.int64)
        bl = np.empty(M)
        bhh = np.empty(M)
        sl = np.empty(M)
        sh = np.empty(M)
        cl = np.empty(M)
        chh = np.empty(M)
        flat = np.empty(M, dtype=np.int8)
        cval = np.empty(M)
        st = np.empty((nst, 16))
        ist = np.empty((3, nst), dtype=np.int64)
        res = np.empty(3, dtype=np.int8)
        for i in range(start, end):
            _decide_one(W1[i], B1[i], W2[i], B2[i], hcode, halpha, ocode, o1, o2,
                        need3, needE, pstar, budget, kv, kl, kh, korder, bl, bhh, sl, sh,
                        cl, chh, flat, cval, st, ist, res)
            out[i, 0] = res[0]
            out[i, 1] = res[1]
            out[i, 2] = res[2]


# ============================================================================ results
@dataclass
class Verdicts:
    """Per-network verdicts of :func:`decide`.

    ``arrays[c]`` is a boolean array (one entry per network) for each requested criterion
    ``c`` (True: certified yes).  For networks with tanh or sigmoid units the exact criteria
    come from the certified ball engine (:mod:`rnnchaos.certified.batch`), and the networks it
    leaves undecided are marked in ``undecided[c]`` (and are False in ``arrays[c]``).  ``exact_fallback[i]`` says network ``i`` was decided by the exact
    engine because the float filter could not decide it (or does not handle its
    architecture).  ``verdicts["period_3"]`` is ``verdicts.arrays["period_3"]``.

    >>> from rnnchaos.batch import sample_preset_batch
    >>> v = decide(sample_preset_batch("paper_he", 0, 0, 20), ("period_2",))
    >>> v["period_2"].shape, v.counts["period_2"] == int(v["period_2"].sum())
    ((20,), True)
    """

    criteria: tuple[str, ...]
    arrays: dict[str, np.ndarray | None]
    exact_fallback: np.ndarray
    entropy_max_period: int
    window: float | None = None
    #: per criterion, networks the certified (ball) engine left undecided (smooth units only);
    #: they are False in ``arrays`` and must be counted apart, never as a verdict
    undecided: dict[str, np.ndarray] | None = None

    def __getitem__(self, criterion: str) -> np.ndarray | None:
        if criterion not in self.arrays:
            raise KeyError(criterion)
        return self.arrays[criterion]

    def __contains__(self, criterion: str) -> bool:
        return criterion in self.arrays

    def __len__(self) -> int:
        return len(self.exact_fallback)

    @property
    def n(self) -> int:
        return len(self.exact_fallback)

    @property
    def counts(self) -> dict[str, int]:
        """Number of networks certified to satisfy each criterion."""
        return {c: int(np.count_nonzero(v)) for c, v in self.arrays.items()}

    @property
    def undecided_counts(self) -> dict[str, int]:
        """Number of networks left undecided per criterion (0 for piecewise-linear batches)."""
        return {c: int(np.count_nonzero(v)) for c, v in (self.undecided or {}).items()}

    @property
    def n_exact_fallback(self) -> int:
        return int(np.count_nonzero(self.exact_fallback))


# ============================================================================ entry point
def _check_criteria(criteria) -> tuple[str, ...]:
    if isinstance(criteria, str):
        criteria = [c.strip() for c in criteria.split(",") if c.strip()]
    try:
        out = tuple(criteria)
    except TypeError:
        raise SpecError("criteria", f"expected a sequence of criterion names, got {criteria!r}") from None
    if not out:
        raise SpecError("criteria", f"name at least one criterion; choose from {', '.join(CRITERIA)}")
    for c in out:
        if c not in CRITERIA:
            raise SpecError("criteria", f"unknown criterion {c!r}; choose from {', '.join(CRITERIA)}")
    return tuple(dict.fromkeys(out))


def _check_entropy_period(n) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise SpecError("entropy_max_period", f"expected an integer, got {n!r}")
    if not 3 <= n <= MAX_PERIOD:
        raise SpecError("entropy_max_period", f"must be in [3, {MAX_PERIOD}], got {n}")
    return int(n)


def _check_window(window, batch: NetworkBatch, needed: bool) -> float | None:
    if window is None:
        if not needed:
            return None
        preset = getattr(batch, "preset", None)
        if preset is None:
            raise SpecError("window", "required for reference_test on a batch not drawn from a "
                            "preset (the notebooks use 2 for network A, 1 for networks B and C)")
        return 2.0 if preset.name == "paper_a" else 1.0
    if isinstance(window, bool) or not isinstance(window, Real) or not np.isfinite(window) \
            or not window > 0:
        raise SpecError("window", f"must be a finite number > 0, got {window!r}")
    return float(window)


def _fast_path_layout(batch: NetworkBatch):
    """(W1, b1, a, c, hcode, halpha, ocode, o1, o2) when the filter handles the batch, else None."""
    if len(batch.layers) != 2 or not HAVE_NUMBA:
        return None
    l1, l2 = batch.layers
    hcode, halpha, _ = activation_code(l1.activation)
    ocode, o1, o2 = activation_code(l2.activation)
    if hcode not in (ACT_IDENTITY, ACT_RELU, ACT_LEAKY):
        return None
    # leaky_relu with slope 0 is relu (keeps clamped values exact); slope 1 is the identity
    if hcode == ACT_LEAKY and halpha == 0.0:
        hcode = ACT_RELU
    if hcode == ACT_LEAKY and halpha == 1.0:
        hcode, halpha = ACT_IDENTITY, 0.0
    if ocode == ACT_LEAKY and o1 == 0.0:
        ocode = ACT_RELU
    if ocode == ACT_LEAKY and o1 == 1.0:
        ocode, o1 = ACT_IDENTITY, 0.0
    if ocode not in (ACT_IDENTITY, ACT_RELU, ACT_LEAKY, ACT_HARDTANH):
        return None
    W1 = np.ascontiguousarray(l1.weight[:, :, 0])
    B1 = np.ascontiguousarray(l1.bias)
    A = np.ascontiguousarray(l2.weight[:, 0, :])
    C = np.ascontiguousarray(l2.bias[:, 0])
    return W1, B1, A, C, hcode, halpha, ocode, o1, o2


def fast_verdicts(batch: NetworkBatch, *, need_period_3: bool = True, need_entropy: bool = True,
                  entropy_max_period: int = 6, node_budget: int = DEFAULT_NODE_BUDGET,
                  threads: int | None = None) -> np.ndarray | None:
    """The float filter alone: an int8 array (B, 3) of (period_2, period_3, positive_entropy)
    codes, 1 = certified yes, 0 = certified no, -1 = undecided; None when the filter does not
    handle the batch's architecture.  Columns not requested may be -1.

    >>> from rnnchaos.batch import sample_preset_batch
    >>> codes = fast_verdicts(sample_preset_batch("paper_he", 0, 0, 50))
    >>> codes.shape, bool(((codes >= -1) & (codes <= 1)).all())
    ((50, 3), True)
    """
    layout = _fast_path_layout(batch)
    if layout is None:
        return None
    W1, B1, A, C, hcode, halpha, ocode, o1, o2 = layout
    pstar = sharkovsky_weakest_non_power_of_two(_check_entropy_period(entropy_max_period))
    nb = len(batch)
    out = np.empty((nb, 3), dtype=np.int8)
    args = (W1, B1, A, C, int(hcode), float(halpha), int(ocode), float(o1), float(o2),
            bool(need_period_3), bool(need_entropy), int(pstar), int(node_budget), out)
    k = W1.shape[1]
    run_chunks(lambda s, e: _decide_range(*args, s, e), nb, threads,
               min_chunk=max(1, 2048 // max(1, k)))
    return out


def decide(batch: NetworkBatch, criteria: Sequence[str] = CRITERIA, *, entropy_max_period: int = 6,
           window: float | None = None, node_budget: int = DEFAULT_NODE_BUDGET) -> Verdicts:
    """Decide the criteria for every network of ``batch``; exact verdicts equal the exact engine's.

    * ``criteria``: any of ``period_2``, ``period_3``, ``positive_entropy``,
      ``reference_test`` (see the module docstring for the definitions).
    * ``entropy_max_period`` N (3 .. ``periodic.MAX_PERIOD``): positive_entropy means a
      minimal period p <= N that is not a power of 2, i.e. ``periodic_orbits(f, N).positive_entropy``.
    * ``window`` (> 0): half-width of the reference test's grid; default 2 for a batch of
      preset ``paper_a``, 1 for other presets, required for batches not drawn from a preset.
    * ``node_budget``: itinerary nodes per network and period before the exact engine takes over.

    Networks the float filter cannot decide are sent to
    :func:`~rnnchaos.periodic.periodic_orbits` (``Verdicts.exact_fallback``).  Exact criteria
    of networks with tanh or sigmoid units come from the certified ball engine (undecided ones
    in ``Verdicts.undecided``).  Bad arguments raise
    :class:`~rnnchaos.errors.SpecError` naming the field.

    >>> from rnnchaos.batch import sample_preset_batch
    >>> from rnnchaos.periodic import periodic_orbits
    >>> batch = sample_preset_batch("paper_he", 1, 0, 100)
    >>> v = decide(batch, ("period_2", "period_3"))
    >>> all(v["period_2"][i] == (2 in periodic_orbits(batch.network(i), 2).periods)
    ...     for i in range(100))
    True
    """
    if not isinstance(batch, NetworkBatch):
        raise SpecError("batch", f"expected a NetworkBatch, got {type(batch).__name__}")
    criteria = _check_criteria(criteria)
    n_max = _check_entropy_period(entropy_max_period)
    window = _check_window(window, batch, "reference_test" in criteria)
    if isinstance(node_budget, bool) or not isinstance(node_budget, Integral) or node_budget < 1:
        raise SpecError("node_budget", f"must be an integer >= 1, got {node_budget!r}")
    nb = len(batch)
    arrays: dict[str, np.ndarray | None] = {}
    fallback = np.zeros(nb, dtype=bool)
    undecided_by: dict[str, np.ndarray] = {}
    exact = [c for c in criteria if c in EXACT_CRITERIA]
    if exact:
        if not batch.is_piecewise_linear:  # tanh / sigmoid: float filter + ball engine
            from .certified.batch import decide_smooth
            codes_smooth = decide_smooth(batch, exact, entropy_max_period=n_max)
            for c in exact:
                arrays[c] = codes_smooth[c] == 1
                undecided_by[c] = codes_smooth[c] == -1
        else:
            need3 = "period_3" in exact
            needE = "positive_entropy" in exact
            codes = fast_verdicts(batch, need_period_3=need3, need_entropy=needE,
                                  entropy_max_period=n_max, node_budget=node_budget)
            if codes is None:
                codes = np.full((nb, 3), UNKNOWN, dtype=np.int8)
            cols = {"period_2": 0, "period_3": 1, "positive_entropy": 2}
            undecided = np.zeros(nb, dtype=bool)
            for c in exact:
                undecided |= codes[:, cols[c]] == UNKNOWN
            fallback = undecided
            period = n_max if needE else (3 if need3 else 2)
            for i in np.flatnonzero(undecided):
                rep = periodic_orbits(batch.network(int(i)), period)
                periods = rep.periods
                codes[i, 0] = 2 in periods
                codes[i, 1] = 3 in periods
                codes[i, 2] = rep.positive_entropy
            for c in exact:
                arrays[c] = codes[:, cols[c]] == YES
    if "reference_test" in criteria:
        from .reference import reference_test
        arrays["reference_test"] = reference_test(batch, window)
    ordered = {c: arrays[c] for c in criteria}
    undecided = {c: undecided_by.get(c, np.zeros(nb, dtype=bool)) for c in criteria}
    return Verdicts(criteria, ordered, fallback, n_max, window, undecided)


__all__ = ["CRITERIA", "Verdicts", "decide", "fast_verdicts", "sharkovsky_weakest_non_power_of_two"]
