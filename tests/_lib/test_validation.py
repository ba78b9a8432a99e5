"""The validation home: user numbers, integers, reals, JSON limits, unknown keys, budgets.

User numbers are compared with Python's own Fraction reading of the same text (an
independent parser): the rnnchaos parser only adds bounds, it must never change a value.
"""
from __future__ import annotations

import json
import math
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnchaos._lib.validation import (
    MAX_DIGITS,
    MAX_EXPONENT,
    check_array_budget,
    check_int,
    check_real,
    parse_int,
    parse_number,
    read_json,
    refuse_unknown_keys,
)
from rnnchaos.errors import SpecError


@pytest.mark.parametrize("text", ["-1/3", "-1e-3", "-.5", "2.", "+7", "0", "-0", "1e400",
                                  "-1e-400", "123456789/987654321", "  3.25  ", "1E+5"])
def test_exact_numbers_match_fraction(text):
    assert parse_number(text, "x") == Fraction(text.strip())


@given(st.fractions(max_denominator=10 ** 30))
@settings(max_examples=200, deadline=None)
def test_fractions_round_trip(value):
    assert parse_number(str(value), "x") == value


@given(st.floats(allow_nan=False, allow_infinity=False))
@settings(max_examples=200, deadline=None)
def test_float_text_reads_to_the_same_double(value):
    # repr() is the shortest text that reads back to the same double (Python's float())
    assert parse_number(repr(value), "x", exact=False) == value


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "0x10", "1_000", "", " ", "1/0", "1/2/3",
                                  "--1", "1e", "e5", "1.2.3", "½", "1e999999999",
                                  "1e-999999999", f"1e{MAX_EXPONENT + 1}", "1" * (MAX_DIGITS + 2),
                                  "1/" + "3" * MAX_DIGITS])
def test_refused_numbers_name_the_field(text):
    with pytest.raises(SpecError) as exc:
        parse_number(text, "--x0")
    assert exc.value.field == "--x0"


def test_bounds_keep_parsing_fast():
    start = time.perf_counter()
    for text in ["1e999999999", "9" * 10 ** 6, "1e-" + "9" * 10 ** 5]:
        with pytest.raises(SpecError):
            parse_number(text, "x")
    assert time.perf_counter() - start < 1.0
    assert parse_number(f"1e{MAX_EXPONENT}", "x") == 10 ** MAX_EXPONENT


@pytest.mark.parametrize("text, message", [("1e400", "largest double"),
                                           ("-1e400", "largest double"),
                                           ("1e-400", "smallest double")])
def test_float_mode_refuses_what_a_double_cannot_hold(text, message):
    with pytest.raises(SpecError, match=message):
        parse_number(text, "--gain", exact=False)


def test_numbers_from_python_keep_their_exact_value():
    assert parse_number(0.1, "x") == Fraction(0.1) != Fraction(1, 10)
    assert parse_number(Fraction(-1, 3), "x") == Fraction(-1, 3)
    assert parse_number(10 ** 400, "x") == 10 ** 400
    with pytest.raises(SpecError):
        parse_number(True, "x")


def test_integers():
    assert check_int(np.int64(5), "n", 1, 9) == 5 and isinstance(check_int(np.int64(5), "n"), int)
    assert parse_int("-12", "n") == -12
    for bad in [True, 1.0, "3", None]:
        with pytest.raises(SpecError):
            check_int(bad, "n")
    for text in ["1.5", "1e3", "", "0x3", "9" * (MAX_DIGITS + 5)]:
        with pytest.raises(SpecError):
            parse_int(text, "n")
    with pytest.raises(SpecError, match=r"in 1\.\.3, got 4"):
        check_int(4, "n", 1, 3)
    with pytest.raises(SpecError, match=">= 0"):
        parse_int("-1", "n", 0)


def test_reals():
    assert check_real(3, "g", positive=True) == 3.0
    with pytest.raises(SpecError, match="too large for a double"):
        check_real(10 ** 400, "g")
    for bad in [math.nan, math.inf, "1", True, None]:
        with pytest.raises(SpecError):
            check_real(bad, "g")
    with pytest.raises(SpecError, match="> 0"):
        check_real(0.0, "g", positive=True)
    with pytest.raises(SpecError, match="<= 2"):
        check_real(3.0, "g", hi=2)


def test_read_json_limits():
    assert read_json('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    nested = "[" * 64 + "]" * 64
    assert read_json(nested) is not None
    cases = {"[" * 65 + "]" * 65: "nested deeper", "[" * 100_000 + "]" * 100_000: "nested deeper",
             '{"a": NaN}': "NaN", '{"a": -Infinity}': "Infinity", "[1" + "0" * 5000 + "]": "digits",
             '{"a": 1, "a": 2}': "twice", "": "empty", "{": "malformed"}
    for text, message in cases.items():
        with pytest.raises(SpecError, match=message):
            read_json(text)
    with pytest.raises(SpecError, match="exceeds the limit"):
        read_json(json.dumps([0] * 100), max_bytes=50)


def test_decode_utf8():
    from rnnchaos._lib.validation import decode_utf8
    assert decode_utf8("é".encode(), "spec") == "é"
    assert decode_utf8(b"\xef\xbb\xbf{}", "spec") == "{}"  # byte-order mark of some editors
    with pytest.raises(SpecError, match="offset 3"):
        decode_utf8(b'{"a\xff": 1}', "spec")


def test_refuse_unknown_keys_names_the_key():
    refuse_unknown_keys({"layers": 1}, ["layers"])
    with pytest.raises(SpecError) as exc:
        refuse_unknown_keys({"layers": 1, "leak": 0.5}, ["layers"], hints={"leak": "vector only"})
    assert exc.value.field == "leak" and "vector only" in exc.value.problem


def test_array_budget(monkeypatch):
    monkeypatch.setenv("RNNCHAOS_MAX_ARRAY_GIB", "1")
    check_array_budget(2 ** 27, "--dim", "x")  # exactly 1 GiB
    with pytest.raises(SpecError, match="RNNCHAOS_MAX_ARRAY_GIB"):
        check_array_budget(2 ** 27 + 1, "--dim", "x")
    monkeypatch.setenv("RNNCHAOS_MAX_ARRAY_GIB", "nan")
    with pytest.raises(SpecError):
        check_array_budget(1, "--dim", "x")
