"""The paper's 64-d Jacobian threshold experiment, P(lambda_max > 0) sweeps, mean-field theory.

The experiment (docs/notebooks.md, "Higher dimensions")
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
with Z the same for every std (the vector maps' block seeding contract,
:data:`rnnchaos.networks.vector.VECTOR_BLOCK_SIZE`): common random
numbers across stds.  The tangent vectors of maps start .. start+batch-1 come
from ``SeedSequence([seed, TANGENT_STREAM, start])`` (the same for every std).
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np

from .._lib.atomic import atomic_write_table
from .._lib.optional import require
from .._lib.progress import Progress
from .._lib.runner import Executor, executor_for, run_tasks
from .._lib.store import ChunkStore
from ..dynamics.lyapunov import iterate, lyapunov_max_direct, lyapunov_spectrum
from ..dynamics.meanfield import mean_field_critical_gain, mean_field_critical_std
from ..errors import SpecError
from ..networks.presets import SEEDING_CONTRACT
from ..networks.vector import (
    VECTOR_SEEDING_TEXT,
    VectorRNN,
    build_vector_preset,
    sample_vector_batch,
)
from .stats import wilson_interval

__all__ = [
    "PAPER_INPUT", "PAPER_STDS", "PUBLISHED", "TANGENT_STREAM", "paper_maps", "jacobians_at",
    "spectral_radius", "spectral_norm", "mean_field_critical_std", "mean_field_critical_gain",
    "threshold_experiment", "lambda_max_sweep",
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



# ---------------------------------------------------------------- the maps
def paper_maps(std: float, n: int, seed: int, *, start: int = 0, dim: int = 64) -> VectorRNN:
    """Maps start .. start+n-1 of the paper's family at this std, stacked (batch (n,)).

    Map i is ``W2 relu(W1 h)``, W1, W2 = std * Z1, std * Z2, Z standard normal:
    ``sample_vector_preset(build_vector_preset("paper_jacobian", dim, std=std), seed, i)``
    (the block seeding contract of :mod:`rnnchaos.networks.vector`), so the same Z
    serve every std (common random numbers).

    >>> paper_maps(0.15, 3, seed=0).batch_shape
    (3,)
    """
    if not (isinstance(std, (int, float)) and not isinstance(std, bool) and math.isfinite(std) and std > 0):
        raise SpecError("std", f"must be a finite number > 0, got {std!r}")
    return sample_vector_batch(build_vector_preset("paper_jacobian", dim, std=float(std)), seed, n, start)


def jacobians_at(system, h: np.ndarray) -> np.ndarray:
    """Df(h) for a (batched) system at state(s) h: shape (..., d, d).

    >>> from rnnchaos.networks.vector import LinearMap
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


