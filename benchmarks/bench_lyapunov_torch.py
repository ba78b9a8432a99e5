"""Per-step time of Lyapunov spectra on a torch device against the NumPy path; QR kernels; float32 cost.

Usage: python benchmarks/bench_lyapunov_torch.py [--device cuda|cpu] [--small] [--reps 2]
                                                [--numpy-max-d 1024] [--seed 0] [--threads T]
                                                [--accuracy]

Detects the device (CUDA when available, else CPU).  System: the preset
``rnn_tanh`` (h -> tanh(W h), W ~ N(0, g^2/d)) at gain 2, QR every step, the
same maps and seeds on every path.  Cases are those of issue 12's table
(measured there on an H200 with plain PyTorch, float64 unless marked; the
"issue" column repeats them for comparison); ``--small`` runs CPU-sized ones
(d = 256, 512, 1024; 1024 maps of d = 64; leading 64 of 1024).

Columns, times in seconds per step (per map for batches; min of ``--reps``,
after an untimed warm-up run that pays for CUDA/cuSOLVER initialization):

* ``torch``: ``lyapunov_spectrum_torch(...).seconds_per_step``, the
  ``auto`` kernel (Cholesky-QR2, Householder where it must; ``kernel`` and
  ``fallb.`` say what ran);
* ``householder``: the same with ``method="householder"`` (every QR by
  plain ``torch.linalg.qr``);
* ``numpy``: the NumPy path ``lyapunov_spectrum`` on this machine's CPU
  (skipped above ``--numpy-max-d``); ``x`` = numpy / torch;
* ``f32 cost``: max |lambda_i(float32) - lambda_i(float64)| over the spectrum,
  next to the float64 run's split-half difference (its finite-time error): a
  chaotic orbit makes the two precisions follow different orbits, so a cost
  below the split-half difference is statistical, not precision.

A second table times the QR kernels alone on random frames of the same
shapes: ``torch.linalg.qr`` against :func:`rnnchaos.dynamics.lyapunov_torch.cholesky_qr2`.
A last section (alone with ``--accuracy``) measures the float32 cost where the
answer is known (a normal linear map, Henon's sum log|b|) and on chaotic
tanh RNNs against the split-half difference.
"""
import argparse
import math
import os
import platform
import sys
import time

import numpy as np
import torch

from rnnchaos.dynamics.lyapunov import lyapunov_spectrum
from rnnchaos.dynamics.lyapunov_torch import (
    cholesky_qr2,
    lyapunov_spectrum_torch,
    to_device,
)
from rnnchaos.networks.vector import (
    HenonMap,
    LinearMap,
    build_vector_preset,
    sample_vector_batch,
    sample_vector_preset,
)

# (label, d, maps, k, dtype, steps on the device, issue's s/step (per map) or None)
GPU_CASES = [
    ("d1024 full", 1024, 1, None, "float64", 40, 4.7e-3),
    ("d1024 full f32", 1024, 1, None, "float32", 40, 4.5e-3),
    ("d4096 full", 4096, 1, None, "float64", 10, 3.2e-2),
    ("d4096 lead64", 4096, 1, 64, "float64", 100, 6.7e-4),
    ("d16384 lead64 f32", 16384, 1, 64, "float32", 50, 2.9e-3),
    ("256 x d128 full", 128, 256, None, "float64", 50, 1.1e-4),
    ("1024 x d64 full", 64, 1024, None, "float64", 50, 6.1e-5),
]
CPU_CASES = [
    ("d256 full", 256, 1, None, "float64", 40, None),
    ("d512 full", 512, 1, None, "float64", 15, None),
    ("d1024 full", 1024, 1, None, "float64", 5, 4.7e-3),
    ("d1024 full f32", 1024, 1, None, "float32", 5, 4.5e-3),
    ("d1024 lead64", 1024, 1, 64, "float64", 40, None),
    ("1024 x d64 full", 64, 1024, None, "float64", 10, 6.1e-5),
]


