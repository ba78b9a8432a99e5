"""Certified orbits: ball arithmetic against exact rational iteration; scrambling statistics;
the float-collapse warning; the report section (smoke test with a tiny plan)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnchaos.errors import SpecError
from rnnchaos.exact.orbits import (
    ball_orbit,
    certified_distances,
    exact_orbit,
    float_orbit,
)
from rnnchaos.exact.pl import PiecewiseLinear
from rnnchaos.networks.examples import distance_figure_map, tent_network
from rnnchaos.networks.model import ScalarRNN
from rnnchaos.studies.scrambling import (
    default_windows,
    distance_figure,
    float_collapse_example,
    scrambling_statistics,
)


def frac(v) -> Fraction:
    return Fraction(int(v.p), int(v.q))  # fmpq -> Fraction without decimal strings


def tent_fraction(x: Fraction) -> Fraction:
    """The tent map written directly in Fractions (independent of the package)."""
    return 2 * x if x <= Fraction(1, 2) else 2 - 2 * x


def test_exact_orbit_closed_form():
    assert [str(v) for v in exact_orbit(tent_network(), "2/9", 3)] == ["2/9", "4/9", "8/9", "2/9"]
    x = Fraction("0.175421")
    ref = [x]
    for _ in range(200):
        ref.append(tent_fraction(ref[-1]))
    assert [frac(v) for v in exact_orbit(tent_network(), "0.175421", 200)] == ref


def test_float_collapse_warning_example():
    ex = float_collapse_example()
    assert ex["float_zero_step"] is not None and ex["float_zero_step"] <= 60
    assert ex["exact_min"] > 0
    # independent check: 175421/10^6 is not dyadic, so no tent iterate is 0
    x = Fraction(175421, 10 ** 6)
    for _ in range(80):
        x = tent_fraction(x)
        assert x != 0
    fl = float_orbit(tent_network(), 0.175421, 80)
    assert fl[-1] == 0.0


def test_ball_orbit_contains_exact_orbit_distance_map():
    f = distance_figure_map()
    T = 400
    ob = ball_orbit(f, "0.175421", T, tol=1e-12)
    ex = exact_orbit(f, "0.175421", T)
    assert ob.within_tol and ob.prec > 53
    assert all(ob.contains(t, ex[t]) for t in range(T + 1))
    assert float(np.max(ob.radius)) <= 1e-12 + 1e-16
    lo, hi = ob.lo, ob.hi
    for t in (0, 100, 400):
        assert Fraction(lo[t]) <= frac(ex[t]) <= Fraction(hi[t])


def test_ball_orbit_layer_by_layer_tanh():
    net = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.5], [-0.7]], "bias": [0.1, 0.3], "activation": "tanh"},
        {"weight": [[0.8, 0.5]], "bias": [-0.05], "activation": "identity"}]})
    ob = ball_orbit(net, "0.3", 50, tol=1e-10)
    fl = float_orbit(net, 0.3, 50)  # a contracting map: float error stays ~1e-15
    assert ob.within_tol
    assert np.all(np.abs(fl - ob.mid) <= ob.radius + 1e-13)
    with pytest.raises(SpecError):
        exact_orbit(net, "0.3", 3)


def test_certified_distances_bracket_exact():
    f = tent_network()
    ox, oy = ball_orbit(f, "0.1", 60), ball_orbit(f, "0.1000001", 60)
    lo, hi = certified_distances(ox, oy)
    ex, ey = exact_orbit(f, "0.1", 60), exact_orbit(f, "0.1000001", 60)
    for t in range(61):
        d = abs(frac(ex[t]) - frac(ey[t]))
        assert Fraction(lo[t]) <= d <= Fraction(hi[t])
    assert lo[0] == pytest.approx(1e-7, rel=1e-9)


def test_distance_figure():
    d = distance_figure(150)
    assert d["ball_contains_exact"]
    assert d["d_lo"][0] == pytest.approx(1e-7, rel=1e-9)
    assert max(d["d_hi"]) > 0.3           # the distance grows to order 1 ...
    assert min(d["d_hi"][40:]) < 0.05     # ... and comes back near 0 at some times
    assert d["exact_bits"][-1] > d["exact_bits"][10]  # denominators grow


def test_scrambling_chaotic_vs_contracting():
    chaotic = scrambling_statistics(tent_network(), 4, 300, seed=1, windows=[(1, 100), (100, 301)],
                                    alpha=0.05, beta=0.1)
    assert all(r[1] > 0.1 for r in chaotic.max_lo)        # pairs separate to order 1
    assert all(r[1] < 0.05 for r in chaotic.min_hi)       # and come back close
    assert chaotic.scrambled()[1]["count"] == 4
    contracting = PiecewiseLinear.from_breaks([0], ["1/4", "1/2"], [0, 0])
    calm = scrambling_statistics(contracting, 4, 100, seed=1, interval=(0, 1))
    assert all(max(r) < 1e-6 for r in calm.max_lo)
    assert all(s["count"] == 0 for s in calm.scrambled())
    js = calm.to_json()
    assert js["pairs"] == 4 and len(js["windows"]) == 5


def test_default_windows_cover():
    w = default_windows(150, 5)
    assert w[0][0] == 1 and w[-1][1] == 151
    assert all(a[1] == b[0] for a, b in zip(w, w[1:]))


def test_bad_input():
    with pytest.raises(SpecError) as e:
        ball_orbit(tent_network(), "x", 3)
    assert e.value.field == "x0"
    with pytest.raises(SpecError) as e:
        ball_orbit(tent_network(), "0.1", -1)
    assert e.value.field == "steps"
    with pytest.raises(SpecError) as e:
        ball_orbit(tent_network(), "0.1", 3, tol=0)
    assert e.value.field == "tol"
    with pytest.raises(SpecError):
        scrambling_statistics(tent_network(), 0, 10, seed=0)


w = st.integers(-24, 24).map(lambda k: k / 8)


@st.composite
def small_net(draw):
    k = draw(st.integers(1, 3))
    return {"layers": [{"weight": [[draw(w)] for _ in range(k)], "bias": [draw(w) for _ in range(k)],
                        "activation": "relu"},
                       {"weight": [[draw(w) for _ in range(k)]], "bias": [draw(w)],
                        "activation": draw(st.sampled_from(["identity", "relu"]))}]}


@settings(deadline=None, max_examples=30,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(small_net(), st.integers(-40, 40), st.integers(1, 97))
def test_certified_orbit_agrees_with_exact(spec, num, den):
    net = ScalarRNN.from_dict(spec)
    x0 = Fraction(num, den)
    steps = 25
    ob = ball_orbit(net, f"{x0.numerator}/{x0.denominator}", steps, tol=1e-6, max_prec=4096)
    x = x0
    for t in range(steps + 1):
        assert ob.contains(t, x)  # exact value, layer by layer in Fractions
        x = net.exact(x)


def test_report_section_smoke(tmp_path, monkeypatch):
    from rnnchaos.reporting import figures_scalar as fs
    tiny = fs.ScalarPlan(distance_long_steps=200, scramble_networks=1, scramble_pairs=2,
                         scramble_steps=60, persistence_n=3, persistence_eps=(0.0, 0.1),
                         expressivity_n=2, expressivity_steps=4, expressivity_drawn_n=1,
                         expressivity_drawn_steps=3, lipschitz_orbits=3, lipschitz_steps=20,
                         lipschitz_networks=3)
    monkeypatch.setattr(fs, "QUICK", tiny)
    html = fs.report_section(tmp_path, "quick", 5)
    for name in ("scrambling.png", "persistence.png", "expressivity.png", "lipschitz.png",
                 "scalar_results.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert "Warning example" in html and "exactly 0 at step" in html
    assert "persistence.png" in html and "lipschitz.png" in html
    with pytest.raises(SpecError):
        fs.report_section(tmp_path, "medium", 5)
