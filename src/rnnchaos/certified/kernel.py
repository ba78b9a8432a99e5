"""A compiled, rigorous decision kernel for batches of smooth scalar networks: the
mathematics of :mod:`rnnchaos.certified.periodic` in float64 interval arithmetic
(:mod:`rnnchaos.certified.intervals`), one numba call over the whole batch.

Specification.  ``kernel_verdicts(batch, periods)`` returns, per network and wanted
period p (each >= 2), a code 1 (certified yes: a point of minimal period p exists),
0 (certified no: none exists) or -1 (the kernel cannot decide: callers hand the network to
the arb engine), with a witness per decided verdict (``KernelResult``).  Every code 1 or 0
is a proof, by the arguments below, using only outward-rounded interval operations; any
NaN or infinite bound makes a test fail, so it leads to -1, never to a verdict.

Enclosures of f over a box (``box_eval``).  Forward propagation of intervals through the
layers, z = W h + b, a = act(z), with the derivative da = act'(Z) dz carried along
(forward-mode chain rule; at a kink of relu, leaky_relu or hardtanh both one-sided
derivatives count), exactly as :mod:`rnnchaos.certified.enclosures` does with balls.  By
the mean-value lemma stated there (f Lipschitz and piecewise C^1), f(X) is in
f(m) + f'(X)(X - m) for m in X, and 0 not in f'(X) makes f strictly monotone on X.
``iterate_box`` encloses f^k(X) and (f^k)'(X), k <= n, as ``BallMap.iterate``: the naive
enclosure intersected with the mean-value form around the float midpoint m, and
h_k(X) = (f^k - id)(X) as (f^k(m) - m) + ((f^k)'(X) - 1)(X - m) met with f^k(X) - X.

Invariant interval J (``invariant``): the lemma and construction of
:mod:`rnnchaos.certified.invariant`: E_1 encloses f(R) (propagation of (-inf, inf));
three rounds of E <- E intersected with the union of enclosures of f over six pieces of E
(hull of the end values on a piece where f' has one strict sign); J is E widened by a
margin.  Every periodic orbit lies in J.

Floating-point evaluation with libm (``float_eval``) only *proposes*: a direction of
monotonicity to prove, brackets to prove; a bad proposal costs time, never correctness.

Verdicts (the proofs of :mod:`rnnchaos.certified.periodic`):

* monotone: f' > 0 on every cell of a subdivision of J: every periodic point is fixed
  (no period >= 2); f' < 0 on every cell: every period is 1 or 2.
* yes by bracket (``prove_bracket``): strict opposite signs of h_p at the ends a < b
  (point enclosures) give a root r of h_p in [a, b] (intermediate value theorem); for
  every proper divisor d of p an enclosure of h_d over [a, b] excluding 0 gives
  f^d(r) != r, and a d not dividing p cannot have f^d(r) = r (the minimal period divides
  p and d).  So r has minimal period p.  Existence is all a yes needs; no uniqueness.
  The bracket is the witness.  Brackets are proposed by a float scan of J (proposals
  only) and narrowed by bisection with strict sign tests.
* exhaustive (``exhaustive``): branch and bound over J as in
  :func:`rnnchaos.certified.roots.isolate`: a box whose h_p enclosure excludes 0 holds no
  root; a box where h_p' excludes 0 and h_p has strict opposite signs at the ends holds
  exactly one root (strictly equal signs: none).  Each such root box is then classified:
  all proper-divisor enclosures exclude 0 -> a point of minimal period p (yes); for some
  proper divisor d, h_d' excludes 0 and h_d changes sign strictly across the box -> h_d
  has a root there, which is a root of h_p, hence the unique one: not of minimal period p.
  A box X is also settled when, for some k < p, an enclosure of f^k(X) lies in X and one
  of (f^k)' over X lies in (-1, 1): f^k is then a contraction of X into itself (mean-value
  lemma), with one fixed point x*; a periodic point x in X has f^(k n)(x) = x for its
  period n, its f^k-orbit stays in X, and |x - x*| = |f^(k n)(x) - f^(k n)(x*)| <=
  L^n |x - x*| with L < 1 gives x = x*, so its minimal period divides k < p: X holds no
  point of minimal period p (a trap around an attracting cycle, where h_p is flat and
  costs many boxes otherwise).
  When every box is settled and every root box is of the second kind, no point of minimal
  period p lies in J, hence none exists (no).  The witness is the number of boxes.
  A box narrower than the tangency width, a budget overrun or an unclassifiable root box
  makes the search return -1.
* Sharkovsky: a yes of q gives a yes of every period after q in Sharkovsky's order, a no
  of q a no of every period before it (the ranks are passed in by the caller).  Helper
  periods (:func:`helper_periods`: 4 beside 2 and 3 or 6) are searched for this alone.

Order per network (``decide_one``): J, monotone shortcuts, exhaustive searches from the
weakest period up (an absence settles every stronger period), then float-proposed
brackets for what the searches left open.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._lib.jit import njit
from .._lib.threads import run_chunks
from ..exact.periodic import sharkovsky_key
from ..networks.batch import step_packed
from .intervals import (
    down,
    hull_zero,
    iadd,
    imeet,
    imul,
    iscale,
    isub,
    sigmoid_interval,
    sigmoid_slope,
    tanh_interval,
    tanh_slope,
    tanh_table,
    up,
)

YES_CODE, NO_CODE, UNDECIDED_CODE = 1, 0, -1
#: witness kinds (``KernelResult.via``)
VIA_NONE, VIA_BRACKET, VIA_EXHAUSTIVE_ROOT, VIA_EXHAUSTIVE, VIA_MONOTONE, VIA_SHARKOVSKY = range(6)
#: boxes per exhaustive search; beyond it the network goes to the arb engine
MAX_BOXES = 600
#: split point of a box, an exact dyadic fraction off the centre (as in certified.roots), so
#: a root at a round point such as 0 does not land on a split point where no sign test sees it
SPLIT = 0.4921875
#: the shrinking of J, as in certified.invariant
SHRINK_ROUNDS = 3
SHRINK_PIECES = 6
SHRINK_MIN_GAIN = 0.2
#: float grid proposing a direction of monotonicity, and the cell budget of its proof
MONO_GRID = 33
MONO_CELLS = 64
#: float scan proposing brackets (points of J) and brackets tried per period
SCAN = 64
MAX_PROPOSALS = 3
#: boxes narrower than this fraction of J are left unresolved (a tangency: the arb engine,
#: with more precision, may still settle them)
TANGENCY = 2.0 ** -36


# ---------------------------------------------------------------- network enclosures
@njit(cache=True)
def box_eval(p, shapes, acts, table, xl, xh, slope, S):
    """(vl, vh, sl, sh): enclosures of f([xl, xh]) and (if ``slope``) of f' over it.

    ``p`` is one packed network (:meth:`~rnnchaos.networks.batch.NetworkBatch.packed`),
    ``S`` an (8, width) scratch array."""
    hl = S[0]
    hh = S[1]
    dl = S[2]
    dh = S[3]
    gl = S[4]
    gh = S[5]
    gdl = S[6]
    gdh = S[7]
    hl[0] = xl
    hh[0] = xh
    dl[0] = 1.0
    dh[0] = 1.0
    off = 0
    for l in range(shapes.shape[0]):
        fin = shapes[l, 0]
        fout = shapes[l, 1]
        code = int(acts[l, 0])
        a1 = acts[l, 1]
        a2 = acts[l, 2]
        boff = off + fin * fout
        for o in range(fout):
            b = p[boff + o]
            zl = b
            zh = b
            dzl = 0.0
            dzh = 0.0
            for i in range(fin):
                w = p[off + o * fin + i]
                tl, th = iscale(w, hl[i], hh[i])
                zl, zh = iadd(zl, zh, tl, th)
                if slope:
                    if fin == 1 and l == 0:
                        dzl = w
                        dzh = w
                    else:
                        ql, qh = iscale(w, dl[i], dh[i])
                        dzl, dzh = iadd(dzl, dzh, ql, qh)
            vl, vh, sl, sh = act_eval(code, a1, a2, zl, zh, dzl, dzh, slope, table)
            gl[o] = vl
            gh[o] = vh
            gdl[o] = sl
            gdh[o] = sh
        for o in range(fout):
            hl[o] = gl[o]
            hh[o] = gh[o]
            dl[o] = gdl[o]
            dh[o] = gdh[o]
        off = boff + fout
    if not slope:
        return hl[0], hh[0], np.nan, np.nan
    return hl[0], hh[0], dl[0], dh[0]


@njit(cache=True)
def act_eval(code, a1, a2, zl, zh, dzl, dzh, slope, table):
    """(act(Z), act'(Z) dZ) enclosures; codes of :func:`rnnchaos.networks.batch.activation_code`."""
    if zl != zl or zh != zh:
        return np.nan, np.nan, np.nan, np.nan
    if code == 4:  # tanh
        vl, vh = tanh_interval(zl, zh, table)
        if not slope:
            return vl, vh, 0.0, 0.0
        ql, qh = tanh_slope(vl, vh)
        sl, sh = imul(ql, qh, dzl, dzh)
        return vl, vh, sl, sh
    if code == 5:  # sigmoid
        vl, vh, tl, th = sigmoid_interval(zl, zh, table)
        if not slope:
            return vl, vh, 0.0, 0.0
        ql, qh = sigmoid_slope(tl, th)
        sl, sh = imul(ql, qh, dzl, dzh)
        return vl, vh, sl, sh
    if code == 1:  # relu
        if zl > 0.0:
            return zl, zh, dzl, dzh
        if zh < 0.0:
            return 0.0, 0.0, 0.0, 0.0
        sl, sh = hull_zero(dzl, dzh)
        return 0.0, max(zh, 0.0), sl, sh
    if code == 2:  # leaky_relu, slope a1 below 0
        if zl > 0.0:
            return zl, zh, dzl, dzh
        if zh < 0.0:
            vl, vh = iscale(a1, zl, zh)
            sl, sh = iscale(a1, dzl, dzh)
            return vl, vh, sl, sh
        nl, nh = iscale(a1, zl, 0.0)
        sl, sh = imul(min(a1, 1.0), max(a1, 1.0), dzl, dzh)
        return min(nl, 0.0), max(nh, zh), sl, sh
    if code == 3:  # hardtanh [a1, a2]
        if zl > a1 and zh < a2:
            return zl, zh, dzl, dzh
        if zh < a1:
            return a1, a1, 0.0, 0.0
        if zl > a2:
            return a2, a2, 0.0, 0.0
        vl = min(max(zl, a1), a2)
        vh = min(max(zh, a1), a2)
        if zl != zl or zh != zh:
            vl = np.nan
            vh = np.nan
        sl, sh = hull_zero(dzl, dzh)
        return vl, vh, sl, sh
    return zl, zh, dzl, dzh  # identity


@njit(cache=True)
def float_eval(p, shapes, acts, x, S):
    """f(x) in plain floating point (libm tanh): for proposals only, never for a proof."""
    return step_packed(p, x, shapes, acts, S[0], S[4])


@njit(cache=True)
def point_residual(p, shapes, acts, table, x, n, S):
    """An enclosure of h_n(x) = f^n(x) - x at the double x."""
    yl = x
    yh = x
    for _ in range(n):
        yl, yh, _a, _b = box_eval(p, shapes, acts, table, yl, yh, False, S)
    return isub(yl, yh, x, x)


@njit(cache=True)
def strict_sign(lo, hi):
    """+1 / -1 when [lo, hi] is strictly positive / negative, else 0 (also for NaN)."""
    if lo > 0.0:
        return 1
    if hi < 0.0:
        return -1
    return 0


@njit(cache=True)
def residual_sign(p, shapes, acts, table, x, n, S):
    """The strict sign of h_n(x) (0 when the enclosure may hold 0)."""
    lo, hi = point_residual(p, shapes, acts, table, x, n, S)
    return strict_sign(lo, hi)


@njit(cache=True)
def iterate_box(p, shapes, acts, table, a, b, n, S, H, dH, cap=np.inf):
    """Fill H[0:2, k] with an enclosure of h_k([a, b]), H[2:4, k] with one of f^k([a, b])
    and dH[:, k] with one of h_k' over it, k = 1..n (mean-value form met with the natural
    one; module docstring).  Returns the number of steps done: it stops early (a time
    saving only) once an enclosure of f^k([a, b]) is wider than ``cap``."""
    m = 0.5 * a + 0.5 * b
    if not (a <= m <= b):
        m = a
    xml, xmh = isub(a, b, m, m)
    yl = a
    yh = b
    Dl = 1.0
    Dh = 1.0
    ml = m
    mh = m
    for k in range(1, n + 1):
        vl, vh, sl, sh = box_eval(p, shapes, acts, table, yl, yh, True, S)
        Dl, Dh = imul(Dl, Dh, sl, sh)
        ml, mh, _u, _v = box_eval(p, shapes, acts, table, ml, mh, False, S)
        tl, th = imul(Dl, Dh, xml, xmh)
        wl, wh = iadd(ml, mh, tl, th)
        yl, yh = imeet(vl, vh, wl, wh)
        el, eh = isub(Dl, Dh, 1.0, 1.0)
        rl, rh = isub(ml, mh, m, m)
        tl, th = imul(el, eh, xml, xmh)
        rl, rh = iadd(rl, rh, tl, th)
        nl, nh = isub(yl, yh, a, b)
        H[0, k], H[1, k] = imeet(rl, rh, nl, nh)
        H[2, k] = yl
        H[3, k] = yh
        dH[0, k] = el
        dH[1, k] = eh
        if k < n and yh - yl > cap:
            return k
    return n


# ---------------------------------------------------------------- invariant interval
@njit(cache=True)
def mean_value_image(p, shapes, acts, table, u, v, vl, vh, sl, sh, S):
    """An enclosure of f([u, v]) from the natural one [vl, vh] and the slope enclosure
    [sl, sh]: met with the mean-value form around the midpoint."""
    m = 0.5 * u + 0.5 * v
    if not (u <= m <= v):
        m = u
    ml, mh, _a, _b = box_eval(p, shapes, acts, table, m, m, False, S)
    xl, xh = isub(u, v, m, m)
    tl, th = imul(sl, sh, xl, xh)
    wl, wh = iadd(ml, mh, tl, th)
    return imeet(vl, vh, wl, wh)


@njit(cache=True)
def image_hull(p, shapes, acts, table, a, b, S):
    """An enclosure of f([a, b]) over SHRINK_PIECES pieces: the hull of the end values on a
    piece where f' has one strict sign (f strictly monotone there), the mean-value image
    elsewhere.  An end value is shared by the two pieces meeting there.  (-inf, inf) when a
    piece gives no bound (NaN)."""
    il = np.inf
    ih = -np.inf
    el = np.nan  # enclosure of f at the left end of the current piece, when known
    eh = np.nan
    for i in range(SHRINK_PIECES):
        u = a + (b - a) * i / SHRINK_PIECES
        v = b if i == SHRINK_PIECES - 1 else a + (b - a) * (i + 1) / SHRINK_PIECES
        vl, vh, sl, sh = box_eval(p, shapes, acts, table, u, v, True, S)
        if sl > 0.0 or sh < 0.0:
            if not (el <= eh):
                el, eh, _a, _b = box_eval(p, shapes, acts, table, u, u, False, S)
            rl, rh, _c, _d = box_eval(p, shapes, acts, table, v, v, False, S)
            if el <= eh and rl <= rh:
                ql = min(el, rl)
                qh = max(eh, rh)
            else:
                ql = np.nan
                qh = np.nan
            el = rl
            eh = rh
        else:
            ql, qh = mean_value_image(p, shapes, acts, table, u, v, vl, vh, sl, sh, S)
            el = np.nan
            eh = np.nan
        if not (ql <= qh):  # NaN: no image bound from this piece
            return -np.inf, np.inf
        il = min(il, ql)
        ih = max(ih, qh)
    return il, ih


@njit(cache=True)
def invariant(p, shapes, acts, table, S):
    """(lo, hi) of an interval J holding every periodic point (module docstring), or
    (NaN, NaN) when f(R) is not proven bounded."""
    a, b, _u, _v = box_eval(p, shapes, acts, table, -np.inf, np.inf, False, S)
    if not (np.isfinite(a) and np.isfinite(b) and a <= b):
        return np.nan, np.nan
    for _ in range(SHRINK_ROUNDS):
        il, ih = image_hull(p, shapes, acts, table, a, b, S)
        na = max(a, il)
        nb = min(b, ih)
        if not na <= nb:
            break
        gain = 1.0 - (nb - na) / (b - a) if b > a else 0.0
        a = na
        b = nb
        if gain < SHRINK_MIN_GAIN:
            break
    margin = 2.0 ** -20 * max(b - a, 1e-6)
    return down(a - margin), up(b + margin)


@njit(cache=True)
def monotonicity(p, shapes, acts, table, lo, hi, S):
    """+1 / -1 when f' > 0 / f' < 0 on every cell of a subdivision of [lo, hi], else 0
    (a float grid proposes the direction)."""
    prev = float_eval(p, shapes, acts, lo, S)
    want = 0
    for i in range(1, MONO_GRID):
        x = hi if i == MONO_GRID - 1 else lo + (hi - lo) * i / (MONO_GRID - 1)
        y = float_eval(p, shapes, acts, x, S)
        s = 1 if y > prev else (-1 if y < prev else 0)
        if s == 0 or (want != 0 and s != want):
            return 0
        want = s
        prev = y
    stack = np.empty((2 * MONO_CELLS + 2, 2))
    stack[0, 0] = lo
    stack[0, 1] = hi
    top = 1
    cells = 0
    while top > 0:
        top -= 1
        u = stack[top, 0]
        v = stack[top, 1]
        cells += 1
        if cells > MONO_CELLS:
            return 0
        _a, _b, sl, sh = box_eval(p, shapes, acts, table, u, v, True, S)
        if (want > 0 and sl > 0.0) or (want < 0 and sh < 0.0):
            continue
        if (want > 0 and sh < 0.0) or (want < 0 and sl > 0.0):
            return 0
        c = u + (v - u) * 0.5
        if not (u < c < v):
            return 0
        stack[top, 0] = c
        stack[top, 1] = v
        stack[top + 1, 0] = u
        stack[top + 1, 1] = c
        top += 2
    return want


# ---------------------------------------------------------------- one period
@njit(cache=True)
def excludes_divisors(p_, H):
    """True when every proper-divisor enclosure H[:, d] excludes 0."""
    for d in range(1, p_):
        if p_ % d == 0 and strict_sign(H[0, d], H[1, d]) == 0:
            return False
    return True


@njit(cache=True)
def prove_bracket(p, shapes, acts, table, per, a, b, S, H, dH):
    """(True, a', b') when [a', b'] (inside [a, b]) provably holds a point of minimal
    period ``per`` (sign change of h_per + divisor exclusion; module docstring)."""
    sa = residual_sign(p, shapes, acts, table, a, per, S)
    sb = residual_sign(p, shapes, acts, table, b, per, S)
    if sa == 0 or sb == 0 or sa == sb:
        return False, a, b
    for attempt in range(4):
        if per == 1:
            return True, a, b
        iterate_box(p, shapes, acts, table, a, b, per // 2, S, H, dH)
        if excludes_divisors(per, H):
            return True, a, b
        for _ in range(10):  # narrow the bracket by bisection with strict sign tests
            c = 0.5 * a + 0.5 * b
            if not (a < c < b):
                return False, a, b
            sc = residual_sign(p, shapes, acts, table, c, per, S)
            if sc == 0:
                return False, a, b
            if sc == sa:
                a = c
            else:
                b = c
    return False, a, b


@njit(cache=True)
def classify_box(p, shapes, acts, table, per, a, b, S, H, dH):
    """1: the root box [a, b] of h_per holds a point of minimal period ``per``; 0: its
    unique root has a smaller period; -1: not shown (H, dH: iterates over [a, b])."""
    excluded = True
    for d in range(1, per):
        if per % d != 0:
            continue
        if strict_sign(H[0, d], H[1, d]) != 0:
            continue
        excluded = False
        if strict_sign(dH[0, d], dH[1, d]) != 0:
            sa = residual_sign(p, shapes, acts, table, a, d, S)
            sb = residual_sign(p, shapes, acts, table, b, d, S)
            if sa != 0 and sb != 0 and sa != sb:
                return 0
    return 1 if excluded else -1


@njit(cache=True)
def contracting_trap(per, a, b, H, dH):
    """True when, for some k < per, f^k maps X = [a, b] into itself with |(f^k)'| < 1 on X
    (H, dH: iterates over X): then X holds no point of minimal period ``per`` (module
    docstring)."""
    for k in range(1, per):
        if H[2, k] >= a and H[3, k] <= b and dH[0, k] > -2.0 and dH[1, k] < 0.0:
            return True
    return False


@njit(cache=True)
def exhaustive(p, shapes, acts, table, per, lo, hi, max_boxes, S, H, dH, stack):
    """(code, boxes, a, b): 1 with a root box [a, b] of minimal period ``per``, 0 when
    no point of minimal period ``per`` lies in [lo, hi], -1 when undecided."""
    min_width = (hi - lo) * TANGENCY
    unresolved = False
    stack[0, 0] = lo
    stack[0, 1] = hi
    top = 1
    boxes = 0
    while top > 0:
        top -= 1
        a = stack[top, 0]
        b = stack[top, 1]
        boxes += 1
        if boxes > max_boxes or top + 2 >= stack.shape[0]:
            return -1, boxes, a, b
        # a box whose image under some f^k already covers J is split without finishing the
        # iterates: its h_per enclosure could not exclude 0 (a time saving only)
        done = iterate_box(p, shapes, acts, table, a, b, per, S, H, dH, hi - lo)
        if done == per and strict_sign(H[0, per], H[1, per]) != 0:
            continue
        if done == per and contracting_trap(per, a, b, H, dH):
            continue
        if done == per and strict_sign(dH[0, per], dH[1, per]) != 0:
            sa = residual_sign(p, shapes, acts, table, a, per, S)
            sb = residual_sign(p, shapes, acts, table, b, per, S)
            if sa != 0 and sb != 0:
                if sa == sb:
                    continue
                kind = classify_box(p, shapes, acts, table, per, a, b, S, H, dH)
                if kind == 1:
                    return 1, boxes, a, b
                if kind == 0:
                    continue
                # not shown either way: split, as the enclosures tighten on smaller boxes
        c = a + (b - a) * SPLIT
        if not (b - a >= min_width and a < c < b):
            # unresolved: no "no" any more, but a point of minimal period per may still be
            # found in another box
            unresolved = True
            continue
        stack[top, 0] = c
        stack[top, 1] = b
        stack[top + 1, 0] = a
        stack[top + 1, 1] = c
        top += 2
    if unresolved:
        return -1, boxes, lo, hi
    return 0, boxes, lo, hi


@njit(cache=True)
def float_scan(p, shapes, acts, pmax, lo, hi, S, xs, R):
    """R[k, j] = h_k(xs[j]) in floating point on a grid xs of [lo, hi], k = 1..pmax."""
    n = xs.shape[0]
    for j in range(n):
        x = lo + (hi - lo) * j / (n - 1)
        xs[j] = x
        y = x
        for k in range(1, pmax + 1):
            y = float_eval(p, shapes, acts, y, S)
            R[k, j] = y - x


@njit(cache=True)
def propose(per, xs, R, out):
    """Up to ``out.shape[0]`` proposed brackets of a point of minimal period ``per`` from a
    :func:`float_scan`: grid cells where h_per changes sign away from any sign change of a
    proper-divisor h_d; returns how many.  Floating point: proposals only."""
    n = xs.shape[0]
    count = 0
    for j in range(n - 1):
        if not ((R[per, j] < 0.0) != (R[per, j + 1] < 0.0)):
            continue
        near = False
        for d in range(1, per):
            if per % d != 0:
                continue
            for jj in range(max(j - 1, 0), min(j + 2, n - 1)):
                if (R[d, jj] < 0.0) != (R[d, jj + 1] < 0.0):
                    near = True
        if near:
            continue
        out[count, 0] = xs[j]
        out[count, 1] = xs[j + 1]
        count += 1
        if count == out.shape[0]:
            break
    return count


# ---------------------------------------------------------------- one network
@njit(cache=True)
def settle(codes, via, ranks, b):
    """Fill undecided periods from decided ones by Sharkovsky's theorem."""
    np_ = ranks.shape[0]
    for j in range(np_):
        if codes[b, j] != UNDECIDED_CODE:
            continue
        for q in range(np_):
            if codes[b, q] == YES_CODE and ranks[q] < ranks[j]:
                codes[b, j] = YES_CODE
                via[b, j] = VIA_SHARKOVSKY
                break
            if codes[b, q] == NO_CODE and ranks[j] < ranks[q]:
                codes[b, j] = NO_CODE
                via[b, j] = VIA_SHARKOVSKY
                break


@njit(cache=True)
def decide_one(p, shapes, acts, table, periods, ranks, max_boxes, b, codes, wlo, whi, boxes, via,
               S, H, dH, stack, xs, R, props):
    """Verdicts of network b (row b of the outputs): J, the monotone shortcuts, exhaustive
    searches from the weakest wanted period up (usually 2: its absence settles all), then
    float-proposed brackets, strongest first, for what the searches left open; Sharkovsky
    after each verdict.  Leaves -1 where nothing is proven."""
    np_ = periods.shape[0]
    lo, hi = invariant(p, shapes, acts, table, S)
    if not (lo <= hi):
        return
    mono = monotonicity(p, shapes, acts, table, lo, hi, S)
    if mono != 0:
        for j in range(np_):
            if mono > 0 or periods[j] > 2:
                codes[b, j] = NO_CODE
                via[b, j] = VIA_MONOTONE
        if mono > 0:
            return
    order = np.argsort(ranks)
    # exhaustive searches, the weakest period first: an absence settles every stronger
    # period (usually 2 settles all), and a search also finds a point of its own period
    for jj in range(np_ - 1, -1, -1):
        search_period(p, shapes, acts, table, order[jj], periods, ranks, lo, hi, max_boxes, b,
                      codes, wlo, whi, boxes, via, S, H, dH, stack)
    if undecided_count(codes, b) == 0:
        return
    # what a search left open (a budget, a tangency): brackets from a float scan, strongest
    # period first (a yes there settles the weaker periods)
    pmax = 1
    for j in range(np_):
        pmax = max(pmax, periods[j])
    float_scan(p, shapes, acts, pmax, lo, hi, S, xs, R)
    for jj in range(np_):
        j = order[jj]
        if codes[b, j] != UNDECIDED_CODE:
            continue
        per = periods[j]
        count = propose(per, xs, R, props)
        for c in range(count):
            ok, u, v = prove_bracket(p, shapes, acts, table, per, props[c, 0], props[c, 1], S, H, dH)
            if ok:
                codes[b, j] = YES_CODE
                via[b, j] = VIA_BRACKET
                wlo[b, j] = u
                whi[b, j] = v
                settle(codes, via, ranks, b)
                break


@njit(cache=True)
def undecided_count(codes, b):
    """How many periods of network b are still undecided."""
    n = 0
    for j in range(codes.shape[1]):
        if codes[b, j] == UNDECIDED_CODE:
            n += 1
    return n


@njit(cache=True)
def search_period(p, shapes, acts, table, j, periods, ranks, lo, hi, max_boxes, b, codes, wlo, whi,
                  boxes, via, S, H, dH, stack):
    """The exhaustive search for period ``periods[j]`` of network b, if still undecided."""
    if codes[b, j] != UNDECIDED_CODE:
        return
    code, nbox, u, v = exhaustive(p, shapes, acts, table, periods[j], lo, hi, max_boxes,
                                  S, H, dH, stack)
    boxes[b, j] = nbox
    if code == YES_CODE:
        codes[b, j] = YES_CODE
        via[b, j] = VIA_EXHAUSTIVE_ROOT
        wlo[b, j] = u
        whi[b, j] = v
    elif code == NO_CODE:
        codes[b, j] = NO_CODE
        via[b, j] = VIA_EXHAUSTIVE
    settle(codes, via, ranks, b)


@njit(cache=True, nogil=True)
def decide_range(params, shapes, acts, table, periods, ranks, max_boxes, codes, wlo, whi, boxes,
                 via, start, end):
    """Kernel verdicts for networks start..end-1 of a packed batch (outputs in place)."""
    width = 1
    for l in range(shapes.shape[0]):
        width = max(width, shapes[l, 1])
    pmax = 1
    for j in range(periods.shape[0]):
        pmax = max(pmax, periods[j])
    S = np.empty((8, width))
    H = np.empty((4, pmax + 1))
    dH = np.empty((2, pmax + 1))
    stack = np.empty((max_boxes + 4, 2))
    xs = np.empty(SCAN)
    R = np.empty((pmax + 1, SCAN))
    props = np.empty((MAX_PROPOSALS, 2))
    for bi in range(start, end):
        decide_one(params[bi], shapes, acts, table, periods, ranks, max_boxes, bi, codes, wlo, whi,
                   boxes, via, S, H, dH, stack, xs, R, props)


# ---------------------------------------------------------------- Python entry
@dataclass
class KernelResult:
    """Kernel verdicts: ``codes`` (B, P) int8 per wanted period (1 yes, 0 no, -1 undecided);
    witnesses: ``lo``, ``hi`` (B, P) the proven bracket of a yes found by a bracket or a
    root box (NaN otherwise), ``boxes`` (B, P) the boxes of an exhaustive search, ``via``
    (B, P) the kind (VIA_* constants)."""

    periods: tuple
    codes: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    boxes: np.ndarray
    via: np.ndarray

    def column(self, p: int) -> np.ndarray:
        return self.codes[:, self.periods.index(p)]


def helper_periods(periods) -> tuple:
    """Periods searched besides the wanted ones: 4, when 2 is wanted and a period stronger
    than 4 (3, 5, 6, ...) too.  With period 2 present the search for h_4 is much cheaper
    than for h_6 (fewer steps, fewer roots), and its absence settles every stronger period
    by Sharkovsky's theorem.

    >>> helper_periods((2, 3, 6)), helper_periods((2,)), helper_periods((3, 6))
    ((4,), (), ())
    """
    if 2 in periods and 4 not in periods and any(sharkovsky_key(q) < sharkovsky_key(4)
                                                 for q in periods):
        return (4,)
    return ()


def kernel_verdicts(batch, periods, max_boxes: int = MAX_BOXES, threads: int | None = None,
                    helpers: bool = True) -> KernelResult:
    """Kernel verdicts on the minimal periods ``periods`` (each >= 2) for every network of
    ``batch`` (a :class:`~rnnchaos.networks.batch.NetworkBatch`); with ``helpers``, the
    :func:`helper_periods` are searched too (their verdicts serve the wanted ones through
    Sharkovsky's theorem and are not returned).

    >>> from rnnchaos.networks.batch import NetworkBatch
    >>> from rnnchaos.networks.model import ScalarRNN
    >>> f = ScalarRNN.from_dict({"layers": [{"weight": [[0.5]], "bias": [0.2],
    ...     "activation": "tanh"}]})
    >>> kernel_verdicts(NetworkBatch.from_networks([f]), [2, 3]).codes.tolist()
    [[0, 0]]
    """
    wanted = tuple(int(q) for q in periods)
    if any(q < 2 for q in wanted):
        raise ValueError("the kernel decides periods >= 2")
    periods = wanted + (helper_periods(wanted) if helpers else ())
    params, shapes, acts = batch.packed()
    nb, P = len(batch), len(periods)
    order = sorted(range(P), key=lambda j: sharkovsky_key(periods[j]))
    ranks = np.empty(P, dtype=np.int64)
    for r, j in enumerate(order):
        ranks[j] = r
    codes = np.full((nb, P), UNDECIDED_CODE, dtype=np.int8)
    lo = np.full((nb, P), np.nan)
    hi = np.full((nb, P), np.nan)
    boxes = np.zeros((nb, P), dtype=np.int64)
    via = np.zeros((nb, P), dtype=np.int8)
    if P and nb:
        table = tanh_table()
        per = np.array(periods, dtype=np.int64)
        run_chunks(lambda s, e: decide_range(params, shapes, acts, table, per, ranks, int(max_boxes),
                                             codes, lo, hi, boxes, via, s, e),
                   nb, threads=threads, min_chunk=64)
    k = len(wanted)
    return KernelResult(wanted, codes[:, :k].copy(), lo[:, :k].copy(), hi[:, :k].copy(),
                        boxes[:, :k].copy(), via[:, :k].copy())


__all__ = ["kernel_verdicts", "helper_periods", "KernelResult", "box_eval", "iterate_box", "invariant",
           "monotonicity", "prove_bracket", "exhaustive", "point_residual", "YES_CODE", "NO_CODE",
           "UNDECIDED_CODE"]
