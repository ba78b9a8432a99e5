"""Property tests: rnnchaos's exact engine against the independent oracle in tests/oracle.py.

Random small networks (width 1-4, depth 2 or 3, relu / leaky_relu / hardtanh /
identity) with weights that are small dyadic rationals (ties, continua and
degenerate cases are likely) or general floats.
"""
from __future__ import annotations

import os
import sys
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(__file__))
from oracle import OracleMap, in_interval, same_set, sample_points, sign  # noqa: E402

from rnnchaos.exact.periodic import periodic_orbits, verify_certificate  # noqa: E402
from rnnchaos.exact.pl import PiecewiseLinear  # noqa: E402
from rnnchaos.networks.model import ScalarRNN  # noqa: E402

N = 5
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Keep the oracle's enumeration small (pieces of f^N grow like laps^N).
MAX_ORACLE_STATES = 3000

# --------------------------------------------------------------------------- strategies
dyadic = st.integers(-32, 32).map(lambda k: k / 8)
general = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
small_dyadic = st.integers(-16, 16).map(lambda k: k / 8)


def weights_of(mode):
    if mode == "dyadic":
        return dyadic
    if mode == "float":
        return general
    return st.one_of(dyadic, general)


@st.composite
def activation(draw, output=False):
    names = ["identity", "relu", "leaky_relu", "hardtanh"]
    if output:  # identity output is the paper's common case
        name = draw(st.sampled_from(["identity", "identity"] + names[1:]))
    else:
        name = draw(st.sampled_from(names))
    out = {"activation": name}
    if name == "leaky_relu":
        out["negative_slope"] = draw(st.sampled_from([0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 0.01]))
    if name == "hardtanh":
        lo = draw(small_dyadic)
        hi = lo + draw(st.integers(1, 24)) / 8
        out["min_val"], out["max_val"] = lo, hi
    return out


@st.composite
def random_net(draw):
    mode = draw(st.sampled_from(["dyadic", "dyadic", "float", "mixed"]))
    w = weights_of(mode)
    depth = draw(st.sampled_from([2, 3]))
    widths = [1] + [draw(st.integers(1, 4)) for _ in range(depth - 1)] + [1]
    layers = []
    for i in range(depth):
        rows, cols = widths[i + 1], widths[i]
        layer = {"weight": [[draw(w) for _ in range(cols)] for _ in range(rows)],
                 "bias": [draw(w) for _ in range(rows)]}
        layer.update(draw(activation(output=(i == depth - 1))))
        layers.append(layer)
    return {"layers": layers}


TAIL_SLOPES = [1.0, 1.0, -1.0, -1.0, 0.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 0.25]


@st.composite
def identity_embedded_net(draw):
    """f(x) = a relu(x) - b relu(-x) + c + sum_i a_i relu(w_i x + b_i): the tails have
    slopes a (right) and b (left), often +-1, so slope +-1 pieces (continua of fixed or
    period-2 points, translations) and every kind of tail are likely; dyadic weights."""
    a = draw(st.sampled_from(TAIL_SLOPES))
    b = a if draw(st.booleans()) else draw(st.sampled_from(TAIL_SLOPES))
    k = draw(st.integers(1, 3))
    W1 = [[1.0], [-1.0]] + [[draw(dyadic)] for _ in range(k)]
    b1 = [0.0, 0.0] + [draw(dyadic) for _ in range(k)]
    W2 = [[a, -b] + [draw(dyadic) for _ in range(k)]]
    c = draw(st.sampled_from([0.0, 0.0, 0.5, -0.25, 1.0]))
    out = draw(st.sampled_from([{"activation": "identity"}, {"activation": "identity"},
                                {"activation": "relu"},
                                {"activation": "leaky_relu", "negative_slope": 0.5},
                                {"activation": "hardtanh", "min_val": -2.0, "max_val": 2.0}]))
    return {"layers": [{"weight": W1, "bias": b1, "activation": "relu"},
                       {"weight": W2, "bias": [c], **out}]}


@st.composite
def zigzag_net(draw):
    """Sums of ReLU ramps with steep slopes of alternating sign (tent-like, often chaotic)."""
    k = draw(st.integers(2, 4))
    W1 = [[draw(st.sampled_from([1.0, 1.0, 2.0, 0.5, -1.0]))] for _ in range(k)]
    b1 = [draw(st.integers(-12, 12)) / 8 for _ in range(k)]
    W2 = [[draw(st.integers(4, 32)) / 8 * (-1) ** i for i in range(k)]]
    if draw(st.booleans()):
        W2 = [[w + draw(general) / 16 for w in W2[0]]]
    out = draw(st.sampled_from([{"activation": "identity"},
                                {"activation": "hardtanh", "min_val": -1.0, "max_val": 1.0},
                                {"activation": "hardtanh", "min_val": 0.0, "max_val": 1.0},
                                {"activation": "relu"}]))
    return {"layers": [{"weight": W1, "bias": b1, "activation": "relu"},
                       {"weight": W2, "bias": [draw(small_dyadic) / 4], **out}]}


