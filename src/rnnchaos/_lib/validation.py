"""The one home of the rules for checking what a user gives rnnchaos.

Every check raises :class:`rnnchaos.errors.SpecError` ``(field, problem)``, so the
CLI prints one line naming the field and the value and exits with status 2.

Specification
-------------
* :func:`check_int` -- an ``int`` (or numpy integer), never a ``bool``, inside
  ``[lo, hi]`` when those are given.  :func:`parse_int` reads the same from text
  (at most :data:`MAX_DIGITS` digits, so Python's int-string limit is never hit).
* :func:`check_real` -- a finite real (int or float, never ``bool``, never a
  string), optionally ``> 0`` and inside ``[lo, hi]``; ints too large for a double
  are refused instead of raising ``OverflowError``.
* :func:`parse_number` -- THE user-number parser.  Accepted text: an optional
  sign, then a decimal with an optional exponent (``-1e-3``, ``.5``, ``2.``) or a
  fraction ``P/Q`` (``-1/3``), at most :data:`MAX_DIGITS` digits and an exponent
  of absolute value at most :data:`MAX_EXPONENT`.  ``exact=True`` returns the
  exact :class:`fractions.Fraction` of the text ("0.1" is 1/10, not the nearest
  double); ``exact=False`` the nearest double, refused when it is not finite
  (``1e400``) or when a non-zero number rounds to zero.  The bounds keep every
  exact number below a few thousand bits, so no later step builds a
  10^9-digit rational.  ``inf``, ``nan``, hex and underscores are refused.
* :func:`read_json` -- JSON text to Python objects with a byte limit, a nesting
  limit, integers of at most :data:`MAX_DIGITS` digits, no ``NaN``/``Infinity`` and
  no key given twice in one object.
* :func:`refuse_unknown_keys` -- refuses the first key of a mapping not in an
  allowed set, by name.
* :func:`check_array_budget` -- refuses, before allocating, arrays whose float64
  size exceeds :func:`max_array_bytes` (``RNNCHAOS_MAX_ARRAY_GIB`` raises it).
* :func:`decode_utf8` -- bytes to text (a leading BOM dropped), or one line saying the
  input is not UTF-8.
"""
from __future__ import annotations

import json
import math
import os
import re
from fractions import Fraction
from numbers import Integral, Real
from typing import Any, Iterable, Mapping

import numpy as np

from ..errors import SpecError

#: Most digits in a user number or a JSON integer.
MAX_DIGITS = 1000
#: Largest |exponent| of a user number in scientific notation (10^1000 spans every double).
MAX_EXPONENT = 1000
#: Largest JSON document read (bytes).
MAX_JSON_BYTES = 64 * 2 ** 20
#: Deepest nesting of JSON arrays/objects accepted (a spec needs 4).
MAX_JSON_DEPTH = 64
#: Environment variable raising the array-size budget (GiB of float64 data).
ARRAY_BUDGET_ENV = "RNNCHAOS_MAX_ARRAY_GIB"
DEFAULT_ARRAY_GIB = 4.0

_DECIMAL = re.compile(r"[+-]?(?P<mant>\d+\.?\d*|\.\d+)(?:[eE](?P<exp>[+-]?\d+))?")
_FRACTION = re.compile(r"[+-]?(?P<num>\d+)/(?P<den>\d+)")
_INTEGER = re.compile(r"[+-]?\d+")


