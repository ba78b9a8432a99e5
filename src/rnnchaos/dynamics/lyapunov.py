"""Lyapunov spectra of maps h -> f(h) on R^d: the QR (Benettin) method and checks.

Definitions and units
---------------------
For a map f with Jacobian Df, the Lyapunov exponents along an orbit
h_0, h_1 = f(h_0), ... are the growth rates

    lambda_i = lim_{T -> inf} (1/T) log sigma_i(Df(h_{T-1}) ... Df(h_0)),

**natural logarithm per iteration** (nats per step), listed in descending
order.  lambda_1 = lambda_max > 0 means nearby orbits separate exponentially
(sensitive dependence: the usual working definition of chaos for high-
dimensional RNNs).  A direction the map collapses (a singular Jacobian,
e.g. ReLU units that are off) has exponent -inf; in floating point it shows
up as -inf only when the propagated frame is exactly singular, and otherwise
as a value near log(machine epsilon) = -36 per QR step (round-off level).

The QR method (Benettin et al. 1980; Shimada & Nagashima 1979) carries an
orthonormal d x k frame Q along the orbit: every ``qr_interval`` steps the
propagated frame M = Df ... Df Q is re-orthonormalized, M = Q' R, and
log |R_ii| is accumulated; lambda_i = sum log |R_ii| / T.  ``k`` = d gives the
full spectrum, k < d the leading k exponents at a cost O(d^2 k) per step.

Systems are duck-typed (see :mod:`rnnchaos.networks.vector`): ``step(h)`` and
``jacobian(h)``, batched over leading axes, plus optional ``jvp``,
``step_jvp``, ``step_jacobian``, ``batch_shape``, ``positively_homogeneous``,
``fresh_jacobian`` and ``initial_state(rng, batch_shape)``.  A stack of B
maps (``batch_shape`` (B,)) is processed in one pass: one orbit per map, all
numpy calls stacked.

Two kernels
-----------
* ``"householder"`` (one unbatched orbit, k >= d/2, d >= 16): the frame is kept in
  LAPACK's compact-WY Householder form (``dgeqrt``); the next frame Df Q is
  obtained by applying the reflectors to the explicit Jacobian
  (``dgemqrt``), so no Q is ever formed and no d x d x k product is done.
* ``"qr"`` (everything else): explicit frames, Df Q by ``jvp`` (never forming
  Df); QR by ``numpy.linalg.qr`` stacked over a batch, or for one orbit by
  ``dgeqrt`` with Q formed by ``dgemqrt``; k = 1 is plain normalization.

Both keep the two BLAS thread pools of numpy and scipy wheels from competing
for cores (see :func:`_one_thread_in`).

Positively homogeneous maps (f(c h) = c f(h), Df(c h) = Df(h) for c > 0: ReLU
or identity units and zero biases, e.g. the paper's 64-d map) are iterated on
the unit sphere (the state is renormalized every step, which changes no
Jacobian), so orbits never overflow; ``radial_rate`` is then the growth rate
of |h| of the unnormalized orbit (natural log per iteration).
"""
from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import lapack

from .._lib.progress import Progress
from .._lib.validation import check_real
from ..errors import SpecError
from ..networks.init import as_generator
from .spectra import (
    LyapunovResult,
    count_arg,
    initial_state,
    is_homogeneous,
    kaplan_yorke_dimension,
    ks_entropy_bound,
    nanmax_rows,
    renormalize,
    seed_record,
    sort_desc,
    spectrum_counts,
    state_dim,
)

__all__ = [
    "LyapunovResult", "DirectResult", "lyapunov_spectrum", "lyapunov_max",
    "lyapunov_max_direct", "kaplan_yorke_dimension", "ks_entropy_bound", "iterate",
    "seed_record",
]


def _step_jvp(system, h, v):
    f = getattr(system, "step_jvp", None)
    if f is not None:
        return f(h, v)
    g = getattr(system, "jvp", None)
    if g is not None:
        return system.step(h), g(h, v)
    return system.step(h), system.jacobian(h) @ v


