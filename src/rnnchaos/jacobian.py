"""The paper's 64-d Jacobian threshold experiment, P(lambda_max > 0) sweeps, mean-field theory.

The experiment (shared/PAPER.md, section 6)
-------------------------------------------
Maps f(h) = W2 relu(W1 h) on R^64 (torch ``Linear(64,64) -> ReLU ->
Linear(64,64)``, weights N(0, std^2), biases zero); the notebook reports the
fraction of 1,000 maps whose Jacobian at one input has spectral radius > 1
(its axis says "spectral norm"), for std 0.12 .. 0.2.  Published: 0.12: 0.2%,
0.13: 3.6%, 0.14: 31.3%, 0.15: 74.7%, 0.16: 97.2%, 0.19 and up: 100%.

The input here
~~~~~~~~~~~~~~
The notebook's input is one sklearn ``digits`` image (raw pixels 0..16).
sklearn is not a dependency and nothing is downloaded, so :data:`PAPER_INPUT`
is a **hand-written 8x8 digit "3" with the same value range** (0..16,
integers), stored below as a literal.  The Jacobian of a zero-bias ReLU map
depends only on which hidden units are on (the sign pattern of W1 x), whose
law is the same for every non-zero input (W1 x is an isotropic Gaussian), so
the statistics do not depend on which image is used.

What is reported, per std (95% Wilson intervals throughout)
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
* P(rho(Df) > 1) and P(||Df||_2 > 1) at the input (spectral radius and
  spectral norm reported separately: rho <= ||.||_2 always);
* the same two at a point on the attractor: the map is positively
  homogeneous, so the orbit is followed on the unit sphere (which changes no
  Jacobian) for ``attractor_steps`` steps from the input;
* P(lambda_max > 0), lambda_max from the QR method (k = 1, natural log per
  iteration) along that orbit, cross-checked on a subset by two nearby
  trajectories; and the mean growth rate of |h| (``radial_rate``);
* the mean-field critical std :func:`mean_field_critical_std`.

Seeding: map i (of every std) is ``sample_vector_preset(build_vector_preset(
"paper_jacobian", 64, std=std), seed, i)``, i.e. W1, W2 = std * Z1, std * Z2
with Z drawn from ``SeedSequence(seed, spawn_key=(i,))``: common random
numbers across stds.  The tangent vectors of maps start .. start+batch-1 come
from ``SeedSequence([seed, TANGENT_STREAM, start])`` (the same for every std).
"""
from __future__ import annotations

import html
import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import SpecError
from .lyapunov import iterate, lyapunov_max_direct, lyapunov_spectrum
from .montecarlo import pin_blas_threads, wilson_interval
from .presets import network_seed
from .sweep import atomic_write_bytes, atomic_write_table
from .vector import VectorRNN, build_vector_preset, sample_vector_batch

__all__ = [
    "PAPER_INPUT", "PAPER_STDS", "PUBLISHED", "TANGENT_STREAM", "paper_maps", "jacobians_at",
    "spectral_radius", "spectral_norm", "mean_field_critical_std", "mean_field_critical_gain",
    "threshold_experiment", "lambda_max_sweep", "report_section",
]

#: A hand-written 8x8 digit "3", raw pixel values 0..16 (sklearn digits' range), row by row.
#: A stand-in for the notebook's sklearn digits image (see the module docstring).
PAPER_INPUT = np.array([
    [0, 0, 7, 15, 16, 12, 1, 0],
    [0, 0, 13, 9, 6, 16, 5, 0],
    [0, 0, 0, 0, 7, 15, 2, 0],
    [0, 0, 0, 11, 16, 9, 0, 0],
    [0, 0, 0, 2, 9, 16, 6, 0],
    [0, 0, 0, 0, 0, 12, 11, 0],
    [0, 0, 10, 5, 6, 15, 9, 0],
    [0, 0, 8, 16, 16, 11, 1, 0],
], dtype=np.float64).reshape(64)

#: The notebook's std grid.
PAPER_STDS = (0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18, 0.19, 0.2)
#: Published fraction (%) of 1,000 maps with Jacobian spectral radius > 1 at the input.
PUBLISHED = {0.12: 0.2, 0.13: 3.6, 0.14: 31.3, 0.15: 74.7, 0.16: 97.2, 0.19: 100.0, 0.2: 100.0}
#: Second entropy word of the tangent-vector streams: SeedSequence([seed, TANGENT_STREAM, ...]).
TANGENT_STREAM = 0x6A6163  # "jac"

