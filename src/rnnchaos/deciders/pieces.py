"""Certified pieces of a depth-2 scalar network f, and the orbits through its flat pieces.

Step 1 and 2 of the batch filter (the method and its proof are in :mod:`.verdicts`).

A network here is ``f(x) = out(sum_j a_j h(w_j x + b_j) + c)`` with hidden activation code
``hcode`` (identity, relu, leaky_relu of slope ``halpha``) and output code ``ocode``
(identity, relu, leaky_relu of slope ``o1``, hardtanh on ``[o1, o2]``), the codes of
:func:`rnnchaos.networks.batch.activation_code`.

Layouts (numba arrays, one row per item, columns named below):

* ``kinks`` ``(k + 1, KINK_COLUMNS)``: the kink ``-b_j / w_j`` of each kinked hidden unit
  (``KINK_AT``, its rounded value, used for sorting; ``KINK_LO``/``KINK_HI``, its
  enclosure; ``KINK_UNIT``, the unit ``j``);
* ``pieces`` ``(M, PIECE_COLUMNS)``: piece ``i`` is ``[b_{i-1}, b_i]`` with ``b_i`` enclosed
  by ``(BOUND_LO, BOUND_HI)``, ``f(x) = s x + t``
  there with ``s`` in ``(SLOPE_LO, SLOPE_HI)`` and ``t`` in ``(ICPT_LO, ICPT_HI)``;
  ``FLAT`` is 1 for a structurally flat piece, whose exactly known value is ``CONST``;
* ``ends`` ``(4,)``: the two ends of the pieces' domain ``[b_{-1}, b_{m-1}]``, each enclosed
  (``ENDS_LO_L, ENDS_LO_H`` and ``ENDS_HI_L, ENDS_HI_H``; -inf and +inf when the pieces
  cover R).  Outside it the formulas of pieces 0 and m-1 are not f.

Why a domain: f's values lie in ``[L, U]`` (:func:`value_bounds`: ``[0, inf)`` for a relu
output, ``[min_val, max_val]`` for hardtanh), and every periodic point x = f(f^{p-1}(x)) is
a value of f.  So the pieces are built only between the last kink certified below L and
the first kink certified above U: every periodic point lies inside, and so does
f([b_{-1}, b_{m-1}]) (a subset of [L, U]), which the monotone and orbit arguments of
:mod:`.verdicts` need.  At width 1024 about half the kinks of a relu output lie below 0.
"""
from __future__ import annotations

import numpy as np

from .._lib.jit import njit
from .intervals import INF, down, finite, iadd, idiv, imul, up, zone, zone_exact

KINK_AT, KINK_LO, KINK_HI, KINK_UNIT = range(4)
ENDS_LO_L, ENDS_LO_H, ENDS_HI_L, ENDS_HI_H = range(4)
KINK_COLUMNS = 4
BOUND_LO, BOUND_HI, SLOPE_LO, SLOPE_HI, ICPT_LO, ICPT_HI, FLAT, CONST = range(8)
PIECE_COLUMNS = 8

#: Activation codes (as in :func:`rnnchaos.networks.batch.activation_code`).
IDENTITY, RELU, LEAKY, HARDTANH = 0, 1, 2, 3


@njit(cache=True)
def piece_capacity(width: int) -> int:
    """Rows of ``pieces`` enough for any width-``width`` network: each of the ``width + 1``
    pieces of the hidden sum is cut at most twice by the output thresholds."""
    return 3 * (width + 1) + 2


@njit(cache=True)
def _hidden_value(wj, bj, kinked, alpha):
    """Enclosure of h(b_j) for a unit with constant input (w_j = 0)."""
    if kinked and bj < 0.0:
        if alpha == 0.0:
            return 0.0, 0.0
        return down(alpha * bj), up(alpha * bj)
    return bj, bj


