"""The torch backend of the Lyapunov spectra, on CPU tensors: known spectra, agreement with the
NumPy path (same maps, same seeds), the QR kernels, imported modules, float32, errors, the CLI."""
import argparse
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from rnnchaos.dynamics.lyapunov import lyapunov_max, lyapunov_spectrum
from rnnchaos.errors import SpecError
from rnnchaos.networks.vector import (
    FunctionMap,
    HenonMap,
    LinearMap,
    VectorRNN,
    build_vector_preset,
    sample_vector_batch,
    sample_vector_map,
    sample_vector_maps,
)

torch = pytest.importorskip("torch", reason="torch is not installed (the optional extra)")

from rnnchaos.dynamics.lyapunov_torch import (  # noqa: E402
    cholesky_qr2,
    householder_qr,
    lyapunov_spectrum_torch,
    orthonormalize,
    resolve_device,
    to_device,
)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """The frames here are tiny: torch's OpenMP threads only compete with each other (and with
    whatever else shares the cores), several times slower than one thread on a loaded machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# Tolerances (stated): float64 runs of the two paths over T steps differ by rounding amplified
# by at most exp(lambda_max T); the runs compared below keep that far under AGREE64.
AGREE64 = 1e-9
F64 = torch.float64


def _orthogonal(d, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q * np.sign(np.diag(r))


# ---------------------------------------------------------------- known spectra
@pytest.mark.parametrize("method", ["cholesky_qr2", "householder"])
def test_symmetric_linear_map_gives_log_moduli_of_eigenvalues(method):
    q = _orthogonal(6, 2)
    eig = np.array([1.5, -1.2, 0.9, 0.5, -0.3, 0.1])
    a = q @ np.diag(eig) @ q.T
    r = lyapunov_spectrum_torch(LinearMap(a), 300, transient=0, tangent_transient=200,
                                method=method, rng=1)
    expected = np.sort(np.log(np.abs(eig)))[::-1]
    assert np.max(np.abs(r.exponents - expected)) < 1e-9
    assert abs(float(r.radial_rate) - math.log(1.5)) < 1e-2  # |h| grows with the top modulus
    assert r.orthogonality_error < 1e-12 and r.method == method


def test_henon_sum_is_log_b_and_lambda_max_matches_the_literature():
    r = lyapunov_spectrum_torch(HenonMap(), 1000, h0=[0.1, 0.1], transient=100, direct=True)
    assert abs(float(r.exponents.sum()) - math.log(0.3)) < 1e-10  # det Df = -b at every step
    assert abs(float(r.lambda_max) - 0.41922) < 0.04  # finite-time error of 1000 steps
    assert abs(float(r.direct_lambda_max) - float(r.lambda_max)) < 1e-6  # same tangent direction


def test_diagonal_tanh_map_has_the_fixed_point_exponents():
    """h_i -> tanh(a_i h_i): coordinate i settles on 0 (a_i < 1) or on p = tanh(a_i p) > 0."""
    a = np.array([0.5, 0.8, 1.5, 2.5])
    f = VectorRNN([(np.diag(a), np.zeros(4), "tanh")])
    p = np.ones(4)
    for _ in range(2000):  # the fixed points, by plain scalar iteration (independent of the QR code)
        p = np.tanh(a * p)
    expected = np.sort(np.log(a * (1.0 - p * p)))[::-1]
    r = lyapunov_spectrum_torch(f, 400, h0=np.full(4, 0.7), transient=600, tangent_transient=50)
    assert np.max(np.abs(r.exponents - expected)) < 1e-8


# ---------------------------------------------------------------- agreement with the NumPy path
def _batch(case):
    if case == "two_layer_leaky_relu":  # positively homogeneous with a full-rank Jacobian
        return sample_vector_maps(6, 4, kind="two_layer", dim=12, activation="leaky_relu", gain=1.3)
    preset, gain = case.split(":")
    return sample_vector_batch(build_vector_preset(preset, 12, gain=float(gain)), 4, 6)


# (ReLU maps collapse directions: their lower exponents sit at round-off level, log(1e-16) per
# collapse, and are not reproducible digits on any path; they are left out of this comparison.)
@pytest.mark.parametrize("case", ["rnn_tanh:2.5", "two_layer_leaky_relu", "leaky_tanh:3.0"])
def test_batched_spectra_agree_with_the_numpy_path(case):
    maps = _batch(case)
    kw = dict(transient=30, tangent_transient=10, rng=np.random.SeedSequence(9), direct=True)
    ref = lyapunov_spectrum(maps, 40, **kw)
    got = lyapunov_spectrum_torch(maps, 40, **kw)
    assert got.batch == ref.batch == (6,)
    assert np.max(np.abs(got.exponents - ref.exponents)) < AGREE64
    assert np.max(np.abs(got.running - ref.running)) < AGREE64
    np.testing.assert_array_equal(got.running_steps, ref.running_steps)
    for name in ("first_half", "second_half", "split_half_difference"):
        assert np.nanmax(np.abs(getattr(got, name) - getattr(ref, name))) < AGREE64, name
    assert np.allclose(got.cond_max, ref.cond_max, rtol=1e-7)
    assert (got.radial_rate is None) == (ref.radial_rate is None)
    if ref.radial_rate is not None:
        assert np.max(np.abs(got.radial_rate - ref.radial_rate)) < AGREE64
    # eps = 1e-8: rounding of the states (1e-16) is 1e-8 relative to the separation
    assert np.max(np.abs(got.direct_lambda_max - ref.direct_lambda_max)) < 1e-6
    assert got.orthogonality_error < 1e-12 and not got.diverged.any()


def test_unbatched_leading_k_and_lambda_max_agree_and_dispatch_through_lyapunov_spectrum():
    f = sample_vector_map("rnn", 40, gain=2.0, rng=3)
    ref = lyapunov_spectrum(f, 30, k=5, transient=20, rng=2)
    got = lyapunov_spectrum(f, 30, k=5, transient=20, rng=2, device="cpu")
    assert got.device == "cpu" and got.dtype == "float64"
    assert np.max(np.abs(got.exponents - ref.exponents)) < AGREE64
    lam = lyapunov_max(f, 30, transient=20, rng=2, device="cpu")
    assert abs(float(lam) - float(lyapunov_max(f, 30, transient=20, rng=2))) < AGREE64
    out = got.to_json()
    assert out["backend"] == {"library": "torch", "device": "cpu", "dtype": "float64",
                              "qr_kernel": "cholesky_qr2", "householder_fallbacks": 0}


def test_both_torch_kernels_agree_on_a_long_chaotic_run():
    # the first of a few seeded draws whose lambda_max (NumPy path) is clearly positive
    maps = sample_vector_maps(8, 0, kind="rnn", dim=24, gain=3.0)
    f = next(maps[i] for i in range(8) if float(lyapunov_max(maps[i], 300, transient=100, rng=0)) > 0.1)
    a = lyapunov_spectrum_torch(f, 300, transient=100, method="cholesky_qr2", rng=0)
    b = lyapunov_spectrum_torch(f, 300, transient=100, method="householder", rng=0)
    assert a.lambda_max > 0.05  # chaotic: the test is not about a fixed point
    # same orbit (the state does not depend on the kernel); the frames differ by rounding only
    assert np.max(np.abs(a.exponents - b.exponents)) < 1e-8


# ---------------------------------------------------------------- QR kernels
def test_cholesky_qr2_matches_householder_and_falls_back_where_it_must():
    gen = np.random.default_rng(0)
    d, k, n = 20, 6, 5
    m = gen.standard_normal((n, d, k))
    u, _, vt = np.linalg.svd(gen.standard_normal((d, k)), full_matrices=False)
    m[1] = (u * np.logspace(0, -12, k)) @ vt  # cond 1e12: Cholesky-QR2 cannot
    m[3][:, 2] = 0.0                          # singular: a collapsed direction
    mt = torch.as_tensor(m)
    q, rdiag, bad = cholesky_qr2(mt)
    assert bad.tolist() == [False, True, False, True, False]
    rd_ref = np.abs(np.diagonal(np.linalg.qr(m)[1], axis1=-2, axis2=-1))
    # R_ii of a backward-stable QR are accurate to u |M| (normwise), not to u |R_ii|
    scale = rd_ref.max(axis=-1, keepdims=True)
    assert np.max(np.abs(rdiag.numpy() - rd_ref) / scale) < 1e-12
    assert rdiag[3, 2] == 0.0  # exactly: log gives -inf, as on the NumPy path
    qn = q.numpy()
    ok = [0, 1, 2, 4]
    assert np.max(np.abs(np.swapaxes(qn[ok], -1, -2) @ qn[ok] - np.eye(k))) < 1e-13
    r_full = np.swapaxes(qn, -1, -2) @ m  # M = Q R: R = Q^T M is upper triangular
    assert np.max(np.abs(np.tril(r_full[ok], -1))) < 1e-12
    q2, rd2, nb = orthonormalize(mt)
    assert nb == 2 and torch.equal(rd2, rdiag)
    qh, rdh = householder_qr(mt)
    assert np.max(np.abs(rdh.numpy() - rd_ref) / scale) < 1e-12


def test_k1_is_a_normalization():
    v = torch.tensor([[[3.0], [4.0]]], dtype=F64)
    q, n, nb = orthonormalize(v)
    assert n.tolist() == [[5.0]] and q.squeeze().tolist() == [0.6, 0.8] and nb == 0


# ---------------------------------------------------------------- imported torch modules
def _modules():
    torch.manual_seed(0)
    return {"gru2": torch.nn.GRU(3, 5, num_layers=2), "lstm": torch.nn.LSTM(2, 4),
            "rnn_relu2": torch.nn.RNN(2, 4, num_layers=2, nonlinearity="relu"),
            "seq": torch.nn.Sequential(torch.nn.Linear(6, 6), torch.nn.Tanh(), torch.nn.Linear(6, 6))}


def _native_step(module, s):
    """s -> s' by calling the module itself (float64 copy): the reference for the device step."""
    module = module.double()
    if isinstance(module, torch.nn.Sequential):
        return module(s)
    L, H = module.num_layers, module.hidden_size
    x = torch.zeros(1, 1, module.input_size, dtype=F64)
    if isinstance(module, torch.nn.LSTM):
        h, c = s[:L * H].reshape(L, 1, H), s[L * H:].reshape(L, 1, H)
        _, (hn, cn) = module(x, (h, c))
        return torch.cat([hn.reshape(-1), cn.reshape(-1)])
    _, hn = module(x, s.reshape(L, 1, H))
    return hn.reshape(-1)


