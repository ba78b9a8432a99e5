"""The ``rnnchaos lyapunov`` subcommand: Lyapunov spectrum of a vector RNN map.

::

    rnnchaos lyapunov SPEC.json [--k K] [--steps N] [--transient T] [--qr-interval M] [--json]
    rnnchaos lyapunov --preset NAME --dim D [--gain G | --std S] [--seed S] [--index I] ...
    rnnchaos lyapunov MODEL.pt --torch [--nonlinearity tanh|relu] [--activations relu,identity]
    rnnchaos lyapunov ... --device cpu|cuda|cuda:N [--dtype float64|float32]

SPEC uses the scalar JSON layer format with in = out = d (optional top-level
``leak`` and ``drive``, see :mod:`rnnchaos.networks.vector`).  With ``--torch`` SPEC is
a torch state dict read with ``torch.load(weights_only=True)``.  Presets:
rnn_tanh, rnn_relu, paper_jacobian (two-layer ReLU, the paper's 64-d map),
leaky_tanh; map I of seed S is drawn by the block seeding contract of
:mod:`rnnchaos.networks.vector` (``sample_vector_preset``), the initial state
and frame from ``SeedSequence(S, spawn_key=(I, 1))`` (for a SPEC: ``SeedSequence(S)``).  Exponents are in natural log per
iteration, descending.  ``--json`` prints one object with ``exponents`` and
the diagnostics.  ``--device`` runs the QR method with torch on that device
(:mod:`rnnchaos.dynamics.lyapunov_torch`; default: the NumPy path), in float64 unless
``--dtype float32``.  Bad input raises :class:`rnnchaos.errors.SpecError`
(the main CLI prints one line and exits with status 2).
"""
from __future__ import annotations

import json
from typing import Any

from .._lib.validation import check_array_budget
from ..errors import SpecError
from .options import GAIN_OPTION, int_option

#: float64 arrays of about this many d x d matrices live at once (weights, Jacobian,
#: frame, QR workspace): the size checked against the array budget before drawing.
MATRICES_PER_DIM = 4

DEFAULT_STEPS = 2000
DEFAULT_TRANSIENT = 1000


def register(subparsers) -> None:
    """Add the ``lyapunov`` subcommand to an argparse subparsers object.

    >>> from rnnchaos.cli.options import Parser
    >>> p = Parser(); register(p.add_subparsers(dest="command", parser_class=Parser))
    >>> p.parse_args(["lyapunov", "--preset", "rnn_tanh", "--dim", "8"]).k is None
    True
    """
    from ..networks.vector import VECTOR_PRESETS

    p = subparsers.add_parser(
        "lyapunov", help="Lyapunov spectrum of a vector RNN map (QR method, natural log per step)",
        description="Lyapunov exponents (natural log per iteration, descending) of h -> f(h) on "
                    "R^d by the QR (Benettin) method, with diagnostics and a two-trajectory check.")
    p.add_argument("spec", nargs="?", default=None,
                   help="vector map JSON (layers with in = out = d; optional 'leak', 'drive'), "
                        "- for standard input, or a torch state dict with --torch")
    p.add_argument("--preset", default=None, help=f"one of {', '.join(VECTOR_PRESETS)}")
    p.add_argument("--dim", type=int_option(1), default=None,
                   help="state dimension d (required with --preset)")
    p.add_argument("--gain", type=GAIN_OPTION, default=None,
                   help="multiplies the preset's weight scale (default 1)")
    p.add_argument("--std", type=GAIN_OPTION, default=None,
                   help="weights N(0, std^2) instead of the preset's scheme")
    p.add_argument("--seed", type=int_option(0, 2 ** 128 - 1), default=0,
                   help="root seed (default 0)")
    p.add_argument("--index", type=int_option(0, 2 ** 63 - 1), default=0,
                   help="map number I of the seed's stream (presets)")
    p.add_argument("--steps", type=int_option(1), default=DEFAULT_STEPS, help="measured iterations")
    p.add_argument("--transient", type=int_option(0), default=DEFAULT_TRANSIENT,
                   help="iterations of the state before measuring")
    p.add_argument("--tangent-transient", type=int_option(0), default=None,
                   help="frame warm-up iterations (default min(transient, steps/10, 200))")
    p.add_argument("--qr-interval", type=int_option(1), default=1,
                   help="re-orthonormalize every M steps")
    p.add_argument("--k", type=int_option(1), default=None,
                   help="number of leading exponents (default: all d)")
    p.add_argument("--no-direct", action="store_true",
                   help="skip the two-trajectory check of lambda_max")
    p.add_argument("--torch", action="store_true", help="SPEC is a torch state dict (.pt)")
    p.add_argument("--nonlinearity", default="tanh", help="RNN nonlinearity of a torch state dict")
    p.add_argument("--activations", default=None,
                   help="comma-separated activations of a torch nn.Sequential state dict")
    p.add_argument("--device", default=None,
                   help="run on this torch device: cpu, cuda or cuda:N (default: the NumPy path)")
    p.add_argument("--dtype", default=None,
                   help="float64 (default) or float32, with --device")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress bar on the terminal")
    p.set_defaults(func=cmd_lyapunov)


