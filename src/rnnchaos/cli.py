"""Command-line interface: a thin layer over the library.

Exit status 0 on success, 2 on bad input (one line on stderr naming the field).
"""
from __future__ import annotations

import argparse
import json
import sys

from .errors import RnnchaosError, SpecError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, exit status 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _cmd_analyze(args) -> int:
    from .model import ScalarRNN
    from .periodic import check_max_period, periodic_orbits
    from .report import periodic_summary

    check_max_period(args.max_period)  # refuse before reading anything big
    net = ScalarRNN.from_file(args.spec)
    if not net.is_piecewise_linear:  # tanh / sigmoid: the certified ball-arithmetic engine
        from .certified import certified_orbits, smooth_summary
        rep = certified_orbits(net, args.max_period)
        print(json.dumps(rep.to_json()) if args.json else smooth_summary(rep, f"f = {args.spec}"))
        return 0
    rep = periodic_orbits(net, args.max_period, max_pieces=args.max_pieces)
    if args.json:
        print(json.dumps(rep.to_json()))
    else:
        print(periodic_summary(rep, title=f"f = {args.spec}"))
    return 0


def _cmd_sample(args) -> int:
    from .presets import sample_preset

    preset = preset_from_args(args)
    print(sample_preset(preset, args.seed, args.index).to_json())
    return 0


def _cmd_demo(args) -> int:
    """The main job for now: the paper's tent map and a freshly sampled He network."""
    import numpy as np

    from .model import ScalarRNN
    from .periodic import periodic_orbits, verify_certificate
    from .presets import build_preset, sample_preset
    from .report import periodic_summary

    tent = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "relu"},
        {"weight": [[2.0, -4.0]], "bias": [0.0], "activation": "identity"}]})
    print("== The paper's tent map T(x) = 2 relu(x) - 4 relu(x - 1/2) ==")
    rep = periodic_orbits(tent, 6)
    print(periodic_summary(rep, title="T"))
    print(f"  certificate re-checked independently: {verify_certificate(tent, rep.li_yorke_certificate)}")
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy % 2**63)
    preset = build_preset("paper_he", args.width)
    net = sample_preset(preset, seed, 0)
    print(f"\n== A fresh He network (preset paper_he, width {args.width}, seed {seed}, index 0) ==")
    print(f"  draw it again: rnnchaos sample --preset paper_he --width {args.width} --seed {seed}")
    rep = periodic_orbits(net, 6)
    print(periodic_summary(rep, title="f"))
    if rep.li_yorke_certificate is not None:
        print(f"  certificate re-checked independently: "
              f"{verify_certificate(net, rep.li_yorke_certificate)}")
    return 0


def _cmd_estimate(args) -> int:
    from .montecarlo import estimate

    preset = preset_from_args(args)
    if (args.n is None) == (args.ci_halfwidth is None):
        raise SpecError("--n", "give exactly one of --n and --ci-halfwidth")
    progress = None
    if sys.stderr.isatty():
        def progress(done, total):
            sys.stderr.write(f"\restimate: {done} networks" + (f" / {total}" if total else ""))
    est = estimate(preset, args.seed, n=args.n, ci_halfwidth=args.ci_halfwidth,
                   criteria=args.criteria, entropy_max_period=args.entropy_max_period,
                   max_n=args.max_n, workers=args.workers, progress=progress)
    if progress:
        sys.stderr.write("\n")
    if args.json:
        print(json.dumps(est.to_json()))
        return 0
    d = est.preset
    print(f"preset {d['name']} width {d['width']} ({d['flavour']}, activation "
          f"{d['activation']}, clip {d['clip']}, depth {d['depth']}, gain {d['gain']}), "
          f"seed {est.seed}, networks 0..{est.n - 1}")
    for c, e in est.criteria.items():
        und = f"  ({e.undecided} undecided, counted apart; bound)" if e.undecided else ""
        print(f"  {c:<17} {e.count:>8} / {e.n:<8} p = {e.p:.4f}  95% CI [{e.ci_low:.4f}, "
              f"{e.ci_high:.4f}]{und}")
    return 0


def _cmd_sweep(args) -> int:
    from .sweep import make_config, run_sweep

    cfg = make_config(args.preset, args.widths, args.gains, args.n, args.seed,
                      criteria=args.criteria, activation=args.activation, clip=args.clip,
                      depth=args.depth, flavour=args.flavour,
                      entropy_max_period=args.entropy_max_period, chunk_size=args.chunk_size,
                      per_network=args.per_network)
    try:
        path = run_sweep(cfg, args.out, workers=args.workers)
    except KeyboardInterrupt:
        print(f"rnnchaos sweep: interrupted; finished chunks are saved in {args.out}: run the "
              "same command again to resume", file=sys.stderr)
        return 130
    print(f"wrote {path} and {path.parent / 'manifest.json'}")
    return 0


def _cmd_reproduce(args) -> int:
    from .reproduce import reproduce

    mode = "full" if args.full else "quick"
    try:
        path = reproduce(args.out, mode=mode, seed=args.seed, workers=args.workers)
    except KeyboardInterrupt:
        print(f"rnnchaos reproduce: interrupted; run the same command again to resume "
              f"(finished chunks are kept in {args.out})", file=sys.stderr)
        return 130
    print(f"wrote {path}")
    return 0


