"""Dask versus local worker processes on a sweep; per-task overhead; the task size it implies.

    .venv/bin/python benchmarks/bench_dask.py [--n 200000] [--noop 400]

Measures, on this machine:

1. per-task overhead of the Dask path: ``--noop`` no-op tasks through :func:`run_tasks` on a
   LocalCluster (a real scheduler and 2 single-threaded worker processes), wall time / tasks;
2. the work per block: seconds for one default chunk (4096 networks, width 2, period_2 and
   period_3) in this process, hence the networks needed for >= 100 ms of work per task;
3. the same sweep (paper_he, width 2, ``--n`` networks) on Dask with 1 and 2 workers and on
   local processes with 2 workers: wall seconds, speed-up of 2 Dask workers over 1, and Dask
   over local with 2 workers; the counts of the three runs must agree exactly.

Sweep times are on warm workers (started, rnnchaos imported, numba cache loaded); the time
including start-up is printed beside them (a user pays it once per run).  The numbers mean what
they say only on an otherwise idle machine: print ``os.getloadavg()`` beside them.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time


def noop(task):
    return task


def per_task_overhead(tasks: int) -> float:
    from rnnchaos._lib.runner import DaskExecutor, run_tasks
    with DaskExecutor(local_workers=2) as ex:
        list(run_tasks(ex, noop, list(range(20))))  # warm: workers connected, imports done
        t0 = time.perf_counter()
        list(run_tasks(ex, noop, list(range(tasks)), window=8))
        return (time.perf_counter() - t0) / tasks


def block_seconds() -> float:
    from rnnchaos.networks.presets import build_preset
    from rnnchaos.studies.montecarlo import DEFAULT_CHUNK, count_chunk
    preset = build_preset("paper_he", 2)
    count_chunk(preset, 1, 0, 64, ("period_2", "period_3"))  # compile / load the numba cache
    t0 = time.perf_counter()
    count_chunk(preset, 1, 0, DEFAULT_CHUNK, ("period_2", "period_3"))
    return time.perf_counter() - t0


def warm(ex) -> None:
    """Start every worker and load rnnchaos and its numba cache there (not timed)."""
    from rnnchaos._lib.runner import run_tasks
    from rnnchaos.networks.presets import build_preset
    from rnnchaos.studies.montecarlo import _run_chunk
    task = (build_preset("paper_he", 2), 1, 0, 64, ("period_2", "period_3"), 6)
    list(run_tasks(ex, _run_chunk, [task] * (4 * ex.workers)))


def timed_sweep(n: int, executor_factory) -> tuple[float, float, list]:
    """(seconds with start-up, seconds of the sweep on warm workers, counts)."""
    from rnnchaos.studies.sweep import make_config, read_results, run_sweep
    cfg = make_config("paper_he", "2", "1", n=n, seed=11, criteria=("period_2", "period_3"))
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        with executor_factory() as ex:
            warm(ex)
            t1 = time.perf_counter()
            run_sweep(cfg, out, workers=ex, progress=False)
            t2 = time.perf_counter()
        return t2 - t0, t2 - t1, [(r["criterion"], r["count"]) for r in read_results(out)]


def main() -> None:
    from rnnchaos._lib.runner import DaskExecutor, ProcessExecutor
    from rnnchaos.studies.montecarlo import DEFAULT_CHUNK
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200_000, help="networks in the sweep")
    parser.add_argument("--noop", type=int, default=400, help="no-op tasks for the overhead")
    args = parser.parse_args()
    report = {"load_before": os.getloadavg(), "cpus": os.cpu_count()}
    report["dask_seconds_per_noop_task"] = per_task_overhead(args.noop)
    block = block_seconds()
    report["seconds_per_block_of_%d" % DEFAULT_CHUNK] = block
    report["networks_for_100ms"] = int(0.1 / (block / DEFAULT_CHUNK))
    report["overhead_fraction_at_default_block"] = report["dask_seconds_per_noop_task"] / block
    runs = {"dask_1": lambda: DaskExecutor(local_workers=1),
            "dask_2": lambda: DaskExecutor(local_workers=2),
            "local_2": lambda: ProcessExecutor(2)}
    counts = {}
    for name, factory in runs.items():
        report[f"{name}_seconds_with_startup"], report[f"{name}_seconds"], counts[name] = \
            timed_sweep(args.n, factory)
    assert counts["dask_1"] == counts["dask_2"] == counts["local_2"], counts
    report["counts"] = counts["dask_2"]
    report["n"] = args.n
    report["speedup_dask_2_over_1"] = report["dask_1_seconds"] / report["dask_2_seconds"]
    report["dask_2_over_local_2"] = report["dask_2_seconds"] / report["local_2_seconds"]
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
