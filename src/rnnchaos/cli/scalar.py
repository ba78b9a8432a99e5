"""Subcommands for scalar maps: ``entropy``, ``regions``, ``orbit``.

``register(subparsers)`` adds them to the main parser.  Handlers return an exit
code; bad input raises :class:`~rnnchaos.errors.SpecError` naming the option.

* ``rnnchaos entropy SPEC --max-iter N [--json] [--certificate FILE]``: rigorous
  lower/upper bounds on the topological entropy (natural log) with evidence.
* ``rnnchaos regions SPEC --steps T [--interval LO HI] [--json]``: exact numbers
  of linear pieces and laps of f^t, t = 1..T (default interval: the invariant one);
  for smooth maps (tanh, sigmoid) certified laps only (:mod:`rnnchaos.certified.laps`),
  pieces n/a, with the first undecided step and its reason.
* ``rnnchaos orbit SPEC --x0 X --steps T [--y0 Y] [--method ball|exact|float]
  [--json]``: a certified orbit (and distances to the orbit of y0), with the
  Lyapunov exponent along it (``"lyapunov"`` in the JSON output).
"""
from __future__ import annotations

import json
import math
from typing import Any

from ..errors import ResourceLimitError, SpecError
from .options import int_option, number_option, real_option

#: Default --max-pieces of each command (iterates and f itself are refused beyond it).
DEFAULT_MAX_PIECES = {"entropy": 200_000, "regions": 500_000, "orbit": 500_000}
#: Size bound of an exact orbit (bits over all its points): about ten seconds of work.
EXACT_ORBIT_BITS = 2 ** 26


def load_scalar_map(spec: str, max_pieces: int):
    """(network, exact PL form or None for tanh/sigmoid) of SPEC; building the PL form
    is refused beyond ``max_pieces`` pieces, naming the option that raises the limit."""
    from ..exact.pl import PiecewiseLinear
    from ..networks.model import ScalarRNN

    net = ScalarRNN.from_file(spec)
    if not net.is_piecewise_linear:
        return net, None
    try:
        return net, PiecewiseLinear.from_network(net, max_pieces)
    except ResourceLimitError as exc:
        raise ResourceLimitError(f"{exc}; raise --max-pieces to allow more") from None


def finite_or_none(values) -> list[float | None]:
    """Floats for JSON: a value that is not a finite double becomes null (valid JSON)."""
    return [float(v) if math.isfinite(v) else None for v in values]


# ------------------------------------------------------------------ entropy
def _smooth_entropy(net, args) -> int:
    from ..certified.entropy import smooth_entropy_bounds

    if args.certificate is not None:
        raise SpecError("--certificate", "certificates are written for piecewise-linear maps only")
    out = smooth_entropy_bounds(net, args.max_iter)
    out["spec"] = args.spec
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"topological entropy of f = {args.spec}  (natural log, certified, smooth map)")
    print(f"  lower = {out['lower']!r}  evidence: {out['lower_evidence']['description']}")
    print(f"  upper = {out['upper']!r}  evidence: {out['upper_evidence']['description']}")
    if out.get("laps"):
        lo, hi = out["laps_interval"]
        laps = ", ".join("undecided" if n is None else str(n) for n in out["laps"])
        print(f"  certified laps of f^n on K = [{lo}, {hi}] (f(K) inside K), n = 1..: [{laps}]")
    for note in out["notes"]:
        print(f"  note: {note}")
    return 0


def cmd_entropy(args) -> int:
    """Handler of ``rnnchaos entropy SPEC --max-iter N [--json]``: prints ``lower`` and ``upper``
    (nats per iteration) and their evidence; returns 0.  Example: ``rnnchaos entropy
    examples/tent.json --max-iter 8 --json``."""
    from .._lib.atomic import atomic_write_bytes, check_output_file
    from ..exact.entropy import entropy_bounds

    certificate = None
    if args.certificate is not None:  # checked before the work, written after it
        certificate = check_output_file(args.certificate, "--certificate")
    net, pl = load_scalar_map(args.spec, args.max_pieces)
    if pl is None:  # tanh / sigmoid: certified ball-arithmetic bounds
        return _smooth_entropy(net, args)
    res = entropy_bounds(pl, args.max_iter, max_pieces=args.max_pieces)
    cert = res.lower_evidence.certificate
    if certificate is not None:
        if cert is None:
            raise SpecError("--certificate", "the lower bound is the trivial 0: no certificate")
        atomic_write_bytes(certificate, json.dumps(cert).encode())
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
              "check it with rnnchaos.exact.entropy.verify_lower_certificate")
    return 0


def _f(x) -> float:
    from ..exact.pl import q, to_fraction
    return float(to_fraction(q(x)))


