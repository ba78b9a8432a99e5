"""The exact PL engine against independent evaluations (exact layer-by-layer Fractions)."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnchaos import PiecewiseLinear, ScalarRNN, SpecError
from rnnchaos.exact.pl import merge_intervals, q, to_fraction

ACTS = ["relu", "leaky_relu", "hardtanh", "identity"]


def random_net(rng, width, depth=2, acts=None, dyadic=False):
    acts = acts or [ACTS[i] for i in rng.integers(0, len(ACTS), size=depth)]
    sizes = [1] + [width] * (depth - 1) + [1]
    layers = []
    for i in range(depth):
        shape = (sizes[i + 1], sizes[i])
        draw = (lambda s: rng.integers(-16, 17, size=s) / 8.0) if dyadic else (lambda s: rng.normal(0, 1.5, size=s))
        layers.append({"weight": draw(shape).tolist(), "bias": draw(shape[0]).tolist(), "activation": acts[i]})
    return ScalarRNN.from_dict({"layers": layers})


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), width=st.integers(1, 6), depth=st.integers(1, 3),
       dyadic=st.booleans())
def test_pl_matches_exact_network_evaluation(seed, width, depth, dyadic):
    rng = np.random.default_rng(seed)
    net = random_net(rng, width, depth, dyadic=dyadic)
    f = PiecewiseLinear.from_network(net)
    points = [Fraction(int(k), 7) for k in rng.integers(-40, 40, size=12)]
    points += [to_fraction(x) for x in f.xs]  # the kinks themselves
    for x in points:
        assert to_fraction(f(q(x))) == net.exact(x)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), width=st.integers(1, 4))
def test_compose_is_pointwise_composition(seed, width):
    rng = np.random.default_rng(seed)
    a, b = random_net(rng, width), random_net(rng, width)
    fa, fb = PiecewiseLinear.from_network(a), PiecewiseLinear.from_network(b)
    h = fa.compose(fb)
    for k in rng.integers(-60, 60, size=15):
        x = Fraction(int(k), 9)
        assert to_fraction(h(q(x))) == a.exact(b.exact(x))
    # every kink of the composition is a real slope change
    for i in range(len(h.xs)):
        assert h.slopes[i] != h.slopes[i + 1] or h.is_affine


def test_composition_slopes_are_consistent_with_values():
    rng = np.random.default_rng(5)
    f = PiecewiseLinear.from_network(random_net(rng, 5))
    g = f.iterate(3)
    for i in range(len(g.xs) - 1):
        assert (g.ys[i + 1] - g.ys[i]) == g.slopes[i + 1] * (g.xs[i + 1] - g.xs[i])


def test_tent_iterates_have_2n_laps_and_pieces():
    tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    for n in range(1, 9):
        g = tent.iterate(n)
        assert g.num_laps(0, 1) == 2 ** n
        assert g.num_pieces(0, 1) == 2 ** n
        assert g.range_on(0, 1) == (0, 1)


def test_linear_combination_and_affine():
    f = PiecewiseLinear.from_breaks([0], [0, 1], [0, 0])  # relu
    g = PiecewiseLinear.linear_combination([f, f], [1, -1], 3)
    assert g.is_affine and g(5) == 3 and g.num_pieces() == 1
    h = PiecewiseLinear.linear_combination([f, PiecewiseLinear.affine(-1, 0)], [1, 1])
    assert h(-2) == 2 and h(2) == 0 and h.num_laps() == 1


def test_q_uses_exact_binary_value():
    assert to_fraction(q(0.1)) == Fraction(0.1) != Fraction(1, 10)
    assert q("2/7") == q(Fraction(2, 7))
    with pytest.raises(TypeError):
        q(True)


def test_merge_intervals_handles_infinite_ends():
    assert merge_intervals([(q(1), q(2)), (None, q(0)), (q(2), None), (q(0), q(0))]) == [
        (None, q(0)), (q(1), None)]


def test_ragged_and_mismatched_layers_are_rejected():
    with pytest.raises(SpecError, match=r"layers\[1\]\.weight"):
        ScalarRNN.from_dict({"layers": [{"weight": [[1.0], [2.0]], "bias": [0, 0]},
                                        {"weight": [[1.0, 2.0, 3.0]], "bias": [0]}]})
    with pytest.raises(SpecError, match="ragged"):
        ScalarRNN.from_dict({"layers": [{"weight": [[1.0], [2.0, 3.0]], "bias": [0, 0]}]})
    with pytest.raises(SpecError, match=r"layers\[0\]\.negative_slpe"):
        ScalarRNN.from_dict({"layers": [{"weight": [[1.0]], "bias": [0], "activation": "leaky_relu",
                                         "negative_slpe": 0.2}]})


def test_json_round_trip_is_bit_exact():
    rng = np.random.default_rng(0)
    net = random_net(rng, 7, depth=3)
    again = ScalarRNN.from_json(net.to_json())
    assert again == net
    xs = rng.normal(size=50)
    assert np.array_equal(net(xs), again(xs))
