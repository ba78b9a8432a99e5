"""Topological entropy bounds against closed-form answers and theorems.

Closed forms used (independent of the code under test):
* tent map and every full 2-branch skew tent map on [0, 1]: h = log 2;
* the P-linear map of the period-3 orbit 1 -> 2 -> 3 -> 1: h = log((1 + sqrt 5)/2)
  (its Markov matrix [[0, 1], [1, 1]] has spectral radius phi);
* maps whose only periods are powers of 2: h = 0 (Misiurewicz);
* period 3 forces h >= log phi (BGMY); h < log phi forbids period 3.
"""
from __future__ import annotations

import math
import os
import sys
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(__file__))
from oracle import OracleMap  # noqa: E402

from rnnchaos._lib.arb import round_down, round_up
from rnnchaos.errors import SpecError  # noqa: E402
from rnnchaos.exact.entropy import (
    MAX_ITER,
    bgmy_bound,
    bgmy_lambda,
    entropy_bounds,
    laps_of,
    log_bounds,
    verify_lower_certificate,
)
from rnnchaos.exact.periodic import periodic_orbits  # noqa: E402
from rnnchaos.exact.pl import PiecewiseLinear  # noqa: E402
from rnnchaos.networks.model import ScalarRNN  # noqa: E402

LOG2 = math.log(2)
LOGPHI = math.log((1 + math.sqrt(5)) / 2)
ULP = 2.0 ** -52
EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")

TENT = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
# P-linear map of the orbit 1 -> 2 -> 3 -> 1, flat tails: f(1) = 2, f(2) = 3, f(3) = 1
PERIOD3_MIN = PiecewiseLinear.from_breaks([1, 2, 3], [0, 1, -2, 0], [2, 1, 7, 1])


def skew_tent(a: str) -> PiecewiseLinear:
    """x/a on [0, a], (1 - x)/(1 - a) on [a, 1], flat outside: a full 2-branch map of [0, 1]."""
    a = Fraction(a)
    s1, s2 = 1 / a, -1 / (1 - a)
    return PiecewiseLinear.from_breaks([0, a, 1], [0, s1, s2, 0], [0, 0, 1 / (1 - a), 0])


def spec_net(path):
    return ScalarRNN.from_file(os.path.join(EXAMPLES, path))


def test_tent_is_log2_both_sides():
    b = entropy_bounds(TENT, 8)
    assert b.lower <= LOG2 <= b.upper
    assert b.upper - b.lower <= 2 * ULP
    assert b.laps == [2 ** n for n in range(1, 9)]
    assert b.forward_invariant and (str(b.interval[0]), str(b.interval[1])) == ("0", "1")
    assert verify_lower_certificate(TENT, b.lower_evidence.certificate)


def test_tent_network_spec_certificate_checked_layer_by_layer():
    net = spec_net("tent.json")
    b = entropy_bounds(net, 6)
    assert b.lower <= LOG2 <= b.upper and b.upper - b.lower <= 2 * ULP
    # verification through ScalarRNN.exact (Fractions, layer by layer), not the PL engine
    assert verify_lower_certificate(net, b.lower_evidence.certificate)


@pytest.mark.parametrize("a", ["1/3", "1/5", "7/10", "1/2"])
def test_skew_tent_is_log2(a):
    b = entropy_bounds(skew_tent(a), 6)
    assert b.lower <= LOG2 <= b.upper
    assert b.upper - b.lower <= 2 * ULP


def test_period3_minimal_map_is_log_phi():
    assert [PERIOD3_MIN(x) for x in (1, 2, 3)] == [2, 3, 1]
    b = entropy_bounds(PERIOD3_MIN, 12)
    # lower rounded down: at most one ulp below the double nearest log phi
    assert b.lower <= LOGPHI + ULP
    assert b.lower >= LOGPHI - 2 * ULP
    assert b.upper >= LOGPHI
    # lap counts are Fibonacci numbers (closed form for this Markov map)
    fib = [2, 3]
    while len(fib) < 12:
        fib.append(fib[-1] + fib[-2])
    assert b.laps == fib
    assert verify_lower_certificate(PERIOD3_MIN, b.lower_evidence.certificate)


def test_period3_bgmy_bound_alone():
    b = entropy_bounds(PERIOD3_MIN, 3)
    periodic = [c for c in b.candidates if c.method == "periodic_orbit"]
    assert periodic and periodic[0].n == 3
    assert abs(periodic[0].value - LOGPHI) <= 2 * ULP
    assert verify_lower_certificate(PERIOD3_MIN, periodic[0].certificate)


def test_only_periods_1_and_2_gives_zero():
    net = spec_net("paper_figure.json")  # period 2, no period 3 (docs/notebooks.md)
    rep = periodic_orbits(net, 8)
    assert set(rep.periods) <= {1, 2}
    b = entropy_bounds(net, 8)
    assert b.lower == 0.0
    assert b.upper == 0.0  # monotone on its invariant interval: one lap


