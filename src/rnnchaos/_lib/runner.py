"""Where blocks of work run: one executor interface, one task loop.

An *executor* runs ``fn(task)`` for picklable module-level functions ``fn``:

* :class:`InlineExecutor` -- in this process (one worker; no pickling, easy to debug);
* :class:`ProcessExecutor` -- local worker processes started by a fork server (forking a
  process that already runs OpenMP/numba threads is unsafe);
* :class:`DaskExecutor` -- a Dask distributed cluster: an existing scheduler
  (``tcp://HOST:PORT``) or a LocalCluster of N single-threaded worker processes.

:func:`run_tasks` is the one task loop all of them share.  Task ``i`` is submitted under an
explicit key naming its index (Dask's ``pure=True`` default would merge tasks with equal
arguments); at most ``window`` tasks are in flight or waiting to be handed out, so memory
stays bounded however many tasks there are; results come back as ``(i, result)``, either
as they complete (``ordered=False``: a store writes each at once) or strictly in index order
(``ordered=True``: a fold that stops early, such as an adaptive estimate, sees the same
prefix for every executor).  Because each result depends on its task alone and results are
folded by index, what a caller computes is the same for every executor, worker count and
completion order.

Every worker runs with BLAS pinned to one thread (:func:`pin_blas_threads`, applied in the
worker before its first task): we parallelize over blocks, not inside linear algebra.
It also spares the worker an import of ``scipy.linalg`` (:func:`preload_cython_blas`).

Failures: an exception raised by a task reaches the caller unchanged (rnnchaos errors are
picklable).  A block whose worker dies -- a local process pool broken by a dead worker, or
Dask's ``KilledWorker`` after the scheduler's allowed failures -- becomes
:class:`~rnnchaos.errors.TaskFailedError` naming the block; before it is raised, the tasks
still in flight are drained and their results yielded, so a store keeps everything finished.
On Dask a worker killed once is not a failure: the scheduler recomputes its tasks on another
worker (or on the worker its nanny restarts) and each index is still yielded exactly once.
"""
from __future__ import annotations

import os
import sys
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..errors import SpecError, TaskFailedError

_PINNED = False


#: The one scipy module numba's start-up imports (to check that BLAS is there).
CYTHON_BLAS = "scipy.linalg.cython_blas"