@pytest.mark.parametrize("name", ["gru2", "lstm", "rnn_relu2", "seq"])
def test_imported_modules_step_as_torch_and_their_jvp_matches_finite_differences(name):
    module = _modules()[name]
    twin = to_device(module, "cpu")
    gen = np.random.default_rng(1)
    s = torch.as_tensor(gen.standard_normal(twin.dim))
    with torch.no_grad():
        assert torch.allclose(twin.step(s), _native_step(module, s), atol=1e-13, rtol=0)
        v = torch.as_tensor(gen.standard_normal((twin.dim, 3)))
        jv = twin.jvp(s, v)
        eps = 1e-6
        fd = torch.stack([(twin.step(s + eps * v[:, j]) - twin.step(s - eps * v[:, j])) / (2 * eps)
                          for j in range(3)], dim=-1)
    assert torch.allclose(jv, fd, atol=1e-8, rtol=0)  # central differences: O(eps^2) + O(u/eps)


@pytest.mark.parametrize("name", ["gru2", "lstm"])
def test_imported_module_spectra_agree_with_the_numpy_closed_form(name):
    from rnnchaos.networks.torch_import import from_torch
    module = _modules()[name]
    ref = lyapunov_spectrum(from_torch(module), 60, transient=40, rng=4)
    got = lyapunov_spectrum_torch(module, 60, transient=40, rng=4)
    assert np.max(np.abs(got.exponents - ref.exponents)) < AGREE64


