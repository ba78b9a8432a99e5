"""Property test against an independent evaluation (mpmath, 60 digits) on random smooth
networks: no certified_yes without a witness that checks there, no certified_no where a
dense high-precision scan finds a robust sign change of f^p(x) - x away from the roots of
f^d(x) - x for the proper divisors d of p."""
from __future__ import annotations

import os
import sys

import mpmath
import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from smooth_oracle import MpMap, check_witnesses  # noqa: E402

from rnnchaos.certified import NO, YES, certified_orbits  # noqa: E402
from rnnchaos.networks.model import ScalarRNN  # noqa: E402

SCAN = 400
MAX_P = 4


def random_net(rng, width, act, out_act, scale):
    return ScalarRNN.from_dict({"layers": [
        {"weight": (rng.normal(0, scale, (width, 1))).tolist(),
         "bias": rng.normal(0, scale, width).tolist(), "activation": act},
        {"weight": (rng.normal(0, scale, (1, width))).tolist(),
         "bias": rng.normal(0, scale / 2, 1).tolist(), "activation": out_act}]})


def robust_sign_changes(mp, xs, n):
    """Indices i where f^n(x) - x changes sign robustly (|value| > 1e-25) between xs[i], xs[i+1]."""
    vals = [mp.residual(x, n) for x in xs]
    return {i for i in range(len(xs) - 1)
            if abs(vals[i]) > 1e-25 and abs(vals[i + 1]) > 1e-25 and (vals[i] > 0) != (vals[i + 1] > 0)}


CASES = [(seed, width, act, out_act, scale)
         for seed, (width, act, out_act, scale) in enumerate(
             [(2, "tanh", "tanh", 2.0), (2, "tanh", "identity", 2.5), (3, "tanh", "tanh", 2.0),
              (2, "sigmoid", "identity", 4.0), (4, "tanh", "hardtanh", 1.5),
              (2, "tanh", "tanh", 3.0), (3, "sigmoid", "tanh", 3.0), (2, "relu", "tanh", 2.0)] * 3)]


@pytest.mark.parametrize("seed, width, act, out_act, scale", CASES)
def test_verdicts_agree_with_mpmath(seed, width, act, out_act, scale):
    rng = np.random.default_rng(1000 + seed)
    net = random_net(rng, width, act, out_act, scale)
    rep = certified_orbits(net, MAX_P)
    mp = MpMap(net)
    # certified_yes: each orbit box has a root of f^p - x (sign change in mpmath) whose
    # minimal period is p, and the Li-Yorke chain holds there
    check_witnesses(net, rep)
    for p in range(1, MAX_P + 1):
        if rep.status(p) == YES and rep.statuses[p].via == "orbit":
            assert any(o.period == p for o in rep.orbits)
    # certified_no: a dense scan of J finds no robust sign change of f^p - x that is not
    # also one of some f^d - x (d | p, d < p) in the same cell
    lo, hi = (float(v) for v in rep.to_json()["invariant_interval"])
    with mpmath.workdps(60):
        xs = [mpmath.mpf(lo) + (mpmath.mpf(hi) - mpmath.mpf(lo)) * i / SCAN for i in range(SCAN + 1)]
    changes = {n: robust_sign_changes(mp, xs, n) for n in range(1, MAX_P + 1)}
    for p in range(2, MAX_P + 1):
        if rep.status(p) != NO:
            continue
        divisor_cells = set().union(*(changes[d] for d in range(1, p) if p % d == 0))
        near = {j for i in divisor_cells for j in (i - 1, i, i + 1)}
        assert not (changes[p] - near), (p, sorted(changes[p] - near))
    # period 1 always exists for a bounded continuous map; it must be certified
    assert rep.status(1) == YES


def test_the_scan_can_see_a_missing_period():
    """The scan is sensitive: on the period-3 bump map it finds period-3 sign changes."""
    import math
    s = 3.85 / (2 * math.tanh(1.0))
    net = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [1.0, -1.0], "activation": "tanh"},
        {"weight": [[s, -s]], "bias": [-1.85]}]})
    mp = MpMap(net)
    with mpmath.workdps(60):
        xs = [mpmath.mpf(-2) + mpmath.mpf(4) * i / SCAN for i in range(SCAN + 1)]
    assert robust_sign_changes(mp, xs, 3) - robust_sign_changes(mp, xs, 1)