# ------------------------------------------------------------------ regions
def cmd_regions(args) -> int:
    """Handler of ``rnnchaos regions SPEC --steps T [--interval LO HI] [--json]``: exact
    ``pieces`` and ``laps`` of f^t, t = 1..T; returns 0.  Example: ``rnnchaos regions
    examples/tent.json --steps 6 --json`` gives laps [2, 4, ..., 64]."""
    from ..exact.regions import region_counts
    from ..studies.expressivity import LOG_2, LOG_PHI, fit_growth

    steps = args.steps
    interval = None
    if args.interval is not None:
        lo, hi = args.interval
        if not lo.exact < hi.exact:
            raise SpecError("--interval", f"need LO < HI, got {lo.text} {hi.text}")
        interval = (str(lo.exact), str(hi.exact))
    net, pl = load_scalar_map(args.spec, args.max_pieces)
    if pl is None:  # tanh / sigmoid: certified laps, no pieces
        return _smooth_regions(net, args, None if args.interval is None
                               else (args.interval[0].exact, args.interval[1].exact))
    rc = region_counts(pl, steps, interval, max_pieces=args.max_pieces)
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


def _smooth_regions(net, args, interval) -> int:
    """``regions`` for a smooth map: certified laps of f^t (pieces are not defined)."""
    from ..certified.laps import MAX_TURNING, certified_laps
    from ..studies.expressivity import LOG_2, LOG_PHI, fit_growth

    try:  # --max-pieces bounds the turning points too (each costs ball arithmetic)
        rc = certified_laps(net, args.steps, interval,
                            max_turning=min(args.max_pieces, MAX_TURNING))
    except SpecError as exc:  # the library names its argument; the user typed --interval
        if exc.field != "interval":
            raise
        raise SpecError("--interval", exc.problem) from None
    decided = rc.decided
    fit = fit_growth(decided, 2 if len(decided) >= 3 else 1) if decided else None
    if args.json:
        out = rc.to_json()
        out["spec"] = args.spec
        out["growth"] = {"pieces": None, "laps": None if fit is None else fit.to_json()}
        out["growth_note"] = ("least-squares fit of log laps on t (t >= 2) over the certified "
                              "steps, natural log per step; floating point, descriptive")
        print(json.dumps(out))
        return 0
    print(f"laps of f^t on [{rc.lo!r}, {rc.hi!r}] (certified, ball arithmetic; smooth map: "
          f"pieces n/a), f = {args.spec}")
    print(f"  {'t':>3} {'pieces':>12} {'laps':>12} {'phi^t':>12} {'2^t':>12}")
    phi = (1 + math.sqrt(5)) / 2
    for t in range(1, args.steps + 1):
        n = rc.laps[t - 1]
        print(f"  {t:>3} {'n/a':>12} {'undecided' if n is None else n:>12} {phi ** t:>12.1f} "
              f"{2 ** t:>12}")
    if rc.undecided_from is not None:
        print(f"  undecided from t = {rc.undecided_from}: {rc.reason}")
    if fit is not None:
        se = f" +- {fit.stderr:.3g}" if fit.stderr is not None else ""
        print(f"  growth of laps: {fit.rate:.4f}{se} nats/step (x{fit.base:.3f} per step; "
              f"log phi = {LOG_PHI:.4f}, log 2 = {LOG_2:.4f}) [float fit]")
    for note in rc.notes:
        print(f"  note: {note}")
    return 0


# ------------------------------------------------------------------ orbit
def _to_double(value) -> float:
    """An exact rational (Fraction or fmpq) rounded to a double; +-inf beyond the range."""
    from fractions import Fraction
    frac = value if isinstance(value, Fraction) else Fraction(int(value.p), int(value.q))
    try:
        return float(frac)
    except OverflowError:
        return math.inf if frac > 0 else -math.inf


def _run_orbit(f, start, steps: int, method: str, tol: float, out: dict):
    """(doubles, radii or None, raw orbit) of one start: radii bound |f^t(x0) - double[t]|."""
    import numpy as np

    from ..exact.orbits import ball_orbit, exact_orbit, float_orbit
    from ..exact.pl import q

    if method == "float":
        with np.errstate(over="ignore", invalid="ignore"):
            return float_orbit(f, _to_double(start), steps), None, None
    if method == "exact":
        exact = exact_orbit(f, start, steps, max_bits=EXACT_ORBIT_BITS)
        mids = np.array([_to_double(v) for v in exact])
        rad = np.array([_double_at_least(abs(v - q(m))) if math.isfinite(m) else math.inf
                        for v, m in zip(exact, mids)])
        return mids, rad, exact
    orb = ball_orbit(f, start, steps, tol=tol)
    out.setdefault("prec", orb.prec)
    out.setdefault("within_tol", orb.within_tol)
    with np.errstate(invalid="ignore", over="ignore"):
        return orb.mid, orb.radius, orb


