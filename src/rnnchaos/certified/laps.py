"""Certified lap counts of the iterates f^t of a smooth scalar map on a compact interval.

Specification.  ``certified_laps(net, T, interval)`` returns, for t = 1..T, the number
ell(f^t) of laps (maximal intervals of monotonicity) of f^t restricted to a compact
interval I = [lo, hi] (default: the interval J of :mod:`rnnchaos.certified.invariant`
that holds every periodic orbit), each count a theorem, or ``None`` from the first step
t where a proof failed on (with the reason), never a guess.  ell(f^t) = (number of
turning points of f^t in the open interval (lo, hi)) + 1, a turning point being a strict
local extremum.

Critical points of f (:func:`critical_points`), on a compact interval K holding f^k(I)
for every k < T (:func:`forward_hull`).  Branch and bound on K with the enclosures of
f' (:class:`~rnnchaos.certified.enclosures.BallMap`) and of f'' (:func:`curvature`,
second-order forward mode in ball arithmetic).  A box X = [a, b] is

* *monotone* with sign s when the f' enclosure over X is strictly of sign s: f is
  strictly monotone on X (mean-value lemma, valid across kinks of relu/hardtanh units
  since f is absolutely continuous);
* a *turning box* when the f'' enclosure over X excludes 0 and f'(a), f'(b) (thin balls)
  have strictly opposite signs: f is C^2 on X (no kink of a piecewise-linear unit meets
  X, or the f'' enclosure would be unbounded), f' is strictly monotone on X, so it has
  exactly one zero c in X and changes sign there; f is strictly monotone on [a, c] and
  on [c, b] with opposite senses, and c is the one turning point of f in X.  (Both
  signs equal: f' keeps that strict sign on X, a monotone box.)
* a *turning box* at a kink: the f'' enclosure is unbounded because piecewise-linear
  units may cross their kinks in X (:func:`jet` lists them).  Either one such unit, whose
  preactivation z is C^1 and strictly monotone on X (dz of one strict sign) with
  z - kink of strictly opposite signs at a and b, so it crosses its kink at exactly one
  point kappa; or several, all in the first layer (z = w x + b, exact), whose crossing
  points are one and the same rational kappa in (a, b) (relu(x) and relu(-x)).  Let f_A
  (f_B) be f with those units replaced by their affine pieces on the side of a (of b):
  smooth on X, f = f_A on [a, kappa] and f = f_B on [kappa, b].  If the f_A' and f_B'
  enclosures over X have strictly opposite signs, kappa is the one turning point of f in
  X (same signs: a monotone box).
* *flat* when the f' enclosure is exactly 0 (every unit before the output saturated or
  off): f is constant on X.  Plateaus are not counted (the laps of maps with plateaus
  need intervals of turning points); such a box is unresolved ('flat').
* otherwise split at an off-centre point; a box narrower than a relative 2^-44 is
  *unresolved* ('kink' where the f'' enclosure is unbounded, 'tangency' otherwise).

Two neighbouring monotone boxes of opposite signs meet at a turning point (a kink of a
relu/hardtanh unit that a split point hit exactly): a degenerate turning box [m, m].
Between two consecutive turning boxes that no unresolved box separates, f is strictly
monotone (a chain of monotone boxes of one sign, plus the monotone halves of the turning
boxes).  Turning boxes are then narrowed by bisection on the sign of f' at thin points.

Pulling back.  Write C for the turning points of f.  **Lemma.**  If f is strictly
piecewise monotone on K, the turning points of f^t in (lo, hi) are exactly the points x
with f^k(x) in C for some 0 <= k < t.  *Proof.*  Near x, f^t is the composition of f at
the points f^k(x), k < t, each either strictly monotone near that point or a strict
extremum; a strict extremum composed (on either side) with strictly monotone maps or
with further strict extrema stays a strict extremum (if g has a strict extremum at x,
g(y) stays on one side of g(x) for y near x, where the next map is strictly monotone);
if no factor has an extremum the composition is strictly monotone near x.  QED

So T_1 = C in (lo, hi) and T_{k+1} = T_k united with N_k, N_k = the points x in the open
laps of f^k with f^k(x) in C.  The laps of f^k (between consecutive points of T_k, and
the ends lo, hi) are intervals where f^k is strictly monotone, so on the open lap
(x_j, x_{j+1}) the equation f^k(x) = c (c in C, known only to lie in its turning box
[a, b]) has a solution iff c lies strictly between f^k(x_j) and f^k(x_{j+1}), and then
exactly one.  Enclosures F_j of f^k(x_j) decide it: F_j < a and F_{j+1} > b (or the
reverse) prove one solution; both below a or both above b prove none; any overlap of
F_j with [a, b] (an end value of a lap that may equal a critical point, as for a
superstable orbit) leaves step k + 1 undecided.  The new turning point is bracketed by
[u, v] inside the lap with f^k(u) and f^k(v) strictly on the two sides of the whole box
[a, b] (a float root is the proposal; ball evaluations decide), so by monotonicity the
solution is in (u, v) and its box is disjoint from the other turning boxes.  A point of
N_k is not in T_k (it lies in an open lap) and solutions for distinct c are distinct,
so |T_{k+1}| = |T_k| + |N_k|.  The enclosure of f^{k+1} over a turning box is f applied
to that of f^k over it (new boxes: the enclosure of f^k over [u, v], which holds c), each
step in the mean-value form (:func:`mv_step`).  When a decision is unclear, the turning
boxes at the two ends of the lap (and, at level 0, the critical box itself) are first
narrowed to about the working precision by the same sign tests, and their balls
recomputed, at most ``MAX_REFINE`` times per step: the narrower boxes are sub-boxes, so
every fact proven with the wider ones stays true.  An unresolved box of the critical-point search that meets the hull of F_j
and F_{j+1} (a lap whose image may hold an unknown critical point) also leaves the step
undecided.  Steps after an undecided one are undecided too (they are built on it).

Everything runs at ``prec`` bits; an undecided step is retried once at ``RETRY_PREC``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, arb_mat, ctx

from .._lib.validation import check_int, parse_number
from ..errors import SpecError
from .enclosures import BallMap, interval, range_of_line
from .invariant import outward_ball, smooth_invariant
from .roots import ball_sign

PREC = 64
RETRY_PREC = 160
#: Largest number of steps T (the exact engine's bound, :data:`rnnchaos.exact.regions.MAX_STEPS`).
MAX_STEPS = 64
#: Stop (undecided, 'budget') once f^t would have more turning points than this.
MAX_TURNING = 20_000
CRIT_MAX_BOXES = 4000
SPLIT = 0.4921875  # off-centre split, as in roots.py: a round point is never a box end
IMAGE_CELLS = 32
REASONS = ("flat: f' = 0 on a box (a plateau; not counted); kink: a relu/hardtanh kink "
           "not proven a single turning point; tangency: f' and f'' may both vanish; budget")
HULL_ROUNDS = 8


# ---------------------------------------------------------------- f'' enclosures
def _sech2(z: arb) -> arb:
    """sech(z)^2 = 1/cosh(z)^2 (in (0, 1], positive even where tanh(z) rounds to +-1)."""
    return 1 / z.cosh() ** 2


def _sq(x: arb) -> arb:
    """x^2 as a ball that is >= 0 (arb's x**2 of a ball around 0 dips below 0)."""
    return abs(x) ** 2


def _act2(name: str, params: dict, z: arb, dz: arb, d2z: arb):
    """(act(Z), d act(z(x))/dx, d^2 act(z(x))/dx^2) over the box, or None for the last
    when a kink of a piecewise-linear unit may lie in Z (f'' unbounded there)."""
    if name == "identity":
        return z, dz, d2z
    if name == "tanh":
        # tanh' = sech^2, not 1 - tanh^2: where the unit saturates, 1 - tanh^2 cancels to a
        # ball around 0 while sech^2 keeps its relative precision (and its sign)
        t = z.tanh()
        d1 = _sech2(z)
        return t, d1 * dz, -2 * t * d1 * _sq(dz) + d1 * d2z
    if name == "sigmoid":
        t = (z / 2).tanh()  # sigmoid = (1 + t)/2, sigmoid' = sech^2(z/2)/4, sigmoid'' = -t sigmoid'
        d1 = _sech2(z / 2) / 4
        return (1 + t) / 2, d1 * dz, -t * d1 * _sq(dz) + d1 * d2z
    if name in ("relu", "leaky_relu"):
        s = arb(0) if name == "relu" else arb(params["negative_slope"])
        if z > 0:
            return z, dz, d2z
        if z < 0:
            return s * z, s * dz, s * d2z
        return (s * z.lower()).union(z.upper()), dz * s.union(arb(1)), None
    if name == "hardtanh":
        lo, hi = arb(params["min_val"]), arb(params["max_val"])
        if z > lo and z < hi:
            return z, dz, d2z
        if z < lo:
            return lo, arb(0), arb(0)
        if z > hi:
            return hi, arb(0), arb(0)
        val = z.lower().max(lo).min(hi).union(z.upper().max(lo).min(hi))
        return val, dz * arb(0.5, 0.5), None
    raise SpecError("activation", f"no ball evaluation for {name!r}")


def _affine(W, B, hs):
    out = []
    for row, b in zip(W, B):
        acc = b
        for w, h in zip(row, hs):
            if not w.is_zero():
                acc = acc + w * h
        out.append(acc)
    return out


def _linear(W, hs):
    return _affine(W, [arb(0)] * len(W), hs)


def _layer_affine(bm: BallMap, li: int, h: list, dh: list, d2h: list):
    """(z, z', z'') of layer li: wide layers as arb_mat products (the same ball semantics
    as the loops, in C), narrow ones as loops."""
    W, B, _, _ = bm.layers[li]
    mats = bm.mats[li]
    if mats is None:
        return _affine(W, B, h), _linear(W, dh), _linear(W, d2h)
    Wm, Bm, _ = mats
    if len(h) == 1:
        return ((Wm * h[0] + Bm).entries(), (Wm * dh[0]).entries(), (Wm * d2h[0]).entries())
    def col(v):
        return arb_mat(len(v), 1, v)
    return ((Wm * col(h) + Bm).entries(), (Wm * col(dh)).entries(), (Wm * col(d2h)).entries())


@dataclass(frozen=True)
class Kink:
    """Unit ``unit`` of layer ``layer`` (piecewise linear) whose preactivation may cross the
    activation's kink ``at`` (0 for relu, min_val or max_val for hardtanh) on a box; ``dz``
    encloses the derivative of that preactivation over the box."""

    layer: int
    unit: int
    at: float
    dz: arb


def _kinks_in(name: str, params: dict, z: arb) -> list[float]:
    """The kinks of the activation that the ball z of preactivations may contain."""
    if name in ("relu", "leaky_relu"):
        ks = [0.0]
    elif name == "hardtanh":
        ks = [float(params["min_val"]), float(params["max_val"])]
    else:
        return []
    return [k for k in ks if not (z > k or z < k)]


def _piece(name: str, params: dict, at: float, side: int, z: arb, dz: arb, d2z: arb):
    """The unit as its affine piece on ``side`` of the kink ``at`` (-1 below, +1 above):
    (value, first, second derivative) of that affine function of z."""
    if name in ("relu", "leaky_relu"):
        if side > 0:
            return z, dz, d2z
        s = arb(0) if name == "relu" else arb(params["negative_slope"])
        return s * z, s * dz, s * d2z
    lo, hi = float(params["min_val"]), float(params["max_val"])
    if (at == lo and side < 0) or (at == hi and side > 0):
        return arb(at), arb(0), arb(0)
    return z, dz, d2z


def jet(bm: BallMap, x: arb, override: dict | None = None):
    """(V, D, D2, kinks) over the ball X: balls containing f(X), f'(X) and, when ``kinks``
    is empty, f''(X) (D2 is None otherwise); ``kinks`` lists the piecewise-linear units
    whose kink may lie in X (:class:`Kink`).  Second-order forward mode: z = W h + b,
    z' = W h', z'' = W h''; a = act(z), a' = act'(z) z', a'' = act''(z) z'^2 + act'(z) z''.
    ``override`` maps (layer, unit) to (kink, side): that unit is replaced by its affine
    piece on that side of the kink (a smooth map that agrees with f where the unit's
    preactivation is on that side)."""
    h, dh, d2h = [x], [arb(1)], [arb(0)]
    kinks: list[Kink] = []
    for li, (W, B, name, params) in enumerate(bm.layers):
        zs, dzs, d2zs = _layer_affine(bm, li, h, dh, d2h)
        triples = []
        for j, (z, dz, d2z) in enumerate(zip(zs, dzs, d2zs)):
            if override and (li, j) in override:
                at, side = override[(li, j)]
                triples.append(_piece(name, params, at, side, z, dz, d2z))
                continue
            ks = _kinks_in(name, params, z)
            kinks.extend(Kink(li, j, k, dz) for k in ks)
            v, d1, d2 = _act2(name, params, z, dz, d2z)
            triples.append((v, d1, arb(0) if d2 is None else d2))  # d2 unused once kinked
        h = [t[0] for t in triples]
        dh = [t[1] for t in triples]
        d2h = [t[2] for t in triples]
    return h[0], dh[0], (None if kinks else d2h[0]), kinks


def curvature(bm: BallMap, x: arb):
    """(V, D, D2): balls containing f(X), f'(X) and f''(X) for the ball X, D2 None when a
    kink of a piecewise-linear unit may lie in X (:func:`jet`).

    >>> from rnnchaos.networks.model import ScalarRNN
    >>> f = ScalarRNN.from_dict({"layers": [{"weight": [[1.0]], "bias": [0.0],
    ...     "activation": "tanh"}]})
    >>> v, d, d2 = curvature(BallMap(f), arb(0.5)); bool(d2 < 0)
    True
    """
    v, d, d2, _ = jet(bm, x)
    return v, d, d2


def _preactivation(bm: BallMap, x: arb, layer: int, unit: int) -> arb:
    h = [x]
    for li, (W, B, name, params) in enumerate(bm.layers):
        zs = _affine(W, B, h)
        if li == layer:
            return zs[unit]
        h = [_act2(name, params, z, arb(0), arb(0))[0] for z in zs]
    raise IndexError(layer)


def _first_layer_kink(bm: BallMap, k: Kink) -> Fraction | None:
    """The exact point where the first-layer unit's preactivation w x + b equals its kink."""
    w = Fraction(float(bm.net.layers[0].weight[k.unit][0]))
    b = Fraction(float(bm.net.layers[0].bias[k.unit]))
    return None if w == 0 else (Fraction(k.at) - b) / w


def _kink_sides(bm: BallMap, a: float, b: float, kinks: list) -> dict | None:
    """{(layer, unit): (kink, side at a)} when the units of ``kinks`` provably cross their
    kinks at one and the same point kappa of (a, b), each exactly once, or None.

    One unit: its preactivation z is C^1 on [a, b] (no other unit kinks there), strictly
    monotone (dz of one strict sign) and z - kink has strictly opposite signs at a and b.
    Several: all in the first layer (z = w x + b exactly), with one exact rational crossing
    point kappa, a < kappa < b (relu(x) and relu(-x), say)."""
    if len(kinks) == 1:
        k = kinks[0]
        if not (k.dz > 0 or k.dz < 0):
            return None
        sa = ball_sign(_preactivation(bm, arb(a), k.layer, k.unit) - k.at)
        sb = ball_sign(_preactivation(bm, arb(b), k.layer, k.unit) - k.at)
        return {(k.layer, k.unit): (k.at, sa)} if sa and sb and sa != sb else None
    if any(k.layer != 0 for k in kinks):
        return None
    points = {_first_layer_kink(bm, k) for k in kinks}
    if len(points) != 1 or None in points:
        return None
    kappa = points.pop()
    if not Fraction(a) < kappa < Fraction(b):
        return None
    sides = {}
    for k in kinks:
        w = float(bm.net.layers[0].weight[k.unit][0])
        sides[(0, k.unit)] = (k.at, -1 if w > 0 else 1)  # z - kink = w (x - kappa), x < kappa
    return sides


def _kink_box(bm: BallMap, a: float, b: float, kinks: list):
    """('turn', None) / ('mono', s) / None for a box [a, b] holding kinks (module docstring):
    f_A, f_B = f with the kinked units replaced by their pieces on the a side and on the b
    side; f = f_A on [a, kappa] and f = f_B on [kappa, b]."""
    sides = _kink_sides(bm, a, b, kinks)
    if sides is None:
        return None
    box = interval(a, b)
    _, d_a, _, k_a = jet(bm, box, sides)
    _, d_b, _, k_b = jet(bm, box, {u: (at, -side) for u, (at, side) in sides.items()})
    if k_a or k_b:
        return None
    s_a, s_b = ball_sign(d_a), ball_sign(d_b)
    if s_a and s_b:
        return ("turn", None) if s_a != s_b else ("mono", s_a)
    return None


# ---------------------------------------------------------------- images and hulls
def image_enclosure(bm: BallMap, lo: float, hi: float, cells: int = IMAGE_CELLS) -> tuple[float, float]:
    """Doubles (u, v) with f([lo, hi]) inside [u, v]: on each of ``cells`` cells the hull of
    the end values where f' has one strict sign there (f monotone), else the natural
    enclosure met with the mean-value form."""
    u = v = None
    for i in range(cells):
        a = lo + (hi - lo) * i / cells
        b = hi if i == cells - 1 else lo + (hi - lo) * (i + 1) / cells
        box = interval(a, b)
        val, slope = bm.value_slope(box)
        if slope > 0 or slope < 0:
            img = bm.value(arb(a)).union(bm.value(arb(b)))
        else:
            mid = arb(box.mid())
            mv = bm.value(mid) + slope * (box - mid)
            try:
                img = val.intersection(mv)
            except ValueError:
                img = val if val.is_finite() else mv
        lo_i, hi_i = outward_ball(img, False), outward_ball(img, True)
        u = lo_i if u is None else min(u, lo_i)
        v = hi_i if v is None else max(v, hi_i)
    return u, v


def range_bounds(bm: BallMap) -> tuple[float, float]:
    """Doubles (or +-inf) enclosing f(R) (:func:`~rnnchaos.certified.enclosures.range_of_line`)."""
    lo, hi = range_of_line(bm)
    return (-math.inf if isinstance(lo, float) else outward_ball(lo, False),
            math.inf if isinstance(hi, float) else outward_ball(hi, True))


def clamped_image(bm: BallMap, lo: float, hi: float, rng: tuple[float, float]) -> tuple[float, float]:
    """:func:`image_enclosure` met with the enclosure ``rng`` of f(R): both hold f([lo, hi]);
    the meet keeps a loose cell enclosure (a wide box through a saturated tanh) from
    inflating the hulls below."""
    a, b = image_enclosure(bm, lo, hi)
    return max(a, rng[0]), min(b, rng[1])


def forward_hull(bm: BallMap, lo: float, hi: float, steps: int) -> tuple[float, float, bool]:
    """(u, v, invariant): [u, v] holds f^k([lo, hi]) for k = 0..steps (K_0 = [lo, hi],
    K_{k+1} = hull(K_k, f(K_k)), stopped early once f(K_k) is inside K_k, after which
    every later K is K_k); ``invariant``: f([lo, hi]) is proven inside [lo, hi]."""
    u, v = lo, hi
    invariant = False
    rng = range_bounds(bm)
    for k in range(steps):
        a, b = clamped_image(bm, u, v, rng)
        if not (math.isfinite(a) and math.isfinite(b)):
            return a, b, False
        if u <= a and b <= v:
            invariant = invariant or k == 0
            break
        u, v = min(u, a), max(v, b)
    return u, v, invariant


# ---------------------------------------------------------------- critical points of f
@dataclass(frozen=True)
class CriticalPoints:
    """Turning points of f on [lo, hi]: ``boxes`` (a, b), each holding exactly one,
    sorted and disjoint; ``unresolved`` boxes (a, b, reason) where the search failed.
    When ``unresolved`` is empty the list is complete and f is strictly monotone between
    consecutive boxes."""

    lo: float
    hi: float
    boxes: list
    unresolved: list


def _slope_sign_at(bm: BallMap, x: float) -> int:
    return ball_sign(jet(bm, arb(x))[1])


def _classify_box(bm: BallMap, a: float, b: float):
    """('mono', sign) / ('turn', None) / ('flat', 'flat') / ('split', reason) for the box
    [a, b]."""
    _, d, d2, kinks = jet(bm, interval(a, b))
    s = ball_sign(d)
    if s:
        return "mono", s
    if d.is_zero():  # f' = 0 on the whole box: a plateau (every unit before it off)
        return "flat", "flat"
    if d2 is None:
        found = _kink_box(bm, a, b, kinks)
        return found if found is not None else ("split", "kink")
    if d2 > 0 or d2 < 0:
        sa, sb = _slope_sign_at(bm, a), _slope_sign_at(bm, b)
        if sa and sb:
            return ("turn", None) if sa != sb else ("mono", sa)
    return "split", "tangency"


def _bisect_signs(sign_at, p: float, q: float, sp: int, rel: float) -> tuple[float, float]:
    """Bisection of [p, q], whose ends have the strict signs sp at p and -sp at q
    (``sign_at(x)``: 1, -1, or 0 when unclear), down to a relative width ``rel``; each
    midpoint replaces the end of its sign, and an unclear sign ends the narrowing."""
    for _ in range(400):
        if q - p <= rel * max(1.0, abs(p), abs(q)):
            break
        c = p + (q - p) * 0.5
        if not p < c < q:
            break
        s = sign_at(c)
        if s == 0:
            break
        if s == sp:
            p = c
        else:
            q = c
    return p, q


def _narrow_turn(bm: BallMap, a: float, b: float, rel: float = 2.0 ** -42) -> tuple[float, float]:
    """A sub-box of the turning box [a, b] still holding its zero of f' (bisection on the
    strict sign of f' at thin points; an unclear sign ends the narrowing)."""
    return _bisect_signs(lambda x: _slope_sign_at(bm, x), a, b, _slope_sign_at(bm, a), rel)


def critical_points(bm: BallMap, lo: float, hi: float, *, max_boxes: int = CRIT_MAX_BOXES
                    ) -> CriticalPoints:
    """The turning points of f on [lo, hi] (see the module docstring).

    >>> from rnnchaos.networks.model import ScalarRNN
    >>> bump = ScalarRNN.from_dict({"layers": [{"weight": [[1.0], [1.0]], "bias": [1.0, -1.0],
    ...     "activation": "tanh"}, {"weight": [[1.0, -1.0]], "bias": [0.0]}]})
    >>> cp = critical_points(BallMap(bump), -3.0, 3.0); len(cp.boxes), cp.unresolved
    (1, [])
    """
    min_width = max(hi - lo, 1e-300) * 2.0 ** -44
    pieces = []  # (a, b, kind, sign-or-reason)
    stack = [(lo, hi)]
    boxes = 0
    while stack:
        a, b = stack.pop()
        boxes += 1
        if boxes > max_boxes:
            pieces.append((a, b, "unresolved", "budget"))
            pieces.extend((u, v, "unresolved", "budget") for u, v in stack)
            break
        kind, info = _classify_box(bm, a, b)
        if kind == "flat":  # laps of maps with plateaus are not counted here
            pieces.append((a, b, "unresolved", info))
            continue
        if kind != "split":
            pieces.append((a, b, kind, info))
            continue
        c = a + (b - a) * SPLIT
        if b - a < min_width or not a < c < b:
            pieces.append((a, b, "unresolved", info))
            continue
        stack.extend([(c, b), (a, c)])
    pieces.sort()
    turns, unresolved = [], []
    prev = None  # the last monotone piece, if directly adjacent
    for a, b, kind, info in pieces:
        if kind == "unresolved":
            unresolved.append((a, b, info))
            prev = None
        elif kind == "turn":
            turns.append(_narrow_turn(bm, a, b))
            prev = None
        else:
            if prev is not None and prev[1] == a and prev[2] != info:
                turns.append((a, a))  # f strictly up on one side of a, down on the other
            prev = (a, b, info)
    return CriticalPoints(lo, hi, sorted(turns), unresolved)


# ---------------------------------------------------------------- the counts
@dataclass
class LapCounts:
    """Certified ``laps[t-1]`` = ell(f^t) on [lo, hi] for t = 1..steps; ``None`` from step
    ``undecided_from`` on (``reason`` says why)."""

    lo: float
    hi: float
    steps: int
    laps: list
    undecided_from: int | None = None
    reason: str = ""
    forward_invariant: bool | None = None
    critical_points: int | None = None
    prec: int = PREC
    notes: list = field(default_factory=list)
    #: (lo, hi) boxes, one per turning point of f^t in (lo, hi), t the last decided step
    turning_boxes: list = field(default_factory=list)

    @property
    def decided(self) -> list[int]:
        """The certified counts, t = 1, 2, ... up to the first undecided step."""
        return [n for n in self.laps if n is not None]

    def to_json(self) -> dict[str, Any]:
        return {"kind": "rnn", "method": "certified", "interval": [repr(self.lo), repr(self.hi)],
                "steps": self.steps, "pieces": None,
                "pieces_note": "f^t of a smooth map is not piecewise linear: pieces are not "
                               "defined (n/a); laps are certified",
                "laps": self.laps, "decided_steps": len(self.decided),
                "undecided": None if self.undecided_from is None
                else {"from_step": self.undecided_from, "reason": self.reason},
                "forward_invariant": self.forward_invariant,
                "critical_points_of_f": self.critical_points, "prec": self.prec,
                "notes": self.notes}


@dataclass
class _Turn:
    """A turning box [lo, hi] of f^k (or an end of I: ``level`` None) with a ball ``value``
    holding f^k over it; the turning point x in it has f^level(x) = the turning point of f
    in crit.boxes[crit] (``side``: the side of f^level(lo) of that box, 0 for level 0)."""

    lo: float
    hi: float
    value: arb
    level: int | None = None
    crit: int = -1
    side: int = 0
    refined: int = 0


class _Undecided(Exception):
    pass


def _side(y: arb, a: float, b: float) -> int:
    """-1: the ball y lies strictly below the box [a, b]; +1 strictly above; 0 otherwise."""
    if y < a:
        return -1
    if y > b:
        return 1
    return 0


def _float_iter(net, xs: np.ndarray, k: int) -> np.ndarray:
    with np.errstate(all="ignore"):
        for _ in range(k):
            xs = net(xs)
    return xs


def _float_roots(net, k: int, jobs: list) -> np.ndarray:
    """Float proposals (never trusted) for the roots of f^k(x) = target on [u, v] with
    f^k(u) on the side sL of the target: 60 rounds of vectorised bisection."""
    u = np.array([j[0] for j in jobs], dtype=float)
    v = np.array([j[1] for j in jobs], dtype=float)
    tgt = np.array([j[2] for j in jobs], dtype=float)
    sl = np.array([j[3] for j in jobs], dtype=float)
    for _ in range(60):
        m = 0.5 * (u + v)
        g = (_float_iter(net, m, k) - tgt) * sl  # > 0: m is on u's side of the root
        left = g > 0
        u = np.where(left, m, u)
        v = np.where(left, v, m)
    return 0.5 * (u + v)


def mv_step(bm: BallMap, y: arb) -> arb:
    """A ball containing f(Y): the mean-value form f(m) + f'(Y)(Y - m), m the centre of Y,
    met with the natural enclosure.  For a small ball its radius is about |f'| rad(Y)
    (about f'' rad(Y)^2 near a critical point), where the natural enclosure of a wide
    layer grows by the sum of |weights| (the units' cancellations are lost) and, iterated,
    soon swamps every sign test."""
    if y.rad() == 0:  # a thin ball: the natural enclosure is as good
        return bm.value(y)
    m = arb(y.mid())
    v, d = bm.value_slope(y)
    mv = bm.value(m) + d * (y - m)
    try:
        return mv.intersection(v)
    except ValueError:  # only if one of them is NaN
        return v if v.is_finite() else mv


def _ball_iter(bm: BallMap, x, k: int) -> arb:
    """A ball containing f^k(X) for the double or ball X (:func:`mv_step`, k times)."""
    y = x if isinstance(x, arb) else arb(x)
    for _ in range(k):
        y = mv_step(bm, y)
    return y


def _side_at(bm: BallMap, x: float, k: int, a: float, b: float) -> int:
    """_side of f^k(x): first with the natural enclosure iterated (one evaluation a step),
    then, when that is unclear, with the mean-value form (:func:`mv_step`)."""
    y = arb(x)
    for _ in range(k):
        y = bm.value(y)
    s = _side(y, a, b)
    return s if s or k < 2 else _side(_ball_iter(bm, x, k), a, b)


def _bracket(bm: BallMap, k: int, u: float, v: float, a: float, b: float, sl: int,
             guess: float) -> tuple[float, float]:
    """[p, q] inside [u, v] with f^k(p) strictly on side sl of [a, b] and f^k(q) strictly
    on side -sl (f^k strictly monotone on [u, v], which holds the one solution).  u and v
    are lap walls: f^k(u) lies in the wall ball on side sl, f^k(v) in the one on side -sl
    (already checked by the caller), so [u, v] itself is a valid start."""
    p, q = u, v
    if p < guess < q:
        scale = max(1.0, abs(guess))
        for e in (-40, -30, -20, -10):
            d = scale * 2.0 ** e
            for x in (guess - d, guess + d):
                if p < x < q:
                    sx = _side_at(bm, x, k, a, b)
                    if sx == sl:
                        p = x
                    elif sx == -sl:
                        q = x
            if q - p <= 2 * d:
                return p, q
    return _bisect(bm, k, p, q, a, b, sl, 2.0 ** -40)


def _bisect(bm: BallMap, k: int, p: float, q: float, a: float, b: float, sl: int,
            rel: float) -> tuple[float, float]:
    """Ball bisection of the bracket [p, q] (f^k(p) strictly on side sl of [a, b], f^k(q)
    on side -sl) down to a relative width ``rel``; an unclear side ends it."""
    return _bisect_signs(lambda x: _side_at(bm, x, k, a, b), p, q, sl, rel)


def _crit_in(crit: CriticalPoints, y0: arb, y1: arb) -> tuple[list, str]:
    """Indices of the turning boxes of f that may lie in the hull of y0, y1; and why it is not
    fully searched ('' when it is): the reasons of the unresolved boxes that meet it, or
    'outside' when it leaves the searched interval."""
    h = y0.union(y1)
    lo, hi = outward_ball(h, False), outward_ball(h, True)
    near = [i for i, (a, b) in enumerate(crit.boxes) if not (b < lo or a > hi)]
    bad = sorted({r for u, v, r in crit.unresolved if not (v < lo or u > hi)})
    if lo < crit.lo or hi > crit.hi:
        bad.append("outside")
    return near, ", ".join(bad)


#: A turning box is re-narrowed (lazily, when a decision needs it) at most this often.
MAX_REFINE = 2


def _refine(bm: BallMap, crit: CriticalPoints, t: _Turn, k: int) -> bool:
    """Narrow the turning box t (and, at level 0, its critical box) to about the working
    precision and recompute its ball of f^k; False when t cannot be refined further.  The
    narrower boxes are sub-boxes found by the same sign tests, so every fact proven with
    the wider ones still holds."""
    if t.level is None or t.refined >= MAX_REFINE or t.lo == t.hi:
        return False
    t.refined += 1
    rel = 2.0 ** -(ctx.prec - 12)
    if t.level == 0:  # the turning point is the critical point itself
        lo, hi = _narrow_turn(bm, *crit.boxes[t.crit], rel=rel)
        crit.boxes[t.crit] = (lo, hi)
    else:
        a, b = crit.boxes[t.crit]
        lo, hi = _bisect(bm, t.level, t.lo, t.hi, a, b, t.side, rel)
    t.lo, t.hi = max(t.lo, lo), min(t.hi, hi)
    t.value = _ball_iter(bm, interval(t.lo, t.hi), k)
    return True


def _lap_jobs(bm: BallMap, crit: CriticalPoints, k: int, left: _Turn, right: _Turn) -> list:
    """The new turning points on the open lap between the walls ``left`` and ``right``:
    (u, v, target, side, crit index) per critical point c of f with f^k(x) = c there."""
    while True:  # ends: each wall is refined at most MAX_REFINE times per step
        near, bad = _crit_in(crit, left.value, right.value)
        unclear = [i for i in near
                   if 0 in (_side(left.value, *crit.boxes[i]), _side(right.value, *crit.boxes[i]))]
        if not bad and not unclear:
            break
        if not (_refine(bm, crit, left, k) | _refine(bm, crit, right, k)):
            if bad:
                raise _Undecided(f"turning points of f not isolated on the image of a lap "
                                 f"of f^{k} ({bad})")
            raise _Undecided(f"an end of a lap of f^{k} may map onto a critical point of f "
                             "(superstable orbit or tangency)")
    jobs = []
    for i in near:
        a, b = crit.boxes[i]
        sl, sr = _side(left.value, a, b), _side(right.value, a, b)
        if sl != sr:
            jobs.append((left.hi, right.lo, 0.5 * (a + b), sl, i))
    return jobs


def _next_level(bm: BallMap, net, k: int, turns: list, ends: tuple, lo: float, hi: float,
                crit: CriticalPoints, max_turning: int) -> list:
    """T_{k+1} from T_k (``turns``, with balls of f^k at them) and the balls ``ends`` of
    f^k(lo), f^k(hi): the new turning points f^k(x) in C on each open lap."""
    walls = [_Turn(lo, lo, ends[0])] + turns + [_Turn(hi, hi, ends[1])]
    jobs = []
    for left, right in zip(walls, walls[1:]):
        jobs.extend(_lap_jobs(bm, crit, k, left, right))
    if len(turns) + len(jobs) > max_turning:
        raise _Undecided(f"budget: more than {max_turning} turning points")
    guesses = _float_roots(net, k, jobs) if jobs else []
    new = []
    for (u, v, _, sl, i), g in zip(jobs, guesses):
        a, b = crit.boxes[i]
        p, q = _bracket(bm, k, u, v, a, b, sl, float(g))
        new.append(_Turn(p, q, _ball_iter(bm, interval(p, q), k), k, i, sl if k else 0))
    out = sorted(turns + new, key=lambda t: t.lo)
    for t in out:
        t.value = mv_step(bm, t.value)
        t.refined = 0
    return out


def counting_interval(bm: BallMap, interval_) -> tuple[float, float]:
    """Double ends (lo, hi) of the counting interval: the user's (numbers or exact
    strings; an end that is not a double is rounded inward, and the interval must
    stay non-empty) or J."""
    if interval_ is None:
        inv = smooth_invariant(bm)
        if not inv.exists:
            raise SpecError("interval", f"no invariant interval ({inv.reason}); give the "
                            "interval explicitly (--interval LO HI)")
        return inv.lo, inv.hi
    try:
        lo_t, hi_t = interval_
    except (TypeError, ValueError):
        raise SpecError("interval", f"expected two numbers LO HI, got {interval_!r}") from None
    lo_q = lo_t if isinstance(lo_t, Fraction) else parse_number(lo_t, "interval.lo")
    hi_q = hi_t if isinstance(hi_t, Fraction) else parse_number(hi_t, "interval.hi")
    if not lo_q < hi_q:
        raise SpecError("interval", f"need LO < HI, got [{_short(lo_q)}, {_short(hi_q)}]")
    lo, hi = _inward(lo_q, True), _inward(hi_q, False)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise SpecError("interval", "LO and HI must round (inward) to finite doubles "
                        "LO < HI: the interval is too large or too narrow")
    return lo, hi


def _short(x: Fraction) -> str:
    try:
        return f"{float(x):.6g}"
    except OverflowError:
        return "-huge" if x < 0 else "huge"


def _inward(x: Fraction, up: bool) -> float:
    try:
        d = float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf
    if up and Fraction(d) < x:
        d = math.nextafter(d, math.inf)
    if not up and Fraction(d) > x:
        d = math.nextafter(d, -math.inf)
    return d


def _count(net, steps: int, lo: float, hi: float, prec: int, max_turning: int) -> LapCounts:
    with ctx.workprec(prec):
        bm = BallMap(net)
        u, v, inv = forward_hull(bm, lo, hi, max(steps - 1, 1))
        out = LapCounts(lo, hi, steps, [None] * steps, forward_invariant=inv or None, prec=prec)
        if not (math.isfinite(u) and math.isfinite(v)):
            out.undecided_from, out.reason = 1, "the images f^k(I) are not bounded doubles"
            return out
        margin = 2.0 ** -20 * max(v - u, 1e-6)
        crit = critical_points(bm, u - margin, v + margin)
        out.critical_points = len(crit.boxes)
        turns: list = []
        ends = (arb(lo), arb(hi))
        for k in range(steps):
            try:
                turns = _next_level(bm, net, k, turns, ends, lo, hi, crit, max_turning)
            except _Undecided as exc:
                out.undecided_from, out.reason = k + 1, str(exc)
                break
            ends = (mv_step(bm, ends[0]), mv_step(bm, ends[1]))
            out.laps[k] = len(turns) + 1
            out.turning_boxes = [(t.lo, t.hi) for t in turns]
    return out


def certified_laps(net, steps: int, interval_=None, *, prec: int = PREC,
                   max_turning: int = MAX_TURNING) -> LapCounts:
    """Certified laps of f^t on ``interval_`` (default J), t = 1..steps (module docstring);
    a step whose f^t would have more than ``max_turning`` turning points is undecided
    ('budget').

    >>> from rnnchaos.networks.model import ScalarRNN
    >>> f = ScalarRNN.from_dict({"layers": [{"weight": [[0.5]], "bias": [0.2],
    ...     "activation": "tanh"}]})
    >>> certified_laps(f, 3).laps
    [1, 1, 1]
    """
    steps = check_int(steps, "steps", 1, MAX_STEPS)
    with ctx.workprec(prec):
        lo, hi = counting_interval(BallMap(net), interval_)
    out = _count(net, steps, lo, hi, prec, max_turning)
    if out.undecided_from is not None and prec < RETRY_PREC and "budget" not in out.reason:
        again = _count(net, steps, lo, hi, RETRY_PREC, max_turning)
        if len(again.decided) > len(out.decided):
            out = again
    if out.undecided_from is not None and out.reason.startswith("turning points"):
        out.notes.append(f"reasons: {REASONS}")
    if out.forward_invariant:
        out.notes.append("f maps the interval into itself (proven): these are the laps of the "
                         "self-map f|I")
    return out


__all__ = ["certified_laps", "critical_points", "curvature", "jet", "Kink", "mv_step", "forward_hull", "image_enclosure",
           "clamped_image", "range_bounds",
           "counting_interval", "CriticalPoints", "LapCounts", "MAX_STEPS", "MAX_TURNING"]