def preload_cython_blas() -> bool:
    """Load ``scipy.linalg.cython_blas`` by itself, from scipy's own file; True when done.

    numba's first compilation or cache load in a process checks for BLAS with
    ``import scipy.linalg.cython_blas``, and Python imports the whole ``scipy.linalg``
    package first: 0.3 s of every worker's start-up here, for a package our kernels never
    call.  Loaded beforehand, the module is found in ``sys.modules`` (numba and Cython look
    it up by name; ``from scipy.linalg import cython_blas`` works too).  Only worker
    processes do this (the attribute ``scipy.linalg.cython_blas`` is then not set on the
    package, which no code of ours reads).  Nothing is done when scipy.linalg is already
    imported or scipy's layout is not the expected one: numba then imports it as usual.
    """
    if CYTHON_BLAS in sys.modules or "scipy.linalg" in sys.modules:
        return False
    try:
        import importlib.machinery
        import importlib.util
        scipy_spec = importlib.util.find_spec("scipy")  # locates the package, runs nothing
        if scipy_spec is None or not scipy_spec.submodule_search_locations:
            return False
        folder = os.path.join(list(scipy_spec.submodule_search_locations)[0], "linalg")
        path = next((p for p in (os.path.join(folder, "cython_blas" + suffix)
                                 for suffix in importlib.machinery.EXTENSION_SUFFIXES)
                     if os.path.isfile(p)), None)
        if path is None:
            return False
        spec = importlib.util.spec_from_file_location(CYTHON_BLAS, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[CYTHON_BLAS] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(CYTHON_BLAS, None)
            raise
    except Exception:  # noqa: BLE001 - a start-up saving only: numba imports it as usual
        return False
    return True


def pin_blas_threads() -> None:
    """Worker initializer: one BLAS thread per process (we parallelize over networks), and
    numba's start-up spared the import of scipy.linalg (:func:`preload_cython_blas`)."""
    global _PINNED
    preload_cython_blas()
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    os.environ["OMP_NUM_THREADS"] = "1"
    _PINNED = True


def _pinned_call(fn: Callable, task: Any):
    """Run ``fn(task)`` after pinning BLAS once in this process (Dask workers have no
    initializer, and a nanny may restart a worker at any time)."""
    if not _PINNED:
        pin_blas_threads()
    return fn(task)


def make_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes started by a fork server (forking a process that already runs
    OpenMP/numba threads is unsafe), each pinned to one BLAS thread."""
    import multiprocessing
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=pin_blas_threads)


# ---------------------------------------------------------------- executors
class Executor:
    """The interface: ``submit`` a task under a key, ``wait_any`` for completions,
    ``result`` of a done future, ``cancel`` the rest, ``close``.  ``workers`` sizes the window."""

    workers = 1
    name = "executor"

    def submit(self, fn: Callable, task: Any, key: str):
        raise NotImplementedError

    def wait_any(self, futures: set) -> tuple[set, set]:
        done, pending = wait(futures, return_when=FIRST_COMPLETED)
        return set(done), set(pending)

    def result(self, future, block: str):
        return future.result()

    def cancel(self, futures: Iterable) -> None:
        for f in futures:
            f.cancel()

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class InlineExecutor(Executor):
    """Runs each task in this process when it is submitted (one worker)."""

    name = "inline"

    def submit(self, fn, task, key):
        future: Future = Future()
        future.set_result(fn(task))  # an exception propagates at once, as a plain loop would
        return future


class ProcessExecutor(Executor):
    """``workers`` local worker processes (fork server, BLAS pinned to one thread each)."""

    name = "processes"

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = make_pool(workers)

    def submit(self, fn, task, key):
        return self._pool.submit(fn, task)

    def result(self, future, block):
        from concurrent.futures.process import BrokenProcessPool
        try:
            return future.result()
        except BrokenProcessPool:
            raise TaskFailedError(block, "a worker process died (killed or out of memory); "
                                  "finished blocks are saved: run again to resume") from None

    def close(self):
        self._pool.shutdown(cancel_futures=True)


#: Dask settings of the LocalClusters started here.  The workers' background chores (a
#: statistical profiler sampling every thread each 10 ms, a 20 ms event-loop tick, memory
#: and system monitors) cost about 10% of the CPU of cores that our kernels keep busy
#: (measured: 2 workers, 10^7 width-2 networks, task CPU time 8.83 s on Dask vs 7.91 s on
#: local processes); nobody reads them here.  An existing cluster keeps its own settings.
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


class DaskExecutor(Executor):
    """A Dask distributed client: ``scheduler`` (``tcp://HOST:PORT`` of a running scheduler)
    or ``local_workers`` (start a LocalCluster of that many single-threaded processes)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None):
        from .optional import require
        distributed = require("distributed", "running on a Dask cluster")
        self._cluster = None
        if scheduler is None:
            import logging  # its shutdown chatter is not the user's business: errors only

            import dask
            with dask.config.set(QUIET_WORKERS):
                self._cluster = distributed.LocalCluster(
                    n_workers=local_workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR)
            scheduler = self._cluster
        try:
            self._client = distributed.Client(scheduler, timeout="20s")
        except OSError as exc:
            self._close_cluster()
            raise SpecError("scheduler", f"cannot connect to {scheduler!r} ({exc})") from None
        self._completed = distributed.as_completed()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self._client.scheduler_info()["workers"].values()))

    def submit(self, fn, task, key):
        future = self._client.submit(_pinned_call, fn, task, key=key, pure=False, retries=0)
        self._completed.add(future)
        return future

    def wait_any(self, futures):
        # one as_completed queue for the client (cheaper than a wait() round trip per call);
        # futures of an earlier, abandoned loop (cancelled) may surface here: skip them
        done: set = set()
        while not done:
            batch = [next(self._completed)] + list(self._completed.next_batch(block=False))
            done = {f for f in batch if f in futures}
        return done, set(futures) - done

    def result(self, future, block):
        from distributed.scheduler import KilledWorker
        try:
            return future.result()
        except KilledWorker:
            raise TaskFailedError(block, "its Dask workers kept dying while computing it "
                                  "(KilledWorker); finished blocks are saved: run again to "
                                  "resume") from None

    def cancel(self, futures):
        if futures:
            self._client.cancel(list(futures))

    def close(self):
        self._client.close()
        self._close_cluster()

    def _close_cluster(self):
        if self._cluster is not None:
            self._cluster.close()