@st.composite
def unimodal_net(draw):
    """a relu(x) - (a + d) relu(x - c) (+ a third ramp): tent-like maps near the onset of
    chaos, where period 3, period-doubling and boundary coincidences all occur."""
    a = draw(st.integers(8, 32)) / 8
    d = draw(st.integers(4, 32)) / 8
    c = draw(st.integers(1, 7)) / 8
    W1, b1, W2 = [[1.0], [1.0]], [0.0, -c], [[a, -(a + d)]]
    if draw(st.booleans()):
        W1.append([1.0])
        b1.append(-draw(st.integers(1, 12)) / 8)
        W2[0].append(draw(small_dyadic))
    if draw(st.booleans()):
        W2 = [[w * (1 + draw(general) / 64) for w in W2[0]]]
    out = draw(st.sampled_from([{"activation": "identity"}, {"activation": "identity"},
                                {"activation": "hardtanh", "min_val": 0.0, "max_val": 1.0}]))
    return {"layers": [{"weight": W1, "bias": b1, "activation": "relu"},
                       {"weight": W2, "bias": [0.0], **out}]}


@st.composite
def cycle_net(draw):
    """Continua of periodic points on purpose.  'shift': f = x + 2 - 2p relu(x - (2p - 3))
    + 2p relu(x - (2p - 2)) permutes [0, 1], [2, 3], ..., [2p - 2, 2p - 1] cyclically (a
    period-p continuum); 'reflect': f = clip(c - x) (a period-2 continuum).  Optional dyadic
    clipping of the output cuts or keeps the cycles."""
    kind = draw(st.sampled_from(["shift", "reflect"]))
    if kind == "shift":
        p = draw(st.integers(2, 4))
        W1 = [[1.0], [-1.0], [1.0], [1.0]]
        b1 = [0.0, 0.0, -(2.0 * p - 3), -(2.0 * p - 2)]
        W2 = [[1.0, -1.0, -2.0 * p, 2.0 * p]]
        c = 2.0
        lo, hi = draw(st.integers(-4, 2)) / 2, 2 * p - 1 + draw(st.integers(-2, 4)) / 2
    else:
        W1, b1, W2 = [[1.0], [-1.0]], [0.0, 0.0], [[-1.0, 1.0]]
        c = draw(st.integers(-8, 8)) / 4
        lo = draw(st.integers(-12, 8)) / 4
        hi = lo + draw(st.integers(1, 12)) / 4
    if draw(st.booleans()):
        out = {"activation": "hardtanh", "min_val": lo, "max_val": hi}
    else:
        out = {"activation": "identity"}
    return {"layers": [{"weight": W1, "bias": b1, "activation": "relu"},
                       {"weight": W2, "bias": [c], **out}]}


nets = st.one_of(cycle_net(), random_net(), random_net(), identity_embedded_net(), zigzag_net(), unimodal_net())


def prepare(spec, n=N):
    """(ScalarRNN, OracleMap) for spec, or reject it if the oracle would be too slow."""
    net = ScalarRNN.from_dict(spec)
    orc = OracleMap(spec)
    assume(len(orc.pieces) <= 12)
    assume(len(orc.iterate_states(n)) <= MAX_ORACLE_STATES)
    return net, orc


# --------------------------------------------------------------------------- helpers
def frac(x):
    return None if x is None else Fraction(str(x))


def comp_member(c):
    lo, hi = frac(c.lo), frac(c.hi)

    def member(x):
        if lo is not None and (x < lo or (c.lo_open and x == lo)):
            return False
        if hi is not None and (x > hi or (c.hi_open and x == hi)):
            return False
        return True
    return member


def report_per_member(rep, n):
    """Membership in the report's set of points of minimal period n."""
    pts = {frac(x) for o in rep.orbits if o.period == n for x in o.points}
    comps = [comp_member(c) for o in rep.orbits if o.period == n for c in o.components]
    return lambda x: x in pts or any(m(x) for m in comps)


def report_endpoints(rep, n):
    out = set()
    for o in rep.orbits:
        if o.period == n:
            out.update(frac(x) for x in o.points)
            for c in o.components:
                out.update(v for v in (frac(c.lo), frac(c.hi)) if v is not None)
    return out


