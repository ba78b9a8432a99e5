"""Step 3 of the batch filter: periodic orbits of minimal period n that avoid flat pieces.

Depth-first enumeration of the itineraries ``P_0 .. P_{n-1}`` of closed non-flat pieces
(see :mod:`.verdicts` for the method and its proof), over the ``pieces`` layout of
:mod:`.pieces`.

Every periodic orbit lies in the *core* ``E`` (:func:`core_interval`), so the roots and the
candidates at every depth are restricted to the pieces that meet ``E``.

The scratch array ``st`` has one row per depth ``d`` with the columns below: the enclosure
``J_d = [lo, hi]`` (each end itself an enclosure), its image ``K_d`` under piece ``pc[d]``, and
the composite map ``F_{d+1}(x) = A x + B`` of the pieces ``pc[0..d]``.
"""
from __future__ import annotations

from .._lib.jit import njit
from .intervals import INF, affine_end, down, finite, iadd, idiv, imul, up
from .pieces import (
    BOUND_HI,
    BOUND_LO,
    ENDS_HI_H,
    ENDS_HI_L,
    ENDS_LO_H,
    ENDS_LO_L,
    FLAT,
    ICPT_HI,
    ICPT_LO,
    SLOPE_HI,
    SLOPE_LO,
)

J_LO_L, J_LO_H, J_HI_L, J_HI_H = 0, 1, 2, 3
K_LO_L, K_LO_H, K_HI_L, K_HI_H = 4, 5, 6, 7
A_LO, A_HI, B_LO, B_HI = 8, 9, 10, 11
SCRATCH_COLUMNS = 12

#: Three-valued answers of the filter.
YES, NO, UNKNOWN = 1, 0, -1


@njit(cache=True)
def scratch_rows(max_period: int) -> int:
    """Rows of ``st`` and columns of ``ist`` enough for periods up to ``max_period``."""
    return max(max_period, 3) + 2

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
def _first_candidate(pieces, m, x):
    """Least q with piece q not certified left of x (right end's upper bound >= x)."""
    lo = 0
    hi = m - 1  # answer in [0, m-1]; piece m-1 extends to +inf
    while lo < hi:
        mid = (lo + hi) // 2
        if pieces[mid, BOUND_HI] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo

@njit(cache=True, inline="always")
def _last_candidate(pieces, m, x):
    """Greatest q with piece q not certified right of x (left end's lower bound <= x)."""
    lo = 0
    hi = m - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pieces[mid - 1, BOUND_LO] > x:
            hi = mid - 1
        else:
            lo = mid
    return lo

@njit(cache=True, inline="always")
def _no_root(Dl, Dh, xl, xh, Bl, Bh):
    """Certified: (1 - A) x - B != 0 for every 1 - A in [Dl, Dh], x in [xl, xh], B in [Bl, Bh]."""
    el, eh = imul(Dl, Dh, xl, xh)
    el = down(el - Bh)
    eh = up(eh - Bl)
    return el > 0.0 or eh < 0.0

@njit(cache=True)
def _orbit_check(n, pc, st, xl, xh, m, pieces, ends):
    """Where the orbit of x* (enclosure [xl, xh]) goes along the word pc[0..n-1]:
    NO if some x_i = F_i(x*) is certified outside its closed piece (x* does not follow
    the word), YES if every x_i is certified interior to its piece (x* follows the word,
    F(x*) = x*), UNKNOWN otherwise.  F_i is the composite after i steps (st[i-1, A_LO:B_HI+1])."""
    interior = True
    for i in range(n):
        if i == 0:
            yl = xl
            yh = xh
        else:
            yl, yh = imul(st[i - 1, A_LO], st[i - 1, A_HI], xl, xh)
            yl, yh = iadd(yl, yh, st[i - 1, B_LO], st[i - 1, B_HI])
        if not (finite(yl) and finite(yh)):
            return UNKNOWN
        q = pc[i]
        Ll = ends[ENDS_LO_L] if q == 0 else pieces[q - 1, BOUND_LO]
        Lh = ends[ENDS_LO_H] if q == 0 else pieces[q - 1, BOUND_HI]
        Rl = ends[ENDS_HI_L] if q == m - 1 else pieces[q, BOUND_LO]
        Rh = ends[ENDS_HI_H] if q == m - 1 else pieces[q, BOUND_HI]
        if yl > Rh or yh < Ll:
            return NO
        if not (yl > Lh and yh < Rl):
            interior = False
    return YES if interior else UNKNOWN