def make_executor(workers: int = 1, scheduler: str | None = None,
                  dask_local: int | None = None) -> Executor:
    """The executor for these options (validated here, before anything starts).

    >>> type(make_executor(1)).__name__
    'InlineExecutor'
    """
    for field, value in (("workers", workers), ("dask_local", dask_local)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise SpecError(field, f"must be an integer >= 1, got {value!r}")
    if scheduler is not None and dask_local is not None:
        raise SpecError("scheduler", "give either a scheduler address or dask_local, not both")
    if scheduler is not None:
        if not isinstance(scheduler, str) or "://" not in scheduler:
            raise SpecError("scheduler", f"expected an address such as tcp://HOST:PORT, got {scheduler!r}")
        return DaskExecutor(scheduler=scheduler)
    if dask_local is not None:
        return DaskExecutor(local_workers=dask_local)
    return InlineExecutor() if workers == 1 else ProcessExecutor(workers)


class _Borrowed:
    """Context manager over an executor the caller owns (not closed here)."""

    def __init__(self, executor):
        self.executor = executor

    def __enter__(self):
        return self.executor

    def __exit__(self, *exc):
        pass


def executor_for(workers: "int | Executor"):
    """A context manager giving an executor: ``workers`` is a number of local workers (an
    executor made and closed here) or an Executor the caller made (used, not closed)."""
    if isinstance(workers, Executor):
        return _Borrowed(workers)
    return make_executor(workers)


# ---------------------------------------------------------------- the task loop
def run_tasks(executor: Executor, fn: Callable, tasks: Sequence, *, labels: Sequence[str] | None = None,
              ordered: bool = True, window: int | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(i, fn(tasks[i]))`` for every task, in index order or as completed (see the
    module docstring); ``labels[i]`` names block i in errors; at most ``window`` (default
    2 x workers) tasks submitted and not yet yielded (in ordered mode a result waiting for an
    earlier index counts against the window, which bounds memory too)."""
    window = max(1, window or 2 * executor.workers)
    run_id = uuid.uuid4().hex[:12]
    in_flight: dict[Any, int] = {}
    waiting: dict[int, Any] = {}  # finished, not yet yielded
    next_submit = yielded = 0
    try:
        while yielded < len(tasks):
            while next_submit < len(tasks) and next_submit - yielded < window:
                future = executor.submit(fn, tasks[next_submit], key=f"rnnchaos-{run_id}-{next_submit}")
                in_flight[future] = next_submit
                next_submit += 1
            done, _ = executor.wait_any(set(in_flight))
            failure = _collect(executor, done, in_flight, waiting, labels)
            if failure is not None and not ordered:
                _drain(executor, in_flight, waiting, labels)  # keep what finishes meanwhile
            while waiting:
                i = yielded if ordered else min(waiting)
                if i not in waiting:
                    break
                yield i, waiting.pop(i)
                yielded += 1
            if failure is not None:
                raise failure
    finally:
        executor.cancel(list(in_flight))


def _collect(executor, done, in_flight, waiting, labels) -> BaseException | None:
    """Move the results of ``done`` futures into ``waiting``; the first failure, if any."""
    failure = None
    for future in sorted(done, key=in_flight.get):
        i = in_flight.pop(future)
        try:
            waiting[i] = executor.result(future, labels[i] if labels is not None else f"#{i}")
        except Exception as exc:  # noqa: BLE001 - re-raised by the caller after draining
            failure = failure or exc
    return failure


def _drain(executor, in_flight, waiting, labels) -> None:
    """Wait for every task in flight, keeping the results of those that succeed."""
    while in_flight:
        done, _ = executor.wait_any(set(in_flight))
        _collect(executor, done, in_flight, waiting, labels)