def _step_jacobian(system, h):
    f = getattr(system, "step_jacobian", None)
    if f is not None:
        return f(h)
    return system.step(h), system.jacobian(h)


def iterate(system, h0, steps: int, *, normalize: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Iterate ``steps`` times from h0; returns ``(h_steps, log_growth)``.

    For a positively homogeneous system (or ``normalize=True``) the state is
    kept on the unit sphere and ``log_growth`` is log |h_steps| - log |h0| of
    the unnormalized orbit (natural log); otherwise ``log_growth`` is 0.

    >>> from rnnchaos.networks.vector import LinearMap
    >>> h, g = iterate(LinearMap(2.0 * np.eye(2)), np.array([1.0, 0.0]), 3)
    >>> h.tolist(), round(float(g), 6) == round(3 * math.log(2), 6)
    ([1.0, 0.0], True)
    """
    steps = count_arg("steps", steps, 0)
    homog = is_homogeneous(system, normalize)
    d = state_dim(system)
    h = np.array(h0, dtype=np.float64)
    if h.ndim == 0 or h.shape[-1] != d:
        raise SpecError("h0", f"expected shape (..., {d}), got {h.shape}")
    growth = np.zeros(h.shape[:-1])
    if homog:
        h = renormalize(h)[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            h = system.step(h)
            if homog:
                h, g = renormalize(h)
                growth = growth + g
    return h, growth


# ---------------------------------------------------------------- BLAS pools
_SCIPY_DIR = os.path.dirname(os.path.dirname(lapack.__file__))


@contextlib.contextmanager
def _one_thread_in(package_dir: str):
    """Within the block, the BLAS libraries shipped inside ``package_dir`` (or its
    ``.libs`` sibling, as PyPI wheels do) run on one thread.

    numpy and scipy wheels each bring their own OpenBLAS, each with its own
    thread pool, and a pool's workers busy-wait after every call.  A loop that
    alternates numpy and scipy calls therefore has an idle worker of one pool
    spinning on a core that the other pool's next call wants (measured on 2
    cores: a QR step twice as slow).  Limiting one of the two pools to the
    calling thread removes the contention.  A BLAS outside the package (one
    shared by numpy and scipy, or a system library) is left alone, and so is
    everything when threadpoolctl is not installed.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - optional
        yield
        return
    roots = (package_dir + os.sep, package_dir + ".libs" + os.sep)
    ctl = ThreadpoolController().select(user_api="blas")
    libs = [lc.filepath for lc in ctl.lib_controllers
            if lc.filepath and os.path.realpath(lc.filepath).startswith(roots)]
    if not libs:
        yield
        return
    with ctl.select(filepath=libs).limit(limits=1):
        yield


# ---------------------------------------------------------------- tangent kernels
class _ExplicitFrame:
    """Frame Q (..., d, k) as an explicit array; Df Q by jvp.

    QR: k = 1 is a normalization; a stack (batched orbits) uses numpy's stacked
    QR; one orbit uses LAPACK's recursive ``dgeqrt`` and forms Q with
    ``dgemqrt`` (several times faster than ``numpy.linalg.qr`` for tall frames).
    """

    name = "qr"

    def __init__(self, g):
        self.k = g.shape[-1]
        self.lapack = g.ndim == 2 and self.k > 1
        if self.lapack:
            self.nb = min(32, self.k)
            self.eye = np.zeros(g.shape, order="F")
            self.eye[np.arange(self.k), np.arange(self.k)] = 1.0
        self.q = self._orth(g)[0]

    def _orth(self, m):
        if self.k == 1:
            n = np.linalg.norm(m, axis=-2)
            return m / np.where(n > 0, n, 1.0)[..., None, :], n
        if self.lapack:
            a, t, info = lapack.dgeqrt(self.nb, np.asfortranarray(m))
            if info != 0:  # pragma: no cover - LAPACK argument error
                raise RuntimeError(f"dgeqrt failed with info {info}")
            q = lapack.dgemqrt(a, t, self.eye.copy(order="F"), side="L", trans="N", overwrite_c=1)[0]
            return q, np.abs(np.diagonal(a)[: self.k])
        q, r = np.linalg.qr(m)
        return q, np.abs(np.diagonal(r, axis1=-2, axis2=-1))

    def advance(self, system, h):
        h, self.q = _step_jvp(system, h, self.q)
        return h

    def orthonormalize(self):
        self.q, diag = self._orth(self.q)
        return diag

    def frame(self):
        return self.q