def _double_at_least(value) -> float:
    """The smallest double >= the exact non-negative rational ``value`` (a proven bound)."""
    from ..exact.pl import q
    out = _to_double(value)
    return math.nextafter(out, math.inf) if math.isfinite(out) and q(out) < value else out


def _double_at_most(value) -> float:
    """The largest double <= the exact non-negative rational ``value``."""
    from ..exact.pl import q
    out = _to_double(value)
    return math.nextafter(out, -math.inf) if math.isfinite(out) and q(out) > value else out


def _first_overflow(*arrays) -> int | None:
    """First step t where some array holds a value that is not a finite double."""
    bad = [t for arr in arrays if arr is not None
           for t, v in enumerate(arr) if not math.isfinite(v)]
    return min(bad) if bad else None


def _distances(method: str, raw, yraw, mids, ymids):
    import numpy as np

    from ..exact.orbits import certified_distances
    if method == "ball":
        return certified_distances(raw, yraw)
    if method == "exact":  # rounded outward: d_lo <= |f^t x0 - f^t y0| <= d_hi, proven
        gaps = [abs(a - b) for a, b in zip(raw, yraw)]
        return (np.array([_double_at_most(g) for g in gaps]),
                np.array([_double_at_least(g) for g in gaps]))
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.abs(mids - ymids)
    return d, d


def cmd_orbit(args) -> int:
    """Handler of ``rnnchaos orbit SPEC --x0 X --steps T [--y0 Y] [--method M] [--json]``:
    certified orbit (values with proven radii), distances, and ``lyapunov`` (nats per
    iteration); returns 0.  Example: ``rnnchaos orbit examples/tent.json --x0 0.175421
    --steps 150 --json``.

    Values that are not finite doubles (an orbit escaping beyond ~1.8e308) are never
    printed as certified: they are ``null`` in the JSON, ``overflow`` in the text, and
    ``certified_steps`` says how many leading steps are certified finite values.
    """
    from ..exact.lyapunov import lyapunov_exponent

    steps, method, x0, y0 = args.steps, args.method, args.x0, args.y0
    net, pl = load_scalar_map(args.spec, args.max_pieces)
    f = pl if pl is not None else net
    if method == "exact" and pl is None:
        raise SpecError("--method", "exact orbits need piecewise-linear activations; use ball")
    out: dict[str, Any] = {"spec": args.spec, "x0": x0.text, "x0_exact": str(x0.exact),
                           "steps": steps, "method": method}
    mids, rad, raw = _run_orbit(f, x0.exact, steps, method, args.tol, out)
    arrays = [mids, rad]
    if y0 is not None:
        out["y0"], out["y0_exact"] = y0.text, str(y0.exact)
        ymids, yrad, yraw = _run_orbit(f, y0.exact, steps, method, args.tol, out)
        dlo, dhi = _distances(method, raw, yraw, mids, ymids)
        arrays += [ymids, yrad, dlo, dhi]
        out["orbit_y"] = finite_or_none(ymids)
        out["distance_lo"], out["distance_hi"] = finite_or_none(dlo), finite_or_none(dhi)
    overflow = _first_overflow(*arrays)
    out["certified"] = method != "float" and overflow is None
    out["certified_steps"] = 0 if method == "float" else (steps + 1 if overflow is None else overflow)
    out["orbit"] = finite_or_none(mids)
    if overflow is not None:
        out["overflow"] = {"first_step": overflow, "note": "from this step on a value or radius "
                           "is not a finite double (|f^t| beyond ~1.8e308): null, not certified"}
    if rad is not None:
        out["radius"] = finite_or_none(rad)
        out["radius_meaning"] = "|f^t(x0) - orbit[t]| <= radius[t], proven (null: overflow)"
    else:
        out["warning"] = "floating point orbit: NOT certified"
    if args.exact_strings and method == "exact":
        out["orbit_exact"] = [str(v) for v in raw]
    out["lyapunov"] = None
    if pl is not None and steps >= 1:
        out["lyapunov"] = lyapunov_exponent(pl, x0.exact, steps, tol=args.tol,
                                            method="exact" if method == "exact" else "ball",
                                            max_bits=EXACT_ORBIT_BITS).to_json()
    if args.json:
        print(json.dumps(out, allow_nan=False))
        return 0
    print(_orbit_text(out, args))
    return 0


def _num_text(value, fmt: str) -> str:
    return "overflow" if value is None else format(value, fmt)


