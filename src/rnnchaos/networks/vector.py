"""Vector RNN maps h -> f(h) on R^d, their Jacobians, and seeded samplers.

A *system* is any object with

* ``dim`` (int): the state dimension d;
* ``step(h)``: f applied to a batch of states, shape ``(..., d) -> (..., d)``;
* ``jacobian(h)``: Df(h), shape ``(..., d) -> (..., d, d)`` (row i = d f_i / d h);

and optionally ``batch_shape`` (a tuple, ``()`` by default: a stack of maps
evaluated together, one state per map), ``jvp(h, V)`` (``Df(h) @ V`` for
``V`` of shape ``(..., d, k)`` without forming Df), ``step_jvp(h, V)`` and
``step_jacobian(h)`` (the two at once, sharing the pre-activations),
``positively_homogeneous`` (f(c h) = c f(h) and Df(c h) = Df(h) for c > 0)
and ``fresh_jacobian`` (True when ``jacobian`` returns a newly allocated
array that the caller may overwrite; otherwise it is copied first).
This is the whole interface :mod:`rnnchaos.dynamics.lyapunov` needs (one system object,
small analysis functions, as in DynamicalSystems.jl); :class:`FunctionMap`
wraps two plain functions, :class:`HenonMap` and :class:`LinearMap` are
reference systems that are not RNNs.

The RNN maps are all :class:`VectorRNN`: a stack of layers
``x -> act(W x + b)`` (torch weight shape ``(out, in)``, first ``in`` =
last ``out`` = d) with an optional constant *drive* added to the first
pre-activation (a fixed input ``U u``) and an optional *leak* a in (0, 1]:

* ``rnn``:       h_{t+1} = act(W h_t + b + U u)
* ``two_layer``: h_{t+1} = W2 act(W1 h_t + b1) + b2          (the paper's 64-d map)
* ``leaky``:     h_{t+1} = (1 - a) h_t + a act(W h_t + b + U u)

The leaky map is the Euler step dt = a * tau of the continuous-time network
tau dh/dt = -h + act(W h + b); an exponent per iteration divided by dt is an
exponent per unit of time.  Every weight array may carry a leading batch axis
(``(B, out, in)``): B maps evaluated together on states of shape ``(B, d)``.

Specs use the scalar JSON layer format of :mod:`rnnchaos.networks.model` with
in = out = d, plus two optional top-level keys: ``"leak"`` (a number in
(0, 1]) and ``"drive"`` (a list with one entry per unit of layer 0).

Activation derivatives at kinks follow torch autograd: relu'(0) = 0,
leaky_relu'(0) = negative_slope, hardtanh' = 0 at min_val and max_val.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from numbers import Real
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .._lib.validation import check_int, check_real
from ..errors import SpecError
from .init import as_generator, as_scheme, make_scheme, sample_layers
from .model import Activation, Layer, Network
from .presets import SEEDING_CONTRACT, DrawTarget, draw_rows

__all__ = [
    "VectorMap", "VectorRNN", "FunctionMap", "LinearMap", "HenonMap", "act_and_derivative",
    "sample_vector_map", "sample_vector_maps", "VectorPreset", "VECTOR_PRESETS",
    "build_vector_preset", "sample_vector_preset", "sample_vector_batch", "read_vector_spec",
    "vector_from_dict", "vector_from_json",
]

_HOMOGENEOUS_ACTS = frozenset({"identity", "relu", "leaky_relu"})


# ---------------------------------------------------------------- activations
def act_and_derivative(act: Activation, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(act(z), act'(z))`` elementwise, with torch's conventions at kinks.

    relu'(0) = 0, leaky_relu'(0) = negative_slope, hardtanh'(min_val) =
    hardtanh'(max_val) = 0, tanh' = 1 - tanh^2, sigmoid' = s (1 - s).

    >>> v, d = act_and_derivative(Activation.from_spec("tanh"), np.array([0.0]))
    >>> float(v[0]), float(d[0])
    (0.0, 1.0)
    """
    name = act.name
    if name == "identity":
        return z, np.ones_like(z)
    if name == "relu":  # np.maximum keeps NaN (an overflowed orbit stays visible)
        return np.maximum(z, 0.0), (z > 0).astype(np.float64)
    if name == "leaky_relu":
        s = act.params["negative_slope"]
        pos = z > 0
        return np.where(pos, z, s * z), np.where(pos, 1.0, s)
    if name == "hardtanh":
        lo, hi = act.params["min_val"], act.params["max_val"]
        inside = (z > lo) & (z < hi)
        return np.clip(z, lo, hi), inside.astype(np.float64)
    if name == "tanh":
        t = np.tanh(z)
        return t, 1.0 - t * t
    s = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid, overflow-free
    return s, s * (1.0 - s)