def _system_from_args(args):
    """(system, description dict, seed sequence for the orbit) from the parsed options."""
    import numpy as np

    from ..networks.vector import (
        build_vector_preset,
        read_vector_spec,
        sample_vector_preset,
    )

    seed, index, dim = args.seed, args.index, args.dim
    if (args.spec is None) == (args.preset is None):
        raise SpecError("spec", "give a SPEC file or --preset NAME (exactly one)")
    if args.preset is not None:
        if dim is None:
            raise SpecError("--dim", "required with --preset")
        if args.torch:
            raise SpecError("--torch", "applies to a SPEC file, not to --preset")
        check_array_budget(MATRICES_PER_DIM * dim * dim, "--dim", f"{MATRICES_PER_DIM} "
                           f"{dim} x {dim} matrices")
        gain, std = args.gain, args.std
        if std is not None and gain is not None:
            raise SpecError("--std", "give --gain or --std, not both")
        preset = build_vector_preset(args.preset, dim, gain=1.0 if gain is None else gain, std=std)
        system = sample_vector_preset(preset, seed, index)
        info = {"preset": preset.describe(), "seed": seed, "index": index}
        return system, info, np.random.SeedSequence(seed, spawn_key=(index, 1))
    for opt in ("gain", "std"):
        if getattr(args, opt) is not None:
            raise SpecError(f"--{opt}", "applies to --preset only")
    if index != 0:
        raise SpecError("--index", "applies to --preset only")
    if args.torch:
        from ..networks.torch_import import load_torch_map
        acts = None if args.activations is None else [a.strip() for a in args.activations.split(",")]
        system = load_torch_map(args.spec, None if acts is None else "sequential",
                                **({"activations": acts} if acts is not None
                                   else {"nonlinearity": args.nonlinearity}))
        if dim is not None and system.dim != dim:
            raise SpecError("--dim", f"--dim {dim} does not match the model's d = {system.dim}")
    else:
        if args.activations is not None:
            raise SpecError("--activations", "applies to --torch only")
        system = read_vector_spec(args.spec, dim)
    return system, {"spec": args.spec, "seed": seed}, np.random.SeedSequence(seed)


def cmd_lyapunov(args) -> int:
    """Handler of ``rnnchaos lyapunov``: prints the exponents (natural log per iteration,
    descending) and diagnostics, as text or one JSON object; returns 0.

    >>> import argparse, contextlib, io, json
    >>> p = argparse.ArgumentParser(); register(p.add_subparsers(dest="command"))
    >>> a = p.parse_args(["lyapunov", "--preset", "rnn_tanh", "--dim", "4", "--steps", "50", "--json"])
    >>> buf = io.StringIO()
    >>> with contextlib.redirect_stdout(buf):
    ...     rc = cmd_lyapunov(a)
    >>> rc, len(json.loads(buf.getvalue())["exponents"])
    (0, 4)
    """
    from ..dynamics.lyapunov import lyapunov_spectrum

    steps, transient, k = args.steps, args.transient, args.k
    tangent, qr_interval = args.tangent_transient, args.qr_interval
    device = getattr(args, "device", None)
    dtype = getattr(args, "dtype", None)
    if dtype is not None and device is None:
        raise SpecError("--dtype", "applies to --device (the torch backend) only")
    if device is not None:  # refuse a missing GPU before reading or drawing anything
        from ..dynamics.lyapunov_torch import resolve_device, resolve_dtype
        try:
            resolve_device(device), resolve_dtype(dtype)
        except SpecError as exc:
            raise SpecError(f"--{exc.field}", exc.problem) from None
    system, info, rng = _system_from_args(args)
    if k is not None and k > system.dim:
        raise SpecError("--k", f"must be <= d = {system.dim}, got {k}")
    res = lyapunov_spectrum(system, steps, k=k, transient=transient, tangent_transient=tangent,
                            qr_interval=qr_interval, rng=rng, direct=not args.no_direct,
                            device=device, dtype=dtype, progress=device is None)
    out = res.to_json()
    out["rng"] = out.pop("seed")
    out = {"system": system.describe(), **info, **out}
    if args.json:
        print(json.dumps(out, allow_nan=False))
        return 0
    print(_text(out))
    return 0


