"""Command-line interface: a thin layer over the library.

Exit status 0 on success, 2 on bad input (one line on stderr naming the field).
"""
from __future__ import annotations

import argparse
import json
import sys

from .errors import RnnchaosError

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
    rep = periodic_orbits(net, args.max_period, max_pieces=args.max_pieces)
    if args.json:
        print(json.dumps(rep.to_json()))
    else:
        print(periodic_summary(rep, title=f"f = {args.spec}"))
    return 0


def _positive_int(name):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be >= 1, got {value}")
        return value
    return parse


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
