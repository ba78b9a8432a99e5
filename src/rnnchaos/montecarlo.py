"""Monte Carlo estimation of the probability of chaos, with Wilson intervals.

Network ``I`` of an estimate with seed ``S`` is drawn from
``SeedSequence(S, spawn_key=(I,))`` (see :mod:`rnnchaos.presets`), so any single
network can be drawn again with ``rnnchaos sample --seed S --index I``.  An
estimate over n networks uses indices 0 .. n-1; networks are processed in
chunks of consecutive indices, and the result depends only on (preset, seed,
n) -- not on the number of worker processes.
"""
from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Sequence

from scipy.stats import norm

from .errors import SpecError

CRITERIA = ("period_2", "period_3", "positive_entropy", "reference_test")
DEFAULT_CHUNK = 4096
DEFAULT_MAX_N = 10_000_000


# ---------------------------------------------------------------- intervals
def wilson_interval(count: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion count/n.

    >>> lo, hi = wilson_interval(50, 100); round(lo, 4), round(hi, 4)
    (0.4038, 0.5962)
    """
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= count <= n:
        raise SpecError("count", f"must be in [0, n={n}], got {count}")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = count / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class CriterionEstimate:
    """count/n networks are certified to satisfy the criterion; ``undecided`` more could not
    be decided (smooth units, ball engine: tangency, precision or budget) and are counted
    apart.  [ci_low, ci_high] is a 95% bound: the Wilson low end of ``count`` to the Wilson
    high end of ``count + undecided`` (the Wilson interval itself when nothing is undecided).
    """

    criterion: str
    count: int
    n: int
    p: float | None
    ci_low: float
    ci_high: float
    undecided: int = 0

    @classmethod
    def from_count(cls, criterion: str, count: int, n: int,
                   undecided: int = 0) -> "CriterionEstimate":
        lo = wilson_interval(count, n)[0]
        hi = wilson_interval(count + undecided, n)[1]
        return cls(criterion, count, n, count / n if n else None, lo, hi, undecided)

    @property
    def halfwidth(self) -> float:
        return (self.ci_high - self.ci_low) / 2

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        del out["criterion"]
        return out


# ---------------------------------------------------------------- chunks
def check_criteria(criteria: Iterable[str]) -> tuple[str, ...]:
    if isinstance(criteria, str):
        criteria = [c for c in criteria.split(",") if c]
    out = tuple(criteria)
    if not out:
        raise SpecError("criteria", "name at least one criterion")
    for c in out:
        if c not in CRITERIA:
            raise SpecError("criteria", f"unknown criterion {c!r}; choose from {', '.join(CRITERIA)}")
    return out


def reference_window(preset) -> float:
    """The notebooks' grid half-width: 2 for network A, 1 for networks B and C."""
    return 2.0 if preset.name == "paper_a" else 1.0


UNDECIDED_PREFIX = "undecided__"


def chunk_verdicts(preset, seed: int, start: int, count: int, criteria: Sequence[str],
                   entropy_max_period: int = 6) -> dict[str, Any]:
    """Verdict arrays (bool, one per network start .. start+count-1) per criterion, and under
    ``"undecided__" + criterion`` the networks left undecided (smooth units only)."""
    from .batch import sample_preset_batch
    from .verdicts import decide

    batch = sample_preset_batch(preset, seed, start, count)
    verdicts = decide(batch, criteria, entropy_max_period=entropy_max_period,
                      window=reference_window(preset))
    out = {c: verdicts[c] for c in criteria}
    out.update({UNDECIDED_PREFIX + c: v for c, v in (verdicts.undecided or {}).items()})
    return out


def count_chunk(preset, seed: int, start: int, count: int, criteria: Sequence[str],
                entropy_max_period: int = 6) -> dict[str, int]:
    """Number of networks start .. start+count-1 satisfying each criterion (and, under
    ``"undecided__" + criterion``, left undecided)."""
    arrays = chunk_verdicts(preset, seed, start, count, criteria, entropy_max_period)
    return {c: int(v.sum()) for c, v in arrays.items()}


def pin_blas_threads() -> None:
    """Worker initializer: one BLAS thread per process (we parallelize over networks)."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    os.environ["OMP_NUM_THREADS"] = "1"


def make_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes started by a fork server (forking a process that already runs
    OpenMP/numba threads is unsafe), each pinned to one BLAS thread."""
    import multiprocessing
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=pin_blas_threads)


