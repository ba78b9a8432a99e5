"""The one option-parsing style of the ``rnnchaos`` command line.

Every option that takes a number is declared with ``type=`` one of the factories
below; each calls the rule in :mod:`rnnchaos._lib.validation`, so an option is
checked once, by argparse, before any handler runs, and a bad value becomes one
line ``rnnchaos CMD: error: argument --OPT: PROBLEM`` with exit status 2.

* :func:`int_option` -- an integer in ``[lo, hi]``.
* :func:`real_option` -- a finite double (``positive``: > 0; ``hi``: an upper bound).
* :func:`number_option` -- an exact user number (``-1/3``, ``-1e-3``, ``0.175421``)
  kept with the text the user typed (:class:`UserNumber`).
* :func:`list_option` -- a comma-separated list of one of the above.

:class:`Parser` is argparse with two changes: usage errors exit with status 2 and
one line, and a token that starts with ``-`` followed by a digit or a dot
(``-1/3``, ``-1e-3``, ``-.5``) is a value, never an option (argparse's own rule
only knows ``-3`` and ``-0.5``).  No rnnchaos option name starts with a digit.
"""
from __future__ import annotations

import argparse
import re
from fractions import Fraction
from typing import Any, Callable, NamedTuple

from .._lib.validation import check_real, parse_int, parse_number
from ..errors import SpecError

EXIT_BAD_INPUT = 2
#: Exit status when the work itself failed (a block whose workers kept dying): not the
#: user's input; what finished is saved and a rerun resumes.
EXIT_TASK_FAILED = 1


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, exit status 2, and reads
    negative fractions and negative scientific notation as values."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # why: argparse's matcher (r'^-\d+$|^-\d*\.\d+$') takes "-1/3" for an option
        self._negative_number_matcher = re.compile(r"^-\.?\d")

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {' '.join(message.split())}\n")


class UserNumber(NamedTuple):
    """An exact number from the command line with the text it was read from."""

    text: str
    exact: Fraction


def _as_type(check: Callable[[str], Any], name: str) -> Callable[[str], Any]:
    """argparse type: SpecError from the validation rule -> argparse's one-line error."""
    def parse(text: str):
        try:
            return check(text)
        except SpecError as exc:
            raise argparse.ArgumentTypeError(exc.problem) from None
    parse.__name__ = name  # argparse names the type in some messages
    return parse


def int_option(lo: int | None = None, hi: int | None = None):
    """type= for an integer option in ``[lo, hi]``."""
    return _as_type(lambda text: parse_int(text, "value", lo, hi), "integer")


def real_option(*, positive: bool = False, hi: float | None = None):
    """type= for a finite double (the nearest double to the text), optionally > 0 and <= hi."""
    def check(text):
        return check_real(parse_number(text, "value", exact=False), "value",
                          positive=positive, hi=hi)
    return _as_type(check, "number")


def number_option():
    """type= for an exact number: a :class:`UserNumber`."""
    return _as_type(lambda text: UserNumber(text.strip(), parse_number(text, "value")), "number")


def list_option(item: Callable[[str], Any]):
    """type= for a comma-separated, non-empty list whose items are read by ``item``."""
    def check(text):
        parts = [part.strip() for part in text.split(",")]
        if not text.strip() or any(not part for part in parts):
            raise SpecError("value", f"expected a comma-separated list, got {text!r}")
        out = []
        for part in parts:
            try:
                out.append(item(part))
            except argparse.ArgumentTypeError as exc:
                raise SpecError("value", f"item {part!r}: {exc}") from None
        return out
    return _as_type(check, "list")


#: Largest --gain / --gains / --std: weights up to ~1e100 keep products of a few weights
#: and states far from the largest double (~1.8e308), so no sampled map overflows.
MAX_GAIN = 1e100


def _gain(text: str) -> float:
    value = check_real(parse_number(text, "value", exact=False), "value", positive=True)
    if value > MAX_GAIN:
        raise SpecError("value", f"must be <= {MAX_GAIN:g}, got {value:g}: larger scales "
                        "make products of sampled weights overflow (not finite)")
    return value


GAIN_OPTION = _as_type(_gain, "number")

__all__ = ["MAX_GAIN", "GAIN_OPTION", "EXIT_BAD_INPUT", "Parser", "UserNumber", "int_option", "real_option",
           "number_option", "list_option"]
