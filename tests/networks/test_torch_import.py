"""PyTorch import: maps and Jacobians against torch itself, state dicts, safety, missing torch."""
import json
import pickle
import sys

import numpy as np
import pytest

from rnnchaos.dynamics.lyapunov import lyapunov_spectrum
from rnnchaos.errors import RnnchaosError, SpecError
from rnnchaos.networks.torch_import import (
    TORCH_MISSING,
    RecurrentCellMap,
    TorchNotInstalledError,
    from_state_dict,
    from_torch,
    load_state_dict,
    load_torch_map,
    require_torch,
)
from rnnchaos.networks.vector import VectorRNN

try:
    import torch
    nn = torch.nn
except ImportError:  # the missing-torch test below still runs
    torch = nn = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _seed(s):
    torch.manual_seed(s)


def _torch_step(module, kind, layers, hidden, x):
    """The state map s -> s' implemented with the torch module itself (float64)."""
    def step(s):
        if isinstance(module, (nn.RNNCell, nn.GRUCell)):
            return module(x, s)
        if isinstance(module, nn.LSTMCell):
            h, c = module(x, (s[:hidden], s[hidden:]))
            return torch.cat([h, c])
        if kind == "lstm":
            h0 = s[:layers * hidden].reshape(layers, hidden)
            c0 = s[layers * hidden:].reshape(layers, hidden)
            _, (h, c) = module(x[None], (h0, c0))
            return torch.cat([h.reshape(-1), c.reshape(-1)])
        _, h = module(x[None], s.reshape(layers, hidden))
        return h.reshape(-1)
    return step