@njit(cache=True)
def _left_tail(w, bh, a, c, kinked, alpha, kinks):
    """Slope S and intercept T of the hidden sum g on the leftmost piece (x -> -inf), the
    constant Cb that g takes where no unit is active, and the kinks (unsorted).

    Returns (S_l, S_h, T_l, T_h, cb_l, cb_h, cb_exact, n_linear, n_active, n_kinks).
    """
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
    for j in range(w.shape[0]):
        aj = a[j]
        wj = w[j]
        bj = bh[j]
        if aj == 0.0:
            continue
        if not kinked or wj == 0.0:
            if wj == 0.0:  # constant input: the unit is a constant a_j h(b_j)
                hl, hh = _hidden_value(wj, bj, kinked, alpha)
                if hl != 0.0 or hh != 0.0:
                    ql, qh = imul(aj, aj, hl, hh)
                    T_l, T_h = iadd(T_l, T_h, ql, qh)
                    cb_l, cb_h = iadd(cb_l, cb_h, ql, qh)
                    cb_exact = False
            else:  # a linear unit
                nlin += 1
                pl, ph = imul(aj, aj, wj, wj)
                ql, qh = imul(aj, aj, bj, bj)
                S_l, S_h = iadd(S_l, S_h, pl, ph)
                T_l, T_h = iadd(T_l, T_h, ql, qh)
            continue
        t = -bj / wj  # a kinked unit, kink at -b_j / w_j
        kinks[nk, KINK_AT] = t
        kinks[nk, KINK_LO] = down(t)
        kinks[nk, KINK_HI] = up(t)
        kinks[nk, KINK_UNIT] = j
        nk += 1
        pl, ph = imul(aj, aj, wj, wj)
        ql, qh = imul(aj, aj, bj, bj)
        if wj < 0.0:  # active at -inf
            nact += 1
            S_l, S_h = iadd(S_l, S_h, pl, ph)
            T_l, T_h = iadd(T_l, T_h, ql, qh)
        elif alpha != 0.0:  # the leaky part is active at -inf
            pl, ph = imul(alpha, alpha, pl, ph)
            ql, qh = imul(alpha, alpha, ql, qh)
            S_l, S_h = iadd(S_l, S_h, pl, ph)
            T_l, T_h = iadd(T_l, T_h, ql, qh)
    return S_l, S_h, T_l, T_h, cb_l, cb_h, cb_exact, nlin, nact, nk


#: Widths up to this sort their kinks inside the kernel (insertion sort, fastest there);
#: wider networks get them presorted by numpy (:func:`kink_sort_keys`), whose sort is 3-7x
#: faster than numba's at widths 64-1024 (and an insertion sort's quadratic cost is avoided).
INSERTION_SORT_MAX = 24


@njit(cache=True)
def _kinks_certified(kinks, nk):
    """True when the sorted kinks' enclosures are finite and certified strictly increasing."""
    for i in range(nk - 1):
        if not (kinks[i, KINK_HI] < kinks[i + 1, KINK_LO]):
            return False
    for i in range(nk):
        if not (finite(kinks[i, KINK_LO]) and finite(kinks[i, KINK_HI])):
            return False
    return True


@njit(cache=True)
def _sort_kinks(kinks, nk):
    """Sort the kinks by KINK_AT (insertion sort: the widths up to INSERTION_SORT_MAX that
    come here unsorted); True when their enclosures are certified strictly increasing and
    finite (ties and overflow go to the exact engine)."""
    for i in range(1, nk):
        at = kinks[i, KINK_AT]
        lo = kinks[i, KINK_LO]
        hi = kinks[i, KINK_HI]
        unit = kinks[i, KINK_UNIT]
        jj = i - 1
        while jj >= 0 and kinks[jj, KINK_AT] > at:
            for col in range(KINK_COLUMNS):
                kinks[jj + 1, col] = kinks[jj, col]
            jj -= 1
        kinks[jj + 1, KINK_AT] = at
        kinks[jj + 1, KINK_LO] = lo
        kinks[jj + 1, KINK_HI] = hi
        kinks[jj + 1, KINK_UNIT] = unit
    return _kinks_certified(kinks, nk)