#: Rounds of E <- E ∩ hull f(E) in :func:`core_interval` (most of the shrinking is in the first 3).
CORE_ROUNDS = 3


@njit(cache=True)
def core_interval(pieces, m, rounds, ends):
    """An interval ``[elo, ehi]`` (ends may be infinite; ``elo > ehi``: empty) holding every
    periodic point of f.

    Lemma: a periodic orbit O satisfies O = f(O), so O inside E implies O inside
    E ∩ hull f(E); start from E = R (the pieces' domain, ``ends``, holds every periodic
    point: only the part of E inside it is mapped).  hull f(E) is enclosed piece by piece: a piece
    certified disjoint from E contributes nothing; on any other piece f is s x + t with s, t
    in their enclosures and x in the outer bounds of the piece clipped to E, so its image
    lies in the interval product plus the intercept enclosure (a flat piece: its exact
    constant).  Non-finite results give up (the whole line).
    """
    elo = -INF
    ehi = INF
    for _ in range(rounds):
        first = 0 if elo == -INF else _first_candidate(pieces, m, elo)
        last = m - 1 if ehi == INF else _last_candidate(pieces, m, ehi)
        nlo = INF
        nhi = -INF
        for q in range(first, last + 1):
            left = ends[ENDS_LO_L] if q == 0 else pieces[q - 1, BOUND_LO]
            right = ends[ENDS_HI_H] if q == m - 1 else pieces[q, BOUND_HI]
            if right < elo or left > ehi:
                continue  # certified disjoint from E
            if pieces[q, FLAT] == 1.0:
                lo = pieces[q, ICPT_LO]
                hi = pieces[q, ICPT_HI]
            else:
                lo, hi = imul(pieces[q, SLOPE_LO], pieces[q, SLOPE_HI],
                              max(left, elo), min(right, ehi))
                lo, hi = iadd(lo, hi, pieces[q, ICPT_LO], pieces[q, ICPT_HI])
                if lo != lo or hi != hi:
                    return -INF, INF
            nlo = min(nlo, lo)
            nhi = max(nhi, hi)
        nlo = max(nlo, elo)
        nhi = min(nhi, ehi)
        if nlo == elo and nhi == ehi:
            break
        elo = nlo
        ehi = nhi
        if elo > ehi:
            break
    return elo, ehi


