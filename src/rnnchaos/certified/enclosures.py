"""Ball enclosures of a scalar network map f, of its iterates f^n and of their derivatives.

Specification.  ``BallMap(net)`` holds the weights of a :class:`~rnnchaos.networks.model.ScalarRNN`
as arb balls (their exact binary values).  For a ball X (python-flint ``arb``):

* ``value(X)`` is a ball containing {f(x) : x in X} (natural interval extension);
* ``value_slope(X)`` returns (V, D): V as above and D a ball containing every derivative
  value f'(x), x in X, where at a kink of a piecewise-linear unit (relu, leaky_relu,
  hardtanh) both one-sided derivatives count.  Forward-mode differentiation in ball
  arithmetic: z = W h + b, dz = W dh, a = act(z), da = act'(z) dz with act'(Z) enclosing
  the (one-sided) derivatives over Z: tanh' = 1 - tanh^2, sigmoid'(z) = (1 - tanh(z/2)^2)/4,
  relu' in [0, 1] when Z straddles 0, and so on.

Mean-value lemma.  f is Lipschitz and piecewise C^1, hence absolutely continuous, so for
a, b in X: f(b) - f(a) = int_a^b f' in (b - a) D.  Consequently, for m in X,
f(X) is in f(m) + D (X - m) (the mean-value form), and when 0 is not in D, f is strictly
monotone on X (the sign of D is the sign of every difference quotient).

Iterates.  ``iterate(X, n)`` encloses f^k(X) and (f^k)'(X) for k = 1..n: with Y_0 = X,
D_0 = 1 and m = mid(X) iterated as a thin ball, (V, d) = value_slope(Y_k) gives
(f^{k+1})'(X) in D_{k+1} = D_k d (chain rule: the derivative of f^{k+1} at x is
f'(f^k x) (f^k)'(x), and f^k x is in Y_k), and Y_{k+1} = V intersected with the
mean-value form f^{k+1}(m) + D_{k+1} (X - m).  Both are valid enclosures, so their
intersection is one; the mean-value form is what keeps narrow boxes narrow (the naive
form loses the correlation between the units, which all see the same x).

Everything here runs at the caller's arb precision (``flint.ctx.prec``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from flint import arb, arb_mat

from ..errors import SpecError

#: layers at least this wide evaluate their affine part with arb_mat products
WIDE = 8
#: [0, 1] as a ball: the one-sided derivatives of relu and hardtanh at a kink lie in it.
UNIT = arb(0.5, 0.5)


def hull(a: arb, b: arb) -> arb:
    """The smallest ball arb can represent that contains a and b."""
    return a.union(b)


def interval(lo: float, hi: float) -> arb:
    """A ball containing [lo, hi] (float endpoints, exact binary values)."""
    return arb(lo).union(arb(hi))


def _act(name: str, params: dict, z: arb, dz: arb | None):
    """(act(Z), act'(Z) dZ) enclosures; dz None: value only."""
    if name == "identity":
        return z, dz
    if name in ("relu", "leaky_relu"):
        s = arb(0) if name == "relu" else arb(params["negative_slope"])
        if z > 0:
            return z, dz
        if z < 0:
            return s * z, None if dz is None else s * dz
        val = (s * z.lower()).union(z.upper())
        return val, None if dz is None else dz * s.union(arb(1))
    if name == "hardtanh":
        lo, hi = arb(params["min_val"]), arb(params["max_val"])
        if z > lo and z < hi:
            return z, dz
        if z < lo:
            return lo, None if dz is None else arb(0)
        if z > hi:
            return hi, None if dz is None else arb(0)
        val = z.lower().max(lo).min(hi).union(z.upper().max(lo).min(hi))
        return val, None if dz is None else dz * UNIT
    if name == "tanh":
        t = z.tanh()
        return t, None if dz is None else dz * (1 - t ** 2)
    if name == "sigmoid":
        # sigmoid(z) = (1 + tanh(z/2))/2, the model's own (overflow-free) formula
        t = (z / 2).tanh()
        return (1 + t) / 2, None if dz is None else dz * (1 - t ** 2) / 4
    raise SpecError("activation", f"no ball evaluation for {name!r}")


@dataclass
class Iterates:
    """Enclosures over a box X: ``values[k]`` of f^k(X), ``slopes[k]`` of (f^k)'(X),
    ``points[k]`` of f^k(mid X) (k = 0..n; index 0 is X itself, slope 1)."""

    box: arb
    mid: arb
    values: list
    slopes: list
    points: list

    def residual(self, n: int) -> arb:
        """Enclosure of h(X), h(x) = f^n(x) - x, by the mean-value form intersected
        with the natural one."""
        mv = (self.points[n] - self.mid) + (self.slopes[n] - 1) * (self.box - self.mid)
        nat = self.values[n] - self.box
        return _meet(mv, nat)


def _meet(a: arb, b: arb) -> arb:
    try:
        return a.intersection(b)
    except ValueError:  # disjoint: cannot happen for two enclosures unless one is NaN
        return a if not a.is_finite() else b


class BallMap:
    """Ball evaluation of a scalar network (see the module docstring).

    >>> from rnnchaos.networks.model import ScalarRNN
    >>> f = ScalarRNN.from_dict({"layers": [{"weight": [[2.0]], "bias": [0.0],
    ...     "activation": "tanh"}]})
    >>> m = BallMap(f); v, d = m.value_slope(arb(0)); bool(v.contains(0)), bool(d.contains(2))
    (True, True)
    """

    def __init__(self, net):
        self.net = net
        self.layers = [([[arb(float(w)) for w in row] for row in layer.weight],
                        [arb(float(b)) for b in layer.bias],
                        layer.activation.name, dict(layer.activation.params))
                       for layer in net.layers]
        # wide layers: the affine part as arb_mat products (C loops; same ball semantics)
        self.mats = [(arb_mat(W), arb_mat(len(B), 1, B), [row[0] for row in W])
                     if max(len(W), len(W[0])) >= WIDE else None
                     for W, B, _, _ in self.layers]

    def _affine(self, li: int, h: list, dh: list | None, first: bool):
        """(z, dz) lists of layer li for inputs h (and their slopes dh, or None)."""
        W, B, _, _ = self.layers[li]
        mats = self.mats[li]
        if mats is not None:
            Wm, Bm, col = mats
            if len(h) == 1:
                zs = (Wm * h[0] + Bm).entries()
                if dh is None:
                    return zs, None
                return zs, (col if first else (Wm * dh[0]).entries())
            zs = (Wm * arb_mat(len(h), 1, h) + Bm).entries()
            if dh is None:
                return zs, None
            return zs, (Wm * arb_mat(len(dh), 1, dh)).entries()
        if len(h) == 1:  # one input: z_i = w_i x + b_i (the first layer of a scalar map)
            x0 = h[0]
            zs = [row[0] * x0 + b for row, b in zip(W, B)]
            if dh is None:
                return zs, None
            return zs, ([row[0] for row in W] if first else [row[0] * dh[0] for row in W])
        zs = [_dot(row, h, b) for row, b in zip(W, B)]
        if dh is None:
            return zs, None
        return zs, [_dot(row, dh, None) for row in W]

    def value(self, x: arb) -> arb:
        h = [x]
        for li, (_, _, name, params) in enumerate(self.layers):
            zs, _ = self._affine(li, h, None, li == 0)
            if name == "tanh":
                h = [z.tanh() for z in zs]
            else:
                h = [_act(name, params, z, None)[0] for z in zs]
        return h[0]

    def value_slope(self, x: arb) -> tuple[arb, arb]:
        h, dh = [x], [arb(1)]
        for li, (_, _, name, params) in enumerate(self.layers):
            zs, dzs = self._affine(li, h, dh, li == 0)
            if name == "tanh":  # the common case, inlined: tanh' = 1 - tanh^2
                h = [z.tanh() for z in zs]
                dh = [dz * (1 - t ** 2) for t, dz in zip(h, dzs)]
            else:
                pairs = [_act(name, params, z, dz) for z, dz in zip(zs, dzs)]
                h = [v for v, _ in pairs]
                dh = [d for _, d in pairs]
        return h[0], dh[0]

    def iterate(self, box: arb, n: int) -> Iterates:
        mid = arb(box.mid())
        values, slopes, points = [box], [arb(1)], [mid]
        y, d, m = box, arb(1), mid
        for _ in range(n):
            v, dv = self.value_slope(y)
            d = d * dv
            m = self.value(m)
            y = _meet(v, m + d * (box - mid))
            values.append(y)
            slopes.append(d)
            points.append(m)
        return Iterates(box, mid, values, slopes, points)

    def orbit(self, x: arb, n: int) -> list:
        """Balls containing x, f(x), ..., f^n(x) for a (thin) ball x."""
        out = [x]
        for _ in range(n):
            out.append(self.value(out[-1]))
        return out


def _dot(row, h, b):
    acc = arb(0) if b is None else b
    for w, v in zip(row, h):
        if not w.is_zero():
            acc = acc + w * v
    return acc


# ---------------------------------------------------------------- the range f(R)
_INF = math.inf


def _end_act(name: str, params: dict, z):
    """act at an end point z (an arb, or +-inf): activations are all nondecreasing."""
    if isinstance(z, float):  # +-inf
        if name == "tanh":
            return arb(1) if z > 0 else arb(-1)
        if name == "sigmoid":
            return arb(1) if z > 0 else arb(0)
        if name == "hardtanh":
            return arb(params["max_val"]) if z > 0 else arb(params["min_val"])
        if name == "relu" and z < 0:
            return arb(0)
        return z
    return _act(name, params, z, None)[0]


def _scaled(w: arb, lo, hi):
    """[lo, hi] * w as a pair of ends (arb or +-inf); w is an exact double."""
    if w.is_zero():
        return arb(0), arb(0)
    ends = []
    for e in (lo, hi):
        ends.append((e if w > 0 else -e) if isinstance(e, float) else w * e)
    return (ends[0], ends[1]) if w > 0 else (ends[1], ends[0])


def _add(a, b):
    if isinstance(a, float):
        return a
    if isinstance(b, float):
        return b
    return a + b


def range_of_line(bm: BallMap) -> tuple:
    """Ends (lo, hi) enclosing f(R): arb balls (lo.lower() <= every value <= hi.upper())
    or +-inf where f is (possibly) unbounded.  Interval propagation of (-inf, inf)
    through the layers; every activation is nondecreasing, so act([a, b]) = [act a, act b]."""
    h = [(-_INF, _INF)]
    for W, B, name, params in bm.layers:
        nh = []
        for row, b in zip(W, B):
            lo, hi = b, b
            for w, (a, c) in zip(row, h):
                s_lo, s_hi = _scaled(w, a, c)
                lo, hi = _add(lo, s_lo), _add(hi, s_hi)
            nh.append((_end_act(name, params, lo), _end_act(name, params, hi)))
        h = nh
    return h[0]


__all__ = ["BallMap", "Iterates", "hull", "interval", "range_of_line", "UNIT"]
