"""Command-line interface: a thin layer over the library.

Exit status 0 on success, 2 on bad input (one line on stderr naming the field).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

from .._lib.atomic import check_output_dir
from .._lib.validation import check_array_budget
from ..errors import RnnchaosError, SpecError, TaskFailedError
from .options import (
    EXIT_BAD_INPUT,
    EXIT_TASK_FAILED,
    GAIN_OPTION,
    MAX_GAIN,
    Parser,
    int_option,
    list_option,
    real_option,
)

#: Default piece limit of analyze while f is built from its layers (--max-pieces sets both).
ANALYZE_F_PIECES = 200_000


def preset_parameter_count(width: int, depth: int) -> int:
    """Weights and biases of one preset network: 1 -> k [-> k] -> 1."""
    middle = width * width + width if depth == 3 else 0
    return 3 * width + 1 + middle


def _cmd_analyze(args) -> int:
    from ..exact.periodic import MAX_PIECES, check_max_period, periodic_orbits
    from ..reporting.text import periodic_summary
    from .scalar import load_scalar_map

    check_max_period(args.max_period)  # refuse before reading anything big
    # f itself is built under a smaller default limit than its iterates: building a
    # million-piece f from its layers takes minutes, which looks like a hang
    explicit = args.max_pieces is not None
    net, pl = load_scalar_map(args.spec, args.max_pieces if explicit else ANALYZE_F_PIECES)
    if pl is None:  # tanh / sigmoid: the certified ball-arithmetic engine
        from ..certified import certified_orbits, smooth_summary
        smooth = certified_orbits(net, args.max_period)
        print(json.dumps(smooth.to_json()) if args.json else smooth_summary(smooth, f"f = {args.spec}"))
        return 0
    rep = periodic_orbits(pl if pl is not None else net, args.max_period,
                          max_pieces=args.max_pieces if explicit else MAX_PIECES)
    if args.json:
        print(json.dumps(rep.to_json()))
    else:
        print(periodic_summary(rep, title=f"f = {args.spec}"))
    return 0


def _cmd_sample(args) -> int:
    from ..networks.presets import sample_preset

    check_array_budget(preset_parameter_count(args.width, args.depth), "--width",
                       "the network's weights")
    preset = preset_from_args(args)
    net = sample_preset(preset, args.seed, args.index)
    if not all(math.isfinite(v) for layer in net.to_dict()["layers"]
               for row in layer["weight"] + [layer["bias"]] for v in row):
        raise SpecError("--gain", f"{args.gain} makes sampled weights overflow a double")
    print(net.to_json())
    return 0


def _cmd_demo(args) -> int:
    """The main job for now: the paper's tent map and a freshly sampled He network."""
    import numpy as np

    from ..exact.periodic import periodic_orbits, verify_certificate
    from ..networks.model import ScalarRNN
    from ..networks.presets import build_preset, sample_preset
    from ..reporting.text import periodic_summary

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
    from .._lib.progress import Progress, progress_callback
    from ..studies.montecarlo import estimate, task_size

    if (args.n is None) == (args.ci_halfwidth is None):
        raise SpecError("--n", "give exactly one of --n and --ci-halfwidth")
    if args.n is not None and args.n > args.max_n:
        raise SpecError("--n", f"{args.n} exceeds --max-n {args.max_n}")
    preset = preset_from_args(args)
    batch = task_size(preset)  # what a worker samples and decides at once
    check_array_budget(batch * preset_parameter_count(args.width, args.depth),
                       "--width", f"a task of {batch} networks")
    from ..deciders.criteria import check_criteria, check_entropy_max_period
    check_criteria(args.criteria)  # estimate checks again; these fail before a cluster starts
    check_entropy_max_period(args.entropy_max_period)
    if args.ci_halfwidth is not None:
        print(adaptive_plan(args.ci_halfwidth, args.max_n, args.workers), file=sys.stderr)
    with executor_from_args(args) as executor, Progress(args.n, desc="estimate") as bar:
        est = estimate(preset, args.seed, n=args.n, ci_halfwidth=args.ci_halfwidth,
                       criteria=args.criteria, entropy_max_period=args.entropy_max_period,
                       max_n=args.max_n, workers=executor, progress=progress_callback(bar))
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


def adaptive_plan(halfwidth: float, max_n: int, workers: int) -> str:
    """The up-front statement of an adaptive estimate: how many networks it may need
    (a 95% Wilson interval at p = 1/2, the widest, needs about (1.96 / 2H)^2) and the
    cap where it stops."""
    worst = math.ceil((1.959963984540054 / (2 * halfwidth)) ** 2)
    cap = (f"--max-n {max_n:,} stops it before that" if worst > max_n
           else f"it stops at --max-n {max_n:,} in any case")
    return (f"rnnchaos estimate: sampling until every 95% CI half-width is <= {halfwidth:g}; "
            f"this may need up to ~{worst:,} networks (p near 1/2; fewer near 0 or 1); "
            f"{cap}; {workers} worker(s)")


