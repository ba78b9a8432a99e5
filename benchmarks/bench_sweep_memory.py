"""Peak memory and throughput of a large streaming sweep.

Usage: python benchmarks/bench_sweep_memory.py [--n 10000000] [--workers 2] [--out DIR]

Runs `rnnchaos sweep` for one cell (paper_he, width 2, gain 1, criteria period_2, period_3,
positive_entropy) in a subprocess and reports wall time, networks/s and the peak resident
memory of the main process and of the largest worker (getrusage maxrss).
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=65536)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="rnnchaos-sweep-")
    code = ("import resource, sys; from rnnchaos.cli.main import main; rc = main(sys.argv[1:]); "
            "print('MAXRSS_SELF_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); "
            "print('MAXRSS_CHILDREN_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
            "sys.exit(rc)")
    cmd = [sys.executable, "-c", code, "sweep", "--preset", "paper_he", "--widths", "2",
           "--n", str(args.n), "--seed", "1", "--out", out, "--workers", str(args.workers),
           "--chunk-size", str(args.chunk_size), "--criteria", "period_2,period_3,positive_entropy"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(proc.stderr)
    rss = dict(line.split() for line in proc.stdout.splitlines() if line.startswith("MAXRSS"))
    print(f"networks {args.n:,}  workers {args.workers}  wall {wall:.1f} s  "
          f"{args.n / wall:,.0f} networks/s (sampling included)")
    print(f"peak RSS: main {int(rss['MAXRSS_SELF_KB']) / 1024:.0f} MiB, "
          f"largest worker {int(rss['MAXRSS_CHILDREN_KB']) / 1024:.0f} MiB")
    from rnnchaos.studies.sweep import read_results
    for r in read_results(out):
        print(f"  {r['criterion']:<17} {r['count']:>9} / {r['n']}  p = {r['p']:.5f} "
              f"[{r['ci_low']:.5f}, {r['ci_high']:.5f}]")
    if not args.out:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
