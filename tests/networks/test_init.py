"""Initialization schemes: documented moments, bounds, parser, validation, draw order."""
import doctest
import math

import numpy as np
import pytest
from scipy import stats

import rnnchaos.networks.init as init_mod
from rnnchaos import Activation, Network, ScalarRNN, SpecError
from rnnchaos.networks.init import (
    SCHEMES,
    as_scheme,
    get_scheme,
    make_scheme,
    orthogonal,
    parse_scheme,
    sample_layers,
    sample_network,
    truncated_normal,
)

N = (100, 1000)  # 1e5 samples
FAN_IN, FAN_OUT = 5, 7


def _tn(std, a, b):
    """scipy's truncated normal N(0, std^2) on [a, b] (absolute bounds): the reference."""
    return stats.truncnorm(a / std, b / std, scale=std)


# (scheme text, gain, documented mean, documented std), from the docstring formulas.
MOMENTS = [
    ("he_normal", 1.0, 0.0, math.sqrt(2 / FAN_IN)),
    ("he_normal", 1.5, 0.0, 1.5 * math.sqrt(2 / FAN_IN)),
    ("he_uniform", 1.0, 0.0, math.sqrt(6 / FAN_IN) / math.sqrt(3)),
    ("glorot_normal", 1.0, 0.0, math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("glorot_uniform", 2.0, 0.0, 2 * math.sqrt(6 / (FAN_IN + FAN_OUT)) / math.sqrt(3)),
    ("lecun_normal", 1.0, 0.0, math.sqrt(1 / FAN_IN)),
    ("normal", 1.0, 0.0, 1.0),
    ("normal(std=0.5, mean=3)", 1.0, 3.0, 0.5),
    ("normal(0.25)", 4.0, 0.0, 1.0),
    ("uniform", 1.0, 0.5, 1 / math.sqrt(12)),
    ("uniform(-1, 3)", 2.0, 2.0, 2 * 4 / math.sqrt(12)),
    ("truncated_normal", 1.0, _tn(1, -2, 2).mean(), _tn(1, -2, 2).std()),
    ("truncated_normal(std=2, a=-1, b=3)", 1.0, _tn(2, -1, 3).mean(), _tn(2, -1, 3).std()),
    ("truncated_normal(std=1, a=-1, b=1)", 3.0, 0.0, 3 * _tn(1, -1, 1).std()),
]


@pytest.mark.parametrize("text,gain,mean,std", MOMENTS)
def test_empirical_moments_match_documented_values(text, gain, mean, std):
    x = parse_scheme(text).draw(np.random.default_rng(12345), N, FAN_IN, FAN_OUT, gain)
    assert x.shape == N and x.dtype == np.float64
    assert abs(x.std() / std - 1) < 0.02
    assert abs(x.mean() - mean) < 6 * std / math.sqrt(x.size)


@pytest.mark.parametrize("text,bound", [("he_uniform", math.sqrt(6 / FAN_IN)),
                                        ("glorot_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT)))])
def test_uniform_schemes_stay_within_their_half_width(text, bound):
    x = parse_scheme(text).draw(np.random.default_rng(1), N, FAN_IN, FAN_OUT)
    assert np.abs(x).max() <= bound
    assert np.abs(x).max() > 0.99 * bound


def test_fan_conventions():
    def draw(name, fan_in, fan_out):
        return get_scheme(name)(np.random.default_rng(0), (50,), fan_in, fan_out, 1.0)
    # He and LeCun use fan_in only; Glorot uses the sum of the fans.
    for name in ("he_normal", "he_uniform", "lecun_normal"):
        assert np.array_equal(draw(name, 4, 1), draw(name, 4, 9))
        assert np.allclose(draw(name, 1, 3), 2 * draw(name, 4, 3))
    for name in ("glorot_normal", "glorot_uniform"):
        assert np.allclose(draw(name, 1, 3), 2 * draw(name, 12, 4))


def test_constant_schemes():
    rng = np.random.default_rng(0)
    assert np.array_equal(get_scheme("ones")(rng, (3, 2), 2, 3, 1.5), np.full((3, 2), 1.5))
    assert np.array_equal(get_scheme("zeros")(rng, (4,), 2, 4, 7.0), np.zeros(4))
    # Neither consumes randomness.
    assert rng.random() == np.random.default_rng(0).random()


@pytest.mark.parametrize("name", sorted(set(SCHEMES) - {"zeros"}))
def test_gain_scales_exactly(name):
    shape = (3, 4)
    one = get_scheme(name)(np.random.default_rng(5), shape, 4, 3, 1.0)
    two = get_scheme(name)(np.random.default_rng(5), shape, 4, 3, 2.0)
    assert np.array_equal(two, 2 * one)
    assert np.any(one != 0)


@pytest.mark.parametrize("std,a,b", [(1, -1, 1), (2, -1, 3), (1, 5, 6), (1, -8, -7), (0.1, 0.0, 0.05),
                                     (3, -0.5, 10)])
def test_truncated_normal_stays_in_bounds_and_matches_reference(std, a, b):
    x = truncated_normal(np.random.default_rng(2), (20000,), 1, 1, 1.0, std=std, a=a, b=b)
    assert x.min() >= a and x.max() <= b
    ref = _tn(std, a, b)
    assert abs(x.mean() - ref.mean()) < 6 * ref.std() / math.sqrt(x.size)
    assert abs(x.std() / ref.std() - 1) < 0.05


def test_truncated_normal_with_gain_has_scaled_support():
    x = truncated_normal(np.random.default_rng(3), (5000,), 1, 1, 2.0, std=1, a=-1, b=1)
    assert x.min() >= -2 and x.max() <= 2 and x.max() > 1


def test_truncated_normal_without_mass_is_refused():
    with pytest.raises(SpecError, match="mass"):
        truncated_normal(np.random.default_rng(0), (3,), 1, 1, 1.0, std=1, a=50, b=51)


@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (2, 5), (1, 3), (3, 1)])
def test_orthogonal_is_orthogonal(shape):
    q = orthogonal(np.random.default_rng(4), shape, shape[1], shape[0], 1.0)
    small = min(shape)
    gram = q.T @ q if shape[0] >= shape[1] else q @ q.T
    assert q.shape == shape
    assert np.allclose(gram, np.eye(small), atol=1e-12)
    q3 = orthogonal(np.random.default_rng(4), shape, shape[1], shape[0], 3.0)
    assert np.allclose((q3.T @ q3 if shape[0] >= shape[1] else q3 @ q3.T), 9 * np.eye(small))


@pytest.mark.parametrize("shape", [(1, 1), (3, 1), (2, 2), (1, 3)])
def test_orthogonal_is_sign_symmetric(shape):
    # With the sign fix Q is Haar distributed, so every entry has mean 0.
    qs = np.array([orthogonal(np.random.default_rng(s), shape, shape[1], shape[0], 1.0)
                   for s in range(2000)])
    assert np.abs(qs.mean(axis=0)).max() < 0.1


def test_orthogonal_refuses_a_bias_shape():
    with pytest.raises(SpecError, match="2-d"):
        orthogonal(np.random.default_rng(0), (3,), 1, 3, 1.0)


PARSED = [
    ("he_normal", "he_normal", {}),
    ("  glorot_uniform ", "glorot_uniform", {}),
    ("normal", "normal", {"std": 1.0, "mean": 0.0}),
    ("normal(std=0.5)", "normal", {"std": 0.5, "mean": 0.0}),
    ("normal(0.5)", "normal", {"std": 0.5, "mean": 0.0}),
    ("normal(0.5, -2)", "normal", {"std": 0.5, "mean": -2.0}),
    ("normal(mean=1, std=.5e1)", "normal", {"std": 5.0, "mean": 1.0}),
    ("normal()", "normal", {"std": 1.0, "mean": 0.0}),
    ("uniform(-1,1)", "uniform", {"a": -1.0, "b": 1.0}),
    ("uniform(b=4)", "uniform", {"a": 0.0, "b": 4.0}),
    ("truncated_normal(std=1,a=-1,b=1)", "truncated_normal", {"std": 1.0, "a": -1.0, "b": 1.0}),
    ("truncated_normal( 2 , a = -3 )", "truncated_normal", {"std": 2.0, "a": -3.0, "b": 2.0}),
]


@pytest.mark.parametrize("text,name,params", PARSED)
def test_parser_accepts(text, name, params):
    s = parse_scheme(text)
    assert (s.name, s.params) == (name, params)
    assert parse_scheme(str(s)) == s  # the text form round-trips


MALFORMED = ["", "   ", "normal(", "normal)", "normal(std=)", "normal(std=1,std=2)", "normal(1,2,3)",
             "normal(std=1, 0.5)", "he_normal(1)", "normal(std=abc)", "normal(nan)", "normal(1 2)",
             "__import__('os').system('true')", "normal(std=1);x", "normal(**{})", "2normal"]


@pytest.mark.parametrize("text", MALFORMED)
def test_parser_rejects_malformed_text_naming_it(text):
    with pytest.raises(SpecError) as info:
        parse_scheme(text)
    assert info.value.field == "init"
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("text,field,fragment", [
    ("normal(std=0)", "init.std", "0.0"), ("normal(-1)", "init.std", "-1.0"),
    ("normal(std=1e400)", "init.std", "inf"), ("normal(mean=1e999)", "init.mean", "inf"),
    ("uniform(1, 1)", "init.b", "a=1.0"), ("uniform(2, -1)", "init.b", "b=-1.0"),
    ("truncated_normal(std=1, a=1, b=0)", "init.b", "a=1.0"),
    ("normal(scale=2)", "init.scale", "unknown parameter"),
])
def test_parser_rejects_bad_values_naming_the_parameter(text, field, fragment):
    with pytest.raises(SpecError) as info:
        parse_scheme(text)
    assert info.value.field == field
    assert fragment in str(info.value) and repr(text) in str(info.value)


def test_unknown_scheme_lists_choices():
    with pytest.raises(SpecError) as info:
        get_scheme("kaiming")
    assert info.value.field == "init" and "'kaiming'" in str(info.value)
    assert all(name in str(info.value) for name in SCHEMES)
    with pytest.raises(SpecError, match="he_normal"):
        parse_scheme("kaiming(2)")


@pytest.mark.parametrize("kwargs,field", [
    ({"gain": 0.0}, "gain"), ({"gain": -1.0}, "gain"), ({"gain": float("nan")}, "gain"),
    ({"gain": True}, "gain"), ({"gain": "2"}, "gain"), ({"fan_in": 0}, "fan_in"),
    ({"shape": (2, -1)}, "shape"), ({"shape": "x"}, "shape"), ({"rng": 3}, "rng"),
])
def test_direct_calls_validate_common_arguments(kwargs, field):
    args = {"rng": np.random.default_rng(0), "shape": (2, 2), "fan_in": 2, "fan_out": 2, "gain": 1.0}
    args.update(kwargs)
    with pytest.raises(SpecError) as info:
        get_scheme("he_normal")(**args)
    assert info.value.field == field


@pytest.mark.parametrize("name,params,field", [
    ("normal", {"std": -2.0}, "normal.std"), ("uniform", {"a": 3.0}, "uniform.b"),
    ("truncated_normal", {"std": float("inf")}, "truncated_normal.std"),
])
def test_direct_calls_validate_parameters(name, params, field):
    with pytest.raises(SpecError) as info:
        get_scheme(name)(np.random.default_rng(0), (2,), 1, 1, 1.0, **params)
    assert info.value.field == field


def test_as_scheme_accepts_tuples_and_schemes():
    assert as_scheme(("normal", {"std": 2})) == make_scheme("normal", {"std": 2.0})
    assert as_scheme(parse_scheme("uniform(-1,1)")) == parse_scheme("uniform(a=-1, b=1)")
    for bad in (3, ("normal",), ["normal"], ("normal", 2), None):
        with pytest.raises(SpecError):
            as_scheme(bad)


def test_sample_network_draw_order_is_layer_by_layer_weight_then_bias():
    widths = [1, 3, 4, 1]
    acts = ["relu", "tanh", "identity"]
    net = sample_network(widths, acts, ["he_normal", "normal(0.3)", "glorot_uniform"],
                         "uniform(-1, 1)", rng=11)
    rng = np.random.default_rng(11)
    schemes = [parse_scheme(t) for t in ("he_normal", "normal(0.3)", "glorot_uniform")]
    bias = parse_scheme("uniform(-1, 1)")
    for i, layer in enumerate(net.layers):
        fan_in, fan_out = widths[i], widths[i + 1]
        assert np.array_equal(layer.weight, schemes[i].draw(rng, (fan_out, fan_in), fan_in, fan_out))
        assert np.array_equal(layer.bias, bias.draw(rng, (fan_out,), fan_in, fan_out))
        assert layer.activation == Activation.from_spec(acts[i])
    assert isinstance(net, ScalarRNN)


def test_sample_network_bias_uses_the_layer_fans():
    layers = sample_layers([1, 8, 1], ["relu", "identity"], "zeros", "he_normal", np.random.default_rng(0))
    ref = np.random.default_rng(0).standard_normal(8) * math.sqrt(2 / 1)
    assert np.array_equal(layers[0].bias, ref)


def test_sample_network_per_layer_gain_and_activation_objects():
    act = Activation.from_spec("hardtanh", {"min_val": 0.0, "max_val": 1.0})
    a = sample_network([1, 2, 1], ["relu", act], "he_normal", "he_normal", 4, gain=[1.0, 3.0])
    b = sample_network([1, 2, 1], ["relu", act], "he_normal", "he_normal", 4, gain=1.0)
    assert np.array_equal(a.layers[0].weight, b.layers[0].weight)
    assert np.array_equal(a.layers[1].weight, 3 * b.layers[1].weight)
    assert a.layers[1].activation == act


def test_sample_network_rng_forms_agree():
    def make(rng):
        return sample_network([1, 3, 1], ["relu", "identity"], "he_normal", "he_normal", rng)
    seed = np.random.SeedSequence(9, spawn_key=(2,))
    assert make(9) == make(np.random.default_rng(9)) == make(np.int64(9))
    assert make(seed) == make(np.random.default_rng(np.random.SeedSequence(9, spawn_key=(2,))))
    assert make(9) != make(10)


@pytest.mark.parametrize("rng", ["abc", 1.5, -1, True, None, np.random.RandomState(0)])
def test_sample_network_rejects_bad_rng(rng):
    with pytest.raises(SpecError) as info:
        sample_network([1, 2, 1], ["relu", "identity"], "he_normal", "zeros", rng)
    assert info.value.field == "rng"


@pytest.mark.parametrize("widths,acts,w,b,field", [
    ([1], [], "he_normal", "zeros", "widths"),
    ([1, 0, 1], ["relu", "relu"], "he_normal", "zeros", "widths[1]"),
    ([1, 2, 1], ["relu"], "he_normal", "zeros", "activations"),
    ([1, 2, 1], ["relu", "swish"], "he_normal", "zeros", "activations[1]"),
    ([1, 2, 1], ["relu", "relu"], ["he_normal"], "zeros", "weight_init"),
    ([1, 2, 1], ["relu", "relu"], "he_normal", ["zeros", "normal(-1)"], "bias_init[1].std"),
    ([1, 2, 1], ["relu", "relu"], "he_normal", "nope", "bias_init"),
    ([2, 2, 1], ["relu", "relu"], "he_normal", "zeros", "layers[0].weight"),
])
def test_sample_network_rejects_bad_arguments(widths, acts, w, b, field):
    with pytest.raises(SpecError) as info:
        sample_network(widths, acts, w, b, rng=0)
    assert info.value.field == field


def test_sample_network_other_classes():
    net = sample_network([2, 3, 2], ["relu", "identity"], "orthogonal", "zeros", 0, cls=Network)
    assert (net.in_features, net.out_features) == (2, 2) and type(net) is Network
    with pytest.raises(SpecError):
        sample_network([1, 2, 1], ["relu", "identity"], "he_normal", "zeros", 0, cls=dict)


def test_sampled_network_json_round_trip_is_exact():
    net = sample_network([1, 5, 5, 1], ["relu", "tanh", "identity"], "glorot_normal",
                         "truncated_normal(std=1, a=-1, b=1)", 21)
    back = ScalarRNN.from_json(net.to_json())
    assert back == net


def test_docstring_examples():
    assert doctest.testmod(init_mod).failed == 0


def test_every_scheme_has_a_docstring_with_its_convention():
    for name, fn in SCHEMES.items():
        doc = fn.__doc__ or ""
        assert ">>>" in doc, name
        assert "fan" in doc.lower(), name
        if name not in ("ones", "zeros", "orthogonal"):
            assert "std" in doc, name


@pytest.mark.parametrize("spec,shape", [("he_normal", (3, 2)), ("he_uniform", (2,)),
                                        ("glorot_normal", (2, 3)), ("glorot_uniform", (4,)),
                                        ("lecun_normal", (3, 3)), ("normal(std=0.3, mean=1)", (2,)),
                                        ("uniform(-1, 2)", (2, 2)), ("truncated_normal(std=1, a=0.5, b=2)", (3,)),
                                        ("ones", (2,)), ("zeros", (2, 1)), ("orthogonal", (3, 2)),
                                        ("orthogonal", (2, 4))])
def test_stack_sampler_equals_consecutive_single_draws_and_pieces(spec, shape):
    scheme = parse_scheme(spec)
    sampler = scheme.stack_sampler(shape, FAN_IN, FAN_OUT, 1.5)
    stack = sampler(np.random.default_rng(3), 7)
    rng = np.random.default_rng(3)
    singles = np.array([scheme.draw(rng, shape, FAN_IN, FAN_OUT, 1.5) for _ in range(7)])
    assert stack.shape == (7, *shape)
    # QR of a stack may round differently from QR of one matrix; the elementwise schemes may not
    tol = 1e-12 if scheme.name == "orthogonal" else 0.0
    np.testing.assert_allclose(stack, singles, rtol=tol, atol=tol)
    rng = np.random.default_rng(3)
    np.testing.assert_allclose(np.concatenate([sampler(rng, 3), sampler(rng, 4)]), stack, rtol=tol, atol=tol)


def test_stack_sampler_validates_once_at_construction():
    with pytest.raises(SpecError) as info:
        parse_scheme("orthogonal").stack_sampler((3,), 1, 3)
    assert info.value.field == "orthogonal"
    with pytest.raises(SpecError) as info:
        parse_scheme("he_normal").stack_sampler((3, 1), 0, 3)
    assert info.value.field == "fan_in"
