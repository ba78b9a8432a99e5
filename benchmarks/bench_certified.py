"""Certified (ball-arithmetic) engine for tanh networks: undecided share, batch throughput,
single-network `analyze` time.

Usage: python benchmarks/bench_certified.py [--part undecided|batch|analyze|all] [--n N]
       [--reps R] [--seed S] [--workers W]

* undecided: the paper's tanh table cells (5 rows x {width 2 clipped, width 4, width 64}),
  N networks each (default 10,000; width 64 uses --n-wide), via `estimate` with the
  criteria period_2, period_3, positive_entropy (N = 6): counts and undecided counts.
* batch: networks/s of the batch verdicts (period_2, period_3, positive_entropy <= 6) for
  paper_he tanh, widths 2 (clipped and not), 4 and 64, single process (and the share the
  compiled kernel decides alone) and W workers (a warm pool: start-up not counted).
* analyze: median and max wall time of certified_orbits(net, 6) (what `rnnchaos analyze
  --max-period 6` runs) over R networks, widths 2, 4, 16, 64.
"""
import argparse
import os
import statistics
import sys
import time

from rnnchaos.certified import certified_orbits
from rnnchaos.networks.presets import build_preset, sample_preset
from rnnchaos.studies.montecarlo import estimate

ROWS = ("paper_row1", "paper_he", "paper_he_u", "paper_normal_k", "paper_glorot")
CELLS = (("width 2, tanh, clipped", 2, True), ("width 4, tanh", 4, False),
         ("width 64, tanh", 64, False))
CRIT = ("period_2", "period_3", "positive_entropy")


def part_undecided(args):
    print(f"undecided share, seed {args.seed}, criteria {','.join(CRIT)} (N = 6)")
    total = und = 0
    for label, k, clip in CELLS:
        n = args.n if k <= 8 else args.n_wide
        for row in ROWS:
            t0 = time.perf_counter()
            est = estimate(build_preset(row, k, activation="tanh", clip=clip), args.seed, n=n,
                           criteria=CRIT, workers=args.workers)
            dt = time.perf_counter() - t0
            cells = "  ".join(f"{c}={e.count}+{e.undecided}?" for c, e in est.criteria.items())
            worst = max(e.undecided for e in est.criteria.values())
            total += n
            und += worst
            print(f"  {label:<24} {row:<15} n={n:<6} {cells}  ({dt:.0f} s)", flush=True)
    print(f"networks with an undecided criterion (max over criteria, summed): {und} / {total} "
          f"= {100 * und / max(total, 1):.3f}%")


def kernel_share(batch):
    """Share of networks the compiled kernel decides alone (None before the kernel existed)."""
    try:
        from rnnchaos.certified.kernel import kernel_verdicts
    except ImportError:
        return None
    codes = kernel_verdicts(batch, [2, 3, 6]).codes
    return float((codes != -1).all(axis=1).mean())


def part_batch(args):
    from rnnchaos.certified.batch import decide_smooth
    from rnnchaos.networks.batch import sample_preset_batch
    print("batch verdicts, paper_he tanh (kernel, then float proposals + ball confirmation for "
          "what it leaves), one process, after a warm-up call (compiled code loaded)")
    try:
        from rnnchaos._lib.threads import default_threads
        print(f"  kernel threads in this process: {default_threads()} (RNNCHAOS_THREADS)")
    except ImportError:
        pass
    cells = ((2, True, args.batch_n), (2, False, args.batch_n), (4, False, args.batch_n),
             (64, False, max(20, args.batch_n // 10)))
    for k, clip, n in cells:
        preset = build_preset("paper_he", k, activation="tanh", clip=clip)
        decide_smooth(sample_preset_batch(preset, args.seed + 1, 0, 4), CRIT, 6)  # warm-up
        batch = sample_preset_batch(preset, args.seed, 0, n)
        t0 = time.perf_counter()
        codes = decide_smooth(batch, CRIT, 6)
        dt = time.perf_counter() - t0
        und = sum(int((v == -1).sum()) for v in codes.values())
        share = kernel_share(batch)
        alone = "" if share is None else f", kernel alone decides {100 * share:.2f}%"
        print(f"  width {k:>2} clip {str(clip):<5} n={n:<6} {n / dt:9.1f} networks/s "
              f"(undecided verdicts: {und}{alone})", flush=True)
    if args.workers > 1:
        from rnnchaos._lib.runner import make_executor
        print(f"estimate with {args.workers} worker processes (whole pipeline, incl. sampling; "
              "pool started and warmed up first, so process start-up is not counted):")
        with make_executor(args.workers) as ex:
            for k, clip, n in ((2, True, 10 * args.batch_n), (2, False, 10 * args.batch_n),
                               (64, False, max(40, args.batch_n // 2))):
                preset = build_preset("paper_he", k, activation="tanh", clip=clip)
                estimate(preset, args.seed + 1, n=4 * args.workers, criteria=CRIT, workers=ex,
                         chunk_size=1)  # warm-up: every worker imports and loads its code
                t0 = time.perf_counter()
                estimate(preset, args.seed, n=n, criteria=CRIT, workers=ex,
                         chunk_size=max(1, n // (4 * args.workers)))
                dt = time.perf_counter() - t0
                print(f"  width {k:>2} clip {str(clip):<5} n={n:<6} {n / dt:9.1f} networks/s",
                      flush=True)


def part_analyze(args):
    print(f"certified_orbits(net, 6) = `rnnchaos analyze --max-period 6`, paper_he tanh, "
          f"{args.reps} networks per width")
    print(f"  {'k':>3} {'median ms':>10} {'max ms':>9} {'undecided periods':>18}")
    for k in (2, 4, 16, 64):
        preset = build_preset("paper_he", k, activation="tanh")
        times, und = [], 0
        for i in range(args.reps):
            net = sample_preset(preset, args.seed, i)
            t0 = time.perf_counter()
            rep = certified_orbits(net, 6)
            times.append(time.perf_counter() - t0)
            und += len(rep.undecided_periods)
        print(f"  {k:>3} {1e3 * statistics.median(times):>10.2f} {1e3 * max(times):>9.2f} "
              f"{und:>18}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", default="all", choices=("undecided", "batch", "analyze", "all"))
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--n-wide", type=int, default=10_000)
    ap.add_argument("--batch-n", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    for part in (("analyze", "batch", "undecided") if args.part == "all" else (args.part,)):
        globals()[f"part_{part}"](args)


if __name__ == "__main__":
    main()