def _cmd_sweep(args) -> int:
    from ..studies.sweep import make_config, run_sweep

    cfg = make_config(args.preset, args.widths, args.gains, args.n, args.seed,
                      criteria=args.criteria, activation=args.activation, clip=args.clip,
                      depth=args.depth, flavour=args.flavour,
                      entropy_max_period=args.entropy_max_period, chunk_size=args.chunk_size,
                      per_network=args.per_network)
    for width in args.widths:  # automatic chunks are sized by parameters, so only a given one
        if args.chunk_size is not None:
            check_array_budget(args.chunk_size * preset_parameter_count(width, args.depth),
                               "--widths", f"a chunk of {args.chunk_size} networks of width {width} "
                               "(--chunk-size)")
    check_output_dir(args.out, "--out")
    from ..studies.sweep import open_store
    open_store(cfg, args.out)  # refuse a mismatched directory before starting any worker
    try:
        with executor_from_args(args) as executor:
            path = run_sweep(cfg, args.out, workers=executor)
    except KeyboardInterrupt:
        print(f"rnnchaos sweep: interrupted; finished chunks are saved in {args.out}: run the "
              "same command again to resume", file=sys.stderr)
        return 130
    print(f"wrote {path} and {path.parent / 'manifest.json'}")
    return 0


def _cmd_reproduce(args) -> int:
    from ..reporting.reproduce import reproduce

    mode = "full" if args.full else "quick"
    check_output_dir(args.out, "--out")
    try:
        if args.scheduler is None and args.dask_local is None:
            path = reproduce(args.out, mode=mode, seed=args.seed, workers=args.workers)
        else:
            with executor_from_args(args) as executor:
                path = reproduce(args.out, mode=mode, seed=args.seed, workers=executor)
    except KeyboardInterrupt:
        print(f"rnnchaos reproduce: interrupted; run the same command again to resume "
              f"(finished chunks are kept in {args.out})", file=sys.stderr)
        return 130
    print(f"wrote {path}")
    return 0


def _add_run_args(p: argparse.ArgumentParser) -> None:
    from ..deciders.criteria import CRITERIA
    p.add_argument("--seed", type=SEED_OPTION, required=True)
    p.add_argument("--criteria", default=",".join(CRITERIA),
                   help=f"comma-separated subset of {','.join(CRITERIA)}")
    p.add_argument("--entropy-max-period", type=POSITIVE_INT, default=6,
                   help="positive_entropy looks for a non-power-of-2 period up to this bound")
    p.add_argument("--workers", type=POSITIVE_INT, default=1,
                   help="worker processes (BLAS pinned to one thread each)")
    add_executor_args(p)
    add_quiet_arg(p)


def add_quiet_arg(p: argparse.ArgumentParser) -> None:
    """--quiet: no progress bar (bars are drawn only on a terminal anyway)."""
    p.add_argument("--quiet", action="store_true", help="no progress bar on the terminal")


