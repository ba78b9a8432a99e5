"""Lyapunov spectra on a PyTorch device (CPU or CUDA): many maps at once, large d.

The method is the one of :mod:`rnnchaos.dynamics.lyapunov` (QR / Benettin; natural log
per iteration, descending): an orthonormal d x k frame Q is carried along the
orbit, the propagated frame M = Df ... Df Q is re-orthonormalized M = Q' R
every ``qr_interval`` steps and log |R_ii| is accumulated.  What changes is
where the arithmetic runs: states, frames and parameters are torch tensors on
``device`` in ``dtype`` (float64 by default, float32 on request), and a stack
of B maps of one size (``batch_shape`` (B,), e.g. a gain x seed grid of a
sweep) advances as one batch.  torch is an optional extra, imported here only.

Same draws as the NumPy path
----------------------------
h0 and the initial frame are drawn by numpy from ``rng`` exactly as
:func:`rnnchaos.dynamics.lyapunov.lyapunov_spectrum` draws them (same SeedSequence
streams, same order), then copied to the device; the maps are the same
objects.  Both paths therefore follow the same orbit from the same frame;
they differ only by rounding (a different summation order in the matrix
products), which a chaotic orbit amplifies by about exp(lambda_max t): over
a run short enough that exp(lambda_max T) u stays small the two agree to
about that size, over long runs only to the statistical (finite-time) error,
which the split-half difference measures.

Systems on the device
---------------------
:func:`to_device` turns a system into its torch twin (closed forms, the same
equations and kink conventions as :mod:`rnnchaos.networks.vector`):

* :class:`rnnchaos.networks.vector.VectorRNN` (batched or not), :class:`LinearMap`,
  :class:`HenonMap`: step and Df V in closed form (Df V = diag(act') W V,
  layer by layer; no d x d Jacobian is formed unless asked for).
* torch modules (``nn.RNN``, ``nn.GRU``, ``nn.LSTM``, their cells,
  ``nn.Sequential`` of Linear and activations) and
  :class:`rnnchaos.networks.torch_import.RecurrentCellMap`: the parameters go through
  the validating importer :func:`rnnchaos.networks.torch_import.from_torch` (float64
  copies), then live on the device.  A Sequential or one-layer RNN becomes a
  VectorRNN (closed form above); GRU, LSTM and stacked RNN cells are stepped
  with torch's equations written in torch ops (gate order r, z, n and
  i, f, g, o; state [h_0..h_{L-1}, c_0..c_{L-1}]) and their Df V comes from
  forward-mode autodiff, ``torch.func.jvp`` vmapped over the k frame columns.

QR kernels
----------
* ``"cholesky_qr2"``: Cholesky-QR2 (Fukaya et al. 2014;
  Yamamoto et al. 2015).  G = M^T M = R1^T R1, Q1 = M R1^-1; again on Q1:
  Q1^T Q1 = R2^T R2, Q = Q1 R2^-1, R = R2 R1 (so |R_ii| = R2_ii R1_ii).
  Everything is a batched matrix product, a batched k x k Cholesky or a
  triangular solve: kernels that GPUs run well on many small matrices,
  unlike ``torch.linalg.qr``, which loops over a batch.  One pass loses
  orthogonality like cond(M)^2 u; the second pass restores it to O(u) when
  the first one's Q1 is already close to orthonormal.  That condition is
  checked a posteriori for free: the second Gram matrix *is* Q1^T Q1.  With
  max |Q1^T Q1 - I| = delta < 1, cond(Q1)^2 <= (1 + delta) / (1 - delta), which
  is 3 at delta = ``GRAM_TOLERANCE`` = 0.5, so the second pass is a Cholesky-QR
  of a well-conditioned matrix (orthogonality O(u)).  A map above that
  tolerance (or whose Cholesky fails: an ill-conditioned or singular frame)
  is redone by Householder QR (``torch.linalg.qr``) for that map only;
  ``result.fallbacks`` counts them.  Measured (d = 256, k = 64, prescribed
  condition numbers): float64 passes up to cond(M) = 1e8 with
  orthogonality 2e-15 and log|R_ii| within 2e-10 of Householder; float32
  passes up to about 6e3 (delta 0.2) with orthogonality 7e-7 and log|R_ii|
  as accurate as float32 Householder (1e-5).
* ``"householder"``: ``torch.linalg.qr`` for every map (LAPACK on CPU,
  cuSOLVER / MAGMA on CUDA).
* ``"auto"`` (the default): Cholesky-QR2, but when more than half of the per-map QRs of
  the frame warm-up (``tangent_transient``) fell back, Householder for the
  measured steps (running both kernels on most maps would cost more than
  Householder alone).  This is typical of float32 full spectra: their frames
  carry the whole range of exponents, cond(M) ~ exp(lambda_1 - lambda_d) per
  QR, past what float32 Cholesky-QR2 accepts (about 6e3).

k = 1 (lambda_max only) is a normalization with either kernel.  The log
|R_ii| sums are accumulated in float64 whatever ``dtype`` is, so a float32
run loses accuracy in the map and the frame, not in the running sum.

Diagnostics are those of the NumPy path (split-half difference, cond_max,
orthogonality error of the final frame, radial rate, divergence, the
two-trajectory lambda_max check), returned in a :class:`TorchLyapunovResult`
(a :class:`rnnchaos.dynamics.lyapunov.LyapunovResult` with the device, dtype, kernel
and fallback count added).  In float32 the two-trajectory check starts its
companion ``direct_eps`` = 1e-3 away by default (1e-8 in float64): a
separation below float32 resolution would round to zero.

The cost of float32 (``python benchmarks/bench_lyapunov_torch.py --accuracy``,
CPU tensors): 2e-7 on the exponents of a normal linear map, 7e-8 on Henon's
sum log|b|, 4e-5 on the full spectrum of a stable tanh RNN (d = 32, both
precisions on the same attracting orbit).  On chaotic maps the two precisions
follow different orbits, so they differ by the finite-time error, about the
split-half difference (64 tanh RNNs at d = 64, gain 2, 400 steps: median
|delta lambda_max| 8e-3 against a median split-half difference of 9e-3; the
sign of lambda_max changed for 2 of 64).

:func:`lyapunov_spectrum_grid` runs a grid of batches (gains x seeds) as one
batch with each row's NumPy-path draws.  On a shared CPU, ``torch.set_num_threads(1)``
can be much faster than torch's default for small frames (OpenMP threads
competing with other processes).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._lib.optional import require
from ..errors import SpecError
from ..networks.init import as_generator
from .spectra import (
    LyapunovResult,
    count_arg,
    initial_state,
    is_homogeneous,
    nanmax_rows,
    seed_record,
    sort_desc,
    spectrum_counts,
    state_dim,
)

__all__ = [
    "resolve_device", "resolve_dtype", "to_device", "TorchVectorRNN", "TorchLinearMap",
    "TorchHenonMap", "TorchCellMap", "cholesky_qr2", "householder_qr", "orthonormalize",
    "TorchLyapunovResult", "lyapunov_spectrum_torch", "lyapunov_max_direct_torch",
    "lyapunov_spectrum_grid", "GRAM_TOLERANCE", "KERNELS",
]

#: a first Cholesky-QR pass whose max |Q1^T Q1 - I| exceeds this falls back to Householder
GRAM_TOLERANCE = 0.5
KERNELS = ("auto", "cholesky_qr2", "householder")
_DTYPES = ("float64", "float32")
_DIRECT_EPS = {"float64": 1e-8, "float32": 1e-3}


def _torch():
    return require("torch", "the torch backend (device=...)")


# ---------------------------------------------------------------- device and dtype
def resolve_device(device: Any):
    """A ``torch.device`` from ``"cpu"``, ``"cuda"``, ``"cuda:N"`` (or a torch.device).

    Refuses, with a SpecError naming ``device``, a CUDA device when torch has
    no CUDA (a CPU build, no driver, no GPU) or the index does not exist.

    >>> str(resolve_device("cpu"))
    'cpu'
    """
    torch = _torch()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise SpecError("device", f"expected cpu, cuda or cuda:N, got {device!r}") from None
    if dev.type == "cpu":
        return dev
    if dev.type != "cuda":
        raise SpecError("device", f"expected cpu, cuda or cuda:N, got {device!r}")
    if not torch.cuda.is_available():
        why = "this torch build has no CUDA" if torch.version.cuda is None else "no GPU was found"
        raise SpecError("device", f"CUDA is not available ({why}; torch {torch.__version__}): "
                        "use device cpu")
    if dev.index is not None and dev.index >= torch.cuda.device_count():
        raise SpecError("device", f"{device!r}: only {torch.cuda.device_count()} CUDA device(s)")
    return dev


def resolve_dtype(dtype: Any):
    """``torch.float64`` (default, for None) or ``torch.float32`` from a name or a torch dtype.

    >>> str(resolve_dtype("float32")), str(resolve_dtype(None))
    ('torch.float32', 'torch.float64')
    """
    torch = _torch()
    if dtype is None:
        return torch.float64
    if isinstance(dtype, torch.dtype) and dtype in (torch.float64, torch.float32):
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return getattr(torch, dtype)
    raise SpecError("dtype", f"choose float64 or float32, got {dtype!r}")


def _dtype_name(dtype) -> str:
    return str(dtype).replace("torch.", "")


# ---------------------------------------------------------------- activations
def _act_and_derivative(torch, act, z):
    """``(act(z), act'(z))`` with the kink conventions of :func:`rnnchaos.networks.vector.act_and_derivative`."""
    name = act.name
    if name == "identity":
        return z, torch.ones_like(z)
    if name == "relu":  # clamp keeps NaN (an overflowed orbit stays visible)
        return torch.clamp(z, min=0.0), (z > 0).to(z.dtype)
    if name == "leaky_relu":
        s = act.params["negative_slope"]
        pos = z > 0
        # full_like, not a Python scalar: torch.where(pos, 1.0, s) would round s to float32
        return torch.where(pos, z, s * z), torch.where(pos, torch.ones_like(z), torch.full_like(z, s))
    if name == "hardtanh":
        lo, hi = act.params["min_val"], act.params["max_val"]
        return torch.clamp(z, lo, hi), ((z > lo) & (z < hi)).to(z.dtype)
    if name == "tanh":
        t = torch.tanh(z)
        return t, 1.0 - t * t
    s = torch.sigmoid(z)
    return s, s * (1.0 - s)


# ---------------------------------------------------------------- systems on the device
class _TorchSystem:
    """Common part of the device twins: dimension, batch, dtype; Df V by default from Df."""

    source: Any = None  # the numpy system (draws initial states exactly as the NumPy path)
    positively_homogeneous = False

    def _tensor(self, a):
        return self.torch.as_tensor(np.asarray(a, dtype=np.float64)).to(self.device, self.dtype)

    def step_jvp(self, h, v):
        return self.step(h), self.jvp(h, v)

    def jacobian(self, h):
        """Df(h), shape (..., d, d), from Df applied to the identity."""
        eye = self.torch.eye(self.dim, dtype=h.dtype, device=h.device)
        return self.jvp(h, eye.expand(h.shape[:-1] + (self.dim, self.dim)))


class TorchVectorRNN(_TorchSystem):
    """A :class:`rnnchaos.networks.vector.VectorRNN` (batched or not) as torch tensors on a device.

    >>> import numpy as np
    >>> from rnnchaos.networks.vector import VectorRNN
    >>> f = TorchVectorRNN(VectorRNN([(np.eye(2), np.zeros(2), "tanh")]), "cpu", "float64")
    >>> f.step(f.torch.tensor([0.5, -0.5], dtype=f.dtype)).round(decimals=4).tolist()
    [0.4621, -0.4621]
    """

    def __init__(self, rnn, device, dtype):
        self.torch = _torch()
        self.device, self.dtype = resolve_device(device), resolve_dtype(dtype)
        self.source = rnn
        self.dim, self.batch_shape = rnn.dim, tuple(rnn.batch_shape)
        self.positively_homogeneous = rnn.positively_homogeneous
        self.leak = rnn.leak
        self.weights = [self._tensor(w) for w in rnn.weights]
        self.biases = [self._tensor(b) for b in rnn._biases()]  # drive folded into layer 0
        self.activations = list(rnn.activations)

    def _affine(self, w, b, x):
        if w.ndim == 2:
            return x @ w.T + b
        return (w @ x[..., None])[..., 0] + b

    def step(self, h):
        x = h
        for w, b, act in zip(self.weights, self.biases, self.activations):
            x = _act_and_derivative(self.torch, act, self._affine(w, b, x))[0]
        return x if self.leak is None else (1.0 - self.leak) * h + self.leak * x

    def step_jvp(self, h, v):
        x, t = h, v
        for w, b, act in zip(self.weights, self.biases, self.activations):
            x, dx = _act_and_derivative(self.torch, act, self._affine(w, b, x))
            t = dx[..., None] * (w @ t)
        if self.leak is not None:
            a = self.leak
            x = (1.0 - a) * h + a * x
            t = (1.0 - a) * v + a * t
        return x, t

    def jvp(self, h, v):
        return self.step_jvp(h, v)[1]


class TorchLinearMap(_TorchSystem):
    """h -> A h (:class:`rnnchaos.networks.vector.LinearMap`) on a device."""

    positively_homogeneous = True

    def __init__(self, linear, device, dtype):
        self.torch = _torch()
        self.device, self.dtype = resolve_device(device), resolve_dtype(dtype)
        self.source, self.dim, self.batch_shape = linear, linear.dim, ()
        self.a = self._tensor(linear.a)

    def step(self, h):
        return h @ self.a.T

    def jvp(self, h, v):
        return self.a @ v


class TorchHenonMap(_TorchSystem):
    """(x, y) -> (1 - a x^2 + y, b x) (:class:`rnnchaos.networks.vector.HenonMap`) on a device."""

    def __init__(self, henon, device, dtype):
        self.torch = _torch()
        self.device, self.dtype = resolve_device(device), resolve_dtype(dtype)
        self.source, self.dim, self.batch_shape = henon, 2, ()
        self.a, self.b = henon.a, henon.b

    def step(self, h):
        x, y = h[..., 0], h[..., 1]
        return self.torch.stack([1.0 - self.a * x * x + y, self.b * x], dim=-1)

    def jvp(self, h, v):
        x = h[..., 0, None]  # row 0 of Df: (-2 a x, 1); row 1: (b, 0)
        return self.torch.stack([-2.0 * self.a * x * v[..., 0, :] + v[..., 1, :],
                                 self.b * v[..., 0, :]], dim=-2)


class TorchCellMap(_TorchSystem):
    """Stacked torch recurrent cells (:class:`rnnchaos.networks.torch_import.RecurrentCellMap`) on a device.

    The step is torch's cell equations in torch ops; Df V is forward-mode
    autodiff (``torch.func.jvp``) vmapped over the columns of V, so no
    Jacobian code is written by hand here (the NumPy twin has a closed form:
    the two are independent computations of the same derivative).
    """

    def __init__(self, cells, device, dtype):
        self.torch = _torch()
        self.device, self.dtype = resolve_device(device), resolve_dtype(dtype)
        self.source, self.dim, self.batch_shape = cells, cells.dim, ()
        self.cell, self.hidden, self.num_layers = cells.cell, cells.hidden, cells.num_layers
        self.nonlinearity = cells.nonlinearity
        self.params = [tuple(self._tensor(p) for p in layer) for layer in cells.params]
        self.in0 = self._tensor(cells._in0)  # W_ih x + b_ih of layer 0 (the input is fixed)

    def step(self, s):
        torch, H, L = self.torch, self.hidden, self.num_layers
        hs, cs, x = [], [], None
        for l, (w_ih, w_hh, b_ih, b_hh) in enumerate(self.params):
            h = s[..., l * H:(l + 1) * H]
            gi = self.in0 if l == 0 else x @ w_ih.T + b_ih
            gh = h @ w_hh.T + b_hh
            if self.cell == "rnn":
                hn = torch.tanh(gi + gh) if self.nonlinearity == "tanh" else torch.relu(gi + gh)
            elif self.cell == "gru":
                r = torch.sigmoid(gi[..., :H] + gh[..., :H])
                z = torch.sigmoid(gi[..., H:2 * H] + gh[..., H:2 * H])
                n = torch.tanh(gi[..., 2 * H:] + r * gh[..., 2 * H:])
                hn = (1.0 - z) * n + z * h
            else:  # lstm
                c = s[..., (L + l) * H:(L + l + 1) * H]
                a = gi + gh
                i, f = torch.sigmoid(a[..., :H]), torch.sigmoid(a[..., H:2 * H])
                g, o = torch.tanh(a[..., 2 * H:3 * H]), torch.sigmoid(a[..., 3 * H:])
                cn = f * c + i * g
                hn = o * torch.tanh(cn)
                cs.append(cn)
            hs.append(hn)
            x = hn
        return torch.cat(hs + cs, dim=-1)

    def jvp(self, s, v):
        func = self.torch.func

        def column(u):
            return func.jvp(self.step, (s,), (u,))[1]
        return func.vmap(column, in_dims=-1, out_dims=-1)(v)


def to_device(system, device: Any = "cpu", dtype: Any = None, *, input: Any = None):
    """The torch twin of ``system`` on ``device`` in ``dtype`` (see the module docstring).

    ``system``: a VectorRNN, LinearMap, HenonMap, RecurrentCellMap, a torch
    module (RNN, GRU, LSTM, their cells, Sequential, Linear; ``input`` is the
    fixed input of a recurrent module) or an existing twin (returned as is
    when device and dtype match).  Anything else is refused with a SpecError.

    >>> from rnnchaos.networks.vector import HenonMap
    >>> to_device(HenonMap(), "cpu").dim
    2
    """
    torch = _torch()
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    if isinstance(system, _TorchSystem):
        if system.device == dev and system.dtype == dt:
            return system
        system = system.source
    from ..networks.torch_import import RecurrentCellMap, from_torch
    from ..networks.vector import HenonMap, LinearMap, VectorRNN
    if isinstance(system, torch.nn.Module):
        system = from_torch(system, input=input)
    elif input is not None:
        raise SpecError("input", "applies to a torch recurrent module only")
    if isinstance(system, VectorRNN):
        return TorchVectorRNN(system, dev, dt)
    if isinstance(system, RecurrentCellMap):
        return TorchCellMap(system, dev, dt)
    if isinstance(system, LinearMap):
        return TorchLinearMap(system, dev, dt)
    if isinstance(system, HenonMap):
        return TorchHenonMap(system, dev, dt)
    raise SpecError("system", f"{type(system).__name__} has no torch version (VectorRNN, "
                    "LinearMap, HenonMap, RecurrentCellMap and torch RNN/GRU/LSTM/Sequential "
                    "modules do); use the NumPy path (device None)")


# ---------------------------------------------------------------- QR kernels
def householder_qr(m):
    """``(Q, |diag R|)`` of M (..., d, k) by ``torch.linalg.qr`` (reduced)."""
    q, r = _torch().linalg.qr(m)
    return q, r.diagonal(dim1=-2, dim2=-1).abs()


def cholesky_qr2(m, tolerance: float = GRAM_TOLERANCE):
    """``(Q, |diag R|, fell_back)`` of M (..., d, k) by Cholesky-QR2, Householder where needed.

    ``fell_back`` (...) marks the maps whose first pass failed (Cholesky of
    M^T M broke down, or max |Q1^T Q1 - I| > ``tolerance`` or non-finite):
    those are redone by :func:`householder_qr`.  See the module docstring.

    >>> import torch
    >>> m = torch.tensor([[3.0, 0.0], [4.0, 0.0], [0.0, 2.0]], dtype=torch.float64)
    >>> q, rdiag, bad = cholesky_qr2(m)
    >>> rdiag.tolist(), bool(bad), bool(torch.allclose(q.T @ q, torch.eye(2, dtype=torch.float64)))
    ([5.0, 2.0], False, True)
    """
    torch = _torch()
    linalg = torch.linalg
    mt = m.transpose(-1, -2)
    r1, info1 = linalg.cholesky_ex(mt @ m, upper=True)
    q1 = linalg.solve_triangular(r1, m, upper=True, left=False)  # M R1^-1
    g2 = q1.transpose(-1, -2) @ q1
    eye = torch.eye(m.shape[-1], dtype=m.dtype, device=m.device)
    gram_error = (g2 - eye).abs().amax(dim=(-2, -1))
    r2, info2 = linalg.cholesky_ex(g2, upper=True)
    q = linalg.solve_triangular(r2, q1, upper=True, left=False)
    rdiag = r1.diagonal(dim1=-2, dim2=-1) * r2.diagonal(dim1=-2, dim2=-1)
    bad = (info1 != 0) | (info2 != 0) | ~(gram_error <= tolerance)  # NaN counts as bad
    if bool(bad.any()):  # the only host sync of the kernel: rare maps redone one by one
        q, rdiag = q.clone(), rdiag.clone()
        q[bad], rdiag[bad] = householder_qr(m[bad])
    return q, rdiag, bad


def orthonormalize(m, kernel: str = "cholesky_qr2"):
    """``(Q, |diag R|, number of Householder fallbacks)`` of frames M (..., d, k).

    k = 1: Q = M / |M|.  ``kernel``: ``"cholesky_qr2"`` or ``"householder"``.
    """
    if m.shape[-1] == 1:
        n = m.norm(dim=-2)
        return m / n.where(n > 0, 1.0)[..., None, :], n, 0
    if kernel == "householder":
        q, rdiag = householder_qr(m)
        return q, rdiag, 0
    q, rdiag, bad = cholesky_qr2(m)
    return q, rdiag, int(bad.sum())


# ---------------------------------------------------------------- results
@dataclass
class TorchLyapunovResult(LyapunovResult):
    """A :class:`rnnchaos.dynamics.lyapunov.LyapunovResult` computed on a torch device.

    Extra fields: ``device`` ("cpu", "cuda:0"), ``dtype`` ("float64" or
    "float32"), ``fallbacks`` (how many per-map QRs of the Cholesky-QR2 kernel
    were redone by Householder; 0 for the other kernels).
    """

    device: str = "cpu"
    dtype: str = "float64"
    fallbacks: int = 0

    def to_json(self, index: int | None = None) -> dict[str, Any]:
        out = super().to_json(index)
        out["backend"] = {"library": "torch", "device": self.device, "dtype": self.dtype,
                          "qr_kernel": self.method, "householder_fallbacks": self.fallbacks}
        return out


# ---------------------------------------------------------------- the QR method
def _sync(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def renormalize(h):
    r = h.norm(dim=-1)
    return h / r.where(r > 0, 1.0)[..., None], r.log()


def lyapunov_spectrum_torch(system, steps: int, *, device: Any = None, dtype: Any = None,
                            k: int | None = None, transient: int = 1000,
                            tangent_transient: int | None = None, qr_interval: int = 1,
                            h0: Any = None, q0: Any = None, rng: Any = 0, record: int = 50,
                            direct: bool = False, direct_eps: float | None = None,
                            normalize: bool | None = None, method: str = "auto",
                            input: Any = None) -> TorchLyapunovResult:
    """The leading ``k`` Lyapunov exponents by the QR method on a torch device.

    Arguments and result as :func:`rnnchaos.dynamics.lyapunov.lyapunov_spectrum` (same
    defaults, the same draws from ``rng``), plus ``device`` ("cpu", "cuda",
    "cuda:N"; default cpu), ``dtype`` ("float64", default, or "float32"; a
    twin from :func:`to_device` keeps its own unless these are given), ``method``
    ("auto", "cholesky_qr2" or "householder"; see the module docstring;
    ``result.method`` is the kernel of the measured steps) and ``input`` (the fixed input
    of a torch recurrent module).  ``direct_eps`` defaults to 1e-8 in float64,
    1e-3 in float32.  Natural log per iteration, descending.

    >>> import numpy as np
    >>> from rnnchaos.networks.vector import LinearMap
    >>> r = lyapunov_spectrum_torch(LinearMap(np.diag([2.0, 0.5])), 100, transient=0, tangent_transient=50)
    >>> np.round(r.exponents, 6).tolist() == np.round(np.log([2.0, 0.5]), 6).tolist(), r.method
    (True, 'cholesky_qr2')
    """
    torch = _torch()
    if isinstance(system, _TorchSystem):
        device = system.device if device is None else device
        dtype = system.dtype if dtype is None else dtype
    dev, dt = resolve_device("cpu" if device is None else device), resolve_dtype(dtype)
    if method not in KERNELS:
        raise SpecError("method", f"choose {', '.join(KERNELS)} for the torch backend, got {method!r}")
    kernel = "cholesky_qr2" if method == "auto" else method
    twin = to_device(system, dev, dt, input=input)
    src = twin.source
    d = state_dim(twin)
    steps, transient, tangent_transient, qr_interval, record, k = spectrum_counts(
        d, steps, transient, tangent_transient, qr_interval, record, k)
    if direct_eps is None:
        direct_eps = _DIRECT_EPS[_dtype_name(dt)]
    if isinstance(direct_eps, bool) or not isinstance(direct_eps, (int, float)) \
            or not 0 < direct_eps < 1:
        raise SpecError("direct_eps", f"must be a number in (0, 1), got {direct_eps!r}")
    seed = seed_record(rng)
    gen = as_generator(rng)
    # the NumPy path's draws, in its order: h0 (unless given), then the frame
    h_np, batch = initial_state(src, gen, tuple(twin.batch_shape), h0)
    if q0 is None:
        g_np = gen.standard_normal(batch + (d, k))
    else:
        g_np = np.broadcast_to(np.asarray(q0, dtype=np.float64), batch + (d, k)).copy()
        if not np.all(np.isfinite(g_np)):
            raise SpecError("q0", "entries must be finite")
    homog = is_homogeneous(src, normalize)

    def tensor(a):
        return torch.as_tensor(a).to(dev, dt)

    events = [t for t in range(steps) if (t + 1) % qr_interval == 0 or t == steps - 1]
    n_ev = len(events)
    rec_idx = set(np.unique(np.linspace(0, n_ev - 1, min(record, n_ev)).round().astype(int)).tolist())
    half_ev = n_ev // 2 - 1 if n_ev >= 2 else None

    acc = dict(dtype=torch.float64, device=dev)  # sums in float64 whatever dtype is
    sums = torch.zeros(batch + (k,), **acc)
    radial = torch.zeros(batch, **acc)
    cond = torch.zeros(batch, **acc)
    running, running_steps, at_half, fallbacks = [], [], None, 0
    with torch.no_grad():
        h = tensor(h_np)
        q = orthonormalize(tensor(g_np), kernel)[0]
        if homog:
            h = renormalize(h)[0]
        for _ in range(transient):
            h = twin.step(h)
            if homog:
                h = renormalize(h)[0]
        warm_qrs = 0
        for t in range(tangent_transient):
            h, q = twin.step_jvp(h, q)
            if homog:
                h = renormalize(h)[0]
            if (t + 1) % qr_interval == 0 or t == tangent_transient - 1:
                q, _, nb = orthonormalize(q, kernel)
                fallbacks += nb
                warm_qrs += 1
        if method == "auto" and k > 1 and 2 * fallbacks > warm_qrs * max(1, math.prod(batch)):
            kernel = "householder"  # most frames too ill-conditioned: do not pay for both kernels
        _sync(torch, dev)
        start = time.perf_counter()
        ev = 0
        for t in range(steps):
            h, q = twin.step_jvp(h, q)
            if homog:
                h, lr = renormalize(h)
                radial += lr.double()
            if ev < n_ev and events[ev] == t:
                q, rdiag, nb = orthonormalize(q, kernel)
                fallbacks += nb
                rdiag = rdiag.double()
                sums += rdiag.log()
                cond = torch.fmax(cond, rdiag.amax(dim=-1) / rdiag.amin(dim=-1))
                if ev in rec_idx:
                    running.append(sums / (t + 1))
                    running_steps.append(t + 1)
                if ev == half_ev:
                    at_half = (sums.clone(), t + 1)
                ev += 1
        _sync(torch, dev)
        seconds = time.perf_counter() - start
        eye = torch.eye(k, dtype=dt, device=dev)
        ortho = (q.transpose(-1, -2) @ q - eye).abs().max() if bool(torch.isfinite(q).all()) else None
        ortho = math.nan if ortho is None else float(ortho)
        finite_state = torch.isfinite(h).all(dim=-1).cpu().numpy()
    host = lambda x: x.cpu().numpy()  # noqa: E731
    sums_np = host(sums)
    exponents = sums_np / steps
    with np.errstate(invalid="ignore"):  # -inf - -inf: a collapsed direction has no halves
        if at_half is not None:
            s_half, t_half = host(at_half[0]), at_half[1]
            first = sort_desc(s_half / t_half)
            second = sort_desc((sums_np - s_half) / (steps - t_half))
        else:
            first = second = np.full(batch + (k,), np.nan)
        diff = np.abs(first - second)
    diff = np.where(np.isfinite(diff), diff, np.nan)
    split = np.full(batch, np.nan) if diff.size == 0 else nanmax_rows(diff)
    diverged = ~finite_state | np.any(np.isnan(exponents), axis=-1)
    result = TorchLyapunovResult(
        exponents=sort_desc(exponents), dim=d, k=k, steps=steps, transient=transient,
        tangent_transient=tangent_transient, qr_interval=qr_interval, method=kernel,
        seed=seed, batch=batch, running_steps=np.array(running_steps),
        running=np.array([host(r) for r in running]), first_half=first, second_half=second,
        split_half_difference=split, cond_max=host(cond), orthogonality_error=ortho,
        radial_rate=host(radial) / steps if homog else None, diverged=diverged,
        seconds=seconds, device=str(dev), dtype=_dtype_name(dt), fallbacks=fallbacks)
    if direct:
        result.direct_lambda_max = lyapunov_max_direct_torch(
            twin, steps, h0=h_np, transient=transient, warmup=tangent_transient,
            eps=direct_eps, direction=g_np[..., :, 0], normalize=normalize)
        result.direct_eps = float(direct_eps)
    return result


# ---------------------------------------------------------------- direct check
def lyapunov_max_direct_torch(system, steps: int, *, h0: Any, direction: Any,
                              device: Any = None, dtype: Any = None, transient: int = 1000,
                              warmup: int = 0, eps: float = 1e-8,
                              normalize: bool | None = None) -> np.ndarray:
    """lambda_max (batch shape) from two nearby trajectories on the device (no Jacobian).

    The algorithm of :func:`rnnchaos.dynamics.lyapunov.lyapunov_max_direct` with a
    renormalization every step: the companion starts ``eps`` away along
    ``direction`` (..., d); each step log(delta / eps) is accumulated after the
    ``warmup`` steps and the companion pulled back to distance eps.  ``system``
    is a twin from :func:`to_device` (its device and dtype are used unless
    given) or anything :func:`to_device` accepts.
    """
    torch = _torch()
    if not isinstance(system, _TorchSystem):
        system = to_device(system, "cpu" if device is None else device, dtype)
    elif device is not None or dtype is not None:
        system = to_device(system, device or system.device, dtype or system.dtype)
    steps = count_arg("steps", steps, 1)
    homog = is_homogeneous(system.source, normalize)
    dev, dt = system.device, system.dtype
    with torch.no_grad():
        h = torch.as_tensor(np.asarray(h0, dtype=np.float64)).to(dev, dt)
        u = torch.as_tensor(np.asarray(direction, dtype=np.float64)).to(dev, dt)
        u = u / u.norm(dim=-1, keepdim=True)
        if homog:
            h = renormalize(h)[0]
        for _ in range(transient):
            h = system.step(h)
            if homog:
                h = renormalize(h)[0]
        g = h + eps * u
        total = torch.zeros(h.shape[:-1], dtype=torch.float64, device=dev)
        for t in range(-warmup, steps):
            h, g = system.step(h), system.step(g)
            if homog:  # divide both by |h|; the factor is added back to the log distance
                r = h.norm(dim=-1, keepdim=True)
                r = r.where(r > 0, 1.0)
                h, g = h / r, g / r
                if t >= 0:
                    total += r[..., 0].double().log()
            delta = g - h
            dist = delta.norm(dim=-1)
            if t >= 0:
                total += (dist.double() / eps).log()
            ok = (dist > 0)[..., None]
            g = torch.where(ok, h + delta * (eps / dist.where(dist > 0, 1.0))[..., None], h + eps * u)
    return (total / steps).cpu().numpy()


# ---------------------------------------------------------------- grids of maps
def lyapunov_spectrum_grid(maps, steps: int, *, rng: Any = 0, **kwargs) -> TorchLyapunovResult:
    """G batches of m maps (a sweep's gain x seed grid) advanced as ONE batch of G m maps.

    ``maps``: a sequence of G batched :class:`rnnchaos.networks.vector.VectorRNN` of one
    architecture and batch shape (m,).  Every batch g starts from the states
    and frames that ``lyapunov_spectrum(maps[g], steps, rng=rng, ...)`` draws
    (numpy, in that function's order, for a batch of m): common random numbers
    across the grid, as :func:`rnnchaos.studies.jacobian.lambda_max_sweep` uses for
    its gains.  Other keywords as :func:`lyapunov_spectrum_torch` (not
    ``h0``/``q0``).  The result's arrays carry the batch shape (G, m).

    >>> from rnnchaos.networks.vector import build_vector_preset, sample_vector_batch
    >>> grid = [sample_vector_batch(build_vector_preset("rnn_tanh", 4, gain=g), 0, 3) for g in (0.5, 3)]
    >>> lyapunov_spectrum_grid(grid, 20, k=1, transient=10).exponents.shape
    (2, 3, 1)
    """
    from ..networks.vector import VectorRNN
    for key in ("h0", "q0"):
        if key in kwargs:
            raise SpecError(key, "a grid draws its own initial states and frames; not allowed here")
    maps = list(maps)
    if not maps or not all(isinstance(m, VectorRNN) and len(m.batch_shape) == 1 for m in maps):
        raise SpecError("maps", "expected a non-empty list of batched VectorRNNs (batch shape (m,))")
    m_each, d = maps[0].batch_shape[0], maps[0].dim
    flat = VectorRNN.stack([f[i] for f in maps for i in range(len(f))])  # checks the architecture
    if any(f.batch_shape != (m_each,) for f in maps):
        raise SpecError("maps", "every batch of the grid must hold the same number of maps")
    k = d if kwargs.get("k") is None else count_arg("k", kwargs["k"], 1)
    gen = as_generator(rng)
    h0, _ = initial_state(maps[0], gen, (m_each,), None)  # the NumPy path's draws, its order
    g0 = gen.standard_normal((m_each, d, k))
    n = len(maps)
    res = lyapunov_spectrum_torch(flat, steps, h0=np.tile(h0, (n, 1)), q0=np.tile(g0, (n, 1, 1)),
                                  rng=rng, **kwargs)
    grid = (n, m_each)
    res.seed, res.batch = seed_record(rng), grid
    for name in ("exponents", "first_half", "second_half", "split_half_difference", "cond_max",
                 "radial_rate", "diverged", "direct_lambda_max"):
        value = getattr(res, name)
        if value is not None:
            setattr(res, name, value.reshape(grid + value.shape[1:]))
    res.running = res.running.reshape(res.running.shape[:1] + grid + res.running.shape[2:])
    return res
