"""Worker processes: BLAS pinned to one thread per worker, one pool factory.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor


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
