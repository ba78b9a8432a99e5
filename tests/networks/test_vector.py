"""Vector RNN maps: evaluation, Jacobians against finite differences, samplers, specs."""
import json

import numpy as np
import pytest

from rnnchaos.errors import SpecError
from rnnchaos.networks.model import Activation, Network
from rnnchaos.networks.vector import (
    VECTOR_PRESETS,
    FunctionMap,
    HenonMap,
    LinearMap,
    VectorRNN,
    act_and_derivative,
    build_vector_preset,
    read_vector_spec,
    sample_vector_batch,
    sample_vector_map,
    sample_vector_maps,
    sample_vector_preset,
    vector_from_dict,
    vector_from_json,
)


def fd_jacobian(f, h, eps=1e-6):
    """Central finite differences of f at one state h (d,)."""
    d = h.size
    cols = []
    for j in range(d):
        e = np.zeros(d)
        e[j] = eps
        cols.append((f(h + e) - f(h - e)) / (2 * eps))
    return np.stack(cols, axis=-1)


ACTS = [Activation.from_spec("identity"), Activation.from_spec("relu"),
        Activation.from_spec("leaky_relu", {"negative_slope": 0.2}),
        Activation.from_spec("hardtanh", {"min_val": -0.5, "max_val": 0.7}),
        Activation.from_spec("tanh"), Activation.from_spec("sigmoid")]


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
def test_activation_derivative_matches_finite_differences(act):
    z = np.linspace(-2.3, 2.1, 41)
    z = z[np.min(np.abs(z[:, None] - np.array([0.0, -0.5, 0.7])[None]), axis=1) > 1e-3]
    v, d = act_and_derivative(act, z)
    np.testing.assert_allclose(v, act(z), rtol=0, atol=1e-15)
    fd = (act(z + 1e-7) - act(z - 1e-7)) / 2e-7
    np.testing.assert_allclose(d, fd, atol=1e-6)


def test_activation_derivative_at_kinks_follows_torch():
    zero = np.array([0.0])
    assert act_and_derivative(Activation.from_spec("relu"), zero)[1][0] == 0.0
    assert act_and_derivative(ACTS[2], zero)[1][0] == 0.2
    ht = act_and_derivative(ACTS[3], np.array([-0.5, 0.7, 0.0]))[1]
    assert ht.tolist() == [0.0, 0.0, 1.0]


def _away_from_kinks(f: VectorRNN, h):
    """True if no pre-activation of f at h is within 1e-4 of a kink."""
    x = h
    for w, b, act in zip(f.weights, f._biases(), f.activations):
        z = x @ w.T + b
        kinks = {"relu": [0.0], "leaky_relu": [0.0],
                 "hardtanh": [act.params.get("min_val", -1), act.params.get("max_val", 1)]}
        for k in kinks.get(act.name, []):
            if np.min(np.abs(z - k)) < 1e-4:
                return False
        x = act(z)
    return True


MAPS = {
    "rnn_tanh": lambda: sample_vector_map("rnn", 7, gain=1.7, rng=1),
    "rnn_relu_bias": lambda: sample_vector_map("rnn", 6, activation="relu", weight_init="he_normal",
                                               bias_init="normal(std=0.3)", rng=2),
    "two_layer_relu": lambda: sample_vector_map("two_layer", 6, activation="relu", hidden=9,
                                                weight_init="normal(std=0.3)", rng=3),
    "two_layer_tanh_bias": lambda: sample_vector_map("two_layer", 5, activation="tanh",
                                                     bias_init="normal(0.2)", rng=4),
    "leaky_tanh": lambda: sample_vector_map("leaky", 6, leak=0.3, gain=2.0, rng=5),
    "rnn_sigmoid_input": lambda: sample_vector_map("rnn", 5, activation="sigmoid",
                                                   input=[1.0, -2.0, 0.5], rng=6),
    "hardtanh_3layer": lambda: VectorRNN(
        [(np.random.default_rng(7).standard_normal((4, 4)), np.zeros(4), ACTS[3]),
         (np.random.default_rng(8).standard_normal((3, 4)), np.full(3, 0.1), "leaky_relu"),
         (np.random.default_rng(9).standard_normal((4, 3)), np.zeros(4), "identity")], leak=0.5),
}