def _add_run_args(p: argparse.ArgumentParser) -> None:
    from .montecarlo import CRITERIA
    p.add_argument("--seed", type=_nonneg_int("--seed"), required=True)
    p.add_argument("--criteria", default=",".join(CRITERIA),
                   help=f"comma-separated subset of {','.join(CRITERIA)}")
    p.add_argument("--entropy-max-period", type=_positive_int("--entropy-max-period"), default=6,
                   help="positive_entropy looks for a non-power-of-2 period up to this bound")
    p.add_argument("--workers", type=_positive_int("--workers"), default=1,
                   help="worker processes (BLAS pinned to one thread each)")


def preset_from_args(args):
    """Build the Preset named by the shared preset options (--preset, --width, ...)."""
    from .presets import build_preset

    return build_preset(args.preset, args.width, activation=args.activation, clip=args.clip,
                        depth=args.depth, flavour=args.flavour, gain=args.gain)


def add_preset_args(p: argparse.ArgumentParser, multiple: bool = False) -> None:
    """The preset options shared by sample, estimate and sweep."""
    from .presets import FLAVOURS, PRESET_ACTIVATIONS

    p.add_argument("--preset", required=True, help="paper_a, paper_row1, paper_he, paper_he_u, "
                   "paper_normal_k or paper_glorot")
    p.add_argument("--width", type=_positive_int("--width"), required=True, help="hidden width k")
    p.add_argument("--activation", choices=PRESET_ACTIVATIONS, default="relu")
    p.add_argument("--clip", action="store_true", help="clip the output pre-activation to [0, 1]")
    p.add_argument("--depth", type=int, choices=(2, 3), default=2)
    p.add_argument("--flavour", choices=FLAVOURS, default="as_coded")
    p.add_argument("--gain", type=float, default=1.0, help="multiplies every weight/bias scale")


def _int_at_least(minimum: int):
    """argparse type: an integer >= minimum, with a one-line error naming the option."""
    def for_option(name):
        def parse(text):
            try:
                value = int(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
            if value < minimum:
                raise argparse.ArgumentTypeError(f"{name} must be >= {minimum}, got {value}")
            return value
        return parse
    return for_option


_nonneg_int = _int_at_least(0)
_positive_int = _int_at_least(1)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rnnchaos", description="Measure and certify chaos in RNN maps.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("analyze", help="exact periodic orbits, Li-Yorke certificate of a scalar map")
    p.add_argument("spec", help="network JSON file, or - for standard input")
    p.add_argument("--max-period", type=_positive_int("--max-period"), required=True,
                   help="find all orbits of minimal period <= N")
    p.add_argument("--max-pieces", type=_positive_int("--max-pieces"), default=None,
                   help="refuse iterates with more linear pieces (default 4,000,000)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("sample", help="print the spec of network I of a preset's seeded stream")
    add_preset_args(p)
    p.add_argument("--seed", type=_nonneg_int("--seed"), required=True)
    p.add_argument("--index", type=_nonneg_int("--index"), default=0,
                   help="network number I: drawn from SeedSequence(seed, spawn_key=(I,))")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("estimate", help="P(chaos criteria) over random networks, 95%% Wilson CIs")
    add_preset_args(p)
    _add_run_args(p)
    p.add_argument("--n", type=_positive_int("--n"), default=None, help="number of networks")
    p.add_argument("--ci-halfwidth", type=float, default=None,
                   help="sample adaptively until every 95%% CI half-width is at most H")
    p.add_argument("--max-n", type=_positive_int("--max-n"), default=10_000_000)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_estimate)

    p = sub.add_parser("sweep", help="grid over preset x width x gain, resumable, Parquet output")
    p.add_argument("--preset", required=True, help="comma-separated preset names")
    p.add_argument("--widths", required=True, help="comma-separated widths, e.g. 2,4,64")
    p.add_argument("--gains", default="1", help="comma-separated gains (default 1)")
    p.add_argument("--n", type=_positive_int("--n"), required=True, help="networks per cell")
    p.add_argument("--out", required=True, help="output directory (resumed if it exists)")
    p.add_argument("--activation", choices=("relu", "tanh"), default="relu")
    p.add_argument("--clip", action="store_true")
    p.add_argument("--depth", type=int, choices=(2, 3), default=2)
    p.add_argument("--flavour", choices=("as_coded", "as_labelled"), default="as_coded")
    p.add_argument("--chunk-size", type=_positive_int("--chunk-size"), default=4096)
    p.add_argument("--per-network", action="store_true", help="also write networks.parquet")
    _add_run_args(p)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("reproduce", help="the paper's experiments, exact and faithful, as an "
                       "HTML report (resumable)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small samples, < 5 min (default)")
    mode.add_argument("--full", action="store_true", help="10,000 networks per table cell")
    p.add_argument("--out", default="rnnchaos-report", help="output directory")
    p.add_argument("--seed", type=_nonneg_int("--seed"), default=2022)
    p.add_argument("--workers", type=_positive_int("--workers"), default=None)
    p.set_defaults(func=_cmd_reproduce)

    from . import cli_scalar, cli_vector  # subcommands beside their library modules
    cli_scalar.register(sub)
    cli_vector.register(sub)

    p = sub.add_parser("demo", help="analyze the tent map and a fresh He network (the main job)")
    p.add_argument("--seed", type=_nonneg_int("--seed"), default=None,
                   help="seed of the He network (default: fresh, printed)")
    p.add_argument("--width", type=_positive_int("--width"), default=2)
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "max_pieces", 0) is None:
        from .periodic import MAX_PIECES
        args.max_pieces = MAX_PIECES
    try:
        return args.func(args)
    except RnnchaosError as exc:
        print(f"rnnchaos {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("rnnchaos: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
