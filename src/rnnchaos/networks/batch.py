"""Batches of scalar networks with one architecture, stored as stacked arrays.

A :class:`NetworkBatch` holds ``B`` networks that share their layer shapes and
activations: layer ``l`` is a weight array of shape ``(B, out, in)`` (torch
order, as in :class:`~rnnchaos.networks.model.Layer`), a bias array of shape
``(B, out)`` and one :class:`~rnnchaos.networks.model.Activation`.  It is what the batch
deciders (:func:`rnnchaos.deciders.verdicts.decide`, :func:`rnnchaos.deciders.reference.reference_test`)
consume; :func:`sample_preset_batch` draws the paper's networks directly into
such arrays, following the seeding contract of :mod:`rnnchaos.networks.presets`.

Floating point.  :meth:`NetworkBatch.forward` evaluates every layer as
``act(sum_i W[o, i] * h[i] + b[o])`` with the sum taken **sequentially**
(i = 0, 1, ...) in float64 and the bias added last, which is what numpy's
``np.dot`` of a row vector does for the small widths of the paper (width <= 8,
checked in the tests), so results equal ``ScalarRNN.__call__`` evaluated point
by point bit for bit there.  For larger widths, or against ``ScalarRNN``
evaluated on whole arrays (BLAS, possibly with FMA), results agree up to the
summation order (a few ulps).  Smooth activations (tanh, sigmoid) use numpy's
own ``np.tanh`` so that they match :class:`~rnnchaos.networks.model.Activation` exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Sequence

import numpy as np

from .._lib.jit import HAVE_NUMBA, njit
from .._lib.threads import run_chunks
from ..errors import SpecError
from .model import Activation, Layer, ScalarRNN

#: Activation codes used by the compiled kernels.
ACT_IDENTITY, ACT_RELU, ACT_LEAKY, ACT_HARDTANH, ACT_TANH, ACT_SIGMOID = range(6)
_ACT_CODES = {"identity": ACT_IDENTITY, "relu": ACT_RELU, "leaky_relu": ACT_LEAKY,
              "hardtanh": ACT_HARDTANH, "tanh": ACT_TANH, "sigmoid": ACT_SIGMOID}


def activation_code(act: Activation) -> tuple[int, float, float]:
    """(code, p1, p2) of an activation for the kernels: leaky_relu p1 = negative_slope,
    hardtanh (p1, p2) = (min_val, max_val); unused parameters are 0.

    >>> activation_code(Activation.from_spec("hardtanh", {"min_val": 0.0, "max_val": 1.0}))
    (3, 0.0, 1.0)
    """
    code = _ACT_CODES[act.name]
    if code == ACT_LEAKY:
        return code, float(act.params["negative_slope"]), 0.0
    if code == ACT_HARDTANH:
        return code, float(act.params["min_val"]), float(act.params["max_val"])
    return code, 0.0, 0.0


def _all_finite(x: np.ndarray) -> bool:
    """Every entry finite: min and max are (they propagate NaN), without a boolean copy."""
    return x.size == 0 or bool(np.isfinite(x.min()) and np.isfinite(x.max()))


@dataclass(frozen=True)
class BatchLayer:
    """Layer ``l`` of a batch: ``weight`` (B, out, in), ``bias`` (B, out), one activation.

    >>> sample_preset_batch("paper_he", 0, 0, 3).layers[1].weight.shape
    (3, 1, 2)
    """

    weight: np.ndarray
    bias: np.ndarray
    activation: Activation

    @property
    def in_features(self) -> int:
        return self.weight.shape[2]

    @property
    def out_features(self) -> int:
        return self.weight.shape[1]


class NetworkBatch:
    """``B`` scalar networks with the same architecture, as stacked float64 arrays.

    Build with :meth:`from_networks`, :meth:`from_arrays` or :func:`sample_preset_batch`.
    ``preset`` (optional) records the :class:`~rnnchaos.networks.presets.Preset` the batch was
    drawn from; :func:`rnnchaos.deciders.verdicts.decide` uses it for the reference window.

    >>> from rnnchaos.networks.presets import sample_preset
    >>> nets = [sample_preset("paper_he", 0, i) for i in range(3)]
    >>> batch = NetworkBatch.from_networks(nets)
    >>> len(batch), batch.network(1) == nets[1]
    (3, True)
    """

    def __init__(self, layers: Sequence[BatchLayer], preset: Any = None):
        self.layers = tuple(layers)
        self.preset = preset
        if not self.layers:
            raise SpecError("layers", "a batch needs at least one layer")
        n = self.layers[0].weight.shape[0]
        for i, layer in enumerate(self.layers):
            if layer.weight.ndim != 3 or layer.bias.shape != layer.weight.shape[:2] \
                    or layer.weight.shape[0] != n:
                raise SpecError(f"layers[{i}]", f"inconsistent batch shapes {layer.weight.shape} "
                                f"and {layer.bias.shape}")
            if i and layer.in_features != self.layers[i - 1].out_features:
                raise SpecError(f"layers[{i}].weight", "input size does not match the previous layer")
        if self.layers[0].in_features != 1 or self.layers[-1].out_features != 1:
            raise SpecError("layers", "a batch of scalar maps needs in_features 1 and out_features 1")

    # ---------------------------------------------------------------- builders
    @classmethod
    def from_arrays(cls, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                    activations: Sequence[Activation], preset: Any = None) -> "NetworkBatch":
        """From per-layer stacked arrays (B, out, in) and (B, out) and one activation per layer.

        >>> w1, b1 = np.ones((4, 2, 1)), np.zeros((4, 2))
        >>> w2, b2 = np.ones((4, 1, 2)), np.zeros((4, 1))
        >>> acts = [Activation.from_spec("relu"), Activation.from_spec("identity")]
        >>> NetworkBatch.from_arrays([w1, w2], [b1, b2], acts).forward(np.full((4, 1), 2.0))[:, 0]
        array([4., 4., 4., 4.])
        """
        if not (len(weights) == len(biases) == len(activations)):
            raise SpecError("layers", "need one weight, bias and activation per layer")
        layers = []
        for i, (w, b, act) in enumerate(zip(weights, biases, activations)):
            if not isinstance(act, Activation):
                raise SpecError(f"layers[{i}].activation", f"expected an Activation, got {act!r}")
            w = np.ascontiguousarray(w, dtype=np.float64)
            b = np.ascontiguousarray(b, dtype=np.float64)
            if not _all_finite(w) or not _all_finite(b):
                raise SpecError(f"layers[{i}]", "weights and biases must be finite")
            layers.append(BatchLayer(w, b, act))
        return cls(layers, preset)

    @classmethod
    def from_networks(cls, networks: Sequence[ScalarRNN], preset: Any = None) -> "NetworkBatch":
        """Stack a non-empty list of :class:`ScalarRNN` with identical architecture.

        Raises SpecError("networks", ...) when shapes or activations differ.

        >>> from rnnchaos.networks.presets import sample_preset
        >>> NetworkBatch.from_networks([sample_preset("paper_a", 1, 0)]).layers[0].weight.shape
        (1, 2, 1)
        """
        networks = list(networks)
        if not networks:
            raise SpecError("networks", "expected a non-empty list of ScalarRNN")
        first = networks[0]
        for j, net in enumerate(networks):
            if not isinstance(net, ScalarRNN):
                raise SpecError(f"networks[{j}]", f"expected a ScalarRNN, got {type(net).__name__}")
            if len(net.layers) != len(first.layers) or any(
                    a.weight.shape != b.weight.shape or a.activation != b.activation
                    for a, b in zip(net.layers, first.layers)):
                raise SpecError(f"networks[{j}]", f"architecture {net!r} differs from networks[0] "
                                f"{first!r} (shapes and activations must be identical)")
        weights = [np.stack([net.layers[l].weight for net in networks])
                   for l in range(len(first.layers))]
        biases = [np.stack([net.layers[l].bias for net in networks])
                  for l in range(len(first.layers))]
        return cls.from_arrays(weights, biases, [l.activation for l in first.layers], preset)

    # ---------------------------------------------------------------- access
    def __len__(self) -> int:
        return self.layers[0].weight.shape[0]

    def __repr__(self) -> str:
        shapes = " -> ".join(f"{l.out_features}:{l.activation.name}" for l in self.layers)
        return f"NetworkBatch({len(self)} networks, 1 -> {shapes})"

    @property
    def activations(self) -> tuple[Activation, ...]:
        return tuple(l.activation for l in self.layers)

    @property
    def is_piecewise_linear(self) -> bool:
        return all(l.activation.is_piecewise_linear for l in self.layers)

    def network(self, i: int) -> ScalarRNN:
        """Network ``i`` as a :class:`ScalarRNN` (copies of its weights).

        >>> from rnnchaos.networks.presets import sample_preset
        >>> b = sample_preset_batch("paper_he", 0, 5, 2)
        >>> b.network(1) == sample_preset("paper_he", 0, 6)
        True
        """
        if isinstance(i, bool) or not isinstance(i, Integral) or not -len(self) <= i < len(self):
            raise SpecError("index", f"must be an integer in [0, {len(self)}), got {i!r}")
        return ScalarRNN([Layer(l.weight[i].copy(), l.bias[i].copy(), l.activation)
                          for l in self.layers])

    def networks(self) -> list[ScalarRNN]:
        """All networks as :class:`ScalarRNN` objects, in batch order.

        >>> len(sample_preset_batch("paper_he", 0, 0, 3).networks())
        3
        """
        return [self.network(i) for i in range(len(self))]

    def subset(self, index) -> "NetworkBatch":
        """The batch of networks ``index`` (an integer array, a slice or a boolean mask).

        >>> len(sample_preset_batch("paper_he", 0, 0, 5).subset(np.array([0, 3])))
        2
        """
        return NetworkBatch([BatchLayer(np.ascontiguousarray(l.weight[index]),
                                        np.ascontiguousarray(l.bias[index]), l.activation)
                             for l in self.layers], self.preset)

    def packed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(params (B, P), shapes (L, 2) of (in, out), acts (L, 3) of (code, p1, p2)) for kernels.

        Per network, layer by layer: the weight in C order (out, in), then the bias.

        >>> p, shapes, acts = sample_preset_batch("paper_he", 0, 0, 3).packed()
        >>> p.shape, shapes.tolist(), acts[:, 0].tolist()
        ((3, 7), [[1, 2], [2, 1]], [1.0, 1.0])
        """
        params = np.concatenate([np.concatenate([l.weight.reshape(len(self), -1), l.bias], axis=1)
                                 for l in self.layers], axis=1)
        shapes = np.array([[l.in_features, l.out_features] for l in self.layers], dtype=np.int64)
        acts = np.array([activation_code(l.activation) for l in self.layers], dtype=np.float64)
        return np.ascontiguousarray(params), shapes, acts

    # ---------------------------------------------------------------- evaluation
    def forward(self, x) -> np.ndarray:
        """f_b(x[b, j]) for every network b and point j, in float64.

        ``x`` has shape (B,) or (B, n); the result has the same shape.  See the
        module docstring for the summation order (sequential, bias last).

        >>> b = sample_preset_batch("paper_he", 0, 0, 3)
        >>> x = np.linspace(-1, 1, 5)[None, :].repeat(3, 0)
        >>> bool(np.array_equal(b.forward(x)[2], b.network(2)(x[2])))
        True
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim not in (1, 2) or x.shape[0] != len(self):
            raise SpecError("x", f"expected shape ({len(self)},) or ({len(self)}, n), got {x.shape}")
        squeeze = x.ndim == 1
        x2 = np.ascontiguousarray(x[:, None] if squeeze else x)
        out = self.iterate_forward(x2, 1)
        return out[:, 0] if squeeze else out

    def iterate_forward(self, x: np.ndarray, steps: int) -> np.ndarray:
        """f_b^steps(x[b, j]) (``steps`` >= 1 applications of f), x of shape (B, n).

        >>> b = sample_preset_batch("paper_he", 0, 0, 2)
        >>> x = np.zeros((2, 1))
        >>> bool(np.array_equal(b.iterate_forward(x, 2), b.forward(b.forward(x))))
        True
        """
        x = np.ascontiguousarray(x, dtype=np.float64)
        if self.is_piecewise_linear and HAVE_NUMBA:
            params, shapes, acts = self.packed()
            out = np.empty_like(x)
            run_chunks(lambda s, e: _forward_pl(params, shapes, acts, x, int(steps), out, s, e),
                       len(self), min_chunk=max(1, 65536 // max(1, x.shape[1])))
            return out
        out = x
        for _ in range(steps):
            out = _forward_numpy(self.layers, out)
        return out


# -------------------------------------------------------------------- kernels
def _forward_numpy(layers, x: np.ndarray, chunk: int = 1 << 22) -> np.ndarray:
    """Layer by layer with numpy, sequential sums, chunked over networks to bound memory."""
    B, n = x.shape
    width = max(l.out_features for l in layers)
    step = max(1, chunk // max(1, n * width))
    out = np.empty_like(x)
    for s in range(0, B, step):
        h = x[s:s + step, :, None]
        for layer in layers:
            w = layer.weight[s:s + step]
            z = h[:, :, 0:1] * w[:, None, :, 0]
            for i in range(1, layer.in_features):
                z = z + h[:, :, i:i + 1] * w[:, None, :, i]
            z = z + layer.bias[s:s + step, None, :]
            h = layer.activation(z)
        out[s:s + step] = h[:, :, 0]
    return out


@njit(cache=True, inline="always")
def _act(z, code, p1, p2):
    """Scalar activation with numpy's semantics (nan propagates)."""
    if code == 1:  # relu, as np.maximum(z, 0.0)
        return z if (z >= 0.0 or z != z) else 0.0
    if code == 2:  # leaky_relu, as np.where(z >= 0, z, slope * z)
        return z if z >= 0.0 else p1 * z
    if code == 3:  # hardtanh, as np.clip(z, lo, hi)
        if z < p1:
            return p1
        if z > p2:
            return p2
        return z
    if code == 4:  # tanh (libm: a float evaluation, never a proof)
        return math.tanh(z)
    if code == 5:  # sigmoid as (1 + tanh(z/2))/2, the model's overflow-free formula
        return 0.5 * (1.0 + math.tanh(0.5 * z))
    return z


