"""The thread runner of the batch kernels (no numba import here).

``run_chunks`` runs a GIL-releasing kernel (a ``nogil`` numba function, or numpy code that
releases the GIL) over chunks of a batch in a short-lived thread pool; ``default_threads``
says how many threads.  Kept apart from :mod:`rnnchaos._lib.jit` so that drawing networks
(:mod:`rnnchaos.networks.presets`) does not import numba: the parent of a multi-worker run
starts about a quarter of a second sooner.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor


def default_threads() -> int:
    """Threads used by the batch kernels: ``RNNCHAOS_THREADS``, else ``OMP_NUM_THREADS``,
    else the CPUs this process may run on.

    The kernels are serial numba functions that release the GIL, run on chunks of the batch
    by a short-lived thread pool (no numba threading layer: safe to fork afterwards, as
    process pools do, and safe to call from several threads).

    >>> default_threads() >= 1
    True
    """
    for var in ("RNNCHAOS_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.strip().isdigit() and int(value) >= 1:
            return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_chunks(fn, n: int, threads: int | None = None, min_chunk: int = 512) -> None:
    """Call ``fn(start, end)`` on consecutive chunks covering range(n), in parallel threads.

    ``fn`` must release the GIL (a ``nogil`` numba kernel) to gain from the threads.

    >>> out = np.zeros(10_000)
    >>> def fill(s, e):
    ...     out[s:e] = np.arange(s, e)
    >>> run_chunks(fill, len(out), threads=2, min_chunk=1000)
    >>> bool(np.array_equal(out, np.arange(10_000)))
    True
    """
    threads = default_threads() if threads is None else max(1, int(threads))
    nchunks = min(threads * 4, max(1, n // min_chunk))
    if threads == 1 or nchunks <= 1:
        fn(0, n)
        return
    bounds = [(n * i) // nchunks for i in range(nchunks + 1)]
    with ThreadPoolExecutor(min(threads, nchunks)) as pool:
        for f in [pool.submit(fn, bounds[i], bounds[i + 1]) for i in range(nchunks)]:
            f.result()