@pytest.mark.parametrize("name", sorted(MAPS))
def test_jacobian_matches_finite_differences(name):
    f = MAPS[name]()
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(5):
        h = rng.standard_normal(f.dim)
        if not _away_from_kinks(f, h):
            continue
        jac = f.jacobian(h)
        np.testing.assert_allclose(jac, fd_jacobian(f.step, h), atol=2e-7, rtol=1e-6)
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("name", sorted(MAPS))
def test_jvp_step_jvp_and_batches_are_consistent(name):
    f = MAPS[name]()
    rng = np.random.default_rng(12)
    hs = rng.standard_normal((3, f.dim))
    v = rng.standard_normal((3, f.dim, 2))
    jac = f.jacobian(hs)
    assert jac.shape == (3, f.dim, f.dim)
    np.testing.assert_allclose(f.jvp(hs, v), jac @ v, atol=1e-12)
    new, tv = f.step_jvp(hs, v)
    np.testing.assert_allclose(new, f.step(hs), atol=0)
    np.testing.assert_allclose(tv, jac @ v, atol=1e-12)
    for i in range(3):
        np.testing.assert_allclose(f.step(hs[i]), f.step(hs)[i], atol=1e-14)
        np.testing.assert_allclose(f.jacobian(hs[i]), jac[i], atol=1e-14)
    one = f.step_jacobian(hs[0])[1]
    assert one.flags.f_contiguous  # ready for LAPACK without a transpose copy


def test_stacked_maps_equal_individual_maps():
    maps = [sample_vector_map("two_layer", 4, activation="relu", rng=i) for i in range(3)]
    batch = VectorRNN.stack(maps)
    assert batch.batch_shape == (3,) and len(batch) == 3
    h = np.random.default_rng(0).standard_normal((3, 4))
    v = np.random.default_rng(1).standard_normal((3, 4, 4))
    for i, m in enumerate(maps):
        np.testing.assert_allclose(batch.step(h)[i], m.step(h[i]), atol=1e-15)
        np.testing.assert_allclose(batch.jacobian(h)[i], m.jacobian(h[i]), atol=1e-15)
        np.testing.assert_allclose(batch.jvp(h, v)[i], m.jvp(h[i], v[i]), atol=1e-14)
        assert batch[i] == m
    assert batch[np.arange(2)].batch_shape == (2,)
    with pytest.raises(SpecError):
        VectorRNN.stack([maps[0], sample_vector_map("rnn", 4, rng=0)])