def _range_text(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"in {lo}..{hi}"
    return f">= {lo}" if lo is not None else f"<= {hi}"


def check_int(value: Any, field: str, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int in ``[lo, hi]`` (None: unbounded side) or SpecError(field).

    >>> check_int(3, "steps", 0, 10)
    3
    """
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        raise SpecError(field, f"expected an integer, got {value!r}")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise SpecError(field, f"must be {_range_text(lo, hi)}, got {value}")
    return value


def parse_int(text: Any, field: str, lo: int | None = None, hi: int | None = None) -> int:
    """An integer written as text (``"12"``, ``"-3"``), checked like :func:`check_int`.

    >>> parse_int(" 12 ", "--steps", 1)
    12
    """
    if not isinstance(text, str):
        return check_int(text, field, lo, hi)
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped) or len(stripped) > MAX_DIGITS + 1:
        raise SpecError(field, f"expected an integer of at most {MAX_DIGITS} digits, "
                        f"got {_clip(text)!r}")
    return check_int(int(stripped), field, lo, hi)


def check_real(value: Any, field: str, *, positive: bool = False, lo: float | None = None,
               hi: float | None = None) -> float:
    """``value`` (int or float, not bool/str) as a finite float, optionally ``> 0`` and in
    ``[lo, hi]``; SpecError(field) otherwise.

    >>> check_real(2, "gain", positive=True)
    2.0
    """
    if isinstance(value, bool) or not isinstance(value, (Real, np.integer, np.floating)):
        raise SpecError(field, f"expected a number, got {_clip(repr(value))}")
    try:
        out = float(value)
    except OverflowError:  # an int beyond the largest double
        raise SpecError(field, f"too large for a double (more than {len(str(value))} digits)") \
            from None
    if not math.isfinite(out):
        raise SpecError(field, f"must be finite, got {value!r}")
    if positive and not out > 0:
        raise SpecError(field, f"must be > 0, got {value!r}")
    if (lo is not None and out < lo) or (hi is not None and out > hi):
        raise SpecError(field, f"must be {_range_text(lo, hi)}, got {value!r}")
    return out


def parse_number(text: Any, field: str, *, exact: bool = True) -> Fraction | float:
    """A user number: exact Fraction (``exact=True``) or the nearest finite double.

    See the module docstring for the accepted forms and bounds.  Numbers that are
    already int/float (from Python callers) are taken at their exact value.

    >>> parse_number("-1/3", "--x0"), parse_number("-1e-3", "--x0")
    (Fraction(-1, 3), Fraction(-1, 1000))
    >>> parse_number("2.5e2", "--gain", exact=False)
    250.0
    """
    if isinstance(text, str):
        value = _exact_from_text(text, field)
    elif isinstance(text, (Fraction, Integral)) and not isinstance(text, bool):
        value = Fraction(text)  # already exact: keep every digit
    else:
        value = Fraction(check_real(text, field))
    if exact:
        return value
    try:
        out = float(value)
    except OverflowError:
        out = math.inf
    if not math.isfinite(out):
        raise SpecError(field, f"{_clip(str(text))} is beyond the largest double (~1.8e308)")
    if out == 0 and value != 0:
        raise SpecError(field, f"{_clip(str(text))} is below the smallest double (~4.9e-324)")
    return out


def _exact_from_text(text: str, field: str) -> Fraction:
    stripped = text.strip()
    expected = ("expected a number such as -0.25, 1e-3 or -1/3 (at most "
                f"{MAX_DIGITS} digits, exponent within +-{MAX_EXPONENT}), got {_clip(text)!r}")
    frac = _FRACTION.fullmatch(stripped)
    if frac:
        if len(frac["num"]) + len(frac["den"]) > MAX_DIGITS:
            raise SpecError(field, expected)
        if int(frac["den"]) == 0:
            raise SpecError(field, f"zero denominator in {_clip(text)!r}")
        return Fraction(stripped)
    dec = _DECIMAL.fullmatch(stripped)
    if not dec or len(dec["mant"]) > MAX_DIGITS + 1:
        raise SpecError(field, expected)
    exponent = dec["exp"]
    if exponent is not None and (len(exponent.lstrip("+-")) > 6 or abs(int(exponent)) > MAX_EXPONENT):
        raise SpecError(field, expected)
    return Fraction(stripped)


def _clip(text: str, limit: int = 60) -> str:
    """Long values are shortened in messages: one line stays one readable line."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit // 2]}...{text[-10:]} ({len(text)} chars)"


# ------------------------------------------------------------------ JSON
def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise SpecError("spec", f"integer with {len(text)} digits (at most {MAX_DIGITS})")
    return int(text)


def _json_object(pairs: list) -> dict:
    """A JSON object; a key given twice is refused (json would keep the last silently)."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise SpecError(str(key), "key given twice in one JSON object")
        out[key] = value
    return out


def _json_constant(name: str):
    raise SpecError("spec", f"non-finite number {name} is not allowed")


def read_json(text: str, field: str = "spec", *, max_bytes: int = MAX_JSON_BYTES,
              max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON text with size, depth and number limits; SpecError(field) on any problem.

    >>> read_json('{"a": [1, 2.5]}')
    {'a': [1, 2.5]}
    """
    if len(text) > max_bytes:
        raise SpecError(field, f"input of {len(text)} characters exceeds the limit of {max_bytes}")
    if not text.strip():
        raise SpecError(field, "empty input: expected a JSON object")
    try:
        value = json.loads(text, parse_int=_json_int, parse_constant=_json_constant,
                           object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        raise SpecError(field, f"malformed JSON at line {exc.lineno} column {exc.colno}: "
                        f"{exc.msg}") from None
    except RecursionError:
        raise SpecError(field, f"JSON nested deeper than {max_depth} levels") from None
    _check_depth(value, field, max_depth)
    return value


def _check_depth(value: Any, field: str, max_depth: int) -> None:
    """Iterative walk (no recursion, so no RecursionError) refusing nesting beyond max_depth."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > max_depth:
                    raise SpecError(field, f"JSON nested deeper than {max_depth} levels")
                stack.append((child, depth + 1))


def refuse_unknown_keys(mapping: Mapping, allowed: Iterable[str], field: str = "",
                        hints: Mapping[str, str] | None = None) -> None:
    """SpecError naming the first key of ``mapping`` not in ``allowed``; ``hints[key]``, if
    present, says why that key does not belong here.

    >>> refuse_unknown_keys({"layers": []}, ["layers"])
    """
    allowed = list(allowed)
    for key in mapping:
        if key not in allowed:
            name = f"{field}.{key}" if field else str(key)
            hint = (hints or {}).get(key)
            raise SpecError(name, f"unknown key (allowed: {', '.join(allowed)})"
                            + (f"; {hint}" if hint else ""))


def decode_utf8(data: bytes, field: str) -> str:
    """Bytes as UTF-8 text (a leading byte-order mark, as some editors write, is dropped),
    or SpecError(field) saying where the first bad byte is."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(field, f"not UTF-8 text (bad byte at offset {exc.start})") from None


# ------------------------------------------------------------------ resources
def max_array_bytes() -> int:
    """The array budget in bytes: ``RNNCHAOS_MAX_ARRAY_GIB`` (default 4 GiB)."""
    raw = os.environ.get(ARRAY_BUDGET_ENV)
    if raw is None:
        return int(DEFAULT_ARRAY_GIB * 2 ** 30)
    gib = check_real(parse_number(raw, ARRAY_BUDGET_ENV, exact=False), ARRAY_BUDGET_ENV,
                     positive=True)
    return int(gib * 2 ** 30)


def check_array_budget(elements: int, field: str, what: str) -> None:
    """Refuse, before allocating, ``elements`` float64 numbers beyond the array budget.

    ``field`` names the option that sets the size, ``what`` the arrays.

    >>> check_array_budget(10 ** 6, "--dim", "the Jacobian")
    """
    need = int(elements) * 8
    budget = max_array_bytes()
    if need > budget:
        raise SpecError(field, f"{what} would need {need / 2 ** 30:.3g} GiB, above the limit of "
                        f"{budget / 2 ** 30:.3g} GiB (set {ARRAY_BUDGET_ENV} to raise it)")


__all__ = ["MAX_DIGITS", "MAX_EXPONENT", "MAX_JSON_BYTES", "MAX_JSON_DEPTH", "check_int",
           "parse_int", "check_real", "parse_number", "read_json", "refuse_unknown_keys",
           "decode_utf8", "max_array_bytes", "check_array_budget"]