# ---------------------------------------------------------------- float32
def test_float32_accuracy_cost_on_known_spectra():
    q = _orthogonal(6, 2)
    eig = np.array([1.5, -1.2, 0.9, 0.5, -0.3, 0.1])
    r = lyapunov_spectrum_torch(LinearMap(q @ np.diag(eig) @ q.T), 300, transient=0,
                                tangent_transient=200, dtype="float32", rng=1)
    # per-step log|R_ii| carry float32 rounding, about 1e-7 relative; averaged, not accumulated
    assert np.max(np.abs(r.exponents - np.sort(np.log(np.abs(eig)))[::-1])) < 1e-5
    assert r.dtype == "float32" and r.orthogonality_error < 1e-5
    h = lyapunov_spectrum_torch(HenonMap(), 1000, h0=[0.1, 0.1], transient=100, dtype="float32",
                                direct=True)
    assert abs(float(h.exponents.sum()) - math.log(0.3)) < 1e-5
    assert abs(float(h.lambda_max) - 0.41922) < 0.04
    assert h.direct_eps == 1e-3 and abs(float(h.direct_lambda_max - h.lambda_max)) < 0.02


def test_float32_full_spectrum_of_a_stable_tanh_rnn_and_the_auto_kernel_switch():
    # lambda_max < 0: both precisions follow the same attracting orbit, so the difference is
    # the float32 accuracy cost (measured 4e-5), not chaos; its frames span exp(7) per step
    f = sample_vector_map("rnn", 32, gain=2.0, rng=np.random.SeedSequence(0, spawn_key=(0,)))
    r64 = lyapunov_spectrum_torch(f, 200, transient=300, rng=1)
    r32 = lyapunov_spectrum_torch(f, 200, transient=300, rng=1, dtype="float32")
    assert r64.lambda_max < 0 and r64.method == "cholesky_qr2" and r64.fallbacks == 0
    assert r32.method == "householder" and r32.fallbacks > 0  # Cholesky-QR2 gave up in warm-up
    assert np.max(np.abs(r32.exponents - r64.exponents)) < 1e-3
    twin = to_device(f, "cpu", "float32")  # a twin keeps its dtype unless one is given
    assert lyapunov_spectrum_torch(twin, 5, transient=0).dtype == "float32"
    assert lyapunov_spectrum_torch(twin, 5, transient=0, dtype="float64").dtype == "float64"