MODULES = {
    "rnn_tanh_1": lambda: nn.RNN(3, 5),
    "rnn_relu_1": lambda: nn.RNN(3, 5, nonlinearity="relu"),
    "rnn_tanh_3_nobias": lambda: nn.RNN(3, 4, num_layers=3, bias=False),
    "gru_1": lambda: nn.GRU(3, 5),
    "gru_2": lambda: nn.GRU(2, 4, num_layers=2),
    "lstm_1": lambda: nn.LSTM(3, 4),
    "lstm_2": lambda: nn.LSTM(2, 3, num_layers=2, batch_first=True),
    "rnncell_relu": lambda: nn.RNNCell(3, 5, nonlinearity="relu"),
    "grucell": lambda: nn.GRUCell(3, 5),
    "lstmcell": lambda: nn.LSTMCell(3, 4),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("with_input", [False, True], ids=["zero_input", "fixed_input"])
def test_recurrent_maps_and_jacobians_match_torch(name, with_input):
    _seed(sorted(MODULES).index(name))
    module = MODULES[name]().double()
    with torch.no_grad():
        for p in module.parameters():
            p.mul_(2.0)  # away from the contracting regime: a more demanding test
    kind = "lstm" if "lstm" in name else "gru" if "gru" in name else "rnn"
    layers = getattr(module, "num_layers", 1)
    hidden = module.hidden_size
    x = torch.randn(module.input_size, dtype=torch.float64) if with_input else \
        torch.zeros(module.input_size, dtype=torch.float64)
    f = from_torch(module, input=x.numpy() if with_input else None)
    expected_dim = layers * hidden * (2 if kind == "lstm" else 1)
    assert f.dim == expected_dim
    if kind == "rnn" and layers == 1:
        assert isinstance(f, VectorRNN)  # JSON-exportable
    else:
        assert isinstance(f, RecurrentCellMap)
    step = _torch_step(module, kind, layers, hidden, x)
    rng = np.random.default_rng(0)
    for _ in range(3):
        s = rng.standard_normal(f.dim)
        st = torch.tensor(s)
        with torch.no_grad():
            want = step(st).numpy()
        np.testing.assert_allclose(f.step(s), want, atol=1e-12)
        jac_t = torch.autograd.functional.jacobian(step, st).numpy()
        np.testing.assert_allclose(f.jacobian(s), jac_t, atol=1e-11)
    # batched states and jvp agree with the Jacobian
    hs = rng.standard_normal((4, f.dim))
    v = rng.standard_normal((4, f.dim, 3))
    np.testing.assert_allclose(f.jvp(hs, v), f.jacobian(hs) @ v, atol=1e-12)
    np.testing.assert_allclose(f.step(hs)[2], f.step(hs[2]), atol=1e-14)


@needs_torch
def test_sequential_matches_torch():
    _seed(1)
    seq = nn.Sequential(nn.Linear(6, 9), nn.LeakyReLU(0.2), nn.Linear(9, 7, bias=False),
                        nn.Hardtanh(-0.5, 0.8), nn.Identity(), nn.Linear(7, 6), nn.Tanh()).double()
    f = from_torch(seq)
    assert isinstance(f, VectorRNN) and f.dim == 6 and len(f.weights) == 3
    assert [a.name for a in f.activations] == ["leaky_relu", "hardtanh", "tanh"]
    rng = np.random.default_rng(2)
    for _ in range(3):
        s = rng.standard_normal(6)
        st = torch.tensor(s)
        with torch.no_grad():
            np.testing.assert_allclose(f.step(s), seq(st).numpy(), atol=1e-13)
        np.testing.assert_allclose(f.jacobian(s),
                                   torch.autograd.functional.jacobian(seq, st).numpy(), atol=1e-12)
    # the paper's 64-d map, as its torch module
    paper = nn.Sequential(nn.Linear(64, 64, bias=False), nn.ReLU(), nn.Linear(64, 64, bias=False))
    g = from_torch(paper)
    assert g.positively_homogeneous and [a.name for a in g.activations] == ["relu", "identity"]
    single = from_torch(nn.Linear(3, 3))
    assert single.dim == 3 and single.activations[0].name == "identity"


@needs_torch
def test_float32_modules_are_copied_to_float64():
    _seed(3)
    rnn = nn.RNN(2, 3)
    f = from_torch(rnn)
    assert f.weights[0].dtype == np.float64
    s = np.random.default_rng(0).standard_normal(3)
    with torch.no_grad():
        want = rnn(torch.zeros(1, 2), torch.tensor(s, dtype=torch.float32)[None])[1][0].double().numpy()
    np.testing.assert_allclose(f.step(s), want, atol=1e-6)


@needs_torch
def test_state_dict_files_and_detection(tmp_path):
    _seed(4)
    gru = nn.GRU(3, 4, num_layers=2).double()
    path = tmp_path / "gru.pt"
    torch.save(gru.state_dict(), path)
    f = load_torch_map(str(path))
    g = from_torch(gru)
    s = np.random.default_rng(1).standard_normal(8)
    np.testing.assert_allclose(f.step(s), g.step(s), atol=0)
    # wrapped under "state_dict" and with a prefix
    torch.save({"state_dict": {f"rnn.{k}": v for k, v in gru.state_dict().items()}}, tmp_path / "w.pt")
    h = from_state_dict(load_state_dict(str(tmp_path / "w.pt")), prefix="rnn.")
    np.testing.assert_allclose(h.step(s), g.step(s), atol=0)
    with pytest.raises(SpecError, match="gru"):
        load_torch_map(str(path), kind="lstm")
    # an RNN state dict does not record its nonlinearity
    rnn = nn.RNN(2, 3, nonlinearity="relu")
    fr = from_state_dict(rnn.state_dict(), nonlinearity="relu")
    assert fr.activations[0].name == "relu"
    # Sequential: activations must be given
    seq = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))
    with pytest.raises(SpecError, match="activations"):
        from_state_dict(seq.state_dict())
    fs = from_state_dict(seq.state_dict(), activations=["relu", "identity"])
    s4 = np.random.default_rng(2).standard_normal(4)
    with torch.no_grad():
        np.testing.assert_allclose(fs.step(s4), seq(torch.tensor(s4, dtype=torch.float32)).numpy(),
                                   atol=1e-6)
    with pytest.raises(SpecError, match="activations"):
        from_state_dict(seq.state_dict(), activations=["relu"])


@needs_torch
def test_refusals():
    _seed(5)
    for module, match in [(nn.GRU(2, 3, bidirectional=True), "bidirectional"),
                          (nn.LSTM(2, 3, proj_size=2), "proj_size"),
                          (nn.Conv1d(2, 2, 1), "unsupported"),
                          (nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.ReLU()), "two activations"),
                          (nn.Sequential(nn.ReLU(), nn.Linear(3, 3)), "before the first"),
                          (nn.Sequential(nn.Linear(3, 3), nn.Dropout()), "unsupported"),
                          (nn.Sequential(nn.Linear(3, 4)), "out_features")]:
        with pytest.raises(SpecError, match=match):
            from_torch(module)
    with pytest.raises(SpecError, match="input"):
        from_torch(nn.RNN(3, 2), input=[1.0, 2.0])
    with pytest.raises(SpecError, match="input"):
        from_torch(nn.Sequential(nn.Linear(2, 2)), input=[1.0, 2.0])
    with pytest.raises(SpecError, match="bidirectional"):
        from_state_dict(nn.RNN(2, 2, bidirectional=True).state_dict())
    rnn = nn.RNN(2, 2)
    with torch.no_grad():
        rnn.weight_hh_l0[0, 0] = float("nan")
    with pytest.raises(SpecError, match="NaN"):
        from_torch(rnn)
    with pytest.raises(SpecError):
        from_state_dict({"weight_hh_l0": torch.zeros(5, 2), "weight_ih_l0": torch.zeros(5, 1)})
    with pytest.raises(SpecError):
        from_state_dict({"foo": torch.zeros(2)})
    with pytest.raises(SpecError):
        from_state_dict([1, 2])