@njit(cache=True, inline="always")
def step_packed(p, v, shapes, acts, h, g):
    """f(v) for one packed network ``p`` (per-point float evaluation; h, g are scratch)."""
    h[0] = v
    off = 0
    for l in range(shapes.shape[0]):
        fin = shapes[l, 0]
        fout = shapes[l, 1]
        code = int(acts[l, 0])
        boff = off + fin * fout
        for o in range(fout):
            s = p[off + o * fin] * h[0]
            for i in range(1, fin):
                s += p[off + o * fin + i] * h[i]
            s += p[boff + o]
            g[o] = _act(s, code, acts[l, 1], acts[l, 2])
        for o in range(fout):
            h[o] = g[o]
        off = boff + fout
    return h[0]


@njit(cache=True, inline="always")
def forward_scratch(shapes):
    """Two work vectors as long as the widest layer, for :func:`step_packed`."""
    width = 1
    for l in range(shapes.shape[0]):
        width = max(width, shapes[l, 1])
    return np.empty(width), np.empty(width)


@njit(cache=True, nogil=True)
def _forward_pl(params, shapes, acts, x, steps, out, start, end):
    n = x.shape[1]
    h, g = forward_scratch(shapes)
    for b in range(start, end):
        p = params[b]
        for j in range(n):
            v = x[b, j]
            for _ in range(steps):
                v = step_packed(p, v, shapes, acts, h, g)
            out[b, j] = v