def test_period_doubling_map_lower_bound_is_zero():
    # P-linear map of the zero-entropy 4-cycle 1 -> 3 -> 2 -> 4 -> 1 (flat tails)
    f = PiecewiseLinear.from_breaks([1, 2, 3, 4], [0, 1, -2, -1, 0], [3, 2, 8, 5, 1])
    assert [f(x) for x in (1, 2, 3, 4)] == [3, 4, 2, 1]
    rep = periodic_orbits(f, 12)
    assert all(p & (p - 1) == 0 for p in rep.periods)
    b = entropy_bounds(f, 12)
    assert b.lower == 0.0
    assert b.upper >= 0.0


def test_escaping_three_tent_not_forward_invariant():
    # x -> 3x (x <= 1/2), 3 - 3x (x >= 1/2): orbits leaving [0, 1] escape to -inf; the
    # surviving set is a Cantor set on which f is the full 2-shift: h = log 2
    f = PiecewiseLinear.from_breaks(["1/2"], [3, -3], [0, 3])
    b = entropy_bounds(f, 8)
    assert not b.forward_invariant
    assert b.lower <= LOG2 <= b.upper and b.upper - b.lower <= 2 * ULP
    assert verify_lower_certificate(f, b.lower_evidence.certificate)


def test_lipschitz_example_zero_entropy():
    b = entropy_bounds(spec_net("lipschitz.json"), 8)
    assert (b.lower, b.upper) == (0.0, 0.0)


def test_trivial_cases():
    aff = PiecewiseLinear.affine(3, 1)
    assert (entropy_bounds(aff, 5).lower, entropy_bounds(aff, 5).upper) == (0.0, 0.0)
    # x -> x + 1 + relu(x): no fixed point, hence no compact invariant set
    shift = PiecewiseLinear.from_breaks([0], [1, 2], [1, 1])
    b = entropy_bounds(shift, 5)
    assert (b.lower, b.upper) == (0.0, 0.0)


def test_bad_max_iter():
    for bad in (0, MAX_ITER + 1, "3", 2.0, True):
        with pytest.raises(SpecError) as exc:
            entropy_bounds(TENT, bad)
        assert exc.value.field == "max_iter"


def test_bgmy_lambda_closed_forms():
    phi = (1 + math.sqrt(5)) / 2
    lam3 = bgmy_lambda(3)
    assert lam3.contains(0) is False and abs(float(lam3.mid()) - phi) < 1e-14
    # lambda_5: largest real root of x^5 - 2x^3 - 1, by bisection in Fractions (independent)
    lo, hi = Fraction(1), Fraction(2)
    for _ in range(60):
        mid = (lo + hi) / 2
        if mid ** 5 - 2 * mid ** 3 - 1 > 0:
            hi = mid
        else:
            lo = mid
    assert abs(float(bgmy_lambda(5).mid()) - float(lo)) < 1e-12
    assert bgmy_bound(4)[0] == 0.0 and bgmy_bound(1)[0] == 0.0
    assert abs(bgmy_bound(6)[0] - LOGPHI / 2) < 1e-15  # period 2*3


def test_outward_rounding():
    for v, n in ((2, 1), (3, 1), (10 ** 30, 7), (5, 3)):
        lo, hi = log_bounds(v, n)
        exact = math.log(v) / n
        assert lo <= hi and hi - lo <= 4 * ULP * max(1.0, abs(exact))
        assert abs(lo - exact) < 1e-14 and abs(hi - exact) < 1e-14
    from flint import arb
    third = arb(1) / 3
    assert Fraction(round_down(third)) < Fraction(1, 3) < Fraction(round_up(third))


def test_tampered_certificate_rejected():
    b = entropy_bounds(TENT, 3)
    cert = dict(b.lower_evidence.certificate)
    assert verify_lower_certificate(TENT, cert)
    bad = dict(cert, r=str(Fraction(cert["r"]) + 1))
    assert not verify_lower_certificate(TENT, bad)
    bad = dict(cert, laps=[[lap[0], lap[1]] for lap in cert["laps"]][::-1])
    assert not verify_lower_certificate(TENT, bad)
    half = PiecewiseLinear.affine("1/2", 0)  # a different map: the certificate must fail
    assert not verify_lower_certificate(half, cert)


def test_laps_of_matches_num_laps_and_oracle():
    spec = {"layers": [{"weight": [[1.0], [1.0], [1.0]], "bias": [0.0, -0.25, -0.75],
                        "activation": "relu"},
                       {"weight": [[3.0, -5.0, 4.0]], "bias": [0.1], "activation": "identity"}]}
    f = PiecewiseLinear.from_network(ScalarRNN.from_dict(spec))
    oracle = OracleMap(spec)
    g = f
    for n in range(1, 4):
        laps = laps_of(g, -1, 2)
        assert len(laps) == g.num_laps(-1, 2) == oracle.laps(n, Fraction(-1), Fraction(2))
        for lap in laps:  # exact ranges: endpoints of monotone laps
            lo, hi = oracle.range_on(Fraction(str(lap.a)), Fraction(str(lap.b))) if n == 1 else (None, None)
            if n == 1:
                assert (Fraction(str(lap.vmin)), Fraction(str(lap.vmax))) == (lo, hi)
        g = f.compose(g)


