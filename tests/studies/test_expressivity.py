"""Exact piece and lap counts of f^t and of feedforward stacks.

Closed forms: the tent map T^t has 2^t laps and 2^t pieces on [0, 1]; on [0, 1/2]
it has 2^(t-1).  A stack tent, x/2, tent, ... is computed by hand.  Counts for
random networks are compared with the independent oracle (tests/oracle.py),
which enumerates itineraries in Fractions.
"""
from __future__ import annotations

import math
import os
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(__file__))
from oracle import OracleMap  # noqa: E402

from rnnchaos.errors import ResourceLimitError, SpecError  # noqa: E402
from rnnchaos.exact.pl import PiecewiseLinear  # noqa: E402
from rnnchaos.exact.regions import region_counts, stack_region_counts
from rnnchaos.networks.examples import tent_network
from rnnchaos.networks.model import Layer, ScalarRNN  # noqa: E402
from rnnchaos.studies.expressivity import (
    LOG_2,
    LOG_PHI,
    expressivity_ensemble,
    fit_growth,
    has_positive_entropy,
)
from rnnchaos.studies.stats import mean_ci

TENT = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])


def test_tent_2_pow_t():
    rc = region_counts(tent_network(), 10, (0, 1))
    assert rc.laps == [2 ** t for t in range(1, 11)]
    assert rc.pieces == [2 ** t for t in range(1, 11)]
    half = region_counts(TENT, 6, ("0", "1/2"))
    assert half.laps == [2 ** (t - 1) for t in range(1, 7)]


def test_default_interval_is_invariant_interval():
    rc = region_counts(TENT, 4)
    assert (str(rc.interval[0]), str(rc.interval[1])) == ("0", "1")
    assert rc.laps == [2, 4, 8, 16]


def test_period3_map_laps_are_fibonacci():
    f = PiecewiseLinear.from_breaks([1, 2, 3], [0, 1, -2, 0], [2, 1, 7, 1])
    rc = region_counts(f, 10, (1, 3))
    fib = [2, 3]
    while len(fib) < 10:
        fib.append(fib[-1] + fib[-2])
    assert rc.laps == fib
    fit = fit_growth(rc.laps, 3)
    assert abs(fit.rate - LOG_PHI) < 0.02  # growth phi^t


def test_feedforward_stack_by_hand():
    half = PiecewiseLinear.affine("1/2", 0)
    rc = stack_region_counts([TENT, half, TENT, TENT], (0, 1))
    # tent: 2 laps onto [0,1]; x/2 maps onto [0,1/2] where the tent is monotone -> still 2;
    # then tent on the image [0, 1] of T(x/2)... : T(T(x)/2) covers [0,1] twice, so the
    # next tent doubles: 4
    assert rc.laps == [2, 2, 2, 4]
    assert rc.kind == "feedforward"


def test_constant_and_monotone_maps():
    const = PiecewiseLinear.affine(0, "1/3")
    assert region_counts(const, 3, (0, 1)).laps == [1, 1, 1]
    assert region_counts(const, 3, (0, 1)).pieces == [1, 1, 1]
    inc = PiecewiseLinear.from_breaks([0], [1, 3], [0, 0])
    assert region_counts(inc, 3, (-1, 1)).laps == [1, 1, 1]
    assert region_counts(inc, 3, (-1, 1)).pieces == [2, 2, 2]


def test_bad_input():
    with pytest.raises(SpecError) as e:
        region_counts(TENT, 0)
    assert e.value.field == "steps"
    with pytest.raises(SpecError) as e:
        region_counts(TENT, 3, (1, 0))
    assert e.value.field == "interval"
    with pytest.raises(SpecError) as e:
        region_counts(TENT, 3, ("a", 1))
    assert e.value.field == "interval.lo"
    with pytest.raises(SpecError) as e:
        region_counts(PiecewiseLinear.affine(1, 1), 3)  # translation: no invariant interval
    assert e.value.field == "interval"
    with pytest.raises(SpecError):
        stack_region_counts([], (0, 1))
    with pytest.raises(ResourceLimitError):
        region_counts(TENT, 12, (0, 1), max_pieces=100)