def _validated_sweep(preset, dims, gains, n, seed, steps, transient, tangent_transient):
    """The lambda_max sweep's cells and configuration, every parameter checked (SpecError)."""
    from ..networks.presets import check_index
    from ..networks.vector import VECTOR_PRESETS
    if preset not in VECTOR_PRESETS:
        raise SpecError("preset", f"unknown vector preset {preset!r}; choose one of "
                        f"{', '.join(VECTOR_PRESETS)}")
    for field, value, minimum in (("n", n, 1), ("steps", steps, 1), ("transient", transient, 0),
                                  ("tangent_transient", tangent_transient, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise SpecError(field, f"must be an integer >= {minimum}, got {value!r}")
    seed = check_index("seed", seed)
    cells = [_Cell(preset, int(d), float(g)) for d in dims for g in gains]
    for c in cells:
        build_vector_preset(preset, c.dim, gain=c.gain)  # validate before any work
    config = {"preset": preset, "dims": [int(d) for d in dims], "gains": [float(g) for g in gains],
              "n": n, "seed": seed, "steps": steps, "transient": transient,
              "tangent_transient": tangent_transient, "units": "natural log per iteration",
              "seeding": f"maps: {VECTOR_SEEDING_TEXT}; states/tangents: "
                         f"SeedSequence([seed, {TANGENT_STREAM}, dim, chunk_start])",
              "seeding_contract": SEEDING_CONTRACT}
    return cells, config


class _LambdaBlock(NamedTuple):
    """One task of a lambda_max sweep (the arguments of :func:`_sweep_chunk`): maps
    start .. start+size-1 of the cell (preset, dim, gain)."""

    preset: str
    dim: int
    gain: float
    seed: int
    start: int
    size: int
    steps: int
    transient: int
    tangent_transient: int
    device: str | None = None  # the torch backend (None: the NumPy path)
    dtype: str | None = None

    @property
    def cell(self) -> str:
        return _Cell(self.preset, self.dim, self.gain).key


def _sweep_blocks(cells, preset, n, seed, steps, transient, tangent_transient, device, dtype):
    """One task per (cell, chunk start)."""
    from ..networks.vector import VECTOR_PRESETS
    layers = 2 if VECTOR_PRESETS[preset][0] == "two_layer" else 1
    blocks = []
    for c in cells:
        size = _chunk_size(c.dim, layers)
        blocks += [_LambdaBlock(preset, c.dim, c.gain, seed, start, min(size, n - start), steps,
                                transient, tangent_transient, device, dtype)
                   for start in range(0, n, size)]
    return blocks


def lambda_max_sweep(preset: str, dims: Sequence[int], gains: Sequence[float], n: int, seed: int, *,
                     out: str | os.PathLike | None = None, steps: int = 1000, transient: int = 500,
                     tangent_transient: int = 100, workers: "int | Executor" = 1,
                     device: str | None = None, dtype: str | None = None) -> list[dict[str, Any]]:
    """P(lambda_max > 0) over n random maps of a vector preset, for each dim x gain, with CIs.

    lambda_max: QR method with k = 1 (natural log per iteration) after
    ``transient`` state steps and ``tangent_transient`` tangent steps, from a
    standard normal initial state.  Map i of a cell is
    ``sample_vector_preset(build_vector_preset(preset, dim, gain=gain), seed, i)``
    (common random numbers across gains); initial states / tangent vectors of
    maps start.. of a chunk come from ``SeedSequence([seed, TANGENT_STREAM, dim,
    start])``.  Results do not depend on ``workers`` (a number of local worker
    processes or an Executor such as a Dask cluster; BLAS pinned to one thread per worker).
    ``device`` / ``dtype`` run each chunk (a batch of maps) with the torch backend
    (:mod:`rnnchaos.dynamics.lyapunov_torch`; same maps, same draws), in this process
    (``workers`` = 1).

    With ``out``, ``out`` is a :class:`~rnnchaos._lib.store.ChunkStore`: chunks are saved
    atomically as ``out/chunks/<cell>/<start>.npz`` with the configuration's hash and reused
    when the same call is repeated (resumable, on any executor); ``out/manifest.json``
    records the configuration and ``out/results.parquet`` the rows; a directory holding
    another configuration is refused.  Rows:
    preset, dim, gain, n, count (lambda_max > 0), p, ci_low, ci_high (95%
    Wilson), median_lambda_max, marginal (|lambda_max| <= split-half
    difference), diverged, critical_gain (mean field).

    >>> rows = lambda_max_sweep("rnn_tanh", [32], [0.5, 3.0], n=6, seed=0, steps=100, transient=50)
    >>> rows[0]["count"], rows[1]["count"] > 0   # ordered at gain 0.5, mostly chaotic at 3
    (0, True)
    """
    cells, config = _validated_sweep(preset, dims, gains, n, seed, steps, transient, tangent_transient)
    if device is not None or dtype is not None:
        from ..dynamics.lyapunov_torch import resolve_device, resolve_dtype
        if workers != 1:
            raise SpecError("workers", "the torch backend runs in this process: use workers=1")
        # a resumed sweep must not mix float32 and float64 chunks: the backend is configuration
        config["backend"] = {"library": "torch", "device": str(resolve_device(device or "cpu")),
                             "dtype": str(resolve_dtype(dtype)).replace("torch.", "")}
    blocks = _sweep_blocks(cells, preset, n, seed, steps, transient, tangent_transient,
                           device, dtype)
    store = None if out is None else ChunkStore(out, "lambda_max_sweep", config).open()
    if out is not None:
        require("pyarrow", "writing Parquet results")
    done = {(b.cell, b.start): store.load(b.cell, b.start, b.size) for b in blocks
            if store is not None and store.has(b.cell, b.start)}
    todo = [b for b in blocks if (b.cell, b.start) not in done]
    with executor_for(workers) as executor:
        if store is not None:
            store.begin_run({"started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                             "executor": executor.name})
        labels = [f"{b.cell} maps {b.start}..{b.start + b.size - 1}" for b in todo]
        with Progress(sum(b.size for b in todo), desc="lambda_max sweep", unit="maps") as bar:
            for i, (key, start, arrays) in run_tasks(executor, _sweep_chunk, todo, labels=labels,
                                                     ordered=False):  # saved as soon as done
                done[(key, start)] = arrays
                if store is not None:
                    store.save(key, start, todo[i].size, arrays)
                bar.update(todo[i].size)
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
    if store is not None:
        pa = require("pyarrow", "writing Parquet results")
        atomic_write_table(store.root / "results.parquet", pa.Table.from_pylist(rows))
        store.finish_run(finished_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return rows
