"""Per-step time of the full Lyapunov spectrum against the numpy/LAPACK floor; leading-k speed-up.

Usage: python benchmarks/bench_lyapunov.py [--dims 256,512,1024] [--reps 5] [--k 64] [--seed 0]
                                          [--threads T]

System: the preset ``rnn_tanh`` (h -> tanh(W h), W ~ N(0, g^2/d)) at gain 2
(chaotic), one orbit, QR every step.  One step of the textbook QR method
costs one dense d x d matrix product (Df @ Q) and one QR factorization, so

* ``floor numpy``  = time of ``A @ B`` + ``np.linalg.qr(C)`` (reduced, Q formed) on
  random d x d float64 matrices, the same number of times, done alone;
* ``floor LAPACK`` = the two LAPACK kernels the ``householder`` kernel calls
  per step, done alone on the same sizes: ``dgeqrt`` (QR, compact-WY, nb = 64)
  + ``dgemqrt`` (apply the reflectors to Df from the right);
* ``rnnchaos`` = ``lyapunov_spectrum(...).seconds_per_step`` (the measured
  loop: state step, Jacobian, frame update, QR, accumulation);
* ``qr kernel`` = the same with ``method="qr"`` (explicit frames: Df Q by a
  numpy product, QR by ``dgeqrt`` with Q formed by ``dgemqrt``), the kernel
  that ``method="auto"`` uses for k < d/2 (the leading-k line).

Every row is the minimum over ``--reps`` interleaved repetitions (the floor
and our code are timed alternately, so machine load hits both).  The last
line times the leading k exponents at the largest d against the full spectrum.
"""
import argparse
import os
import platform
import time

import numpy as np
from scipy.linalg import lapack

from rnnchaos.dynamics.lyapunov import lyapunov_spectrum
from rnnchaos.networks.vector import build_vector_preset, sample_vector_preset

STEPS = {256: 100, 512: 30, 1024: 10, 2048: 3}


def _floor_numpy(d, steps, rng):
    a, b, c = (rng.standard_normal((d, d)) for _ in range(3))
    a @ b, np.linalg.qr(c)  # warm up
    t0 = time.perf_counter()
    for _ in range(steps):
        a @ b
        np.linalg.qr(c)
    return (time.perf_counter() - t0) / steps


def _floor_lapack(d, steps, rng):
    nb = min(64, d)
    v, t, _ = lapack.dgeqrt(nb, np.asfortranarray(rng.standard_normal((d, d))))
    j = np.asfortranarray(rng.standard_normal((d, d)))
    bufs = [np.asfortranarray(rng.standard_normal((d, d))) for _ in range(2)]
    total = 0.0
    for _ in range(steps + 1):
        c1, c2 = bufs[0].copy(order="F"), j.copy(order="F")  # copies are not timed
        t0 = time.perf_counter()
        lapack.dgeqrt(nb, c1, overwrite_a=1)
        lapack.dgemqrt(v, t, c2, side="R", trans="N", overwrite_c=1)
        total += time.perf_counter() - t0 if _ else 0.0
    return total / steps


def _ours(f, steps, method, k=None):
    return lyapunov_spectrum(f, steps, k=k, transient=5, tangent_transient=2, rng=1,
                             method=method).seconds_per_step


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", default="256,512,1024")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--k", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None,
                    help="BLAS threads for everything timed (default: the BLAS default)")
    args = ap.parse_args()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    dims = [int(d) for d in args.dims.split(",")]
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)"
                         for i in threadpool_info() if i["user_api"] == "blas")
    except ImportError:  # pragma: no cover
        blas = "unknown"
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}, "
          f"BLAS: {blas}; load average {os.getloadavg()[0]:.2f}")
    print("# full spectrum (k = d), rnn_tanh gain 2, QR every step; times per step in ms "
          f"(min of {args.reps} interleaved reps)")
    print(f"{'d':>5} {'steps':>5} {'rnnchaos':>9} {'floor numpy':>11} {'ratio':>6} "
          f"{'floor LAPACK':>12} {'ratio':>6} {'qr kernel':>9}")
    rng = np.random.default_rng(args.seed)
    full_times = {}
    for d in dims:
        steps = STEPS.get(d, max(2, int(200 * (256 / d) ** 3)))
        f = sample_vector_preset(build_vector_preset("rnn_tanh", d, gain=2.0), args.seed, 0)
        ours, fl_np, fl_la, qr = [], [], [], []
        for _ in range(args.reps):
            fl_np.append(_floor_numpy(d, steps, rng))
            ours.append(_ours(f, steps, "householder"))
            fl_la.append(_floor_lapack(d, steps, rng))
            qr.append(_ours(f, steps, "qr"))
        o, n, la, q = (1e3 * min(x) for x in (ours, fl_np, fl_la, qr))
        full_times[d] = (f, min(ours))
        print(f"{d:>5} {steps:>5} {o:>9.2f} {n:>11.2f} {o / n:>6.2f} {la:>12.2f} {o / la:>6.2f} {q:>9.2f}")
    d = max(dims)
    f, full = full_times[d]
    k = min(args.k, d)
    steps = 20 * STEPS.get(d, 10)
    lead = min(_ours(f, steps, "auto", k=k) for _ in range(args.reps))
    print(f"# leading {k} of {d}: {1e3 * lead:.3f} ms per step vs full spectrum {1e3 * full:.2f} ms: "
          f"speed-up {full / lead:.1f}x")
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
