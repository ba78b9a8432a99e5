"""A bounded interval that contains every periodic orbit, from the affine tails.

Far from its breakpoints a PL map is affine on each tail, so the dynamics near
+-infinity is a map on the two "points at infinity" with multipliers |slope|.
We pick a weighted norm nu(x) = x (x >= 0), theta*|x| (x < 0) in which every
far side either strictly contracts (orbits come back) or strictly expands
into an expanding side (orbits escape for good), then grow the ball
I = {nu <= rho} until, exactly checked,

  (A) on each contracting tail beyond I: nu(f(x)) < nu(x),
  (E) on each escaping tail beyond I: f(x) lies beyond I on an escaping side and nu(f(x)) > nu(x),
  (B) f(I) is inside I or the escaping regions.

Then no periodic orbit leaves I: a point in an escaping region never returns,
and the point of largest nu of an orbit outside I would have a preimage inside
I (excluded by B) or a larger one (excluded by A).  Finally I is shrunk with
I <- I intersect f(I) (rounded outwards to short dyadics), which keeps every periodic point because Per = f(Per).
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import fmpq

from .pl import ONE, ZERO, PiecewiseLinear

MAX_GROWTH_STEPS = 400
SHRINK_STEPS = 64
SHRINK_BITS = 48


@dataclass(frozen=True)
class InvariantInterval:
    """[lo, hi] contains every periodic point of f (all periods).

    ``forward_invariant`` is True when moreover f([lo, hi]) is inside [lo, hi]
    (checked exactly).  ``lo``/``hi`` are None with ``reason`` set when no such
    bounded interval exists or it could not be established.
    """

    lo: fmpq | None
    hi: fmpq | None
    forward_invariant: bool
    reason: str = ""

    @property
    def exists(self) -> bool:
        return self.lo is not None


def _none(reason: str) -> InvariantInterval:
    return InvariantInterval(None, None, False, reason)


def invariant_interval(f: PiecewiseLinear) -> InvariantInterval:
    """Compute a compact interval containing every periodic point of ``f``.

    >>> from rnnchaos.exact.pl import PiecewiseLinear
    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> iv = invariant_interval(tent); (iv.lo, iv.hi, iv.forward_invariant)
    (0, 1, True)
    """
    if f.is_affine:
        return _affine_case(f)
    a, b = f.xs[0], f.xs[-1]
    sl, sr = f.slopes[0], f.slopes[-1]
    ya, yb = f.ys[0], f.ys[-1]
    target = {"+": _side_of(sr, "+"), "-": _side_of(sl, "-")}
    cls = {side: "att" for side in ("+", "-") if target[side] is None}
    for side, s, drift_out in (("+", sr, yb - b), ("-", sl, a - ya)):
        if target[side] == side and abs(s) == 1:
            if drift_out == 0:
                where = f"[{b}, inf)" if side == "+" else f"(-inf, {a}]"
                return _none(f"f is the identity on {where}: an unbounded continuum of fixed points")
            cls[side] = "esc" if drift_out > 0 else "att"
        elif target[side] == side:
            cls[side] = "esc" if abs(s) > 1 else "att"
    if target["+"] == "-" and target["-"] == "+":
        mult = abs(sr * sl)
        if mult == 1:
            return _none("the tails swap +inf and -inf with multiplier exactly 1; not established")
        cls["+"] = cls["-"] = "esc" if mult > 1 else "att"
    for side in ("+", "-"):
        if side not in cls:  # crosses over to the other, already classified, side
            cls[side] = cls[target[side]]
    theta = _weight(sr, sl, target, cls)
    rho = max(b, theta * (-a), ZERO) + 1
    for _ in range(MAX_GROWTH_STEPS):
        lo, hi = -rho / theta, rho
        if _certified(f, lo, hi, theta, cls):
            return _shrink(f, lo, hi, cls)
        rho = 2 * rho + 1
    return _none("no trapping interval found within the growth limit")


def _affine_case(f: PiecewiseLinear) -> InvariantInterval:
    s, c = f.slopes[0], f(ZERO)
    if s == 1:
        if c == 0:
            return _none("f is the identity: every point is fixed")
        return _none("f is a translation: there are no periodic points")
    if s == -1:
        return _none("f is a reflection x -> c - x: every point is periodic")
    x = c / (1 - s)
    return InvariantInterval(x, x, True)


def _side_of(slope: fmpq, side: str) -> str | None:
    """Where the far end of ``side`` goes: '+', '-' or None (a constant tail)."""
    if slope == 0:
        return None
    if side == "+":
        return "+" if slope > 0 else "-"
    return "-" if slope > 0 else "+"


def _weight(sr, sl, target, cls) -> fmpq:
    """theta > 0 making each crossing tail contract (att) or expand (esc) in nu."""
    lo, hi = ZERO, None
    if target["+"] == "-":  # factor |sr| * theta
        bound = ONE / abs(sr)
        if cls["+"] == "att":
            hi = bound if hi is None else min(hi, bound)
        else:
            lo = max(lo, bound)
    if target["-"] == "+":  # factor |sl| / theta
        bound = abs(sl)
        if cls["-"] == "att":
            lo = max(lo, bound)
        else:
            hi = bound if hi is None else min(hi, bound)
    if hi is None:
        return 2 * lo + 1
    if lo == 0:
        return hi / 2
    return (lo + hi) / 2


def _nu(x: fmpq, theta: fmpq) -> fmpq:
    return x if x >= 0 else -theta * x


def _certified(f, lo, hi, theta, cls) -> bool:
    """Conditions (A), (E), (B) of the module docstring, checked exactly."""
    for side, x0, direction in (("+", hi, ONE), ("-", lo, -ONE)):
        # on the tail beyond x0, f(x) = y0 + s (x - x0); x = x0 + direction * u, u >= 0
        y0 = f(x0)
        dy = f.slopes[-1] if side == "+" else -f.slopes[0]  # d f / d u
        dnu_x = ONE if side == "+" else theta               # d nu(x) / d u
        if cls[side] == "esc":
            if y0 > hi and dy >= 0 and cls["+"] == "esc":
                land = "+"
            elif y0 < lo and dy <= 0 and cls["-"] == "esc":
                land = "-"
            else:
                return False
            dnu_y = dy if land == "+" else -theta * dy
            if not (_nu(y0, theta) > _nu(x0, theta) and dnu_y >= dnu_x):
                return False
        else:
            # nu(f) - nu(x) is convex in u: negative at u=0 and non-increasing at infinity
            dnu_inf = abs(dy) * (ONE if (dy > 0) else theta) if dy != 0 else ZERO
            if not (_nu(y0, theta) < _nu(x0, theta) and dnu_inf <= dnu_x):
                return False
    m, M = f.range_on(lo, hi)
    return (m >= lo or cls["-"] == "esc") and (M <= hi or cls["+"] == "esc")


def _round_out(lo: fmpq, hi: fmpq) -> tuple[fmpq, fmpq]:
    """Outward rounding to a dyadic grid ~2^-SHRINK_BITS of the scale: keeps ends short."""
    scale = max(abs(lo), abs(hi), ONE)
    k = SHRINK_BITS - int(scale.floor()).bit_length()
    unit = fmpq(2) ** k if k >= 0 else ONE / fmpq(2) ** (-k)
    return (lo * unit).floor() / unit, (hi * unit).ceil() / unit


def _shrink(f, lo, hi, cls) -> InvariantInterval:
    for _ in range(SHRINK_STEPS):
        m, M = _round_out(*f.range_on(lo, hi))
        nlo, nhi = max(lo, m), min(hi, M)
        if nlo > nhi:
            return _none("f has no periodic points (the trapping interval shrinks to nothing)")
        if (nlo, nhi) == (lo, hi):
            break
        lo, hi = nlo, nhi
    m, M = f.range_on(lo, hi)
    return InvariantInterval(lo, hi, m >= lo and M <= hi)
