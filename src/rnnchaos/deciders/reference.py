"""The notebooks' "chaos" test, reproduced faithfully -- known defect included.

Definition (docs/notebooks.md).  Take the grid ``X = np.linspace(-w, w, 163)``
(``w`` = 2 for network A, 1 for networks B and C), ``F0 = f(X)`` and
``F3 = f(f(f(F0)))`` -- which is **f^4(X)**, not f^3, because the notebooks overwrite
``F0`` in place before composing.  With ``d = X - F`` (F = F0 or F3), count for
``i = 1 .. 161``:

* one for every sign change between neighbours: ``d[i-1] * d[i] < 0``;
* one for an exact zero at ``i`` with a sign change across it:
  ``d[i] == 0`` and ``d[i-1] * d[i+1] < 0``.

The network is declared "chaotic" when the F3 count exceeds the F0 count.  Everything is
float64, products included (a product that underflows to zero does not count), exactly as
in the notebooks' per-network Python loop.

**Known defect**: a root of ``X - f^4(X)`` that is not a root of ``X - f(X)`` is a point of
period 2 or 4, so the test detects a period-2 or period-4 point *inside the window* (which
does not imply chaos), not period 3; it also misses roots between grid points and outside
the window.  Use :func:`rnnchaos.deciders.verdicts.decide` for the exact criteria.

:func:`reference_test` and :func:`reference_counts` are vectorized over a batch;
:func:`notebook_loop_reference_test` is the deliberately slow per-network, per-point loop
(one network pass per Python call, as in the notebooks), kept as the reference
implementation and as the baseline of ``benchmarks/bench_verdicts.py``.
"""
from __future__ import annotations

from numbers import Real

import numpy as np

from .._lib.jit import HAVE_NUMBA, njit
from .._lib.threads import run_chunks
from ..errors import SpecError
from ..networks.batch import NetworkBatch, forward_scratch, step_packed
from ..networks.model import ScalarRNN

#: Number of grid points of the notebooks.
GRID_POINTS = 163


def reference_grid(window: float) -> np.ndarray:
    """The notebooks' grid ``np.linspace(-window, window, 163)``.

    >>> g = reference_grid(1.0); len(g), float(g[0]), float(g[81]), float(g[-1])
    (163, -1.0, 0.0, 1.0)
    """
    return np.linspace(-window, window, num=GRID_POINTS, endpoint=True)


def _check_window(window) -> float:
    if isinstance(window, bool) or not isinstance(window, Real) or not np.isfinite(window) \
            or not window > 0:
        raise SpecError("window", f"must be a finite number > 0, got {window!r}")
    return float(window)


def _counts_numpy(X: np.ndarray, F: np.ndarray) -> np.ndarray:
    """The notebooks' root count of X - F along the last axis (F of shape (B, 163))."""
    d = X - F
    change = (d[:, :-2] * d[:, 1:-1]) < 0  # pairs (i-1, i), i = 1 .. 161
    across = (d[:, 1:-1] == 0) & ((d[:, :-2] * d[:, 2:]) < 0)
    return change.sum(axis=1) + across.sum(axis=1)


@njit(cache=True, nogil=True)
def _counts_pl(params, shapes, acts, X, out, start, end):
    """Counts (F0, F3) for networks start .. end-1 of a piecewise-linear batch, fused."""
    n = X.shape[0]
    h, g = forward_scratch(shapes)
    d0 = np.empty(n)
    d3 = np.empty(n)
    for b in range(start, end):
        p = params[b]
        for j in range(n):
            v = step_packed(p, X[j], shapes, acts, h, g)
            d0[j] = X[j] - v
            for _ in range(3):
                v = step_packed(p, v, shapes, acts, h, g)
            d3[j] = X[j] - v
        c0 = 0
        c3 = 0
        for i in range(1, n - 1):
            if d0[i - 1] * d0[i] < 0:
                c0 += 1
            if d3[i - 1] * d3[i] < 0:
                c3 += 1
            if d3[i] == 0 and d3[i - 1] * d3[i + 1] < 0:
                c3 += 1
            if d0[i] == 0 and d0[i - 1] * d0[i + 1] < 0:
                c0 += 1
        out[b, 0] = c0
        out[b, 1] = c3


