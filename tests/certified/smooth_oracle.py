"""Independent high-precision evaluation of scalar networks with mpmath (60 digits),
sharing no code with rnnchaos.certified: weights are read as exact binary doubles."""
from __future__ import annotations

import mpmath

mp = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else mpmath.mp
DPS = 60


def _act(name, params, z):
    if name == "identity":
        return z
    if name == "relu":
        return z if z > 0 else mpmath.mpf(0)
    if name == "leaky_relu":
        return z if z > 0 else mpmath.mpf(params["negative_slope"]) * z
    if name == "hardtanh":
        return min(max(z, mpmath.mpf(params["min_val"])), mpmath.mpf(params["max_val"]))
    if name == "tanh":
        return mpmath.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + mpmath.exp(-z))
    raise ValueError(name)


class MpMap:
    def __init__(self, net):
        self.layers = [([[mpmath.mpf(float(w)) for w in row] for row in layer.weight],
                        [mpmath.mpf(float(b)) for b in layer.bias],
                        layer.activation.name, dict(layer.activation.params))
                       for layer in net.layers]

    def __call__(self, x):
        with mpmath.workdps(DPS):
            h = [mpmath.mpf(x)]
            for W, B, name, params in self.layers:
                h = [_act(name, params, mpmath.fsum(w * v for w, v in zip(row, h)) + b)
                     for row, b in zip(W, B)]
            return h[0]

    def iterate(self, x, n):
        with mpmath.workdps(DPS):
            y = mpmath.mpf(x)
            for _ in range(n):
                y = self(y)
            return y

    def residual(self, x, n):
        with mpmath.workdps(DPS):
            return self.iterate(x, n) - mpmath.mpf(x)

    def root_in(self, lo, hi, n, steps=200):
        """Bisection root of f^n(x) - x in [lo, hi] (needs a sign change), or None."""
        with mpmath.workdps(DPS):
            a, b = mpmath.mpf(lo), mpmath.mpf(hi)
            sa, sb = self.residual(a, n), self.residual(b, n)
            if sa == 0:
                return a
            if sb == 0:
                return b
            if (sa > 0) == (sb > 0):
                return None
            for _ in range(steps):
                c = (a + b) / 2
                sc = self.residual(c, n)
                if sc == 0:
                    return c
                if (sc > 0) == (sa > 0):
                    a, sa = c, sc
                else:
                    b = c
            return (a + b) / 2

    def li_yorke_chain(self, a):
        with mpmath.workdps(DPS):
            x = mpmath.mpf(a)
            y = self(x)
            z = self(y)
            w = self(z)
            return (w <= x < y < z) or (w >= x > y > z)


def check_witnesses(net, rep):
    """Every certified orbit box holds a point of f^p(x) = x with minimal period p (mpmath)."""
    mp = MpMap(net)
    for orbit in rep.orbits:
        lo, hi = (float(v) for v in orbit.to_json()["points"][0])
        r = mp.root_in(lo, hi, orbit.period)
        assert r is not None, (orbit.period, lo, hi)
        for d in range(1, orbit.period):
            if orbit.period % d == 0:
                assert abs(mp.residual(r, d)) > 1e-30
    if rep.li_yorke_certificate is not None:
        assert mp.li_yorke_chain(rep.li_yorke_certificate)