def _orbit_text(out: dict, args) -> str:
    steps, method = out["steps"], out["method"]
    label = {"ball": "certified ball arithmetic", "exact": "exact rationals",
             "float": "FLOATING POINT, NOT CERTIFIED"}[method]
    lines = [f"orbit of x0 = {out['x0']} under f = {out['spec']}, {steps} steps ({label})"]
    every = args.every or max(1, math.ceil((steps + 1) / 40))
    for t in range(0, steps + 1, every):
        line = f"  t={t:<7} {_num_text(out['orbit'][t], ' .17g')}"
        if "radius" in out:
            line += f"  +- {_num_text(out['radius'][t], '.3g')}"
        if "distance_lo" in out:
            line += (f"   |f^t x0 - f^t y0| in [{_num_text(out['distance_lo'][t], '.6g')}, "
                     f"{_num_text(out['distance_hi'][t], '.6g')}]")
        lines.append(line)
    if "overflow" in out:
        lines.append(f"  overflow from step {out['overflow']['first_step']}: values beyond the "
                     "largest double are not printed and not certified")
    ly = out["lyapunov"]
    if ly is not None:
        lines.append(f"  Lyapunov exponent along the certified orbit: {ly['exponent']} "
                     f"nats/iteration (rigorous range [{ly['lower']}, {ly['upper']}])")
        lines.extend(f"  note: {note}" for note in ly["notes"])
    if method == "float":
        lines.append("  warning: floating-point orbits of expanding maps lose every digit within "
                     "~55 steps at slope 2; use --method ball or exact")
    return "\n".join(lines)


# ------------------------------------------------------------------ registration
def register(subparsers) -> None:
    """Add ``entropy``, ``regions`` and ``orbit`` to an argparse subparsers object.

    >>> from rnnchaos.cli.options import Parser
    >>> p = Parser(); register(p.add_subparsers(parser_class=Parser))
    >>> p.parse_args(["regions", "f.json", "--steps", "3", "--interval", "-1/2", "1"]).interval[0]
    UserNumber(text='-1/2', exact=Fraction(-1, 2))
    """
    from ..exact.entropy import MAX_ITER
    from ..exact.orbits import MAX_STEPS as MAX_ORBIT_STEPS
    from ..exact.regions import MAX_STEPS

    def max_pieces_option(p, command):
        p.add_argument("--max-pieces", type=int_option(1, 10 ** 9),
                       default=DEFAULT_MAX_PIECES[command],
                       help="refuse f or an iterate with more linear pieces "
                            f"(default {DEFAULT_MAX_PIECES[command]:,})")

    p = subparsers.add_parser("entropy", help="rigorous bounds on the topological entropy of a "
                              "scalar map (natural log; PL exact, smooth certified)")
    p.add_argument("spec", help="network JSON file, or - for standard input")
    p.add_argument("--max-iter", type=int_option(1, MAX_ITER), required=True,
                   help=f"use iterates f^n, n = 1..N (N <= {MAX_ITER})")
    max_pieces_option(p, "entropy")
    p.add_argument("--certificate", default=None, help="write the lower bound's exact witness here")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_entropy)

    p = subparsers.add_parser("regions", help="exact counts of linear pieces and laps of f^t "
                              "(smooth maps: certified laps)")
    p.add_argument("spec", help="network JSON file, or - for standard input")
    p.add_argument("--steps", type=int_option(1, MAX_STEPS), required=True,
                   help=f"T: count f^t for t = 1..T (T <= {MAX_STEPS})")
    p.add_argument("--interval", nargs=2, metavar=("LO", "HI"), type=number_option(), default=None,
                   help="exact decimals or fractions, e.g. -1/2 1 (default: the invariant interval)")
    max_pieces_option(p, "regions")  # smooth maps: turning points, at most laps.MAX_TURNING
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_regions)

    p = subparsers.add_parser("orbit", help="certified orbit (ball or exact arithmetic), "
                              "distances, Lyapunov exponent")
    p.add_argument("spec", help="network JSON file, or - for standard input")
    p.add_argument("--x0", type=number_option(), required=True,
                   help="start, read as an exact decimal or fraction (-1/3, -1e-3, 0.175421)")
    p.add_argument("--y0", type=number_option(), default=None,
                   help="second start: certified distances |f^t x0 - f^t y0|")
    p.add_argument("--steps", type=int_option(0, MAX_ORBIT_STEPS), required=True,
                   help="number of steps T")
    p.add_argument("--method", choices=("ball", "exact", "float"), default="ball")
    p.add_argument("--tol", type=real_option(positive=True), default="1e-9",
                   help="ball method: target radius")
    p.add_argument("--every", type=int_option(1), default=None,
                   help="text output: print every K-th step")
    p.add_argument("--exact-strings", action="store_true",
                   help="with --method exact --json: include the exact rationals")
    max_pieces_option(p, "orbit")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_orbit)


__all__ = ["register", "cmd_entropy", "cmd_regions", "cmd_orbit"]
