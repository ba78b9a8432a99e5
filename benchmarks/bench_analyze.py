"""Exact `analyze` time per network (periodic_orbits with max_period N).

Usage: python benchmarks/bench_analyze.py [--reps R] [--seed S] [--presets paper_he,paper_a]

For each preset, width k in 2, 16, 128, 1024 and N in 3, 6 it draws R networks
(network i of the seed stream) and reports median and max wall time of the
whole exact analysis (PL construction, invariant interval, f^1..f^N, orbits,
certificate), plus the median number of linear pieces of f.
"""
import argparse
import statistics
import time

from rnnchaos.exact.periodic import periodic_orbits
from rnnchaos.networks.presets import build_preset, sample_preset


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--presets", default="paper_he,paper_a")
    ap.add_argument("--widths", default="2,16,128,1024")
    args = ap.parse_args()
    print(f"{'preset':<10} {'k':>5} {'N':>2} {'median ms':>10} {'max ms':>9} {'pieces':>7} {'P(3)':>5}")
    for name in args.presets.split(","):
        for k in map(int, args.widths.split(",")):
            preset = build_preset(name, k)
            nets = [sample_preset(preset, args.seed, i) for i in range(args.reps)]
            for n in (3, 6):
                times, pieces, p3 = [], [], 0
                for net in nets:
                    t0 = time.perf_counter()
                    rep = periodic_orbits(net, n)
                    times.append(time.perf_counter() - t0)
                    pieces.append(rep.pieces)
                    p3 += rep.period_3
                print(f"{name:<10} {k:>5} {n:>2} {1e3 * statistics.median(times):>10.3f} "
                      f"{1e3 * max(times):>9.3f} {statistics.median(pieces):>7.0f} {p3:>5}")


if __name__ == "__main__":
    main()
