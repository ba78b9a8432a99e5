"""Subcommands for scalar maps: ``entropy``, ``regions``, ``orbit``.

``register(subparsers)`` adds them to the main parser.  Handlers return an exit
code; bad input raises :class:`~rnnchaos.errors.SpecError` naming the option.

* ``rnnchaos entropy SPEC --max-iter N [--json] [--certificate FILE]``: rigorous
  lower/upper bounds on the topological entropy (natural log) with evidence.
* ``rnnchaos regions SPEC --steps T [--interval LO HI] [--json]``: exact numbers
  of linear pieces and laps of f^t, t = 1..T (default interval: the invariant one).
* ``rnnchaos orbit SPEC --x0 X --steps T [--y0 Y] [--method ball|exact|float]
  [--json]``: a certified orbit (and distances to the orbit of y0), with the
  Lyapunov exponent along it (``"lyapunov"`` in the JSON output).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .errors import SpecError


def _int_arg(value: Any, name: str, lo: int, hi: int) -> int:
    try:
        out = int(str(value).strip())
    except ValueError:
        raise SpecError(name, f"expected an integer, got {value!r}") from None
    if not lo <= out <= hi:
        raise SpecError(name, f"must be in {lo}..{hi}, got {out}")
    return out


def _float_arg(value: Any, name: str, positive: bool = True) -> float:
    try:
        out = float(str(value).strip())
    except ValueError:
        raise SpecError(name, f"expected a number, got {value!r}") from None
    if not math.isfinite(out) or (positive and not out > 0):
        raise SpecError(name, f"must be a finite number{' > 0' if positive else ''}, got {value!r}")
    return out


def _rational_arg(value: Any, name: str):
    from .expressivity import parse_rational
    return parse_rational(value, name)


def _load(spec: str):
    from .model import ScalarRNN
    return ScalarRNN.from_file(spec)


def _json_num(v: float | None):
    if v is None or math.isfinite(v):
        return v
    return "-inf" if v < 0 else "inf"


# ------------------------------------------------------------------ entropy
def cmd_entropy(args) -> int:
    """Handler of ``rnnchaos entropy SPEC --max-iter N [--json]``: prints ``lower`` and ``upper``
    (nats per iteration) and their evidence; returns 0.  Example: ``rnnchaos entropy
    examples/tent.json --max-iter 8 --json``."""
    from .entropy import MAX_ITER, entropy_bounds
    from .sweep import atomic_write_bytes

    n = _int_arg(args.max_iter, "--max-iter", 1, MAX_ITER)
    max_pieces = _int_arg(args.max_pieces, "--max-pieces", 1, 10 ** 9)
    net = _load(args.spec)
    if not net.is_piecewise_linear:  # tanh / sigmoid: certified ball-arithmetic bounds
        from .certified.entropy import smooth_entropy_bounds
        out = smooth_entropy_bounds(net, n)
        out["spec"] = args.spec
        if args.json:
            print(json.dumps(out))
        else:
            print(f"topological entropy of f = {args.spec}  (natural log, certified, smooth map)")
            print(f"  lower = {out['lower']!r}  evidence: {out['lower_evidence']['description']}")
            print(f"  upper = {out['upper']!r}  evidence: {out['upper_evidence']['description']}")
            for note in out["notes"]:
                print(f"  note: {note}")
        return 0
    res = entropy_bounds(net, n, max_pieces=max_pieces)
    cert = res.lower_evidence.certificate
    if args.certificate:
        if cert is None:
            raise SpecError("--certificate", "the lower bound is the trivial 0: no certificate")
        atomic_write_bytes(Path(args.certificate), json.dumps(cert).encode())
    if args.json:
        small = cert is not None and len(cert.get("laps", [])) <= 256
        out = res.to_json(certificate=small)
        out["spec"] = args.spec
        print(json.dumps(out))
        return 0
    iv = res.interval
    print(f"topological entropy of f = {args.spec}  (natural log, nats per iteration)")
    if iv is not None:
        print(f"  on the invariant interval I = [{iv[0]}, {iv[1]}] (~[{_f(iv[0]):.6g}, "
              f"{_f(iv[1]):.6g}]), forward invariant: {'yes' if res.forward_invariant else 'no'}")
    print(f"  lower = {res.lower!r}  (rounded down)  evidence: {res.lower_evidence.description}")
    if res.upper is None:
        print("  upper = unknown")
    else:
        un = res.upper_n
        ev = (f"(1/{un}) log {res.laps[un - 1]} laps of g^{un} (lap counts are submultiplicative)"
              if un else "see notes")
        print(f"  upper = {res.upper!r}  (rounded up)  evidence: {ev}")
    if res.laps:
        print(f"  laps of g^n on I, n = 1..{len(res.laps)}: {res.laps}")
    for note in res.notes:
        print(f"  note: {note}")
    if cert is not None:
        print("  the lower bound has an exact certificate (--json or --certificate FILE); "
              "check it with rnnchaos.entropy.verify_lower_certificate")
    return 0


def _f(x) -> float:
    from .pl import q, to_fraction
    return float(to_fraction(q(x)))


# ------------------------------------------------------------------ regions
def cmd_regions(args) -> int:
    """Handler of ``rnnchaos regions SPEC --steps T [--interval LO HI] [--json]``: exact
    ``pieces`` and ``laps`` of f^t, t = 1..T; returns 0.  Example: ``rnnchaos regions
    examples/tent.json --steps 6 --json`` gives laps [2, 4, ..., 64]."""
    from .expressivity import LOG_2, LOG_PHI, MAX_STEPS, fit_growth, region_counts

    steps = _int_arg(args.steps, "--steps", 1, MAX_STEPS)
    max_pieces = _int_arg(args.max_pieces, "--max-pieces", 1, 10 ** 9)
    interval = None
    if args.interval is not None:
        lo = _rational_arg(args.interval[0], "--interval LO")
        hi = _rational_arg(args.interval[1], "--interval HI")
        if not lo < hi:
            raise SpecError("--interval", f"need LO < HI, got {args.interval[0]} {args.interval[1]}")
        interval = (lo, hi)
    net = _load(args.spec)
    rc = region_counts(net, steps, interval, max_pieces=max_pieces)
    fits = {k: fit_growth(getattr(rc, k), 2 if steps >= 3 else 1) for k in ("pieces", "laps")}
    if args.json:
        out = rc.to_json()
        out["spec"] = args.spec
        out["growth"] = {k: v.to_json() for k, v in fits.items()}
        out["growth_note"] = ("least-squares fit of log count on t (t >= 2), natural log per "
                              "step; floating point, descriptive")
        print(json.dumps(out))
        return 0
    lo, hi = rc.interval
    print(f"linear pieces and laps of f^t on [{lo}, {hi}] (exact), f = {args.spec}")
    print(f"  {'t':>3} {'pieces':>12} {'laps':>12} {'phi^t':>12} {'2^t':>12}")
    phi = (1 + math.sqrt(5)) / 2
    for t in range(1, steps + 1):
        print(f"  {t:>3} {rc.pieces[t - 1]:>12} {rc.laps[t - 1]:>12} {phi ** t:>12.1f} {2 ** t:>12}")
    for k, fit in fits.items():
        se = f" +- {fit.stderr:.3g}" if fit.stderr is not None else ""
        print(f"  growth of {k}: {fit.rate:.4f}{se} nats/step (x{fit.base:.3f} per step; "
              f"log phi = {LOG_PHI:.4f}, log 2 = {LOG_2:.4f}) [float fit]")
    return 0


# ------------------------------------------------------------------ orbit
def cmd_orbit(args) -> int:
    """Handler of ``rnnchaos orbit SPEC --x0 X --steps T [--y0 Y] [--method M] [--json]``:
    certified orbit (values with proven radii), distances, and ``lyapunov`` (nats per
    iteration); returns 0.  Example: ``rnnchaos orbit examples/tent.json --x0 0.175421
    --steps 150 --json``."""
    from fractions import Fraction

    from .pl import to_fraction
    from .scalar_lyapunov import lyapunov_exponent
    from .scrambling import (ball_orbit, certified_distances, check_orbit_steps, exact_orbit,
                             float_orbit)
    import numpy as np

    steps = _int_arg(args.steps, "--steps", 0, 1_000_000)
    check_orbit_steps(steps)
    x0 = _rational_arg(args.x0, "--x0")
    y0 = _rational_arg(args.y0, "--y0") if args.y0 is not None else None
    tol = _float_arg(args.tol, "--tol")
    method = args.method
    net = _load(args.spec)
    out: dict[str, Any] = {"spec": args.spec, "x0": args.x0, "x0_exact": str(x0), "steps": steps,
                           "method": method}

    def run(start):
        if method == "float":
            return float_orbit(net, float(to_fraction(start)), steps), None, None
        if method == "exact":
            ex = exact_orbit(net, start, steps)
            vals = [Fraction(int(v.p), int(v.q)) for v in ex]
            mids = np.array([float(v) for v in vals])
            rad = np.array([float(abs(v - Fraction(m))) for v, m in zip(vals, mids)])
            return mids, rad, ex
        orb = ball_orbit(net, start, steps, tol=tol)
        out.setdefault("prec", orb.prec)
        out.setdefault("within_tol", orb.within_tol)
        return orb.mid, orb.radius, orb

    mids, rad, raw = run(x0)
    out["certified"] = method != "float"
    out["orbit"] = mids.tolist()
    if rad is not None:
        out["radius"] = rad.tolist()
        out["radius_meaning"] = "|f^t(x0) - orbit[t]| <= radius[t], proven"
    else:
        out["warning"] = "floating point orbit: NOT certified"
    if args.exact_strings and method == "exact":
        out["orbit_exact"] = [str(v) for v in raw]
    if y0 is not None:
        out["y0"], out["y0_exact"] = args.y0, str(y0)
        ymids, yrad, yraw = run(y0)
        out["orbit_y"] = ymids.tolist()
        if method == "ball":
            dlo, dhi = certified_distances(raw, yraw)
        elif method == "exact":
            dlo = dhi = np.array([float(abs(Fraction(int(a.p), int(a.q)) - Fraction(int(b.p), int(b.q))))
                                  for a, b in zip(raw, yraw)])
        else:
            dlo = dhi = np.abs(mids - ymids)
        out["distance_lo"], out["distance_hi"] = dlo.tolist(), dhi.tolist()
    if net.is_piecewise_linear and steps >= 1:
        lyap = lyapunov_exponent(net, x0, steps, method="exact" if method == "exact" else "ball",
                                 tol=tol)
        out["lyapunov"] = lyap.to_json()
    else:
        out["lyapunov"] = None
    if args.json:
        print(json.dumps(out))
        return 0
    label = {"ball": "certified ball arithmetic", "exact": "exact rationals",
             "float": "FLOATING POINT, NOT CERTIFIED"}[method]
    print(f"orbit of x0 = {args.x0} under f = {args.spec}, {steps} steps ({label})")
    every = args.every or max(1, math.ceil((steps + 1) / 40))
    for t in range(0, steps + 1, every):
        line = f"  t={t:<7} {mids[t]: .17g}"
        if rad is not None:
            line += f"  +- {rad[t]:.3g}"
        if y0 is not None:
            line += f"   |f^t x0 - f^t y0| in [{out['distance_lo'][t]:.6g}, {out['distance_hi'][t]:.6g}]"
        print(line)
    ly = out["lyapunov"]
    if ly is not None:
        print(f"  Lyapunov exponent along the certified orbit: {ly['exponent']} nats/iteration "
              f"(rigorous range [{ly['lower']}, {ly['upper']}])")
        for note in ly["notes"]:
            print(f"  note: {note}")
    if method == "float":
        print("  warning: floating-point orbits of expanding maps lose every digit within ~55 "
              "steps at slope 2; use --method ball or exact")
    return 0


# ------------------------------------------------------------------ registration
def register(subparsers) -> None:
    """Add ``entropy``, ``regions`` and ``orbit`` to an argparse subparsers object.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); register(p.add_subparsers())
    >>> p.parse_args(["regions", "f.json", "--steps", "3"]).steps
    '3'
    """
    p = subparsers.add_parser("entropy", help="rigorous bounds on the topological entropy of a "
                              "scalar PL map (natural log)")
    p.add_argument("spec", help="network JSON file, or - for standard input")
    p.add_argument("--max-iter", required=True, help="use iterates f^n, n = 1..N (N <= 64)")
    p.add_argument("--max-pieces", default="200000",
                   help="stop iterating before an iterate exceeds this many linear pieces")
    p.add_argument("--certificate", default=None, help="write the lower bound's exact witness here")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_entropy)

    p = subparsers.add_parser("regions", help="exact counts of linear pieces and laps of f^t")
    p.add_argument("spec", help="network JSON file, or - for standard input")
    p.add_argument("--steps", required=True, help="T: count f^t for t = 1..T (T <= 64)")
    p.add_argument("--interval", nargs=2, metavar=("LO", "HI"), default=None,
                   help="exact decimals or fractions (default: the invariant interval)")
    p.add_argument("--max-pieces", default="500000")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_regions)

    p = subparsers.add_parser("orbit", help="certified orbit (ball or exact arithmetic), "
                              "distances, Lyapunov exponent")
    p.add_argument("spec", help="network JSON file, or - for standard input")
    p.add_argument("--x0", required=True, help="start, read as an exact decimal or fraction")
    p.add_argument("--y0", default=None, help="second start: certified distances |f^t x0 - f^t y0|")
    p.add_argument("--steps", required=True, help="number of steps T")
    p.add_argument("--method", choices=("ball", "exact", "float"), default="ball")
    p.add_argument("--tol", default="1e-9", help="ball method: target radius")
    p.add_argument("--every", type=int, default=None, help="text output: print every K-th step")
    p.add_argument("--exact-strings", action="store_true",
                   help="with --method exact --json: include the exact rationals")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_orbit)


__all__ = ["register", "cmd_entropy", "cmd_regions", "cmd_orbit"]