class _HouseholderFrame:
    """Frame kept as compact-WY Householder factors (dgeqrt) of the last QR; unbatched."""

    name = "householder"

    def __init__(self, g):
        self.k = g.shape[-1]
        self.nb = max(1, min(64, self.k))
        self.fresh = False
        self.m = None
        self._factor(np.asfortranarray(g))

    def _factor(self, m):
        a, t, info = lapack.dgeqrt(self.nb, m, overwrite_a=1)
        if info != 0:  # pragma: no cover - LAPACK argument error
            raise RuntimeError(f"dgeqrt failed with info {info}")
        self.v, self.t, self.m = a, t, None
        return np.abs(np.diagonal(a)[: self.k])

    def advance(self, system, h):
        if self.m is None:
            h, jac = _step_jacobian(system, h)
            c = np.asfortranarray(jac)
            if c is jac and not (self.fresh and c.flags.writeable):
                c = c.copy(order="F")  # never overwrite an array the system may still hold
            c, info = lapack.dgemqrt(self.v, self.t, c, side="R", trans="N", overwrite_c=1)
            if info != 0:  # pragma: no cover
                raise RuntimeError(f"dgemqrt failed with info {info}")
            self.m = c[:, : self.k]
        else:
            h, self.m = _step_jvp(system, h, self.m)
        return h

    def orthonormalize(self):
        return self._factor(np.asfortranarray(self.m))

    def frame(self):
        if self.m is not None:  # pragma: no cover - only called right after a QR
            return self.m
        d = self.v.shape[0]
        eye = np.zeros((d, self.k), order="F")
        eye[np.arange(self.k), np.arange(self.k)] = 1.0
        return lapack.dgemqrt(self.v, self.t, eye, side="L", trans="N")[0]






# ---------------------------------------------------------------- the QR method
#: Steps between progress-bar updates (an update per step would cost more than a small map's step).
TICK = 1024


def _tick(bar: Progress, i: int, total: int) -> None:
    """Report loop steps to ``bar`` in batches of TICK (and the rest at the loop's end)."""
    if bar.enabled and ((i + 1) % TICK == 0 or i + 1 == total):
        bar.update((i % TICK) + 1)


