"""The compiled interval kernel: its enclosures contain the exact values (mpmath, Fraction)
and are tight, its verdicts never contradict the arb engine, and its yes brackets re-check
in mpmath at 60 digits."""
from __future__ import annotations

import math
import os
import sys
from fractions import Fraction

import mpmath
import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from smooth_oracle import MpMap  # noqa: E402
from test_certified_known_maps import bump, tanh_map, tanh_tent  # noqa: E402

from rnnchaos.certified.batch import decide_network, decide_smooth  # noqa: E402
from rnnchaos.certified.intervals import (  # noqa: E402
    iadd,
    idiv,
    imul,
    isub,
    sigmoid_interval,
    tanh_interval,
    tanh_point,
    tanh_slope,
    tanh_table,
)
from rnnchaos.certified.kernel import (  # noqa: E402
    VIA_BRACKET,
    VIA_EXHAUSTIVE_ROOT,
    kernel_verdicts,
)
from rnnchaos.networks.batch import NetworkBatch, sample_preset_batch  # noqa: E402
from rnnchaos.networks.presets import build_preset  # noqa: E402

TABLE = tanh_table()
CODE = {"certified_yes": 1, "certified_no": 0, "undecided": -1}


def sample_points(rng, n=400):
    xs = list(rng.normal(0, 3, n)) + list(rng.normal(0, 0.01, n // 4)) + list(rng.uniform(-25, 25, n // 4))
    xs += [0.0, -0.0, 5e-324, -5e-324, 1e-310, 1e-300, 1e-20, 2.0 ** -7, 1.0 / 64, 0.5, 1.0,
           19.999999999999996, 20.0, 20.000000000000004, 30.0, 1e300, -1e300, math.inf, -math.inf]
    xs += [k / 64 + e for k in (1, 7, 64, 1279) for e in (0.0, 1e-17, -1e-17, 2.0 ** -7)]
    return [float(x) for x in xs]


def ulp(x):
    return math.ulp(max(abs(x), 2.0 ** -1022))


def test_tanh_enclosure_contains_mpmath_and_is_tight():
    rng = np.random.default_rng(1)
    worst = 0.0
    with mpmath.workdps(50):
        for x in sample_points(rng):
            lo, hi = tanh_point(x, TABLE)
            exact = mpmath.tanh(mpmath.mpf(x))
            assert mpmath.mpf(lo) <= exact <= mpmath.mpf(hi), x
            if math.isfinite(x) and abs(x) >= 2.0 ** -1000:  # subnormals: an absolute 2^-1060 slack
                worst = max(worst, (hi - lo) / ulp(float(exact)))
    assert worst <= 20, worst  # a few ulps (about 12u relative + two outward roundings)


def test_tanh_and_sigmoid_of_intervals_and_slopes():
    rng = np.random.default_rng(2)
    pts = [x for x in sample_points(rng, 200) if math.isfinite(x)]
    with mpmath.workdps(50):
        for _ in range(300):
            a, b = sorted(rng.choice(pts, 2))
            tl, th = tanh_interval(a, b, TABLE)
            sl, sh, _, _ = sigmoid_interval(a, b, TABLE)
            dl, dh = tanh_slope(tl, th)
            for x in (a, b, 0.5 * (a + b)):
                t = mpmath.tanh(mpmath.mpf(x))
                s = 1 / (1 + mpmath.exp(-mpmath.mpf(x)))
                assert tl <= t <= th and sl <= s <= sh
                assert dl <= 1 - t ** 2 <= dh
            if a == b:
                assert sh - sl <= 40 * ulp(sh)
        for x in pts:  # narrow intervals (one tanh evaluation and a Lipschitz bound)
            b = x + 3 * ulp(x)
            tl, th = tanh_interval(x, b, TABLE)
            assert tl <= mpmath.tanh(mpmath.mpf(x)) and mpmath.tanh(mpmath.mpf(b)) <= th
            assert abs(x) < 2.0 ** -1000 or th - tl <= 40 * ulp(th) + 4 * ulp(x)


def rand_double(rng):
    kind = rng.integers(4)
    if kind == 0:
        return float(rng.normal(0, 1))
    if kind == 1:
        return float(rng.normal(0, 1) * 10.0 ** rng.integers(-300, 300))
    if kind == 2:
        return float(rng.integers(-5, 6)) * 5e-324
    return float(rng.choice([0.0, 1.0, -1.0, 0.1, 1.7976931348623157e308, 2.2250738585072014e-308]))


def test_outward_rounding_contains_exact_fractions():
    rng = np.random.default_rng(3)
    for _ in range(3000):
        a, b, c, d = sorted(rand_double(rng) for _ in range(2)) + sorted(rand_double(rng) for _ in range(2))
        A = [Fraction(a), Fraction(b)]
        B = [Fraction(c), Fraction(d)]
        for op, res in ((lambda x, y: x + y, iadd(a, b, c, d)), (lambda x, y: x - y, isub(a, b, c, d)),
                        (lambda x, y: x * y, imul(a, b, c, d)), (lambda x, y: x / y, idiv(a, b, c, d))):
            lo, hi = res
            if math.isnan(lo) or math.isnan(hi):
                continue  # "nothing known" is always safe
            for x in A:
                for y in B:
                    exact = op(x, y)
                    assert (lo == -math.inf or Fraction(lo) <= exact) and (hi == math.inf or exact <= Fraction(hi))


def check_brackets(nets, res):
    """Every yes bracket re-checks in mpmath: a sign change of f^p(x) - x at its ends, and at
    the root found there the proper-divisor residuals are away from 0."""
    checked = 0
    for i, net in enumerate(nets):
        for j, p in enumerate(res.periods):
            if res.codes[i, j] != 1 or res.via[i, j] not in (VIA_BRACKET, VIA_EXHAUSTIVE_ROOT):
                continue
            mp = MpMap(net)
            r = mp.root_in(res.lo[i, j], res.hi[i, j], p)
            assert r is not None, (i, p, res.lo[i, j], res.hi[i, j])
            for d in range(1, p):
                if p % d == 0:
                    assert abs(mp.residual(r, d)) > 1e-30
            checked += 1
    return checked


KNOWN = [(tanh_map(0.5, 0.2), {2: 0, 3: 0, 6: 0}), (tanh_map(-1.5, 0.3, act="sigmoid"), {2: 0, 3: 0, 6: 0}),
         (bump(2.5, 0.5), {2: 1, 3: 0, 6: 0}), (bump(3.1, 1.1), {2: 1, 3: 0, 6: 0}),
         (bump(3.85, 1.85), {2: 1, 3: 1, 6: 1}), (tanh_tent(2.0), {2: 1, 3: 1, 6: 1}),
         (tanh_tent(6.0), {2: 1, 3: 1, 6: 1}), (tanh_map(-3.0, 0.0), {2: 1, 3: 0, 6: 0})]


def test_known_maps():
    for net, want in KNOWN:
        res = kernel_verdicts(NetworkBatch.from_networks([net]), [2, 3, 6])
        assert {p: int(res.column(p)[0]) for p in (2, 3, 6)} == want
        if want[2] == 1:
            assert check_brackets([net], res) >= 1


def test_tangency_is_left_undecided():
    res = kernel_verdicts(NetworkBatch.from_networks([tanh_map(-1.0, 0.0)]), [2])
    assert res.codes.tolist() == [[-1]]


CELLS = [("paper_he", 2, True, 1.0, 120), ("paper_he", 2, False, 2.5, 120), ("paper_glorot", 2, True, 3.0, 80),
         ("paper_he", 4, False, 2.0, 80), ("paper_he", 16, False, 1.5, 25)]


@pytest.mark.parametrize("row, width, clip, gain, n", CELLS)
def test_kernel_agrees_with_the_arb_engine(row, width, clip, gain, n):
    preset = build_preset(row, width, activation="tanh", clip=clip, gain=gain)
    batch = sample_preset_batch(preset, 7, 0, n)
    res = kernel_verdicts(batch, [2, 3, 6])
    nets = batch.networks()
    decided = 0
    for i, net in enumerate(nets):
        st = decide_network(net, [2, 3, 6])
        for j, p in enumerate((2, 3, 6)):
            k, a = int(res.codes[i, j]), CODE[st[p]]
            if k != -1 and a != -1:
                assert k == a, (i, p, k, a)
                decided += 1
    assert decided >= 0.9 * 3 * n
    check_brackets(nets, res)


def test_decide_smooth_with_and_without_kernel():
    preset = build_preset("paper_he", 2, activation="tanh", clip=False, gain=2.5)
    batch = sample_preset_batch(preset, 3, 0, 60)
    crit = ("period_2", "period_3", "positive_entropy")
    a = decide_smooth(batch, crit, 6)
    b = decide_smooth(batch, crit, 6, use_kernel=False)
    for c in crit:
        both = (a[c] != -1) & (b[c] != -1)
        assert (a[c][both] == b[c][both]).all()
        assert (a[c] == -1).sum() <= (b[c] == -1).sum() + 1


MIXED = [(2, "tanh", "tanh", 5.0), (3, "tanh", "identity", 4.0), (2, "sigmoid", "identity", 8.0),
         (4, "tanh", "hardtanh", 4.0), (2, "relu", "tanh", 2.0), (5, "tanh", "sigmoid", 3.0)]


@pytest.mark.parametrize("width, act, out_act, scale", MIXED)
def test_mixed_activations_agree_with_the_arb_engine(width, act, out_act, scale):
    from test_certified_vs_mpmath import random_net
    rng = np.random.default_rng(int(10 * scale) + width)
    nets = [random_net(rng, width, act, out_act, scale) for _ in range(30)]
    periods = [2, 3, 4, 5, 6]
    res = kernel_verdicts(NetworkBatch.from_networks(nets), periods)
    for i, net in enumerate(nets):
        st = decide_network(net, periods)
        for j, p in enumerate(periods):
            k, a = int(res.codes[i, j]), CODE[st[p]]
            assert k == -1 or a == -1 or k == a, (i, p, k, a)
    check_brackets(nets, res)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_unbounded_and_huge_weights_are_never_guessed():
    from rnnchaos.networks.model import ScalarRNN
    unbounded = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "relu"},
        {"weight": [[0.5, 1.0]], "bias": [0.0], "activation": "identity"}]})
    assert kernel_verdicts(NetworkBatch.from_networks([unbounded]), [2, 3]).codes.tolist() == [[-1, -1]]
    huge = ScalarRNN.from_dict({"layers": [
        {"weight": [[1e300], [-1e300]], "bias": [1e300, 0.0], "activation": "tanh"},
        {"weight": [[1e300, 1e300]], "bias": [-1e300], "activation": "identity"}]})
    res = kernel_verdicts(NetworkBatch.from_networks([huge]), [2, 3])
    st = decide_network(huge, [2, 3])
    for j, p in enumerate((2, 3)):
        assert res.codes[0, j] == -1 or CODE[st[p]] in (-1, res.codes[0, j])