def _run_chunk(args):
    return count_chunk(*args)


class ChunkRunner:
    """Runs chunks in this process (workers=1) or in a process pool, results in order."""

    def __init__(self, workers: int = 1):
        self.workers = workers
        self._pool = None
        if workers > 1:
            self._pool = make_pool(workers)

    def map(self, tasks: list[tuple]) -> list[dict]:
        if self._pool is None:
            return [_run_chunk(t) for t in tasks]
        return list(self._pool.map(_run_chunk, tasks))

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------- estimate
@dataclass
class Estimate:
    """Per-criterion estimates over networks 0 .. n-1 of (preset, seed)."""

    preset: dict[str, Any]
    seed: int
    n: int
    criteria: dict[str, CriterionEstimate]
    entropy_max_period: int

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {c: e.to_json() for c, e in self.criteria.items()}
        out["meta"] = {"preset": self.preset, "seed": self.seed, "n": self.n,
                       "indices": [0, self.n], "entropy_max_period": self.entropy_max_period,
                       "network_seed": "numpy.random.SeedSequence(seed, spawn_key=(index,))",
                       "interval": "Wilson score, 95%"}
        return out


def _validate_budget(n, ci_halfwidth, max_n):
    if (n is None) == (ci_halfwidth is None):
        raise SpecError("n", "give exactly one of n (a fixed number of networks) and ci_halfwidth")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise SpecError("n", f"must be an integer >= 1, got {n!r}")
    if ci_halfwidth is not None and not (0 < ci_halfwidth < 0.5):
        raise SpecError("ci_halfwidth", f"must be in (0, 0.5), got {ci_halfwidth!r}")
    if n is not None and n > max_n:
        raise SpecError("n", f"{n} exceeds max_n={max_n}")


def estimate(preset, seed: int, *, n: int | None = None, ci_halfwidth: float | None = None,
             criteria: Iterable[str] = CRITERIA, entropy_max_period: int = 6,
             chunk_size: int = DEFAULT_CHUNK, max_n: int = DEFAULT_MAX_N, workers: int = 1,
             progress: Callable[[int, int | None], None] | None = None) -> Estimate:
    """Estimate P(criterion) over random networks of ``preset`` with 95% Wilson intervals.

    Fixed size (``n``) or adaptive (``ci_halfwidth``: chunks are added, in index
    order, until every decided criterion's interval half-width is at most that,
    or ``max_n`` networks).  The stopping point is checked after every chunk in
    index order, so the result does not depend on ``workers``.

    >>> from rnnchaos.presets import build_preset
    >>> est = estimate(build_preset("paper_he", 2), seed=1, n=200, criteria=["period_2"])
    >>> est.criteria["period_2"].n
    200
    """
    from .presets import _check_index  # same seed validation as sampling

    seed = _check_index("seed", seed)
    criteria = check_criteria(criteria)
    _validate_budget(n, ci_halfwidth, max_n)
    if chunk_size < 1:
        raise SpecError("chunk_size", f"must be >= 1, got {chunk_size}")
    total = n if n is not None else max_n
    counts: dict[str, int] = {c: 0 for c in criteria}
    counts.update({UNDECIDED_PREFIX + c: 0 for c in criteria})
    done = 0
    with ChunkRunner(workers) as runner:
        while done < total:
            starts = range(done, min(total, done + chunk_size * max(1, workers)), chunk_size)
            tasks = [(preset, seed, s, min(chunk_size, total - s), criteria, entropy_max_period)
                     for s in starts]
            stop = False
            for (_, _, s, size, _, _), res in zip(tasks, runner.map(tasks)):
                for key in counts:
                    counts[key] += res.get(key, 0)
                done = s + size
                if progress:
                    progress(done, n)
                if ci_halfwidth is not None and _narrow_enough(counts, done, ci_halfwidth):
                    stop = True
                    break
            if stop:
                break
    return Estimate(preset.describe(), seed, done,
                    {c: CriterionEstimate.from_count(c, counts[c], done,
                                                     counts[UNDECIDED_PREFIX + c]) for c in criteria},
                    entropy_max_period)


def _narrow_enough(counts, n, h) -> bool:
    return all(CriterionEstimate.from_count(c, k, n, counts[UNDECIDED_PREFIX + c]).halfwidth <= h
               for c, k in counts.items() if not c.startswith(UNDECIDED_PREFIX))