@njit(cache=True)
def index_bits(k):
    """Low bits of a packed key that hold a unit index 0 .. k-1."""
    bits = 1
    while (1 << bits) < k:
        bits += 1
    return bits


@njit(cache=True, nogil=True)
def kink_sort_keys(W1, B1, A, keys, start, end):
    """Packed sort keys of the kinks of networks start .. end-1 into ``keys[start:end]``.

    Key of unit j: the bits of its kink -b_j / w_j mapped monotonically to int64 (negative
    doubles have their magnitude bits flipped), the low :func:`index_bits` bits replaced by
    j; units without a kink (a_j = 0 or w_j = 0) get the largest keys.  Sorting a row
    (numpy) sorts the kinks; truncating the low bits can only misorder kinks that agree to
    about 2**-40 relatively, and :func:`_kinks_certified` refuses any misordered pair
    (the network then goes to the exact engine), so the order never decides anything.
    """
    k = W1.shape[1]
    bits = index_bits(k)
    low = (np.int64(1) << bits) - 1
    top = np.int64(0x7FFFFFFFFFFFFFFF) & ~low
    flip = np.int64(0x7FFFFFFFFFFFFFFF)
    at = np.empty(1)
    at_bits = at.view(np.int64)
    for i in range(start, end):
        for j in range(k):
            if A[i, j] == 0.0 or W1[i, j] == 0.0:
                keys[i, j] = top | j
                continue
            at[0] = -B1[i, j] / W1[i, j]
            b = at_bits[0]
            if b < 0:
                b = b ^ flip
            keys[i, j] = (b & ~low) | j


@njit(cache=True)
def _kinks_from_keys(keys, nk, w, bh, a, kinks):
    """The kinks in the order of the sorted packed ``keys`` (:func:`kink_sort_keys`); True
    when certified strictly increasing and finite."""
    low = (np.int64(1) << index_bits(keys.shape[0])) - 1
    for r in range(nk):
        j = keys[r] & low
        if a[j] == 0.0 or w[j] == 0.0:
            return False  # not a kink: cannot happen for keys of this network
        t = -bh[j] / w[j]
        kinks[r, KINK_AT] = t
        kinks[r, KINK_LO] = down(t)
        kinks[r, KINK_HI] = up(t)
        kinks[r, KINK_UNIT] = j
    return _kinks_certified(kinks, nk)


@njit(cache=True)
def _output_thresholds(ocode, o1, o2):
    """(t0, t1, nth): the nth thresholds where the output activation changes piece."""
    if ocode == RELU or ocode == LEAKY:
        return 0.0, 0.0, 1
    if ocode == HARDTANH:
        return o1, o2, 2
    return 0.0, 0.0, 0


@njit(cache=True)
def _append_piece(pieces, m, left_l, left_h, is_flat, value, sl, sh, cl, ch):
    """Append a piece starting at the boundary (left_l, left_h); a flat piece equal to a flat
    predecessor is merged into it.  Returns the new number of pieces."""
    if is_flat and m > 0 and pieces[m - 1, FLAT] == 1.0 and pieces[m - 1, CONST] == value:
        return m
    if m > 0:
        pieces[m - 1, BOUND_LO] = left_l
        pieces[m - 1, BOUND_HI] = left_h
    if is_flat:
        pieces[m, SLOPE_LO] = 0.0
        pieces[m, SLOPE_HI] = 0.0
        pieces[m, ICPT_LO] = value
        pieces[m, ICPT_HI] = value
        pieces[m, FLAT] = 1.0
        pieces[m, CONST] = value
    else:
        pieces[m, SLOPE_LO] = sl
        pieces[m, SLOPE_HI] = sh
        pieces[m, ICPT_LO] = cl
        pieces[m, ICPT_HI] = ch
        pieces[m, FLAT] = 0.0
        pieces[m, CONST] = 0.0
    return m + 1


