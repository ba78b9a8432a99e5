"""Throughput of the whole pipeline (sample, decide, count), as a user gets it, and its parts.

Usage: python benchmarks/bench_throughput.py [--quick] [--n N] [--workers W] [--memory-n M]

Measured in one run, so ratios are meaningful on a shared machine:

1. sampling alone, one core: ``sample_preset_batch`` of paper_he width 2 (networks/s), beside
   ``standard_normal`` drawing the same 7 numbers per network (the floor of any sampler
   bound to numpy's stream) and the per-network seeding of contract v1
   (``Preset.sample(default_rng(SeedSequence(S, spawn_key=(I,))))``, on a subset);
2. the notebooks' per-network loop: draw one network, then the notebooks' reference test
   point by point (:func:`notebook_loop_reference_test`), on a subset;
3. the CLI end to end, start-up included (a subprocess, wall clock): ``rnnchaos estimate
   --preset paper_he --width 2 --n N --criteria period_2,period_3,positive_entropy
   --workers W``, then width 64 (2,000,000 networks) and width 1024 (102,400) with the same
   criteria, each also with the rate after start-up (the wall time of a one-block run
   subtracted);
4. peak memory of each estimate: the proportional set size (PSS, shared pages split
   between processes) summed over the CLI process and its workers, sampled every 0.1 s
   (the summed RSS beside it counts shared libraries once per process), and with
   ``--memory-n`` an estimate of that many networks.

Numba compilation is cached on disk; one small warm-up estimate runs first so the CLI
timings include start-up but not first-time compilation.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time

import numpy as np

from rnnchaos.deciders.reference import notebook_loop_reference_test
from rnnchaos.networks.batch import sample_preset_batch
from rnnchaos.networks.presets import build_preset

CRITERIA = "period_2,period_3,positive_entropy"


def rate(n: int, fn, repeat: int = 3) -> float:
    """n / (best of ``repeat`` timings of fn): the least disturbed run on a shared machine."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best


def bench_sampling(n: int, n_loop: int) -> dict[str, float]:
    preset = build_preset("paper_he", 2)
    sample_preset_batch(preset, 0, 0, 4096)  # imports, first calls
    gen = np.random.default_rng(0)
    out = {"sampling (contract v2, blocks)": rate(n, lambda: sample_preset_batch(preset, 1, 0, n)),
           "numpy standard_normal, 7 per network": rate(n, lambda: gen.standard_normal(7 * n))}

    def per_network_v1():
        for i in range(n_loop):
            preset.sample(np.random.default_rng(np.random.SeedSequence(1, spawn_key=(i,))))
    out["sampling (contract v1, per network)"] = rate(n_loop, per_network_v1, 1)
    return out


def bench_notebook_loop(n_loop: int) -> float:
    preset = build_preset("paper_he", 2)

    def loop():
        for i in range(n_loop):
            net = preset.sample(np.random.default_rng(np.random.SeedSequence(1, spawn_key=(i,))))
            notebook_loop_reference_test(net, 1.0)
    return rate(n_loop, loop, 1)


def _tree_memory(root: int) -> tuple[int, int]:
    """(RSS, PSS) bytes summed over ``root`` and all its descendants (Linux /proc).

    RSS counts shared library pages once per process (numba/LLVM, numpy: ~100 MiB each);
    PSS splits shared pages between the processes that map them, so its sum is the memory
    the run really holds."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    rss = pss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    key, _, rest = line.partition(":")
                    if key in ("Rss", "Pss"):
                        kib = int(rest.split()[0]) * 1024
                        rss, pss = (rss + kib, pss) if key == "Rss" else (rss, pss + kib)
        except (OSError, ValueError):
            continue
    return rss, pss


def run_cli(width: int, n: int, workers: int) -> tuple[float, tuple[float, float], str]:
    """(networks/s wall, peak summed (RSS, PSS) in MiB, last output line) of one CLI estimate."""
    cmd = [sys.executable, "-m", "rnnchaos.cli.main", "estimate", "--preset", "paper_he",
           "--width", str(width), "--n", str(n), "--max-n", str(n), "--seed", "3",
           "--criteria", CRITERIA, "--workers", str(workers), "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0, 0]

    def watch():
        while proc.poll() is None:
            rss, pss = _tree_memory(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.1)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    watcher.join()
    if proc.returncode:
        raise SystemExit(f"estimate failed: {err.strip()}")
    return n / wall, (peak[0] / 2**20, peak[1] / 2**20), out.strip().splitlines()[-1]


def _mib(mem: tuple[float, float]) -> str:
    return f"PSS {mem[1]:,.0f} MiB (RSS {mem[0]:,.0f} MiB, shared pages counted per process)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes for a smoke run (seconds)")
    ap.add_argument("--n", type=int, default=10_000_000, help="width-2 estimate size")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-n", type=int, default=None,
                    help="networks of the peak-memory estimate (default: --n)")
    args = ap.parse_args()
    n2 = 200_000 if args.quick else args.n
    sizes = {64: 20_000 if args.quick else 2_000_000, 1024: 1024 if args.quick else 102_400}
    n_loop = 20 if args.quick else 200
    print(f"cpus: {os.cpu_count()}, workers: {args.workers}, load average: {os.getloadavg()}")

    sampling = bench_sampling(2**17 if args.quick else 2**20, n_loop)
    for name, r in sampling.items():
        print(f"  {name:<40} {r:>14,.0f} networks/s")
    loop = bench_notebook_loop(n_loop)
    print(f"  {'notebooks per-network loop':<40} {loop:>14,.0f} networks/s")

    run_cli(2, 20_000, args.workers)  # warm-up: numba's on-disk cache, imports
    r2, mem2, line = run_cli(2, n2, args.workers)
    print(f"estimate width 2, n {n2:,}: {r2:,.0f} networks/s wall (start-up included), "
          f"peak memory {_mib(mem2)}; {r2 / loop:,.0f}x the notebooks' loop\n    {line}")
    for width, n in sizes.items():
        startup = 1024 / run_cli(width, 1024, args.workers)[0]  # a one-block run: start-up
        r, mem, line = run_cli(width, n, args.workers)
        steady = n / max(n / r - startup, 1e-9)
        print(f"estimate width {width}, n {n:,}: {r:,.0f} networks/s wall ({steady:,.0f}/s after "
              f"a start-up of {startup:.1f} s), peak memory {_mib(mem)}\n    {line}")
    if args.memory_n:
        r, mem, line = run_cli(2, args.memory_n, args.workers)
        print(f"estimate width 2, n {args.memory_n:,}: {r:,.0f} networks/s, peak memory {_mib(mem)}")
    print(f"ratio sampling v2 / v1: {sampling['sampling (contract v2, blocks)'] / sampling['sampling (contract v1, per network)']:,.0f}x; "
          f"sampling / raw normals: {sampling['sampling (contract v2, blocks)'] / sampling['numpy standard_normal, 7 per network']:.2f}")


if __name__ == "__main__":
    main()
