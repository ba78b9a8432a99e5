"""Issue 11 on a real cluster: a `dask scheduler` and two `dask worker --nthreads 1` processes
on 127.0.0.1.  A worker SIGKILLed mid-sweep loses nothing and counts nothing twice; a sweep
interrupted on Dask resumes locally; a block that keeps killing workers ends the run with one
error naming it.  Every process started here is killed at the end (bounded waits)."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from rnnchaos._lib.runner import DaskExecutor, run_tasks
from rnnchaos.cli.main import main
from rnnchaos.errors import TaskFailedError
from rnnchaos.studies.sweep import make_config, read_results, run_sweep

DASK = str(Path(sys.executable).parent / "dask")
SWEEP = dict(presets="paper_he", widths="2,3", gains="1", n=4000, seed=5, chunk_size=250,
             criteria=("period_2", "period_3"))
SWEEP_ARGS = ["sweep", "--preset", "paper_he", "--widths", "2,3", "--n", "4000", "--seed", "5",
              "--chunk-size", "250", "--criteria", "period_2,period_3"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env=None):
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env={**os.environ, **(env or {})})


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the nanny and the worker it started
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster():
    import distributed
    address = f"tcp://127.0.0.1:{free_port()}"
    # one retry per task: a worker killed once is survived, a poison block fails fast
    env = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1", "OMP_NUM_THREADS": "1"}
    procs = [start([DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                    "--no-dashboard"], env)]
    try:
        for _ in range(2):
            procs.append(start([DASK, "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                                "--no-dashboard", "--memory-limit", "0"], env))
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address, procs[1:]
    finally:
        for p in procs:
            stop(p)


@pytest.fixture(scope="module")
def local_counts(tmp_path_factory):
    """The same sweep by the local executor (one process): the reference, cell by cell."""
    out = tmp_path_factory.mktemp("local")
    run_sweep(make_config(**SWEEP), out)
    return cell_counts(out)


def cell_counts(out):
    return {(r["preset"], r["width"], r["gain"], r["criterion"]): (r["count"], r["n"])
            for r in read_results(out)}


def wait_for_chunks(out, count, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(out.glob("chunks/*/*.npz"))) >= count:
            return
        time.sleep(0.02)
    raise AssertionError("the sweep did not reach the point to interrupt it")


def test_worker_killed_mid_sweep_loses_nothing(cluster, local_counts, tmp_path):
    address, workers = cluster
    out = tmp_path / "dask"
    proc = subprocess.Popen([sys.executable, "-m", "rnnchaos.cli.main", *SWEEP_ARGS, "--out", str(out),
                             "--scheduler", address], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_chunks(out, 2, proc)
        victims = psutil.Process(workers[0].pid).children(recursive=True)
        assert victims, "the nanny's worker process"
        for v in victims:
            v.send_signal(signal.SIGKILL)
        assert proc.poll() is None and not (out / "results.parquet").exists(), "killed mid-run"
        _, err = proc.communicate(timeout=180)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert cell_counts(out) == local_counts  # cell by cell, same as the local executor


def test_sweep_interrupted_on_dask_resumes_locally(cluster, local_counts, tmp_path):
    address, _ = cluster
    out = tmp_path / "dask"
    proc = subprocess.Popen([sys.executable, "-m", "rnnchaos.cli.main", *SWEEP_ARGS, "--out", str(out),
                             "--scheduler", address], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_chunks(out, 3, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    saved = len(list(out.glob("chunks/*/*.npz")))
    assert 3 <= saved < 32 and not (out / "results.parquet").exists()
    assert main([*SWEEP_ARGS, "--out", str(out)]) == 0  # locally, one process
    assert cell_counts(out) == local_counts


def test_estimate_and_lambda_max_sweep_on_the_cluster_equal_local(cluster, tmp_path):
    from rnnchaos.networks.presets import build_preset
    from rnnchaos.studies.jacobian import lambda_max_sweep
    from rnnchaos.studies.montecarlo import estimate
    address, _ = cluster
    preset = build_preset("paper_he", 3)
    kw = dict(n=1200, ci_halfwidth=None, chunk_size=200, criteria=("period_2", "period_3"))
    lam = dict(preset="rnn_tanh", dims=[8], gains=[0.5, 3.0], n=8, seed=2, steps=60, transient=20)
    with DaskExecutor(scheduler=address) as executor:
        on_dask = estimate(preset, 4, workers=executor, **kw)
        lam_dask = lambda_max_sweep(**lam, workers=executor, out=tmp_path / "lam")
    assert on_dask == estimate(preset, 4, **kw)
    assert lam_dask == lambda_max_sweep(**lam) == lambda_max_sweep(**lam, out=tmp_path / "lam")


# last: it kills both workers (their nannies restart them)
def test_block_that_keeps_killing_workers_is_named(cluster):
    address, _ = cluster
    with DaskExecutor(scheduler=address) as executor:
        with pytest.raises(TaskFailedError, match="poison block"):
            # os._exit kills whichever worker runs it; ALLOWED_FAILURES=1: two deaths, then KilledWorker
            list(run_tasks(executor, os._exit, [3], labels=["poison block"]))


def test_dask_local_workers_run_tasks_with_quieted_chores():
    """--dask-local's LocalCluster: tasks run, and its workers carry QUIET_WORKERS (the
    profiler and monitors that cost ~10% of busy cores are off or slowed)."""
    import dask

    from rnnchaos._lib.runner import QUIET_WORKERS
    with DaskExecutor(local_workers=1) as executor:
        assert dict(run_tasks(executor, abs, [-3, 4, -5])) == {0: 3, 1: 4, 2: 5}
        seen = executor._client.run(lambda: {k: dask.config.get(k) for k in QUIET_WORKERS})
    assert list(seen.values()) == [QUIET_WORKERS]