_E_DERIV2 = {"relu": 0.5, "tanh": 1.0, "identity": 1.0}


# ---------------------------------------------------------------- mean field
def mean_field_critical_std(dim: int, kind: str = "two_layer", activation: str = "relu",
                            hidden: int | None = None) -> float:
    """The weight std at which a random map's mean tangent growth is 1 (order -> chaos).

    Derivation.  Take weights iid N(0, s^2), zero biases.  A tangent vector v
    at h is mapped by the Jacobian; for the two-layer map
    f(h) = W2 phi(W1 h) it is J v = W2 D W1 v with D = diag(phi'(W1 h)).  In
    the mean-field limit (Poole et al. 2016, Schoenholz et al. 2017: wide
    layers, W1 v Gaussian and asymptotically independent of D),
    E|D W1 v|^2 = m s^2 E[phi'(z)^2] |v|^2 (m hidden units) and
    E|W2 u|^2 = d s^2 |u|^2, so the mean squared growth per iteration is

        chi = d m s^4 E[phi'(z)^2],

    and the transition is at chi = 1:  s_c = (d m E[phi'^2])^(-1/4).  For
    ReLU E[phi'^2] = 1/2 (half the units are on): s_c = (d m / 2)^(-1/4),
    0.1487 at d = m = 64.  The same number is where the eigenvalue support
    of J reaches the unit circle: J is asymptotically R-diagonal, and by the
    Haagerup-Larsen theorem its outer spectral edge is sqrt(tr(J J^T)/d) =
    sqrt(chi), so P(rho(J) > 1) crosses 1/2 there as d -> infinity (for
    finite d the edge is blurred over O(d^(-1/2))).  The spectral norm of J
    exceeds its spectral radius, so P(||J|| > 1) rises at a smaller std.

    One layer, ``kind="rnn"`` (h -> phi(W h)) or ``"leaky"`` (h -> (1-a) h +
    a phi(W h), whose eigenvalues are (1-a) + a * those of D W):
    chi = d s^2 E[phi'^2]  =>  s_c = (d E[phi'^2])^(-1/2); tanh: E[phi'^2] = 1
    at the fixed point h = 0 (the classic g_c = 1 with s = g / sqrt(d),
    Sompolinsky-Crisanti-Sommers), ReLU: sqrt(2/d) (He initialization).

    Units: a standard deviation of the weights (not a variance).

    >>> round(mean_field_critical_std(64), 4)
    0.1487
    >>> mean_field_critical_std(100, "rnn", "tanh")
    0.1
    """
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise SpecError("dim", f"must be an integer >= 1, got {dim!r}")
    if activation not in _E_DERIV2:
        raise SpecError("activation", f"mean field is tabulated for {', '.join(_E_DERIV2)}, "
                        f"got {activation!r}")
    e = _E_DERIV2[activation]
    if kind == "two_layer":
        m = dim if hidden is None else hidden
        return float((dim * m * e) ** -0.25)
    if kind in ("rnn", "leaky"):
        if hidden is not None:
            raise SpecError("hidden", f"kind {kind!r} has no hidden layer")
        return float((dim * e) ** -0.5)
    raise SpecError("kind", f"choose two_layer, rnn or leaky, got {kind!r}")


def mean_field_critical_gain(preset: str) -> float | None:
    """The critical ``gain`` of a vector preset (see :data:`rnnchaos.vector.VECTOR_PRESETS`).

    rnn_tanh, leaky_tanh (LeCun std gain/sqrt(d)): 1; rnn_relu (He std
    gain*sqrt(2/d)): 1; paper_jacobian (std gain/sqrt(d), two layers):
    2^(1/4) = 1.189.  Dimension-free.

    >>> round(mean_field_critical_gain("paper_jacobian"), 4)
    1.1892
    """
    from .vector import VECTOR_PRESETS
    if preset not in VECTOR_PRESETS:
        raise SpecError("preset", f"unknown vector preset {preset!r}")
    return VECTOR_PRESETS[preset][4]