@njit(cache=True)
def _flat_value(cb_l, cb_h, cb_exact, ocode, o1, o2, t0, t1, nth):
    """(ok, v): the exact value out(Cb) of f where g is the constant Cb; ok is False when it
    is not an exactly known double."""
    if cb_exact:
        v = cb_l
        if ocode == RELU:
            v = v if v > 0.0 else 0.0
        elif ocode == HARDTANH:
            v = o1 if v < o1 else (o2 if v > o2 else v)
        elif ocode == LEAKY and v < 0.0:
            return False, 0.0  # a scaled constant would not be exact
        return True, v
    z = zone(cb_l, cb_h, t0, t1, nth)
    if ocode == RELU and z == 0:
        return True, 0.0
    if ocode == HARDTANH and z == 0:
        return True, o1
    if ocode == HARDTANH and z == 2:
        return True, o2
    return False, 0.0


@njit(cache=True)
def _segment_map(z, ocode, o1, o2, S_l, S_h, T_l, T_h):
    """f on a segment where g = S x + T lies in output zone z:
    (is_flat, value, slope_lo, slope_hi, icpt_lo, icpt_hi)."""
    if ocode == RELU and z == 0:
        return True, 0.0, S_l, S_h, T_l, T_h
    if ocode == HARDTANH and z == 0:
        return True, o1, S_l, S_h, T_l, T_h
    if ocode == HARDTANH and z == 2:
        return True, o2, S_l, S_h, T_l, T_h
    if ocode == LEAKY and z == 0:
        if o1 == 0.0:
            return True, 0.0, S_l, S_h, T_l, T_h
        fsl, fsh = imul(o1, o1, S_l, S_h)
        fcl, fch = imul(o1, o1, T_l, T_h)
        return False, 0.0, fsl, fsh, fcl, fch
    return False, 0.0, S_l, S_h, T_l, T_h


@njit(cache=True)
def _end_zone(end_l, end_h, infinite_zone, adjacent_flat, cb_exact, cb_l, rising,
              S_l, S_h, T_l, T_h, t0, t1, nth):
    """Output zone of g next to one end of a g-piece; -1 when not certified."""
    if end_l == -INF or end_l == INF:
        return infinite_zone
    if adjacent_flat and cb_exact:
        # g(end) = Cb exactly (continuity with the flat piece beside it)
        return zone_exact(cb_l, t0, t1, nth, rising)
    vl, vh = imul(S_l, S_h, end_l, end_h)
    vl, vh = iadd(vl, vh, T_l, T_h)
    return zone(vl, vh, t0, t1, nth)


@njit(cache=True)
def _certify_pieces(pieces, m):
    """True when the boundaries are finite and strictly increasing, all data finite and every
    non-flat slope certified non-zero."""
    for i in range(m - 1):
        if not (finite(pieces[i, BOUND_LO]) and finite(pieces[i, BOUND_HI])):
            return False
        if i > 0 and not (pieces[i - 1, BOUND_HI] < pieces[i, BOUND_LO]):
            return False
    for i in range(m):
        if not (finite(pieces[i, SLOPE_LO]) and finite(pieces[i, SLOPE_HI])
                and finite(pieces[i, ICPT_LO]) and finite(pieces[i, ICPT_HI])):
            return False
        if pieces[i, FLAT] == 0.0 and not (pieces[i, SLOPE_LO] > 0.0 or pieces[i, SLOPE_HI] < 0.0):
            return False
    return True


@njit(cache=True)
def value_bounds(ocode, o1, o2):
    """(L, U): every value of f lies in [L, U], read off the output activation (exact:
    relu and hardtanh clamp exactly); (-inf, inf) for identity and leaky_relu outputs."""
    if ocode == RELU:
        return 0.0, INF
    if ocode == HARDTANH:
        return o1, o2
    return -INF, INF