# --------------------------------------------------------------------- properties
w = st.integers(-24, 24).map(lambda k: k / 8)


@st.composite
def zigzag(draw):
    k = draw(st.integers(2, 3))
    W1 = [[draw(st.sampled_from([1.0, 1.0, 2.0, 0.5, -1.0]))] for _ in range(k)]
    b1 = [draw(st.integers(-12, 12)) / 8 for _ in range(k)]
    W2 = [[draw(st.integers(4, 28)) / 8 * (-1) ** i for i in range(k)]]
    out = draw(st.sampled_from([{"activation": "identity"}, {"activation": "relu"},
                                {"activation": "hardtanh", "min_val": 0.0, "max_val": 1.0}]))
    return {"layers": [{"weight": W1, "bias": b1, "activation": "relu"},
                       {"weight": W2, "bias": [draw(w) / 4], **out}]}


@st.composite
def small_net(draw):
    k = draw(st.integers(1, 3))
    return {"layers": [{"weight": [[draw(w)] for _ in range(k)], "bias": [draw(w) for _ in range(k)],
                        "activation": "relu"},
                       {"weight": [[draw(w) for _ in range(k)]], "bias": [draw(w)],
                        "activation": "identity"}]}


@st.composite
def unimodal(draw):
    """a relu(x) - (a + d) relu(x - c): tent-like maps around the onset of chaos."""
    a = draw(st.integers(8, 32)) / 8
    d = draw(st.integers(4, 32)) / 8
    c = draw(st.integers(1, 7)) / 8
    jitter = draw(st.sampled_from([0.0, 0.0, 0.013, -0.007]))
    return {"layers": [{"weight": [[1.0], [1.0]], "bias": [0.0, -c], "activation": "relu"},
                       {"weight": [[a + jitter, -(a + d)]], "bias": [0.0],
                        "activation": "identity"}]}


SETTINGS = dict(deadline=None, max_examples=100,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(**SETTINGS)
@given(st.one_of(unimodal(), unimodal(), zigzag(), small_net()))
def test_lower_le_upper_and_theorems(spec):
    net = ScalarRNN.from_dict(spec)
    b = entropy_bounds(net, 6, max_pieces=20_000)
    assert 0.0 <= b.lower
    if b.upper is not None:
        assert b.lower <= b.upper
    if b.lower_evidence.certificate is not None:
        assert verify_lower_certificate(net, b.lower_evidence.certificate)
    rep = periodic_orbits(net, 6)
    if rep.period_3:  # BGMY: period 3 forces h >= log phi
        assert b.lower >= LOGPHI - 2 * ULP
        assert b.upper is None or b.upper >= LOGPHI - 2 * ULP
    if rep.positive_entropy:  # a period that is not a power of 2 (<= 6) was found
        assert b.lower > 0
    if b.upper == 0.0:
        assert all(p & (p - 1) == 0 for p in rep.periods)
    if b.forward_invariant and b.interval[0] < b.interval[1]:
        oracle = OracleMap(spec)
        lo, hi = (Fraction(str(v)) for v in b.interval)
        for n in range(1, min(3, len(b.laps)) + 1):
            assert b.laps[n - 1] == oracle.laps(n, lo, hi)


# ------------------------------------------------------------------ issue 8/13: to_json without iterates
CONSTANT_MAP = ('{"layers":[{"weight":[[-0.97],[-0.22]],"bias":[2.9,2.3],"activation":"relu"},'
                '{"weight":[[0.29,1.51]],"bias":[1.10],"activation":"hardtanh"}]}')


@pytest.mark.parametrize("spec", [
    CONSTANT_MAP,                                                        # hardtanh saturates: f = 1
    '{"layers":[{"weight":[[0.5]],"bias":[1.0]}]}',                      # affine, slope 1/2
    '{"layers":[{"weight":[[1.0],[1.0]],"bias":[0.0,0.0],"activation":"relu"},'
    '{"weight":[[1.0,1.0]],"bias":[1.0]}]}',                             # x + relu(x) + 1: no periodic point
])
def test_to_json_when_no_iterate_was_built(spec):
    import json as _json

    from rnnchaos.networks.model import ScalarRNN
    net = ScalarRNN.from_json(spec)
    res = entropy_bounds(net, 4)
    out = _json.loads(_json.dumps(res.to_json(), allow_nan=False))
    assert out["lower"] == 0.0 and out["upper"] == 0.0 and out["laps"] == []
    assert out["upper_evidence"]["method"] == "structural"
    assert out["upper_evidence"]["description"] == "; ".join(res.notes) != ""
