"""Lyapunov spectra: known cases, kernels, batches, diagnostics, the CLI."""
import argparse
import json
import math

import numpy as np
import pytest

from rnnchaos.cli.vector import register
from rnnchaos.dynamics.lyapunov import (
    iterate,
    kaplan_yorke_dimension,
    ks_entropy_bound,
    lyapunov_max,
    lyapunov_max_direct,
    lyapunov_spectrum,
    seed_record,
)
from rnnchaos.errors import SpecError
from rnnchaos.networks.vector import (
    FunctionMap,
    HenonMap,
    LinearMap,
    VectorRNN,
    sample_vector_map,
)

HENON_L1 = 0.41922  # a = 1.4, b = 0.3 (Sprott, "Chaos and Time-Series Analysis", table)


def _orthogonal(d, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q * np.sign(np.diag(r))


@pytest.mark.parametrize("case", ["symmetric", "orthogonal_scaled", "block_normal"])
def test_linear_normal_maps_give_log_moduli_of_eigenvalues(case):
    d = 6
    rng = np.random.default_rng(1)
    if case == "symmetric":
        q = _orthogonal(d, 2)
        a = q @ np.diag([1.5, -1.2, 0.9, 0.5, -0.3, 0.1]) @ q.T
    elif case == "orthogonal_scaled":
        a = 0.8 * _orthogonal(d, 3)  # all |eigenvalues| = 0.8
    else:  # rotation-scaling blocks: complex pairs, conjugated by an orthogonal matrix
        blocks = np.zeros((d, d))
        for i, (r, th) in enumerate([(1.3, 0.7), (0.9, 2.0), (0.4, 1.1)]):
            blocks[2 * i:2 * i + 2, 2 * i:2 * i + 2] = r * np.array([[np.cos(th), -np.sin(th)],
                                                                     [np.sin(th), np.cos(th)]])
        q = _orthogonal(d, 4)
        a = q @ blocks @ q.T
    assert np.allclose(a @ a.T, a.T @ a)  # normal
    expected = np.sort(np.log(np.abs(np.linalg.eigvals(a))))[::-1]
    res = lyapunov_spectrum(LinearMap(a), 400, transient=0, tangent_transient=100,
                            h0=rng.standard_normal(d), rng=0)
    np.testing.assert_allclose(res.exponents, expected, atol=5e-3)
    assert res.radial_rate is not None  # linear maps are positively homogeneous
    assert res.radial_rate == pytest.approx(expected[0], abs=0.02)
    assert kaplan_yorke_dimension(res.exponents) == pytest.approx(
        kaplan_yorke_dimension(expected), abs=0.05)


def test_linear_map_sum_is_log_det_exactly():
    a = np.random.default_rng(5).standard_normal((5, 5))
    res = lyapunov_spectrum(LinearMap(a), 50, transient=0, rng=1)
    assert res.exponents.sum() == pytest.approx(math.log(abs(np.linalg.det(a))), abs=1e-12)
    # non-normal too: the exponents are still the log moduli of the eigenvalues
    res = lyapunov_spectrum(LinearMap(a), 3000, transient=0, tangent_transient=200, rng=1)
    np.testing.assert_allclose(res.exponents, np.sort(np.log(np.abs(np.linalg.eigvals(a))))[::-1],
                               atol=0.02)


def test_diagonal_tanh_map():
    gains = np.array([0.5, 0.9, 1.5, 2.5, -3.0])
    f = VectorRNN([(np.diag(gains), np.zeros(5), "tanh")])
    expected = []
    for a in gains:
        if abs(a) < 1:
            expected.append(math.log(abs(a)))  # h = 0 attracts: tanh'(0) = 1
        else:
            x = 1.0
            for _ in range(2000):  # |a| > 1: x -> tanh(a x) settles on a 1- or 2-cycle of +-x*
                x = abs(math.tanh(a * x))
            expected.append(math.log(abs(a) * (1 - x * x)))
    res = lyapunov_spectrum(f, 2000, transient=500, h0=np.full(5, 0.7), rng=0, direct=True)
    np.testing.assert_allclose(res.exponents, sorted(expected, reverse=True), atol=2e-3)
    assert res.direct_lambda_max == pytest.approx(res.lambda_max, abs=1e-6)


def test_henon_map():
    res = lyapunov_spectrum(HenonMap(), 60000, transient=1000, h0=[0.1, 0.1], rng=2, direct=True)
    l1, l2 = res.exponents
    assert l1 == pytest.approx(HENON_L1, abs=0.01)
    assert l1 + l2 == pytest.approx(math.log(0.3), abs=1e-12)  # |det Df| = b everywhere
    assert res.kaplan_yorke() == pytest.approx(1.258, abs=0.01)
    assert res.ks_bound() == pytest.approx(l1)
    assert res.direct_lambda_max == pytest.approx(l1, abs=1e-4)
    assert res.split_half_difference < 0.02
    assert res.running[-1, 0] == pytest.approx(l1)  # running estimate ends at the answer
    direct = lyapunov_max_direct(HenonMap(), 60000, h0=[0.1, 0.1], transient=1000, rng=7)
    assert direct.lambda_max == pytest.approx(HENON_L1, abs=0.01)
    # a generic system given as two plain functions works the same way
    hen = HenonMap()
    fm = FunctionMap(hen.step, hen.jacobian, dim=2)
    res2 = lyapunov_spectrum(fm, 3000, transient=100, h0=[0.1, 0.1], rng=2)
    res3 = lyapunov_spectrum(hen, 3000, transient=100, h0=[0.1, 0.1], rng=2)
    np.testing.assert_allclose(res2.exponents, res3.exponents, atol=1e-12)


def test_kernels_agree_and_qr_interval():
    f = sample_vector_map("rnn", 40, gain=2.5, rng=3)
    a = lyapunov_spectrum(f, 300, transient=200, rng=5, method="householder")
    b = lyapunov_spectrum(f, 300, transient=200, rng=5, method="qr")
    assert a.method == "householder" and b.method == "qr"
    np.testing.assert_allclose(a.exponents, b.exponents, atol=1e-9)
    c = lyapunov_spectrum(f, 300, transient=200, rng=5, qr_interval=3)
    np.testing.assert_allclose(c.exponents[:20], a.exponents[:20], atol=1e-8)
    assert c.cond_max >= a.cond_max
    for r in (a, b, c):
        assert r.orthogonality_error < 1e-12
        assert r.exponents[0] > 0  # gain 2.5: chaotic


def test_householder_kernel_never_overwrites_a_users_jacobian():
    a = np.asfortranarray(np.random.default_rng(0).standard_normal((20, 20)) / 4)
    keep = a.copy()
    fm = FunctionMap(lambda h: h @ a.T, lambda h: a, dim=20)  # returns the same array every call
    res = lyapunov_spectrum(fm, 30, transient=0, rng=0, method="householder")
    np.testing.assert_array_equal(a, keep)
    ref = lyapunov_spectrum(LinearMap(keep), 30, transient=0, rng=0, method="qr", normalize=False)
    np.testing.assert_allclose(res.exponents, ref.exponents, atol=1e-10)


def test_leading_k_equals_head_of_full_spectrum():
    f = sample_vector_map("two_layer", 30, activation="tanh", gain=2.0, rng=8)
    q0 = np.random.default_rng(0).standard_normal((30, 30))
    full = lyapunov_spectrum(f, 200, transient=50, q0=q0, rng=1, method="qr", record=5)
    for k, method in [(5, "qr"), (20, "householder"), (1, "qr")]:
        lead = lyapunov_spectrum(f, 200, transient=50, q0=q0[:, :k], k=k, rng=1, method=method)
        np.testing.assert_allclose(lead.exponents, full.exponents[:k], atol=1e-9)
        ky = lead.kaplan_yorke()  # decided only once the partial sums turn negative
        assert (math.isnan(ky) and k < 20) or ky == pytest.approx(full.kaplan_yorke(), abs=1e-8)
    assert lyapunov_max(f, 200, transient=50, q0=q0[:, :1], rng=1) == pytest.approx(full.lambda_max)


def test_batched_maps_equal_separate_runs():
    maps = [sample_vector_map("leaky", 12, gain=g, rng=i) for i, g in enumerate([0.5, 3.0, 6.0])]
    batch = VectorRNN.stack(maps)
    h0 = np.random.default_rng(2).standard_normal((3, 12))
    q0 = np.random.default_rng(3).standard_normal((3, 12, 4))
    res = lyapunov_spectrum(batch, 300, k=4, transient=100, h0=h0, q0=q0, direct=True)
    assert res.exponents.shape == (3, 4) and res.batch == (3,)
    for i, m in enumerate(maps):
        one = lyapunov_spectrum(m, 300, k=4, transient=100, h0=h0[i], q0=q0[i], method="qr")
        np.testing.assert_allclose(res.exponents[i], one.exponents, atol=1e-11)
    np.testing.assert_allclose(res.direct_lambda_max, res.lambda_max, atol=1e-5)
    assert json.dumps(res.to_json(1), allow_nan=False)
    with pytest.raises(SpecError):
        res.to_json()
    with pytest.raises(SpecError, match="householder"):
        lyapunov_spectrum(batch, 10, method="householder")


def test_homogeneous_maps_are_followed_on_the_sphere():
    f = sample_vector_map("two_layer", 16, activation="relu", weight_init="normal(std=0.4)", rng=0)
    h0 = np.abs(np.random.default_rng(1).standard_normal(16))
    on = lyapunov_spectrum(f, 60, k=3, transient=0, h0=h0, rng=2, normalize=True)
    off = lyapunov_spectrum(f, 60, k=3, transient=0, h0=h0, rng=2, normalize=False)
    np.testing.assert_allclose(on.exponents, off.exponents, atol=1e-10)
    assert off.radial_rate is None and on.radial_rate > 0
    # growth of the unnormalized orbit
    h, growth = iterate(f, h0, 60)
    raw = h0
    for _ in range(60):
        raw = f.step(raw)
    assert growth - 0 == pytest.approx(math.log(np.linalg.norm(raw) / np.linalg.norm(h0)), rel=1e-10)
    assert on.radial_rate == pytest.approx(growth / 60, rel=1e-9)
    # 5000 steps would overflow without the sphere; with it everything stays finite
    long = lyapunov_spectrum(f, 5000, k=1, transient=0, h0=h0, rng=2)
    assert not long.diverged and np.isfinite(long.lambda_max)


def test_divergence_is_flagged():
    f = VectorRNN([(2.0 * np.eye(2), np.ones(2), "relu")])  # bias: not homogeneous, grows 2^t
    res = lyapunov_spectrum(f, 1500, transient=0, h0=[1.0, 1.0], rng=0)
    assert res.diverged
    assert res.to_json()["diverged"] is True


def test_collapsed_directions_are_minus_infinity():
    f = VectorRNN([(np.diag([2.0, 0.0]), np.zeros(2), "identity")])
    res = lyapunov_spectrum(f, 10, transient=0, h0=[1.0, 1.0], q0=np.eye(2), rng=0)
    assert res.exponents[0] == pytest.approx(math.log(2))
    assert res.exponents[1] == -math.inf
    out = res.to_json()
    assert out["exponents"][1] is None and out["minus_infinity"] == [1]
    assert json.dumps(out, allow_nan=False)
    assert kaplan_yorke_dimension(res.exponents) == 1.0


def test_kaplan_yorke_and_ks_bound():
    assert kaplan_yorke_dimension([-0.1, -0.5]) == 0.0
    assert kaplan_yorke_dimension([0.5, 0.2, -1.4]) == pytest.approx(2.5)
    assert kaplan_yorke_dimension([0.5, 0.2]) == 2.0
    assert math.isnan(kaplan_yorke_dimension([0.5, 0.2], complete=False))
    assert kaplan_yorke_dimension([0.5, -0.9, 0.2], complete=False) == pytest.approx(2 + 0.7 / 0.9)
    np.testing.assert_allclose(kaplan_yorke_dimension(np.array([[0.1, -0.2], [-0.1, -0.2]])), [1.5, 0.0])
    assert math.isnan(kaplan_yorke_dimension([np.nan, 0.1]))
    assert ks_entropy_bound([0.3, 0.2, -5.0]) == pytest.approx(0.5)
    assert ks_entropy_bound([-0.1, -math.inf]) == 0.0
    with pytest.raises(SpecError):
        kaplan_yorke_dimension([])


def test_input_validation_and_seed_records():
    f = sample_vector_map("rnn", 4, rng=0)
    for kw in [dict(steps=0), dict(k=5), dict(k=0), dict(qr_interval=0), dict(transient=-1),
               dict(method="svd"), dict(h0=[1.0, 2.0]), dict(h0=[np.nan] * 4), dict(rng=-1),
               dict(q0=np.full((4, 4), np.inf))]:
        kw = {"steps": 10, **kw}
        with pytest.raises(SpecError):
            lyapunov_spectrum(f, kw.pop("steps"), **kw)
    with pytest.raises(SpecError):
        lyapunov_spectrum(object(), 10)
    with pytest.raises(SpecError):
        lyapunov_max_direct(f, 10, eps=2.0)
    assert lyapunov_spectrum(f, 5, transient=0, rng=17).seed == 17
    ss = np.random.SeedSequence(4, spawn_key=(1, 2))
    assert lyapunov_spectrum(f, 5, transient=0, rng=ss).seed == {"entropy": 4, "spawn_key": [1, 2]}
    assert seed_record(np.random.default_rng(ss)) == {"entropy": 4, "spawn_key": [1, 2]}
    a = lyapunov_spectrum(f, 50, rng=3)
    b = lyapunov_spectrum(f, 50, rng=3)
    np.testing.assert_array_equal(a.exponents, b.exponents)


# ---------------------------------------------------------------- CLI
def _cli(argv):
    parser = argparse.ArgumentParser(prog="rnnchaos")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["lyapunov", *argv])
    return args.func(args)