@njit(cache=True)
def build_pieces(w, bh, a, c, hcode, halpha, ocode, o1, o2, kinks, pieces, keys, ends):
    """Pieces of f for one depth-2 network into ``pieces`` and their domain into ``ends``;
    returns their number m (> 0), or 0 when a needed fact could not be certified.
    ``keys``: the network's sorted packed kink keys (:func:`kink_sort_keys`), or an empty
    array to sort the kinks here.

    The hidden sum g is affine between consecutive kinks (its "g-pieces"); each g-piece is
    cut where g crosses an output threshold, the zone of g at both ends being certified.
    Only the g-pieces that may meet [L, U] (:func:`value_bounds`) are cut into pieces; the
    others only carry the running slope and intercept of g across their kinks.
    """
    kinked = hcode == RELU or (hcode == LEAKY and halpha != 1.0)
    alpha = halpha if hcode == LEAKY else 0.0
    S_l, S_h, T_l, T_h, cb_l, cb_h, cb_exact, nlin, nact, nk = _left_tail(
        w, bh, a, c, kinked, alpha, kinks)
    if keys.shape[0] > 0:
        if not _kinks_from_keys(keys, nk, w, bh, a, kinks):
            return 0
    elif not _sort_kinks(kinks, nk):
        return 0
    if alpha != 0.0:  # crossing a kink adds (1 - alpha) of the unit
        om_l = down(1.0 - alpha)
        om_h = up(1.0 - alpha)
    else:
        om_l = 1.0
        om_h = 1.0
    t0, t1, nth = _output_thresholds(ocode, o1, o2)
    vlo, vhi = value_bounds(ocode, o1, o2)
    first = 0  # the first g-piece that may meet [L, U]: its right kink is not certified < L
    while first < nk and kinks[first, KINK_HI] < vlo:
        first += 1
    last = first  # the last one: the g-pieces after it start at kinks certified > U
    while last < nk and not kinks[last, KINK_LO] > vhi:
        last += 1
    ends[ENDS_LO_L] = -INF if first == 0 else kinks[first - 1, KINK_LO]
    ends[ENDS_LO_H] = -INF if first == 0 else kinks[first - 1, KINK_HI]
    ends[ENDS_HI_L] = INF if last == nk else kinks[last, KINK_LO]
    ends[ENDS_HI_H] = INF if last == nk else kinks[last, KINK_HI]
    m = 0
    prev_flat = False
    for p in range(last + 1):  # g-piece p: between kink p-1 and kink p
        if p > 0:
            j = int(kinks[p - 1, KINK_UNIT])
            aj = a[j]
            pl, ph = imul(aj, aj, w[j], w[j])
            ql, qh = imul(aj, aj, bh[j], bh[j])
            if alpha != 0.0:
                pl, ph = imul(om_l, om_h, pl, ph)
                ql, qh = imul(om_l, om_h, ql, qh)
            if w[j] > 0.0:
                nact += 1
                S_l, S_h = iadd(S_l, S_h, pl, ph)
                T_l, T_h = iadd(T_l, T_h, ql, qh)
            else:
                nact -= 1
                S_l, S_h = iadd(S_l, S_h, -ph, -pl)
                T_l, T_h = iadd(T_l, T_h, -qh, -ql)
            left_l = kinks[p - 1, KINK_LO]
            left_h = kinks[p - 1, KINK_HI]
        else:
            left_l = -INF
            left_h = -INF
        if p < nk:
            right_l = kinks[p, KINK_LO]
            right_h = kinks[p, KINK_HI]
        else:
            right_l = INF
            right_h = INF
        gflat = nlin == 0 and nact == 0 and (alpha == 0.0 or nk == 0)
        next_flat = False
        if p < nk and alpha == 0.0 and nlin == 0:
            nact_next = nact + 1 if w[int(kinks[p, KINK_UNIT])] > 0.0 else nact - 1
            next_flat = nact_next == 0
        this_prev_flat = prev_flat
        prev_flat = gflat
        if p < first:
            continue  # left of L: only g's running slope and intercept are needed
        if gflat:
            ok, v = _flat_value(cb_l, cb_h, cb_exact, ocode, o1, o2, t0, t1, nth)
            if not ok:
                return 0
            m = _append_piece(pieces, m, left_l, left_h, True, v, 0.0, 0.0, v, v)
            continue
        if not (S_l > 0.0 or S_h < 0.0):
            return 0
        spos = S_l > 0.0
        if nth == 0:
            zl = 0
            zr = 0
        else:
            zl = _end_zone(left_l, left_h, 0 if spos else nth, this_prev_flat, cb_exact, cb_l,
                           spos, S_l, S_h, T_l, T_h, t0, t1, nth)
            zr = _end_zone(right_l, right_h, nth if spos else 0, next_flat, cb_exact, cb_l,
                           not spos, S_l, S_h, T_l, T_h, t0, t1, nth)
            if zl < 0 or zr < 0:
                return 0
        m = _walk_zones(pieces, m, zl, zr, spos, left_l, left_h, right_l, right_h,
                        S_l, S_h, T_l, T_h, ocode, o1, o2, t0, t1)
        if m < 0:
            return 0
    if not _certify_pieces(pieces, m):
        return 0
    return m