def lyapunov_spectrum(system, steps: int, *, k: int | None = None, transient: int = 1000,
                      tangent_transient: int | None = None, qr_interval: int = 1,
                      h0: Any = None, q0: Any = None, rng: Any = 0, record: int = 50,
                      direct: bool = False,
                      direct_eps: float | None = None, normalize: bool | None = None,
                      method: str = "auto", device: str | None = None,
                      dtype: str | None = None, progress: bool = False) -> LyapunovResult:
    """The leading ``k`` Lyapunov exponents (default: all d) by the QR (Benettin) method.

    lambda_i = (1/T) sum_{QR events} log |R_ii| over ``steps`` = T measured
    iterations, natural log per iteration, descending.  Before measuring,
    the state alone is iterated ``transient`` times, then state and frame
    together ``tangent_transient`` times (default min(transient, steps // 10,
    200)) so that the frame aligns with the Oseledets directions.

    * ``qr_interval``: re-orthonormalize every m steps (and after the last).
    * ``h0``: initial state (..., d); default ``system.initial_state(rng, batch)``
      or standard normal.  ``q0``: initial frame (..., d, k) (orthonormalized
      first); default Gaussian.  ``rng`` (Generator, int or SeedSequence)
      draws, in order: h0 and q0 when not given; it is recorded in
      ``result.seed``.
    * ``direct=True`` also runs :func:`lyapunov_max_direct` from the same state
      with the same transient, warm-up and steps, its separation starting along
      the first frame vector (``result.direct_lambda_max``): both then follow
      the same tangent direction, so their difference measures the
      linearization (eps, kinks) and the Jacobian code, not finite-time error.
      ``direct_eps`` (default 1e-8; 1e-3 on a float32 torch device) is the
      initial separation.
    * ``normalize``: iterate on the unit sphere (default: the system's
      ``positively_homogeneous``).
    * ``method``: ``"auto"`` (Householder kernel for one orbit with k >= d/2,
      d >= 16), ``"householder"`` or ``"qr"``.
    * ``device`` ("cpu", "cuda", "cuda:N") or ``dtype`` ("float64", "float32"):
      run on that torch device instead (torch is an optional extra; the same
      draws, the same diagnostics): see :mod:`rnnchaos.dynamics.lyapunov_torch`, whose
      kernels are ``method`` "auto" (Cholesky-QR2) and "householder".
    * ``progress``: a bar over the transient and measured steps (rate, ETA) on a terminal,
      for long single runs (the CLI); nothing on a pipe or with ``--quiet``.

    >>> from rnnchaos.networks.vector import LinearMap
    >>> r = lyapunov_spectrum(LinearMap(np.diag([2.0, 0.5])), 100, transient=0, tangent_transient=50)
    >>> np.round(r.exponents, 6).tolist() == np.round(np.log([2.0, 0.5]), 6).tolist()
    True
    """
    if device is not None or dtype is not None:  # torch stays unimported on the NumPy path
        from .lyapunov_torch import lyapunov_spectrum_torch
        return lyapunov_spectrum_torch(
            system, steps, device="cpu" if device is None else device, dtype=dtype, k=k,
            transient=transient, tangent_transient=tangent_transient, qr_interval=qr_interval,
            h0=h0, q0=q0, rng=rng, record=record, direct=direct,
            direct_eps=direct_eps, normalize=normalize,
            method=method)
    d = state_dim(system)
    steps, transient, tangent_transient, qr_interval, record, k = spectrum_counts(
        d, steps, transient, tangent_transient, qr_interval, record, k)
    if method not in ("auto", "householder", "qr"):
        raise SpecError("method", f"choose auto, householder or qr, got {method!r}")
    seed = seed_record(rng)
    gen = as_generator(rng)
    batch = tuple(getattr(system, "batch_shape", ()) or ())
    h, batch = initial_state(system, gen, batch, h0)
    h_init = h.copy()
    if q0 is None:
        g = gen.standard_normal(batch + (d, k))
    else:
        g = np.broadcast_to(np.asarray(q0, dtype=np.float64), batch + (d, k)).copy()
        if not np.all(np.isfinite(g)):
            raise SpecError("q0", "entries must be finite")
    if method == "auto":
        method = "householder" if (not batch and 2 * k >= d and d >= 16) else "qr"
    if method == "householder" and batch:
        raise SpecError("method", "the householder kernel handles one orbit (unbatched); use 'qr'")
    frame = _HouseholderFrame(g) if method == "householder" else _ExplicitFrame(g)
    frame.fresh = getattr(system, "fresh_jacobian", False) is True
    homog = is_homogeneous(system, normalize)

    # QR event i happens after step min((i + 1) M, steps) - 1; computed, not listed, so a
    # huge --steps costs time only, not a list of every step
    n_ev = -(-steps // qr_interval)

    def event_step(i: int) -> int:
        return min((i + 1) * qr_interval, steps) - 1
    rec_idx = set(np.unique(np.linspace(0, n_ev - 1, min(record, n_ev)).round().astype(int)).tolist())
    half_ev = n_ev // 2 - 1 if n_ev >= 2 else None

    sums = np.zeros(batch + (k,))
    radial = np.zeros(batch)
    cond = np.zeros(batch)
    running, running_steps, at_half = [], [], None
    if frame.name == "householder":  # numpy: the map; scipy's pool: the LAPACK kernels
        pool = _one_thread_in(os.path.dirname(np.__file__))
    elif frame.lapack:  # numpy's pool: the map and Df Q; scipy: the small QR, on this thread
        pool = _one_thread_in(_SCIPY_DIR)
    else:
        pool = contextlib.nullcontext()
    bar = Progress(transient + tangent_transient + steps, None if progress else False,
                   desc="lyapunov", unit="steps")
    with pool, bar, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if homog:
            h = renormalize(h)[0]
        for i in range(transient):
            h = system.step(h)
            if homog:
                h = renormalize(h)[0]
            _tick(bar, i, transient)
        for t in range(tangent_transient):
            h = frame.advance(system, h)
            if homog:
                h = renormalize(h)[0]
            if (t + 1) % qr_interval == 0 or t == tangent_transient - 1:
                frame.orthonormalize()
            _tick(bar, t, tangent_transient)
        start = time.perf_counter()
        ev = 0
        for t in range(steps):
            _tick(bar, t, steps)
            h = frame.advance(system, h)
            if homog:
                h, lr = renormalize(h)
                radial += lr
            if ev < n_ev and event_step(ev) == t:
                diag = frame.orthonormalize()
                sums += np.log(diag)
                cond = np.fmax(cond, diag.max(axis=-1) / diag.min(axis=-1))
                if ev in rec_idx:
                    running.append(sums / (t + 1))
                    running_steps.append(t + 1)
                if ev == half_ev:
                    at_half = (sums.copy(), t + 1)
                ev += 1
        seconds = time.perf_counter() - start
        exponents = sums / steps
        if at_half is not None:
            s_half, t_half = at_half
            first = sort_desc(s_half / t_half)
            second = sort_desc((sums - s_half) / (steps - t_half))
        else:
            first = second = np.full(batch + (k,), np.nan)
        diff = np.abs(first - second)
        diff = np.where(np.isfinite(diff), diff, np.nan)
        split = np.full(batch, np.nan) if diff.size == 0 else nanmax_rows(diff)
        q = frame.frame()
        ortho = float(np.max(np.abs(np.swapaxes(q, -1, -2) @ q - np.eye(k)))) if np.all(np.isfinite(q)) \
            else math.nan
    diverged = ~np.all(np.isfinite(h), axis=-1) | np.any(np.isnan(exponents), axis=-1)
    result = LyapunovResult(
        exponents=sort_desc(exponents), dim=d, k=k, steps=steps, transient=transient,
        tangent_transient=tangent_transient, qr_interval=qr_interval, method=frame.name,
        seed=seed, batch=batch, running_steps=np.array(running_steps),
        running=np.array(running), first_half=first, second_half=second,
        split_half_difference=split, cond_max=cond, orthogonality_error=ortho,
        radial_rate=radial / steps if homog else None, diverged=diverged, seconds=seconds)
    if direct:
        direct_eps = 1e-8 if direct_eps is None else direct_eps
        dres = lyapunov_max_direct(system, steps, h0=h_init, transient=transient,
                                   warmup=tangent_transient, eps=direct_eps, rng=gen,
                                   direction=g[..., :, 0], normalize=normalize)
        result.direct_lambda_max = dres.lambda_max
        result.direct_eps = float(direct_eps)
    return result


def lyapunov_max(system, steps: int, **kwargs) -> np.ndarray:
    """lambda_max only (k = 1: the frame is one normalized tangent vector), shape = batch.

    Natural log per iteration; keyword arguments as :func:`lyapunov_spectrum`.

    >>> from rnnchaos.networks.vector import LinearMap
    >>> round(float(lyapunov_max(LinearMap([[3.0, 0.0], [0.0, 1.0]]), 50, transient=0,
    ...                         tangent_transient=50)), 6)
    1.098612
    """
    return lyapunov_spectrum(system, steps, k=1, **kwargs).exponents[..., 0]


# ---------------------------------------------------------------- direct check
@dataclass
class DirectResult:
    """lambda_max from two nearby trajectories (natural log per iteration), shape = batch.

    Returned by :func:`lyapunov_max_direct`; ``seed`` records its ``rng``.
    """

    lambda_max: np.ndarray
    steps: int
    eps: float
    renorm_interval: int
    seed: Any


def lyapunov_max_direct(system, steps: int, *, h0: Any = None, transient: int = 1000,
                        warmup: int = 0, eps: float = 1e-8, renorm_interval: int = 1,
                        rng: Any = 0, direction: Any = None,
                        normalize: bool | None = None) -> DirectResult:
    """lambda_max by direct simulation of two trajectories (no Jacobian; Benettin 1976).

    A reference orbit h_t and a companion g_t start eps apart along a random
    unit direction; every ``renorm_interval`` steps their distance delta is
    measured, log(delta / eps) accumulated, and g pulled back to distance eps
    along g - h.  lambda_max = sum log(delta/eps) / steps, natural log per
    iteration.  For positively homogeneous maps both states are divided by
    |h_t| each step (the same factor), which keeps their relative separation.

    ``transient`` steps move the reference state alone; then ``warmup`` steps
    run the pair without accumulating (the separation turns into the leading
    Oseledets direction, as the QR method's ``tangent_transient``).
    ``rng`` draws h0 (when not given; as :func:`lyapunov_spectrum`) and then
    the initial direction, unless ``direction`` (..., d) is given.  Accuracy:
    agrees with the QR method's lambda_1 to O(eps) plus the finite-time error
    (none when both start along the same vector); maps with kinks (ReLU) add
    O(eps) per crossing.

    >>> from rnnchaos.networks.vector import HenonMap
    >>> r = lyapunov_max_direct(HenonMap(), 20000, h0=[0.1, 0.1], transient=100)
    >>> abs(float(r.lambda_max) - 0.4192) < 0.01
    True
    """
    steps = count_arg("steps", steps, 1)
    transient = count_arg("transient", transient, 0)
    warmup = count_arg("warmup", warmup, 0)
    renorm_interval = count_arg("renorm_interval", renorm_interval, 1)
    eps = check_real(eps, "eps", positive=True)
    if not eps < 1:
        raise SpecError("eps", f"must be a number in (0, 1), got {eps!r}")
    seed = seed_record(rng)
    gen = as_generator(rng)
    d = state_dim(system)
    homog = is_homogeneous(system, normalize)
    batch = tuple(getattr(system, "batch_shape", ()) or ())
    h, batch = initial_state(system, gen, batch, h0)
    if direction is None:
        u = gen.standard_normal(batch + (d,))
    else:
        u = np.broadcast_to(np.asarray(direction, dtype=np.float64), batch + (d,)).copy()
    norm = np.linalg.norm(u, axis=-1, keepdims=True)
    if not np.all(np.isfinite(norm) & (norm > 0)):
        raise SpecError("direction", "must be finite and non-zero")
    u /= norm
    total = np.zeros(batch)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        h = iterate(system, h, transient, normalize=homog)[0]
        g = h + eps * u
        for t in range(-warmup, steps):
            h, g = system.step(h), system.step(g)
            if homog:  # divide both by |h|; the factor is added back to the log distance
                r = np.linalg.norm(h, axis=-1, keepdims=True)
                r = np.where(r > 0, r, 1.0)
                h, g = h / r, g / r
                if t >= 0:
                    total += np.log(r[..., 0])
            if t < 0 or (t + 1) % renorm_interval == 0 or t == steps - 1:
                delta = g - h
                dist = np.linalg.norm(delta, axis=-1)
                if t >= 0:
                    total += np.log(dist / eps)
                ok = (dist > 0)[..., None]
                g = np.where(ok, h + delta * (eps / np.where(dist > 0, dist, 1.0))[..., None],
                             h + eps * u)
    return DirectResult(total / steps, steps, float(eps), renorm_interval, seed)
