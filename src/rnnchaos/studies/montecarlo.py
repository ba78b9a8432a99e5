"""Monte Carlo estimation of the probability of chaos, with Wilson intervals.

Network ``I`` of an estimate with seed ``S`` is network ``I`` of the block seeding
contract of :mod:`rnnchaos.networks.presets` (row ``I mod BLOCK_SIZE`` of block
``I // BLOCK_SIZE``), so any single network can be drawn again with ``rnnchaos
sample --seed S --index I``.  An estimate over n networks uses indices 0 .. n-1;
networks are processed in chunks of consecutive indices, and the result depends
only on (preset, seed, n) -- not on the number of worker processes.

The work unit (:func:`count_chunk`): a range of networks is cut into tasks of
whole blocks (:func:`task_size`, about TASK_PARAMETERS weights and biases, i.e.
0.1-0.5 s of work at any width); each task is drawn with whole-array calls,
decided by the batch deciders and reduced to counts in the same process, so
only a few integers per task cross a process boundary.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Sequence

from .._lib.runner import Executor, executor_for, run_tasks
from ..deciders.criteria import CRITERIA, check_criteria, check_entropy_max_period
from ..errors import SpecError
from ..networks.presets import BLOCK_SIZE, SEEDING_CONTRACT, SEEDING_TEXT
from .stats import wilson_interval

#: Chunk of a sweep cell (block-aligned, so every block is drawn once).
DEFAULT_CHUNK = 4 * BLOCK_SIZE
DEFAULT_MAX_N = 10_000_000


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


def reference_window(preset) -> float:
    """The notebooks' grid half-width: 2 for network A, 1 for networks B and C."""
    return 2.0 if preset.name == "paper_a" else 1.0


#: Parameters drawn and decided at once in a worker (about 32 MiB of float64): sizes a
#: task to about 0.1-0.5 s of work at every width (the deciders' cost grows with width).
TASK_PARAMETERS = 1 << 22
#: Networks with tanh or sigmoid units cost the certified engine 30-75 times what the
#: piecewise-linear filter costs, sampling included (width 2: ~20-25 us against ~0.5 us per
#: network; width 64: ~300 us against ~7-10 us), so their tasks hold 32 times fewer
#: parameters: about 0.3-1 s each.
SMOOTH_COST = 32