def test_forms_of_the_maps():
    rng = np.random.default_rng(3)
    w1, w2 = rng.standard_normal((5, 3)), rng.standard_normal((3, 5))
    b1, b2 = rng.standard_normal(5), rng.standard_normal(3)
    h = rng.standard_normal(3)
    two = VectorRNN([(w1, b1, "relu"), (w2, b2, "identity")])
    np.testing.assert_allclose(two.step(h), w2 @ np.maximum(w1 @ h + b1, 0) + b2, atol=1e-14)
    w = rng.standard_normal((3, 3))
    leaky = VectorRNN([(w, b2, "tanh")], leak=0.25, drive=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(leaky.step(h), 0.75 * h + 0.25 * np.tanh(w @ h + b2 + [1, 2, 3]),
                               atol=1e-14)
    net = Network.from_dict(two.to_dict())
    np.testing.assert_allclose(net.forward(h), two.step(h), atol=0)


def test_positive_homogeneity_flag_and_property():
    f = sample_vector_map("two_layer", 5, activation="relu", weight_init="normal(std=0.3)", rng=0)
    assert f.positively_homogeneous
    h = np.random.default_rng(0).standard_normal(5)
    np.testing.assert_allclose(f.step(3.5 * h), 3.5 * f.step(h), rtol=1e-13)
    np.testing.assert_allclose(f.jacobian(3.5 * h), f.jacobian(h), rtol=0)
    assert not sample_vector_map("rnn", 5, rng=0).positively_homogeneous  # tanh
    assert not sample_vector_map("rnn", 5, activation="relu", bias_init="normal(0.1)",
                                 rng=0).positively_homogeneous
    assert not sample_vector_map("rnn", 5, activation="relu", input=[1.0], rng=0).positively_homogeneous
    assert sample_vector_map("leaky", 5, activation="relu", rng=0).positively_homogeneous


@pytest.mark.parametrize("scheme,std", [("he_normal", np.sqrt(2 / 400)), ("glorot_normal", np.sqrt(1 / 400)),
                                        ("lecun_normal", np.sqrt(1 / 400)), ("normal(std=0.07)", 0.07)])
def test_samplers_use_the_init_registry_with_gain(scheme, std):
    f = sample_vector_map("rnn", 400, weight_init=scheme, gain=1.5, rng=0)
    assert abs(f.weights[0].std() / (1.5 * std) - 1) < 0.01
    again = sample_vector_map("rnn", 400, weight_init=scheme, gain=1.5, rng=0)
    assert f == again
    # the first weight entry is the generator's first standard normal, scaled
    z = np.random.default_rng(0).standard_normal()
    assert f.weights[0][0, 0] == pytest.approx(z * 1.5 * std, rel=1e-12)


def test_orthogonal_init_and_two_layer_draw_order():
    f = sample_vector_map("rnn", 16, weight_init="orthogonal", gain=1.3, rng=5)
    np.testing.assert_allclose(f.weights[0].T @ f.weights[0], 1.69 * np.eye(16), atol=1e-12)
    g = sample_vector_map("two_layer", 4, activation="relu", weight_init="normal(0.5)",
                          bias_init="normal(0.1)", rng=9)
    r = np.random.default_rng(9)
    w1 = r.standard_normal((4, 4)) * 0.5
    b1 = r.standard_normal(4) * 0.1
    w2 = r.standard_normal((4, 4)) * 0.5
    np.testing.assert_array_equal(g.weights[0], w1)
    np.testing.assert_array_equal(g.biases[0], b1)
    np.testing.assert_array_equal(g.weights[1], w2)


def test_sampler_follows_the_block_contract_across_a_block_boundary():
    from rnnchaos.networks.vector import VECTOR_BLOCK_SIZE as B
    b = sample_vector_maps(4, 11, kind="two_layer", dim=3, hidden=2, activation="relu",
                           bias_init="normal(std=0.5)", start=B - 2)
    for i in range(4):  # re-drawn independently from the documented order, numpy calls only
        block, row = divmod(B - 2 + i, B)
        rng = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(block,)))
        w1 = rng.standard_normal((B, 2, 3)) / np.sqrt(3)  # lecun_normal: std sqrt(1 / fan_in)
        b1 = rng.standard_normal((B, 2)) * 0.5
        w2 = rng.standard_normal((B, 3, 2)) / np.sqrt(2)
        b2 = rng.standard_normal((B, 3)) * 0.5
        for got, want in zip(b[i].weights + b[i].biases, (w1, w2, b1, b2)):
            np.testing.assert_allclose(got, want[row], rtol=1e-13)
        assert b[i] == sample_vector_maps(1, 11, kind="two_layer", dim=3, hidden=2, activation="relu",
                                          bias_init="normal(std=0.5)", start=B - 2 + i)[0]
    p = build_vector_preset("paper_jacobian", 8, std=0.2)
    batch = sample_vector_batch(p, 3, 5)
    assert batch[2] == sample_vector_preset(p, 3, 2)
    assert np.allclose(batch.weights[0].std(), 0.2, rtol=0.3)
    p2 = build_vector_preset("paper_jacobian", 8, std=0.4)
    np.testing.assert_allclose(sample_vector_preset(p2, 3, 2).weights[1],
                               2 * sample_vector_preset(p, 3, 2).weights[1], rtol=1e-15)


