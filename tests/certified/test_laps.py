"""Certified lap counts of f^t for smooth maps (rnnchaos.certified.laps), checked against an
independent count: a dense float64 scan of the sign of (f^t)' (forward-mode derivative
written here from the spec, no rnnchaos code), each sign change confirmed at 50 digits
with mpmath (its own network evaluation and derivative)."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from rnnchaos.certified.enclosures import BallMap
from rnnchaos.certified.laps import certified_laps, critical_points
from rnnchaos.networks.model import ScalarRNN

#: B of the full-branch bump A = 5, c = 1: f(0) = T, f(T) = p = f(p) (50-digit root, rounded)
FULL_BRANCH_B = 2.7393133827963863
SCAN_POINTS = 2 ** 20


def bump(A, B, c=1.0, act="tanh"):
    s = A / (2 * math.tanh(c))
    return {"layers": [{"weight": [[1.0], [1.0]], "bias": [c, -c], "activation": act},
                       {"weight": [[s, -s]], "bias": [-B]}]}


def random_tanh(seed, width=3):
    rng = np.random.default_rng(seed)
    return {"layers": [{"weight": rng.normal(0, 2, (width, 1)).tolist(),
                        "bias": rng.normal(0, 1, width).tolist(), "activation": "tanh"},
                       {"weight": rng.normal(0, 2, (1, width)).tolist(),
                        "bias": rng.normal(0, 0.5, 1).tolist()}]}


# ---------------------------------------------------------------- the independent oracle
_F = {"tanh": (np.tanh, lambda t: 1 - t * t), "identity": (lambda z: z, lambda t: 1.0 + 0 * t),
      "relu": (lambda z: np.maximum(z, 0.0), lambda h: (h > 0).astype(float)),
      "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda s: s * (1 - s))}
_M = {"tanh": (mpmath.tanh, lambda t: 1 - t * t), "identity": (lambda z: z, lambda t: mpmath.mpf(1)),
      "relu": (lambda z: max(z, mpmath.mpf(0)), lambda h: mpmath.mpf(1 if h > 0 else 0)),
      "sigmoid": (lambda z: 1 / (1 + mpmath.exp(-z)), lambda s: s * (1 - s))}


def _layers(spec):
    return [(np.array(L["weight"], float), np.array(L["bias"], float), L.get("activation", "identity"))
            for L in spec["layers"]]


def float_value_slope(spec, x):
    """(f(x), f'(x)) for an array x (float64 forward mode)."""
    h, dh = x[None, :], np.ones((1, x.size))
    for W, b, act in _layers(spec):
        z, dz = W @ h + b[:, None], W @ dh
        fn, dfn = _F[act]
        h = fn(z)
        dh = dfn(h) * dz
    return h[0], dh[0]


def mp_sign_of_iterate_slope(spec, x, t):
    """Sign of (f^t)'(x) at 50 digits: the product of f' along the orbit."""
    layers = [([[mpmath.mpf(w) for w in row] for row in L["weight"]], [mpmath.mpf(b) for b in L["bias"]],
               L.get("activation", "identity")) for L in spec["layers"]]
    with mpmath.workdps(50):
        y, d = mpmath.mpf(x), mpmath.mpf(1)
        for _ in range(t):
            h, dh = [y], [mpmath.mpf(1)]
            for W, B, act in layers:
                z = [mpmath.fsum(w * v for w, v in zip(row, h)) + b for row, b in zip(W, B)]
                dz = [mpmath.fsum(w * v for w, v in zip(row, dh)) for row in W]
                fn, dfn = _M[act]
                h = [fn(v) for v in z]
                dh = [dfn(v) * dv for v, dv in zip(h, dz)]
            y, d = h[0], d * dh[0]
        return int(mpmath.sign(d))


def oracle_laps(spec, lo, hi, steps):
    """Laps of f^t on [lo, hi], t = 1..steps: sign changes of (f^t)' on a dense grid, each
    confirmed at 50 digits (a float sign change that mpmath does not confirm fails).  Grid
    points where the float derivative is exactly 0 (a relu kink hit exactly) are skipped."""
    xs = np.linspace(lo, hi, SCAN_POINTS)
    y, d = xs.copy(), np.ones_like(xs)
    out = []
    for t in range(1, steps + 1):
        y, dy = float_value_slope(spec, y)
        d = d * dy
        keep = np.nonzero(d != 0)[0]
        assert keep.size > SCAN_POINTS // 2
        s = np.sign(d[keep])
        cells = np.nonzero(s[:-1] * s[1:] < 0)[0]
        for i in cells:
            a = mp_sign_of_iterate_slope(spec, float(xs[keep[i]]), t)
            b = mp_sign_of_iterate_slope(spec, float(xs[keep[i + 1]]), t)
            assert a * b < 0, (t, xs[keep[i]])
        out.append(len(cells) + 1)
    return out


# ---------------------------------------------------------------- the checks
def test_full_branch_bump_has_two_to_the_t_laps():
    f = ScalarRNN.from_dict(bump(5.0, FULL_BRANCH_B))
    rc = certified_laps(f, 8)
    assert rc.laps == [2 ** t for t in range(1, 9)] and rc.undecided_from is None
    assert rc.forward_invariant
    assert rc.laps == oracle_laps(bump(5.0, FULL_BRANCH_B), rc.lo, rc.hi, 8)


def test_period_three_bump_matches_the_oracle():
    spec = bump(3.85, 1.85)
    rc = certified_laps(ScalarRNN.from_dict(spec), 7)
    assert rc.undecided_from is None
    assert rc.laps == oracle_laps(spec, rc.lo, rc.hi, 7)


def test_sigmoid_bump_on_a_user_interval_matches_the_oracle():
    spec = bump(2.0, 0.2, 1.5, act="sigmoid")
    rc = certified_laps(ScalarRNN.from_dict(spec), 6, ("-1/2", "3/2"))
    assert rc.undecided_from is None and rc.lo == -0.5 and rc.hi == 1.5
    assert rc.laps == oracle_laps(spec, rc.lo, rc.hi, 6)


def test_monotone_tanh_map_has_one_lap():
    rc = certified_laps(ScalarRNN.from_dict({"layers": [{"weight": [[-3.0]], "bias": [0.5],
                                                         "activation": "tanh"}]}), 6)
    assert rc.laps == [1] * 6 and rc.critical_points == 0


@pytest.mark.parametrize("seed, width, steps", [(8, 3, 5), (30, 3, 5), (2, 8, 4)])
def test_random_tanh_networks_match_the_oracle(seed, width, steps):
    spec = random_tanh(seed, width)
    rc = certified_laps(ScalarRNN.from_dict(spec), steps)
    assert rc.undecided_from is None, rc.reason
    assert rc.laps == oracle_laps(spec, rc.lo, rc.hi, steps)


def test_saturated_wide_network_keeps_its_hull_bounded():
    # paper_he, width 64, tanh, gain 4 (a tanh output: f(R) inside [-1, 1]); loose cell
    # enclosures once inflated the hull of the images to -1e6 and left every step undecided
    from rnnchaos.networks.presets import build_preset, sample_preset
    net = sample_preset(build_preset("paper_he", 64, activation="tanh", gain=4.0), 7, 2)
    rc = certified_laps(net, 4)
    assert rc.laps == [6, 16, 32, 57]  # the width-64 oracle scan agrees (about 40 s, not run here)
    assert rc.forward_invariant and -1.01 < rc.lo < rc.hi < 1.01


def test_relu_kinks_that_are_not_turning_points_are_harmless():
    # u = x + relu(x - 0.3) (a kink where f' keeps its sign), then a tanh bump of u
    spec = {"layers": [{"weight": [[1.0], [1.0]], "bias": [5.0, -0.3], "activation": "relu"},
                       {"weight": [[1.0, 1.0]], "bias": [-5.0], "activation": "identity"},
                       {"weight": [[1.0], [1.0]], "bias": [1.0, -1.0], "activation": "tanh"},
                       {"weight": [[2.2, -2.2]], "bias": [-1.6]}]}
    rc = certified_laps(ScalarRNN.from_dict(spec), 6)
    assert rc.undecided_from is None and rc.laps[-1] > 20
    assert rc.laps == oracle_laps(spec, rc.lo, rc.hi, 6)


def test_critical_points_of_the_bump_are_simple_and_complete():
    cp = critical_points(BallMap(ScalarRNN.from_dict(bump(3.85, 1.85))), -4.0, 4.0)
    assert cp.unresolved == [] and len(cp.boxes) == 1
    a, b = cp.boxes[0]
    assert a <= 0.0 <= b and b - a < 1e-10  # the bump peaks at 0


def test_a_turning_point_at_a_first_layer_kink():
    # f(x) = tanh(1 - 2 relu(x) - 2 relu(-x)) = tanh(1 - 2|x|): two units kink at exactly 0
    spec = {"layers": [{"weight": [[1.0], [-1.0]], "bias": [0.0, 0.0], "activation": "relu"},
                       {"weight": [[-2.0, -2.0]], "bias": [1.0], "activation": "tanh"}]}
    rc = certified_laps(ScalarRNN.from_dict(spec), 5, ("-0.3", "0.7"))
    assert rc.undecided_from is None and rc.critical_points == 1
    assert rc.laps == oracle_laps(spec, rc.lo, rc.hi, 5)


@pytest.mark.parametrize("c", [1.0])
def test_a_turning_point_at_a_deeper_kink(c):
    # 6 relu(bump(x) - 0.5) - 2 (tanh(x + 1/2) + tanh(x - 1/2)) + c: f' flips sign where the
    # second-layer relu switches on (its preactivation crosses 0 with a nonzero slope)
    spec = {"layers": [{"weight": [[1.0], [1.0]], "bias": [0.5, -0.5], "activation": "tanh"},
                       {"weight": [[1.0, -1.0], [1.0, 1.0]], "bias": [-0.5, 2.0],
                        "activation": "relu"},
                       {"weight": [[6.0, -2.0]], "bias": [c]}]}
    rc = certified_laps(ScalarRNN.from_dict(spec), 5)
    assert rc.undecided_from is None and rc.laps[-1] > 20
    assert rc.laps == oracle_laps(spec, rc.lo, rc.hi, 5)


@pytest.mark.parametrize("seed", [4])
def test_random_relu_tanh_networks_match_the_oracle(seed):
    rng = np.random.default_rng(seed)
    spec = {"layers": [{"weight": rng.normal(0, 2, (4, 1)).tolist(),
                        "bias": rng.normal(0, 1, 4).tolist(), "activation": "relu"},
                       {"weight": rng.normal(0, 1.5, (3, 4)).tolist(),
                        "bias": rng.normal(0, 1, 3).tolist(), "activation": "tanh"},
                       {"weight": rng.normal(0, 2, (1, 3)).tolist(), "bias": [0.0]}]}
    rc = certified_laps(ScalarRNN.from_dict(spec), 5)
    assert rc.undecided_from is None and rc.laps[-1] >= 32
    assert rc.laps == oracle_laps(spec, rc.lo, rc.hi, 5)


def test_a_plateau_is_left_undecided():
    # tanh(1 - 2 relu(x - 0.2) - 2 relu(-x - 0.2)) is constant on [-0.2, 0.2]: not counted
    spec = {"layers": [{"weight": [[1.0], [-1.0]], "bias": [-0.2, -0.2], "activation": "relu"},
                       {"weight": [[-2.0, -2.0]], "bias": [1.0], "activation": "tanh"}]}
    rc = certified_laps(ScalarRNN.from_dict(spec), 3, ("-1", "1"))
    assert rc.laps == [None] * 3 and rc.undecided_from == 1 and "flat" in rc.reason


def test_superstable_orbit_is_not_guessed():
    # f(x) = tanh(-2 relu(x) - 2 relu(-x)) = -tanh(2|x|): the turning point 0 is fixed,
    # f(0) = 0 exactly, so whether f^2 turns near 0 cannot be settled by enclosures
    spec = {"layers": [{"weight": [[1.0], [-1.0]], "bias": [0.0, 0.0], "activation": "relu"},
                       {"weight": [[-2.0, -2.0]], "bias": [0.0], "activation": "tanh"}]}
    rc = certified_laps(ScalarRNN.from_dict(spec), 3, ("-1", "1"))
    assert rc.laps == [2, None, None] and rc.undecided_from == 2
    assert "critical point" in rc.reason


def test_clustered_turning_points_are_each_confirmed_at_50_digits():
    # paper_he, width 2, tanh, gain 3: from t = 6 on, turning points of f^t cluster within
    # ~1e-9 (finer than any dense scan); each certified box must hold a sign change of
    # (f^t)' at 50 digits, the boxes are disjoint, and a dense scan sees no more of them
    from rnnchaos.networks.presets import build_preset, sample_preset
    net = sample_preset(build_preset("paper_he", 2, activation="tanh", gain=3.0), 7, 1)
    spec = net.to_dict()
    rc = certified_laps(net, 8)
    assert rc.laps == [3, 6, 9, 12, 15, 18, 21, 24]
    boxes = rc.turning_boxes
    assert len(boxes) == 23 and all(b1 < a2 for (_, b1), (a2, _) in zip(boxes, boxes[1:]))
    for a, b in boxes:
        assert mp_sign_of_iterate_slope(spec, a, 8) * mp_sign_of_iterate_slope(spec, b, 8) < 0
    assert oracle_laps(spec, rc.lo, rc.hi, 8)[-1] <= rc.laps[-1]
