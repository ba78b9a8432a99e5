"""Paper presets: structure, documented distributions per flavour, seeding contract, validation."""
import doctest
import itertools
import json
import math

import numpy as np
import pytest
from scipy import stats

import rnnchaos.networks.presets as presets_mod
from rnnchaos import ScalarRNN, SpecError
from rnnchaos.networks.batch import sample_preset_batch
from rnnchaos.networks.init import parse_scheme
from rnnchaos.networks.presets import (
    BLOCK_SIZE,
    PRESETS,
    Preset,
    block_seed,
    build_preset,
    draw_rows,
    sample_preset,
)

OPTIONS = list(itertools.product(PRESETS, ("as_coded", "as_labelled"), ("relu", "tanh"),
                                 (False, True), (2, 3)))
IDENTITY_OUTPUT = {"paper_a", "paper_row1"}


def expected_activations(name, act, clip, depth):
    out = "identity" if name in IDENTITY_OUTPUT else act
    names = [act] * (depth - 1) + ["hardtanh" if clip else out]
    if clip and out == "tanh":
        names.append("tanh")
    return names


@pytest.mark.parametrize("name,flavour,act,clip,depth", OPTIONS)
def test_structure_and_json_round_trip(name, flavour, act, clip, depth):
    k = 3
    p = build_preset(name, k, activation=act, clip=clip, depth=depth, flavour=flavour)
    net = p.sample(np.random.default_rng(0))
    assert isinstance(net, ScalarRNN)
    assert [l.activation.name for l in net.layers] == expected_activations(name, act, clip, depth)
    shapes = [(k, 1)] + [(k, k)] * (depth - 2) + [(1, k)]
    assert [l.weight.shape for l in net.layers[:depth]] == shapes
    assert [l.bias.shape for l in net.layers[:depth]] == [(s[0],) for s in shapes]
    if clip:
        assert net.layers[depth - 1].activation.params == {"min_val": 0.0, "max_val": 1.0}
    back = ScalarRNN.from_json(net.to_json())
    assert back == net and type(back) is ScalarRNN
    desc = p.describe()
    assert json.loads(json.dumps(desc)) == desc
    assert (desc["name"], desc["flavour"], desc["depth"], desc["clip"]) == (name, flavour, depth, clip)
    assert [parse_scheme(l["weight"]) for l in desc["layers"]] == [l.weight for l in p.plan]
    assert [parse_scheme(l["bias"]) for l in desc["layers"]] == [l.bias for l in p.plan]


def test_tanh_clip_layer_is_fixed_and_ignores_gain():
    p = build_preset("paper_he", 2, activation="tanh", clip=True, gain=3.0)
    for seed in range(5):
        last = p.sample(seed).layers[-1]
        assert last.weight.tolist() == [[1.0]] and last.bias.tolist() == [0.0]
        assert last.activation.name == "tanh"


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_clipped_output_is_within_unit_interval(name, act):
    p = build_preset(name, 4, activation=act, clip=True)
    xs = np.concatenate([np.linspace(-10, 10, 201), np.random.default_rng(1).normal(0, 5, 200)])
    outside = 0
    for i in range(40):
        y = sample_preset(p, 3, i)(xs)
        assert np.all((0 <= y) & (y <= 1))
        unclipped = sample_preset(build_preset(name, 4, activation=act), 3, i)(xs)
        outside += np.any((unclipped < 0) | (unclipped > 1))
    assert outside > 0  # without the clip, the same draws do leave [0, 1]


# --- distributions, pooled over many draws ---------------------------------------------

def pooled(p, n_nets, seed=0):
    """Per layer index: (all weights, all biases) over n_nets networks."""
    batch = sample_preset_batch(p, seed, 0, n_nets)
    return [(l.weight.ravel(), l.bias.ravel()) for l in batch.layers]


def check(x, spec):
    kind, *args = spec
    if kind == "const":
        assert np.all(x == args[0])
    elif kind == "std":  # centred normal with this std
        assert abs(x.std() / args[0] - 1) < 0.08, (x.std(), args[0])
        assert abs(x.mean()) < 6 * args[0] / math.sqrt(x.size)
    elif kind == "uniform":
        a, b = args
        assert x.min() >= a and x.max() < b
        assert abs(x.mean() - (a + b) / 2) < 0.05 * (b - a)
        assert abs(x.std() / ((b - a) / math.sqrt(12)) - 1) < 0.08
    elif kind == "trunc":
        std, a, b = args
        ref = stats.truncnorm(a / std, b / std, scale=std)
        assert x.min() >= a and x.max() <= b
        assert abs(x.std() / ref.std() - 1) < 0.08