@njit(cache=True)
def _walk_zones(pieces, m, zl, zr, spos, left_l, left_h, right_l, right_h,
                S_l, S_h, T_l, T_h, ocode, o1, o2, t0, t1):
    """Append the segments of one g-piece, from output zone zl to zr, as pieces of f.
    Returns the new number of pieces, or -1 when a threshold crossing is not certified."""
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
            nl, nh = down(theta - T_h), up(theta - T_l)
            end_l, end_h = idiv(nl, nh, S_l, S_h)
            end_l = max(end_l, left_l)
            end_h = min(end_h, right_h)
            if not (finite(end_l) and finite(end_h)):
                return -1
        is_flat, v, fsl, fsh, fcl, fch = _segment_map(z, ocode, o1, o2, S_l, S_h, T_l, T_h)
        m = _append_piece(pieces, m, seg_l, seg_h, is_flat, v, fsl, fsh, fcl, fch)
        if z == zr:
            return m
        seg_l = end_l
        seg_h = end_h
        z = z + 1 if spos else z - 1


@njit(cache=True)
def rising_by_signs(w, a, hcode, halpha, ocode, o1):
    """True when f is nondecreasing by the signs of its weights alone: nondecreasing
    activations (identity, relu, leaky_relu and hardtanh with a slope >= 0) and
    a_j w_j >= 0 for every unit j, so that each a_j h(w_j x + b_j) is nondecreasing in x.
    (Exact: only signs are compared; a False says nothing.)"""
    if hcode == LEAKY and not halpha >= 0.0:
        return False
    if ocode == LEAKY and not o1 >= 0.0:
        return False
    for j in range(w.shape[0]):
        if not ((a[j] >= 0.0 and w[j] >= 0.0) or (a[j] <= 0.0 and w[j] <= 0.0)):
            return False
    return True


@njit(cache=True)
def certified_trend(pieces, m):
    """+1 when f is certified nondecreasing on R (every non-flat piece has a slope
    enclosure above 0), -1 when certified nonincreasing, 0 otherwise.  f is continuous and
    flat pieces are constant, so the slope signs of the pieces decide it."""
    rising = True
    falling = True
    for i in range(m):
        if pieces[i, FLAT] == 1.0:
            continue
        if not pieces[i, SLOPE_LO] > 0.0:
            rising = False
        if not pieces[i, SLOPE_HI] < 0.0:
            falling = False
        if not (rising or falling):
            return 0
    if rising:
        return 1
    return -1