# -------------------------------------------------------------------- sampling
def sample_preset_batch(preset, seed: int, start: int = 0, count: int = 1) -> NetworkBatch:
    """Networks ``start .. start+count-1`` of the stream ``seed`` of ``preset``, as a batch.

    Drawn by the block seeding contract of :mod:`rnnchaos.networks.presets`
    (:func:`~rnnchaos.networks.presets.draw_rows`): straight into stacked arrays,
    whole-array calls per block, no per-network Python loop and no
    :class:`ScalarRNN` built.  ``preset`` is a :class:`~rnnchaos.networks.presets.Preset`
    or a preset name (default options).

    >>> from rnnchaos.networks.presets import sample_preset
    >>> b = sample_preset_batch("paper_he", 7, 1020, 8)
    >>> all(b.network(i) == sample_preset("paper_he", 7, 1020 + i) for i in range(8))
    True
    """
    from .presets import as_preset, draw_rows

    preset = as_preset(preset)
    arrays = draw_rows(preset.draw_targets(), seed, start, count)
    return NetworkBatch.from_arrays(arrays[0::2], arrays[1::2], [l.activation for l in preset.plan],
                                    preset)


__all__ = [
    "BatchLayer",
    "NetworkBatch",
    "sample_preset_batch",
    "activation_code",
    "run_chunks",
]