# ---------------------------------------------------------------- the maps
def paper_maps(std: float, n: int, seed: int, *, start: int = 0, dim: int = 64) -> VectorRNN:
    """Maps start .. start+n-1 of the paper's family at this std, stacked (batch (n,)).

    Map i is ``W2 relu(W1 h)``, W1, W2 = std * Z1, std * Z2 with Z1 then Z2
    (d x d, C order) standard normal from ``SeedSequence(seed, spawn_key=(i,))``;
    bit for bit ``sample_vector_preset(build_vector_preset("paper_jacobian",
    dim, std=std), seed, i)``.

    >>> paper_maps(0.15, 3, seed=0).batch_shape
    (3,)
    """
    if not (isinstance(std, (int, float)) and not isinstance(std, bool) and math.isfinite(std) and std > 0):
        raise SpecError("std", f"must be a finite number > 0, got {std!r}")
    z1 = np.empty((n, dim, dim))
    z2 = np.empty((n, dim, dim))
    for j in range(n):
        g = np.random.default_rng(network_seed(seed, start + j))
        z1[j] = g.standard_normal((dim, dim))
        z2[j] = g.standard_normal((dim, dim))
    zeros = np.zeros((n, dim))
    return VectorRNN([(z1 * float(std), zeros, "relu"), (z2 * float(std), zeros, "identity")])


def jacobians_at(system, h: np.ndarray) -> np.ndarray:
    """Df(h) for a (batched) system at state(s) h: shape (..., d, d).

    >>> from rnnchaos.vector import LinearMap
    >>> jacobians_at(LinearMap([[2.0]]), np.zeros(1)).tolist()
    [[2.0]]
    """
    return np.asarray(system.jacobian(np.asarray(h, dtype=np.float64)))


def spectral_radius(j: np.ndarray) -> np.ndarray:
    """max |eigenvalue| of each matrix (..., d, d) (dimensionless gain per iteration).

    >>> float(spectral_radius(np.array([[0.0, 2.0], [0.5, 0.0]])))
    1.0
    """
    return np.max(np.abs(np.linalg.eigvals(j)), axis=-1)


def spectral_norm(j: np.ndarray) -> np.ndarray:
    """Largest singular value ||J||_2 of each matrix (..., d, d); always >= the spectral radius.

    >>> float(spectral_norm(np.array([[0.0, 2.0], [0.5, 0.0]])))
    2.0
    """
    return np.linalg.svd(j, compute_uv=False)[..., 0]


# ---------------------------------------------------------------- the experiment
def _frac(mask: np.ndarray) -> dict[str, Any]:
    c, n = int(np.sum(mask)), int(mask.size)
    lo, hi = wilson_interval(c, n)
    p = c / n if n else None
    if p is not None:  # the interval's rounding can put an end a hair past p = 0 or 1
        lo, hi = min(lo, p), max(hi, p)
    return {"count": c, "n": n, "p": p, "ci_low": lo, "ci_high": hi}


