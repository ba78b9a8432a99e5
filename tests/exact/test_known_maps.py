"""Closed-form cases: maps whose periodic structure is known by hand (or by theorem),
each also cross-checked against the independent oracle in tests/oracle.py."""
from __future__ import annotations

import os
import sys
from fractions import Fraction

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from oracle import OracleMap, same_set  # noqa: E402

from rnnchaos.exact.invariant import invariant_interval  # noqa: E402
from rnnchaos.exact.periodic import periodic_orbits, sharkovsky_key, verify_certificate  # noqa: E402
from rnnchaos.exact.pl import PiecewiseLinear  # noqa: E402
from rnnchaos.networks.model import ScalarRNN  # noqa: E402


def frac(x):
    return None if x is None else Fraction(str(x))


def net_of(spec):
    return ScalarRNN.from_dict(spec)


def isolated_orbits(rep, n):
    return [[frac(x) for x in o.points] for o in rep.orbits if o.period == n and o.points]


def continuum_orbits(rep, n):
    return [o for o in rep.orbits if o.period == n and o.components]


def comp_member(c):
    lo, hi = frac(c.lo), frac(c.hi)

    def member(x):
        if lo is not None and (x < lo or (c.lo_open and x == lo)):
            return False
        if hi is not None and (x > hi or (c.hi_open and x == hi)):
            return False
        return True
    return member


def per_member(rep, n):
    pts = {frac(x) for o in rep.orbits if o.period == n for x in o.points}
    comps = [comp_member(c) for o in rep.orbits if o.period == n for c in o.components]
    return lambda x: x in pts or any(m(x) for m in comps)


def per_endpoints(rep, n):
    out = set()
    for o in rep.orbits:
        if o.period == n:
            out.update(frac(x) for x in o.points)
            for c in o.components:
                out.update(v for v in (frac(c.lo), frac(c.hi)) if v is not None)
    return out


def assert_per_set(rep, n, member, endpoints):
    """The report's points of minimal period n are exactly {x : member(x)}."""
    bad = same_set(per_member(rep, n), member, set(endpoints) | per_endpoints(rep, n))
    assert bad is None, f"period {n}: report disagrees with the expected set at {bad}"


def chain(f, a):
    xs = [Fraction(a)]
    for _ in range(3):
        xs.append(f(xs[-1]))
    x0, x1, x2, x3 = xs
    return (x3 <= x0 < x1 < x2) or (x3 >= x0 > x1 > x2)


def mobius(n):
    out, m, p = 1, n, 2
    while p * p <= m:
        if m % p == 0:
            m //= p
            if m % p == 0:
                return 0
            out = -out
        p += 1
    return -out if m > 1 else out


