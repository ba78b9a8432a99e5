"""Exact continuous piecewise-linear functions R -> R.

A :class:`PiecewiseLinear` ``g`` is stored as sorted breakpoints ``xs``, the
values ``ys = g(xs)`` and the slopes of its ``len(xs) + 1`` pieces (the first
and last are the unbounded affine tails).  All numbers are exact rationals
(:class:`flint.fmpq`); IEEE weights enter with their exact binary values.
The canonical form keeps only real kinks (slope changes), except one anchor
point at 0 for an affine function.

>>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
>>> tent.iterate(3).num_laps(0, 1)
8
>>> tent.fixed_point_set()
[(0, 0), (2/3, 2/3)]
"""
from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from fractions import Fraction
from typing import Iterable, Sequence

from flint import fmpq

from .._lib.validation import parse_number
from ..errors import NotPiecewiseLinearError, ResourceLimitError

ZERO = fmpq(0)
ONE = fmpq(1)


def q(value) -> fmpq:
    """Exact rational from an int, float (its exact binary value), Fraction, fmpq or 'p/q' string."""
    if isinstance(value, fmpq):
        return value
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers here")
    if isinstance(value, int):
        return fmpq(value)
    if isinstance(value, float):
        n, d = value.as_integer_ratio()  # raises on nan/inf
        return fmpq(n, d)
    if isinstance(value, Fraction):
        return fmpq(value.numerator, value.denominator)
    if isinstance(value, str):
        frac = parse_number(value, "number")  # the one user-number parser, with its bounds
        return fmpq(frac.numerator, frac.denominator)
    if hasattr(value, "as_integer_ratio"):  # numpy floats and ints
        n, d = value.as_integer_ratio()
        return fmpq(int(n), int(d))
    raise TypeError(f"cannot make an exact rational from {value!r}")


def to_fraction(value: fmpq) -> Fraction:
    return Fraction(int(value.p), int(value.q))


def rational_str(value: fmpq | None, infinity: str = "inf") -> str:
    """'p/q' or 'p'; None stands for an infinite end and prints as '-inf'/'inf' via ``infinity``."""
    return infinity if value is None else str(value)