K = 4
HE1, HEK = ("std", math.sqrt(2 / 1)), ("std", math.sqrt(2 / K))
GL = ("std", math.sqrt(2 / (1 + K)))  # glorot std of both the 1->k and the k->1 layer
TR = ("trunc", 1.0, -1.0, 1.0)
# (preset, flavour) -> [(weight spec, bias spec) for layer 1, hidden, output], from the docs.
EXPECTED = {
    ("paper_a", "as_coded"): [(("std", 2 / (K + 1)),) * 2] * 2 + [(("std", 2 / (K + 1)), ("const", 0.0))],
    ("paper_a", "as_labelled"): [(GL, GL), (("std", math.sqrt(2 / (2 * K))),) * 2, (GL, ("const", 0.0))],
    ("paper_row1", "as_coded"): [(("const", 1.0), HE1), (HEK, HEK), (HEK, HEK)],
    ("paper_row1", "as_labelled"): [(("const", 1.0), HE1), (HEK, HEK), (HEK, HEK)],
    ("paper_he", "as_coded"): [(HE1, HE1), (HEK, HEK), (HEK, HEK)],
    ("paper_he_u", "as_coded"): [(HE1, ("uniform", 0, 1)), (HEK, ("uniform", 0, 1)), (HEK, ("uniform", 0, 1))],
    ("paper_he_u", "as_labelled"): [(w, ("uniform", -1, 1)) for w in (HE1, HEK, HEK)],
    ("paper_normal_k", "as_coded"): [(("std", 1 / K),) * 2] * 2 + [(("std", 1.0),) * 2],
    ("paper_normal_k", "as_labelled"): [(("std", 1 / math.sqrt(K)), TR)] * 3,
    ("paper_glorot", "as_coded"): [(GL, GL), (("std", math.sqrt(2 / (2 * K))),) * 2, (GL, GL)],
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_presets_draw_the_documented_distributions(key):
    name, flavour = key
    p = build_preset(name, K, depth=3, flavour=flavour)
    for (w, b), (w_spec, b_spec) in zip(pooled(p, 1200), EXPECTED[key]):
        check(w, w_spec)
        check(b, b_spec)


def test_paper_a_as_coded_std_for_several_widths_and_no_output_bias():
    for k in (1, 2, 7):
        layers = pooled(build_preset("paper_a", k), 2500, seed=k)
        draws = np.concatenate([layers[0][0], layers[0][1], layers[1][0]])
        assert abs(draws.std() / (2 / (k + 1)) - 1) < 0.05
        assert np.all(layers[1][1] == 0.0)


def test_flavours_differ_where_the_labels_disagree_with_the_code():
    for name in ("paper_a", "paper_he_u", "paper_normal_k"):
        coded, labelled = (build_preset(name, 3, flavour=f).describe()["layers"] for f in
                           ("as_coded", "as_labelled"))
        assert coded != labelled
    for name in ("paper_row1", "paper_he", "paper_glorot"):
        coded, labelled = (build_preset(name, 3, flavour=f).describe()["layers"] for f in
                           ("as_coded", "as_labelled"))
        assert coded == labelled


def test_gain_multiplies_every_random_layer():
    for name in ("paper_he", "paper_row1", "paper_a"):
        one = sample_preset(build_preset(name, 3, depth=3), 8, 1)
        two = sample_preset(build_preset(name, 3, depth=3, gain=2.0), 8, 1)
        for a, b in zip(one.layers, two.layers):
            assert np.array_equal(b.weight, 2 * a.weight) and np.array_equal(b.bias, 2 * a.bias)


# --- seeding contract -------------------------------------------------------------------

def reference_array(rng, scheme, shape, fan_in, fan_out, gain):
    """One whole-block array drawn with numpy calls only, from the formulas of the init docs
    (independent of the package's samplers)."""
    p = scheme.params
    if scheme.name == "zeros":
        return np.zeros(shape)
    if scheme.name == "ones":
        return np.full(shape, gain)
    if scheme.name == "he_normal":
        return rng.standard_normal(shape) * gain * math.sqrt(2 / fan_in)
    if scheme.name == "glorot_normal":
        return rng.standard_normal(shape) * gain * math.sqrt(2 / (fan_in + fan_out))
    if scheme.name == "normal":
        return rng.standard_normal(shape) * gain * p["std"] + p["mean"]
    if scheme.name == "uniform":
        return gain * (p["a"] + (p["b"] - p["a"]) * rng.random(shape))
    if scheme.name == "truncated_normal":  # inverse CDF, one uniform per entry
        u = rng.random(shape)
        return gain * stats.truncnorm(p["a"] / p["std"], p["b"] / p["std"], scale=p["std"]).ppf(u)
    raise AssertionError(scheme.name)


def reference_network(preset, seed, index):
    """Network `index` re-drawn from the documented order: block index // 1024 from
    SeedSequence(seed, spawn_key=(block,)); per layer the weights (1024, out, in), then the
    biases (1024, out) of the whole block; row index % 1024."""
    block, row = divmod(index, 1024)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    layers = []
    for l in preset.plan:
        w = reference_array(rng, l.weight, (1024, l.out_features, l.in_features),
                            l.in_features, l.out_features, l.gain)
        b = reference_array(rng, l.bias, (1024, l.out_features), l.in_features, l.out_features, l.gain)
        layers.append((w[row], b[row]))
    return layers


CONTRACT_CASES = [("paper_he", "as_coded", 2, 1.0), ("paper_a", "as_coded", 3, 1.0),
                  ("paper_row1", "as_coded", 3, 2.0), ("paper_he_u", "as_labelled", 2, 1.0),
                  ("paper_normal_k", "as_labelled", 3, 0.5), ("paper_glorot", "as_coded", 3, 1.0)]


@pytest.mark.parametrize("name,flavour,depth,gain", CONTRACT_CASES)
def test_block_draw_matches_an_independent_redraw_of_the_documented_order(name, flavour, depth, gain):
    p = build_preset(name, 3, depth=depth, flavour=flavour, gain=gain)
    indices = [0, 1, 1023, 1024, 2500]
    batch = sample_preset_batch(p, 7, 1020, 8)  # crosses the block boundary at 1024
    for index in indices:
        net = sample_preset(p, 7, index)
        for layer, (w, b) in zip(net.layers, reference_network(p, 7, index)):
            np.testing.assert_allclose(layer.weight, w, rtol=1e-10, atol=1e-300)
            np.testing.assert_allclose(layer.bias, b, rtol=1e-10, atol=1e-300)
        if 1020 <= index < 1028:
            assert batch.network(index - 1020) == net


def test_block_seed_is_the_documented_seed_sequence():
    assert BLOCK_SIZE == 1024
    for seed, block in ((0, 0), (7, 3), (2**40, 12)):
        ss = block_seed(seed, block)
        ref = np.random.SeedSequence(seed, spawn_key=(block,))
        assert (ss.entropy, ss.spawn_key) == (seed, (block,))
        assert np.array_equal(ss.generate_state(4), ref.generate_state(4))


def test_streamed_pieces_equal_the_whole_block(monkeypatch):
    p = build_preset("paper_he_u", 5, depth=3, flavour="as_labelled")
    whole = sample_preset_batch(p, 4, 1000, 1100)
    monkeypatch.setattr(presets_mod, "PIECE_ENTRIES", 37)  # many small array calls per block
    pieces = sample_preset_batch(p, 4, 1000, 1100)
    for a, b in zip(whole.layers, pieces.layers):
        assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
    assert sample_preset(p, 4, 2047) == whole.network(1047)


@pytest.mark.parametrize("name,flavour,depth,gain", CONTRACT_CASES)
def test_whole_blocks_drawn_in_place_equal_the_streamed_draw(name, flavour, depth, gain):
    # full blocks of normal-family arrays are written straight into the output (sampler.fill);
    # they must be bit for bit the streamed draw through temporary arrays
    p = build_preset(name, 3, depth=depth, flavour=flavour, gain=gain)
    in_place, streamed = p.draw_targets(), p.draw_targets()
    for target in streamed:
        target.sampler.fill = None
    fills = [t.sampler.fill is not None for t in in_place if not t.draws_nothing]
    assert any(fills)  # every preset has a normal-family array (paper_he_u: uniform biases)
    for start, count in ((0, 1024), (1024, 3072), (1000, 2100)):
        a, b = draw_rows(in_place, 9, start, count), draw_rows(streamed, 9, start, count)
        for x, y in zip(a, b):
            assert np.array_equal(x.view(np.int64), y.view(np.int64))


def test_fill_is_the_documented_scaled_normal_bit_for_bit():
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    for spec, scale, mean in (("he_normal", 1.5 * math.sqrt(2 / 2), None),
                              ("glorot_normal", 1.5 * math.sqrt(2 / 5), None),
                              ("lecun_normal", 1.5 * math.sqrt(1 / 2), None),
                              ("normal(std=0.3, mean=-1)", 1.5 * 0.3, -1.0)):
        fill = parse_scheme(spec).stack_sampler((3, 2), 2, 3, 1.5).fill
        out = np.empty((50, 3, 2))
        assert fill(rng_a, out) is out
        ref = rng_b.standard_normal((50, 3, 2)) * scale
        if mean is not None:
            ref = ref + mean
        assert np.array_equal(out.view(np.int64), ref.view(np.int64)), spec
    assert parse_scheme("uniform(-1, 1)").stack_sampler((2,), 1, 1).fill is None


def test_sample_preset_reproducible_and_distinct():
    p = build_preset("paper_he", 4, activation="tanh", clip=True, depth=3)
    a = sample_preset(p, 42, 5)
    assert a == sample_preset(p, 42, 5)
    assert a != sample_preset(p, 42, 6)
    assert a != sample_preset(p, 43, 5)
    assert sample_preset("paper_he", 1, 0) == sample_preset(build_preset("paper_he"), 1)
    assert p.describe()["seeding_contract"] == 2


@pytest.mark.parametrize("seed,index,field", [(-1, 0, "seed"), (0, -1, "index"), (1.5, 0, "seed"),
                                              (0, "2", "index"), (True, 0, "seed"), (0, None, "index")])
def test_bad_seeds_and_indices(seed, index, field):
    with pytest.raises(SpecError) as info:
        sample_preset("paper_a", seed, index)
    assert info.value.field == field


# --- validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("args,kwargs,field,fragment", [
    (("paper_z",), {}, "preset", "paper_glorot"),
    ((3,), {}, "preset", "3"),
    (("paper_a", 0), {}, "width", "got 0"),
    (("paper_a", 2.5), {}, "width", "2.5"),
    (("paper_a", True), {}, "width", "True"),
    (("paper_a",), {"depth": 4}, "depth", "4"),
    (("paper_a",), {"depth": 2.0}, "depth", "2.0"),
    (("paper_a",), {"activation": "sigmoid"}, "activation", "sigmoid"),
    (("paper_a",), {"flavour": "as_written"}, "flavour", "as_written"),
    (("paper_a",), {"clip": "yes"}, "clip", "yes"),
    (("paper_a",), {"gain": 0}, "gain", "0"),
    (("paper_a",), {"gain": float("inf")}, "gain", "inf"),
    (("paper_a",), {"gain": -1.0}, "gain", "-1.0"),
])
def test_build_preset_rejects_bad_options(args, kwargs, field, fragment):
    with pytest.raises(SpecError) as info:
        build_preset(*args, **kwargs)
    assert info.value.field == field
    assert fragment in str(info.value)


