"""The one task loop: index order whatever the completion order, a bounded window, failures
raised after the tasks in flight are drained; the executors agree."""
from concurrent.futures import Future

import pytest

from rnnchaos._lib.runner import (
    Executor,
    InlineExecutor,
    ProcessExecutor,
    make_executor,
    run_tasks,
)
from rnnchaos.errors import SpecError, TaskFailedError


class ReverseExecutor(Executor):
    """Holds submitted tasks and completes them newest first (the worst order for a fold);
    records the largest number outstanding."""

    def __init__(self, workers=3, fail=()):
        self.workers, self.fail = workers, set(fail)
        self.held, self.max_outstanding = [], 0

    def submit(self, fn, task, key):
        assert key.endswith(f"-{task}")  # explicit key naming the task's index
        future = Future()
        self.held.append((future, fn, task))
        self.max_outstanding = max(self.max_outstanding, len(self.held))
        return future

    def wait_any(self, futures):
        future, fn, task = self.held.pop()  # newest first
        if task in self.fail:
            future.set_exception(TaskFailedError(f"#{task}", "worker died"))
        else:
            future.set_result(fn(task))
        done = {future}
        return done, set(futures) - done

    def cancel(self, futures):
        self.held = [h for h in self.held if h[0] not in set(futures)]


def square(x):
    return x * x


@pytest.mark.parametrize("window", [1, 2, 5, 50])
def test_ordered_results_whatever_the_completion_order(window):
    ex = ReverseExecutor()
    got = list(run_tasks(ex, square, list(range(23)), ordered=True, window=window))
    assert got == [(i, i * i) for i in range(23)]
    assert ex.max_outstanding <= window


def test_unordered_yields_each_index_once():
    ex = ReverseExecutor()
    got = list(run_tasks(ex, square, list(range(17)), ordered=False, window=4))
    assert sorted(got) == [(i, i * i) for i in range(17)] and got != sorted(got)
    assert ex.max_outstanding <= 4


def test_failure_is_raised_after_draining_the_tasks_in_flight():
    ex = ReverseExecutor(fail={5})
    got = []
    with pytest.raises(TaskFailedError, match="#5"):
        for item in run_tasks(ex, square, list(range(20)), ordered=False, window=4):
            got.append(item)
    indices = sorted(i for i, _ in got)
    assert 5 not in indices and indices == sorted(set(indices))
    assert set(range(5)) <= set(indices)  # everything before and in flight with it was kept
    assert not ex.held  # nothing left submitted


def test_stopping_early_cancels_the_rest():
    ex = ReverseExecutor()
    for i, _ in run_tasks(ex, square, list(range(100)), ordered=True, window=6):
        if i == 10:
            break
    assert not ex.held


def test_processes_and_inline_agree():
    tasks = list(range(40))
    with InlineExecutor() as inline:
        expected = list(run_tasks(inline, square, tasks))
    with ProcessExecutor(2) as procs:
        assert list(run_tasks(procs, square, tasks, window=3)) == expected


def decide_and_report_imports(_):
    """In a worker: decide a few networks (numba's start-up included), then say what it imported."""
    import sys

    from rnnchaos.deciders.verdicts import decide
    from rnnchaos.networks.batch import sample_preset_batch
    verdicts = decide(sample_preset_batch("paper_he", 1, 0, 50), ("period_2",))
    import numba.np.arraymath
    return ("scipy.linalg" in sys.modules, "scipy.linalg.cython_blas" in sys.modules,
            bool(numba.np.arraymath._HAVE_BLAS), int(verdicts.counts["period_2"]))


def test_workers_start_numba_without_importing_scipy_linalg():
    # numba's BLAS check finds the preloaded cython_blas; the whole scipy.linalg stays out
    with InlineExecutor() as inline:
        _, _, _, expected = inline.submit(decide_and_report_imports, 0, "k-0").result()
    with ProcessExecutor(1) as procs:
        linalg, cython_blas, blas, count = procs.submit(decide_and_report_imports, 0, "k-0").result()
    assert (linalg, cython_blas, blas, count) == (False, True, True, expected)


@pytest.mark.parametrize("kw,field", [
    (dict(workers=0), "workers"), (dict(workers=True), "workers"),
    (dict(dask_local=0), "dask_local"), (dict(scheduler="localhost"), "scheduler"),
    (dict(scheduler="tcp://127.0.0.1:1", dask_local=2), "scheduler"),
])
def test_bad_executor_options(kw, field):
    with pytest.raises(SpecError, match=field):
        make_executor(**kw)


def test_cli_refuses_workers_with_dask_in_one_line(capsys):
    from rnnchaos.cli.main import main
    assert main(["estimate", "--preset", "paper_he", "--width", "2", "--n", "10", "--seed", "1",
                 "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--workers" in err and "--scheduler" in err


def test_missing_dask_is_named_with_its_extra(monkeypatch):
    import sys

    from rnnchaos._lib.optional import MissingDependencyError
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'rnnchaos\[dask\]'"):
        make_executor(dask_local=1)
