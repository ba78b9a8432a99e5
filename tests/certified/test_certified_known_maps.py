"""Smooth maps with known periodic structure: a contracting tanh map, the unimodal tanh
"bump" family across its period-doubling cascade and in its period-3 window, and a
full-height tanh tent-like map; every witness re-checked with mpmath (60 digits)."""
from __future__ import annotations

import math
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from smooth_oracle import check_witnesses  # noqa: E402

from rnnchaos.certified import (  # noqa: E402
    NO,
    UNDECIDED,
    YES,
    certified_orbits,
    verify_smooth_certificate,
)
from rnnchaos.errors import SpecError  # noqa: E402
from rnnchaos.networks.model import ScalarRNN  # noqa: E402


def tanh_map(a, b, act="tanh"):
    return ScalarRNN.from_dict({"layers": [{"weight": [[a]], "bias": [b], "activation": act}]})


def bump(A, B, c=1.0):
    """f(x) = A (tanh(x + c) - tanh(x - c)) / (2 tanh c) - B: unimodal, peak A - B at 0."""
    s = A / (2 * math.tanh(c))
    return ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [c, -c], "activation": "tanh"},
        {"weight": [[s, -s]], "bias": [-B]}]})


def tanh_tent(k):
    """g(x) = tanh(kx) - tanh(k(x - 1)) normalised: f(0) = f(1) = 0, f(1/2) = 1."""
    g0 = math.tanh(0.0) - math.tanh(-k)
    gc = math.tanh(k / 2) - math.tanh(-k / 2)
    s = 1.0 / (gc - g0)
    return ScalarRNN.from_dict({"layers": [
        {"weight": [[k], [k]], "bias": [0.0, -k], "activation": "tanh"},
        {"weight": [[s, -s]], "bias": [-s * g0]}]})


def test_contracting_tanh_has_only_a_fixed_point():
    net = tanh_map(0.5, 0.2)
    rep = certified_orbits(net, 8)
    assert [rep.status(p) for p in range(1, 9)] == [YES] + [NO] * 7
    assert rep.period_3 is False and rep.positive_entropy is False
    check_witnesses(net, rep)
    # the fixed point box holds the mpmath fixed point
    assert len([o for o in rep.orbits if o.period == 1]) == 1


def test_contracting_sigmoid_has_only_a_fixed_point():
    net = tanh_map(-1.5, 0.3, act="sigmoid")
    rep = certified_orbits(net, 5)
    assert [rep.status(p) for p in range(1, 6)] == [YES] + [NO] * 4
    check_witnesses(net, rep)


@pytest.mark.parametrize("B, present, absent", [
    (0.5, [1, 2], [3, 4, 5, 6]),            # after the first doubling
    (1.1, [1, 2, 4], [3, 5, 6, 8]),         # after the second, before the cascade ends
])
def test_bump_cascade(B, present, absent):
    net = bump(2.0 + B, B)
    rep = certified_orbits(net, max(present + absent))
    assert all(rep.status(p) == YES for p in present), rep.period_status_list()
    assert all(rep.status(p) == NO for p in absent), rep.period_status_list()
    assert rep.period_3 is False
    check_witnesses(net, rep)


def test_bump_period_three_window():
    net = bump(2.0 + 1.85, 1.85)
    rep = certified_orbits(net, 6)
    assert rep.status(3) == YES and rep.period_3 is True and rep.positive_entropy is True
    assert [rep.status(p) for p in range(1, 7)] == [YES] * 6
    assert rep.li_yorke_certificate is not None
    assert verify_smooth_certificate(net, rep.li_yorke_certificate)
    check_witnesses(net, rep)


@pytest.mark.parametrize("k", [2.0, 6.0])
def test_tanh_tent_like_map_has_period_three(k):
    net = tanh_tent(k)
    rep = certified_orbits(net, 3)
    assert rep.status(3) == YES
    assert verify_smooth_certificate(net, rep.li_yorke_certificate)
    check_witnesses(net, rep)


def test_certificate_check_rejects_non_witnesses():
    net = bump(2.0 + 1.85, 1.85)
    assert not verify_smooth_certificate(net, "0")  # near the critical point: no chain there
    assert not verify_smooth_certificate(tanh_map(0.5, 0.2), "0.3")


def test_bad_period_bound_is_a_spec_error():
    with pytest.raises(SpecError):
        certified_orbits(tanh_map(0.5, 0.2), 0)
    with pytest.raises(SpecError):
        certified_orbits(tanh_map(0.5, 0.2), 65)


def test_unbounded_map_is_undecided_with_reason():
    # identity output over relu units: f(R) is unbounded, no compact J from the range argument
    net = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "relu"},
        {"weight": [[0.5, 1.0]], "bias": [0.0], "activation": "tanh"},
        {"weight": [[1.0]], "bias": [0.0], "activation": "relu"},
        {"weight": [[2.0]], "bias": [0.0], "activation": "identity"}]})
    assert certified_orbits(net, 2).invariant.exists  # a tanh layer bounds everything after it
    net = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "tanh"},
        {"weight": [[0.5, 1.0]], "bias": [0.0], "activation": "relu"},
        {"weight": [[1.0]], "bias": [0.0], "activation": "leaky_relu"}]})
    assert certified_orbits(net, 2).invariant.exists
    net = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0]], "bias": [0.0], "activation": "relu"},
        {"weight": [[3.0]], "bias": [0.0], "activation": "sigmoid"},
        {"weight": [[1.0]], "bias": [0.0], "activation": "identity"}]})
    assert certified_orbits(net, 2).invariant.exists
    net = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [2.0]], "bias": [0.0, 0.0], "activation": "tanh"},
        {"weight": [[0.5, 1.0]], "bias": [0.0], "activation": "identity"}]})
    assert certified_orbits(net, 1).invariant.exists
    unbounded = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "relu"},
        {"weight": [[0.5, 1.0]], "bias": [0.0], "activation": "identity"}]})
    rep = certified_orbits(unbounded, 2)
    assert not rep.invariant.exists
    assert all(s.status == UNDECIDED and s.reason == "unbounded" for s in rep.statuses.values())