# ---------------------------------------------------------------- base class
class VectorMap:
    """Base class of systems h -> f(h) on R^d (see the module docstring).

    Subclasses implement :meth:`step` and :meth:`jacobian`; the defaults of
    :meth:`jvp`, :meth:`step_jvp` and :meth:`step_jacobian` build on them.

    >>> m = LinearMap([[2.0, 0.0], [0.0, 0.5]])
    >>> m.step(np.array([1.0, 1.0])).tolist(), m.jvp(np.zeros(2), np.eye(2)).tolist()
    ([2.0, 0.5], [[2.0, 0.0], [0.0, 0.5]])
    """

    dim: int = 0
    batch_shape: tuple[int, ...] = ()
    positively_homogeneous: bool = False
    fresh_jacobian: bool = True  # subclasses here allocate a new Jacobian on every call

    def step(self, h: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def jacobian(self, h: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def jvp(self, h: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``Df(h) @ V`` for tangent columns V of shape (..., d, k)."""
        return self.jacobian(h) @ v

    def step_jvp(self, h: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(f(h), Df(h) @ V)``."""
        return self.step(h), self.jvp(h, v)

    def step_jacobian(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(f(h), Df(h))``."""
        return self.step(h), self.jacobian(h)

    def __call__(self, h):
        """f(h) for a state or a batch of states (float64)."""
        return self.step(np.asarray(h, dtype=np.float64))

    def describe(self) -> dict[str, Any]:
        """A JSON-able description of the system."""
        return {"type": type(self).__name__, "dim": self.dim, "batch_shape": list(self.batch_shape)}


class FunctionMap(VectorMap):
    """Any system from two functions: ``step(h)`` and ``jacobian(h)``, both batched.

    >>> sq = FunctionMap(lambda h: h ** 2, lambda h: 2 * h[..., None] * np.eye(1), dim=1)
    >>> sq.step(np.array([3.0])).tolist(), sq.jacobian(np.array([3.0])).tolist()
    ([9.0], [[6.0]])
    """

    def __init__(self, step: Callable, jacobian: Callable, dim: int, *, name: str = "function",
                 positively_homogeneous: bool = False):
        self._step, self._jacobian = step, jacobian
        self.fresh_jacobian = False  # a user function may return a cached array
        self.dim = _dim_arg(dim)
        self.name = name
        self.positively_homogeneous = bool(positively_homogeneous)

    def step(self, h):
        return np.asarray(self._step(h), dtype=np.float64)

    def jacobian(self, h):
        return np.asarray(self._jacobian(h), dtype=np.float64)

    def describe(self):
        return {**super().describe(), "name": self.name}


class LinearMap(VectorMap):
    """h -> A h (d x d).  Its Lyapunov exponents are the log moduli of A's eigenvalues
    when A is normal, and the log singular-value growth rates in general.

    >>> LinearMap(np.diag([2.0, 3.0])).step(np.ones(2)).tolist()
    [2.0, 3.0]
    """

    positively_homogeneous = True

    def __init__(self, a):
        a = np.array(a, dtype=np.float64)
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
            raise SpecError("A", f"expected a non-empty square matrix, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise SpecError("A", "entries must be finite")
        self.a = a
        self.dim = a.shape[0]

    def step(self, h):
        return h @ self.a.T

    def jacobian(self, h):
        return np.broadcast_to(self.a, np.shape(h)[:-1] + self.a.shape).copy()

    def jvp(self, h, v):
        return self.a @ v

    def describe(self):
        return {**super().describe(), "A": self.a.tolist()}


class HenonMap(VectorMap):
    """The Hénon map (x, y) -> (1 - a x^2 + y, b x): a known 2-d chaotic system, not an RNN.

    At a = 1.4, b = 0.3 the exponents are about 0.4192 and log(0.3) - 0.4192 =
    -1.6232 (natural log per iteration); the Kaplan-Yorke dimension is about 1.258.

    >>> HenonMap().step(np.array([0.0, 0.0])).tolist()
    [1.0, 0.0]
    """

    dim = 2

    def __init__(self, a: float = 1.4, b: float = 0.3):
        self.a, self.b = float(a), float(b)

    def step(self, h):
        x, y = h[..., 0], h[..., 1]
        return np.stack([1.0 - self.a * x * x + y, self.b * x], axis=-1)

    def jacobian(self, h):
        x = h[..., 0]
        out = np.zeros(np.shape(h)[:-1] + (2, 2))
        out[..., 0, 0] = -2.0 * self.a * x
        out[..., 0, 1] = 1.0
        out[..., 1, 0] = self.b
        return out

    def initial_state(self, rng: np.random.Generator, batch_shape: tuple[int, ...]) -> np.ndarray:
        """A point near the origin (inside the basin of the attractor)."""
        return 0.1 * rng.uniform(-1.0, 1.0, batch_shape + (2,))

    def describe(self):
        return {**super().describe(), "a": self.a, "b": self.b}


# ---------------------------------------------------------------- the RNN maps
def _dim_arg(d: Any, field: str = "dim") -> int:
    return check_int(d, field, 1)


def _leak_arg(leak: Any) -> float | None:
    """None (no leak) or a number in (0, 1]."""
    return None if leak is None else check_real(leak, "leak", positive=True, hi=1.0)


def _affine(w: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``W x + b`` for a batch of x; W is (out, in) or (B, out, in) with x (B, in)."""
    if w.ndim == 2:
        return x @ w.T + b
    return np.matmul(w, x[..., None])[..., 0] + b


def _lin(w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``W @ V`` for tangent columns V (..., in, k)."""
    return np.matmul(w, v)


class VectorRNN(VectorMap):
    """A stack of layers ``x -> act(W x + b)`` iterated on R^d, with optional drive and leak.

    ``f(h) = (1 - a) h + a N(h)`` with ``N = L_n o ... o L_1`` and
    ``L_1(x) = act_1(W_1 x + b_1 + drive)``; without a leak f = N.  Weights
    have the torch shape (out, in), optionally with a leading batch axis B
    shared by all arrays (a stack of B maps; states are then (B, d)).

    >>> f = VectorRNN([(np.eye(2), np.zeros(2), "tanh")])
    >>> f.dim, f.step(np.array([0.5, -0.5])).round(4).tolist()
    (2, [0.4621, -0.4621])
    """

    def __init__(self, layers: Iterable[Any], *, leak: float | None = None,
                 drive: Any = None):
        ws, bs, acts = [], [], []
        for i, layer in enumerate(layers):
            if isinstance(layer, Layer):
                w, b, act = layer.weight, layer.bias, layer.activation
            else:
                try:
                    w, b, act = layer
                except (TypeError, ValueError):
                    raise SpecError(f"layers[{i}]", "expected a Layer or a (weight, bias, "
                                    "activation) tuple") from None
            w = np.array(w, dtype=np.float64)
            if w.ndim == 2:  # column-major: Jacobians come out ready for LAPACK
                w = np.asfortranarray(w)
            b = np.array(b, dtype=np.float64)
            if isinstance(act, str):
                act = Activation.from_spec(act, None, f"layers[{i}].activation")
            if not isinstance(act, Activation):
                raise SpecError(f"layers[{i}].activation", f"expected a name or an Activation, got {act!r}")
            if w.ndim not in (2, 3) or b.ndim != w.ndim - 1 or b.shape[-1] != w.shape[-2] \
                    or (w.ndim == 3 and b.shape[0] != w.shape[0]):
                raise SpecError(f"layers[{i}]", f"weight shape {w.shape} and bias shape {b.shape} "
                                "do not match ((out, in) and (out,), or with a batch axis B)")
            if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                raise SpecError(f"layers[{i}]", "weights and biases must be finite")
            ws.append(w), bs.append(b), acts.append(act)
        if not ws:
            raise SpecError("layers", "a map needs at least one layer")
        batch = ws[0].shape[:-2]
        for i, w in enumerate(ws):
            if w.shape[:-2] != batch:
                raise SpecError(f"layers[{i}].weight", f"batch shape {w.shape[:-2]} differs from "
                                f"layer 0's {batch}")
            if i and w.shape[-1] != ws[i - 1].shape[-2]:
                raise SpecError(f"layers[{i}].weight", f"has {w.shape[-1]} input features but "
                                f"layers[{i - 1}] has {ws[i - 1].shape[-2]} outputs")
        d = ws[0].shape[-1]
        if ws[-1].shape[-2] != d:
            raise SpecError(f"layers[{len(ws) - 1}].weight", f"a vector map needs out_features "
                            f"= in_features = d; got d = {d} in and {ws[-1].shape[-2]} out")
        self.weights, self.biases, self.activations = tuple(ws), tuple(bs), tuple(acts)
        self.dim = d
        self.batch_shape = batch
        self.leak = _leak_arg(leak)
        if drive is not None:
            drive = np.array(drive, dtype=np.float64)
            if drive.shape not in (bs[0].shape, bs[0].shape[-1:]):
                raise SpecError("drive", f"expected {bs[0].shape[-1]} entries (one per unit of "
                                f"layer 0), got shape {drive.shape}")
            if not np.all(np.isfinite(drive)):
                raise SpecError("drive", "entries must be finite")
        self.drive = drive
        self._b0 = bs[0] if drive is None else bs[0] + drive
        self.positively_homogeneous = (
            all(a.name in _HOMOGENEOUS_ACTS for a in acts)
            and not np.any(self._b0) and not any(np.any(b) for b in bs[1:]))

    # -- evaluation ----------------------------------------------------------
    def _biases(self):
        return (self._b0,) + self.biases[1:]

    def step(self, h):
        x = h
        for w, b, act in zip(self.weights, self._biases(), self.activations):
            x = act(_affine(w, b, x))
        return x if self.leak is None else (1.0 - self.leak) * h + self.leak * x

    def step_jvp(self, h, v):
        x, t = h, v
        for w, b, act in zip(self.weights, self._biases(), self.activations):
            x, dx = act_and_derivative(act, _affine(w, b, x))
            t = _lin(w, t)
            t *= dx[..., None]
        if self.leak is not None:
            a = self.leak
            x = (1.0 - a) * h + a * x
            t = (1.0 - a) * v + a * t
        return x, t

    def jvp(self, h, v):
        return self.step_jvp(h, v)[1]

    def step_jacobian(self, h):
        """``(f(h), Df(h))``; for one unbatched state Df is column-major (Fortran order)."""
        x, jac = h, None
        fortran = self.weights[0].ndim == 2 and np.ndim(h) == 1
        for w, b, act in zip(self.weights, self._biases(), self.activations):
            x, dx = act_and_derivative(act, _affine(w, b, x))
            if jac is None:
                jac = w
            elif fortran:  # column-major W J with scipy's BLAS: the pool its LAPACK uses
                # imported here, not at the top: scipy.linalg costs start-up time
                from scipy.linalg import blas
                jac = blas.dgemm(1.0, w, jac)
            else:
                jac = np.matmul(w, jac)
            jac = dx[..., None] * jac
        if self.leak is not None:
            a = self.leak
            x = (1.0 - a) * h + a * x
            jac = a * jac
            idx = np.arange(self.dim)
            jac[..., idx, idx] += 1.0 - a
        return x, jac

    def jacobian(self, h):
        return self.step_jacobian(h)[1]

    # -- batches -------------------------------------------------------------
    @classmethod
    def stack(cls, maps: Sequence["VectorRNN"]) -> "VectorRNN":
        """One batched map from unbatched maps of the same architecture.

        >>> f = VectorRNN([(np.eye(2), np.zeros(2), "tanh")])
        >>> VectorRNN.stack([f, f]).batch_shape
        (2,)
        """
        maps = list(maps)
        if not maps:
            raise SpecError("maps", "need at least one map to stack")
        first = maps[0]
        for i, m in enumerate(maps):
            if not isinstance(m, VectorRNN) or m.batch_shape != () \
                    or [w.shape for w in m.weights] != [w.shape for w in first.weights] \
                    or m.activations != first.activations or m.leak != first.leak \
                    or (m.drive is None) != (first.drive is None):
                raise SpecError(f"maps[{i}]", "maps to stack must be unbatched VectorRNNs with "
                                "the same shapes, activations, leak and drive presence")
        layers = [(np.stack([m.weights[j] for m in maps]), np.stack([m.biases[j] for m in maps]),
                   first.activations[j]) for j in range(len(first.weights))]
        drive = None if first.drive is None else np.stack([np.broadcast_to(m.drive, m.biases[0].shape)
                                                           for m in maps])
        return cls(layers, leak=first.leak, drive=drive)

    def __len__(self):
        if not self.batch_shape:
            raise TypeError("an unbatched VectorRNN has no len()")
        return self.batch_shape[0]

    def __getitem__(self, i) -> "VectorRNN":
        """Map ``i`` of a batch (an int) or a sub-batch (a slice or index array)."""
        if not self.batch_shape:
            raise TypeError("an unbatched VectorRNN cannot be indexed")
        drive = None
        if self.drive is not None:
            drive = self.drive[i] if self.drive.ndim == 2 else self.drive
        return VectorRNN([(w[i], b[i], a) for w, b, a in
                          zip(self.weights, self.biases, self.activations)],
                         leak=self.leak, drive=drive)

    # -- (de)serialization ---------------------------------------------------
    def to_network(self) -> Network:
        """The layer stack as a :class:`rnnchaos.networks.model.Network` (unbatched; leak and drive dropped).

        >>> sample_vector_map("two_layer", 3, rng=0).to_network()
        Network(3 -> 3:tanh -> 3:identity)
        """
        self._unbatched("to_network")
        return Network([Layer(w, b, a) for w, b, a in zip(self.weights, self.biases, self.activations)])

    def to_dict(self) -> dict[str, Any]:
        """The JSON spec: ``{"layers": [...]}`` plus ``leak`` / ``drive`` when set.

        >>> sorted(sample_vector_map("leaky", 2, rng=0).to_dict())
        ['layers', 'leak']
        """
        self._unbatched("to_dict")
        out = self.to_network().to_dict()
        if self.leak is not None:
            out["leak"] = self.leak
        if self.drive is not None:
            out["drive"] = self.drive.tolist()
        return out

    def to_json(self, indent: int | None = None) -> str:
        """JSON text that :func:`vector_from_json` reads back bit for bit.

        >>> f = sample_vector_map("rnn", 3, rng=0)
        >>> vector_from_json(f.to_json()) == f
        True
        """
        return json.dumps(self.to_dict(), indent=indent)

    def _unbatched(self, what):
        if self.batch_shape:
            raise SpecError("map", f"{what} needs an unbatched map; index the batch first")

    def __eq__(self, other):
        if not isinstance(other, VectorRNN):
            return NotImplemented
        same_drive = (self.drive is None and other.drive is None) or (
            self.drive is not None and other.drive is not None
            and np.array_equal(self.drive, other.drive))
        return (len(self.weights) == len(other.weights) and self.leak == other.leak and same_drive
                and self.activations == other.activations
                and all(np.array_equal(a, b) for a, b in zip(self.weights, other.weights))
                and all(np.array_equal(a, b) for a, b in zip(self.biases, other.biases)))

    __hash__ = None

    def describe(self) -> dict[str, Any]:
        return {**super().describe(),
                "layers": [{"shape": list(w.shape[-2:]), "activation": a.name}
                           for w, a in zip(self.weights, self.activations)],
                "leak": self.leak, "drive": self.drive is not None,
                "positively_homogeneous": self.positively_homogeneous}

    def __repr__(self):
        shapes = " -> ".join(f"{w.shape[-2]}:{a.name}" for w, a in zip(self.weights, self.activations))
        extra = (f", leak={self.leak}" if self.leak is not None else "") + \
            (f", batch={self.batch_shape}" if self.batch_shape else "")
        return f"VectorRNN({self.dim} -> {shapes}{extra})"


# ---------------------------------------------------------------- specs
_SPEC_KEYS = frozenset({"layers", "leak", "drive"})


def vector_from_dict(spec: Any, dim: int | None = None) -> VectorRNN:
    """A :class:`VectorRNN` from a JSON object: the scalar layer format with in = out = d.

    Optional top-level keys: ``leak`` (in (0, 1]) and ``drive`` (first-layer
    constant input).  ``dim``, if given, must equal d.

    >>> spec = {"layers": [{"weight": [[0.5, 0], [0, 2]], "bias": [0, 0], "activation": "tanh"}]}
    >>> vector_from_dict(spec).dim
    2
    """
    if isinstance(spec, dict):
        for key in spec:
            if key not in _SPEC_KEYS:
                raise SpecError(str(key), f"unknown top-level key (allowed: {', '.join(sorted(_SPEC_KEYS))})")
    net = Network.from_dict(spec)
    if net.in_features != net.out_features:
        raise SpecError(f"layers[{len(net.layers) - 1}].weight",
                        f"a vector map needs out_features = in_features; got {net.in_features} "
                        f"in and {net.out_features} out")
    if dim is not None and net.in_features != dim:
        raise SpecError("dim", f"--dim {dim} does not match the spec's d = {net.in_features}")
    drive = spec.get("drive")
    if drive is not None:
        if not isinstance(drive, list) or not all(isinstance(v, Real) and not isinstance(v, bool)
                                                  for v in drive):
            raise SpecError("drive", "expected a list of numbers")
    return VectorRNN(net.layers, leak=spec.get("leak"), drive=drive)


def vector_from_json(text: str, dim: int | None = None) -> VectorRNN:
    """Parse a vector spec from JSON text (see :func:`vector_from_dict`).

    >>> text = '{"layers": [{"weight": [[0.5]], "bias": [0], "activation": "tanh"}], "leak": 0.5}'
    >>> vector_from_json(text).leak
    0.5
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError("spec", "empty input: expected a JSON object with key 'layers'")
    from .._lib.validation import read_json
    return vector_from_dict(read_json(text, "spec"), dim)


def read_vector_spec(path: str, dim: int | None = None) -> VectorRNN:
    """Read a vector spec from a file, or standard input when ``path`` is '-'.

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "f.json")
    >>> _ = open(p, "w").write(sample_vector_map("rnn", 3, rng=0).to_json())
    >>> read_vector_spec(p).dim
    3
    """
    from .model import read_spec_text
    return vector_from_json(read_spec_text(path), dim)


# ---------------------------------------------------------------- samplers
KINDS = ("rnn", "two_layer", "leaky")


def sample_vector_map(kind: str, dim: int, *, activation: str = "tanh",
                      weight_init: Any = "lecun_normal", bias_init: Any = "zeros",
                      gain: float = 1.0, hidden: int | None = None, leak: float | None = None,
                      input: Any = None, input_init: Any = "lecun_normal", rng: Any = 0) -> VectorRNN:
    """Draw one vector RNN map from the init registry of :mod:`rnnchaos.networks.init`.

    * ``kind="rnn"``: h -> act(W h + b [+ U u]), W (d, d).
    * ``kind="two_layer"``: h -> W2 act(W1 h + b1) + b2, W1 (m, d), W2 (d, m),
      m = ``hidden`` (default d); the output layer is identity.
    * ``kind="leaky"``: h -> (1 - a) h + a act(W h + b [+ U u]), a = ``leak`` (default 0.1).

    ``weight_init`` / ``bias_init`` are scheme strings (``he_normal``,
    ``glorot_normal``, ``lecun_normal``, ``orthogonal``, ``normal(std=0.1)``
    ...), ``gain`` multiplies every scale.  With ``input`` (a vector u of
    length m) a constant drive U u is added, U (d, m) drawn with ``input_init``
    (fan_in m) after the layers.  ``rng``: Generator, int seed or SeedSequence.
    Draw order: as :func:`rnnchaos.networks.init.sample_layers` (layer by layer, weight
    then bias), then U.

    >>> f = sample_vector_map("two_layer", 4, activation="relu", weight_init="normal(std=0.2)", rng=1)
    >>> [w.shape for w in f.weights], f.positively_homogeneous
    ([(4, 4), (4, 4)], True)
    """
    if kind not in KINDS:
        raise SpecError("kind", f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    d = _dim_arg(dim)
    rng = as_generator(rng)
    if kind == "two_layer":
        m = d if hidden is None else _dim_arg(hidden, "hidden")
        layers = sample_layers([d, m, d], [activation, "identity"], weight_init, bias_init, rng, gain)
    else:
        if hidden is not None:
            raise SpecError("hidden", f"only kind 'two_layer' has a hidden width (kind {kind!r})")
        layers = sample_layers([d, d], [activation], weight_init, bias_init, rng, gain)
    if kind == "leaky":
        leak = 0.1 if leak is None else leak
    elif leak is not None:
        raise SpecError("leak", f"only kind 'leaky' has a leak (kind {kind!r})")
    drive = None
    if input is not None:
        if kind == "two_layer":
            raise SpecError("input", "a constant input is defined for kinds 'rnn' and 'leaky'")
        u = np.array(input, dtype=np.float64)
        if u.ndim != 1 or u.size == 0 or not np.all(np.isfinite(u)):
            raise SpecError("input", "expected a non-empty 1-d vector of finite numbers")
        U = as_scheme(input_init, "input_init").draw(rng, (d, u.size), u.size, d, gain)
        drive = U @ u
    return VectorRNN(layers, leak=leak, drive=drive)


#: Maps per block of the seeding contract for vector maps (fixed).  Same rule as the
#: scalar presets (:mod:`rnnchaos.networks.presets`: block b of seed S from
#: ``SeedSequence(S, spawn_key=(b,))``, layer by layer, weight then bias, each one array
#: over the block, then U), with smaller blocks: a vector map is wide (16 maps of
#: dimension 64 are already 131,072 draws, so seeding is amortized) and a chunk of maps
#: should not have to draw 1024 of them.
VECTOR_BLOCK_SIZE = 16
#: The vector maps' seeding contract in one line, for outputs.
VECTOR_SEEDING_TEXT = (
    f"contract v{SEEDING_CONTRACT}: map I of seed S is row I mod {VECTOR_BLOCK_SIZE} of block "
    f"I // {VECTOR_BLOCK_SIZE}; block b is drawn from numpy.random.default_rng("
    "numpy.random.SeedSequence(S, spawn_key=(b,))) layer by layer, weight then bias, each as "
    f"one array ({VECTOR_BLOCK_SIZE}, out, in) / ({VECTOR_BLOCK_SIZE}, out) in C order, then U")


def _vector_targets(kind: str, d: int, *, weight_init: Any, bias_init: Any, gain: float,
                    hidden: int | None, input_size: int | None, input_init: Any) -> list:
    """The draw order of one map (:class:`~rnnchaos.networks.presets.DrawTarget` list):
    layer by layer, weight then bias (as :func:`sample_layers`), then U."""
    widths = [d, d if hidden is None else hidden, d] if kind == "two_layer" else [d, d]
    w_init, b_init = as_scheme(weight_init, "weight_init"), as_scheme(bias_init, "bias_init")
    targets = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        targets.append(DrawTarget.of(w_init, (fan_out, fan_in), fan_in, fan_out, gain))
        targets.append(DrawTarget.of(b_init, (fan_out,), fan_in, fan_out, gain))
    if input_size is not None:
        u_init = as_scheme(input_init, "input_init")
        targets.append(DrawTarget.of(u_init, (d, input_size), input_size, d, gain))
    return targets


def sample_vector_maps(n: int, seed: int, *, start: int = 0, kind: str = "rnn", dim: int = 2,
                       activation: str = "tanh", weight_init: Any = "lecun_normal",
                       bias_init: Any = "zeros", gain: float = 1.0, hidden: int | None = None,
                       leak: float | None = None, input: Any = None,
                       input_init: Any = "lecun_normal") -> VectorRNN:
    """Maps ``start .. start+n-1`` of stream ``seed``, stacked (batch (n,)), by the block contract.

    Map I is row ``I mod VECTOR_BLOCK_SIZE`` of block ``I // VECTOR_BLOCK_SIZE``, drawn
    from ``SeedSequence(seed, spawn_key=(block,))`` array by array over the whole block
    (:func:`rnnchaos.networks.presets.draw_rows`); the arguments are those of
    :func:`sample_vector_map`, whose checks they pass.

    >>> b = sample_vector_maps(3, 7, kind="rnn", dim=2)
    >>> b.batch_shape, b[1] == sample_vector_maps(1, 7, start=1, kind="rnn", dim=2)[0]
    ((3,), True)
    """
    sample_vector_map(kind, dim, activation=activation, weight_init=weight_init,  # validates
                      bias_init=bias_init, gain=gain, hidden=hidden, leak=leak, input=input,
                      input_init=input_init, rng=0)
    n, d = _dim_arg(n, "n"), _dim_arg(dim)
    u = None if input is None else np.array(input, dtype=np.float64)
    targets = _vector_targets(kind, d, weight_init=weight_init, bias_init=bias_init, gain=gain,
                              hidden=hidden, input_size=None if u is None else u.size,
                              input_init=input_init)
    arrays = draw_rows(targets, seed, start, n, VECTOR_BLOCK_SIZE)
    acts = [activation, "identity"] if kind == "two_layer" else [activation]
    layers = [(arrays[2 * i], arrays[2 * i + 1], act) for i, act in enumerate(acts)]
    drive = None if u is None else arrays[-1] @ u
    if kind == "leaky" and leak is None:
        leak = 0.1
    return VectorRNN(layers, leak=leak, drive=drive)


# ---------------------------------------------------------------- presets
@dataclass(frozen=True)
class VectorPreset:
    """A named recipe for random vector maps; :meth:`sample` draws one.

    >>> p = build_vector_preset("rnn_tanh", 8, gain=1.5)
    >>> p.sample(0).dim, p.weight_init
    (8, 'lecun_normal')
    """

    name: str
    kind: str
    dim: int
    activation: str
    weight_init: str
    bias_init: str = "zeros"
    gain: float = 1.0
    leak: float | None = None
    critical_gain: float | None = None
    note: str = ""

    def sample(self, rng: Any) -> VectorRNN:
        """Draw one map (``rng``: Generator, int seed or SeedSequence).

        >>> build_vector_preset("rnn_relu", 5).sample(3).activations[0].name
        'relu'
        """
        return sample_vector_map(self.kind, self.dim, activation=self.activation,
                                 weight_init=self.weight_init, bias_init=self.bias_init,
                                 gain=self.gain, leak=self.leak, rng=rng)

    def sample_maps(self, seed: int, n: int, start: int = 0) -> VectorRNN:
        """Maps ``start .. start+n-1`` of stream ``seed`` (the block contract of
        :func:`sample_vector_maps`), stacked.

        >>> build_vector_preset("rnn_relu", 3).sample_maps(0, 4).batch_shape
        (4,)
        """
        return sample_vector_maps(n, seed, start=start, kind=self.kind, dim=self.dim,
                                  activation=self.activation, weight_init=self.weight_init,
                                  bias_init=self.bias_init, gain=self.gain, leak=self.leak)

    def describe(self) -> dict[str, Any]:
        """JSON-able description including the seeding contract.

        >>> build_vector_preset("paper_jacobian", 64).describe()["mean_field_critical_gain"]
        1.189207115002721
        """
        return {"name": self.name, "kind": self.kind, "dim": self.dim,
                "activation": self.activation, "weight_init": self.weight_init,
                "bias_init": self.bias_init, "gain": self.gain, "leak": self.leak,
                "mean_field_critical_gain": self.critical_gain, "note": self.note,
                "seeding": VECTOR_SEEDING_TEXT, "seeding_contract": SEEDING_CONTRACT}


#: name -> (kind, activation, weight_init, leak, mean-field critical gain, note)
VECTOR_PRESETS: dict[str, tuple] = {
    "rnn_tanh": ("rnn", "tanh", "lecun_normal", None, 1.0,
                 "h -> tanh(W h), W ~ N(0, gain^2/d)"),
    "rnn_relu": ("rnn", "relu", "he_normal", None, 1.0,
                 "h -> relu(W h), W ~ N(0, 2 gain^2/d) (He); positively homogeneous"),
    "paper_jacobian": ("two_layer", "relu", "lecun_normal", None, 2 ** 0.25,
                       "h -> W2 relu(W1 h), W1, W2 ~ N(0, gain^2/d): the paper's 64-d map with "
                       "std = gain/sqrt(d); positively homogeneous"),
    "leaky_tanh": ("leaky", "tanh", "lecun_normal", 0.1, 1.0,
                   "h -> 0.9 h + 0.1 tanh(W h), W ~ N(0, gain^2/d) (Euler step of a "
                   "continuous-time RNN, dt/tau = 0.1)"),
}


def build_vector_preset(name: str, dim: int, *, gain: float = 1.0, std: float | None = None,
                        weight_init: str | None = None, bias_init: str | None = None,
                        leak: float | None = None) -> VectorPreset:
    """The :class:`VectorPreset` ``name`` (one of :data:`VECTOR_PRESETS`) at dimension ``dim``.

    ``std`` (exclusive with a non-default ``gain`` or ``weight_init``) sets the
    weight scheme to ``normal(std=std)``: weights N(0, std^2) exactly.

    >>> build_vector_preset("paper_jacobian", 64, std=0.15).weight_init
    'normal(std=0.15, mean=0.0)'
    """
    if not isinstance(name, str) or name not in VECTOR_PRESETS:
        raise SpecError("preset", f"unknown vector preset {name!r}; choose one of "
                        f"{', '.join(VECTOR_PRESETS)}")
    kind, act, w_init, default_leak, crit, note = VECTOR_PRESETS[name]
    d = _dim_arg(dim)
    if isinstance(gain, bool) or not isinstance(gain, Real) or not math.isfinite(gain) or not gain > 0:
        raise SpecError("gain", f"must be a finite number > 0, got {gain!r}")
    if std is not None:
        if gain != 1.0 or weight_init is not None:
            raise SpecError("std", "give std, or gain / weight_init, not both")
        if isinstance(std, bool) or not isinstance(std, Real) or not math.isfinite(std) or not std > 0:
            raise SpecError("std", f"must be a finite number > 0, got {std!r}")
        w_init, crit = str(make_scheme("normal", {"std": float(std)}, "std")), None
    elif weight_init is not None:
        w_init, crit = str(as_scheme(weight_init, "weight_init")), None
    b_init = "zeros" if bias_init is None else str(as_scheme(bias_init, "bias_init"))
    if kind == "leaky":
        leak = default_leak if leak is None else _leak_arg(leak)
    elif leak is not None:
        raise SpecError("leak", f"preset {name!r} has no leak")
    return VectorPreset(name, kind, d, act, str(w_init), b_init, float(gain), leak, crit, note)


def sample_vector_preset(preset: VectorPreset, seed: int, index: int = 0) -> VectorRNN:
    """Map number ``index`` of stream ``seed`` (block contract: it draws its block's rows up to it).

    >>> p = build_vector_preset("rnn_tanh", 4)
    >>> sample_vector_preset(p, 3, 18) == sample_vector_batch(p, 3, 4, start=16)[2]
    True
    """
    if not isinstance(preset, VectorPreset):
        raise SpecError("preset", f"expected a VectorPreset, got {preset!r}")
    return preset.sample_maps(seed, 1, index)[0]


def sample_vector_batch(preset: VectorPreset, seed: int, n: int, start: int = 0) -> VectorRNN:
    """Maps ``start .. start+n-1`` of stream ``seed`` stacked into one batched map.

    >>> p = build_vector_preset("leaky_tanh", 3)
    >>> sample_vector_batch(p, 1, 4, start=2)[0] == sample_vector_preset(p, 1, 2)
    True
    """
    if not isinstance(preset, VectorPreset):
        raise SpecError("preset", f"expected a VectorPreset, got {preset!r}")
    return preset.sample_maps(seed, n, start)