class _Boom:
    def __reduce__(self):  # would run code if unpickled
        return (open, ("/tmp/rnnchaos_should_not_exist_marker", "w"))


@needs_torch
@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_only_weights_are_ever_unpickled(tmp_path):
    marker = "/tmp/rnnchaos_should_not_exist_marker"
    import os
    if os.path.exists(marker):
        os.unlink(marker)
    evil = tmp_path / "evil.pt"
    torch.save({"weight_hh_l0": torch.zeros(2, 2), "x": _Boom()}, evil)
    with pytest.raises(SpecError, match="weights-only"):
        load_state_dict(str(evil))
    assert not os.path.exists(marker)
    whole = tmp_path / "module.pt"
    torch.save(nn.RNN(2, 2), whole)  # a pickled module, not a state dict
    with pytest.raises(SpecError, match="weights-only"):
        load_state_dict(str(whole))
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(SpecError):
        load_state_dict(str(raw))
    assert not os.path.exists(marker)
    with pytest.raises(SpecError, match="no such file"):
        load_state_dict(str(tmp_path / "missing.pt"))
    torch.save([torch.zeros(2)], tmp_path / "list.pt")
    with pytest.raises(SpecError, match="state dict"):
        load_state_dict(str(tmp_path / "list.pt"))


@needs_torch
def test_lyapunov_of_torch_models():
    _seed(6)
    lstm = nn.LSTM(2, 12).double()
    with torch.no_grad():
        for p in lstm.parameters():
            p.mul_(6.0)
    f = from_torch(lstm)
    a = lyapunov_spectrum(f, 200, transient=100, rng=0, method="householder", direct=True)
    b = lyapunov_spectrum(f, 200, transient=100, rng=0, method="qr")
    np.testing.assert_allclose(a.exponents, b.exponents, atol=1e-9)
    assert abs(a.direct_lambda_max - a.lambda_max) < 1e-5
    assert a.exponents.shape == (24,)


@needs_torch
def test_cli_reads_a_torch_state_dict(tmp_path, capsys):
    import argparse

    from rnnchaos.cli.vector import register
    _seed(7)
    path = tmp_path / "gru.pt"
    torch.save(nn.GRU(3, 6).state_dict(), path)
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["lyapunov", str(path), "--torch", "--steps", "100", "--json"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["system"]["cell"] == "gru" and len(out["exponents"]) == 6
    seq = nn.Sequential(nn.Linear(5, 5), nn.Tanh())
    torch.save(seq.state_dict(), tmp_path / "seq.pt")
    args = parser.parse_args(["lyapunov", str(tmp_path / "seq.pt"), "--torch", "--activations", "tanh",
                              "--steps", "50", "--k", "2", "--json"])
    assert args.func(args) == 0
    assert len(json.loads(capsys.readouterr().out)["exponents"]) == 2


def test_missing_torch_gives_the_install_message(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(TorchNotInstalledError) as exc:
        require_torch()
    assert str(exc.value) == TORCH_MISSING
    assert TORCH_MISSING == ("torch is not installed: pip install 'rnnchaos[torch]' "
                             "(or pip install torch==2.13.0 here)")
    assert isinstance(exc.value, RnnchaosError) and isinstance(exc.value, ImportError)
    for call in (lambda: from_torch(object()), lambda: load_state_dict(str(tmp_path / "x.pt")),
                 lambda: load_torch_map(str(tmp_path / "x.pt"))):
        with pytest.raises(TorchNotInstalledError, match="pip install torch==2.13.0"):
            call()
    # numpy state dicts need no torch
    sd = {"weight_ih_l0": np.zeros((2, 1)), "weight_hh_l0": 0.5 * np.eye(2)}
    assert from_state_dict(sd).dim == 2
