"""The ``rnnchaos lyapunov`` subcommand: Lyapunov spectrum of a vector RNN map.

::

    rnnchaos lyapunov SPEC.json [--k K] [--steps N] [--transient T] [--qr-interval M] [--json]
    rnnchaos lyapunov --preset NAME --dim D [--gain G | --std S] [--seed S] [--index I] ...
    rnnchaos lyapunov MODEL.pt --torch [--nonlinearity tanh|relu] [--activations relu,identity]
    rnnchaos lyapunov ... --device cpu|cuda|cuda:N [--dtype float64|float32]

SPEC uses the scalar JSON layer format with in = out = d (optional top-level
``leak`` and ``drive``, see :mod:`rnnchaos.vector`).  With ``--torch`` SPEC is
a torch state dict read with ``torch.load(weights_only=True)``.  Presets:
rnn_tanh, rnn_relu, paper_jacobian (two-layer ReLU, the paper's 64-d map),
leaky_tanh; map I of seed S is drawn from ``SeedSequence(S, spawn_key=(I,))``
and the initial state and frame from ``SeedSequence(S, spawn_key=(I, 1))``
(for a SPEC: ``SeedSequence(S)``).  Exponents are in natural log per
iteration, descending.  ``--json`` prints one object with ``exponents`` and
the diagnostics.  ``--device`` runs the QR method with torch on that device
(:mod:`rnnchaos.lyapunov_torch`; default: the NumPy path), in float64 unless
``--dtype float32``.  Bad input raises :class:`rnnchaos.errors.SpecError`
(the main CLI prints one line and exits with status 2).
"""
from __future__ import annotations

import json
import math
from typing import Any

from .errors import SpecError

DEFAULT_STEPS = 2000
DEFAULT_TRANSIENT = 1000


def _int(value: Any, name: str, minimum: int) -> int | None:
    if value is None:
        return None
    try:
        out = int(value)
    except (TypeError, ValueError):
        raise SpecError(name, f"must be an integer, got {value!r}") from None
    if out < minimum:
        raise SpecError(name, f"must be >= {minimum}, got {out}")
    return out


def _float(value: Any, name: str) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise SpecError(name, f"must be a number, got {value!r}") from None
    if not math.isfinite(out) or out <= 0:
        raise SpecError(name, f"must be a finite number > 0, got {value!r}")
    return out


def register(subparsers) -> None:
    """Add the ``lyapunov`` subcommand to an argparse subparsers object.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); register(p.add_subparsers(dest="command"))
    >>> p.parse_args(["lyapunov", "--preset", "rnn_tanh", "--dim", "8"]).k is None
    True
    """
    from .vector import VECTOR_PRESETS

    p = subparsers.add_parser(
        "lyapunov", help="Lyapunov spectrum of a vector RNN map (QR method, natural log per step)",
        description="Lyapunov exponents (natural log per iteration, descending) of h -> f(h) on "
                    "R^d by the QR (Benettin) method, with diagnostics and a two-trajectory check.")
    p.add_argument("spec", nargs="?", default=None,
                   help="vector map JSON (layers with in = out = d; optional 'leak', 'drive'), "
                        "- for standard input, or a torch state dict with --torch")
    p.add_argument("--preset", default=None, help=f"one of {', '.join(VECTOR_PRESETS)}")
    p.add_argument("--dim", default=None, help="state dimension d (required with --preset)")
    p.add_argument("--gain", default=None, help="multiplies the preset's weight scale (default 1)")
    p.add_argument("--std", default=None, help="weights N(0, std^2) instead of the preset's scheme")
    p.add_argument("--seed", default="0", help="root seed (default 0)")
    p.add_argument("--index", default="0", help="map number I of the seed's stream (presets)")
    p.add_argument("--steps", default=str(DEFAULT_STEPS), help="measured iterations")
    p.add_argument("--transient", default=str(DEFAULT_TRANSIENT),
                   help="iterations of the state before measuring")
    p.add_argument("--tangent-transient", default=None,
                   help="frame warm-up iterations (default min(transient, steps/10, 200))")
    p.add_argument("--qr-interval", default="1", help="re-orthonormalize every M steps")
    p.add_argument("--k", default=None, help="number of leading exponents (default: all d)")
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
    p.set_defaults(func=cmd_lyapunov)