def test_fit_growth_closed_forms():
    f2 = fit_growth([2 ** t for t in range(1, 9)])
    assert abs(f2.rate - LOG_2) < 1e-12 and f2.stderr < 1e-12
    assert f2.ci_low <= LOG_2 <= f2.ci_high or abs(f2.ci_low - LOG_2) < 1e-12
    rng = np.random.default_rng(0)
    f3 = fit_growth([5 * 3 ** t for t in range(1, 12)])
    assert abs(f3.rate - math.log(3)) < 1e-12
    counts = [1000 * 1.5 ** t * math.exp(rng.normal(0, 0.05)) for t in range(1, 15)]
    fit = fit_growth(counts)
    assert abs(fit.rate - math.log(1.5)) < 5 * fit.stderr
    assert fit.ci_low < fit.rate < fit.ci_high
    m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and lo < 2.0 < hi


def test_ensemble_eps0_is_tent_and_seeded():
    e = expressivity_ensemble(3, 5, seed=7, eps=0.0)
    assert e.rnn_laps == [[2, 4, 8, 16, 32]] * 3 == e.ff_laps
    a = expressivity_ensemble(4, 4, seed=3, eps=0.1)
    b = expressivity_ensemble(4, 4, seed=3, eps=0.1)
    assert a.rnn_laps == b.rnn_laps and a.ff_laps == b.ff_laps
    # draw i: maps are rows 0, 1, ... of block 0 of SeedSequence(seed, spawn_key=(i, 0)), each
    # array over the whole block: RNN perturbation first (row 0), then the layers (rows 1..4);
    # re-drawn here with numpy calls only
    rng = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(2, 0)))
    base = tent_network()
    noise = [rng.standard_normal((1024, *a.shape)) for l in base.layers for a in (l.weight, l.bias)]

    def row(r):
        return ScalarRNN([Layer(l.weight + 0.1 * noise[2 * j][r], l.bias + 0.1 * noise[2 * j + 1][r],
                                l.activation) for j, l in enumerate(base.layers)])
    assert region_counts(row(0), 4, (0, 1)).laps == a.rnn_laps[2]
    assert stack_region_counts([row(r) for r in range(1, 5)], (0, 1)).laps == a.ff_laps[2]


def test_ensemble_conditioned_on_chaos():
    from rnnchaos.networks.presets import build_preset
    e = expressivity_ensemble(2, 3, seed=1, mode="drawn", preset=build_preset("paper_he", 4, gain=2.0),
                              interval=(-2, 2), condition="positive_entropy")
    assert e.tries >= 8 and len(e.rnn_laps) == 2
    assert all(c[0] >= 2 for c in e.rnn_laps)  # a chaotic map is not monotone
    with pytest.raises(SpecError):
        expressivity_ensemble(1, 2, seed=1, mode="nope")


def test_has_positive_entropy():
    assert has_positive_entropy(TENT)
    assert not has_positive_entropy(PiecewiseLinear.affine(2, 0))
    assert not has_positive_entropy(PiecewiseLinear.from_breaks([0], [0, "1/2"], [0, 0]))


# --------------------------------------------------------------------- oracle agreement
w = st.integers(-24, 24).map(lambda k: k / 8)


@st.composite
def small_net(draw):
    k = draw(st.integers(1, 3))
    out = draw(st.sampled_from(["identity", "relu"]))
    return {"layers": [{"weight": [[draw(w)] for _ in range(k)], "bias": [draw(w) for _ in range(k)],
                        "activation": "relu"},
                       {"weight": [[draw(w) for _ in range(k)]], "bias": [draw(w)],
                        "activation": out}]}


@settings(deadline=None, max_examples=40,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(small_net(), small_net(), st.integers(-8, 0), st.integers(1, 8))
def test_counts_match_oracle(spec, spec2, lo8, width8):
    lo, hi = Fraction(lo8, 4), Fraction(lo8 + width8, 4)
    rc = region_counts(ScalarRNN.from_dict(spec), 3, (lo, hi))
    oracle = OracleMap(spec)
    for t in range(1, 4):
        assert rc.laps[t - 1] == oracle.laps(t, lo, hi)
        pieces = [p for p in oracle.iterate_pieces(t)
                  if (p[0] is None or p[0] < hi) and (p[1] is None or p[1] > lo)]
        assert rc.pieces[t - 1] == len(pieces)
    # a two-layer stack f2 o f1 against the oracle of the composed spec
    f1, f2 = ScalarRNN.from_dict(spec), ScalarRNN.from_dict(spec2)
    st2 = stack_region_counts([f1, f2], (lo, hi))
    both = OracleMap({"layers": spec["layers"] + spec2["layers"]})
    assert st2.laps[0] == oracle.laps(1, lo, hi)
    assert st2.laps[1] == both.laps(1, lo, hi)