def _maps(d, n, seed):
    """n maps (a batch; one unbatched map for n = 1): map i from SeedSequence(seed, spawn_key=(i,))."""
    preset = build_vector_preset("rnn_tanh", d, gain=2.0)
    return sample_vector_batch(preset, seed, n) if n > 1 else sample_vector_preset(preset, seed, 0)


def _torch_run(twin, steps, k, method, reps):
    kw = dict(k=k, transient=5, tangent_transient=4, rng=1, method=method)
    lyapunov_spectrum_torch(twin, 2, **{**kw, "transient": 0})  # untimed warm-up
    runs = [lyapunov_spectrum_torch(twin, steps, **kw) for _ in range(reps)]
    return min(runs, key=lambda r: r.seconds), runs[0]


def _numpy_run(f, steps, k, reps):
    return min(lyapunov_spectrum(f, steps, k=k, transient=5, tangent_transient=4, rng=1).seconds_per_step
               for _ in range(reps))


def _fmt(x):
    return "-" if x is None else f"{x:.2e}"


def _spectra(cases, device, reps, numpy_max_d, seed):
    print(f"{'case':<18} {'steps':>5} {'torch':>9} {'kernel':>12} {'fallb.':>6} {'householder':>11} "
          f"{'issue':>9} {'numpy':>9} {'x':>6} {'f32 cost':>9} {'split64':>9}")
    for label, d, n, k, dtype, steps, issue in cases:
        f = _maps(d, n, seed)
        twin = to_device(f, device, dtype)
        best, res = _torch_run(twin, steps, k, "auto", reps)
        hh = _torch_run(twin, steps, k, "householder", reps)[0]
        per = best.seconds_per_step / n
        np_t = _numpy_run(f, max(2, steps // 4), k, reps) / n if d <= numpy_max_d else None
        cost = split = None
        if dtype == "float32":  # the float64 run of the same maps and seeds
            ref = lyapunov_spectrum_torch(to_device(f, device, "float64"), steps, k=k, transient=5,
                                          tangent_transient=4, rng=1)
            cost = float(np.nanmax(np.abs(res.exponents - ref.exponents)))
            split = float(np.nanmax(ref.split_half_difference))
        print(f"{label:<18} {steps:>5} {per:>9.2e} {best.method:>12} {best.fallbacks:>6} "
              f"{hh.seconds_per_step / n:>11.2e} {_fmt(issue):>9} {_fmt(np_t):>9} "
              f"{'-' if np_t is None else f'{np_t / per:.1f}':>6} {_fmt(cost):>9} {_fmt(split):>9}")
        del twin, f
        if device.type == "cuda":
            torch.cuda.empty_cache()


def _qr_kernels(shapes, device, reps, seed):
    print(f"\n# QR kernels alone on random frames (seconds per call, per matrix; min of {reps})")
    print(f"{'shape':<18} {'dtype':>8} {'linalg.qr':>10} {'cholqr2':>10} {'x':>6} {'fallbacks':>9}")
    gen = np.random.default_rng(seed)
    for shape in shapes:
        for dtype in (torch.float64, torch.float32):
            m = torch.as_tensor(gen.standard_normal(shape)).to(device, dtype)
            times = {}
            for name, fn in (("qr", torch.linalg.qr), ("chol", cholesky_qr2)):
                fn(m)  # warm-up
                best = np.inf
                for _ in range(reps):
                    _sync(device)
                    t0 = time.perf_counter()
                    for _ in range(5):
                        out = fn(m)
                    _sync(device)
                    best = min(best, (time.perf_counter() - t0) / 5)
                times[name] = best / (shape[0] if len(shape) == 3 else 1)
            bad = int(out[2].sum())
            print(f"{'x'.join(map(str, shape)):<18} {str(dtype)[6:]:>8} {times['qr']:>10.2e} "
                  f"{times['chol']:>10.2e} {times['qr'] / times['chol']:>6.1f} {bad:>9}")


def _float32_cost(device):
    """float32 against float64 (same maps, seeds) where the answer is known, and on chaotic maps."""
    print("\n# float32 accuracy cost (same maps and seeds as float64)")
    q, _ = np.linalg.qr(np.random.default_rng(2).standard_normal((6, 6)))
    eig = np.array([1.5, -1.2, 0.9, 0.5, -0.3, 0.1])
    r = lyapunov_spectrum_torch(LinearMap(q @ np.diag(eig) @ q.T), 300, transient=0,
                                tangent_transient=200, dtype="float32", device=device)
    err = np.abs(r.exponents - np.sort(np.log(np.abs(eig)))[::-1]).max()
    print(f"linear normal map d=6, float32: max |lambda_i - log|eig_i|| = {err:.1e}")
    for dt in ("float64", "float32"):
        h = lyapunov_spectrum_torch(HenonMap(), 2000, h0=[0.1, 0.1], transient=100, dtype=dt,
                                    device=device)
        print(f"Henon {dt}: |sum - log 0.3| = {abs(h.exponents.sum() - math.log(0.3)):.1e}, "
              f"lambda_1 = {h.lambda_max:.4f}")
    for d, steps in ((32, 400), (128, 600)):
        f = sample_vector_preset(build_vector_preset("rnn_tanh", d, gain=2.0), 0, 0)
        a, b = (lyapunov_spectrum_torch(f, steps, transient=300, rng=1, dtype=dt, device=device)
                for dt in ("float64", "float32"))
        print(f"rnn_tanh d={d} gain 2, {steps} steps: lambda_max {a.lambda_max:+.4f}, max |l32 - l64| "
              f"{np.abs(a.exponents - b.exponents).max():.1e}, |dlambda_max| "
              f"{abs(a.lambda_max - b.lambda_max):.1e}, split-half64 {a.split_half_difference:.1e}, "
              f"float32 kernel {b.method} ({b.fallbacks} fallbacks)")
    maps = sample_vector_batch(build_vector_preset("rnn_tanh", 64, gain=2.0), 0, 64)
    a, b = (lyapunov_spectrum_torch(maps, 400, k=1, transient=300, rng=1, dtype=dt, device=device)
            for dt in ("float64", "float32"))
    dl = np.abs(a.exponents[:, 0] - b.exponents[:, 0])
    flips = int(np.sum((a.exponents[:, 0] > 0) != (b.exponents[:, 0] > 0)))
    print(f"64 maps rnn_tanh d=64 gain 2, lambda_max, 400 steps: median |dl| {np.median(dl):.1e}, "
          f"max {dl.max():.1e}; median split-half64 {np.median(a.split_half_difference):.1e}; "
          f"sign of lambda_max differs for {flips} of 64")


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    ap.add_argument("--small", action="store_true", help="CPU-sized cases")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--numpy-max-d", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--accuracy", action="store_true", help="only the float32 accuracy section")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (default torch's; 1 on a shared, loaded CPU: small "
                         "ops on oversubscribed OpenMP threads are 10-30x slower)")
    args = ap.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)  # the NumPy baseline gets the same number
    sys.stdout.reconfigure(line_buffering=True)  # rows appear as they are measured
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        (platform.processor() or platform.machine())
    print(f"# device {device} ({name}); torch {torch.__version__} ({torch.get_num_threads()} CPU "
          f"threads), numpy {np.__version__}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    if args.accuracy:
        _float32_cost(device)
        return
    small = args.small or device.type == "cpu"
    print("# rnn_tanh gain 2, QR every step; seconds per step (per map for batches)")
    _spectra(CPU_CASES if small else GPU_CASES, device, args.reps, args.numpy_max_d, args.seed)
    shapes = [(1024, 64, 64), (1024, 1024)] if small else \
        [(1024, 64, 64), (256, 128, 128), (1024, 1024), (4096, 4096), (16384, 64)]
    _qr_kernels(shapes, device, args.reps, args.seed)
    _float32_cost(device)
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