def interior_point(c):
    lo, hi = frac(c.lo), frac(c.hi)
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    if lo is not None:
        return lo + 1
    if hi is not None:
        return hi - 1
    return Fraction(0)


def json_per_member(js, n):
    """Membership in the points of minimal period n as described by PeriodicReport.to_json()."""
    pts, ivs = set(), []
    for o in js["orbits"]:
        if o["period"] != n:
            continue
        if o["continuum"]:
            for (lo, hi), (lo_open, hi_open) in zip(o["points"], o["open_ends"]):
                ivs.append((None if lo == "-inf" else Fraction(lo), None if hi == "inf" else Fraction(hi),
                            lo_open, hi_open))
        else:
            pts.update(Fraction(x) for x in o["points"])

    def member(x):
        if x in pts:
            return True
        for lo, hi, lo_open, hi_open in ivs:
            if lo is not None and (x < lo or (lo_open and x == lo)):
                continue
            if hi is not None and (x > hi or (hi_open and x == hi)):
                continue
            return True
        return False
    return member


def chain_ok(orc, a):
    xs = [a]
    for _ in range(3):
        xs.append(orc(xs[-1]))
    x0, x1, x2, x3 = xs
    return (x3 <= x0 < x1 < x2) or (x3 >= x0 > x1 > x2)


# --------------------------------------------------------------------------- tests
@settings(max_examples=250, **SETTINGS)
@given(nets, st.lists(st.fractions(-8, 8, max_denominator=64), min_size=3, max_size=6))
def test_oracle_and_engine_agree_on_f(spec, xs):
    """The oracle's pieces describe f, and so does PiecewiseLinear.from_network."""
    net = ScalarRNN.from_dict(spec)
    orc = OracleMap(spec)
    pl = PiecewiseLinear.from_network(net)
    kinks = orc.kinks
    probes = list(xs) + sample_points(kinks)
    for x in probes:
        y = orc(x)
        assert y == net.exact(x)  # two independent exact evaluations
        assert Fraction(str(pl(Fraction(x)))) == y, x
        piece = [p for p in orc.pieces if in_interval(x, (p[0], p[1]))]
        assert piece and all(p[2] * x + p[3] == y for p in piece)
    # the canonical PL form keeps exactly the real kinks
    assert [frac(b) for b in pl.breakpoints] == kinks
    assert pl.num_pieces() == len(orc.pieces)


window = st.tuples(st.fractions(-4, 4, max_denominator=16), st.fractions(0, 4, max_denominator=16))


@settings(max_examples=200, **SETTINGS)
@given(nets, st.integers(1, 3), window)
def test_iterate_pieces_and_laps_agree(spec, n, win):
    net, orc = prepare(spec, n)
    pl = PiecewiseLinear.from_network(net).iterate(n)
    kinks = orc.iterate_kinks(n)
    assert [frac(b) for b in pl.breakpoints] == kinks
    for x in sample_points(kinks):
        assert Fraction(str(pl(x))) == orc.iterate(x, n)
    assert pl.num_pieces() == len(orc.iterate_pieces(n))
    assert pl.num_laps() == orc.laps(n)
    lo, hi = win[0], win[0] + win[1]
    if lo < hi:
        assert pl.num_laps(lo, hi) == orc.laps(n, lo, hi)
        inside = [k for k in kinks if lo < k < hi]
        vals = [orc.iterate(x, n) for x in [lo, hi] + inside]
        m, M = pl.range_on(lo, hi)
        assert (frac(m), frac(M)) == (min(vals), max(vals))


