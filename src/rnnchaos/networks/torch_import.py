"""Maps from PyTorch modules and state dicts (torch is an optional extra, imported lazily).

What becomes which map (float64 copies of the parameters; dropout ignored,
i.e. eval-mode semantics; the input is a fixed vector x, zero by default):

* ``nn.RNN`` / ``nn.RNNCell`` with one layer ->
  :class:`rnnchaos.networks.vector.VectorRNN`  h -> act(W_hh h + b_ih + b_hh + W_ih x)
  (``drive`` = W_ih x), act = tanh or relu (the module's ``nonlinearity``).
* ``nn.GRU`` / ``nn.GRUCell``, ``nn.LSTM`` / ``nn.LSTMCell`` and multi-layer
  ``nn.RNN`` -> :class:`RecurrentCellMap`, with torch's equations (gate order
  r, z, n for GRU and i, f, g, o for LSTM).  The state vector is torch's
  ``h_n`` flattened layer by layer, followed for an LSTM by ``c_n``:
  ``[h_0, ..., h_{L-1}, c_0, ..., c_{L-1}]`` (dimension L H, or 2 L H).
  Layer l > 0 reads the *new* h of layer l - 1, exactly as a torch forward
  over a sequence does at each time step.
* ``nn.Sequential`` of ``Linear`` and activation modules (ReLU, Tanh, Sigmoid,
  LeakyReLU, Hardtanh, Identity) with in = out = d -> :class:`VectorRNN`,
  one layer per Linear (identity activation when none follows).

Refused with :class:`rnnchaos.errors.SpecError`: bidirectional modules (not a
causal recurrence), LSTM ``proj_size`` > 0, other layer types, non-finite
parameters.  Files are read with ``torch.load(..., weights_only=True)`` only:
nothing but tensors and plain containers is ever unpickled.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import RnnchaosError, SpecError
from .model import Activation
from .vector import VectorMap, VectorRNN

__all__ = ["TORCH_MISSING", "TorchNotInstalledError", "require_torch", "from_torch",
           "from_state_dict", "load_state_dict", "load_torch_map", "RecurrentCellMap"]

TORCH_MISSING = "torch is not installed: pip install 'rnnchaos[torch]' (or pip install torch==2.13.0 here)"


class TorchNotInstalledError(RnnchaosError, ImportError):
    """torch is needed for this function and could not be imported."""

    def __init__(self, message: str = TORCH_MISSING):
        super().__init__(message)


def require_torch():
    """``import torch``, or raise :class:`TorchNotInstalledError` saying how to install it.

    >>> require_torch().__name__
    'torch'
    """
    try:
        import torch  # noqa: PLC0415 - optional dependency, imported on use
    except ImportError:
        raise TorchNotInstalledError() from None
    return torch


# ---------------------------------------------------------------- arrays
def _array(value: Any, field: str, ndim: int) -> np.ndarray:
    """A float64 numpy copy of a tensor or array-like, checked for rank, size and finiteness.

    Complex tensors are refused (converting would drop the imaginary part silently), and
    so are tensors with a zero-size dimension (a map on R^0 has nothing to measure).
    """
    if hasattr(value, "detach"):
        if getattr(value, "is_complex", lambda: False)():
            raise SpecError(field, f"complex tensor ({value.dtype}): rnnchaos maps are real")
        value = value.detach().cpu().double().numpy()
    if np.iscomplexobj(value):
        raise SpecError(field, "complex values: rnnchaos maps are real")
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise SpecError(field, f"expected a numeric tensor, got {type(value).__name__}") from None
    if arr.ndim != ndim:
        raise SpecError(field, f"expected a {ndim}-d tensor, got shape {arr.shape}")
    if arr.size == 0:
        raise SpecError(field, f"empty tensor of shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise SpecError(field, "contains NaN or infinity")
    return arr


def _input_vector(value: Any, size: int) -> np.ndarray | None:
    if value is None:
        return None
    x = _array(value, "input", 1)
    if x.shape[0] != size:
        raise SpecError("input", f"expected {size} entries (the module's input_size), got {x.shape[0]}")
    return x


# ---------------------------------------------------------------- recurrent cells
_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _lin(w, v):
    return None if v is None else np.matmul(w, v)


def _add(*terms):
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


class RecurrentCellMap(VectorMap):
    """Stacked torch recurrent cells run with a fixed input: s_{t+1} = F(s_t).

    ``cell`` is ``"rnn"`` (with ``nonlinearity`` tanh or relu), ``"gru"`` or
    ``"lstm"``; ``layers`` lists per layer ``(w_ih, w_hh, b_ih, b_hh)`` in torch
    shapes (gates stacked along rows).  See the module docstring for the state
    layout.  Jacobians are exact (forward-mode), batched over states.

    >>> w = lambda *s: np.full(s, 0.1)
    >>> m = RecurrentCellMap("gru", [(w(6, 3), w(6, 2), w(6), w(6))])
    >>> m.dim, m.step(np.zeros(2)).shape
    (2, (2,))
    """

    def __init__(self, cell: str, layers: Sequence[Sequence[Any]], *, nonlinearity: str = "tanh",
                 input: Any = None):
        if cell not in _GATES:
            raise SpecError("cell", f"unknown cell {cell!r}; choose rnn, gru or lstm")
        if nonlinearity not in ("tanh", "relu"):
            raise SpecError("nonlinearity", f"must be tanh or relu, got {nonlinearity!r}")
        if not layers:
            raise SpecError("layers", "need at least one layer")
        g = _GATES[cell]
        params = []
        hidden = None
        for l, layer in enumerate(layers):
            w_ih, w_hh, b_ih, b_hh = layer
            w_hh = _array(w_hh, f"weight_hh_l{l}", 2)
            w_ih = _array(w_ih, f"weight_ih_l{l}", 2)
            h = w_hh.shape[1]
            hidden = h if hidden is None else hidden
            if h != hidden or w_hh.shape[0] != g * h:
                raise SpecError(f"weight_hh_l{l}", f"expected shape ({g * hidden}, {hidden}) for a "
                                f"{cell} layer with hidden size {hidden}, got {w_hh.shape}")
            if w_ih.shape[0] != g * h or (l > 0 and w_ih.shape[1] != h):
                raise SpecError(f"weight_ih_l{l}", f"expected {g * h} rows" +
                                (f" and {h} columns" if l > 0 else "") + f", got {w_ih.shape}")
            b_ih = np.zeros(g * h) if b_ih is None else _array(b_ih, f"bias_ih_l{l}", 1)
            b_hh = np.zeros(g * h) if b_hh is None else _array(b_hh, f"bias_hh_l{l}", 1)
            for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
                if b.shape != (g * h,):
                    raise SpecError(f"{name}_l{l}", f"expected {g * h} entries, got {b.shape[0]}")
            params.append((w_ih, w_hh, b_ih, b_hh))
        self.cell, self.nonlinearity = cell, nonlinearity
        self.hidden, self.num_layers = hidden, len(params)
        self.input_size = params[0][0].shape[1]
        self.params = tuple(params)
        self.input = _input_vector(input, self.input_size)
        x = np.zeros(self.input_size) if self.input is None else self.input
        self._in0 = params[0][0] @ x + params[0][2]  # constant input pre-activation of layer 0
        self.dim = hidden * self.num_layers * (2 if cell == "lstm" else 1)
        self._act = Activation.from_spec(nonlinearity)

    # state layout helpers
    def _h(self, s, l):
        return s[..., l * self.hidden:(l + 1) * self.hidden]

    def _c(self, s, l):
        off = self.num_layers * self.hidden
        return s[..., off + l * self.hidden: off + (l + 1) * self.hidden]

    def _forward(self, s, v=None):
        """New state and (if v is given) the tangent Df(s) @ v, layer by layer."""
        from .vector import act_and_derivative
        H = self.hidden
        hs, cs, dhs, dcs = [], [], [], []
        x = dx = None
        for l, (w_ih, w_hh, b_ih, b_hh) in enumerate(self.params):
            h = self._h(s, l)
            dh = None if v is None else self._h_t(v, l)
            gi = self._in0 if l == 0 else x @ w_ih.T + b_ih
            dgi = None if l == 0 else _lin(w_ih, dx)
            gh = h @ w_hh.T + b_hh
            dgh = _lin(w_hh, dh)
            if self.cell == "rnn":
                hn, der = act_and_derivative(self._act, gi + gh)
                dhn = None if v is None else der[..., None] * _add(dgi, dgh)
            elif self.cell == "gru":
                sl = [slice(i * H, (i + 1) * H) for i in range(3)]
                r = _sigmoid(gi[..., sl[0]] + gh[..., sl[0]])
                z = _sigmoid(gi[..., sl[1]] + gh[..., sl[1]])
                ghn = gh[..., sl[2]]
                n = np.tanh(gi[..., sl[2]] + r * ghn)
                hn = (1.0 - z) * n + z * h
                dhn = None
                if v is not None:
                    part = lambda t, i: None if t is None else t[..., sl[i], :]  # noqa: E731
                    dr = (r * (1 - r))[..., None] * _add(part(dgi, 0), part(dgh, 0))
                    dz = (z * (1 - z))[..., None] * _add(part(dgi, 1), part(dgh, 1))
                    dn = (1 - n * n)[..., None] * _add(part(dgi, 2), dr * ghn[..., None],
                                                       r[..., None] * part(dgh, 2))
                    dhn = (h - n)[..., None] * dz + (1 - z)[..., None] * dn + z[..., None] * dh
            else:  # lstm
                c = self._c(s, l)
                a = gi + gh
                i_, f_, g_, o_ = (a[..., j * H:(j + 1) * H] for j in range(4))
                i, f, gg, o = _sigmoid(i_), _sigmoid(f_), np.tanh(g_), _sigmoid(o_)
                cn = f * c + i * gg
                tc = np.tanh(cn)
                hn = o * tc
                dhn = dcn = None
                if v is not None:
                    da = _add(dgi, dgh)
                    di, df, dg, do = (da[..., j * H:(j + 1) * H, :] for j in range(4))
                    dc = self._c_t(v, l)
                    dcn = ((f * (1 - f) * c)[..., None] * df + f[..., None] * dc
                           + (i * (1 - i) * gg)[..., None] * di + (i * (1 - gg * gg))[..., None] * dg)
                    dhn = (o * (1 - o) * tc)[..., None] * do + (o * (1 - tc * tc))[..., None] * dcn
                cs.append(cn)
                dcs.append(dcn)
            hs.append(hn)
            dhs.append(dhn)
            x, dx = hn, dhn
        new = np.concatenate(hs + cs, axis=-1)
        if v is None:
            return new, None
        return new, np.concatenate(dhs + dcs, axis=-2)

    def _h_t(self, v, l):
        return v[..., l * self.hidden:(l + 1) * self.hidden, :]

    def _c_t(self, v, l):
        off = self.num_layers * self.hidden
        return v[..., off + l * self.hidden: off + (l + 1) * self.hidden, :]

    def step(self, h):
        return self._forward(h)[0]

    def step_jvp(self, h, v):
        return self._forward(h, v)

    def jvp(self, h, v):
        return self._forward(h, v)[1]

    def step_jacobian(self, h):
        eye = np.broadcast_to(np.eye(self.dim), np.shape(h)[:-1] + (self.dim, self.dim))
        return self._forward(h, eye)

    def jacobian(self, h):
        return self.step_jacobian(h)[1]

    def describe(self):
        return {**super().describe(), "cell": self.cell, "nonlinearity": self.nonlinearity,
                "hidden_size": self.hidden, "num_layers": self.num_layers,
                "input_size": self.input_size, "input": None if self.input is None else self.input.tolist(),
                "state_layout": "[h_0..h_{L-1}" + (", c_0..c_{L-1}]" if self.cell == "lstm" else "]")}

    def __repr__(self):
        return (f"RecurrentCellMap({self.cell}, hidden={self.hidden}, layers={self.num_layers}, "
                f"dim={self.dim})")


# ---------------------------------------------------------------- state dicts
_REC_KEY = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)(?:_l(\d+))?(_reverse)?")
_SEQ_KEY = re.compile(r"(\d+)\.(weight|bias)")


def _activation(spec: Any, field: str) -> Activation:
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2:
        return Activation.from_spec(spec[0], dict(spec[1]), field)
    return Activation.from_spec(spec, None, field)


def _recurrent_from_state_dict(sd, kind, nonlinearity, input):
    layers: dict[int, dict[str, Any]] = {}
    cell_style = None
    for key, value in sd.items():
        m = _REC_KEY.fullmatch(key)
        if not m:
            raise SpecError(key, "unexpected key in a recurrent state dict")
        name, idx, rev = m.groups()
        if rev:
            raise SpecError(key, "bidirectional modules are not a causal recurrence; refused")
        if name == "weight_hr":
            raise SpecError(key, "LSTM with proj_size > 0 is not supported")
        style = idx is None
        if cell_style is not None and style != cell_style:
            raise SpecError(key, "mixes cell keys (weight_ih) and layer keys (weight_ih_l0)")
        cell_style = style
        layers.setdefault(0 if idx is None else int(idx), {})[name] = value
    n = len(layers)
    if sorted(layers) != list(range(n)):
        raise SpecError("state_dict", f"layer indices must be 0..{n - 1}, got {sorted(layers)}")
    for l in range(n):
        for name in ("weight_ih", "weight_hh"):
            if name not in layers[l]:
                raise SpecError(f"{name}_l{l}", "missing key")
    w_hh0 = _array(layers[0]["weight_hh"], "weight_hh_l0", 2)
    hidden = w_hh0.shape[1]
    ratio, rem = divmod(w_hh0.shape[0], hidden)
    detected = {1: "rnn", 3: "gru", 4: "lstm"}.get(ratio) if rem == 0 else None
    if detected is None:
        raise SpecError("weight_hh_l0", f"shape {w_hh0.shape} is not (G*H, H) with G in 1, 3, 4")
    if kind is not None and kind != detected:
        raise SpecError("kind", f"the state dict holds a {detected} module, not {kind!r}")
    plist = [(layers[l]["weight_ih"], layers[l]["weight_hh"], layers[l].get("bias_ih"),
              layers[l].get("bias_hh")) for l in range(n)]
    cmap = RecurrentCellMap(detected, plist, nonlinearity=nonlinearity, input=input)
    if detected == "rnn" and n == 1:
        w_ih, w_hh, b_ih, b_hh = cmap.params[0]
        drive = None if cmap.input is None else w_ih @ cmap.input
        return VectorRNN([(w_hh, b_ih + b_hh, nonlinearity)], drive=drive)
    return cmap


def _sequential_from_state_dict(sd, activations, input):
    if input is not None:
        raise SpecError("input", "an nn.Sequential map h -> net(h) has no separate input")
    entries: dict[int, dict[str, Any]] = {}
    for key, value in sd.items():
        m = _SEQ_KEY.fullmatch(key)
        if not m:
            raise SpecError(key, "unexpected key in an nn.Sequential state dict "
                            "(expected '<index>.weight' / '<index>.bias' of Linear layers)")
        entries.setdefault(int(m.group(1)), {})[m.group(2)] = value
    order = sorted(entries)
    if activations is None:
        raise SpecError("activations", f"a Sequential state dict does not record its activations: "
                        f"pass one per Linear layer ({len(order)}), e.g. ['relu', 'identity']")
    if isinstance(activations, (str, Activation)) or len(activations) != len(order):
        raise SpecError("activations", f"expected a list of {len(order)} activations (one per "
                        f"Linear layer), got {activations!r}")
    layers = []
    for j, idx in enumerate(order):
        if "weight" not in entries[idx]:
            raise SpecError(f"{idx}.weight", "missing key")
        w = _array(entries[idx]["weight"], f"{idx}.weight", 2)
        b = entries[idx].get("bias")
        b = np.zeros(w.shape[0]) if b is None else _array(b, f"{idx}.bias", 1)
        layers.append((w, b, _activation(activations[j], f"activations[{j}]")))
    return VectorRNN(layers)


def from_state_dict(state_dict: Mapping[str, Any], kind: str | None = None, *,
                    nonlinearity: str = "tanh", activations: Sequence[Any] | None = None,
                    input: Any = None, prefix: str = "") -> VectorMap:
    """A map from a module's ``state_dict()`` (tensors or arrays).

    * Recurrent (``weight_ih_l0``, ``weight_hh_l0``, ... or a cell's
      ``weight_ih``, ``weight_hh``, ...): RNN, GRU or LSTM is detected from the
      row count of ``weight_hh`` (H, 3H, 4H); ``kind`` ("rnn", "gru", "lstm"),
      if given, must agree.  A state dict does not record an RNN's
      nonlinearity: pass ``nonlinearity`` ("tanh", the torch default, or "relu").
    * ``kind="sequential"`` (keys ``'<i>.weight'``, ``'<i>.bias'``): an
      nn.Sequential of Linear layers; ``activations`` gives one activation per
      Linear (names, ``(name, params)`` or :class:`Activation`).
    * ``input``: the fixed input x of a recurrent module (default zero).
    * ``prefix``: only keys starting with it are used, with it removed.

    >>> H = 2
    >>> sd = {"weight_ih_l0": np.zeros((H, 1)), "weight_hh_l0": 0.5 * np.eye(H)}
    >>> from_state_dict(sd).step(np.ones(H)).round(4).tolist()
    [0.4621, 0.4621]
    """
    if not isinstance(state_dict, Mapping):
        raise SpecError("state_dict", f"expected a mapping of parameter names to tensors, got "
                        f"{type(state_dict).__name__}")
    if not isinstance(prefix, str):
        raise SpecError("prefix", f"expected a string, got {prefix!r}")
    sd = {k[len(prefix):]: v for k, v in state_dict.items()
          if isinstance(k, str) and k.startswith(prefix)}
    if not sd:
        raise SpecError("state_dict", "no parameters" + (f" under prefix {prefix!r}" if prefix else ""))
    if kind not in (None, "rnn", "gru", "lstm", "sequential"):
        raise SpecError("kind", f"choose rnn, gru, lstm or sequential, got {kind!r}")
    if kind == "sequential" or (kind is None and all(_SEQ_KEY.fullmatch(k) for k in sd)):
        return _sequential_from_state_dict(sd, activations, input)
    if activations is not None:
        raise SpecError("activations", "only a Sequential state dict takes activations")
    return _recurrent_from_state_dict(sd, kind, nonlinearity, input)


# ---------------------------------------------------------------- modules
_ACT_MODULES = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "LeakyReLU": "leaky_relu",
                "Hardtanh": "hardtanh", "Identity": "identity"}


def _sequential(module) -> VectorRNN:
    torch = require_torch()
    nn = torch.nn
    linears, acts = [], []
    for i, child in enumerate(module):
        name = type(child).__name__
        if isinstance(child, nn.Linear):
            linears.append(child)
            acts.append(None)
        elif name in _ACT_MODULES and type(child).__module__.startswith("torch.nn"):
            if name == "Identity":
                continue
            if not linears:
                raise SpecError(f"module[{i}]", f"{name} before the first Linear layer")
            if acts[-1] is not None:
                raise SpecError(f"module[{i}]", f"two activations in a row ({acts[-1].name}, {name})")
            params = {}
            if name == "LeakyReLU":
                params = {"negative_slope": float(child.negative_slope)}
            elif name == "Hardtanh":
                params = {"min_val": float(child.min_val), "max_val": float(child.max_val)}
            acts[-1] = Activation.from_spec(_ACT_MODULES[name], params, f"module[{i}]")
        else:
            raise SpecError(f"module[{i}]", f"unsupported layer {name}: nn.Sequential maps may hold "
                            f"Linear and {', '.join(sorted(_ACT_MODULES))} only")
    if not linears:
        raise SpecError("module", "an nn.Sequential without Linear layers")
    layers = [(lin.weight, lin.bias if lin.bias is not None else np.zeros(lin.out_features),
               a or Activation.from_spec("identity")) for lin, a in zip(linears, acts)]
    return VectorRNN([(_array(w, f"linear[{j}].weight", 2), _array(b, f"linear[{j}].bias", 1), a)
                      for j, (w, b, a) in enumerate(layers)])


def from_torch(module: Any, *, input: Any = None) -> VectorMap:
    """A map from a torch module (parameters copied to float64; see the module docstring).

    Supported: ``nn.RNN``, ``nn.GRU``, ``nn.LSTM`` (any number of layers; not
    bidirectional; no proj_size), ``nn.RNNCell``, ``nn.GRUCell``,
    ``nn.LSTMCell``, ``nn.Sequential`` / ``nn.Linear``.  ``input`` is the fixed
    input x of a recurrent module (default zero).  A state dict (a mapping) is
    passed to :func:`from_state_dict`.

    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> from_torch(torch.nn.GRU(3, 5, num_layers=2)).dim
    10
    """
    if isinstance(module, Mapping):
        return from_state_dict(module, input=input)
    torch = require_torch()
    nn = torch.nn
    if isinstance(module, (nn.RNN, nn.GRU, nn.LSTM)):  # nn.RNNBase subclasses
        if module.bidirectional:
            raise SpecError("module", "bidirectional modules are not a causal recurrence; refused")
        if getattr(module, "proj_size", 0):
            raise SpecError("module", "LSTM with proj_size > 0 is not supported")
        kind = "lstm" if isinstance(module, nn.LSTM) else "gru" if isinstance(module, nn.GRU) else "rnn"
        nonlin = getattr(module, "nonlinearity", "tanh")
        return from_state_dict(module.state_dict(), kind, nonlinearity=nonlin, input=input)
    if isinstance(module, (nn.RNNCell, nn.GRUCell, nn.LSTMCell)):
        kind = "lstm" if isinstance(module, nn.LSTMCell) else \
            "gru" if isinstance(module, nn.GRUCell) else "rnn"
        nonlin = getattr(module, "nonlinearity", "tanh")
        return from_state_dict(module.state_dict(), kind, nonlinearity=nonlin, input=input)
    if isinstance(module, nn.Linear):
        module = nn.Sequential(module)
    if isinstance(module, nn.Sequential):
        if input is not None:
            raise SpecError("input", "an nn.Sequential map h -> net(h) has no separate input")
        return _sequential(module)
    raise SpecError("module", f"unsupported module type {type(module).__name__}: use nn.RNN, nn.GRU, "
                    "nn.LSTM, their Cell versions, or nn.Sequential of Linear and activations")


def load_state_dict(path: str) -> dict[str, Any]:
    """Read a state dict with ``torch.load(path, map_location="cpu", weights_only=True)``.

    Only tensors and plain containers are unpickled; anything else (a pickled
    module, arbitrary objects) is refused with a SpecError.  A dict holding the
    parameters under ``"state_dict"`` is unwrapped.

    >>> import tempfile, os, torch
    >>> p = os.path.join(tempfile.mkdtemp(), "gru.pt")
    >>> torch.save(torch.nn.GRU(2, 3).state_dict(), p)
    >>> sorted(load_state_dict(p))[:2]
    ['bias_hh_l0', 'bias_ih_l0']
    """
    torch = require_torch()
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise SpecError("path", f"cannot read {path!r}: no such file") from None
    except OSError as exc:
        raise SpecError("path", f"cannot read {path!r}: {exc.strerror or exc}") from None
    except Exception as exc:  # UnpicklingError, RuntimeError: not a weights-only file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecError("path", f"{path!r} is not a weights-only state dict (torch.load with "
                        f"weights_only=True refused it: {first[:200]})") from None
    if isinstance(obj, Mapping) and isinstance(obj.get("state_dict"), Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping) or not all(isinstance(k, str) for k in obj):
        raise SpecError("path", f"{path!r} does not hold a state dict (a mapping of names to tensors)")
    return dict(obj)


def load_torch_map(path: str, kind: str | None = None, **kwargs) -> VectorMap:
    """:func:`from_state_dict` of :func:`load_state_dict` ``(path)``.

    >>> import tempfile, os, torch
    >>> _ = torch.manual_seed(0)
    >>> p = os.path.join(tempfile.mkdtemp(), "rnn.pt")
    >>> torch.save(torch.nn.RNN(2, 3).state_dict(), p)
    >>> load_torch_map(p).dim
    3
    """
    return from_state_dict(load_state_dict(path), kind, **kwargs)
