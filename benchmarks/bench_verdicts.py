"""Throughput of the batch verdicts (networks per second), sampling excluded.

Usage: python benchmarks/bench_verdicts.py [--n N] [--quick] [--seed S] [--repeat R]

For width-2 ReLU networks of preset paper_he (as_coded) it measures, on one pre-sampled
batch of N networks:

* ``decide`` for period_2 + period_3 + positive_entropy (N = 6): float filter plus exact
  fallback, i.e. exact verdicts;
* the vectorized reference test (163-point grid, window 1);
* the notebooks' per-network loop (:func:`notebook_loop_reference_test`) on a subset;
* the exact engine alone (``periodic_orbits(f, 6)`` per network) on a subset;

and prints the ratios; then ``decide`` at widths 64 and 1024 (smaller batches).  The
column "to exact" is the number of networks the filter sent to the exact engine.
Compilation (numba) is done before timing.  Times are the best of ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import os
import time

from rnnchaos._lib.threads import default_threads
from rnnchaos.deciders.reference import notebook_loop_reference_test, reference_test
from rnnchaos.deciders.verdicts import EXACT_CRITERIA, decide
from rnnchaos.exact.periodic import periodic_orbits
from rnnchaos.networks.batch import sample_preset_batch
from rnnchaos.networks.presets import build_preset


def best_time(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000, help="width-2 batch size (default 200000)")
    ap.add_argument("--quick", action="store_true", help="small batches, one repetition")
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = min(args.n, 20_000) if args.quick else args.n
    repeat = 1 if args.quick else args.repeat
    n_loop = 50 if args.quick else 300
    n_exact = 100 if args.quick else 1000
    wide = [(64, 500 if args.quick else 50_000), (1024, 20 if args.quick else 4_000)]

    print(f"cpus: {os.cpu_count()}, kernel threads: {default_threads()} "
          f"(RNNCHAOS_THREADS / OMP_NUM_THREADS override), seed {args.seed}")

    preset = build_preset("paper_he", 2)
    t0 = time.perf_counter()
    batch = sample_preset_batch(preset, args.seed, 0, n)
    t_sample = time.perf_counter() - t0
    print(f"sampled {n} width-2 networks in {t_sample:.1f} s ({n / t_sample:,.0f}/s, not timed below)")
    warm = batch.subset(slice(0, 64))
    decide(warm, EXACT_CRITERIA)
    reference_test(warm, 1.0)

    rows = []
    t_dec, v = best_time(lambda: decide(batch, EXACT_CRITERIA, entropy_max_period=6), repeat)
    rows.append(("decide p2+p3+entropy(6)", 2, n, n / t_dec, v.n_exact_fallback,
                 f"p2 {v['period_2'].mean():.4f} p3 {v['period_3'].mean():.4f} "
                 f"pe {v['positive_entropy'].mean():.4f}"))
    t_ref, r = best_time(lambda: reference_test(batch, 1.0), repeat)
    rows.append(("reference test, vectorized", 2, n, n / t_ref, None, f"chaotic {r.mean():.4f}"))
    nets = [batch.network(i) for i in range(n_loop)]
    t0 = time.perf_counter()
    loop = [notebook_loop_reference_test(f, 1.0) for f in nets]
    t_loop = time.perf_counter() - t0
    assert loop == r[:n_loop].tolist(), "vectorized reference test differs from the notebook loop"
    rows.append(("reference test, notebook loop", 2, n_loop, n_loop / t_loop, None, ""))
    nets = [batch.network(i) for i in range(n_exact)]
    t0 = time.perf_counter()
    reps = [periodic_orbits(f, 6) for f in nets]
    t_exact = time.perf_counter() - t0
    assert [2 in rep.periods for rep in reps] == v["period_2"][:n_exact].tolist()
    rows.append(("exact engine alone (N=6)", 2, n_exact, n_exact / t_exact, n_exact, ""))
    for k, m in wide:
        b = sample_preset_batch(build_preset("paper_he", k), args.seed, 0, m)
        decide(b.subset(slice(0, 2)), EXACT_CRITERIA)
        t, vk = best_time(lambda: decide(b, EXACT_CRITERIA, entropy_max_period=6), repeat)
        rows.append(("decide p2+p3+entropy(6)", k, m, m / t, vk.n_exact_fallback,
                     f"p2 {vk['period_2'].mean():.4f} p3 {vk['period_3'].mean():.4f}"))

    print()
    print(f"{'what':<32} {'width':>5} {'networks':>9} {'networks/s':>13} {'to exact':>9}  notes")
    for what, k, m, rate, fb, note in rows:
        fbs = "" if fb is None else f"{fb}"
        print(f"{what:<32} {k:>5} {m:>9} {rate:>13,.0f} {fbs:>9}  {note}")
    print()
    print(f"decide (exact verdicts) / exact engine alone, width 2: {t_exact / n_exact / (t_dec / n):,.0f}x")
    print(f"reference vectorized / notebook loop, width 2:        {t_loop / n_loop / (t_ref / n):,.0f}x")
    print(f"decide (3 exact criteria) / reference vectorized:     {t_ref / t_dec:.2f}x")


if __name__ == "__main__":
    main()