def test_cli_preset_json(capsys):
    assert _cli(["--preset", "rnn_tanh", "--dim", "24", "--gain", "3", "--seed", "4", "--steps", "400",
                 "--transient", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ex = out["exponents"]
    assert len(ex) == 24 and ex == sorted(ex, reverse=True)
    assert out["units"] == "natural log per iteration"
    assert out["seed"] == 4 and out["index"] == 0 and out["rng"] == {"entropy": 4, "spawn_key": [0, 1]}
    d = out["diagnostics"]
    for key in ("split_half_difference", "cond_max", "orthogonality_error", "running", "direct_lambda_max"):
        assert key in d
    assert abs(d["direct_difference"]) < 1e-5
    assert out["kaplan_yorke_dimension"] is not None and out["ks_entropy_bound"] >= 0


def test_cli_spec_text_and_leading_k(tmp_path, capsys):
    f = sample_vector_map("rnn", 6, gain=4.0, rng=1)
    path = tmp_path / "leaky.json"
    path.write_text(f.to_json())
    assert _cli([str(path), "--k", "1", "--steps", "300", "--qr-interval", "2"]) == 0
    text = capsys.readouterr().out
    assert "natural log per iteration" in text and "k = 1 of 6" in text and "undecided" in text
    assert _cli([str(path), "--k", "2", "--steps", "300", "--json", "--no-direct"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["exponents"]) == 2 and out["diagnostics"]["direct_lambda_max"] is None


def test_cli_paper_preset_with_std(capsys):
    assert _cli(["--preset", "paper_jacobian", "--dim", "16", "--std", "0.3", "--steps", "200",
                 "--transient", "50", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["preset"]["weight_init"].startswith("normal(std=0.3")
    assert out["radial_rate"] is not None


@pytest.mark.parametrize("argv,field", [
    ([], "spec"),
    (["--preset", "rnn_tanh"], "--dim"),
    (["--preset", "rnn_tanh", "--dim", "4", "--k", "5"], "--k"),
    (["--preset", "rnn_tanh", "--dim", "4", "--steps", "0"], "--steps"),
    (["--preset", "rnn_tanh", "--dim", "x"], "--dim"),
    (["--preset", "rnn_tanh", "--dim", "4", "--gain", "-1"], "--gain"),
    (["--preset", "rnn_tanh", "--dim", "4", "--gain", "2", "--std", "0.1"], "--std"),
    (["--preset", "nope", "--dim", "4"], "preset"),
    (["spec.json", "--preset", "rnn_tanh", "--dim", "4"], "spec"),
    (["missing.json"], "spec"),
    (["missing.json", "--gain", "2"], "--gain"),
])
def test_cli_bad_input_raises_spec_error(argv, field, tmp_path, monkeypatch, capsys):
    from rnnchaos.cli.main import main
    monkeypatch.chdir(tmp_path)
    assert main(["lyapunov", *argv]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and field in lines[0], lines


def test_cli_rejects_a_non_square_spec(tmp_path):
    path = tmp_path / "scalar.json"
    path.write_text('{"layers": [{"weight": [[1.0], [2.0]], "bias": [0, 0], "activation": "relu"},'
                    ' {"weight": [[1.0, 1.0]], "bias": [0]}]}')
    assert _cli([str(path), "--steps", "50"]) == 0  # a scalar map is a 1-d vector map
    path.write_text('{"layers": [{"weight": [[1.0, 0.5]], "bias": [0], "activation": "relu"}]}')
    with pytest.raises(SpecError, match="in_features"):
        _cli([str(path)])