def reference_counts(batch: NetworkBatch, window: float) -> tuple[np.ndarray, np.ndarray]:
    """The notebooks' two root counts per network: (count for X - f(X), count for X - f^4(X)).

    See the module docstring for the definition (163-point grid on [-window, window]).

    >>> from rnnchaos.networks.batch import sample_preset_batch
    >>> c0, c3 = reference_counts(sample_preset_batch("paper_he", 0, 0, 4), 1.0)
    >>> c0.shape, c3.dtype.kind
    ((4,), 'i')
    """
    if not isinstance(batch, NetworkBatch):
        raise SpecError("batch", f"expected a NetworkBatch, got {type(batch).__name__}")
    X = reference_grid(_check_window(window))
    if batch.is_piecewise_linear and HAVE_NUMBA:
        params, shapes, acts = batch.packed()
        out = np.empty((len(batch), 2), dtype=np.int64)
        run_chunks(lambda s, e: _counts_pl(params, shapes, acts, X, out, s, e), len(batch),
                   min_chunk=256)
        return out[:, 0], out[:, 1]
    c0 = np.empty(len(batch), dtype=np.int64)
    c3 = np.empty(len(batch), dtype=np.int64)
    step = 4096
    for s in range(0, len(batch), step):
        sub = batch.subset(slice(s, s + step))
        F0 = sub.forward(np.broadcast_to(X, (len(sub), GRID_POINTS)))
        F3 = sub.iterate_forward(F0, 3)
        c0[s:s + step] = _counts_numpy(X, F0)
        c3[s:s + step] = _counts_numpy(X, F3)
    return c0, c3


def reference_test(batch: NetworkBatch, window: float) -> np.ndarray:
    """The notebooks' test, vectorized: True where the f^4 root count exceeds the f root count.

    This is the notebooks' test **with its known defect**: it flags a period-2 or period-4
    point inside [-window, window] (read on a 163-point grid), not period 3.  Float64 by
    definition; nothing is certified.

    >>> from rnnchaos.networks.batch import NetworkBatch
    >>> from rnnchaos.networks.model import ScalarRNN
    >>> fig = ScalarRNN.from_dict({"layers": [
    ...     {"weight": [[-1.86269852], [0.3760235]], "bias": [0.82744154, -0.81030444],
    ...      "activation": "relu"},
    ...     {"weight": [[0.7913013, -1.00714872]], "bias": [0.0]}]})
    >>> reference_test(NetworkBatch.from_networks([fig]), 2.0).tolist()
    [True]
    """
    c0, c3 = reference_counts(batch, window)
    return c3 > c0


# ------------------------------------------------------------------ the notebooks' loop
def _notebook_pass(net: ScalarRNN, x) -> np.float64:
    """One pass of the network on a scalar, row-vector style: h = act(h . W^T + b)."""
    h = np.array([[x]], dtype=np.float64)
    for layer in net.layers:
        h = layer.activation(np.dot(h, layer.weight.T) + layer.bias[None, :])
    return h[0][0]


def notebook_loop_reference_test(net: ScalarRNN, window: float, return_counts: bool = False):
    """The notebooks' per-network loop, re-implemented faithfully (one Python call per pass).

    Fills ``F0`` in place point by point (``F0[i] = f(F0[i])``, then
    ``F3[i] = f(f(f(F0[i])))``, i.e. f^4), counts roots of ``X - F0`` and ``X - F3`` as
    described in the module docstring, and returns ``F3 count > F0 count`` (or the pair of
    counts with ``return_counts=True``).  It has the notebooks' defect (period 2 or 4 in the
    window, not period 3) and their speed; :func:`reference_test` is the vectorized equal.

    >>> from rnnchaos.networks.presets import sample_preset
    >>> notebook_loop_reference_test(sample_preset("paper_he", 0, 0), 1.0) in (True, False)
    True
    """
    window = _check_window(window)
    grid = reference_grid(window)
    F0 = reference_grid(window)
    F3 = reference_grid(window)
    for i in range(len(grid)):
        F0[i] = _notebook_pass(net, F0[i])
        F3[i] = _notebook_pass(net, _notebook_pass(net, _notebook_pass(net, F0[i])))
    roots_f = 0
    roots_f4 = 0
    for i in range(1, len(grid) - 1):
        if (grid[i - 1] - F0[i - 1]) * (grid[i] - F0[i]) < 0:
            roots_f += 1
        if (grid[i - 1] - F3[i - 1]) * (grid[i] - F3[i]) < 0:
            roots_f4 += 1
        if grid[i] - F3[i] == 0 and (grid[i - 1] - F3[i - 1]) * (grid[i + 1] - F3[i + 1]) < 0:
            roots_f4 += 1
        if grid[i] - F0[i] == 0 and (grid[i - 1] - F0[i - 1]) * (grid[i + 1] - F0[i + 1]) < 0:
            roots_f += 1
    if return_counts:
        return roots_f, roots_f4
    return roots_f4 - roots_f > 0


__all__ = ["GRID_POINTS", "reference_grid", "reference_counts", "reference_test",
           "notebook_loop_reference_test"]
