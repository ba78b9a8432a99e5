"""Lyapunov exponents along exact orbits, against closed forms; Lipschitz constants.

Closed forms: |T'| = 2 everywhere off the kinks of the tent map, so any orbit that
avoids them has exponent log 2; an affine contraction x -> x/2 + c has log(1/2);
the skew tent map with slopes 3 and -3/2 has exponent (n_L log 3 + n_R log 3/2)/T
along an orbit with n_L left and n_R right visits (counted here in Fractions), and
-a log a - (1 - a) log(1 - a) (a = 1/3) for Lebesgue-typical orbits.
"""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from rnnchaos.errors import SpecError
from rnnchaos.exact.lyapunov import lipschitz_constant, lyapunov_exponent
from rnnchaos.exact.periodic import periodic_orbits
from rnnchaos.exact.pl import PiecewiseLinear
from rnnchaos.networks.examples import lipschitz_example, tent_network
from rnnchaos.networks.model import ScalarRNN
from rnnchaos.studies.lipschitz import lipschitz_study

LOG2 = math.log(2)
SKEW = PiecewiseLinear.from_breaks([0, "1/3", 1], [0, 3, "-3/2", 0], [0, 0, "3/2", 0])


def test_tent_exponent_is_log2():
    for x0 in ("1/7", "0.175421", "2/9"):
        r = lyapunov_exponent(tent_network(), x0, 300)
        assert r.lower <= LOG2 <= r.upper and r.exponent == pytest.approx(LOG2, abs=1e-15)
        assert r.kink_hits == 0 and r.plateau_steps == 0


def test_ball_method_agrees_with_exact():
    e = lyapunov_exponent(tent_network(), "0.175421", 500, method="exact")
    b = lyapunov_exponent(tent_network(), "0.175421", 500, method="ball")
    assert b.lower <= e.exponent <= b.upper
    assert b.exponent == pytest.approx(e.exponent, abs=1e-15)


def test_skew_tent_counts_closed_form():
    x, nl, nr = Fraction(1, 10), 0, 0
    T = 2000
    for _ in range(T):
        if x <= Fraction(1, 3):
            nl, x = nl + 1, 3 * x
        else:
            nr, x = nr + 1, Fraction(3, 2) * (1 - x)
    expected = (nl * math.log(3) + nr * math.log(1.5)) / T
    r = lyapunov_exponent(SKEW, "1/10", T)
    assert r.lower <= expected + 1e-12 and expected - 1e-12 <= r.upper
    assert r.upper - r.lower < 1e-12


def test_skew_tent_typical_orbit():
    a = 1 / 3
    closed = -a * math.log(a) - (1 - a) * math.log(1 - a)
    r = lyapunov_exponent(SKEW, "0.12345678901234567", 20000)
    assert abs(r.exponent - closed) < 0.02  # ergodic average (Lebesgue measure is invariant)


def test_contracting_maps_negative():
    aff = PiecewiseLinear.affine("1/2", "1/4")
    r = lyapunov_exponent(aff, "3", 50)
    assert r.exponent == pytest.approx(math.log(0.5), abs=1e-15) and r.upper < 0
    relu_contr = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0]], "bias": [0.0], "activation": "relu"},
        {"weight": [[0.5]], "bias": [0.25], "activation": "identity"}]})
    r = lyapunov_exponent(relu_contr, "0.9", 100)
    assert r.exponent == pytest.approx(math.log(0.5), abs=1e-15)


def test_plateau_gives_minus_inf_not_nan():
    f = PiecewiseLinear.from_breaks([0], [0, 2], [-1, -1])  # 2 relu(x) - 1 ... constant -1 left
    r = lyapunov_exponent(f, "-3", 10)
    assert r.exponent == -math.inf and r.lower == -math.inf and r.upper == -math.inf
    assert r.plateau_steps == 10
    assert r.to_json()["exponent"] == "-inf"


def test_kink_hits_bracketed():
    r = lyapunov_exponent(tent_network(), "1/2", 20)  # 1/2 -> 1 -> 0 -> 0 ...
    assert r.kink_hits >= 1
    assert r.lower == -math.inf  # the flat side of the relu kink at 0
    assert r.upper == pytest.approx(LOG2, abs=1e-15)
    assert not math.isnan(r.exponent)


def test_lipschitz_example():
    net = lipschitz_example()
    file_net = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0]] * 6, "bias": [0.0, -0.2, -0.4, -0.5, -0.6, -0.7], "activation": "relu"},
        {"weight": [[0.8, -1.5, 5.0, -9.0, 11.0, -8.4]], "bias": [0.0], "activation": "relu"}]})
    assert net == file_net
    # independent: with W1 = ones the slopes are partial sums of W2 (exact doubles)
    partial, best = Fraction(0), Fraction(0)
    for wv in (0.8, -1.5, 5.0, -9.0, 11.0, -8.4):
        partial += Fraction(wv)
        best = max(best, abs(partial))
    lip = lipschitz_constant(net)
    assert Fraction(int(lip.p), int(lip.q)) == best and abs(float(best) - 6.3) < 1e-14
    assert not periodic_orbits(net, 6).period_3
    s = lipschitz_study(12, 150, seed=3)
    assert s["period_3"] is False and s["entropy_upper"] == 0.0
    assert all(u < 0 for u in s["lyapunov_upper"])
    assert s["lipschitz_constant_float"] == pytest.approx(6.3, abs=1e-14)


def test_lipschitz_on_interval():
    tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    assert lipschitz_constant(tent, (-1, 0)) == 0
    assert lipschitz_constant(tent, ("0.6", 1)) == 2


def test_bad_input():
    with pytest.raises(SpecError) as e:
        lyapunov_exponent(tent_network(), "1/3", 0)
    assert e.value.field == "steps"
    with pytest.raises(SpecError) as e:
        lyapunov_exponent(tent_network(), "1/3", 5, method="magic")
    assert e.value.field == "method"
    tanh = ScalarRNN.from_dict({"layers": [{"weight": [[1.0]], "bias": [0.0], "activation": "tanh"}]})
    with pytest.raises(SpecError):
        lyapunov_exponent(tanh, "0.1", 5)