def _system_from_args(args):
    """(system, description dict, seed sequence for the orbit) from the parsed options."""
    import numpy as np

    from .vector import build_vector_preset, read_vector_spec, sample_vector_preset

    seed = _int(args.seed, "--seed", 0)
    index = _int(args.index, "--index", 0)
    dim = _int(args.dim, "--dim", 1)
    if (args.spec is None) == (args.preset is None):
        raise SpecError("spec", "give a SPEC file or --preset NAME (exactly one)")
    if args.preset is not None:
        if dim is None:
            raise SpecError("--dim", "required with --preset")
        if args.torch:
            raise SpecError("--torch", "applies to a SPEC file, not to --preset")
        gain = _float(args.gain, "--gain")
        std = _float(args.std, "--std")
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
        from .torch_import import load_torch_map
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
    from .lyapunov import lyapunov_spectrum

    steps = _int(args.steps, "--steps", 1)
    transient = _int(args.transient, "--transient", 0)
    tangent = _int(args.tangent_transient, "--tangent-transient", 0)
    qr_interval = _int(args.qr_interval, "--qr-interval", 1)
    k = _int(args.k, "--k", 1)
    device = getattr(args, "device", None)
    dtype = getattr(args, "dtype", None)
    if dtype is not None and device is None:
        raise SpecError("--dtype", "applies to --device (the torch backend) only")
    if device is not None:  # refuse a missing GPU before reading or drawing anything
        from .lyapunov_torch import resolve_device, resolve_dtype
        try:
            resolve_device(device), resolve_dtype(dtype)
        except SpecError as exc:
            raise SpecError(f"--{exc.field}", exc.problem) from None
    system, info, rng = _system_from_args(args)
    if k is not None and k > system.dim:
        raise SpecError("--k", f"must be <= d = {system.dim}, got {k}")
    res = lyapunov_spectrum(system, steps, k=k, transient=transient, tangent_transient=tangent,
                            qr_interval=qr_interval, rng=rng, direct=not args.no_direct,
                            device=device, dtype=dtype)
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
    ex = [_fmt(None if x is None else x) for x in o["exponents"]]
    for i in range(0, len(ex), 8):
        lines.append("   " + " ".join(f"{e:>10}" for e in ex[i:i + 8]))
    if o["diverged"]:
        lines.append("  the orbit overflowed (diverged): exponents are not meaningful")
    d = diag["direct_lambda_max"]
    lines.append(f"  lambda_max            {_fmt(o['lambda_max'])}"
                 + ("" if d is None else f"   (two trajectories: {_fmt(d)}, difference "
                    f"{abs(diag['direct_difference'] or 0):.1e})"))
    if o["sum"] is not None:
        lines.append(f"  sum of exponents      {_fmt(o['sum'])}")
    ky = o["kaplan_yorke_dimension"]
    lines.append(f"  Kaplan-Yorke dim      {'undecided (k < d)' if ky is None else f'{ky:.4f}'}")
    lines.append(f"  KS entropy bound      {o['ks_entropy_bound']:.6f}  (sum of positive exponents)")
    if o["radial_rate"] is not None:
        lines.append(f"  |h| growth rate       {_fmt(o['radial_rate'])}  (positively homogeneous map, "
                     "iterated on the unit sphere)")
    sh, cond = diag["split_half_difference"], diag["cond_max"]
    sh_s = "n/a" if sh is None else f"{sh:.2e}"
    cond_s = "inf" if cond is None else f"{cond:.2e}"
    lines.append(f"  split-half difference {sh_s}, max cond {cond_s}, "
                 f"orthogonality error {diag['orthogonality_error'] or 0:.1e}")
    lines.append(f"  time per step         {1e3 * diag['seconds_per_step']:.3f} ms")
    return "\n".join(lines)