def add_executor_args(p: argparse.ArgumentParser) -> None:
    """--scheduler / --dask-local: where the blocks run (default: local worker processes)."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="run on the Dask cluster of this scheduler (pip install 'rnnchaos[dask]')")
    where.add_argument("--dask-local", type=POSITIVE_INT, default=None, metavar="N",
                       help="start a local Dask cluster of N single-threaded worker processes")


def executor_from_args(args):
    """The executor named by --workers / --scheduler / --dask-local (closed by the caller)."""
    from .._lib.runner import make_executor

    workers = getattr(args, "workers", None) or 1
    if workers > 1 and (args.scheduler is not None or args.dask_local is not None):
        raise SpecError("--workers", f"{workers} local workers cannot be combined with Dask "
                        "(--scheduler / --dask-local): choose one")
    return make_executor(workers, scheduler=args.scheduler, dask_local=args.dask_local)


def preset_from_args(args):
    """Build the Preset named by the shared preset options (--preset, --width, ...)."""
    from ..networks.presets import build_preset

    return build_preset(args.preset, args.width, activation=args.activation, clip=args.clip,
                        depth=args.depth, flavour=args.flavour, gain=args.gain)


def add_preset_args(p: argparse.ArgumentParser, multiple: bool = False) -> None:
    """The preset options shared by sample, estimate and sweep."""
    from ..networks.presets import FLAVOURS, PRESET_ACTIVATIONS

    p.add_argument("--preset", required=True, help="paper_a, paper_row1, paper_he, paper_he_u, "
                   "paper_normal_k or paper_glorot")
    p.add_argument("--width", type=POSITIVE_INT, required=True, help="hidden width k")
    p.add_argument("--activation", choices=PRESET_ACTIVATIONS, default="relu")
    p.add_argument("--clip", action="store_true", help="clip the output pre-activation to [0, 1]")
    p.add_argument("--depth", type=DEPTH_OPTION, default=2, help="2 or 3")
    p.add_argument("--flavour", choices=FLAVOURS, default="as_coded")
    p.add_argument("--gain", type=GAIN_OPTION, default=1.0,
                   help=f"multiplies every weight/bias scale (0 < G <= {MAX_GAIN:g})")


SEED_OPTION = int_option(0, 2 ** 128 - 1)
INDEX_OPTION = int_option(0, 2 ** 63 - 1)
POSITIVE_INT = int_option(1)
DEPTH_OPTION = int_option(2, 3)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="rnnchaos", description="Measure and certify chaos in RNN maps.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("analyze", help="exact periodic orbits, Li-Yorke certificate of a scalar map")
    p.add_argument("spec", help="network JSON file, or - for standard input")
    p.add_argument("--max-period", type=POSITIVE_INT, required=True,
                   help="find all orbits of minimal period <= N")
    p.add_argument("--max-pieces", type=int_option(1, 10 ** 9), default=None,
                   help="refuse f or an iterate with more linear pieces (default: f 200,000, "
                        "iterates 4,000,000)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("sample", help="print the spec of network I of a preset's seeded stream")
    add_preset_args(p)
    p.add_argument("--seed", type=SEED_OPTION, required=True)
    p.add_argument("--index", type=INDEX_OPTION, default=0,
                   help="network number I: row I mod 1024 of block I // 1024, drawn from "
                   "SeedSequence(seed, spawn_key=(I // 1024,))")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("estimate", help="P(chaos criteria) over random networks, 95%% Wilson CIs")
    add_preset_args(p)
    _add_run_args(p)
    p.add_argument("--n", type=POSITIVE_INT, default=None, help="number of networks")
    p.add_argument("--ci-halfwidth", type=real_option(positive=True, hi=0.4999), default=None,
                   help="sample adaptively until every 95%% CI half-width is at most H")
    p.add_argument("--max-n", type=POSITIVE_INT, default=10_000_000)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_estimate)

    p = sub.add_parser("sweep", help="grid over preset x width x gain, resumable, Parquet output")
    p.add_argument("--preset", required=True, help="comma-separated preset names")
    p.add_argument("--widths", type=list_option(POSITIVE_INT), required=True,
                   help="comma-separated widths, e.g. 2,4,64")
    p.add_argument("--gains", type=list_option(GAIN_OPTION), default="1",
                   help="comma-separated gains (default 1)")
    p.add_argument("--n", type=POSITIVE_INT, required=True, help="networks per cell")
    p.add_argument("--out", required=True, help="output directory (resumed if it exists)")
    p.add_argument("--activation", choices=("relu", "tanh"), default="relu")
    p.add_argument("--clip", action="store_true")
    p.add_argument("--depth", type=DEPTH_OPTION, default=2, help="2 or 3")
    p.add_argument("--flavour", choices=("as_coded", "as_labelled"), default="as_coded")
    p.add_argument("--chunk-size", type=POSITIVE_INT, default=None,
                   help="networks per chunk (default: per cell, about 0.1-1 s of work)")
    p.add_argument("--per-network", action="store_true", help="also write networks.parquet")
    _add_run_args(p)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("reproduce", help="the paper's experiments, exact and faithful, as an "
                       "HTML report (resumable)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small samples, < 5 min (default)")
    mode.add_argument("--full", action="store_true", help="10,000 networks per table cell")
    p.add_argument("--out", default="rnnchaos-report", help="output directory")
    p.add_argument("--seed", type=SEED_OPTION, default=2022)
    p.add_argument("--workers", type=POSITIVE_INT, default=None)
    add_executor_args(p)
    add_quiet_arg(p)
    p.set_defaults(func=_cmd_reproduce)

    from ..cli import scalar as cli_scalar  # subcommands beside their library modules
    from ..cli import vector as cli_vector
    cli_scalar.register(sub)
    cli_vector.register(sub)

    p = sub.add_parser("demo", help="analyze the tent map and a fresh He network (the main job)")
    p.add_argument("--seed", type=SEED_OPTION, default=None,
                   help="seed of the He network (default: fresh, printed)")
    p.add_argument("--width", type=int_option(1, 4096), default=2)
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage error (one line printed, status 2) or --help (0)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    from .._lib.progress import set_quiet
    set_quiet(getattr(args, "quiet", False))
    try:
        return args.func(args)
    except RnnchaosError as exc:  # one line; a failed block is not bad input
        print(f"rnnchaos {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_TASK_FAILED if isinstance(exc, TaskFailedError) else EXIT_BAD_INPUT
    except MemoryError as exc:  # sizes are checked up front; this is the last line of defence
        print(f"rnnchaos {args.command}: error: out of memory ({exc or 'allocation failed'}); "
              "lower the sizes (--width, --dim, --n, --chunk-size)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("rnnchaos: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`rnnchaos ... | head`): stop quietly
        _silence_stdout()
        return EXIT_BROKEN_PIPE


#: Exit status when standard output was closed by its reader (128 + SIGPIPE, as a shell).
EXIT_BROKEN_PIPE = 141


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (tests): nothing to do
        pass


if __name__ == "__main__":
    sys.exit(main())