def test_preset_rejects_bad_rng_and_non_presets():
    with pytest.raises(SpecError) as info:
        build_preset("paper_a").sample("seed")
    assert info.value.field == "rng"
    with pytest.raises(SpecError) as info:
        sample_preset(object(), 0)
    assert info.value.field == "preset"


def test_preset_equality_and_defaults():
    assert build_preset("paper_he") == Preset("paper_he", 2, "relu", False, 2, "as_coded", 1.0)
    assert build_preset("paper_he") != build_preset("paper_he", 3)


def test_docstring_examples():
    assert doctest.testmod(presets_mod).failed == 0


def test_known_differences_name_published_cells_only():
    from rnnchaos.reporting.reproduce import KNOWN_DIFFERENCES, PUBLISHED
    assert KNOWN_DIFFERENCES
    for (name, col), why in KNOWN_DIFFERENCES.items():
        assert name in PRESETS and col in PUBLISHED[name]
        assert isinstance(why, str) and why.endswith(".")
    assert ("paper_a", "w2_relu") not in KNOWN_DIFFERENCES  # network A reproduces 2.28%


def test_threads_do_not_change_the_draw(monkeypatch):
    p = build_preset("paper_glorot", 3)
    monkeypatch.setenv("RNNCHAOS_THREADS", "1")
    one = sample_preset_batch(p, 6, 100, 40 * BLOCK_SIZE)
    monkeypatch.setenv("RNNCHAOS_THREADS", "3")
    three = sample_preset_batch(p, 6, 100, 40 * BLOCK_SIZE)
    for a, b in zip(one.layers, three.layers):
        assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