@njit(cache=True)
def periodic_itinerary(n, m, pieces, ends, budget, st, ist, elo=-INF, ehi=INF):
    """YES / NO / UNKNOWN: a point of minimal period n whose orbit avoids flat pieces;
    every orbit point lies in [elo, ehi] (:func:`core_interval`), inside the pieces' domain
    ``ends``."""
    # st: (n + 1, SCRATCH_COLUMNS) floats, one row per depth d: the enclosure J_d, its image
    # K_d under piece pc[d], and the composite F_{d+1} = A x + B (columns named above).
    # ist: (3, n + 1) ints: the word pc, and the next and last candidate piece per depth.
    pc = ist[0]
    qn = ist[1]
    qe = ist[2]
    nodes = 0
    unknown = False
    if elo > ehi:
        return NO  # no periodic point at all
    core_first = 0 if elo == -INF else _first_candidate(pieces, m, elo)
    core_last = m - 1 if ehi == INF else _last_candidate(pieces, m, ehi)
    for p0 in range(core_first, core_last + 1):
        if pieces[p0, FLAT] == 1.0:
            continue
        d = 0
        pc[0] = p0
        st[0, J_LO_L] = ends[ENDS_LO_L] if p0 == 0 else pieces[p0 - 1, BOUND_LO]
        st[0, J_LO_H] = ends[ENDS_LO_H] if p0 == 0 else pieces[p0 - 1, BOUND_HI]
        st[0, J_HI_L] = ends[ENDS_HI_L] if p0 == m - 1 else pieces[p0, BOUND_LO]
        st[0, J_HI_H] = ends[ENDS_HI_H] if p0 == m - 1 else pieces[p0, BOUND_HI]
        A_l = 1.0
        A_h = 1.0
        B_l = 0.0
        B_h = 0.0
        expand = True
        while d >= 0:
            if expand:
                expand = False
                q = pc[d]
                s_l = pieces[q, SLOPE_LO]
                s_h = pieces[q, SLOPE_HI]
                c_l = pieces[q, ICPT_LO]
                c_h = pieces[q, ICPT_HI]
                spos = s_l > 0.0
                if d > 0:
                    A_l = st[d - 1, A_LO]
                    A_h = st[d - 1, A_HI]
                    B_l = st[d - 1, B_LO]
                    B_h = st[d - 1, B_HI]
                else:
                    A_l = 1.0
                    A_h = 1.0
                    B_l = 0.0
                    B_h = 0.0
                # image K of J_d under piece q, and the composite
                if spos:
                    k0, k1 = affine_end(st[d, J_LO_L], st[d, J_LO_H], s_l, s_h, c_l, c_h, True)
                    k2, k3 = affine_end(st[d, J_HI_L], st[d, J_HI_H], s_l, s_h, c_l, c_h, True)
                else:
                    k0, k1 = affine_end(st[d, J_HI_L], st[d, J_HI_H], s_l, s_h, c_l, c_h, False)
                    k2, k3 = affine_end(st[d, J_LO_L], st[d, J_LO_H], s_l, s_h, c_l, c_h, False)
                nA_l, nA_h = imul(s_l, s_h, A_l, A_h)
                tB_l, tB_h = imul(s_l, s_h, B_l, B_h)
                nB_l, nB_h = iadd(tB_l, tB_h, c_l, c_h)
                if not (finite(nA_l) and finite(nA_h) and finite(nB_l) and finite(nB_h)):
                    return UNKNOWN
                # _aff_end gives NaN when a finite end overflows; infinite ends are genuine
                if k0 != k0 or k2 != k2:
                    return UNKNOWN
                st[d, K_LO_L] = k0
                st[d, K_LO_H] = k1
                st[d, K_HI_L] = k2
                st[d, K_HI_H] = k3
                st[d, A_LO] = nA_l
                st[d, A_HI] = nA_h
                st[d, B_LO] = nB_l
                st[d, B_HI] = nB_h
                if d == n - 1:
                    # leaf: the word pc[0..n-1] is complete
                    Dl = down(1.0 - nA_h)
                    Dh = up(1.0 - nA_l)
                    if not (Dl > 0.0 or Dh < 0.0):
                        # 1 - A not certified non-zero: try to certify that F(x) = x has
                        # no solution in the (bounded) closure of J: (1 - A) x - B != 0
                        if not (finite(k0) and finite(k3) and _no_root(Dl, Dh, k0, k3, nB_l, nB_h)):
                            unknown = True
                    elif _primitive(pc, n):
                        xl, xh = idiv(nB_l, nB_h, Dl, Dh)
                        if xh < k2 and xl > k1:
                            return YES
                        if not (xl > k3 or xh < k0):
                            # J's enclosure is too loose (e.g. F contracts hard): locate
                            # the orbit x_i = F_i(x*) itself, piece by piece
                            r = _orbit_check(n, pc, st, xl, xh, m, pieces, ends)
                            if r == YES:
                                return YES
                            if r == UNKNOWN:
                                unknown = True
                    d -= 1
                    continue
                lo = 0 if k0 == -INF else _first_candidate(pieces, m, k0)
                hi = m - 1 if k3 == INF else _last_candidate(pieces, m, k3)
                qn[d] = max(lo, p0)
                qe[d] = min(hi, core_last)
            # next candidate at depth d
            if qn[d] > qe[d]:
                d -= 1
                continue
            q = qn[d]
            qn[d] += 1
            if pieces[q, FLAT] == 1.0:
                continue
            Ll = ends[ENDS_LO_L] if q == 0 else pieces[q - 1, BOUND_LO]
            Lh = ends[ENDS_LO_H] if q == 0 else pieces[q - 1, BOUND_HI]
            Rl = ends[ENDS_HI_L] if q == m - 1 else pieces[q, BOUND_LO]
            Rh = ends[ENDS_HI_H] if q == m - 1 else pieces[q, BOUND_HI]
            lo_l = max(st[d, K_LO_L], Ll)
            lo_h = max(st[d, K_LO_H], Lh)
            hi_l = min(st[d, K_HI_L], Rl)
            hi_h = min(st[d, K_HI_H], Rh)
            if lo_l > hi_h:
                continue  # certified empty
            nodes += 1
            if nodes > budget:
                return UNKNOWN
            d += 1
            pc[d] = q
            st[d, J_LO_L] = lo_l
            st[d, J_LO_H] = lo_h
            st[d, J_HI_L] = hi_l
            st[d, J_HI_H] = hi_h
            expand = True
    return UNKNOWN if unknown else NO