def test_box_enclosures_contain_mpmath_values_and_slopes():
    """f, f' and h_k over random boxes of random mixed networks contain the mpmath values at
    points of the box (derivatives by central differences at 60 digits, away from kinks)."""
    from test_certified_vs_mpmath import random_net

    from rnnchaos.certified.kernel import box_eval, iterate_box
    rng = np.random.default_rng(17)
    for width, act, out_act, scale in MIXED + [(3, "leaky_relu", "tanh", 2.0)]:
        for _ in range(4):
            if act == "leaky_relu":
                from rnnchaos.networks.model import ScalarRNN
                d = random_net(rng, width, "relu", out_act, scale).to_dict()
                d["layers"][0].update(activation="leaky_relu", negative_slope=0.1)
                net = ScalarRNN.from_dict(d)
            else:
                net = random_net(rng, width, act, out_act, scale)
            params, shapes, acts = NetworkBatch.from_networks([net]).packed()
            S = np.empty((8, width + 1))
            H, dH = np.empty((4, 4)), np.empty((2, 4))
            mp = MpMap(net)
            for _ in range(4):
                c, r = rng.normal(0, 1.5), 10.0 ** rng.uniform(-6, 0)
                a, b = c - r, c + r
                vl, vh, sl, sh = box_eval(params[0], shapes, acts, TABLE, a, b, True, S)
                iterate_box(params[0], shapes, acts, TABLE, a, b, 3, S, H, dH)
                for x in np.linspace(a, b, 5):
                    with mpmath.workdps(60):
                        y = mp(x)
                        assert vl <= y <= vh
                        for k in (1, 2, 3):
                            assert H[0, k] <= mp.residual(x, k) <= H[1, k]
                        if act != "relu" and act != "leaky_relu" and out_act != "hardtanh":
                            h = mpmath.mpf(2) ** -80  # central difference, error ~ h^2
                            xm = mpmath.mpf(x)
                            slope = (mp(xm + h) - mp(xm - h)) / (2 * h)
                            assert sl - 1e-30 <= slope <= sh + 1e-30


def test_helper_period_changes_no_verdict():
    preset = build_preset("paper_he", 4, activation="tanh", gain=2.5)
    batch = sample_preset_batch(preset, 11, 0, 200)
    a = kernel_verdicts(batch, [2, 3, 6]).codes
    b = kernel_verdicts(batch, [2, 3, 6], helpers=False).codes
    both = (a != -1) & (b != -1)
    assert (a[both] == b[both]).all() and (a == 1).any()