class PiecewiseLinear:
    """An exact continuous piecewise-linear map g: R -> R.

    Attributes ``xs`` (breakpoints, strictly increasing, at least one),
    ``ys`` (values there) and ``slopes`` (``len(xs) + 1`` slopes, left tail first).
    Build with :meth:`affine`, :meth:`from_activation`, :meth:`from_network`,
    :meth:`linear_combination` and :meth:`compose`.
    """

    __slots__ = ("xs", "ys", "slopes")

    def __init__(self, xs: list[fmpq], ys: list[fmpq], slopes: list[fmpq], canonical: bool = False):
        if not canonical:
            xs, ys, slopes = _canonicalize(xs, ys, slopes)
        self.xs, self.ys, self.slopes = xs, ys, slopes

    # ------------------------------------------------------------ builders
    @classmethod
    def affine(cls, slope, intercept) -> "PiecewiseLinear":
        """x -> slope * x + intercept."""
        s, b = q(slope), q(intercept)
        return cls([ZERO], [b], [s, s], canonical=True)

    @classmethod
    def identity(cls) -> "PiecewiseLinear":
        return cls.affine(1, 0)

    @classmethod
    def from_breaks(cls, breaks: Sequence, slopes: Sequence, intercepts: Sequence) -> "PiecewiseLinear":
        """From breakpoints and (slope, intercept) of each piece; continuity is the caller's duty."""
        xs = [q(b) for b in breaks]
        ss = [q(s) for s in slopes]
        bs = [q(b) for b in intercepts]
        if not xs:
            return cls.affine(ss[0], bs[0])
        ys = [ss[i + 1] * x + bs[i + 1] for i, x in enumerate(xs)]
        return cls(xs, ys, ss)

    @classmethod
    def clip(cls, lo, hi) -> "PiecewiseLinear":
        """x -> min(max(x, lo), hi), lo <= hi."""
        lo, hi = q(lo), q(hi)
        if lo == hi:
            return cls.affine(0, lo)
        return cls([lo, hi], [lo, hi], [ZERO, ONE, ZERO], canonical=True)

    @classmethod
    def from_activation(cls, activation) -> "PiecewiseLinear":
        """The activation as an exact PL map (NotPiecewiseLinearError for tanh/sigmoid)."""
        return cls.from_breaks(*activation.pieces())

    @classmethod
    def from_network(cls, net, max_pieces: int | None = None) -> "PiecewiseLinear":
        """The exact PL map of a scalar network built from identity/relu/leaky_relu/hardtanh.

        ``max_pieces`` bounds every intermediate unit, layer by layer, before it is built
        (the composition bound of :meth:`compose`): a deep stack of tent layers has 2^depth
        pieces, so the limit must apply while f itself is built, not only to its iterates.
        """
        for i, layer in enumerate(net.layers):
            if not layer.activation.is_piecewise_linear:
                raise NotPiecewiseLinearError(
                    f"layers[{i}].activation: {layer.activation.name!r} is not piecewise linear; "
                    "the exact engine handles identity, relu, leaky_relu and hardtanh")
        units = [cls.identity()]
        for layer in net.layers:
            act = cls.from_activation(layer.activation)
            weight = [[q(float(w)) for w in row] for row in layer.weight]
            bias = [q(float(b)) for b in layer.bias]
            units = [cls._unit(act, units, row, b, max_pieces) for row, b in zip(weight, bias)]
        return units[0]

    @classmethod
    def _unit(cls, act, units, row, bias, max_pieces) -> "PiecewiseLinear":
        """act(sum_j row[j] * units[j] + bias), refused before building beyond max_pieces."""
        combination = cls.linear_combination(units, row, bias)
        if max_pieces is not None and combination.num_pieces() > max_pieces:
            raise ResourceLimitError(f"building f from its layers: a unit has "
                                     f"{combination.num_pieces()} linear pieces (limit {max_pieces})")
        return act.compose(combination, max_pieces)

    @classmethod
    def linear_combination(cls, funcs: Sequence["PiecewiseLinear"], coeffs: Sequence, const=0) -> "PiecewiseLinear":
        """sum_i coeffs[i] * funcs[i] + const, merging slope changes (O(M log M))."""
        const = q(const)
        left = ZERO
        changes = []  # per function: its slope changes (x, c * jump), x ascending
        live = []
        for g, c in zip(funcs, coeffs):
            c = q(c)
            if c == 0:
                continue
            live.append((g, c))
            left += c * g.slopes[0]
            changes.append([(x, c * (g.slopes[j + 1] - g.slopes[j])) for j, x in enumerate(g.xs)])
        # why a merge of sorted lists and not a dict: hashing an fmpq builds a Fraction,
        # which made this step dominate building deep networks
        xs, deltas = [], []
        for x, d in heapq.merge(*changes, key=lambda change: change[0]):
            if xs and xs[-1] == x:
                deltas[-1] += d
            else:
                xs.append(x)
                deltas.append(d)
        kept = [(x, d) for x, d in zip(xs, deltas) if d != 0]
        if not kept:
            value0 = sum((c * g(ZERO) for g, c in live), const)
            return cls.affine(left, value0)
        xs = [x for x, _ in kept]
        y = sum((c * g(xs[0]) for g, c in live), const)
        ys, slopes, s = [y], [left], left
        for i, (x, d) in enumerate(kept):
            s = s + d
            slopes.append(s)
            if i + 1 < len(xs):
                y = y + s * (xs[i + 1] - x)
                ys.append(y)
        return cls(xs, ys, slopes, canonical=True)

    # ------------------------------------------------------------ queries
    def __call__(self, x) -> fmpq:
        """Exact value at x (any input accepted by :func:`q`)."""
        x = q(x)
        xs = self.xs
        i = bisect_right(xs, x)
        if i == 0:
            return self.ys[0] + self.slopes[0] * (x - xs[0])
        return self.ys[i - 1] + self.slopes[i] * (x - xs[i - 1])

    @property
    def is_affine(self) -> bool:
        return len(self.xs) == 1 and self.slopes[0] == self.slopes[1]

    @property
    def breakpoints(self) -> list[fmpq]:
        """The kinks (empty for an affine map)."""
        return [] if self.is_affine else list(self.xs)

    def num_pieces(self, lo=None, hi=None) -> int:
        """Number of linear pieces on R, or on [lo, hi] (None: unbounded side)."""
        if self.is_affine:
            return 1
        i0, i1 = self._piece_range(lo, hi)
        return i1 - i0 + 1

    def num_laps(self, lo=None, hi=None) -> int:
        """Number of maximal monotone intervals (laps) on R or on [lo, hi].

        Constant pieces belong to either neighbour, so only sign changes of the
        slope between non-zero slopes count.
        """
        i0, i1 = self._piece_range(lo, hi)
        laps, sign = 1, 0
        for s in self.slopes[i0:i1 + 1]:
            if s == 0:
                continue
            t = 1 if s > 0 else -1
            if sign and t != sign:
                laps += 1
            sign = t
        return laps

    def _piece_range(self, lo, hi) -> tuple[int, int]:
        """Indices (into slopes) of the first and last piece meeting the open interval (lo, hi)."""
        i0 = 0 if lo is None else bisect_right(self.xs, q(lo))
        i1 = len(self.xs) if hi is None else bisect_left(self.xs, q(hi))
        if lo is not None and hi is not None and q(lo) >= q(hi):
            i1 = i0 = min(i0, len(self.xs))
        return i0, max(i0, i1)

    def range_on(self, lo, hi) -> tuple[fmpq, fmpq]:
        """Exact (min, max) of g on the closed bounded interval [lo, hi]."""
        lo, hi = q(lo), q(hi)
        if lo > hi:
            raise ValueError(f"empty interval [{lo}, {hi}]")
        vals = [self(lo), self(hi)]
        i0, i1 = bisect_right(self.xs, lo), bisect_left(self.xs, hi)
        vals.extend(self.ys[i0:i1])
        return min(vals), max(vals)

    # ------------------------------------------------------------ algebra
    def compose(self, inner: "PiecewiseLinear", max_pieces: int | None = None) -> "PiecewiseLinear":
        """The exact composition ``self o inner`` (x -> self(inner(x))).

        Walks the pieces of ``inner``; on each, the breakpoints of ``self`` inside
        the image are pulled back exactly.  ``max_pieces`` refuses, before
        allocating, a result that could exceed that many pieces.
        """
        if max_pieces is not None:
            bound = inner.num_pieces() + len(self.xs) * inner.num_laps()
            if bound > max_pieces:
                raise ResourceLimitError(
                    f"composition could have up to {bound} linear pieces (limit {max_pieces})")
        fx, fy, fs = self.xs, self.ys, self.slopes
        gx, gy, gs = inner.xs, inner.ys, inner.slopes
        m = len(gx)
        X: list[fmpq] = []
        Y: list[fmpq] = []
        S: list[fmpq] = []
        for j in range(m + 1):
            s = gs[j]
            if s == 0:
                S.append(ZERO)
            else:
                # anchor of the piece: a finite end (x0, y0)
                if j < m:
                    x0, y0 = gx[j], gy[j]
                else:
                    x0, y0 = gx[m - 1], gy[m - 1]
                left_y = gy[j - 1] if j > 0 else None  # value at the left end (None: tail)
                right_y = gy[j] if j < m else None     # value at the right end (None: tail)
                if s > 0:
                    # image (left_y, right_y), increasing: breakpoints of self inside it
                    a = 0 if left_y is None else bisect_right(fx, left_y)
                    b = len(fx) if right_y is None else bisect_left(fx, right_y)
                    piece = a
                    for k in range(a, b):
                        t = fx[k]
                        S.append(s * fs[piece])
                        X.append(x0 + (t - y0) / s)
                        Y.append(fy[k])
                        piece = k + 1
                    S.append(s * fs[piece])
                else:
                    # image (right_y, left_y), walked downwards
                    a = 0 if right_y is None else bisect_right(fx, right_y)
                    b = len(fx) if left_y is None else bisect_left(fx, left_y)
                    piece = b
                    for k in range(b - 1, a - 1, -1):
                        t = fx[k]
                        S.append(s * fs[piece])
                        X.append(x0 + (t - y0) / s)
                        Y.append(fy[k])
                        piece = k
                    S.append(s * fs[piece])
            if j < m:
                X.append(gx[j])
                Y.append(self(gy[j]))
        return PiecewiseLinear(X, Y, S)

    def __matmul__(self, inner: "PiecewiseLinear") -> "PiecewiseLinear":
        return self.compose(inner)

    def iterate(self, n: int, max_pieces: int | None = None) -> "PiecewiseLinear":
        """The n-th iterate g^n (n >= 1)."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        for _, out in zip(range(n), self.iterates(max_pieces)):
            pass
        return out

    def iterates(self, max_pieces: int | None = None):
        """Yield g^1, g^2, ... (g^n = g o g^(n-1), each exact).

        A ResourceLimitError raised before g^n is built carries ``.n`` = n.
        """
        out, n = self, 1
        while True:
            yield out
            n += 1
            try:
                out = self.compose(out, max_pieces)
            except ResourceLimitError as exc:
                exc.n = n
                raise

    # ------------------------------------------------------------ fixed points
    def fixed_point_set(self) -> list[tuple[fmpq | None, fmpq | None]]:
        """Fix(g) = {x : g(x) = x} as sorted disjoint closed intervals (lo, hi).

        A point is (x, x); None marks an infinite end.  Whole intervals arise
        where g is the identity on a piece.
        """
        xs, ys, ss = self.xs, self.ys, self.slopes
        m = len(xs)
        found: list[tuple[fmpq | None, fmpq | None]] = []
        for j in range(m + 1):
            lo = xs[j - 1] if j > 0 else None
            hi = xs[j] if j < m else None
            ax, ay = (xs[j], ys[j]) if j < m else (xs[m - 1], ys[m - 1])
            s = ss[j]
            c = ay - s * ax  # g(x) = s x + c on this piece
            if s == 1:
                if c == 0:
                    found.append((lo, hi))
                continue
            x = c / (1 - s)
            if (lo is None or x >= lo) and (hi is None or x <= hi):
                found.append((x, x))
        return merge_intervals(found)

    def __repr__(self):
        if self.is_affine:
            return f"PiecewiseLinear(affine: {self.slopes[0]} x + {self(ZERO)})"
        return f"PiecewiseLinear({len(self.xs)} breakpoints, {self.num_pieces()} pieces)"

    def __eq__(self, other):
        if not isinstance(other, PiecewiseLinear):
            return NotImplemented
        if self.is_affine and other.is_affine:
            return self.slopes[0] == other.slopes[0] and self(ZERO) == other(ZERO)
        return self.xs == other.xs and self.ys == other.ys and self.slopes == other.slopes


def _canonicalize(xs, ys, slopes):
    """Drop breakpoints where the slope does not change; keep an anchor if none is left."""
    if len(slopes) != len(xs) + 1 or len(ys) != len(xs):
        raise ValueError("need len(slopes) == len(xs) + 1 == len(ys) + 1")
    if not xs:
        raise ValueError("need at least one breakpoint (use PiecewiseLinear.affine)")
    keep_x, keep_y, keep_s = [], [], [slopes[0]]
    for i, x in enumerate(xs):
        if slopes[i + 1] != keep_s[-1]:
            keep_x.append(x)
            keep_y.append(ys[i])
            keep_s.append(slopes[i + 1])
    if not keep_x:  # affine: anchor at 0
        s = slopes[0]
        return [ZERO], [ys[0] - s * xs[0]], [s, s]
    return keep_x, keep_y, keep_s


def merge_intervals(items: Iterable[tuple[fmpq | None, fmpq | None]]):
    """Union of closed intervals (None = infinite end) as sorted disjoint closed intervals."""
    def lo_key(iv):
        return (0, ZERO) if iv[0] is None else (1, iv[0])
    out: list[list] = []
    for lo, hi in sorted(items, key=lo_key):
        if out:
            phi = out[-1][1]
            if phi is None or (lo is not None and lo <= phi):
                if phi is not None and (hi is None or hi > phi):
                    out[-1][1] = hi
                continue
        out.append([lo, hi])
    return [tuple(iv) for iv in out]