@dataclass
class ThresholdResult:
    """Rows of :func:`threshold_experiment` plus its settings (JSON-able via :meth:`to_json`).

    Each row: ``std``; fractions (dicts with count, n, p, ci_low, ci_high)
    ``rho_input``, ``norm_input``, ``rho_attractor``, ``norm_attractor``,
    ``lambda_max_positive``; medians of rho, ||Df||, lambda_max and of the
    growth rate of |h| (natural log per iteration); ``published_percent``.

    >>> r = threshold_experiment([0.2], n=2, seed=0, attractor_steps=5, lyap_steps=10, lyap_transient=0)
    >>> sorted(r.to_json())[:3]
    ['attractor_steps', 'critical_std', 'dim']
    """

    rows: list[dict[str, Any]]
    dim: int
    n: int
    seed: int
    attractor_steps: int
    lyap_steps: int
    lyap_transient: int
    critical_std: float
    seconds: float
    input_note: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def threshold_experiment(stds: Sequence[float] = PAPER_STDS, n: int = 1000, seed: int = 2022, *,
                         dim: int = 64, x: np.ndarray | None = None, attractor_steps: int = 300,
                         lyap_steps: int = 600, lyap_transient: int = 100, direct_check: int = 20,
                         batch: int = 500) -> ThresholdResult:
    """The paper's Jacobian threshold experiment, with spectra beside it.

    For each std: n maps (see :func:`paper_maps`), Df at ``x`` (default
    :data:`PAPER_INPUT`) and at the point reached after ``attractor_steps``
    iterations from x (on the unit sphere); the fractions with spectral
    radius > 1 and with spectral norm > 1; lambda_max (QR method, k = 1,
    ``lyap_transient`` tangent warm-up steps then ``lyap_steps`` measured, natural
    log per iteration) along the orbit from that point; the fraction with
    lambda_max > 0; the growth rate of |h|; and, for the first
    ``direct_check`` maps, the largest |lambda_max(QR) - lambda_max(two
    trajectories)| (both started along the same tangent vector, so the
    difference tests the Jacobian and the linearization, not finite-time
    error).  Every fraction has a 95% Wilson interval.

    >>> r = threshold_experiment([0.2], n=4, seed=1, attractor_steps=20, lyap_steps=50,
    ...                          lyap_transient=10, direct_check=2)
    >>> r.rows[0]["rho_input"]["p"]
    1.0
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError("n", f"must be an integer >= 1, got {n!r}")
    x = PAPER_INPUT if x is None else np.asarray(x, dtype=np.float64)
    if x.shape != (dim,):
        raise SpecError("x", f"expected a vector of {dim} entries, got shape {x.shape}")
    t0 = time.perf_counter()
    rows = []
    for std in stds:
        parts: dict[str, list] = {k: [] for k in ("rho_in", "norm_in", "rho_att", "norm_att",
                                                  "lam", "radial", "split", "direct")}
        for start in range(0, n, batch):
            size = min(batch, n - start)
            maps = paper_maps(std, size, seed, start=start, dim=dim)
            tangent = np.random.default_rng(np.random.SeedSequence([seed, TANGENT_STREAM, start]))
            j_in = jacobians_at(maps, np.broadcast_to(x, (size, dim)))
            parts["rho_in"].append(spectral_radius(j_in))
            parts["norm_in"].append(spectral_norm(j_in))
            h_att, _ = iterate(maps, np.broadcast_to(x, (size, dim)), attractor_steps, normalize=True)
            j_att = jacobians_at(maps, h_att)
            parts["rho_att"].append(spectral_radius(j_att))
            parts["norm_att"].append(spectral_norm(j_att))
            first = tangent.standard_normal((size, dim))
            res = lyapunov_spectrum(maps, lyap_steps, k=1, h0=h_att, q0=first[..., None], transient=0,
                                    tangent_transient=lyap_transient, rng=tangent, record=2)
            parts["lam"].append(res.exponents[:, 0])
            parts["radial"].append(res.radial_rate)
            parts["split"].append(res.split_half_difference)
            m = max(0, min(direct_check - start, size))
            if m:  # same orbit, same warm-up and length: two trajectories against the QR run
                dres = lyapunov_max_direct(maps[np.arange(m)], lyap_steps, h0=h_att[:m], transient=0,
                                           warmup=lyap_transient, rng=tangent,
                                           direction=first[:m])
                parts["direct"].append(np.abs(dres.lambda_max - res.exponents[:m, 0]))
        a = {k: np.concatenate(v) if v else np.array([]) for k, v in parts.items()}
        lam = a["lam"]
        rows.append({
            "std": float(std), "n": n,
            "rho_input": _frac(a["rho_in"] > 1), "norm_input": _frac(a["norm_in"] > 1),
            "rho_attractor": _frac(a["rho_att"] > 1), "norm_attractor": _frac(a["norm_att"] > 1),
            "lambda_max_positive": _frac(lam > 0),
            "median_rho_input": float(np.median(a["rho_in"])),
            "median_norm_input": float(np.median(a["norm_in"])),
            "median_lambda_max": float(np.median(lam)),
            "median_radial_rate": float(np.median(a["radial"])),
            "lambda_max_minus_radial_max": float(np.max(lam - a["radial"])),
            "marginal": int(np.sum(np.abs(lam) <= np.nan_to_num(a["split"], nan=np.inf))),
            "direct_max_abs_diff": float(np.max(a["direct"])) if a["direct"].size else None,
            "published_percent": PUBLISHED.get(round(float(std), 4)),
        })
    return ThresholdResult(rows, dim, n, seed, attractor_steps, lyap_steps, lyap_transient,
                           mean_field_critical_std(dim), time.perf_counter() - t0,
                           "hand-written 8x8 digit '3', pixels 0..16 (stand-in for the sklearn "
                           "digits image)")


# ---------------------------------------------------------------- lambda_max sweep
@dataclass(frozen=True)
class _Cell:
    preset: str
    dim: int
    gain: float

    @property
    def key(self) -> str:
        return f"{self.preset}_d{self.dim}_g{self.gain!r}"


def _chunk_size(dim: int, layers: int = 2, budget_bytes: float = 64e6) -> int:
    return max(1, int(budget_bytes // (8.0 * dim * dim * layers)))


def _sweep_chunk(args) -> tuple[str, int, dict[str, np.ndarray]]:
    preset, dim, gain, seed, start, size, steps, transient, tangent_transient, device, dtype = args
    p = build_vector_preset(preset, dim, gain=gain)
    maps = sample_vector_batch(p, seed, size, start)
    # initial states and tangent vectors: shared by all gains of a (dim, start) chunk
    rng = np.random.default_rng(np.random.SeedSequence([seed, TANGENT_STREAM, dim, start]))
    res = lyapunov_spectrum(maps, steps, k=1, transient=transient,
                            tangent_transient=tangent_transient, rng=rng, record=2,
                            device=device, dtype=dtype)
    out = {"lambda_max": res.exponents[:, 0], "split": res.split_half_difference,
           "diverged": res.diverged}
    return _Cell(preset, dim, gain).key, start, out


def _run(tasks, workers):
    if workers <= 1:
        for t in tasks:
            yield _sweep_chunk(t)
        return
    with ProcessPoolExecutor(workers, initializer=pin_blas_threads) as pool:
        yield from pool.map(_sweep_chunk, tasks)


def lambda_max_sweep(preset: str, dims: Sequence[int], gains: Sequence[float], n: int, seed: int, *,
                     out: str | os.PathLike | None = None, steps: int = 1000, transient: int = 500,
                     tangent_transient: int = 100, workers: int = 1, device: str | None = None,
                     dtype: str | None = None) -> list[dict[str, Any]]:
    """P(lambda_max > 0) over n random maps of a vector preset, for each dim x gain, with CIs.

    lambda_max: QR method with k = 1 (natural log per iteration) after
    ``transient`` state steps and ``tangent_transient`` tangent steps, from a
    standard normal initial state.  Map i of a cell is
    ``sample_vector_preset(build_vector_preset(preset, dim, gain=gain), seed, i)``
    (common random numbers across gains); initial states / tangent vectors of
    maps start.. of a chunk come from ``SeedSequence([seed, TANGENT_STREAM, dim,
    start])``.  Results do not depend on ``workers`` (BLAS pinned to one
    thread per worker process).  ``device`` / ``dtype`` run each chunk (a batch
    of maps) with the torch backend (:mod:`rnnchaos.lyapunov_torch`; same
    maps, same draws), in this process (``workers`` = 1).

    With ``out``, chunks are saved atomically as ``out/chunks/<cell>/<start>.npz``
    and reused when the same call is repeated (resumable); ``out/manifest.json``
    records the configuration and ``out/results.parquet`` the rows.  Rows:
    preset, dim, gain, n, count (lambda_max > 0), p, ci_low, ci_high (95%
    Wilson), median_lambda_max, marginal (|lambda_max| <= split-half
    difference), diverged, critical_gain (mean field).

    >>> rows = lambda_max_sweep("rnn_tanh", [32], [0.5, 3.0], n=6, seed=0, steps=100, transient=50)
    >>> [r["count"] for r in rows]
    [0, 5]
    """
    from .vector import VECTOR_PRESETS
    if preset not in VECTOR_PRESETS:
        raise SpecError("preset", f"unknown vector preset {preset!r}; choose one of "
                        f"{', '.join(VECTOR_PRESETS)}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError("n", f"must be an integer >= 1, got {n!r}")
    cells = [_Cell(preset, int(d), float(g)) for d in dims for g in gains]
    for c in cells:
        build_vector_preset(preset, c.dim, gain=c.gain)  # validate before any work
    backend = None
    if device is not None or dtype is not None:
        from .lyapunov_torch import resolve_device, resolve_dtype
        backend = {"device": str(resolve_device(device or "cpu")),
                   "dtype": str(resolve_dtype(dtype)).replace("torch.", "")}
        if workers != 1:
            raise SpecError("workers", "the torch backend runs in this process: use workers=1")
    config = {"preset": preset, "dims": [int(d) for d in dims], "gains": [float(g) for g in gains],
              "n": n, "seed": seed, "steps": steps, "transient": transient,
              "tangent_transient": tangent_transient, "units": "natural log per iteration",
              "seeding": "map i: SeedSequence(seed, spawn_key=(i,)); states/tangents: "
                         f"SeedSequence([seed, {TANGENT_STREAM}, dim, chunk_start])"}
    if backend is not None:  # a resumed sweep must not mix float32 and float64 chunks
        config["backend"] = {"library": "torch", **backend}
    out_path = None if out is None else Path(out)
    if out_path is not None:
        man = out_path / "manifest.json"
        if man.exists():
            old = json.loads(man.read_text())
            if old.get("config") != config:
                raise SpecError("out", f"{out_path} holds a different sweep; use another directory")
        else:
            atomic_write_bytes(man, json.dumps({"config": config}, indent=1).encode())
    done: dict[tuple[str, int], dict[str, np.ndarray]] = {}
    tasks = []
    for c in cells:
        layers = 2 if VECTOR_PRESETS[preset][0] == "two_layer" else 1
        size = _chunk_size(c.dim, layers)
        for start in range(0, n, size):
            m = min(size, n - start)
            path = None if out_path is None else out_path / "chunks" / c.key / f"{start}.npz"
            if path is not None and path.exists():
                with np.load(path) as z:
                    done[(c.key, start)] = {k: z[k] for k in z.files}
                continue
            tasks.append((preset, c.dim, c.gain, seed, start, m, steps, transient, tangent_transient,
                          device, dtype))
    for key, start, arrays in _run(tasks, workers):
        done[(key, start)] = arrays
        if out_path is not None:
            import io
            buf = io.BytesIO()
            np.savez(buf, **arrays)
            atomic_write_bytes(out_path / "chunks" / key / f"{start}.npz", buf.getvalue())
    rows = []
    crit = mean_field_critical_gain(preset)
    for c in cells:
        parts = sorted((s, a) for (k, s), a in done.items() if k == c.key)
        lam = np.concatenate([a["lambda_max"] for _, a in parts])
        split = np.concatenate([a["split"] for _, a in parts])
        div = np.concatenate([a["diverged"] for _, a in parts])
        f = _frac(lam > 0)
        rows.append({"preset": preset, "dim": c.dim, "gain": c.gain, "n": n, "count": f["count"],
                     "p": f["p"], "ci_low": f["ci_low"], "ci_high": f["ci_high"],
                     "median_lambda_max": float(np.nanmedian(lam)) if np.any(np.isfinite(lam)) else None,
                     "marginal": int(np.sum(np.abs(lam) <= np.nan_to_num(split, nan=np.inf))),
                     "diverged": int(np.sum(div)), "critical_gain": crit, "seed": seed})
    if out_path is not None:
        import pyarrow as pa
        atomic_write_table(out_path / "results.parquet", pa.Table.from_pylist(rows))
    return rows


# ---------------------------------------------------------------- report
@dataclass(frozen=True)
class _Plan:
    n: int
    stds: tuple[float, ...]
    attractor_steps: int
    lyap_steps: int
    sweep_preset: str
    sweep_dims: tuple[int, ...]
    sweep_gains: tuple[float, ...]
    sweep_n: int
    sweep_steps: int
    sweep_transient: int


_QUICK = _Plan(200, PAPER_STDS, 200, 300, "rnn_tanh", (16, 64, 256),
               (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0), 100, 300, 200)
_FULL = _Plan(1000, PAPER_STDS, 500, 2000, "rnn_tanh", (16, 32, 64, 128, 256, 512, 1024),
              (0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25, 1.5, 2.0), 200, 1000, 500)


def _pct(f: dict[str, Any]) -> str:
    return (f"{100 * f['p']:.1f}% <span class='ci'>[{100 * f['ci_low']:.1f}, "
            f"{100 * f['ci_high']:.1f}]</span>")


def _threshold_figure(res: ThresholdResult, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    s = np.array([r["std"] for r in res.rows])
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    series = [("rho_input", "spectral radius > 1 at input", "C0", "-"),
              ("norm_input", "spectral norm > 1 at input", "C1", "-"),
              ("rho_attractor", "spectral radius > 1 on attractor", "C0", "--"),
              ("norm_attractor", "spectral norm > 1 on attractor", "C1", "--"),
              ("lambda_max_positive", "lambda_max > 0 (QR spectrum)", "C3", "-")]
    for key, label, color, ls in series:
        p = np.array([r[key]["p"] for r in res.rows])
        lo = np.array([r[key]["ci_low"] for r in res.rows])
        hi = np.array([r[key]["ci_high"] for r in res.rows])
        ax.plot(s, p, ls, color=color, marker="o", ms=3, label=label)
        ax.fill_between(s, lo, hi, color=color, alpha=0.15)
    pub = sorted(PUBLISHED.items())
    ax.plot([a for a, _ in pub], [b / 100 for _, b in pub], "k*", ms=9,
            label="published (spectral radius at input)")
    ax.axvline(res.critical_std, color="gray", ls=":", label=f"mean field s_c = {res.critical_std:.4f}")
    ax.set_xlabel("weight std")
    ax.set_ylabel(f"fraction of {res.n} maps")
    ax.set_title(f"{res.dim}-d maps W2 relu(W1 h): Jacobian threshold and lambda_max")
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _sweep_figure(rows: list[dict[str, Any]], path: Path, preset: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    dims = sorted({r["dim"] for r in rows})
    for i, d in enumerate(dims):
        rs = sorted((r for r in rows if r["dim"] == d), key=lambda r: r["gain"])
        g = np.array([r["gain"] for r in rs])
        p = np.array([r["p"] for r in rs])
        err = np.maximum(0.0, [[r["p"] - r["ci_low"] for r in rs], [r["ci_high"] - r["p"] for r in rs]])
        ax.errorbar(g, p, yerr=err, marker="o", ms=3, capsize=2, label=f"d = {d}", color=f"C{i}")
    crit = mean_field_critical_gain(preset)
    if crit is not None:
        ax.axvline(crit, color="gray", ls=":", label=f"mean field g_c = {crit:g}")
    ax.set_xlabel("gain g")
    ax.set_ylabel("P(lambda_max > 0)")
    ax.set_title(f"preset {preset}: P(lambda_max > 0) vs gain and dimension (95% Wilson CIs)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report_section(out_dir: Path, mode: str, seed: int) -> str:
    """Run the threshold experiment and the lambda_max sweep; write PNGs; return an HTML fragment.

    ``mode="quick"`` (200 maps per std; sweep d = 16, 64, 256 with 100 maps
    per cell; about 15 s on 2 cores) or ``"full"`` (the paper's 1,000 maps per
    std; sweep d = 16 .. 1024 with 200 maps per cell over all cores, about an
    hour on 2 cores, resumable under ``out_dir/sweeps/lambda_max_full``).
    Writes ``out_dir/jacobian_threshold.png``, ``out_dir/lambda_max_sweep.png``
    and ``out_dir/jacobian_threshold.json``.  Exponents are in natural log per
    iteration.

    >>> html = report_section(Path("report"), "quick", seed=2022)  # doctest: +SKIP
    >>> "<section" in html  # doctest: +SKIP
    True
    """
    if mode not in ("quick", "full"):
        raise SpecError("mode", f"choose quick or full, got {mode!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = _QUICK if mode == "quick" else _FULL
    res = threshold_experiment(plan.stds, plan.n, seed, attractor_steps=plan.attractor_steps,
                               lyap_steps=plan.lyap_steps)
    _threshold_figure(res, out_dir / "jacobian_threshold.png")
    atomic_write_bytes(out_dir / "jacobian_threshold.json",
                       json.dumps(res.to_json(), indent=1).encode())
    t0 = time.perf_counter()
    workers = 1 if mode == "quick" else max(1, os.cpu_count() or 1)
    sweep_rows = lambda_max_sweep(plan.sweep_preset, plan.sweep_dims, plan.sweep_gains, plan.sweep_n,
                                  seed, out=out_dir / "sweeps" / f"lambda_max_{mode}",
                                  steps=plan.sweep_steps, transient=plan.sweep_transient,
                                  workers=workers)
    sweep_seconds = time.perf_counter() - t0
    _sweep_figure(sweep_rows, out_dir / "lambda_max_sweep.png", plan.sweep_preset)
    return _html(res, sweep_rows, plan, mode, seed, sweep_seconds)


def _html(res: ThresholdResult, sweep_rows, plan: _Plan, mode: str, seed: int, sweep_seconds) -> str:
    e = html.escape
    head = ("<tr><th>std</th><th>published<br>rho&gt;1 at input</th><th>rho(Df)&gt;1<br>at input</th>"
            "<th>||Df||&gt;1<br>at input</th><th>rho(Df)&gt;1<br>on attractor</th>"
            "<th>||Df||&gt;1<br>on attractor</th><th>lambda_max&gt;0</th><th>median lambda_max</th>"
            "<th>median |h| growth rate</th><th>undecided</th></tr>")
    body = []
    for r in res.rows:
        pub = r["published_percent"]
        body.append(
            f"<tr><td>{r['std']:.2f}</td><td>{'' if pub is None else f'{pub:.1f}%'}</td>"
            f"<td>{_pct(r['rho_input'])}</td><td>{_pct(r['norm_input'])}</td>"
            f"<td>{_pct(r['rho_attractor'])}</td><td>{_pct(r['norm_attractor'])}</td>"
            f"<td>{_pct(r['lambda_max_positive'])}</td><td>{r['median_lambda_max']:+.4f}</td>"
            f"<td>{r['median_radial_rate']:+.4f}</td><td>{r['marginal']}</td></tr>")
    direct = [r["direct_max_abs_diff"] for r in res.rows if r["direct_max_abs_diff"] is not None]
    sweep_body = []
    for r in sorted(sweep_rows, key=lambda r: (r["dim"], r["gain"])):
        med = "" if r["median_lambda_max"] is None else f"{r['median_lambda_max']:+.4f}"
        sweep_body.append(
            f"<tr><td>{r['dim']}</td><td>{r['gain']:g}</td><td>{r['count']} / {r['n']}</td>"
            f"<td>{100 * r['p']:.1f}% <span class='ci'>[{100 * r['ci_low']:.1f}, "
            f"{100 * r['ci_high']:.1f}]</span></td><td>{med}</td><td>{r['marginal']}</td></tr>")
    return f"""