def _fmt(x) -> str:
    return "-inf" if x is None else f"{x:+.6f}"


def _text(o: dict[str, Any]) -> str:
    sysd = o["system"]
    src = f"preset {o['preset']['name']} (d {sysd['dim']}, gain {o['preset']['gain']}, weights " \
          f"{o['preset']['weight_init']}), seed {o['seed']}, index {o['index']}" if "preset" in o \
        else f"{o['spec']}, seed {o['seed']}"
    diag = o["diagnostics"]
    lines = [f"Lyapunov exponents of {sysd['type']} on R^{sysd['dim']}: {src}",
             f"  {o['steps']} steps after {o['transient']} transient + {o['tangent_transient']} "
             f"frame warm-up steps, QR every {o['qr_interval']}, k = {o['k']} of {o['dim']} "
             f"({o['method']} kernel); natural log per iteration"]
    if "backend" in o:
        b = o["backend"]
        lines.append(f"  torch on {b['device']}, {b['dtype']}; Householder fallbacks of the QR "
                     f"kernel: {b['householder_fallbacks']}")
    if o["diverged"]:  # no number of an overflowed orbit is printed as a result
        lines.append("  the orbit overflowed (diverged): no exponent is meaningful (undecided)")
    else:
        minus_inf = set(o["minus_infinity"])
        ex = ["-inf" if i in minus_inf else "undecided" if x is None else f"{x:+.6f}"
              for i, x in enumerate(o["exponents"])]
        for i in range(0, len(ex), 8):
            lines.append("   " + " ".join(f"{e:>10}" for e in ex[i:i + 8]))
        lines.append(f"  lambda_max            {ex[0]}{_direct_text(diag)}")
        if o["sum"] is not None:
            lines.append(f"  sum of exponents      {_fmt(o['sum'])}")
        ky = o["kaplan_yorke_dimension"]
        lines.append(f"  Kaplan-Yorke dim      {'undecided' if ky is None else f'{ky:.4f}'}")
        lines.append(f"  KS entropy bound      {o['ks_entropy_bound']:.6f}  (sum of positive "
                     "exponents)")
    if o["radial_rate"] is not None:
        lines.append(f"  |h| growth rate       {_fmt(o['radial_rate'])}  (positively homogeneous map, "
                     "iterated on the unit sphere)")
    sh, cond = diag["split_half_difference"], diag["cond_max"]
    sh_s = "n/a" if sh is None else f"{sh:.2e}"
    cond_s = "inf" if cond is None else f"{cond:.2e}"
    lines.append(f"  split-half difference {sh_s}, max cond {cond_s}, "
                 f"orthogonality error {diag['orthogonality_error'] or 0:.1e}")
    lines.append(f"  time per step         {1e3 * diag['seconds_per_step']:.3f} ms")
    lines.extend(f"  WARNING: {w}" for w in o["warnings"])
    return "\n".join(lines)


def _direct_text(diag: dict[str, Any]) -> str:
    """The two-trajectory check as text; a difference is printed only when both are finite."""
    agreement = diag["direct_agreement"]
    if agreement is None:
        return ""
    direct, diff = diag["direct_lambda_max"], diag["direct_difference"]
    value = "not finite" if direct is None else f"{direct:+.6f}"
    gap = "" if diff is None else f", difference {abs(diff):.1e}"
    return f"   (two trajectories: {value}{gap}: {agreement.upper()})"
