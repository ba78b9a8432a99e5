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
with Z drawn from ``SeedSequence(seed, spawn_key=(i,))``: common random
numbers across stds.  The tangent vectors of maps start .. start+batch-1 come
from ``SeedSequence([seed, TANGENT_STREAM, start])`` (the same for every std).
"""
from __future__ import annotations

import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .._lib.atomic import atomic_write_bytes, atomic_write_table
from .._lib.runner import pin_blas_threads
from ..dynamics.lyapunov import iterate, lyapunov_max_direct, lyapunov_spectrum
from ..dynamics.meanfield import mean_field_critical_gain, mean_field_critical_std
from ..errors import SpecError
from ..networks.presets import network_seed
from ..networks.vector import VectorRNN, build_vector_preset, sample_vector_batch
from .stats import wilson_interval

__all__ = [
    "PAPER_INPUT",
    "PAPER_STDS",
    "PUBLISHED",
    "TANGENT_STREAM",
    "paper_maps",
    "jacobians_at",
    "spectral_radius",
    "spectral_norm",
    "mean_field_critical_std",
    "mean_field_critical_gain",
    "threshold_experiment",
    "lambda_max_sweep",
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
    preset, dim, gain, seed, start, size, steps, transient, tangent_transient = args
    p = build_vector_preset(preset, dim, gain=gain)
    maps = sample_vector_batch(p, seed, size, start)
    # initial states and tangent vectors: shared by all gains of a (dim, start) chunk
    rng = np.random.default_rng(np.random.SeedSequence([seed, TANGENT_STREAM, dim, start]))
    res = lyapunov_spectrum(maps, steps, k=1, transient=transient,
                            tangent_transient=tangent_transient, rng=rng, record=2)
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
                     tangent_transient: int = 100, workers: int = 1) -> list[dict[str, Any]]:
    """P(lambda_max > 0) over n random maps of a vector preset, for each dim x gain, with CIs.

    lambda_max: QR method with k = 1 (natural log per iteration) after
    ``transient`` state steps and ``tangent_transient`` tangent steps, from a
    standard normal initial state.  Map i of a cell is
    ``sample_vector_preset(build_vector_preset(preset, dim, gain=gain), seed, i)``
    (common random numbers across gains); initial states / tangent vectors of
    maps start.. of a chunk come from ``SeedSequence([seed, TANGENT_STREAM, dim,
    start])``.  Results do not depend on ``workers`` (BLAS pinned to one
    thread per worker process).

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
    from ..networks.vector import VECTOR_PRESETS
    if preset not in VECTOR_PRESETS:
        raise SpecError("preset", f"unknown vector preset {preset!r}; choose one of "
                        f"{', '.join(VECTOR_PRESETS)}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError("n", f"must be an integer >= 1, got {n!r}")
    cells = [_Cell(preset, int(d), float(g)) for d in dims for g in gains]
    for c in cells:
        build_vector_preset(preset, c.dim, gain=c.gain)  # validate before any work
    config = {"preset": preset, "dims": [int(d) for d in dims], "gains": [float(g) for g in gains],
              "n": n, "seed": seed, "steps": steps, "transient": transient,
              "tangent_transient": tangent_transient, "units": "natural log per iteration",
              "seeding": "map i: SeedSequence(seed, spawn_key=(i,)); states/tangents: "
                         f"SeedSequence([seed, {TANGENT_STREAM}, dim, chunk_start])"}
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
            tasks.append((preset, c.dim, c.gain, seed, start, m, steps, transient, tangent_transient))
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