<section id="jacobian-threshold">
<h2>Higher dimensions: the Jacobian threshold and Lyapunov exponents</h2>
<p>The paper's last experiment: maps f(h) = W2 relu(W1 h) on R<sup>{res.dim}</sup>
(weights N(0, std<sup>2</sup>), biases zero), {res.n} maps per std ({e(mode)} mode, seed {seed};
map i of every std is drawn from <code>SeedSequence({seed}, spawn_key=(i,))</code>, so the stds
share their random numbers). The notebook's input is an sklearn digits image; here it is a
{e(res.input_note)}. The notebook's curve is the fraction with Jacobian <em>spectral radius</em>
&gt; 1 at that input (its axis says "spectral norm"); both are reported, at the input and at the
point reached after {res.attractor_steps} iterations (the map is positively homogeneous, so the orbit
is followed on the unit sphere, which changes no Jacobian). Beside them: P(lambda_max &gt; 0), with
lambda_max from the QR method ({res.lyap_steps} steps, natural log per iteration), and the mean-field
critical std s<sub>c</sub> = (d<sup>2</sup>/2)<sup>-1/4</sup> = {res.critical_std:.4f} (the std at
which the mean squared tangent growth d<sup>2</sup> s<sup>4</sup>/2 is 1; the same number is the
edge of the eigenvalue disc of Df). 95% Wilson intervals in brackets. A spectral radius &gt; 1 at one
point is a local linear-stability proxy, not a chaos test; for these zero-bias ReLU maps lambda_max
also includes the growth of |h| itself (median shown), since f(c h) = c f(h). "Undecided" counts
the maps whose |lambda_max| is within the difference between the estimates from the two halves of
the run (a longer run would be needed to be sure of the sign).
QR versus two-trajectory lambda_max on {min(20, res.n)} maps per std: largest difference
{max(direct) if direct else float('nan'):.2e}. Run time {res.seconds:.1f} s.</p>
<img src="jacobian_threshold.png" alt="Jacobian threshold figure">
<table class="results">
{head}
{''.join(body)}
</table>
<h3>P(lambda_max &gt; 0) against gain and dimension</h3>
<p>Preset <code>{e(plan.sweep_preset)}</code> (h -> tanh(W h), W ~ N(0, g<sup>2</sup>/d)),
{plan.sweep_n} maps per cell, lambda_max by the QR method ({plan.sweep_steps} steps after
{plan.sweep_transient} transient steps, natural log per iteration); mean-field transition at g = 1.
Resumable sweep under <code>sweeps/lambda_max_{e(mode)}</code>; run time {sweep_seconds:.1f} s.
"Undecided": |lambda_max| within the split-half difference (sign not settled at this run length;
near g = 1 the exponent is close to 0 and converges slowly).</p>
<img src="lambda_max_sweep.png" alt="P(lambda_max &gt; 0) sweep">
<table class="results">
<tr><th>d</th><th>gain</th><th>count</th><th>P(lambda_max &gt; 0)</th><th>median lambda_max</th>
<th>undecided</th></tr>
{''.join(sweep_body)}
</table>
</section>
"""