@njit(cache=True)
def eval_interval(yl, yh, w, bh, a, c, hcode, halpha, ocode, o1, o2):
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
            zl = down(down(min(p1, p2)) + bh[j])
            zh = up(up(max(p1, p2)) + bh[j])
            if not (finite(zl) and finite(zh)):
                return np.nan, np.nan
        if hcode == RELU:
            hl = zl if zl > 0.0 else 0.0
            hh = zh if zh > 0.0 else 0.0
        elif hcode == LEAKY:
            if zl >= 0.0:
                hl = zl
            else:
                hl = down(halpha * zl)
            if zh >= 0.0:
                hh = zh
            else:
                hh = up(halpha * zh)
        else:
            hl = zl
            hh = zh
        if hl == 0.0 and hh == 0.0:
            continue
        ql, qh = imul(aj, aj, hl, hh)
        gl = down(gl + ql)
        gh = up(gh + qh)
    if not (finite(gl) and finite(gh)):
        return np.nan, np.nan
    if ocode == RELU:
        return (gl if gl > 0.0 else 0.0), (gh if gh > 0.0 else 0.0)
    if ocode == LEAKY:
        rl = gl if gl >= 0.0 else down(o1 * gl)
        rh = gh if gh >= 0.0 else up(o1 * gh)
        if o1 == 0.0:
            rl = gl if gl > 0.0 else 0.0
            rh = gh if gh > 0.0 else 0.0
        return rl, rh
    if ocode == HARDTANH:
        rl = o1 if gl < o1 else (o2 if gl > o2 else gl)
        rh = o1 if gh < o1 else (o2 if gh > o2 else gh)
        return rl, rh
    return gl, gh

@njit(cache=True)
def eval_on_pieces(yl, yh, pieces, m):
    """(ok, lo, hi): enclosure of f([yl, yh]) from the piece certified to contain [yl, yh]
    (exact on a flat piece, affine otherwise); ok is False when no single closed piece is
    certified to contain it (the caller then evaluates the network directly)."""
    lo = 0
    hi = m - 1  # least q whose right end is certified >= yh (piece m-1 reaches +inf)
    while lo < hi:
        mid = (lo + hi) // 2
        if pieces[mid, BOUND_LO] >= yh:
            hi = mid
        else:
            lo = mid + 1
    q = lo
    if q < m - 1 and not pieces[q, BOUND_LO] >= yh:
        return False, 0.0, 0.0
    if q > 0 and not pieces[q - 1, BOUND_HI] <= yl:
        return False, 0.0, 0.0
    if pieces[q, FLAT] == 1.0:
        return True, pieces[q, CONST], pieces[q, CONST]
    rl, rh = imul(pieces[q, SLOPE_LO], pieces[q, SLOPE_HI], yl, yh)
    rl, rh = iadd(rl, rh, pieces[q, ICPT_LO], pieces[q, ICPT_HI])
    if not (finite(rl) and finite(rh)):
        return False, 0.0, 0.0
    return True, rl, rh


@njit(cache=True)
def flat_orbits(pieces, m, nmax, w, bh, a, c, hcode, halpha, ocode, o1, o2):
    """(found, unknown_from): bit d of found is set when the constant of a flat piece has
    minimal period d <= nmax; periods >= unknown_from (nmax+1 if none) are uncertain."""
    found = 0
    unknown_from = nmax + 1
    for i in range(m):
        if pieces[i, FLAT] == 0.0:
            continue
        v = pieces[i, CONST]
        dup = False
        for i2 in range(i):
            if pieces[i2, FLAT] == 1.0 and pieces[i2, CONST] == v:
                dup = True
                break
        if dup:
            continue
        yl = v
        yh = v
        for step in range(1, nmax + 1):
            if step >= unknown_from:
                break
            # through the certified pieces (O(log m)) when one holds the point, else directly
            ok, ql, qh = eval_on_pieces(yl, yh, pieces, m)
            if ok:
                yl, yh = ql, qh
            else:
                yl, yh = eval_interval(yl, yh, w, bh, a, c, hcode, halpha, ocode, o1, o2)
            if yl == v and yh == v:
                found |= 1 << step
                break
            if yl > v or yh < v:
                continue
            unknown_from = step
            break
    return found, unknown_from