def necklaces(n):
    """Number of orbits of minimal period n of the full 2-shift."""
    return sum(mobius(n // d) * 2 ** d for d in range(1, n + 1) if n % d == 0) // n


# --------------------------------------------------------------------------- specs
TENT = {"layers": [{"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "relu"},
                   {"weight": [[2.0, -4.0]], "bias": [0.0]}]}


def tent_exact(x):
    x = Fraction(x)
    return 2 * max(x, 0) - 4 * max(x - Fraction(1, 2), 0)


def affine(slope, intercept, activation=None):
    layer = {"weight": [[slope]], "bias": [intercept]}
    if activation:
        layer.update(activation)
    return {"layers": [layer]}


FIGURE = {"layers": [{"weight": [[-1.86269852], [0.3760235]], "bias": [0.82744154, -0.81030444],
                      "activation": "relu"},
                     {"weight": [[0.7913013, -1.00714872]], "bias": [0.0]}]}
LIPSCHITZ = {"layers": [{"weight": [[1.0]] * 6, "bias": [0.0, -0.2, -0.4, -0.5, -0.6, -0.7],
                         "activation": "relu"},
                        {"weight": [[0.8, -1.5, 5.0, -9.0, 11.0, -8.4]], "bias": [0.0],
                         "activation": "relu"}]}
# skew tent: slope 3 on [0, 1/3], slope -3/2 after (peak f(1/3) = 1, f(1) = 0)
SKEW = {"layers": [{"weight": [[1.0], [1.0]], "bias": [0.0, -1 / 3], "activation": "relu"},
                   {"weight": [[3.0, -4.5]], "bias": [0.0]}]}
# flat-top tent min(T(x), 13/16) (clipped below at 0)
FLAT_TOP = {"layers": [{"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "relu"},
                       {"weight": [[2.0, -4.0]], "bias": [0.0], "activation": "hardtanh",
                        "min_val": 0.0, "max_val": 13 / 16}]}


def tails(left, right, ramps, c=1.0):
    """f(x) = right*relu(x) - left*relu(-x) + sum a relu(x - t) + c: tail slopes left / right."""
    W1 = [[1.0], [-1.0]] + [[1.0]] * len(ramps)
    b1 = [0.0, 0.0] + [-t for t, _ in ramps]
    W2 = [[right, -left] + [a for _, a in ramps]]
    return {"layers": [{"weight": W1, "bias": b1, "activation": "relu"},
                       {"weight": W2, "bias": [c]}]}


# --------------------------------------------------------------------------- tent map
@pytest.mark.parametrize("N", [1, 3, 5, 8])
def test_tent_has_every_period(N):
    rep = periodic_orbits(net_of(TENT), N)
    assert rep.periods == list(range(1, N + 1))


def test_tent_orbits_closed_form():
    N = 8
    rep = periodic_orbits(net_of(TENT), N)
    # exactly the two period-3 orbits, in orbit order from the minimum
    p3 = sorted(isolated_orbits(rep, 3))
    assert p3 == sorted([[Fraction(2, 7), Fraction(4, 7), Fraction(6, 7)],
                         [Fraction(2, 9), Fraction(4, 9), Fraction(8, 9)]])
    for n in range(1, N + 1):
        orbits = isolated_orbits(rep, n)
        assert not continuum_orbits(rep, n)
        assert len(orbits) == necklaces(n)  # 2, 1, 2, 3, 6, 9, 18, 30
        for orb in orbits:
            assert len(orb) == n and orb[0] == min(orb)
            for a, b in zip(orb, orb[1:] + orb[:1]):
                assert tent_exact(a) == b
            # T^n(x) = x on [0, 1] has the solutions 2k/(2^n - 1) and 2k/(2^n + 1)
            assert all(0 <= x <= 1 for x in orb)
            assert all(((2 ** n - 1) * x).denominator == 1 or ((2 ** n + 1) * x).denominator == 1
                       for x in orb)
        # fixed points of T^n: 2^n of them (sum over the divisors of n)
        assert sum(len(o) for d in range(1, n + 1) if n % d == 0
                   for o in isolated_orbits(rep, d)) == 2 ** n


def test_tent_iterates_fixed_points_and_laps():
    T = PiecewiseLinear.from_network(net_of(TENT))
    for n in range(1, 9):
        Tn = T.iterate(n)
        fix = Tn.fixed_point_set()
        assert len(fix) == 2 ** n and all(lo == hi for lo, hi in fix)
        expected = sorted({Fraction(2 * k, 2 ** n - 1) for k in range(2 ** (n - 1))}
                          | {Fraction(2 * k, 2 ** n + 1) for k in range(1, 2 ** (n - 1) + 1)})
        assert [frac(lo) for lo, _ in fix] == expected
        assert Tn.num_laps(0, 1) == 2 ** n
        assert Tn.num_pieces(0, 1) == 2 ** n


def test_tent_certificate_and_invariant():
    net = net_of(TENT)
    rep = periodic_orbits(net, 3)
    assert rep.period_3 and rep.positive_entropy
    a = rep.li_yorke_certificate
    assert a is not None
    assert verify_certificate(net, a)
    assert chain(tent_exact, frac(a))
    assert frac(a) in {Fraction(2, 7), Fraction(4, 7), Fraction(6, 7),
                       Fraction(2, 9), Fraction(4, 9), Fraction(8, 9)}
    inv = rep.invariant
    assert (frac(inv.lo), frac(inv.hi), inv.forward_invariant) == (0, 1, True)
    inv2 = invariant_interval(PiecewiseLinear.from_network(net))
    assert (frac(inv2.lo), frac(inv2.hi), inv2.forward_invariant) == (0, 1, True)


def test_tent_agrees_with_oracle():
    rep = periodic_orbits(net_of(TENT), 6)
    orc = OracleMap(TENT)
    assert set(rep.periods) == orc.periods(6)
    for n in range(1, 7):
        assert sorted(x for o in isolated_orbits(rep, n) for x in o) == sorted(orc.isolated_points(n))


def test_verify_certificate_rejects_non_certificates():
    net = net_of(TENT)
    assert not verify_certificate(net, "1/3")   # eventually fixed
    assert not verify_certificate(net, "2/3")   # fixed point
    assert not verify_certificate(net, "2/5")   # period 2
    assert verify_certificate(net, "2/7") == chain(tent_exact, Fraction(2, 7))


# --------------------------------------------------------------------------- continua and trivial maps
def test_identity_map_is_one_continuum():
    for spec in (affine(1.0, 0.0),
                 {"layers": [{"weight": [[1.0]], "bias": [0.0], "activation": "identity"},
                             {"weight": [[1.0]], "bias": [0.0]}]}):
        rep = periodic_orbits(net_of(spec), 4)
        assert rep.periods == [1]
        (orbit,) = rep.orbits
        assert orbit.is_continuum
        (comp,) = orbit.components
        assert comp.lo is None and comp.hi is None
        assert rep.li_yorke_certificate is None and not rep.positive_entropy


def test_translation_has_no_periodic_points():
    rep = periodic_orbits(net_of(affine(1.0, 1.0)), 5)
    assert rep.periods == [] and rep.orbits == []
    assert rep.li_yorke_certificate is None


def test_reflection_one_minus_x():
    rep = periodic_orbits(net_of(affine(-1.0, 1.0)), 4)
    assert rep.periods == [1, 2]
    assert isolated_orbits(rep, 1) == [[Fraction(1, 2)]]
    assert not continuum_orbits(rep, 1)
    # every x != 1/2 has minimal period 2
    assert_per_set(rep, 2, lambda x: x != Fraction(1, 2), [Fraction(1, 2)])
    assert not any(o.points for o in rep.orbits if o.period == 2)


def test_relu_alone_fixes_the_half_line():
    spec = affine(1.0, 0.0, {"activation": "relu"})
    rep = periodic_orbits(net_of(spec), 4)
    assert rep.periods == [1]
    assert_per_set(rep, 1, lambda x: x >= 0, [Fraction(0)])
    (orbit,) = rep.orbits
    (comp,) = orbit.components
    assert frac(comp.lo) == 0 and comp.hi is None and not comp.lo_open


def test_clipped_minus_x():
    spec = affine(-1.0, 0.0, {"activation": "hardtanh"})  # clip(-x, -1, 1)
    rep = periodic_orbits(net_of(spec), 4)
    assert rep.periods == [1, 2]
    assert isolated_orbits(rep, 1) == [[Fraction(0)]]
    assert_per_set(rep, 2, lambda x: -1 <= x <= 1 and x != 0, [Fraction(-1), Fraction(0), Fraction(1)])
    # the two half-intervals are swapped by f: one continuum orbit
    (orbit,) = continuum_orbits(rep, 2)
    assert len(orbit.components) == 2
    inv = rep.invariant
    assert inv.exists and frac(inv.lo) <= -1 and frac(inv.hi) >= 1


@pytest.mark.parametrize("c", [0.0, 1.0, -2.5, 0.375])
def test_constant_maps(c):
    specs = [affine(0.0, c),
             {"layers": [{"weight": [[0.0], [0.0]], "bias": [1.0, -1.0], "activation": "relu"},
                         {"weight": [[c, 3.0]], "bias": [0.0]}]}]
    for spec in specs:
        rep = periodic_orbits(net_of(spec), 5)
        assert rep.periods == [1]
        assert isolated_orbits(rep, 1) == [[Fraction(c)]]
        inv = rep.invariant
        assert inv.exists and frac(inv.lo) <= Fraction(c) <= frac(inv.hi)


# --------------------------------------------------------------------------- the paper's networks
def test_paper_figure_network_has_period_2_but_not_3():
    net = net_of(FIGURE)
    rep = periodic_orbits(net, 8)
    assert rep.periods == [1, 2]
    assert not rep.period_3 and not rep.positive_entropy
    assert rep.li_yorke_certificate is None
    orc = OracleMap(FIGURE)
    assert orc.periods(8) == {1, 2}
    (orbit,) = isolated_orbits(rep, 2)
    assert sorted(orbit) == sorted(orc.isolated_points(2))
    a, b = orbit
    assert net.exact(a) == b and net.exact(b) == a and a != b


def test_lipschitz_example_only_fixed_point_zero():
    net = net_of(LIPSCHITZ)
    rep = periodic_orbits(net, 8)
    assert rep.periods == [1]
    assert isolated_orbits(rep, 1) == [[Fraction(0)]]
    assert not continuum_orbits(rep, 1)
    assert rep.li_yorke_certificate is None
    orc = OracleMap(LIPSCHITZ)
    assert orc.periods(8) == {1}
    assert orc.fixed_set(8) == [(0, 0)]
    # yet the map is steep: slope 0.8 - 1.5 + 5 - 9 + 11 = 6.3 on [0.6, 0.7]
    assert max(abs(p[2]) for p in orc.pieces) > 6


# --------------------------------------------------------------------------- chaos / no chaos
def test_skew_tent_period_3_forces_everything():
    net = net_of(SKEW)
    N = 6
    rep = periodic_orbits(net, N)
    # f(1/9) = 1/3, f(1/3) = 1, f(1) = 0 <= 1/9: a Li-Yorke chain (values of the exact weights)
    assert chain(net.exact, Fraction(1, 9))
    assert rep.period_3 and rep.positive_entropy
    assert rep.periods == list(range(1, N + 1))  # Li-Yorke / Sharkovsky: period 3 forces all
    a = rep.li_yorke_certificate
    assert a is not None and verify_certificate(net, a) and chain(net.exact, frac(a))
    assert OracleMap(SKEW).periods(N) == set(range(1, N + 1))


def test_flat_top_tent_has_only_periods_1_2_4():
    """min(T(x), 13/16): the plateau [13/32, 19/32] goes to 13/16 -> 3/8 -> 3/4 -> 1/2 (plateau):
    a superstable 4-cycle.  No period 8 up to N = 8 means (Sharkovsky) no period that is not a
    power of 2 at all, so the entropy is zero."""
    net = net_of(FLAT_TOP)
    rep = periodic_orbits(net, 8)
    assert rep.periods == [1, 2, 4]
    assert OracleMap(FLAT_TOP).periods(8) == {1, 2, 4}
    assert not rep.positive_entropy and not rep.period_3
    assert rep.li_yorke_certificate is None
    cycle = [Fraction(3, 8), Fraction(3, 4), Fraction(1, 2), Fraction(13, 16)]
    assert cycle in isolated_orbits(rep, 4)
    assert isolated_orbits(rep, 2) == [[Fraction(2, 5), Fraction(4, 5)]]
    assert sorted(isolated_orbits(rep, 1)) == [[Fraction(0)], [Fraction(2, 3)]]


# --------------------------------------------------------------------------- Sharkovsky
def test_sharkovsky_order():
    top = 200
    expected = []
    for k in range(8):  # 2^k * odd, odd >= 3, by increasing k then odd
        expected += [2 ** k * m for m in range(3, top + 1, 2) if 2 ** k * m <= top]
    expected += [2 ** k for k in range(8, -1, -1) if 2 ** k <= top]
    assert sorted(range(1, top + 1), key=sharkovsky_key) == expected
    assert sorted([1, 2, 4, 8, 3, 5, 6, 12, 7], key=sharkovsky_key) == [3, 5, 7, 6, 12, 8, 4, 2, 1]
    with pytest.raises(ValueError):
        sharkovsky_key(0)


def test_sharkovsky_first():
    assert periodic_orbits(net_of(TENT), 6).sharkovsky_first == 3
    assert periodic_orbits(net_of(FLAT_TOP), 8).sharkovsky_first == 4
    assert periodic_orbits(net_of(affine(1.0, 1.0)), 3).sharkovsky_first is None


# --------------------------------------------------------------------------- invariant intervals
def test_invariant_interval_of_doubling_map_is_the_origin():
    inv = invariant_interval(PiecewiseLinear.from_network(net_of(affine(2.0, 0.0))))
    assert inv.exists and (frac(inv.lo), frac(inv.hi)) == (0, 0) and inv.forward_invariant
    rep = periodic_orbits(net_of(affine(2.0, 0.0)), 4)
    assert rep.periods == [1] and isolated_orbits(rep, 1) == [[Fraction(0)]]


@pytest.mark.parametrize("spec", [
    tails(0.5, -3.0, [(-1.0, -2.0), (-2.0, 2.0)]),           # left slope 1/2, right slope -3
    tails(-3.0, 0.5, [(0.5, -3.0), (1.5, 3.0)]),             # left slope -3, right slope 1/2
    tails(0.5, -3.0, [(-0.5, 3.0), (0.5, -6.0), (1.5, 3.0)]),
    tails(-3.0, 0.5, [(1.0, 2.0), (2.0, -2.0)]),
], ids=["half-left-steep-right", "steep-left-half-right", "zigzag", "steep-left-bump"])
def test_invariant_interval_with_unequal_tails(spec):
    N = 5
    net = net_of(spec)
    orc = OracleMap(spec)
    assert orc.pieces[0][2] in (Fraction(1, 2), -3) and orc.pieces[-1][2] in (Fraction(1, 2), -3)
    assert orc.pieces[0][2] != orc.pieces[-1][2]
    rep = periodic_orbits(net, N)
    assert set(rep.periods) == orc.periods(N)
    assert orc.periods(N)  # these maps do have periodic points
    inv = rep.invariant
    assert inv.exists
    lo, hi = frac(inv.lo), frac(inv.hi)
    for n in range(1, N + 1):
        for a, b in orc.fixed_set(n):
            assert lo <= a and b <= hi, f"Fix(f^{n}) has [{a}, {b}] outside [{lo}, {hi}]"
    if inv.forward_invariant:
        m, M = orc.range_on(lo, hi)
        assert lo <= m and M <= hi
    for n in range(1, N + 1):
        assert sorted(frac(x) for o in rep.orbits if o.period == n for x in o.points) == \
            sorted(orc.isolated_points(n))


def shift_cycle(p):
    """f = x + 2 - 2p relu(x - (2p - 3)) + 2p relu(x - (2p - 2)): f(x) = x + 2 on
    [0, 1], [2, 3], ..., and f(x) = x + 2 - 2p on [2p - 2, 2p - 1], so these p intervals are
    permuted cyclically and f^p is the identity on each."""
    return {"layers": [{"weight": [[1.0], [-1.0], [1.0], [1.0]],
                        "bias": [0.0, 0.0, -(2.0 * p - 3), -(2.0 * p - 2)], "activation": "relu"},
                       {"weight": [[1.0, -1.0, -2.0 * p, 2.0 * p]], "bias": [2.0]}]}


def test_period_3_continuum_of_intervals():
    net = net_of(shift_cycle(3))
    N = 6
    rep = periodic_orbits(net, N)
    (orbit,) = continuum_orbits(rep, 3)
    assert [(frac(c.lo), frac(c.hi)) for c in orbit.components] == [(0, 1), (2, 3), (4, 5)]
    assert not any(c.lo_open or c.hi_open for c in orbit.components)
    for x in (Fraction(0), Fraction(1, 3), Fraction(1)):
        assert net.exact(x) == x + 2 and net.exact(x + 2) == x + 4 and net.exact(x + 4) == x
    # period 3 forces every period; a certificate exists and checks
    assert rep.periods == list(range(1, N + 1)) and rep.period_3
    a = rep.li_yorke_certificate
    assert a is not None and verify_certificate(net, a) and chain(net.exact, frac(a))
    orc = OracleMap(shift_cycle(3))
    assert orc.periods(5) == set(range(1, 6))
    assert [0, 1] == [orc.continua(3)[0][0], orc.continua(3)[0][1]]


def test_period_2_continuum_of_intervals():
    net = net_of(shift_cycle(2))
    rep = periodic_orbits(net, 8)
    # f = x + 2 on [0, 1], x - 2 on [2, 3], slope -3 between: fixed point at 3/2 only
    assert rep.periods == [1, 2]
    assert isolated_orbits(rep, 1) == [[Fraction(3, 2)]]
    assert_per_set(rep, 2, lambda x: 0 <= x <= 1 or 2 <= x <= 3,
                   [Fraction(0), Fraction(1), Fraction(2), Fraction(3)])
    assert OracleMap(shift_cycle(2)).periods(8) == {1, 2}