def test_presets_describe_and_validate():
    for name in VECTOR_PRESETS:
        p = build_vector_preset(name, 6, gain=1.1)
        m = p.sample(0)
        assert m.dim == 6
        assert json.dumps(p.describe())
    assert build_vector_preset("leaky_tanh", 4).leak == 0.1
    assert sample_vector_preset(build_vector_preset("leaky_tanh", 4, leak=0.5), 0).leak == 0.5
    for bad in [dict(name="nope"), dict(dim=0), dict(gain=0.0), dict(gain=float("nan")),
                dict(std=-1.0), dict(std=0.1, gain=2.0), dict(leak=1.5),
                dict(name="rnn_tanh", leak=0.5), dict(weight_init="bogus")]:
        kw = {"name": "leaky_tanh", "dim": 4, **bad}
        with pytest.raises(SpecError):
            build_vector_preset(kw.pop("name"), kw.pop("dim"), **kw)
    with pytest.raises(SpecError, match="hidden"):
        sample_vector_map("rnn", 3, hidden=4)
    with pytest.raises(SpecError, match="kind"):
        sample_vector_map("gru", 3)
    with pytest.raises(SpecError, match="input"):
        sample_vector_map("two_layer", 3, input=[1.0])
    with pytest.raises(SpecError, match="leak"):
        sample_vector_map("rnn", 3, leak=0.5)


def test_json_round_trip_and_file(tmp_path):
    f = sample_vector_map("leaky", 5, input=[0.3, 0.1], rng=4)
    g = vector_from_json(f.to_json())
    assert g == f and g.leak == f.leak
    np.testing.assert_array_equal(g.drive, f.drive)
    path = tmp_path / "m.json"
    path.write_text(f.to_json(indent=1))
    assert read_vector_spec(str(path), dim=5) == f


@pytest.mark.parametrize("spec,field", [
    ({"layers": [{"weight": [[1.0, 0.0]], "bias": [0.0]}]}, "layers[0].weight"),
    ({"layers": [{"weight": [[1.0]], "bias": [0.0]}], "leek": 0.1}, "leek"),
    ({"layers": [{"weight": [[1.0]], "bias": [0.0]}], "leak": 0.0}, "leak"),
    ({"layers": [{"weight": [[1.0]], "bias": [0.0]}], "leak": True}, "leak"),
    ({"layers": [{"weight": [[1.0]], "bias": [0.0]}], "drive": [1.0, 2.0]}, "drive"),
    ({"layers": [{"weight": [[1.0]], "bias": [0.0]}], "drive": "x"}, "drive"),
    ({"layers": [{"weight": [[1.0]], "bias": [0.0], "activation": "swish"}]}, "layers[0].activation"),
    ([], "spec"),
])
def test_bad_specs_name_the_field(spec, field):
    with pytest.raises(SpecError) as exc:
        vector_from_dict(spec)
    assert exc.value.field == field


def test_bad_json_text_and_files(tmp_path):
    for text in ["", "{", '{"layers": [{"weight": [[NaN]], "bias": [0]}]}']:
        with pytest.raises(SpecError):
            vector_from_json(text)
    with pytest.raises(SpecError, match="dim"):
        vector_from_json('{"layers": [{"weight": [[1.0]], "bias": [0]}]}', dim=2)
    with pytest.raises(SpecError, match="cannot read"):
        read_vector_spec(str(tmp_path / "missing.json"))
    with pytest.raises(SpecError):
        VectorRNN([(np.full((2, 2), np.inf), np.zeros(2), "tanh")])
    with pytest.raises(SpecError):
        VectorRNN([])


def test_reference_systems():
    hen = HenonMap()
    h = np.array([[0.3, -0.2], [1.1, 0.4]])
    for x in h:
        np.testing.assert_allclose(hen.jacobian(x), fd_jacobian(hen.step, x), atol=1e-8)
    assert hen.jacobian(h).shape == (2, 2, 2)
    a = np.array([[1.0, 2.0], [0.5, -1.0]])
    lin = LinearMap(a)
    np.testing.assert_allclose(lin.step(h), h @ a.T)
    np.testing.assert_allclose(lin.jacobian(h)[1], a)
    fm = FunctionMap(lambda x: np.sin(x), lambda x: np.cos(x)[..., None] * np.eye(2), dim=2)
    np.testing.assert_allclose(fm.jvp(h[0], np.eye(2)), np.diag(np.cos(h[0])))
    with pytest.raises(SpecError):
        LinearMap(np.ones((2, 3)))
