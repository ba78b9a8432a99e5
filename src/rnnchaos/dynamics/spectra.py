"""What both Lyapunov backends share: argument checks, initial states and tangent frames
drawn from the same seeded streams, and the result type with its derived quantities
(Kaplan-Yorke dimension, Kolmogorov-Sinai entropy bound).

The NumPy path (:mod:`.lyapunov`) and the torch path (:mod:`.lyapunov_torch`) import
from here, so neither imports the other at module level."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np

from .._lib.validation import check_int
from ..errors import SpecError

UNITS = "natural log per iteration"


# ---------------------------------------------------------------- helpers
#: The two-trajectory lambda_max agrees with the QR one when they differ by at most
#: this (absolute, nats per iteration) plus the same relative to |lambda_max| plus the
#: split-half difference: both are finite-time estimates of the same number.
DIRECT_AGREEMENT_TOL = 0.05
#: A final frame further than this from orthonormal means the QR recursion lost a direction.
ORTHOGONALITY_TOL = 1e-6

def count_arg(name: str, value: Any, minimum: int) -> int:
    return check_int(value, name, minimum)


def spectrum_counts(d: int, steps, transient, tangent_transient, qr_interval, record, k):
    """The checked counts of a spectrum run, as both backends take them:
    (steps, transient, tangent_transient, qr_interval, record, k); ``k`` defaults to d and
    ``tangent_transient`` to min(transient, steps // 10, 200)."""
    steps = count_arg("steps", steps, 1)
    transient = count_arg("transient", transient, 0)
    qr_interval = count_arg("qr_interval", qr_interval, 1)
    record = count_arg("record", record, 1)
    k = d if k is None else count_arg("k", k, 1)
    if k > d:
        raise SpecError("k", f"must be <= d = {d}, got {k}")
    if tangent_transient is None:
        tangent_transient = min(transient, steps // 10, 200)
    tangent_transient = count_arg("tangent_transient", tangent_transient, 0)
    return steps, transient, tangent_transient, qr_interval, record, k


def seed_record(rng: Any) -> Any:
    """What to write down so that ``rng`` can be recreated: an int seed as is, a
    SeedSequence (or a Generator's) as ``{"entropy": ..., "spawn_key": [...]}``.

    >>> seed_record(5), seed_record(np.random.SeedSequence(5, spawn_key=(2,)))
    (5, {'entropy': 5, 'spawn_key': [2]})
    """
    if isinstance(rng, Integral) and not isinstance(rng, bool):
        return int(rng)
    ss = rng if isinstance(rng, np.random.SeedSequence) else None
    if isinstance(rng, np.random.Generator):
        ss = getattr(rng.bit_generator, "seed_seq", None)
    if isinstance(ss, np.random.SeedSequence):
        return {"entropy": ss.entropy, "spawn_key": list(ss.spawn_key)}
    return None


def state_dim(system) -> int:
    d = getattr(system, "dim", None)
    if isinstance(d, Integral) and not isinstance(d, bool) and d >= 1:
        return int(d)
    raise SpecError("system", f"{type(system).__name__} has no integer attribute 'dim' >= 1")


def is_homogeneous(system, normalize):
    if normalize is None:
        return bool(getattr(system, "positively_homogeneous", False))
    return bool(normalize)


def renormalize(h):
    """Project h onto the unit sphere; returns (h / |h|, log |h|) (|h| = 0 left at 0)."""
    r = np.linalg.norm(h, axis=-1)
    safe = np.where(r > 0, r, 1.0)
    with np.errstate(divide="ignore"):
        return h / safe[..., None], np.log(r)


def initial_state(system, rng, batch, h0):
    d = state_dim(system)
    if h0 is None:
        init = getattr(system, "initial_state", None)
        h = init(rng, batch) if init is not None else rng.standard_normal(batch + (d,))
    else:
        h = np.array(h0, dtype=np.float64)
        if h.ndim == 0 or h.shape[-1] != d:
            raise SpecError("h0", f"expected shape (..., {d}), got {h.shape}")
        if not np.all(np.isfinite(h)):
            raise SpecError("h0", "entries must be finite")
        batch = np.broadcast_shapes(batch, h.shape[:-1])
        h = np.broadcast_to(h, batch + (d,)).copy()
    return h, batch


# ---------------------------------------------------------------- results
@dataclass
class LyapunovResult:
    """Leading-k Lyapunov exponents of one orbit per map, with diagnostics.

    All exponents are in natural log per iteration.  Arrays carry the batch
    shape ``batch`` in front (``()`` for one map).

    * ``exponents`` (..., k): descending (NaN last; -inf for a direction the map
      collapses exactly).
    * ``running`` (R, ..., k) at iteration counts ``running_steps`` (R,): the
      running estimates sum log|R_ii| / t, in QR column order.
    * ``first_half``, ``second_half`` (..., k): the estimate from each half of
      the measured steps (sorted); ``split_half_difference`` (...): their
      largest absolute difference over the finite exponents (a convergence check).
    * ``cond_max`` (...): the largest condition-number estimate max|R_ii| /
      min|R_ii| of a propagated frame before its QR (a lower bound of cond of
      the frame; above ~1e12 precision is lost: lower ``qr_interval``).
    * ``orthogonality_error``: max |Q^T Q - I| of the final frame.
    * ``radial_rate`` (...): growth rate of |h| for positively homogeneous maps
      (iterated on the unit sphere), else None.
    * ``diverged`` (...): the orbit overflowed (NaN/inf state).
    * ``direct_lambda_max`` (...): lambda_max from two nearby trajectories
      (:func:`lyapunov_max_direct`) when requested, else None.

    >>> from rnnchaos.dynamics.lyapunov import lyapunov_spectrum
    >>> from rnnchaos.networks.vector import HenonMap
    >>> r = lyapunov_spectrum(HenonMap(), 5000, h0=[0.1, 0.1], transient=100)
    >>> round(float(r.lambda_max), 1), round(float(r.kaplan_yorke()), 1), r.units
    (0.4, 1.3, 'natural log per iteration')
    """

    exponents: np.ndarray
    dim: int
    k: int
    steps: int
    transient: int
    tangent_transient: int
    qr_interval: int
    method: str
    seed: Any
    batch: tuple
    running_steps: np.ndarray
    running: np.ndarray
    first_half: np.ndarray
    second_half: np.ndarray
    split_half_difference: np.ndarray
    cond_max: np.ndarray
    orthogonality_error: float
    radial_rate: np.ndarray | None
    diverged: np.ndarray
    seconds: float
    direct_lambda_max: np.ndarray | None = None
    direct_eps: float | None = None
    units: str = field(default=UNITS)

    @property
    def lambda_max(self) -> np.ndarray:
        """The largest exponent (...), natural log per iteration."""
        return self.exponents[..., 0]

    @property
    def seconds_per_step(self) -> float:
        """Wall time of the measured steps divided by their number."""
        return self.seconds / self.steps

    @property
    def complete(self) -> bool:
        """True when the full spectrum (k = d) was computed."""
        return self.k == self.dim

    def kaplan_yorke(self) -> np.ndarray:
        """Kaplan-Yorke dimension (...) of the computed exponents; NaN where k < d does not
        decide it (see :func:`kaplan_yorke_dimension`)."""
        return kaplan_yorke_dimension(self.exponents, complete=self.complete)

    def ks_bound(self) -> np.ndarray:
        """Sum of the positive exponents among the k computed (...): Pesin's upper bound
        on the Kolmogorov-Sinai entropy (nats per iteration) when k = d or lambda_k < 0."""
        return ks_entropy_bound(self.exponents)

    def to_json(self, index: int | None = None) -> dict[str, Any]:
        """A JSON-able dict of one orbit (``index`` into a batch; None when unbatched).

        Non-finite numbers become null (-inf exponents: see ``"minus_infinity"``).
        """
        if self.batch and index is None:
            raise SpecError("index", "a batched result needs an index")
        sel = (lambda a: a) if not self.batch else (lambda a: a[index])
        ex = sel(self.exponents)
        if bool(sel(self.diverged)):  # an overflowed orbit has no meaningful exponent
            ex = np.full_like(ex, np.nan)
        direct = None if self.direct_lambda_max is None else finite_or_none(sel(self.direct_lambda_max))
        agreement, warnings = self._checks(sel)
        return {
            "units": self.units, "dim": self.dim, "k": self.k, "steps": self.steps,
            "transient": self.transient, "tangent_transient": self.tangent_transient,
            "qr_interval": self.qr_interval, "method": self.method, "seed": self.seed,
            "exponents": [finite_or_none(x) for x in ex],
            "minus_infinity": [i for i, x in enumerate(ex) if x == -math.inf],
            "lambda_max": finite_or_none(ex[0]),
            "sum": finite_or_none(np.sum(ex)) if self.complete else None,
            "kaplan_yorke_dimension": finite_or_none(kaplan_yorke_dimension(ex, complete=self.complete)),
            "ks_entropy_bound": finite_or_none(ks_entropy_bound(ex)),
            "diverged": bool(sel(self.diverged)),
            "radial_rate": None if self.radial_rate is None else finite_or_none(sel(self.radial_rate)),
            "diagnostics": {
                "split_half_difference": finite_or_none(sel(self.split_half_difference)),
                "first_half": [finite_or_none(x) for x in sel(self.first_half)],
                "second_half": [finite_or_none(x) for x in sel(self.second_half)],
                "cond_max": finite_or_none(sel(self.cond_max)),
                "orthogonality_error": finite_or_none(self.orthogonality_error),
                "running": {"steps": self.running_steps.tolist(),
                            "lambda_max": [finite_or_none(x) for x in
                                           (self.running[:, 0] if not self.batch
                                            else self.running[:, index, 0])]},
                "direct_lambda_max": direct,
                "direct_eps": self.direct_eps,
                "direct_difference": None if direct is None or ex[0] != ex[0]
                else finite_or_none(sel(self.direct_lambda_max) - ex[0]),
                "direct_agreement": agreement,
                "seconds_per_step": self.seconds_per_step,
            },
            "warnings": warnings,
        }

    def _checks(self, sel) -> tuple[str | None, list[str]]:
        """(direct_agreement, warnings) of one orbit; see :func:`consistency_warnings`."""
        direct = None if self.direct_lambda_max is None else float(sel(self.direct_lambda_max))
        return consistency_warnings(float(sel(self.exponents)[0]), direct,
                                    float(sel(self.split_half_difference)),
                                    self.orthogonality_error, bool(sel(self.diverged)))


def finite_or_none(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def sort_desc(x: np.ndarray) -> np.ndarray:
    """Descending along the last axis with NaN last."""
    return -np.sort(-x, axis=-1)


def nanmax_rows(a: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        allnan = np.all(np.isnan(a), axis=-1)
        out = np.max(np.where(np.isnan(a), -np.inf, a), axis=-1)
    return np.where(allnan, np.nan, out)


# ---------------------------------------------------------------- derived quantities
def _ky_one(lam: np.ndarray, complete: bool) -> float:
    if np.any(np.isnan(lam)):
        return math.nan
    lam = np.sort(lam)[::-1]
    csum = np.cumsum(lam)
    j = int(np.sum(csum >= 0))  # csum is concave in j, so {csum >= 0} is a prefix
    if j == 0:
        return 0.0
    if j == lam.size:
        return float(j) if complete else math.nan
    return j + float(csum[j - 1]) / abs(float(lam[j]))


def kaplan_yorke_dimension(exponents: Any, complete: bool = True) -> np.ndarray | float:
    """Kaplan-Yorke (Lyapunov) dimension D = j + (lambda_1 + ... + lambda_j) / |lambda_{j+1}|.

    j is the largest index with lambda_1 + ... + lambda_j >= 0 (exponents sorted
    descending; any consistent log base).  D = 0 when lambda_1 < 0, and D = n
    when every partial sum is >= 0 and the n exponents are the full spectrum
    (``complete``); for a leading-k list that never turns negative the
    dimension is undecided: NaN.  Works along the last axis.

    >>> round(kaplan_yorke_dimension([0.4192, -1.6232]), 3)
    1.258
    """
    lam = np.asarray(exponents, dtype=np.float64)
    if lam.ndim == 0 or lam.shape[-1] == 0:
        raise SpecError("exponents", "expected a non-empty list of exponents")
    out = np.array([_ky_one(x, complete) for x in lam.reshape(-1, lam.shape[-1])]).reshape(lam.shape[:-1])
    return float(out) if out.ndim == 0 else out


def ks_entropy_bound(exponents: Any) -> np.ndarray | float:
    """Sum of the positive Lyapunov exponents (natural log per iteration).

    By Pesin's inequality (Ruelle) the Kolmogorov-Sinai entropy is at most this
    sum; with a leading-k list it is the full sum when lambda_k < 0.  NaN
    propagates.  Works along the last axis.

    >>> ks_entropy_bound([0.5, 0.25, -1.0])
    0.75
    """
    lam = np.asarray(exponents, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        out = np.sum(np.where(np.isnan(lam), np.nan, np.maximum(lam, 0.0)), axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def consistency_warnings(qr_max: float, direct: float | None, split: float, ortho: float,
                         diverged: bool) -> tuple[str | None, list[str]]:
    """Whether the QR and two-trajectory estimates of lambda_max agree, and warnings.

    Returns ``(agreement, warnings)``: ``agreement`` is None (no direct check),
    ``"agree"``, ``"disagree"`` (both finite, apart by more than the tolerance, or one
    finite and the other infinite) or ``"undecided"`` (an estimate is NaN).  A warning
    names each reason the exponents must not be trusted: overflow, disagreement, a
    collapsed frame.  Never reports agreement it has not checked.

    >>> consistency_warnings(0.6931, 0.6931, 0.0, 1e-15, False)
    ('agree', [])
    >>> consistency_warnings(-math.inf, 0.6931, math.nan, 1.0, False)[0]
    'disagree'
    """
    warnings = []
    if diverged:
        warnings.append("the orbit overflowed (NaN/inf state): the exponents are not meaningful")
    agreement = None
    if direct is not None:
        if math.isnan(direct) or math.isnan(qr_max):
            agreement = "undecided"
            warnings.append("the two-trajectory check gave NaN (overflow): lambda_max is unchecked")
        else:
            both_finite = math.isfinite(direct) and math.isfinite(qr_max)
            slack = DIRECT_AGREEMENT_TOL * (1 + abs(qr_max)) + (split if math.isfinite(split) else 0)
            close = both_finite and abs(direct - qr_max) <= slack
            close = close or (direct == qr_max)  # the same infinity
            agreement = "agree" if close else "disagree"
            if not close:
                warnings.append(f"lambda_max disagrees: QR {qr_max:+.6g}, two trajectories "
                                f"{direct:+.6g} (the orbit may sit on a kink or a collapsed "
                                "direction, or the run is too short): neither is reliable")
    if math.isfinite(ortho) and ortho > ORTHOGONALITY_TOL:
        warnings.append(f"the final frame is not orthonormal (error {ortho:.1e}): a tangent "
                        "direction collapsed; exponents of -inf may be artefacts")
    return agreement, warnings
