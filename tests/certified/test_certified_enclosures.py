"""Ball enclosures of f, f^n and f' contain the values of an independent mpmath evaluation
(60 digits), for narrow and wide networks (the arb_mat path) and every activation."""
from __future__ import annotations

import os
import sys

import mpmath
import numpy as np
import pytest
from flint import arb

sys.path.insert(0, os.path.dirname(__file__))
from smooth_oracle import MpMap  # noqa: E402

from rnnchaos.certified.enclosures import BallMap, interval  # noqa: E402
from rnnchaos.networks.model import ScalarRNN  # noqa: E402


def net_of(rng, width, acts):
    sizes = [1] + [width] * (len(acts) - 1) + [1]
    return ScalarRNN.from_dict({"layers": [
        {"weight": rng.normal(0, 1.5, (o, i)).tolist(), "bias": rng.normal(0, 0.5, o).tolist(),
         "activation": a} for i, o, a in zip(sizes, sizes[1:], acts)]})


def inside(ball: arb, value) -> bool:
    """The 50-digit decimal of value (a ball around it, radius ~1e-50) meets the ball."""
    return ball.overlaps(arb(mpmath.nstr(value, 50, strip_zeros=False)))


@pytest.mark.parametrize("width, acts", [
    (3, ["tanh", "identity"]), (16, ["tanh", "tanh"]), (12, ["sigmoid", "tanh", "hardtanh"]),
    (9, ["relu", "tanh", "leaky_relu"]), (2, ["tanh", "sigmoid"])])
def test_enclosures_contain_mpmath_values(width, acts):
    rng = np.random.default_rng(width)
    net = net_of(rng, width, acts)
    bm, mp = BallMap(net), MpMap(net)
    for a in rng.uniform(-2, 2, 6):
        w = 10.0 ** rng.uniform(-6, -1)
        box = interval(a, a + w)
        it = bm.iterate(box, 3)
        with mpmath.workdps(60):
            for t in np.linspace(0, 1, 7):
                x = mpmath.mpf(a) + mpmath.mpf(w) * mpmath.mpf(t)
                y = x
                for k in range(1, 4):
                    y = mp(y)
                    assert inside(it.values[k], y), (k, float(y))
                    assert inside(it.residual(k), y - x)
                # derivative of f at x by a high-precision central difference
                h = mpmath.mpf("1e-25")
                d = (mp(x + h) - mp(x - h)) / (2 * h)
                assert inside(bm.value_slope(box)[1], d) or abs(d) < 1e-20
