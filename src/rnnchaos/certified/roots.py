"""Isolating the roots of h_n(x) = f^n(x) - x on an interval: branch and bound with
mean-value enclosures, monotonicity and sign tests.

Specification.  ``isolate(bm, n, lo, hi)`` returns (roots, unresolved): ``roots`` is a
list of disjoint boxes [a, b] (double ends) each holding **exactly one** root of h_n,
sorted; ``unresolved`` lists boxes where it could not decide, each with a reason
('tangency': h_n and h_n' both may vanish on a box too narrow to split further,
'budget': too many boxes).  Every root of h_n in [lo, hi] lies in a root box or an
unresolved box; when ``unresolved`` is empty the list of roots is complete.

Proof of each step, for a box X = [a, b] with enclosures H of h_n(X) and H' of h_n'(X)
(:meth:`~rnnchaos.certified.enclosures.Iterates.residual`, slopes minus 1):

* 0 not in H: h_n has no root in X; discard.
* 0 not in H': h_n is strictly monotone on X (mean-value lemma), so it has at most one
  root there.  If the balls h_n(a), h_n(b) have strictly opposite signs, it has exactly
  one (intermediate value theorem); strictly equal signs: none.  Otherwise a root is
  within rounding of an end: split X off-centre (below).
* else split X at a point off its centre (at 0.4921875 of its width: an exact dyadic
  fraction, so a root at a "round" point such as 0 or a box centre is not put on a
  split point, where no sign test could see it).  Boxes narrower than ``min_width``
  are unresolved ('tangency').

Root boxes are then narrowed (:func:`narrow`) by Newton steps proposed in floating
point and accepted only through a sign test in ball arithmetic, so they stay brackets.
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import arb

from .enclosures import BallMap, interval

SPLIT = 0.4921875
MAX_BOXES = 4000


@dataclass(frozen=True)
class Unresolved:
    lo: float
    hi: float
    reason: str


def ball_sign(x: arb) -> int:
    """+1 / -1 when the ball is strictly positive / negative, 0 when it may contain 0."""
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0


def residual_at(bm: BallMap, n: int, x: float) -> arb:
    """A ball containing h_n(x) = f^n(x) - x at the double x."""
    ax = arb(x)
    y = ax
    for _ in range(n):
        y = bm.value(y)
    return y - ax


def float_hints(net, n: int, lo: float, hi: float, grid: int = 97) -> list[float]:
    """Proposed split points of [lo, hi] for :func:`isolate` (floating point, proposals
    only): the grid points next to each local extremum of h_n and a bracket of one grid
    cell on each side of each sign change, so that each proposed cell is either free of
    roots or monotone around one root.  A bad proposal costs time, never correctness."""
    import numpy as np
    xs = np.linspace(lo, hi, grid)
    y = xs
    for _ in range(n):
        y = net(y)
    h = y - xs
    cuts = set()
    dh = np.diff(h)
    turn = np.nonzero(np.signbit(dh[:-1]) != np.signbit(dh[1:]))[0] + 1
    cuts.update(int(i) for i in turn)
    change = np.nonzero(np.signbit(h[:-1]) != np.signbit(h[1:]))[0]
    for i in change:
        cuts.update((int(i) - 1, int(i) + 2))
    pts = sorted(float(xs[i]) for i in cuts if 0 < i < grid - 1)
    return pts


def isolate(bm: BallMap, n: int, lo: float, hi: float, *, max_boxes: int = MAX_BOXES,
            min_width: float | None = None, hints: list[float] | None = None):
    """Root boxes and unresolved boxes of f^n(x) - x on [lo, hi] (see the module docstring).

    >>> from rnnchaos.networks.model import ScalarRNN
    >>> f = ScalarRNN.from_dict({"layers": [{"weight": [[0.5]], "bias": [0.1],
    ...     "activation": "tanh"}]})
    >>> roots, bad = isolate(BallMap(f), 1, -1.0, 1.0); len(roots), bad
    (1, [])
    """
    if min_width is None:
        min_width = max(hi - lo, 1e-300) * 2.0 ** -44
    roots: list[tuple[float, float]] = []
    unresolved: list[Unresolved] = []
    edges = [lo] + [x for x in (hints or []) if lo < x < hi] + [hi]
    stack = [(a, b) for a, b in zip(edges, edges[1:]) if a < b][::-1]
    boxes = 0
    while stack:
        a, b = stack.pop()
        boxes += 1
        if boxes > max_boxes:
            unresolved.append(Unresolved(a, b, "budget"))
            unresolved.extend(Unresolved(u, v, "budget") for u, v in stack)
            break
        it = bm.iterate(interval(a, b), n)
        H = it.residual(n)
        if not H.contains(0):
            continue
        dH = it.slopes[n] - 1
        if not dH.contains(0):
            sa, sb = ball_sign(residual_at(bm, n, a)), ball_sign(residual_at(bm, n, b))
            if sa and sb:
                if sa != sb:
                    roots.append((a, b))
                continue
        if b - a < min_width:
            unresolved.append(Unresolved(a, b, "tangency"))
            continue
        c = a + (b - a) * SPLIT
        if not a < c < b:
            unresolved.append(Unresolved(a, b, "precision"))
            continue
        stack.append((c, b))
        stack.append((a, c))
    roots.sort()
    return roots, sorted(unresolved, key=lambda u: u.lo)


def narrow(bm: BallMap, n: int, a: float, b: float, *, rel: float = 2.0 ** -40,
           steps: int = 60) -> tuple[float, float]:
    """A sub-bracket of [a, b] (which holds exactly one, simple-sign-change root of h_n)
    of width about ``rel`` times max(1, |root|): float Newton or bisection proposals, each
    accepted by a strict sign test in ball arithmetic (a proposal whose sign is unclear
    ends the narrowing)."""
    sa = ball_sign(residual_at(bm, n, a))
    for _ in range(steps):
        if b - a <= rel * max(1.0, abs(a), abs(b)):
            break
        c = 0.5 * (a + b)
        # float Newton proposal from the ball midpoints (only a proposal)
        it = bm.iterate(arb(c), n)
        h = float((it.points[n] - it.mid).mid())
        d = float((it.slopes[n] - 1).mid())
        if d != 0:
            t = c - h / d
            if a < t < b:
                w = max(abs(h / d) * 2, (b - a) * 2.0 ** -20)
                for cand in (t - w, t + w):
                    if a < cand < b:
                        s = ball_sign(residual_at(bm, n, cand))
                        if s == 0:
                            continue
                        if s == sa:
                            a = cand
                        else:
                            b = cand
                if b - a <= rel * max(1.0, abs(a), abs(b)):
                    break
        c = 0.5 * (a + b)
        if not a < c < b:
            break
        s = ball_sign(residual_at(bm, n, c))
        if s == 0:
            break
        if s == sa:
            a = c
        else:
            b = c
    return a, b


__all__ = ["isolate", "narrow", "residual_at", "ball_sign", "Unresolved", "MAX_BOXES"]
