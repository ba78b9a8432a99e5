"""A compact interval J, proven to hold every periodic orbit of a smooth scalar map.

Lemma.  Every periodic point x of f lies in f^k(R) for every k >= 1 (x = f^k(f^{jp-k} x)
for jp >= k), so Per(f) is inside E_1 = f(R), and inductively inside E_{k+1} = f(E_k),
which is inside any enclosure of f(E_k).

Construction.  E_1 is enclosed by propagating (-inf, inf) through the layers
(:func:`~rnnchaos.certified.enclosures.range_of_line`): a tanh, sigmoid or hardtanh layer
is bounded whatever its input, so an output layer of that kind, or any affine or relu
layer over a bounded one, gives a bounded E_1.  Then a few rounds of
E <- E intersected with (union over a subdivision of E of the enclosures of f(piece))
shrink it (still a superset of Per by the lemma); on a piece where the derivative
enclosure has one strict sign, f is strictly monotone and its image is the hull of the
values at the two ends.  Finally J is E widened by a small
margin, so that no periodic point sits on an end of J (a root on a box end is the one
place where a sign test cannot decide).

If E_1 is unbounded (e.g. an identity output over relu units) there is no such J from
this argument and the analysis reports every period undecided with that reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import arb

from .enclosures import BallMap, interval, range_of_line

SHRINK_ROUNDS = 3
SHRINK_PIECES = 6
#: stop shrinking once a round removes less than this fraction of the width
SHRINK_MIN_GAIN = 0.2


@dataclass(frozen=True)
class SmoothInvariant:
    """[lo, hi] (floats, exact binary values) holds every periodic point of f; ``reason``
    is set (and lo, hi are None) when no bounded interval could be established."""

    lo: float | None
    hi: float | None
    reason: str = ""

    @property
    def exists(self) -> bool:
        return self.lo is not None

    def to_json(self):
        return None if not self.exists else [repr(self.lo), repr(self.hi)]


def outward_ball(x: arb, up: bool) -> float:
    """A double >= every point of x (up) or <= every point of x (not up)."""
    import math
    end = x.upper() if up else x.lower()
    v = float(end.mid())
    r = float(end.rad()) * 2
    v = v + r if up else v - r
    return math.nextafter(v, math.inf if up else -math.inf)


def _piece_image(bm: BallMap, u: float, v: float) -> arb:
    """An enclosure of f([u, v]): where the derivative enclosure has one strict sign f is
    strictly monotone there and f([u, v]) is the hull of f(u) and f(v) (tight); otherwise
    the natural enclosure meets the mean-value form."""
    box = interval(u, v)
    val, slope = bm.value_slope(box)
    if slope > 0 or slope < 0:
        return bm.value(arb(u)).union(bm.value(arb(v)))
    mid = arb(box.mid())
    mv = bm.value(mid) + slope * (box - mid)
    try:
        return val.intersection(mv)
    except ValueError:  # only if one of them is NaN
        return val if val.is_finite() else mv


def smooth_invariant(bm: BallMap) -> SmoothInvariant:
    """J for the map of ``bm`` (see the module docstring).

    >>> from rnnchaos.networks.model import ScalarRNN
    >>> f = ScalarRNN.from_dict({"layers": [{"weight": [[0.5]], "bias": [0.0],
    ...     "activation": "tanh"}]})
    >>> J = smooth_invariant(BallMap(f)); J.lo < 0 < J.hi <= 1.0
    True
    """
    lo, hi = range_of_line(bm)
    if isinstance(lo, float) or isinstance(hi, float):
        return SmoothInvariant(None, None, "f(R) is unbounded (no bounded output layer): no "
                               "compact interval is known to hold every periodic orbit")
    a, b = outward_ball(lo, False), outward_ball(hi, True)
    for _ in range(SHRINK_ROUNDS):
        edges = [a + (b - a) * i / SHRINK_PIECES for i in range(SHRINK_PIECES + 1)]
        edges[-1] = b
        img = None
        for u, v in zip(edges, edges[1:]):
            piece = _piece_image(bm, u, v)
            img = piece if img is None else img.union(piece)
        na, nb = max(a, outward_ball(img, False)), min(b, outward_ball(img, True))
        if not na <= nb:  # cannot happen: f(E) meets E since Per(f) contains a fixed point
            break
        gain = 1 - (nb - na) / (b - a) if b > a else 0.0
        a, b = na, nb
        if gain < SHRINK_MIN_GAIN:
            break
    margin = 2.0 ** -20 * max(b - a, 1e-6)
    return SmoothInvariant(a - margin, b + margin)


__all__ = ["SmoothInvariant", "smooth_invariant"]