def task_size(preset) -> int:
    """Networks per task for ``preset``: a whole number of blocks, about TASK_PARAMETERS
    parameters (TASK_PARAMETERS / SMOOTH_COST for networks with tanh or sigmoid units).

    The unit of work a runner hands a worker (sampling, deciding and counting fused
    per task, so nothing per-network crosses a process boundary).

    >>> from rnnchaos.networks.presets import BLOCK_SIZE, build_preset
    >>> task_size(build_preset("paper_he", 2)) // BLOCK_SIZE, task_size(build_preset("paper_he", 4096))
    (585, 1024)
    >>> task_size(build_preset("paper_he", 2, activation="tanh")) // BLOCK_SIZE
    18
    """
    from ..networks.presets import BLOCK_SIZE

    per_network = sum(math.prod(t.shape) for t in preset.draw_targets())
    smooth = not all(layer.activation.is_piecewise_linear for layer in preset.plan)
    budget = TASK_PARAMETERS // SMOOTH_COST if smooth else TASK_PARAMETERS
    return BLOCK_SIZE * max(1, budget // per_network // BLOCK_SIZE)


def _task_ranges(preset, start: int, count: int):
    """(start, count) pieces of networks start .. start+count-1, cut at multiples of task_size."""
    size = task_size(preset)
    end = start + count
    while start < end:
        stop = min(end, (start // size + 1) * size)
        yield start, stop - start
        start = stop


#: Key prefix of the undecided counts/arrays of a criterion in chunk results.
UNDECIDED_PREFIX = "undecided__"


def _decide_range(preset, seed, start, count, criteria, entropy_max_period):
    from ..deciders.verdicts import decide
    from ..networks.batch import sample_preset_batch

    batch = sample_preset_batch(preset, seed, start, count)
    return decide(batch, criteria, entropy_max_period=entropy_max_period,
                  window=reference_window(preset))


def chunk_verdicts(preset, seed: int, start: int, count: int, criteria: Sequence[str],
                   entropy_max_period: int = 6) -> dict[str, Any]:
    """Verdict arrays (bool, one per network start .. start+count-1) per criterion, and under
    ``"undecided__" + criterion`` the networks left undecided (smooth units only).

    Sampled and decided a task at a time (:func:`task_size`), so memory stays bounded.
    """
    import numpy as np

    parts = [_decide_range(preset, seed, s, c, criteria, entropy_max_period)
             for s, c in _task_ranges(preset, start, count)]
    out = {c: np.concatenate([v[c] for v in parts]) for c in criteria}
    out.update({UNDECIDED_PREFIX + c: np.concatenate([v.undecided[c] for v in parts])
                for c in criteria})
    return out


def count_chunk(preset, seed: int, start: int, count: int, criteria: Sequence[str],
                entropy_max_period: int = 6) -> dict[str, int]:
    """Number of networks start .. start+count-1 satisfying each criterion (and, under
    ``"undecided__" + criterion``, left undecided).

    Sampling, deciding and counting fused a task at a time (:func:`task_size`); only
    the counts leave.  Any start/count works; block-aligned ones draw every block once.
    """
    counts = dict.fromkeys([*criteria, *(UNDECIDED_PREFIX + c for c in criteria)], 0)
    for s, c in _task_ranges(preset, start, count):
        verdicts = _decide_range(preset, seed, s, c, criteria, entropy_max_period)
        for criterion, k in verdicts.counts.items():
            counts[criterion] += k
        for criterion, k in verdicts.undecided_counts.items():
            counts[UNDECIDED_PREFIX + criterion] += k
    return counts


def probe_first_network(preset, seed: int) -> None:
    """Draw network 0 of (preset, seed) by the workers' own batch path, so an option whose
    weights cannot be drawn (a gain that overflows them) fails at the boundary: before any
    worker starts or any file is written, not first inside a worker."""
    import numpy as np

    # the drawing of networks.batch.sample_preset_batch, without its numba kernels: the
    # parent of a multi-worker run need not pay numba's start-up
    from ..networks.presets import draw_rows
    with np.errstate(over="ignore", invalid="ignore"):  # the SpecError says it in one line
        draw_rows(preset.draw_targets(), seed, 0, 1)


def _run_chunk(args):
    """One block of an estimate (a module-level function: it is pickled to workers)."""
    return count_chunk(*args)


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
                       "network_seed": SEEDING_TEXT, "seeding_contract": SEEDING_CONTRACT,
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
             chunk_size: int | None = None, max_n: int = DEFAULT_MAX_N,
             workers: "int | Executor" = 1,
             progress: Callable[[int, int | None], None] | None = None) -> Estimate:
    """Estimate P(criterion) over random networks of ``preset`` with 95% Wilson intervals.

    Fixed size (``n``) or adaptive (``ci_halfwidth``: chunks are added, in index
    order, until every decided criterion's interval half-width is at most that,
    or ``max_n`` networks).  The stopping point is checked after every chunk in
    index order, so the result does not depend on ``workers`` (a number of local worker
    processes, or an Executor such as a Dask cluster: see :mod:`rnnchaos._lib.runner`).

    >>> from rnnchaos.networks.presets import build_preset
    >>> est = estimate(build_preset("paper_he", 2), seed=1, n=200, criteria=["period_2"])
    >>> est.criteria["period_2"].n
    200
    """
    from ..networks.presets import check_index  # same seed validation as sampling

    seed = check_index("seed", seed)
    criteria = check_criteria(criteria)
    entropy_max_period = check_entropy_max_period(entropy_max_period)  # before any worker
    _validate_budget(n, ci_halfwidth, max_n)
    chunk_size = task_size(preset) if chunk_size is None else chunk_size
    if chunk_size < 1:
        raise SpecError("chunk_size", f"must be >= 1, got {chunk_size}")
    probe_first_network(preset, seed)
    total = n if n is not None else max_n
    tasks = [(preset, seed, start, min(chunk_size, total - start), criteria, entropy_max_period)
             for start in range(0, total, chunk_size)]
    counts = dict.fromkeys([*criteria, *(UNDECIDED_PREFIX + c for c in criteria)], 0)
    done = 0
    with executor_for(workers) as executor:
        # ordered: the adaptive stop sees blocks in index order whatever the executor
        for i, res in run_tasks(executor, _run_chunk, tasks, ordered=True,
                                labels=[f"networks {t[2]}..{t[2] + t[3] - 1}" for t in tasks]):
            for key in counts:
                counts[key] += res[key]
            done = tasks[i][2] + tasks[i][3]
            if progress:
                progress(done, n)
            if ci_halfwidth is not None and _narrow_enough(counts, done, ci_halfwidth):
                break
    return Estimate(preset.describe(), seed, done,
                    {c: CriterionEstimate.from_count(c, counts[c], done, counts[UNDECIDED_PREFIX + c])
                     for c in criteria},
                    entropy_max_period)


def _narrow_enough(counts, n, h) -> bool:
    return all(CriterionEstimate.from_count(c, k, n, counts[UNDECIDED_PREFIX + c]).halfwidth <= h
               for c, k in counts.items() if not c.startswith(UNDECIDED_PREFIX))
