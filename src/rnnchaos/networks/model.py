"""Network maps: layers, activations, JSON specifications.

A network is a stack of layers ``x -> act(W x + b)`` with ``W`` in the torch
shape ``(out_features, in_features)``.  A *scalar RNN map* is a network with
one input and one output, iterated as ``x_{t+1} = f(x_t)`` (the paper's model).

Weights are IEEE doubles; the exact engine (:mod:`rnnchaos.exact.pl`) uses their
exact binary values.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable

import numpy as np

from .._lib.validation import (
    MAX_JSON_BYTES,
    check_real,
    decode_utf8,
    read_json,
    refuse_unknown_keys,
)
from ..errors import NotPiecewiseLinearError, SpecError

#: Activations and their parameters with defaults.
ACTIVATIONS: dict[str, dict[str, float]] = {
    "identity": {},
    "relu": {},
    "leaky_relu": {"negative_slope": 0.01},
    "hardtanh": {"min_val": -1.0, "max_val": 1.0},
    "tanh": {},
    "sigmoid": {},
}
PIECEWISE_LINEAR = frozenset({"identity", "relu", "leaky_relu", "hardtanh"})


def finite_number(value: Any, field_name: str) -> float:
    """A finite float from a JSON number, or a SpecError naming the field."""
    return check_real(value, field_name)


@dataclass(frozen=True)
class Activation:
    """An elementwise activation ``name`` with its parameters.

    >>> Activation.from_spec("leaky_relu", {"negative_slope": 0.1}).params
    {'negative_slope': 0.1}
    """

    name: str
    params: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, name: Any, params: dict[str, Any] | None = None,
                  field_name: str = "activation") -> "Activation":
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise SpecError(field_name, f"unknown activation {name!r}; "
                            f"choose one of {', '.join(sorted(ACTIVATIONS))}")
        params = dict(params or {})
        base = field_name.rsplit(".", 1)[0] if "." in field_name else ""
        out = {}
        for key, default in ACTIVATIONS[name].items():
            key_field = f"{base}.{key}" if base else key
            out[key] = finite_number(params.pop(key), key_field) if key in params else default
        for key in params:
            raise SpecError(f"{base}.{key}" if base else key,
                            f"unknown key for activation {name!r} (allowed: "
                            f"{', '.join(ACTIVATIONS[name]) or 'none'})")
        if name == "hardtanh" and not out["min_val"] < out["max_val"]:
            raise SpecError(field_name, f"hardtanh needs min_val < max_val, got "
                            f"{out['min_val']} and {out['max_val']}")
        if name == "leaky_relu" and out["negative_slope"] < 0:
            raise SpecError(field_name, "leaky_relu negative_slope must be >= 0, got "
                            f"{out['negative_slope']}")
        return cls(name, out)

    @property
    def is_piecewise_linear(self) -> bool:
        return self.name in PIECEWISE_LINEAR

    def __call__(self, z: np.ndarray) -> np.ndarray:
        if self.name == "identity":
            return z
        if self.name == "relu":
            return np.maximum(z, 0.0)
        if self.name == "leaky_relu":
            return np.where(z >= 0, z, self.params["negative_slope"] * z)
        if self.name == "hardtanh":
            return np.clip(z, self.params["min_val"], self.params["max_val"])
        if self.name == "tanh":
            return np.tanh(z)
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid, overflow-free

    def pieces(self) -> tuple[list[float], list[float], list[float]]:
        """Breakpoints, slopes and intercepts (len(breaks)+1 each) of a PL activation.

        Raises :class:`NotPiecewiseLinearError` for tanh and sigmoid.
        """
        if self.name == "identity":
            return [], [1.0], [0.0]
        if self.name == "relu":
            return [0.0], [0.0, 1.0], [0.0, 0.0]
        if self.name == "leaky_relu":
            return [0.0], [self.params["negative_slope"], 1.0], [0.0, 0.0]
        if self.name == "hardtanh":
            lo, hi = self.params["min_val"], self.params["max_val"]
            return [lo, hi], [0.0, 1.0, 0.0], [lo, 0.0, hi]
        raise NotPiecewiseLinearError(
            f"activation {self.name!r} is smooth, not piecewise linear: the exact engine "
            "handles identity, relu, leaky_relu and hardtanh only")

    def to_spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"activation": self.name}
        out.update({k: v for k, v in self.params.items() if v != ACTIVATIONS[self.name][k]})
        return out


@dataclass(frozen=True)
class Layer:
    """One layer ``x -> activation(weight @ x + bias)``; weight is (out, in)."""

    weight: np.ndarray
    bias: np.ndarray
    activation: Activation

    @property
    def in_features(self) -> int:
        return self.weight.shape[1]

    @property
    def out_features(self) -> int:
        return self.weight.shape[0]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Apply to a batch ``x`` of shape (..., in_features)."""
        return self.activation(x @ self.weight.T + self.bias)