@settings(max_examples=400, **SETTINGS)
@given(nets)
def test_periodic_orbits_agree_with_oracle(spec):
    net, orc = prepare(spec)
    rep = periodic_orbits(net, N)

    # --- the set of minimal periods
    oracle_periods = orc.periods(N)
    assert set(rep.periods) == oracle_periods
    assert rep.period_3 == (3 in oracle_periods)
    assert rep.positive_entropy == any(p & (p - 1) for p in oracle_periods)
    assert rep.laps == orc.laps(1) and rep.pieces == len(orc.pieces)
    js = rep.to_json()
    assert js["periods"] == sorted(oracle_periods)
    assert js["period_3"] == js["li_yorke"] == (3 in oracle_periods)

    for n in range(1, N + 1):
        # --- Per_n as a set of reals (isolated points and continua together)
        ends = orc.per_endpoints(n) | report_endpoints(rep, n)
        bad = same_set(report_per_member(rep, n), lambda x: orc.in_per(x, n), ends)
        assert bad is None, f"period {n}: report and oracle differ at {bad}"

        # --- isolated points: exactly the oracle's isolated points of minimal period n
        iso_report = sorted(frac(x) for o in rep.orbits if o.period == n for x in o.points)
        assert iso_report == sorted(orc.isolated_points(n))
        assert len(set(iso_report)) == len(iso_report)  # no orbit reported twice

    # --- orbit structure: orbit order from the minimum, exact period
    for o in rep.orbits:
        if o.points:
            pts = [frac(x) for x in o.points]
            assert len(pts) == o.period
            assert pts[0] == min(pts)
            for a, b in zip(pts, pts[1:] + pts[:1]):
                assert orc(a) == b
            assert orc.iterate_min_period(pts[0], o.period) == o.period
        else:
            # a cycle of intervals: f maps each component onto the next, so there are exactly
            # `period` of them (a component mapped to itself by f^j, j < period, would contain
            # a point of smaller period)
            assert len(o.components) == o.period
            x = interior_point(o.components[0])
            for k in range(o.period):
                assert comp_member(o.components[k])(x), f"f^{k} of {x} leaves component {k}"
                assert orc.in_per(x, o.period)
                x = orc(x)
            assert comp_member(o.components[0])(x)
    # continuum components of different orbits are disjoint
    comps = [c for o in rep.orbits for c in o.components]
    for i, c in enumerate(comps):
        x = interior_point(c)
        assert sum(comp_member(d)(x) for d in comps) == 1

    # --- the JSON form describes the same sets
    for n in range(1, N + 1):
        member = json_per_member(js, n)
        ends = orc.per_endpoints(n) | report_endpoints(rep, n)
        bad = same_set(member, lambda x: orc.in_per(x, n), ends)
        assert bad is None, f"period {n}: to_json() and oracle differ at {bad}"

    # --- every periodic point (all n <= N) lies in the invariant interval
    inv = rep.invariant
    if inv.exists:
        lo, hi = frac(inv.lo), frac(inv.hi)
        assert lo <= hi
        for n in range(1, N + 1):
            for a, b in orc.fixed_set(n):
                assert a is not None and b is not None and lo <= a and b <= hi, (
                    f"Fix(f^{n}) component [{a}, {b}] outside invariant [{lo}, {hi}]")
        if inv.forward_invariant:
            m, M = orc.range_on(lo, hi)
            assert lo <= m and M <= hi
    elif "no periodic points" in inv.reason:
        assert oracle_periods == set()

    # --- Li-Yorke certificate
    cert = rep.li_yorke_certificate
    assert (cert is not None) == (3 in oracle_periods)
    if cert is not None:
        assert verify_certificate(net, cert)
        assert verify_certificate(net, str(cert))
        assert chain_ok(orc, frac(cert))
        assert Fraction(js["li_yorke_certificate"]) == frac(cert)
    else:
        assert js["li_yorke_certificate"] is None


@settings(max_examples=250, **SETTINGS)
@given(nets, st.integers(1, N))
def test_grid_sign_changes_bracket_reported_points(spec, n):
    """Every sign change of f^n(x) - x on a fine exact grid brackets a reported point
    whose minimal period divides n (and a grid zero is such a point)."""
    net, orc = prepare(spec)
    rep = periodic_orbits(net, N)
    inv = rep.invariant
    if inv.exists and inv.lo != inv.hi:
        lo, hi = frac(inv.lo), frac(inv.hi)
        pad = (hi - lo) / 8
        lo, hi = lo - pad, hi + pad
    else:
        lo, hi = Fraction(-6), Fraction(6)
    members = [report_per_member(rep, d) for d in range(1, n + 1) if n % d == 0]
    ends = sorted({e for d in range(1, n + 1) if n % d == 0 for e in report_endpoints(rep, d)})

    def reported_in(a, b):
        if any(m(a) or m(b) for m in members):
            return True
        inner = [e for e in ends if a < e < b] + [(a + b) / 2]
        return any(m(e) for e in inner for m in members)

    steps = 97
    grid = [lo + (hi - lo) * k / steps for k in range(steps + 1)]
    vals = [sign(orc.iterate(x, n) - x) for x in grid]
    for i, (x, v) in enumerate(zip(grid, vals)):
        if v == 0:
            assert any(m(x) for m in members), f"f^{n}({x}) = {x} not reported"
        if i and vals[i - 1] * v < 0:
            assert reported_in(grid[i - 1], x), (
                f"f^{n}(x) - x changes sign on [{grid[i - 1]}, {x}] with no reported point")