# ---------------------------------------------------------------- errors, optional import, CLI
def test_bad_arguments_are_spec_errors():
    f = sample_vector_map("rnn", 4, rng=0)
    with pytest.raises(SpecError, match="dtype"):
        lyapunov_spectrum_torch(f, 10, dtype="float16")
    with pytest.raises(SpecError, match="method"):
        lyapunov_spectrum_torch(f, 10, method="qr")
    with pytest.raises(SpecError, match="device"):
        resolve_device("tpu")
    with pytest.raises(SpecError, match="system"):
        to_device(FunctionMap(lambda h: h, lambda h: np.eye(1), dim=1), "cpu")
    with pytest.raises(SpecError, match="k"):
        lyapunov_spectrum_torch(f, 10, k=5)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_one_clear_line_and_exit_2(capsys):
    from rnnchaos.cli.main import main
    assert main(["lyapunov", "--preset", "rnn_tanh", "--dim", "4", "--device", "cuda"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--device" in err[0] and "CUDA is not available" in err[0]


def test_cli_device_json_matches_the_numpy_cli(capsys):
    from rnnchaos.cli.vector import register
    p = argparse.ArgumentParser()
    register(p.add_subparsers(dest="command"))
    base = ["lyapunov", "--preset", "rnn_tanh", "--dim", "8", "--gain", "2.5", "--steps", "30",
            "--transient", "20", "--json"]
    outs = []
    for extra in ([], ["--device", "cpu"]):
        a = p.parse_args(base + extra)
        assert a.func(a) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert "backend" not in outs[0] and outs[1]["backend"]["device"] == "cpu"
    assert np.allclose(outs[0]["exponents"], outs[1]["exponents"], atol=AGREE64, rtol=0)
    a = p.parse_args(base + ["--dtype", "float32"])
    with pytest.raises(SpecError, match="--dtype"):
        a.func(a)


def test_the_numpy_path_does_not_import_torch():
    code = ("import sys, numpy as np\n"
            "import rnnchaos, rnnchaos.dynamics.lyapunov, rnnchaos.studies.jacobian, rnnchaos.cli\n"
            "from rnnchaos.networks.vector import HenonMap\n"
            "rnnchaos.dynamics.lyapunov.lyapunov_spectrum(HenonMap(), 20, h0=[0.1, 0.1], transient=5)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lambda_max_sweep_on_the_torch_backend_matches_the_numpy_sweep(tmp_path):
    from rnnchaos.studies.jacobian import lambda_max_sweep
    kw = dict(preset="rnn_tanh", dims=[10], gains=[0.5, 3.0], n=8, seed=2, steps=60, transient=30,
              tangent_transient=10)
    ref = lambda_max_sweep(**kw)
    got = lambda_max_sweep(**kw, device="cpu", out=tmp_path / "s")
    assert [r["count"] for r in got] == [r["count"] for r in ref] and ref[1]["count"] > 0
    for a, b in zip(got, ref):
        assert abs(a["median_lambda_max"] - b["median_lambda_max"]) < 1e-6
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["config"]["backend"] == {"library": "torch", "device": "cpu", "dtype": "float64"}
    with pytest.raises(SpecError, match="workers"):
        lambda_max_sweep(**kw, device="cpu", workers=2)


def test_doctests_of_the_backend():
    import doctest

    import rnnchaos.dynamics.lyapunov_torch as mod
    assert doctest.testmod(mod).failed == 0


def test_a_collapsed_direction_is_minus_infinity_on_both_paths():
    f = LinearMap(np.diag([2.0, 0.0, 0.5]))  # unbatched: the fallback of a single frame
    ref = lyapunov_spectrum(f, 20, transient=0, tangent_transient=5)
    got = lyapunov_spectrum_torch(f, 20, transient=0, tangent_transient=5)
    assert got.exponents[-1] == -math.inf == ref.exponents[-1]
    assert np.allclose(got.exponents[:2], np.log([2.0, 0.5]), atol=1e-12)
    assert got.to_json()["minus_infinity"] == [2]
    # every warm-up Cholesky-QR2 failed (singular Gram matrix), so auto measured with Householder
    assert got.fallbacks == 5 and got.method == "householder"


def test_a_gain_by_seed_grid_is_one_batch_with_the_draws_of_each_row():
    from rnnchaos.dynamics.lyapunov_torch import lyapunov_spectrum_grid
    gains = (0.5, 2.5, 3.5)
    grid = [sample_vector_batch(build_vector_preset("rnn_tanh", 10, gain=g), 3, 4) for g in gains]
    got = lyapunov_spectrum_grid(grid, 40, k=2, transient=30, tangent_transient=10, rng=7,
                                 direct=True)
    assert got.batch == (3, 4) and got.exponents.shape == (3, 4, 2)
    assert got.running.shape[1:] == (3, 4, 2) and got.direct_lambda_max.shape == (3, 4)
    # each row: what the NumPy path gives for that batch alone.  1e-7, not AGREE64: one map here
    # is nearly neutral (lambda_max = -0.016 over 70 steps), which amplifies rounding; wrong draws
    # would differ by 1e-2
    for g, maps in enumerate(grid):
        ref = lyapunov_spectrum(maps, 40, k=2, transient=30, tangent_transient=10, rng=7, direct=True)
        assert np.max(np.abs(got.exponents[g] - ref.exponents)) < 1e-7
        assert np.max(np.abs(got.split_half_difference[g] - ref.split_half_difference)) < 1e-7
        assert np.max(np.abs(got.direct_lambda_max[g] - ref.direct_lambda_max)) < 1e-6
    with pytest.raises(SpecError, match="h0"):
        lyapunov_spectrum_grid(grid, 5, h0=np.zeros(10))