def _matrix(value: Any, field_name: str) -> np.ndarray:
    if not isinstance(value, list) or not value:
        raise SpecError(field_name, "expected a non-empty list of rows "
                        "(shape [out_features][in_features])")
    rows = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or not row:
            raise SpecError(f"{field_name}[{i}]", f"expected a non-empty list of numbers, got {row!r}")
        rows.append([finite_number(v, f"{field_name}[{i}][{j}]") for j, v in enumerate(row)])
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise SpecError(field_name, f"ragged rows: row 0 has {width} entries, row {i} has {len(row)}")
    return np.array(rows, dtype=np.float64)


def _vector(value: Any, field_name: str) -> np.ndarray:
    if not isinstance(value, list) or not value:
        raise SpecError(field_name, "expected a non-empty list of numbers")
    return np.array([finite_number(v, f"{field_name}[{i}]") for i, v in enumerate(value)],
                    dtype=np.float64)


class Network:
    """A stack of :class:`Layer` objects mapping R^in to R^out."""

    #: Top-level keys a spec of this class may have; None: the caller checks them
    #: (vector specs add ``leak`` and ``drive``, see :mod:`rnnchaos.networks.vector`).
    SPEC_KEYS: tuple[str, ...] | None = None
    #: Why a key is refused, for keys that belong to another kind of spec.
    FOREIGN_KEY_HINTS: dict[str, str] = {}

    def __init__(self, layers: Iterable[Layer]):
        self.layers = tuple(layers)
        if not self.layers:
            raise SpecError("layers", "a network needs at least one layer")
        for i, (a, b) in enumerate(zip(self.layers, self.layers[1:])):
            if a.out_features != b.in_features:
                raise SpecError(f"layers[{i + 1}].weight",
                                f"has {b.in_features} input features but layers[{i}] "
                                f"has {a.out_features} outputs")

    @property
    def in_features(self) -> int:
        return self.layers[0].in_features

    @property
    def out_features(self) -> int:
        return self.layers[-1].out_features

    @property
    def is_piecewise_linear(self) -> bool:
        return all(layer.activation.is_piecewise_linear for layer in self.layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer(x)
        return x

    # --- (de)serialization -------------------------------------------------
    @classmethod
    def from_dict(cls, spec: Any):
        if not isinstance(spec, dict):
            raise SpecError("spec", f"expected a JSON object with key 'layers', got {type(spec).__name__}")
        if cls.SPEC_KEYS is not None:
            refuse_unknown_keys(spec, cls.SPEC_KEYS, hints=cls.FOREIGN_KEY_HINTS)
        if "layers" not in spec:
            raise SpecError("layers", "missing key")
        layers_spec = spec["layers"]
        if not isinstance(layers_spec, list) or not layers_spec:
            raise SpecError("layers", "expected a non-empty list of layer objects")
        layers = []
        for i, ls in enumerate(layers_spec):
            f = f"layers[{i}]"
            if not isinstance(ls, dict):
                raise SpecError(f, f"expected an object, got {ls!r}")
            for key in ("weight", "bias"):
                if key not in ls:
                    raise SpecError(f"{f}.{key}", "missing key")
            weight = _matrix(ls["weight"], f"{f}.weight")
            bias = _vector(ls["bias"], f"{f}.bias")
            if bias.shape[0] != weight.shape[0]:
                raise SpecError(f"{f}.bias", f"has {bias.shape[0]} entries but weight has "
                                f"{weight.shape[0]} rows (out_features)")
            params = {k: v for k, v in ls.items() if k not in ("weight", "bias", "activation")}
            act = Activation.from_spec(ls.get("activation", "identity"), params, f"{f}.activation")
            layers.append(Layer(weight, bias, act))
        return cls(layers)

    @classmethod
    def from_json(cls, text: str):
        """Parse a JSON specification (see the README for the format)."""
        if not isinstance(text, str) or not text.strip():
            raise SpecError("spec", "empty input: expected a JSON object with key 'layers'")
        return cls.from_dict(read_json(text, "spec"))

    @classmethod
    def from_file(cls, path: str):
        """Read a specification from a file, or from standard input when path is '-'."""
        return cls.from_json(read_spec_text(path))

    def to_dict(self) -> dict[str, Any]:
        return {"layers": [{"weight": layer.weight.tolist(), "bias": layer.bias.tolist(),
                            **layer.activation.to_spec()} for layer in self.layers]}

    def to_json(self, indent: int | None = None) -> str:
        """JSON text that :meth:`from_json` reads back bit for bit (repr of doubles)."""
        return json.dumps(self.to_dict(), indent=indent)

    def __eq__(self, other):
        if not isinstance(other, Network) or len(self.layers) != len(other.layers):
            return NotImplemented if not isinstance(other, Network) else False
        return all(np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
                   and a.activation == b.activation for a, b in zip(self.layers, other.layers))

    def __repr__(self):
        shapes = " -> ".join(f"{l.out_features}:{l.activation.name}" for l in self.layers)
        return f"{type(self).__name__}({self.in_features} -> {shapes})"


def read_spec_text(path: str) -> str:
    """The text of a specification file, or of standard input when ``path`` is '-'."""
    import sys

    # Bytes first, decoded strictly here: the locale's encoding of stdin does not
    # matter, and a file larger than the JSON limit is refused without reading it all.
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read(MAX_JSON_BYTES + 1) if stream is not None \
                else sys.stdin.read(MAX_JSON_BYTES + 1).encode("utf-8", "surrogateescape")
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise SpecError("spec", f"cannot read {path!r}: {exc.strerror or exc}") from None
    if len(data) > MAX_JSON_BYTES:
        raise SpecError("spec", f"{path!r} is larger than {MAX_JSON_BYTES} bytes")
    return decode_utf8(data, "spec" if path == "-" else f"spec {path!r}")


def _exact_act(act: Activation, z: Fraction) -> Fraction:
    if act.name == "relu":
        return max(z, Fraction(0))
    if act.name == "leaky_relu":
        return z if z >= 0 else Fraction(act.params["negative_slope"]) * z
    if act.name == "hardtanh":
        return min(max(z, Fraction(act.params["min_val"])), Fraction(act.params["max_val"]))
    return z


class ScalarRNN(Network):
    """A scalar RNN map f: R -> R (one input, one output), iterated x -> f(x).

    >>> f = ScalarRNN.from_json('{"layers": [{"weight": [[1.0], [1.0]], "bias": [0.0, -0.5],'
    ...     ' "activation": "relu"}, {"weight": [[2.0, -4.0]], "bias": [0.0]}]}')
    >>> f(0.25), f(0.75)
    (0.5, 0.5)
    """

    SPEC_KEYS = ("layers",)
    FOREIGN_KEY_HINTS = {key: f"{key!r} belongs to vector specs (rnnchaos lyapunov); the "
                         "scalar commands have no such parameter" for key in ("leak", "drive")}

    def __init__(self, layers: Iterable[Layer]):
        super().__init__(layers)
        if self.in_features != 1:
            raise SpecError("layers[0].weight", f"a scalar map needs in_features 1, got {self.in_features}")
        if self.out_features != 1:
            raise SpecError(f"layers[{len(self.layers) - 1}].weight",
                            f"a scalar map needs out_features 1, got {self.out_features}")

    def __call__(self, x):
        """Evaluate f on a float or a numpy array of any shape (float64)."""
        arr = np.asarray(x, dtype=np.float64)
        out = self.forward(arr[..., None])[..., 0]
        return float(out) if np.ndim(x) == 0 else out

    def exact(self, x) -> Fraction:
        """f(x) in exact rational arithmetic, layer by layer (weights' exact binary values).

        Independent of the piecewise-linear engine; used to check certificates.
        """
        h = [Fraction(x)]
        for layer in self.layers:
            act = layer.activation
            if not act.is_piecewise_linear:
                raise NotPiecewiseLinearError(f"activation {act.name!r} has no exact evaluation")
            h = [_exact_act(act, sum((Fraction(float(w)) * v for w, v in zip(row, h)),
                                     Fraction(float(b))))
                 for row, b in zip(layer.weight, layer.bias)]
        return h[0]

    def iterate(self, x, steps: int) -> np.ndarray:
        """Float orbit x, f(x), ..., f^steps(x) (floating point: not certified)."""
        out = [float(x)]
        for _ in range(steps):
            out.append(self(out[-1]))
        return np.array(out)
